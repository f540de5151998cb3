"""Who made a lead's change, proven: a purge, a resolution or a form review relayed by one
laptop to another counts only when the lead laptop named on it signed it.

Bundles are relayed (lead -> B -> C) and a bundle's signature is its sender's. Before the
change signatures (schema v19), a tampered member laptop could write the lead laptop's device
id on a purge it made up and pass it on: third laptops erased the team's records. Each test
below runs through real bundle files; "tampered" laptops are modelled by editing their vault
past the write path, as someone holding the laptop and its passphrase could."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, team
from btam_desktop.core.sync.bundle import BundleRefused
from tests.core.test_submissions import valid_contact

from .test_exchange import enrol, send, unchanged

Laptops = Callable[[str], Session]


@pytest.fixture
def team4(laptops: Laptops, tmp_path: Path) -> tuple[Session, Session, Session, Session]:
    """A lead laptop and three members' laptops, each holding the roster naming all four."""
    lead, b, c, d = laptops("A"), laptops("B"), laptops("C"), laptops("D")
    team.create_team(lead, "Lakeside BTAM")
    for laptop in (b, c, d):
        enrol(lead, laptop, tmp_path)
    for laptop in (b, c, d):
        send(lead, laptop, tmp_path)
    return lead, b, c, d


def _has_sig_columns(session: Session) -> bool:
    return any(r[1] == "sig" for r in session.db.query("PRAGMA table_info(tombstones)"))


def _as_the_lead(forger: Session, lead: Session, where: str, params: tuple[object, ...] = (),
                 *, tombstones: bool = False) -> None:
    """The forger rewrites changes it made (``where``) as if the lead laptop had made them:
    the lead's device id, and no signature (it has no lead's key to sign with)."""
    sig = ", sig = NULL" if _has_sig_columns(forger) else ""
    forger.db.execute(f"UPDATE changes SET device_id = ?{sig} WHERE device_id = ? AND {where}",
                      (lead.device_id, forger.device_id, *params))
    if tombstones:
        proof = ", change_id = NULL, sig = NULL" if sig else ""
        forger.db.execute(f"UPDATE tombstones SET device_id = ?{proof} WHERE device_id = ?",
                          (lead.device_id, forger.device_id))


def _no_roster_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tampered laptop does not refuse itself what only a lead laptop may do."""
    monkeypatch.setattr(team, "lead_refusal", lambda session: None)


def _tombstoned(session: Session, record_id: str) -> bool:
    return bool(session.db.scalar("SELECT 1 FROM tombstones WHERE record_id = ?", (record_id,)))


# -- made up on the way: not applied, and said so -------------------------------------------------
def test_a_purge_forged_in_the_lead_s_name_is_not_applied_by_a_third_laptop(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, forger, third, _ = team4
    case = lead.store.create_case("Threats at the depot", concern="high")
    lead.store.add_note(case.id, "Interview with the foreman")
    send(lead, forger, tmp_path)
    send(lead, third, tmp_path)
    forger.store.delete_case(case.number)
    _no_roster_check(monkeypatch)
    forger.store.purge_case(case.number)
    monkeypatch.undo()
    _as_the_lead(forger, lead, "field = '__purged__'", tombstones=True)
    summary = send(forger, third, tmp_path)
    kept = third.store.get_case(case.number)  # the team's record is still there
    assert kept.title == "Threats at the depot"
    assert not _tombstoned(third, case.id)
    assert summary.report.not_proven_purges >= 1
    assert summary.report.not_lead_purges == 0
    text = "\n".join(summary.lines())
    assert "not proven" in text and "tampered" in text
    # Set aside, not logged: the third laptop does not pass it on either.
    assert not third.db.scalar("SELECT 1 FROM changes WHERE field = '__purged__'")


def test_a_resolution_forged_in_the_lead_s_name_is_not_applied(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, forger, third, _ = team4
    case = lead.store.create_case("Letters to the clinic", concern="moderate")
    send(lead, forger, tmp_path)
    lead.store.update_case(case.id, {"status": "monitoring"})
    forger.store.update_case(case.id, {"status": "active"})
    send(lead, forger, tmp_path)
    (conflict,) = conflicts.listing(forger.db)
    _no_roster_check(monkeypatch)
    conflicts.resolve(forger, conflict.id, value="closed")
    monkeypatch.undo()
    _as_the_lead(forger, lead, "resolves IS NOT NULL")
    summary = send(forger, third, tmp_path)
    assert third.store.get_case(case.id).status in ("monitoring", "active")
    assert conflicts.open_count(third.db) == 1  # still the lead's to settle
    assert summary.report.not_proven_resolutions == 1


def test_a_review_forged_in_the_lead_s_name_is_not_applied(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, forger, third, _ = team4
    case = forger.store.create_case("Letters to the clinic", concern="moderate")
    sub = forger.submissions.create(case.id, "contact_log", valid_contact(forger),
                                    complete=True)
    _no_roster_check(monkeypatch)
    forger.submissions.review(sub.id)
    monkeypatch.undo()
    _as_the_lead(forger, lead, "tbl = 'submissions' AND field IN ('status', 'reviewed_at',"
                 " 'reviewed_by')")
    summary = send(forger, third, tmp_path)
    arrived = third.submissions.get(sub.id)
    assert arrived.status == "complete" and arrived.reviewed_at is None
    assert summary.report.not_proven_reviews == 1


def test_a_lead_s_resolution_with_a_changed_value_is_set_aside(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path) -> None:
    """The signature covers the value: the lead's resolution passed on with another value
    does not verify, and is not applied."""
    lead, relay, third, _ = team4
    case_id = _lead_resolves_a_conflict(lead, relay, tmp_path)
    relay.db.execute("UPDATE changes SET value = '\"closed\"' WHERE resolves IS NOT NULL")
    summary = send(relay, third, tmp_path)
    assert summary.report.not_proven_resolutions == 1
    assert third.store.get_case(case_id).status != "closed"


@pytest.mark.parametrize(("garble", "message"), [
    ("UPDATE changes SET sig = 'bm90IGEgc2lnbmF0dXJl' WHERE field = '__purged__'",
     "signature is not a signature"),
    ("UPDATE tombstones SET sig = sig || 'A'", "signature"),
], ids=["on the purge change", "on its tombstone"])
def test_a_garbled_signature_refuses_the_bundle(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path, garble: str,
        message: str) -> None:
    lead, relay, third, _ = team4
    case = lead.store.create_case("Garbled", concern="low")
    lead.store.delete_case(case.number)
    lead.store.purge_case(case.number)
    send(lead, relay, tmp_path)
    relay.db.execute(garble)
    before = unchanged(third)
    with pytest.raises(BundleRefused, match=message):
        send(relay, third, tmp_path)
    assert unchanged(third) == before


def test_a_tombstone_forged_with_the_stamp_of_a_real_purge_is_counted(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path) -> None:
    """A tombstone made up for a record the third laptop holds, reusing the stamp and device
    of a purge the lead really made (so it looks like a record erased with that purge's
    case), is not applied, and is reported as not proven like any other forged purge."""
    lead, forger, third, _ = team4
    purged = lead.store.create_case("Really purged", concern="low")
    target = lead.store.create_case("Threats at the depot", concern="high")
    send(lead, forger, tmp_path)
    send(lead, third, tmp_path)
    lead.store.delete_case(purged.number)
    lead.store.purge_case(purged.number)
    send(lead, forger, tmp_path)
    forger.db.execute(
        "INSERT INTO tombstones (record_id, tbl, purged_at, purged_by, hlc, device_id,"
        " change_id, sig) SELECT ?, 'cases', purged_at, purged_by, hlc, device_id, NULL, NULL"
        " FROM tombstones WHERE record_id = ?", (target.id, purged.id))
    summary = send(forger, third, tmp_path)
    assert _tombstoned(third, purged.id)  # the real purge is applied
    assert third.store.get_case(target.number).title == "Threats at the depot"
    assert not _tombstoned(third, target.id)
    assert summary.report.not_proven_purges == 1
    assert "not proven" in "\n".join(summary.lines())
    (row,) = third.db.query("SELECT summary FROM sync_bundles WHERE direction = 'in'"
                            " ORDER BY at DESC LIMIT 1")
    assert json.loads(row["summary"])["not_proven_purges"] == 1
    (audit_row,) = third.db.query("SELECT detail FROM audit WHERE action = 'bundle.import'"
                                  " AND device_id = ? ORDER BY device_seq DESC LIMIT 1",
                                  (third.device_id,))
    assert json.loads(audit_row["detail"])["not_proven_purges"] == 1


# -- made on the lead laptop: applied however far it is relayed -----------------------------------
def test_a_lead_s_purge_relayed_twice_is_applied_with_its_signature(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path) -> None:
    lead, b, c, d = team4
    case = lead.store.create_case("Relayed purge", concern="low")
    lead.store.add_note(case.id, "Photographed by the caretaker")
    send(lead, b, tmp_path)
    lead.store.delete_case(case.number)
    lead.store.purge_case(case.number)
    (sig,) = lead.db.query("SELECT sig FROM changes WHERE record_id = ? AND field ="
                           " '__purged__'", (case.id,))[0]
    assert sig  # signed on the lead laptop
    send(lead, b, tmp_path)  # from the lead itself
    on_c = send(b, c, tmp_path)  # relayed once
    assert _tombstoned(c, case.id) and not c.db.scalar("SELECT 1 FROM cases")
    assert on_c.report.not_proven_purges == 0 and on_c.report.not_lead_purges == 0
    # The signature is kept with the change and the tombstone, so it travels further.
    assert c.db.scalar("SELECT sig FROM changes WHERE record_id = ? AND field = '__purged__'",
                       (case.id,)) == sig
    assert c.db.scalar("SELECT sig FROM tombstones WHERE record_id = ?", (case.id,)) == sig
    on_d = send(c, d, tmp_path)  # relayed twice
    assert _tombstoned(d, case.id)
    assert on_d.report.not_proven_purges == 0


def test_a_child_erased_with_a_lead_s_purge_on_a_relay_is_not_reported_as_forged(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path) -> None:
    """A note the lead never saw is erased with its case on the member laptop that took it
    in; its tombstone (the case purge's stamp, no signature of its own) travels on. It is
    not applied on its own authority, nor counted as a forgery: the proven case purge covers
    it."""
    lead, b, c, _ = team4
    case = lead.store.create_case("Note unseen by the lead", concern="low")
    send(lead, b, tmp_path)
    send(lead, c, tmp_path)
    note = b.store.add_note(case.id, "Written on B only")
    lead.store.delete_case(case.number)
    lead.store.purge_case(case.number)
    send(lead, b, tmp_path)
    note_id = getattr(note, "id", note)
    assert _tombstoned(b, str(note_id))
    summary = send(b, c, tmp_path)
    assert _tombstoned(c, case.id)
    assert summary.report.not_proven_purges == 0


def _lead_resolves_a_conflict(lead: Session, member: Session, tmp_path: Path) -> str:
    """A status conflict settled on the lead laptop, and sent to ``member``."""
    case = lead.store.create_case("Letters to the clinic", concern="moderate")
    send(lead, member, tmp_path)
    lead.store.update_case(case.id, {"status": "monitoring"})
    member.store.update_case(case.id, {"status": "active"})
    send(member, lead, tmp_path)
    (conflict,) = conflicts.listing(lead.db)
    conflicts.resolve(lead, conflict.id, value="open")
    send(lead, member, tmp_path)
    return case.id


def test_a_lead_s_resolution_relayed_twice_is_applied(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path) -> None:
    lead, b, c, d = team4
    case_id = _lead_resolves_a_conflict(lead, b, tmp_path)
    on_c = send(b, c, tmp_path)
    assert on_c.report.not_proven_resolutions == 0
    assert c.store.get_case(case_id).status == "open"
    assert conflicts.open_count(c.db) == 0
    sig = lead.db.scalar("SELECT sig FROM changes WHERE resolves IS NOT NULL")
    assert sig and c.db.scalar("SELECT sig FROM changes WHERE resolves IS NOT NULL") == sig
    on_d = send(c, d, tmp_path)
    assert on_d.report.not_proven_resolutions == 0
    assert d.store.get_case(case_id).status == "open"


def test_a_lead_s_review_relayed_twice_is_applied(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path) -> None:
    lead, b, c, d = team4
    case = b.store.create_case("Letters to the clinic", concern="moderate")
    sub = b.submissions.create(case.id, "contact_log", valid_contact(b), complete=True)
    send(b, lead, tmp_path)
    lead.submissions.review(sub.id)
    send(lead, b, tmp_path)
    on_c = send(b, c, tmp_path)
    assert on_c.report.not_proven_reviews == 0
    assert c.submissions.get(sub.id).status == "reviewed"
    signed = c.db.scalar("SELECT count(*) FROM changes WHERE record_id = ? AND device_id = ?"
                         " AND sig IS NOT NULL", (sub.id, lead.device_id))
    assert signed == 3  # status, reviewed_at, reviewed_by
    send(c, d, tmp_path)
    assert d.submissions.get(sub.id).status == "reviewed"


def test_the_lead_s_own_bundle_needs_no_signature_on_the_change(
        team4: tuple[Session, Session, Session, Session], tmp_path: Path) -> None:
    """Sent by the lead laptop itself, the bundle's signature is the proof."""
    lead, b, _, _ = team4
    case = lead.store.create_case("Direct", concern="low")
    send(lead, b, tmp_path)
    lead.store.delete_case(case.number)
    lead.store.purge_case(case.number)
    lead.db.execute("UPDATE changes SET sig = NULL")
    lead.db.execute("UPDATE tombstones SET sig = NULL, change_id = NULL")
    summary = send(lead, b, tmp_path)
    assert _tombstoned(b, case.id)
    assert summary.report.not_proven_purges == 0


# -- writing the signature ------------------------------------------------------------------------
def test_a_vault_with_no_team_signs_once_it_has_a_device_key(laptops: Laptops) -> None:
    alone = laptops("A")
    first = alone.store.create_case("Before any key", concern="low")
    alone.store.delete_case(first.number)
    alone.store.purge_case(first.number)
    assert alone.db.scalar("SELECT sig FROM tombstones WHERE record_id = ?", (first.id,)) is None
    team.device_keys(alone)  # made on first use (e.g. `btam device show`)
    second = alone.store.create_case("With a key", concern="low")
    alone.store.delete_case(second.number)
    alone.store.purge_case(second.number)
    assert alone.db.scalar("SELECT sig FROM tombstones WHERE record_id = ?", (second.id,))
    # Creating a team: its earlier purges are the team lead's now, and get signed.
    team.create_team(alone, "Lakeside BTAM")
    assert alone.db.scalar("SELECT sig FROM tombstones WHERE record_id = ?", (first.id,))
    assert not alone.db.scalar("SELECT 1 FROM changes WHERE field = '__purged__'"
                               " AND sig IS NULL")


def test_ordinary_changes_carry_no_signature(laptops: Laptops) -> None:
    lead = laptops("A")
    team.create_team(lead, "Lakeside BTAM")
    case = lead.store.create_case("Plain", concern="low")
    lead.store.update_case(case.id, {"title": "Plain edit"})
    assert not lead.db.scalar("SELECT count(*) FROM changes WHERE sig IS NOT NULL")


def test_a_lead_laptop_migrated_to_v19_signs_its_earlier_purges(laptops: Laptops,
                                                                 tmp_path: Path) -> None:
    """A purge made on a lead laptop before schema v19 has no signature; the migration signs
    it with the laptop's key, so members relaying it still pass it on as the lead's."""
    from btam_desktop.core import schema

    lead = laptops("A")
    team.create_team(lead, "Lakeside BTAM")
    case = lead.store.create_case("Before v19", concern="low")
    lead.store.delete_case(case.number)
    lead.store.purge_case(case.number)
    signed = lead.db.scalar("SELECT sig FROM changes WHERE field = '__purged__'")
    db = lead.db
    with db.transaction():  # the vault as v18 left it
        db.execute("DROP VIEW change_log")
        db.execute("ALTER TABLE changes DROP COLUMN sig")
        db.execute("ALTER TABLE tombstones DROP COLUMN sig")
        db.execute("ALTER TABLE tombstones DROP COLUMN change_id")
        view = schema.SCHEMA_V18[schema.SCHEMA_V18.index("CREATE VIEW"):]
        db.execute(view.strip().rstrip(";"))
        db.execute("UPDATE meta SET value = '18' WHERE key = 'schema_version'")
    assert schema.migrate(db) == (18, schema.LATEST)
    assert db.scalar("SELECT sig FROM changes WHERE field = '__purged__'") == signed
    assert db.scalar("SELECT sig FROM tombstones WHERE record_id = ?", (case.id,)) == signed
