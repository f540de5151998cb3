"""Invitation and join-request files: round trip, and hostile or wrong input refused."""

from __future__ import annotations

import json
import os
import struct
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.sync import invite, limits
from btam_desktop.core.sync.identity import DeviceKeys, b64, canonical_json
from btam_desktop.core.sync.invite import (
    InvitationExpired,
    InvitationSecret,
    InviteError,
    make_invitation,
    make_join_request,
    new_invite_passphrase,
    open_invitation,
    open_join_request,
)
from btam_desktop.core.sync.roster import new_roster, verify_roster

LEAD = DeviceKeys.generate("lead-laptop")
OFFICER = DeviceKeys.generate("officer-laptop")
OTHER = DeviceKeys.generate("other-laptop")
PASS = "correct horse battery"
NOW = "2025-03-01T10:00:00.000Z"
LATER = "2025-03-02T10:00:00.000Z"
EXPIRES = "2025-03-08T10:00:00.000Z"
MEMBERS = [{"name": "Ofc. Dana Reyes", "role": "officer", "badge": "4471"}]


def cheap_kdf() -> KdfParams:
    return KdfParams(salt=os.urandom(16), memory_kib=8, iterations=1, lanes=1)


ROSTER = new_roster("North District BTAM", LEAD, "Lead laptop", "L01", team_id="team-1", at=NOW)


def invitation_file(**overrides: Any) -> tuple[bytes, InvitationSecret]:
    args: dict[str, Any] = {"expires_at": EXPIRES, "kdf": cheap_kdf(), "now": NOW}
    args.update(overrides)
    return make_invitation(ROSTER, LEAD, PASS, **args)


_FILE, _SECRET = invitation_file()
_INVITATION = open_invitation(_FILE, PASS, now=LATER)
_REQUEST = make_join_request(_INVITATION, OFFICER, device_name="Patrol 7", device_code="P07",
                             members=MEMBERS, now=LATER)


def repack(data: bytes, magic: bytes, header: dict[str, Any] | bytes) -> bytes:
    """``data`` with another plain header (and so a broken AAD, which must not matter)."""
    (hlen,) = struct.unpack_from(">I", data, 8)
    raw = header if isinstance(header, bytes) else canonical_json(header)
    return magic + struct.pack(">I", len(raw)) + raw + data[12 + hlen :]


def header_of(data: bytes) -> dict[str, Any]:
    (hlen,) = struct.unpack_from(">I", data, 8)
    result: dict[str, Any] = json.loads(data[12 : 12 + hlen])
    return result


# -- round trip --------------------------------------------------------------------------------


def test_invite_join_approve_round_trip() -> None:
    invitation = _INVITATION
    assert invitation.invitation_id == _SECRET.invitation_id
    assert invitation.team_id == "team-1" and invitation.team_name == "North District BTAM"
    assert invitation.roster == ROSTER and invitation.lead == LEAD.public()
    assert invitation.expires_at == EXPIRES and invitation.created_at == NOW
    # The joiner derives the same request key without the lead's secret.
    assert invitation.request_key == _SECRET.request_key

    request = open_join_request(_REQUEST, _SECRET, now=LATER)
    assert request.device == OFFICER.public()
    assert request.device_name == "Patrol 7" and request.device_code == "P07"
    assert [m.to_json() for m in request.members] == MEMBERS
    assert request.team_id == "team-1"

    approved = ROSTER.with_device(request.device, name=request.device_name,
                                  code=request.device_code, by=LEAD)
    verify_roster(approved, invitation.roster)


def test_plain_parts_carry_no_content() -> None:
    assert b"North District" not in _FILE and b"Patrol 7" not in _REQUEST
    assert set(header_of(_FILE)) == {"format", "kdf", "nonce"}
    assert set(header_of(_REQUEST)) == {"format", "invitation_id", "device", "nonce"}


def test_passphrase_surrounding_spaces_and_generated_passphrases() -> None:
    assert open_invitation(_FILE, f"  {PASS}\n", now=LATER).invitation_id == _SECRET.invitation_id
    generated = new_invite_passphrase()
    assert len(generated) == 24 and generated.count("-") == 4
    data, _ = make_invitation(ROSTER, LEAD, generated, expires_at=EXPIRES, kdf=cheap_kdf(),
                              now=NOW)
    assert open_invitation(data, generated, now=LATER).team_id == "team-1"
    # Read out on the phone and typed in lower case, without dashes, with spaces: the same.
    typed = " ".join(generated.replace("-", "").lower()[i:i + 4] for i in range(0, 20, 4))
    assert open_invitation(data, typed, now=LATER).team_id == "team-1"


def test_secret_json_round_trip_and_repr() -> None:
    assert InvitationSecret.from_json(_SECRET.to_json()) == _SECRET
    assert b64(_SECRET.request_key) not in repr(_SECRET)
    assert b64(_INVITATION.request_key) not in repr(_INVITATION)
    with pytest.raises(InviteError, match="malformed invitation record"):
        InvitationSecret.from_json({**_SECRET.to_json(), "request_key": "AA=="})
    assert issubclass(InviteError, InvalidInput)


def test_default_kdf_is_the_key_slot_default() -> None:
    data, _ = make_invitation(ROSTER, LEAD, PASS, expires_at=EXPIRES, now=NOW)
    assert header_of(data)["kdf"]["memory_kib"] == KdfParams.fresh().memory_kib


# -- making ------------------------------------------------------------------------------------


def test_make_invitation_refuses() -> None:
    with pytest.raises(InviteError, match="only an active lead"):
        make_invitation(ROSTER, OFFICER, PASS, expires_at=EXPIRES, kdf=cheap_kdf(), now=NOW)
    with pytest.raises(InviteError, match="at least 8"):
        make_invitation(ROSTER, LEAD, " short ", expires_at=EXPIRES, kdf=cheap_kdf(), now=NOW)
    with pytest.raises(InviteError, match="future"):
        make_invitation(ROSTER, LEAD, PASS, expires_at=NOW, kdf=cheap_kdf(), now=NOW)
    with pytest.raises(InviteError, match="expiry"):
        make_invitation(ROSTER, LEAD, PASS, expires_at="next week", kdf=cheap_kdf(), now=NOW)
    with pytest.raises(InviteError, match="memory"):
        make_invitation(ROSTER, LEAD, PASS, expires_at=EXPIRES, now=NOW,
                        kdf=KdfParams(salt=os.urandom(16), memory_kib=1 << 26))


def test_make_join_request_refuses() -> None:
    def join(device: DeviceKeys = OTHER, **overrides: Any) -> bytes:
        args: dict[str, Any] = {"device_name": "Patrol 8", "device_code": "P08",
                                "members": MEMBERS, "now": LATER}
        args.update(overrides)
        return make_join_request(_INVITATION, device, **args)

    join()  # fine
    with pytest.raises(InviteError, match="L01 is already used"):
        join(device_code="L01")
    with pytest.raises(InviteError, match="already in the team"):
        join(device=LEAD)
    with pytest.raises(InviteError, match="device code"):
        join(device_code="p8")
    with pytest.raises(InviteError, match="device name"):
        join(device_name="")
    with pytest.raises(InviteError, match="member role"):
        join(members=[{"name": "X", "role": "sheriff", "badge": ""}])
    with pytest.raises(InviteError, match="name, role and badge"):
        join(members=[{"name": "X"}])
    with pytest.raises(InviteError, match="at most 200"):
        join(members=MEMBERS * 201)
    with pytest.raises(InvitationExpired):
        join(now="2025-04-01T00:00:00Z")


# -- opening invitations -----------------------------------------------------------------------


def test_wrong_passphrase() -> None:
    with pytest.raises(InviteError, match="wrong invitation passphrase"):
        open_invitation(_FILE, "not the passphrase", now=LATER)


def test_expired_invitation() -> None:
    with pytest.raises(InvitationExpired, match=r"expired at 2025-03-08T10:00:00\.000Z"):
        open_invitation(_FILE, PASS, now="2025-03-08T10:00:00.001Z")
    open_invitation(_FILE, PASS, now=EXPIRES)  # still valid at the exact expiry


def test_tampered_ciphertext_or_header() -> None:
    changed = bytearray(_FILE)
    changed[-1] ^= 1
    with pytest.raises(InviteError, match="or the file was altered"):
        open_invitation(bytes(changed), PASS, now=LATER)
    header = header_of(_FILE)
    header["nonce"] = b64(os.urandom(12))  # the header is associated data
    with pytest.raises(InviteError, match="or the file was altered"):
        open_invitation(repack(_FILE, invite.INVITE_MAGIC, header), PASS, now=LATER)


@pytest.mark.parametrize(
    ("kdf_change", "reason"),
    [
        ({"memory_kib": 64 * 1024 * 1024}, "memory"),  # 64 GiB
        ({"memory_kib": limits.MAX_KDF_MEMORY_KIB + 1}, "memory"),
        ({"memory_kib": 4}, "memory"),
        ({"iterations": 10_000}, "passes"),
        ({"iterations": 0}, "passes"),
        ({"lanes": 0}, "lanes"),
        ({"lanes": 1 << 20}, "lanes"),
        ({"iterations": 2**40}, "out of range"),
        ({"memory_kib": True}, "out of range"),
        ({"salt": b64(b"short")}, "salt"),
        ({"salt": "%%%"}, "base64"),
        ({"algorithm": "scrypt"}, "unsupported key derivation"),
        ({"extra": 1}, "malformed key derivation"),
    ],
)
def test_hostile_kdf_parameters_are_refused_before_deriving(
        kdf_change: dict[str, Any], reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    header = header_of(_FILE)
    header["kdf"].update(kdf_change)
    hostile = repack(_FILE, invite.INVITE_MAGIC, header)

    def never(self: KdfParams, secret: str) -> bytes:
        raise AssertionError("derived a key from hostile parameters")

    monkeypatch.setattr(KdfParams, "derive", never)
    with pytest.raises(InviteError, match=reason):
        open_invitation(hostile, PASS, now=LATER)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "truncated"),
        (b"BTAMBNDL" + _FILE[8:], "wrong magic"),
        (_FILE[:20], "truncated"),
        (_FILE + b"\0" * (limits.MAX_INVITE_BYTES), "larger than"),
        (_FILE[:8] + struct.pack(">I", 1 << 30) + _FILE[12:], "header length"),
        (repack(_FILE, invite.INVITE_MAGIC, b'{"format":[1,0],"format":[1,0]}'),
         "not valid JSON"),
        (repack(_FILE, invite.INVITE_MAGIC, b"[" * 3000), "not valid JSON"),
        (repack(_FILE, invite.INVITE_MAGIC, b"[1]"), "not a JSON object"),
        (repack(_FILE, invite.INVITE_MAGIC, {"format": [2, 0]}), "update BTAM Desktop"),
        (repack(_FILE, invite.INVITE_MAGIC, {"format": [0, 1]}), "unsupported"),
        (repack(_FILE, invite.INVITE_MAGIC, {"format": "1"}), "no valid format"),
        (repack(_FILE, invite.INVITE_MAGIC, b'{"format": [1, 0]}'), "canonical"),
        (repack(_FILE, invite.INVITE_MAGIC, {"format": [1, 0], "x": 1}), "unexpected fields"),
    ],
)
def test_hostile_invitation_files(data: bytes, reason: str) -> None:
    with pytest.raises(InviteError, match=reason):
        open_invitation(data, PASS, now=LATER)


def test_roster_inside_must_be_self_consistent() -> None:
    # Signed by the officer's key while naming the lead as issuer: made with the passphrase,
    # but the roster's signature does not verify.
    unsigned = replace(ROSTER, signature=b"")
    forged = replace(unsigned, signature=OFFICER.sign(unsigned.signing_bytes()))
    data, _ = make_invitation(forged, LEAD, PASS, expires_at=EXPIRES, kdf=cheap_kdf(), now=NOW)
    with pytest.raises(InviteError, match="roster in the invitation is not valid"):
        open_invitation(data, PASS, now=LATER)


def seal_invitation(body: bytes) -> bytes:
    """An invitation file around arbitrary content, made with the right passphrase."""
    kdf = cheap_kdf()
    nonce = os.urandom(12)
    header = canonical_json({"format": [1, 0], "kdf": invite._kdf_json(kdf), "nonce": b64(nonce)})
    prefix = invite.INVITE_MAGIC + struct.pack(">I", len(header)) + header
    key = invite._hkdf(kdf.derive(invite._normalise(PASS)), invite._FILE_KEY_INFO)
    return prefix + AESGCM(key).encrypt(nonce, body, prefix)


def _body(**changes: Any) -> bytes:
    body: dict[str, Any] = {
        "invitation_id": "inv-1", "team_id": ROSTER.team_id, "team_name": ROSTER.team_name,
        "roster": ROSTER.to_json(), "lead": LEAD.public().to_json(), "created_at": NOW,
        "expires_at": EXPIRES,
    }
    body.update(changes)
    return canonical_json(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_body(), ""),
        (_body(lead=OFFICER.public().to_json()), "not an active lead of the team"),
        (_body(team_id="team-2"), "does not match its roster"),
        (_body(team_name="Other"), "does not match its roster"),
        (_body(extra=1), "unexpected fields"),
        (_body(expires_at="soon"), "expiry"),
        (_body(invitation_id="bad id"), "invitation id"),
        (_body(lead={}), "device"),
        (_body(roster={"format": 1}), "roster in the invitation is not valid"),
        (b"[1]", "not a JSON object"),
        (b'{"a":1.5}', "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
        (b"\xff", "not valid JSON"),
    ],
)
def test_hostile_invitation_content(body: bytes, reason: str) -> None:
    data = seal_invitation(body)
    if not reason:
        assert open_invitation(data, PASS, now=LATER).invitation_id == "inv-1"
        return
    with pytest.raises(InviteError, match=reason):
        open_invitation(data, PASS, now=LATER)


def test_only_an_active_lead_can_invite() -> None:
    v2 = ROSTER.with_device(OFFICER.public(), name="Patrol 7", code="P07", by=LEAD)
    v3 = v2.with_role(OFFICER.device_id, "lead", by=LEAD)
    made, _ = make_invitation(v3, OFFICER, PASS, expires_at=EXPIRES, kdf=cheap_kdf(), now=NOW)
    assert open_invitation(made, PASS, now=LATER).lead == OFFICER.public()
    v4 = v3.with_role(OFFICER.device_id, "member", by=LEAD)
    with pytest.raises(InviteError, match="only an active lead"):
        make_invitation(v4, OFFICER, PASS, expires_at=EXPIRES, kdf=cheap_kdf(), now=NOW)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_flipped_byte_of_an_invitation_is_refused(data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(_FILE) - 1))
    changed = bytearray(_FILE)
    changed[at] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(InviteError):
        open_invitation(bytes(changed), PASS, now=LATER)


# -- opening join requests ---------------------------------------------------------------------


def test_join_request_for_another_invitation() -> None:
    _, other_secret = invitation_file()
    with pytest.raises(InviteError, match="answers another invitation"):
        open_join_request(_REQUEST, other_secret, now=LATER)


def test_join_request_without_the_passphrase() -> None:
    # Someone who learnt the invitation id but not the passphrase guesses a key.
    guessed = replace(_INVITATION, request_key=os.urandom(32))
    forged = make_join_request(guessed, OTHER, device_name="Evil", device_code="E66",
                               members=[], now=LATER)
    with pytest.raises(InviteError, match="not made with this invitation's passphrase"):
        open_join_request(forged, _SECRET, now=LATER)


def test_join_request_signed_by_another_key() -> None:
    body = _REQUEST[:-64]
    resigned = body + OTHER.sign(invite.JOIN_SIGNATURE_CONTEXT + body)
    with pytest.raises(InviteError, match="signature does not verify"):
        open_join_request(resigned, _SECRET, now=LATER)


def test_join_request_with_swapped_device_keys() -> None:
    header = header_of(_REQUEST)
    header["device"] = OTHER.public().to_json()
    swapped = repack(_REQUEST, invite.JOIN_MAGIC, header)[:-64]
    swapped += OTHER.sign(invite.JOIN_SIGNATURE_CONTEXT + swapped)
    # Signed by OTHER, but the passphrase holder encrypted for OFFICER's keys (header is AAD).
    with pytest.raises(InviteError, match="not made with this invitation's passphrase"):
        open_join_request(swapped, _SECRET, now=LATER)


def test_join_request_after_expiry() -> None:
    with pytest.raises(InvitationExpired):
        open_join_request(_REQUEST, _SECRET, now="2025-03-09T00:00:00Z")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_REQUEST[:-1], "truncated"),
        (_REQUEST + b"x", "unexpected bytes after"),
        (_REQUEST[:30], "truncated"),
        (invite.INVITE_MAGIC + _REQUEST[8:], "wrong magic"),
        (_REQUEST + b"\0" * limits.MAX_INVITE_BYTES, "larger than"),
        (repack(_REQUEST, invite.JOIN_MAGIC, {"format": [1, 0]}), "unexpected fields"),
        (repack(_REQUEST, invite.JOIN_MAGIC, {**header_of(_REQUEST), "device": {}}), "device"),
        (repack(_REQUEST, invite.JOIN_MAGIC, {**header_of(_REQUEST), "format": [3, 0]}),
         "update BTAM Desktop"),
    ],
)
def test_hostile_join_request_files(data: bytes, reason: str) -> None:
    with pytest.raises(InviteError, match=reason):
        open_join_request(data, _SECRET, now=LATER)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_flipped_byte_of_a_join_request_is_refused(data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(_REQUEST) - 1))
    changed = bytearray(_REQUEST)
    changed[at] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(InviteError):
        open_join_request(bytes(changed), _SECRET, now=LATER)


def test_each_refusal_names_the_file_it_refuses() -> None:
    """Found in the new-user walk: a damaged join request was refused as "invitation refused:
    truncated join request" (every InviteError was worded so); a lead holds both kinds of
    file, so the words sent them to the wrong one. The CLI and the app each worked around it."""
    with pytest.raises(InviteError) as request_refused:
        open_join_request(_REQUEST[:40], _SECRET, now=LATER)
    assert str(request_refused.value) == "join request refused: truncated join request"
    assert request_refused.value.what == "join request"
    with pytest.raises(InvitationExpired) as late:  # the subclass kept, renamed
        open_join_request(_REQUEST, _SECRET, now="2025-03-09T10:00:00.000Z")
    assert str(late.value).startswith("join request refused: ")
    assert "invitation refused" not in str(late.value)
    with pytest.raises(InviteError) as invitation_refused:
        open_invitation(_FILE[:40], PASS, now=LATER)
    assert str(invitation_refused.value) == "invitation refused: truncated invitation"
