"""Team roster: building, signing, serialising, and the trust rules of verify_roster."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.sync.identity import DeviceKeys, b64
from btam_desktop.core.sync.roster import (
    Roster,
    RosterDevice,
    RosterRejected,
    new_roster,
    verify_chain,
    verify_roster,
    verify_self_signed,
)

LEAD = DeviceKeys.generate("lead-laptop")
OFFICER = DeviceKeys.generate("officer-laptop")
SECOND = DeviceKeys.generate("second-laptop")
OUTSIDER = DeviceKeys.generate("outsider-laptop")
AT = "2025-03-01T10:00:00.000Z"


def team() -> tuple[Roster, Roster]:
    """Version 1 (lead alone) and version 2 (plus an officer's laptop)."""
    v1 = new_roster("North District BTAM", LEAD, "Lead laptop", "L01", team_id="team-1", at=AT)
    v2 = v1.with_device(OFFICER.public(), name="Patrol 7", code="P07", by=LEAD)
    return v1, v2


def forge(roster: Roster, signer: DeviceKeys, **changes: Any) -> Roster:
    """``roster`` with ``changes``, signed by ``signer`` whatever its standing."""
    unsigned = replace(roster, **changes, signature=b"")
    return replace(unsigned, signature=signer.sign(unsigned.signing_bytes()))


def rejected(new: Roster, trusted: Roster | None, reason: str) -> None:
    with pytest.raises(RosterRejected, match=reason):
        verify_roster(new, trusted)


# -- building ----------------------------------------------------------------------------------


def test_new_roster_is_version_one_self_signed_by_its_only_lead() -> None:
    v1, _ = team()
    assert v1.version == 1 and v1.team_id == "team-1" and v1.issued_by == LEAD.device_id
    assert [d.device_id for d in v1.leads()] == [LEAD.device_id]
    verify_roster(v1, None)
    verify_self_signed(v1)
    assert issubclass(RosterRejected, InvalidInput)


def test_new_roster_gets_a_fresh_team_id() -> None:
    one = new_roster("T", LEAD, "Lead", "L01")
    two = new_roster("T", LEAD, "Lead", "L01")
    assert one.team_id != two.team_id


def test_changes_make_new_signed_versions() -> None:
    v1, v2 = team()
    assert v2.version == 2 and v1.version == 1  # v1 unchanged (frozen)
    verify_roster(v2, v1)
    officer = v2.device(OFFICER.device_id)
    assert officer is not None and officer.role == "member" and officer.status == "active"
    v3 = v2.with_role(OFFICER.device_id, "lead", by=LEAD)
    verify_roster(v3, v2)
    assert {d.device_id for d in v3.leads()} == {LEAD.device_id, OFFICER.device_id}
    # The new lead may sign; the lead role can be handed over and the old lead retire.
    v4 = v3.revoked(LEAD.device_id, by=OFFICER)
    verify_roster(v4, v3)
    # v4 is signed by a lead that v2 does not know as a lead: a laptop holding v2 needs v3
    # first; given the chain, it accepts both.
    rejected(v4, v2, "not an active lead")
    assert verify_chain([v4, v3], v2) == v4
    verify_roster(v3.signed_by(LEAD), v2)  # a jump is fine when a lead of v2 signed it
    old = v4.device(LEAD.device_id)
    assert old is not None and old.status == "revoked" and old.revoked_at is not None
    assert [d.device_id for d in v4.active_devices()] == [OFFICER.device_id]
    v5 = v4.signed_by(OFFICER)
    assert v5.version == 5 and v5.same_content(v5) and not v5.same_content(v4)


def test_json_round_trip_and_order_independence() -> None:
    _, v2 = team()
    again = Roster.from_json(v2.to_json())
    assert again == v2
    verify_roster(again, v2)  # already known: no error
    shuffled = replace(v2, devices=tuple(reversed(v2.devices)))
    assert shuffled == v2 and shuffled.signing_bytes() == v2.signing_bytes()


def test_only_an_active_lead_may_sign() -> None:
    _, v2 = team()
    with pytest.raises(RosterRejected, match="only an active lead"):
        v2.signed_by(OFFICER)
    with pytest.raises(RosterRejected, match="only an active lead"):
        v2.with_device(SECOND.public(), name="X", code="X01", by=OUTSIDER)
    impostor = DeviceKeys(LEAD.device_id, OUTSIDER.sign_private, OUTSIDER.kem_private)
    with pytest.raises(RosterRejected, match="only an active lead"):
        v2.signed_by(impostor)
    v3 = v2.with_role(OFFICER.device_id, "lead", by=LEAD).revoked(LEAD.device_id, by=OFFICER)
    with pytest.raises(RosterRejected, match="only an active lead"):
        v3.signed_by(LEAD)  # revoked lead


def test_duplicate_device_code_refused() -> None:
    _, v2 = team()
    with pytest.raises(RosterRejected, match="P07 is already used"):
        v2.with_device(SECOND.public(), name="Patrol 8", code="P07", by=LEAD)
    dup = replace(v2.devices[1], device_id=SECOND.device_id, public=SECOND.public())
    with pytest.raises(RosterRejected, match="share a device code"):
        replace(v2, devices=(*v2.devices, dup))


def test_device_enrolled_only_once() -> None:
    _, v2 = team()
    with pytest.raises(RosterRejected, match="already in the roster"):
        v2.with_device(OFFICER.public(), name="Again", code="A01", by=LEAD)
    v3 = v2.revoked(OFFICER.device_id, by=LEAD)
    with pytest.raises(RosterRejected, match="already in the roster"):
        v3.with_device(OFFICER.public(), name="Again", code="A01", by=LEAD)
    with pytest.raises(RosterRejected, match="already revoked"):
        v3.revoked(OFFICER.device_id, by=LEAD)
    with pytest.raises(RosterRejected, match="revoked device cannot"):
        v3.with_role(OFFICER.device_id, "lead", by=LEAD)
    with pytest.raises(RosterRejected, match="no such device"):
        v3.revoked("nobody", by=LEAD)


def test_last_lead_cannot_be_removed_or_demoted() -> None:
    _, v2 = team()
    with pytest.raises(RosterRejected, match="at least one active lead"):
        v2.revoked(LEAD.device_id, by=LEAD)
    with pytest.raises(RosterRejected, match="at least one active lead"):
        v2.with_role(LEAD.device_id, "member", by=LEAD)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"code": "p07"}, "device code"),
        ({"code": "P0"}, "device code"),
        ({"name": ""}, "device name"),
        ({"name": "a\x00b"}, "device name"),
        ({"name": "x" * 201}, "device name"),
        ({"role": "boss"}, "lead or member"),
    ],
)
def test_bad_device_fields(kwargs: dict[str, Any], reason: str) -> None:
    _, v2 = team()
    args: dict[str, Any] = {"name": "Patrol 8", "code": "P08", "by": LEAD, **kwargs}
    with pytest.raises(RosterRejected, match=reason):
        v2.with_device(SECOND.public(), **args)


# -- trust rules -------------------------------------------------------------------------------


def test_forged_by_a_member_device() -> None:
    _, v2 = team()
    forged = forge(v2, OFFICER, version=3, issued_by=OFFICER.device_id)
    rejected(forged, v2, "not an active lead")


def test_forged_by_an_unknown_key_claiming_to_be_the_lead() -> None:
    _, v2 = team()
    forged = forge(v2, OUTSIDER, version=3)  # issued_by still names the lead
    rejected(forged, v2, "signature does not verify")


def test_forged_with_the_issuers_key_swapped_inside_the_new_roster() -> None:
    # The new roster lists an attacker key for the lead and signs with it: the key to check
    # the signature with comes from the trusted roster, so this fails.
    _, v2 = team()
    fake = DeviceKeys(LEAD.device_id, OUTSIDER.sign_private, OUTSIDER.kem_private)
    lead = v2.device(LEAD.device_id)
    assert lead is not None
    devices = tuple(replace(d, public=fake.public()) if d is lead else d for d in v2.devices)
    forged = forge(v2, fake, version=3, devices=devices)
    verify_self_signed(forged)  # self-consistent, yet:
    rejected(forged, v2, "signature does not verify")


def test_forged_by_an_unknown_device() -> None:
    _, v2 = team()
    outsider = RosterDevice(OUTSIDER.device_id, "Evil", "E66", OUTSIDER.public(), "lead",
                            "active", AT)
    forged = forge(v2, OUTSIDER, version=3, devices=(*v2.devices, outsider),
                   issued_by=OUTSIDER.device_id)
    verify_self_signed(forged)
    rejected(forged, v2, "not an active lead")


def test_signed_by_a_revoked_lead() -> None:
    _, v2 = team()
    v3 = v2.with_role(OFFICER.device_id, "lead", by=LEAD)
    v4 = v3.revoked(LEAD.device_id, by=OFFICER)
    forged = forge(v4, LEAD, version=5, issued_by=LEAD.device_id)
    rejected(forged, v4, "not an active lead")


def test_tampered_content_fails_the_signature() -> None:
    _, v2 = team()
    tampered = replace(v2, team_name="Renamed")
    rejected(tampered, replace(v2, version=1), "signature does not verify")
    data = v2.to_json()
    data["devices"][1]["role"] = "lead"
    rejected(Roster.from_json(data), team()[0], "signature does not verify")


def test_version_rollback() -> None:
    v1, v2 = team()
    rejected(v1, v2, r"older roster \(version 1; this laptop has version 2\)")


def test_conflicting_rosters_of_the_same_version() -> None:
    v1, _ = team()
    one = v1.with_device(OFFICER.public(), name="Patrol 7", code="P07", by=LEAD, at=AT)
    two = v1.with_device(SECOND.public(), name="Patrol 8", code="P08", by=LEAD, at=AT)
    rejected(two, one, "conflicting rosters")
    verify_roster(one, one)  # identical: already known


def test_other_team() -> None:
    _, v2 = team()
    other = new_roster("Other", LEAD, "Lead laptop", "L01", team_id="team-2", at=AT)
    rejected(forge(other, LEAD, version=9), v2, "another team")


def test_monotonic_rules() -> None:
    _, v2 = team()
    v3 = v2.revoked(OFFICER.device_id, by=LEAD)
    lead = v2.devices[0] if v2.devices[0].device_id == LEAD.device_id else v2.devices[1]
    rejected(forge(v2, LEAD, version=3, devices=(lead,)), v2, "dropped")
    officer = v2.device(OFFICER.device_id)
    assert officer is not None
    rekeyed = replace(officer, public=replace(officer.public, sign_public=SECOND.public()
                                              .sign_public))
    rejected(forge(v2, LEAD, version=3, devices=(lead, rekeyed)), v2, "keys were changed")
    recoded = replace(officer, code="Z99")
    rejected(forge(v2, LEAD, version=3, devices=(lead, recoded)), v2, "code was changed")
    rejected(forge(v2, LEAD, version=4), v3, "reinstated")


def test_verify_chain() -> None:
    v1, v2 = team()
    v3 = v2.revoked(OFFICER.device_id, by=LEAD)
    assert verify_chain([v3, v1, v2], None) == v3
    assert verify_chain([v2, v2], v1) == v2  # repeats are "already known"
    assert verify_chain([], v2) == v2
    with pytest.raises(RosterRejected, match="older roster"):
        verify_chain([v1], v3)
    with pytest.raises(RosterRejected, match="no roster"):
        verify_chain([], None)


def test_first_roster_rules() -> None:
    v1, v2 = team()
    rejected(v2, None, "no trusted roster")
    two_devices = forge(v2, LEAD, version=1)
    rejected(two_devices, None, "only its lead")
    member_signed = forge(v1, OUTSIDER)
    rejected(member_signed, None, "signature does not verify")


# -- hostile JSON ------------------------------------------------------------------------------


def _json_cases() -> list[tuple[Any, str]]:
    _, v2 = team()
    good = v2.to_json()
    cases: list[tuple[Any, str]] = [
        ([], "malformed roster"),
        ({**good, "format": 2}, "newer"),
        ({**good, "format": "1"}, "malformed roster"),
        ({**good, "extra": 1}, "malformed roster"),
        ({**good, "devices": {}}, "malformed roster"),
        ({**good, "devices": []}, "1..256 devices"),
        ({**good, "devices": [good["devices"][0]] * 300}, "1..256 devices"),
        ({**good, "devices": [good["devices"][0]] * 2}, "listed twice"),
        ({**good, "version": True}, "version"),
        ({**good, "version": 0}, "version"),
        ({**good, "signature": b64(b"x" * 63)}, "signature"),
        ({**good, "issued_by": "nobody"}, "issuing device"),
        ({**good, "issued_at": "now"}, "issued_at"),
        ({**good, "team_name": 5}, "team name"),
        ({**good, "devices": [{**good["devices"][0], "status": "gone"}]}, "status"),
        ({**good, "devices": [{**good["devices"][0], "revoked_at": AT}]}, "revocation time"),
        ({**good, "devices": [{**good["devices"][0], "kem_public": "@@"}]}, "base64"),
        ({**good, "devices": [{**good["devices"][0], "extra": 1}]}, "malformed device"),
        ({**good, "devices": ["x"]}, "malformed device"),
    ]
    return cases


@pytest.mark.parametrize(("data", "reason"), _json_cases())
def test_hostile_roster_json(data: Any, reason: str) -> None:
    with pytest.raises(RosterRejected, match=reason):
        Roster.from_json(data)
