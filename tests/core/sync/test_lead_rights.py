"""Purges and conflict resolutions are a team lead's: a member laptop may not make them, and a
bundle carrying one made on a laptop that is not an active lead in the roster does not apply it.

Every officer's vault has a "lead" of its own (the first member of a vault is one), so the
vault role alone says nothing about the team: the roster does. The repros of the new-user walk
(purge, and a critical conflict settled on an officer's laptop) run through real bundles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.core.errors import PermissionDenied
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, exchange, team

from .test_exchange import enrol, send

Laptops = Callable[[str], Session]


@pytest.fixture
def pair(laptops: Laptops, tmp_path: Path) -> tuple[Session, Session]:
    """A lead laptop and an officer's laptop (a member of the team, lead of its own vault)."""
    lead, officer = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, officer, tmp_path)
    send(lead, officer, tmp_path)  # the officer's laptop learns the roster naming it
    return lead, officer


def _as_before_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """An officer's laptop that does not check the roster (an older version, or a tampered
    one): the merge on the lead's laptop must not rely on the sender's own checks."""
    monkeypatch.setattr(team, "lead_refusal", lambda session: None)


def _conflict(lead: Session, officer: Session, tmp_path: Path) -> tuple[str, str]:
    """Both change the status of one case; the officer takes in the lead's change."""
    case = lead.store.create_case("Threats at the depot", concern="moderate")
    send(lead, officer, tmp_path)
    lead.store.update_case(case.id, {"status": "monitoring"})
    officer.store.update_case(case.id, {"status": "active"})
    send(lead, officer, tmp_path)
    (conflict,) = conflicts.listing(officer.db)
    return case.id, conflict.id


# -- (1) refused on the member laptop itself ------------------------------------------------------
def test_a_member_laptop_may_not_purge_a_case(pair: tuple[Session, Session],
                                              tmp_path: Path) -> None:
    lead, officer = pair
    assert officer.role == "lead"  # of its own vault: not what decides
    case = lead.store.create_case("Graffiti naming a teacher", concern="low")
    send(lead, officer, tmp_path)
    officer.store.delete_case(case.number)
    with pytest.raises(PermissionDenied, match="member laptop of team Lakeside BTAM"):
        officer.store.purge_case(case.number)
    assert officer.store.get_case(case.number).deleted_at  # still there, in the trash
    assert not officer.db.scalar("SELECT count(*) FROM tombstones")


def test_a_member_laptop_may_not_resolve_a_conflict(pair: tuple[Session, Session],
                                                    tmp_path: Path) -> None:
    lead, officer = pair
    _, conflict_id = _conflict(lead, officer, tmp_path)
    with pytest.raises(PermissionDenied, match="member laptop"):
        conflicts.resolve(officer, conflict_id, keep="local")
    assert conflicts.open_count(officer.db) == 1
    assert not team.is_team_lead(officer)
    assert team.is_team_lead(lead)


def test_a_vault_with_no_team_still_purges_on_its_own(laptops: Laptops) -> None:
    alone = laptops("A")
    assert team.lead_refusal(alone) is None
    case = alone.store.create_case("On its own", concern="low")
    alone.store.delete_case(case.number)
    alone.store.purge_case(case.number)
    assert alone.db.scalar("SELECT count(*) FROM tombstones") >= 1


# -- (2) not applied by the merge -----------------------------------------------------------------
def test_a_purge_made_on_a_member_laptop_is_not_applied_by_the_lead(
        pair: tuple[Session, Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    case = lead.store.create_case("Graffiti naming a teacher", concern="low")
    lead.store.add_note(case.id, "Photographed by the caretaker")
    send(lead, officer, tmp_path)
    officer.store.delete_case(case.number)
    _as_before_the_fix(monkeypatch)
    officer.store.purge_case(case.number)
    other = officer.store.create_case("Also in this bundle", concern="low")
    monkeypatch.undo()
    summary = send(officer, lead, tmp_path)
    # The case is still on the lead's laptop, with its entries; the rest of the bundle came in.
    kept = lead.store.get_case(case.number)
    assert kept.title == "Graffiti naming a teacher"
    assert not lead.db.scalar("SELECT count(*) FROM tombstones")
    assert lead.store.get_case(other.number).title == "Also in this bundle"
    assert summary.report.not_lead_purges >= 1
    text = "\n".join(summary.lines())
    assert "not a lead laptop" in text and "not applied" in text
    assert summary.to_json()["not_lead_purges"] == summary.report.not_lead_purges
    assert kept.deleted_at is None  # the purge took the officer's trash edit with it


def test_a_resolution_made_on_a_member_laptop_leaves_the_conflict_open_for_the_lead(
        pair: tuple[Session, Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    case_id, conflict_id = _conflict(lead, officer, tmp_path)
    _as_before_the_fix(monkeypatch)
    conflicts.resolve(officer, conflict_id, keep="local")
    monkeypatch.undo()
    summary = send(officer, lead, tmp_path)
    assert summary.report.not_lead_resolutions == 1
    assert "conflict resolution" in "\n".join(summary.lines())
    (open_one,) = conflicts.listing(lead.db)
    assert open_one.field == "status" and open_one.critical
    # The lead settles it; that resolution reaches the officer and is applied there.
    conflicts.resolve(lead, open_one.id, keep="incoming")
    back = send(lead, officer, tmp_path)
    assert back.report.not_lead_resolutions == 0
    assert conflicts.open_count(officer.db) == 0
    assert officer.store.get_case(case_id).status == lead.store.get_case(case_id).status


def test_a_merged_value_resolution_from_a_member_laptop_is_not_applied(
        pair: tuple[Session, Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    case_id, conflict_id = _conflict(lead, officer, tmp_path)
    _as_before_the_fix(monkeypatch)
    conflicts.resolve(officer, conflict_id, value="open")
    monkeypatch.undo()
    summary = send(officer, lead, tmp_path)
    assert summary.report.not_lead_resolutions == 1
    # The officer's merged "open" is not in effect: one of the two edits is, until a lead says.
    assert lead.store.get_case(case_id).status in ("monitoring", "active")
    assert conflicts.open_count(lead.db) == 1


def test_a_second_lead_s_purge_relayed_by_a_member_is_applied(
        laptops: Laptops, tmp_path: Path) -> None:
    """Judged by the laptop that made the change, not by the one that sent the bundle."""
    lead, second, officer = laptops("A"), laptops("B"), laptops("C")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, second, tmp_path, role="lead")
    enrol(lead, officer, tmp_path)
    case = lead.store.create_case("Relayed purge", concern="low")
    send(lead, second, tmp_path)
    send(lead, officer, tmp_path)
    second.store.delete_case(case.number)
    second.store.purge_case(case.number)
    send(second, officer, tmp_path)
    assert officer.db.scalar("SELECT 1 FROM tombstones WHERE record_id = ?", (case.id,))
    summary = send(officer, lead, tmp_path)
    assert summary.report.not_lead_purges == 0
    assert lead.db.scalar("SELECT 1 FROM tombstones WHERE record_id = ?", (case.id,))


def test_a_purge_by_a_laptop_no_longer_a_lead_is_not_applied(
        laptops: Laptops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The roster at hand decides: a lead laptop made a member has no lead's rights left."""
    lead, second = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, second, tmp_path, role="lead")
    case = lead.store.create_case("Demoted", concern="low")
    send(lead, second, tmp_path)
    team.set_role(lead, second.device_code, "member")
    second.store.delete_case(case.number)
    second.store.purge_case(case.number)  # its roster still says lead: allowed there
    summary = send(second, lead, tmp_path)
    assert summary.report.not_lead_purges >= 1
    assert lead.store.get_case(case.number).title == "Demoted"
    # once it has the new roster, the laptop refuses on its own
    send(lead, second, tmp_path)
    other = lead.store.create_case("Another", concern="low")
    send(lead, second, tmp_path)
    second.store.delete_case(other.number)
    with pytest.raises(PermissionDenied):
        second.store.purge_case(other.number)


def test_import_summary_of_a_refused_purge_is_in_the_history(
        pair: tuple[Session, Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    case = lead.store.create_case("History", concern="low")
    send(lead, officer, tmp_path)
    officer.store.delete_case(case.number)
    _as_before_the_fix(monkeypatch)
    officer.store.purge_case(case.number)
    monkeypatch.undo()
    send(officer, lead, tmp_path)
    (entry,) = [h for h in exchange.history(lead) if h["direction"] == "in"]
    assert entry["summary"]["not_lead_purges"] >= 1


# -- (3) what a member record's role means on another laptop --------------------------------------
def test_a_member_laptop_s_own_lead_is_not_shown_as_a_team_lead(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    lead, officer = pair
    send(officer, lead, tmp_path)
    theirs = next(m for m in lead.members() if m.name == "Lead B")
    assert theirs.role == "lead"  # as stored: their vault's role
    shown = team.member_roles(lead)
    assert shown[theirs.id] == team.OWN_LAPTOP_LEAD
    assert shown[lead.member_id] == "lead"
    # On the officer's laptop its own lead keeps the vault role; the team lead is a lead.
    send(lead, officer, tmp_path)
    on_officer = team.member_roles(officer)
    assert on_officer[officer.member_id] == "lead"
    assert on_officer[lead.member_id] == "lead"
    # Made a lead laptop of the team, its lead is shown as one.
    team.set_role(lead, officer.device_code, "lead")
    assert team.member_roles(lead)[theirs.id] == "lead"


def test_a_vault_with_no_team_shows_stored_roles(laptops: Laptops) -> None:
    alone = laptops("A")
    assert team.member_roles(alone) == {alone.member_id: "lead"}
