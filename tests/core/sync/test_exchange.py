"""Bundles end to end: a team is set up with an invitation, laptops exchange real bundle files,
and every hostile or mistaken bundle is refused with its reason and changes nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.core import schema
from btam_desktop.core.errors import InvalidInput, PermissionDenied
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, exchange, limits, payload, team
from btam_desktop.core.sync.bundle import BundleRefused
from btam_desktop.core.sync.invite import InviteError
from btam_desktop.core.sync.roster import RosterRejected
from tests.conftest import cheap_kdf

from .conftest import snapshot

Laptops = Callable[[str], Session]
INVITE_PASS = "KQ7M-R2XT-PW9H-4CDN-B8JV"


def enrol(lead: Session, laptop: Session, tmp: Path, *, role: str = "member") -> None:
    """The whole invitation round: invite, join, approve, first bundle back."""
    name = laptop.device_code
    team.invite(lead, tmp / f"invite-{name}.btaminvite", INVITE_PASS, kdf=cheap_kdf())
    team.join(laptop, tmp / f"invite-{name}.btaminvite", INVITE_PASS,
              tmp / f"request-{name}.btamjoin")
    team.approve(lead, str(tmp / f"request-{name}.btamjoin"), role=role)


@pytest.fixture
def trio(laptops: Laptops, tmp_path: Path) -> tuple[Session, Session, Session]:
    """A lead laptop and two officers' laptops, enrolled in one team."""
    lead, b, c = laptops("A"), laptops("B"), laptops("C")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, b, tmp_path)
    enrol(lead, c, tmp_path)
    return lead, b, c


def send(src: Session, dst: Session, tmp: Path, **kwargs: object) -> exchange.ImportSummary:
    out = tmp / f"{src.device_code}-{src.db.meta('sync:out_seq') or 0}.btambundle"
    exchange.export_bundle(src, out, **kwargs)  # type: ignore[arg-type]
    return exchange.import_file(dst, out)


def unchanged(session: Session) -> str:
    """A fingerprint of the vault file after moving everything committed into it."""
    session.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    digest = hashlib.sha256(session.path.read_bytes()).hexdigest()
    return digest + json.dumps(snapshot(session), sort_keys=True, default=str)


def test_a_team_exchanges_cases_both_ways(trio: tuple[Session, Session, Session],
                                          tmp_path: Path) -> None:
    lead, b, c = trio
    case = b.store.create_case("Reported at the front desk", concern="moderate")
    b.store.add_note(case.id, "Officer spoke with the reporting party")
    summary = send(b, lead, tmp_path)
    assert summary.report.created["cases"] == 1
    assert "1 new case," in "\n".join(summary.lines())
    assert lead.store.get_case(case.number).title == "Reported at the front desk"
    send(lead, c, tmp_path)
    assert c.store.get_case(case.number).concern == "moderate"
    # B's roster learns about C through the lead's bundle.
    send(lead, b, tmp_path)
    assert {d.code for d in team.require_roster(b).devices} == {
        lead.device_code, b.device_code, c.device_code}
    assert team.require_roster(b).version == team.require_roster(lead).version
    # "Since last sync": nothing new for C means an (almost) empty bundle.
    again = send(lead, c, tmp_path)
    assert again.report.created.total() == 0


def test_since_last_sync_sends_only_what_was_not_acknowledged(
        trio: tuple[Session, Session, Session], tmp_path: Path) -> None:
    lead, b, _ = trio
    for i in range(3):
        b.store.create_case(f"Case {i}", concern="low")
    send(b, lead, tmp_path)
    send(lead, b, tmp_path)  # carries the lead's acknowledgement back to B
    b.store.create_case("Only this one is new", concern="low")
    out = tmp_path / "incremental.btambundle"
    result = exchange.export_bundle(b, out, to=[lead.device_code])
    assert result.counts["cases"] == 1
    full = exchange.export_bundle(b, tmp_path / "full.btambundle", full=True)
    assert full.counts["cases"] == 4


def test_reimport_says_already_imported_and_changes_nothing(
        trio: tuple[Session, Session, Session], tmp_path: Path) -> None:
    lead, b, _ = trio
    b.store.create_case("Once", concern="low")
    out = tmp_path / "once.btambundle"
    exchange.export_bundle(b, out)
    exchange.import_file(lead, out)
    before = unchanged(lead)
    again = exchange.import_file(lead, out)
    assert again.already_imported
    assert "already imported" in again.lines()[0]
    assert unchanged(lead) == before


def test_bundles_in_any_order_end_in_the_same_vault(
        trio: tuple[Session, Session, Session], tmp_path: Path) -> None:
    lead, b, _ = trio
    case = b.store.create_case("Ordered", concern="low")
    paths = []
    for title in ("Ordered, renamed", "Ordered, renamed again"):
        paths.append(tmp_path / f"{len(paths)}.btambundle")
        exchange.export_bundle(b, paths[-1], to=[lead.device_code])
        b.store.update_case(case.id, {"title": title})
    paths.append(tmp_path / "last.btambundle")
    exchange.export_bundle(b, paths[-1], to=[lead.device_code])
    exchange.import_file(lead, paths[0])
    summary = exchange.import_file(lead, paths[2])
    assert summary.missing_before == [2]
    assert "#2" in "\n".join(summary.lines())
    exchange.import_file(lead, paths[1])
    assert lead.store.get_case(case.id).title == "Ordered, renamed again"
    assert b.store.get_case(case.id).title == "Ordered, renamed again"


def test_export_never_overwrites_and_is_owner_only(
        trio: tuple[Session, Session, Session], tmp_path: Path) -> None:
    _, b, _ = trio
    out = tmp_path / "out.btambundle"
    exchange.export_bundle(b, out)
    assert out.stat().st_mode & 0o777 == 0o600
    with pytest.raises(InvalidInput, match="already exists"):
        exchange.export_bundle(b, out)
    header = exchange.inspect(out)
    assert header.sender_device_id == b.device_id and header.sequence == 1
    assert "Lakeside" not in json.dumps(header.to_json())  # no content in the plain header


def test_join_with_a_wrong_passphrase_changes_nothing(laptops: Laptops, tmp_path: Path) -> None:
    lead, b = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    team.invite(lead, tmp_path / "i.btaminvite", INVITE_PASS, kdf=cheap_kdf())
    with pytest.raises(InviteError):
        team.join(b, tmp_path / "i.btaminvite", "WRONG-PASS-PHRA-SE00-0000",
                  tmp_path / "r.btamjoin")
    assert team.roster(b) is None and not (tmp_path / "r.btamjoin").exists()


def test_only_a_lead_device_changes_the_team(trio: tuple[Session, Session, Session],
                                             tmp_path: Path) -> None:
    _, b, c = trio
    with pytest.raises(PermissionDenied):
        team.revoke(b, c.device_code)


def test_a_device_code_already_in_the_team_is_replaced_before_any_case(
        laptops: Laptops, tmp_path: Path) -> None:
    lead, b = laptops("A"), laptops("B")
    b.db.set_meta("device_code", lead.device_code)
    b.device_code = lead.device_code
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, b, tmp_path)
    assert b.device_code != lead.device_code
    assert b.store.create_case("New code", concern="low").number.endswith(b.device_code)


# -- hostile and mistaken bundles -------------------------------------------------------------
def _bundle(src: Session, tmp: Path, name: str = "x.btambundle") -> Path:
    out = tmp / name
    exchange.export_bundle(src, out)
    return out


def _refused(dst: Session, data: bytes, match: str) -> None:
    before = unchanged(dst)
    with pytest.raises(BundleRefused, match=match):
        exchange.import_bytes(dst, data)
    assert unchanged(dst) == before


@pytest.mark.parametrize(("where", "match"), [
    ("header", "header|signature|JSON|malformed|magic"),
    ("ciphertext", "signature"),
    ("signature", "signature"),
])
def test_a_flipped_byte_is_refused(trio: tuple[Session, Session, Session], tmp_path: Path,
                                   where: str, match: str) -> None:
    lead, b, _ = trio
    b.store.create_case("Tampered", concern="low")
    data = bytearray(_bundle(b, tmp_path).read_bytes())
    header_len = int.from_bytes(data[8:12], "big")
    offset = {"header": 12 + header_len // 2, "ciphertext": 12 + header_len + 8 + 20,
              "signature": len(data) - 10}[where]
    data[offset] ^= 0x40
    _refused(lead, bytes(data), match)


def test_truncated_and_garbage_files_are_refused(trio: tuple[Session, Session, Session],
                                                 tmp_path: Path) -> None:
    lead, b, _ = trio
    data = _bundle(b, tmp_path).read_bytes()
    _refused(lead, data[: len(data) // 2], "truncated|length|short|size")
    _refused(lead, b"PK\x03\x04 not a bundle at all", "not a BTAM bundle|magic|truncated")


def test_an_unknown_sender_is_refused(laptops: Laptops, trio: tuple[Session, Session, Session],
                                      tmp_path: Path) -> None:
    lead, _, _ = trio
    stranger = laptops("S")
    team.create_team(stranger, "Another team")
    stranger.store.create_case("Not yours", concern="low")
    keys = team.device_keys(stranger)
    doc = payload.collect(stranger.db, device_id=stranger.device_id, ack={},
                          roster=team.chain_json(stranger))
    data = bundle.write_bundle(
        doc, sender=keys, recipients=[team.device_public(lead)],
        schema_version=schema.LATEST, kind="sync", team_id=team.require_roster(lead).team_id,
        sequence=1, prev_hash="", counts={})
    _refused(lead, data, "not in this team's roster")


def test_a_revoked_laptop_is_refused(trio: tuple[Session, Session, Session],
                                     tmp_path: Path) -> None:
    lead, b, _ = trio
    b.store.create_case("Sent after revocation", concern="low")
    out = _bundle(b, tmp_path)
    team.revoke(lead, b.device_code)
    _refused(lead, out.read_bytes(), "revoked")
    with pytest.raises(InvalidInput, match="revoked"):
        exchange.export_bundle(lead, tmp_path / "to-b.btambundle", to=[b.device_code])


def test_a_bundle_not_addressed_to_this_laptop_is_refused(
        trio: tuple[Session, Session, Session], tmp_path: Path) -> None:
    lead, b, c = trio
    out = tmp_path / "for-lead.btambundle"
    exchange.export_bundle(b, out, to=[lead.device_code])
    send(lead, c, tmp_path)  # C learns B's keys from the lead's roster
    _refused(c, out.read_bytes(), "not addressed to this device")


def test_a_forged_roster_is_refused(trio: tuple[Session, Session, Session],
                                    tmp_path: Path) -> None:
    lead, b, c = trio
    # B (a member device) signs a roster that makes itself a lead.
    keys = team.device_keys(b)
    current = team.require_roster(lead)
    promoted = current.with_role(b.device_id, "lead", by=team.device_keys(lead))
    unsigned = dataclasses.replace(promoted, issued_by=b.device_id, signature=b"")
    forged = dataclasses.replace(unsigned, signature=keys.sign(unsigned.signing_bytes()))
    forged_doc = {"chain": [*team.chain_json(lead)["chain"], forged.to_json()]}
    doc = payload.collect(b.db, device_id=b.device_id, ack={}, roster=forged_doc)
    data = bundle.write_bundle(
        doc, sender=keys, recipients=[team.device_public(lead)],
        schema_version=schema.LATEST, kind="sync", team_id=current.team_id, sequence=7,
        prev_hash="", counts={})
    _refused(lead, data, "roster|signature|lead")
    del c


def test_malformed_records_and_unknown_tables_are_refused(
        trio: tuple[Session, Session, Session], tmp_path: Path) -> None:
    lead, b, _ = trio
    b.store.create_case("Malformed", concern="low")
    doc = payload.collect(b.db, device_id=b.device_id, ack={}, roster=team.chain_json(b))
    doc["changes"][-1][1] = "sqlite_master"
    data = bundle.write_bundle(
        doc, sender=team.device_keys(b), recipients=[team.device_public(lead)],
        schema_version=schema.LATEST, kind="sync", team_id=team.require_roster(b).team_id,
        sequence=9, prev_hash="", counts={})
    _refused(lead, data, "unknown table")


def test_a_far_future_clock_is_refused(trio: tuple[Session, Session, Session],
                                       tmp_path: Path) -> None:
    lead, b, _ = trio
    b.store.create_case("Future", concern="low")
    doc = payload.collect(b.db, device_id=b.device_id, ack={}, roster=team.chain_json(b))
    doc["changes"][-1][6] = "999999999999999.00000"
    data = bundle.write_bundle(
        doc, sender=team.device_keys(b), recipients=[team.device_public(lead)],
        schema_version=schema.LATEST, kind="sync", team_id=team.require_roster(b).team_id,
        sequence=11, prev_hash="", counts={})
    last = lead.clock.last
    _refused(lead, data, "24 hours ahead")
    assert lead.clock.last == last


def test_a_newer_format_says_to_update(trio: tuple[Session, Session, Session],
                                       tmp_path: Path) -> None:
    lead, b, _ = trio
    doc = payload.collect(b.db, device_id=b.device_id, ack={}, roster=team.chain_json(b))
    data = bundle.write_bundle(
        doc, sender=team.device_keys(b), recipients=[team.device_public(lead)],
        schema_version=schema.LATEST + 1, kind="sync", team_id=team.require_roster(b).team_id,
        sequence=12, prev_hash="", counts={})
    _refused(lead, data, "update BTAM Desktop")


def test_an_oversized_file_is_refused_before_reading(
        trio: tuple[Session, Session, Session], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, b, _ = trio
    out = _bundle(b, tmp_path)
    monkeypatch.setattr(limits, "MAX_BUNDLE_BYTES", 100)
    before = unchanged(lead)
    with pytest.raises(BundleRefused, match=r"larger|limit|too large"):
        exchange.import_file(lead, out)
    assert unchanged(lead) == before


def test_two_bundles_under_one_number_are_a_cloned_laptop(
        trio: tuple[Session, Session, Session], tmp_path: Path) -> None:
    lead, b, _ = trio
    b.store.create_case("Original", concern="low")
    first = _bundle(b, tmp_path, "first.btambundle")
    exchange.import_file(lead, first)
    # The clone: same device, same sequence number, different content.
    doc = payload.collect(b.db, device_id=b.device_id, ack={}, roster=team.chain_json(b))
    clone = bundle.write_bundle(
        doc, sender=team.device_keys(b), recipients=[team.device_public(lead)],
        schema_version=schema.LATEST, kind="sync", team_id=team.require_roster(b).team_id,
        sequence=1, prev_hash="", counts={})
    with pytest.raises(BundleRefused, match="cloned"):
        exchange.import_bytes(lead, clone)
    assert [f["sender_device_id"] for f in exchange.forks(lead)] == [b.device_id]


def test_two_different_rosters_of_one_version_are_refused(
        trio: tuple[Session, Session, Session]) -> None:
    lead, _, _ = trio
    chain = team.chain_json(lead)
    with lead.operation("test") as _op, pytest.raises(RosterRejected):
        team.adopt_roster(lead, {"chain": [chain["chain"][-1] | {"team_name": "Renamed"}]})


@pytest.mark.parametrize("mutation", ["bad_enum", "missing_required", "record_twice"])
def test_records_the_database_would_refuse_are_refused_cleanly(
        trio: tuple[Session, Session, Session], tmp_path: Path, mutation: str) -> None:
    lead, b, _ = trio
    case = b.store.create_case("Valid", concern="low")
    b.store.add_note(case.id, "A note")
    doc = payload.collect(b.db, device_id=b.device_id, ack={}, roster=team.chain_json(b))
    table = "timeline" if mutation == "record_twice" else "cases"
    insert = next(c for c in doc["changes"] if c[1] == table and c[3] == "*")
    values = json.loads(insert[4])
    if mutation == "bad_enum":
        values["concern"] = "apocalyptic"
    elif mutation == "missing_required":
        values["title"] = None
    else:  # the same record again under another change id
        twin = list(insert)
        twin[0] = "01a23b00-0000-7000-8000-000000000001"
        doc["changes"].append(twin)
    insert[4] = json.dumps(values)
    data = bundle.write_bundle(
        doc, sender=team.device_keys(b), recipients=[team.device_public(lead)],
        schema_version=schema.LATEST, kind="sync", team_id=team.require_roster(b).team_id,
        sequence=21, prev_hash="", counts={})
    _refused(lead, data, "malformed|twice")


def test_an_import_summary_is_in_plain_singular_and_plural_words() -> None:
    """Found in the new-user walk: the Sync page and the watched folder show the core's
    summary as is, and it read like a command line's: "1 new timeline entr(y/ies)"."""
    from collections import Counter

    from btam_desktop.core.sync.merge import MergeReport

    def text(count: int) -> str:
        report = MergeReport(applied=count, older=count, held=count, released=count,
                             new_conflicts=count, withdrawn=count, withdraw_waiting=count,
                             not_lead_purges=count, not_lead_resolutions=count,
                             created=Counter({"cases": count, "submissions": count,
                                              "timeline": count}),
                             updated={"cases": {f"case-{n}" for n in range(count)}})
        summary = exchange.ImportSummary("b", "d", "Patrol 7", 4, report=report)
        return "\n".join(summary.lines())

    one, two = text(1), text(2)
    assert "(s)" not in one + two and "(y/ies)" not in one + two
    assert ("1 new case, 1 updated case, 1 new form, 1 new timeline entry" in one
            and "1 change applied" in one and "1 older value kept" in one
            and "1 new conflict for" in one and "1 record held until" in one
            and "1 record held earlier is now applied" in one
            and "1 case no longer assigned to this laptop was removed" in one
            and "1 case to be removed from this laptop waits" in one
            and "1 record purge and 1 conflict resolution made" in one), one
    assert ("2 new cases, 2 updated cases, 2 new forms, 2 new timeline entries" in two
            and "2 changes applied" in two and "2 records held earlier are now" in two
            and "2 cases no longer assigned to this laptop were removed" in two
            and "2 cases to be removed from this laptop wait until" in two), two
