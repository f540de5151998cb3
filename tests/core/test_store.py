"""The case file: cases, persons, timeline, tasks, partners, attachments, trash, history,
search, and the change log every write leaves."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from btam_desktop.core import vault
from btam_desktop.core.dissemination import Release
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.session import Session
from tests.conftest import OFFICER, OFFICER_PASS


def yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


def test_case_numbers_are_sequential_per_device_and_year(session: Session) -> None:
    first = session.store.create_case("First", opened_on="2026-02-01")
    second = session.store.create_case("Second", opened_on="2026-03-01")
    older = session.store.create_case("Older", opened_on="2025-12-30")
    code = session.device_code
    assert (first.number, second.number, older.number) == (
        f"2026-0001-{code}", f"2026-0002-{code}", f"2025-0001-{code}")
    # Short numbers and ids both find a case.
    assert session.store.get_case("2026-0002").id == second.id
    assert session.store.get_case(first.id).number == first.number
    with pytest.raises(NotFound):
        session.store.get_case("2026-0099")


def test_case_fields_are_validated(session: Session) -> None:
    with pytest.raises(InvalidInput, match="concern level"):
        session.store.create_case("x", concern="extreme")
    with pytest.raises(InvalidInput, match="date"):
        session.store.create_case("x", next_review="next tuesday")
    with pytest.raises(InvalidInput, match="title"):
        session.store.create_case("   ")
    case = session.store.create_case("Valid")
    with pytest.raises(InvalidInput, match="cannot change"):
        session.store.update_case(case.id, {"number": "2020-0001"})


def test_concern_change_needs_rationale_and_lands_on_timeline(session: Session) -> None:
    case = session.store.create_case("Escalating messages", concern="low")
    with pytest.raises(InvalidInput, match="rationale"):
        session.store.update_case(case.id, {"concern": "high"})
    assert session.store.get_case(case.id).concern == "low"
    session.store.update_case(case.id, {"concern": "high"},
                              reason="Direct threat sent to the target on Friday")
    entries = session.store.timeline(case.id)
    assert [(e.kind, e.concern_from, e.concern_to) for e in entries] == [
        ("concern_change", "low", "high")]
    assert "Direct threat" in entries[0].details


def test_field_history_says_who_changed_what(session: Session) -> None:
    case = session.store.create_case("Original title")
    session.store.update_case(case.id, {"title": "Better title"})
    session.store.update_case(case.id, {"concern": "moderate"}, reason="second incident")
    history = session.store.field_history(case.id)
    assert [(h.field, h.old, h.new, h.member_name) for h in history] == [
        ("title", "Original title", "Better title", "Dana Reyes"),
        ("concern", "low", "moderate", "Dana Reyes"),
    ]
    assert "changed from 'Original title' to 'Better title' by Dana Reyes" in \
        history[0].describe()
    assert history[1].reason == "second incident"


def test_every_write_leaves_change_log_rows_with_clock_and_device(session: Session) -> None:
    case = session.store.create_case("Logged")
    session.store.update_case(case.id, {"title": "Logged again", "tier": "selective"})
    rows = session.db.query(
        "SELECT field, value, base_hlc, hlc, device_id, member_id FROM change_log"
        " WHERE record_id = ? ORDER BY hlc", (case.id,))  # the log's order: by stamp
    assert [r["field"] for r in rows] == ["*", "title", "tier"]
    assert json.loads(rows[0]["value"])["title"] == "Logged"
    assert rows[1]["base_hlc"] == rows[0]["hlc"]  # based on the creation stamp
    assert all(r["device_id"] == session.device_id for r in rows)
    assert all(r["member_id"] == session.member_id for r in rows)
    stamps = [r["hlc"] for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_closing_needs_reason_and_sets_dates(session: Session) -> None:
    case = session.store.create_case("To close")
    with pytest.raises(InvalidInput, match="closure reason"):
        session.store.update_case(case.id, {"status": "closed"})
    session.store.update_case(case.id, {"status": "closed",
                                        "closure_reason": "Stabilised; supports in place"})
    closed = session.store.get_case(case.id)
    assert closed.closed_on == date.today().isoformat()
    assert closed.purge_review_on and closed.purge_review_on > closed.closed_on
    session.store.update_case(case.id, {"status": "monitoring"})
    assert session.store.get_case(case.id).closed_on is None


def test_timeline_is_append_only_and_corrections_supersede(session: Session) -> None:
    case = session.store.create_case("Timeline")
    entry = session.store.add_entry(
        case.id, "concerning_behaviour", "Posted photo of rifle with caption",
        context="After being suspended from the team", occurred_at="2026-03-02T19:30")
    fixed = session.store.correct_entry(entry.id, occurred_at="2026-03-01T19:30")
    entries = session.store.timeline(case.id)
    assert [e.id for e in entries] == [fixed.id, entry.id]  # chronological by occurrence
    old = session.store.get_entry(entry.id)
    assert old.superseded_by == fixed.id and fixed.supersedes == entry.id
    assert old.occurred_at == "2026-03-02T19:30"  # the original stays as it was
    with pytest.raises(InvalidInput, match="already corrected"):
        session.store.correct_entry(entry.id, summary="again")
    live = session.store.timeline(case.id, include_superseded=False)
    assert [e.id for e in live] == [fixed.id]
    with pytest.raises(InvalidInput), session.operation("tamper") as op:
        op.update("timeline", entry.id, {"summary": "rewritten"})


def test_referral_needs_partner(session: Session) -> None:
    case = session.store.create_case("Referral")
    with pytest.raises(InvalidInput, match="partner"):
        session.store.add_entry(case.id, "referral", "Referred to counselling")
    partner = session.store.add_partner("Riverbend Counselling Collective", "mental_health")
    entry = session.store.add_entry(case.id, "referral", "Referred to counselling",
                                    partner_id=partner.id)
    assert entry.referral_status == "made"


def test_search_finds_by_name_alias_title_and_note(session: Session) -> None:
    a = session.store.create_case("Threats after eviction notice")
    b = session.store.create_case("Unrelated case")
    person = session.store.add_person("Vasquez-Lindqvist", "Théo", aliases=["NightOwl_44"])
    session.store.link_person(a.id, person.id, "person_of_concern")
    session.store.add_note(b.id, "Neighbour reports the subject bought a crossbow")
    find = session.store.list_cases
    assert [c.id for c in find(text="lindqvist")] == [a.id]
    assert [c.id for c in find(text="nightowl")] == [a.id]  # alias, prefix
    assert [c.id for c in find(text="theo")] == [a.id]  # diacritics folded
    assert [c.id for c in find(text="eviction")] == [a.id]
    assert [c.id for c in find(text="crossbow")] == [b.id]
    assert find(text="zebra") == []
    assert find(text="'\"*)(") == []  # punctuation only: no crash, no match
    assert [p.id for p in session.store.search_persons("nightowl")] == [person.id]


def test_overdue_filter_uses_reviews_and_tasks(session: Session) -> None:
    late_review = session.store.create_case("Late review", next_review=yesterday())
    late_task = session.store.create_case("Late task", next_review=tomorrow())
    session.store.add_task(late_task.id, "Call school counsellor", due_on=yesterday())
    fine = session.store.create_case("On time", next_review=tomorrow())
    done = session.store.create_case("Task done")
    task = session.store.add_task(done.id, "Done already", due_on=yesterday())
    session.store.complete_task(task.id)
    overdue = {c.id for c in session.store.list_cases(overdue=True)}
    assert overdue == {late_review.id, late_task.id}
    assert fine.id not in overdue
    assert session.store.count_cases(overdue=True) == 2


def test_filters_combine(session: Session) -> None:
    session.store.create_case("A", concern="high", status="active", tier="intensive")
    session.store.create_case("B", concern="high", status="open")
    session.store.create_case("C", concern="low", status="active")
    titles = lambda **f: sorted(c.title for c in session.store.list_cases(**f))  # noqa: E731
    assert titles(concern="high") == ["A", "B"]
    assert titles(concern="high", status="active") == ["A"]
    assert titles(tier="intensive") == ["A"]


def test_assignment_and_mine(session: Session) -> None:
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    case = session.store.create_case("Assigned")
    session.store.create_case("Not assigned")
    session.store.assign(case.id, OFFICER)
    officer = session.find_member(OFFICER)
    assert [c.id for c in session.store.list_cases(assigned_to=officer.id)] == [case.id]
    assert session.store.get_case(case.id).assigned == (OFFICER,)


def test_trash_restore_and_purge(session: Session) -> None:
    case = session.store.create_case("Trash me")
    person = session.store.add_person("Brightwater", "Ines")
    session.store.link_person(case.id, person.id, "witness")
    session.store.add_note(case.id, "unique-note-token")
    session.store.delete_case(case.id)
    assert session.store.list_cases() == []
    assert session.store.list_cases(text="unique") == []
    assert [c.id for c in session.store.trash()] == [case.id]
    session.store.restore_case(case.id)
    assert [c.id for c in session.store.list_cases(text="unique")] == [case.id]
    with pytest.raises(InvalidInput, match="trash before purging"):
        session.store.purge_case(case.id)
    session.store.delete_case(case.id)
    session.store.purge_case(case.id)
    with pytest.raises(NotFound):
        session.store.get_case(case.id)
    assert session.db.scalar("SELECT count(*) FROM tombstones WHERE record_id = ?",
                             (case.id,)) == 1
    # Nothing of its content survives in the change log or the index.
    leftovers = session.db.query("SELECT value FROM change_log WHERE value LIKE '%Trash me%'"
                                 " OR value LIKE '%unique-note-token%'")
    assert leftovers == []
    actions = [e.action for e in session.store.audit_trail(record_id=case.id)]
    assert "case.purge" in actions


def test_purge_needs_team_lead(session: Session, vault_path: Path) -> None:
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    case = session.store.create_case("Officer deletes")
    session.lock()
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    officer.store.delete_case(case.id)
    with pytest.raises(PermissionDenied):
        officer.store.purge_case(case.id)
    officer.lock()


def test_analyst_reads_but_cannot_write(session: Session, vault_path: Path) -> None:
    session.add_member("Rue Analyst", "analyst", "Quiet-Ledger-Window-9")
    session.store.create_case("Readable")
    session.lock()
    analyst, _ = vault.unlock(vault_path, passphrase_text="Quiet-Ledger-Window-9",
                              member="Rue Analyst")
    assert [c.title for c in analyst.store.list_cases()] == ["Readable"]
    with pytest.raises(PermissionDenied):
        analyst.store.create_case("Not allowed")
    assert analyst.store.count_cases() == 1
    analyst.lock()


RELEASE = Release.checked("Court clerk", "court", "subpoena 26-114")


def test_attachment_roundtrip_and_export(session: Session, tmp_path: Path) -> None:
    case = session.store.create_case("With attachment")
    payload = bytes(range(256)) * 40
    att = session.store.add_attachment(case.id, "../../etc/report.pdf", payload)
    assert att.filename == "report.pdf"  # path parts never travel
    assert att.media_type == "application/pdf"
    out = tmp_path / "out.pdf"
    record = session.store.export_attachment(att.id, out, RELEASE)
    assert record.recipient == RELEASE.recipient
    assert out.read_bytes() == payload
    assert (out.stat().st_mode & 0o777) == 0o600


def test_view_is_audited(session: Session) -> None:
    case = session.store.create_case("Looked at")
    session.store.view_case(case.number)
    entries = session.store.audit_trail(record_id=case.id)
    assert entries[0].action == "view" and entries[0].member_name == "Dana Reyes"


def test_failed_operation_leaves_nothing(session: Session) -> None:
    before = session.db.scalar("SELECT count(*) FROM change_log")
    audit_before = session.db.scalar("SELECT count(*) FROM audit")
    with pytest.raises(RuntimeError), session.operation("half") as op:  # noqa: PT012
        op.insert("cases", {"number": "X-1", "title": "half", "status": "open",
                            "concern": "low", "tier": "universal", "opened_on": "2026-01-01",
                            "created_at": "now"})
        raise RuntimeError("crash in the middle")
    assert session.store.list_cases() == []
    assert session.db.scalar("SELECT count(*) FROM change_log") == before
    assert session.db.scalar("SELECT count(*) FROM audit") == audit_before


def test_listeners_hear_committed_changes(session: Session) -> None:
    heard: list[tuple[str, set[str]]] = []
    session.subscribe(lambda s: heard.append((s.action, set(s.touched))))
    session.store.create_case("Heard")
    assert ("case.create", {"cases"}) in heard


def test_persons_linked_in_roles(session: Session) -> None:
    case = session.store.create_case("Roles")
    poc = session.store.add_person("Okonkwo-Hale", "Rian", date_of_birth="2008-05-04")
    rp = session.store.add_person("Sundqvist", "Mara")
    session.store.link_person(case.id, poc.id, "person_of_concern")
    session.store.link_person(case.id, rp.id, "reporting_party")
    roles = {(cp.role, cp.person.family_name) for cp in session.store.case_persons(case.id)}
    assert roles == {("person_of_concern", "Okonkwo-Hale"), ("reporting_party", "Sundqvist")}
    with pytest.raises(InvalidInput, match="role"):
        session.store.link_person(case.id, poc.id, "suspect")
    with pytest.raises(InvalidInput, match="date of birth"):
        session.store.add_person("X", date_of_birth="05/04/2008")


def test_rationale_kept_when_joining_an_outer_operation(session: Session) -> None:
    case = session.store.create_case("Bulk escalation")
    with session.operation("bulk"):
        session.store.update_case(case.id, {"concern": "high"}, reason="new weapon photo")
    reasons = [r[0] for r in session.db.query(
        "SELECT reason FROM change_log WHERE record_id = ? AND field = 'concern'", (case.id,))]
    assert reasons == ["new weapon photo"]


def test_reindexing_replaces_old_text(session: Session) -> None:
    case = session.store.create_case("Old wording about the parking garage")
    session.store.update_case(case.id, {"title": "New wording about the stairwell"})
    assert session.store.list_cases(text="garage") == []
    assert [c.id for c in session.store.list_cases(text="stairwell")] == [case.id]
    assert session.db.scalar("SELECT count(*) FROM case_docs WHERE case_id = ?",
                             (case.id,)) == 1


def test_open_tasks_windows_and_counts(session: Session) -> None:
    case = session.store.create_case("Tasks")
    for days, title in ((-3, "late"), (0, "today"), (5, "soon"), (30, "later")):
        due = (date.today() + timedelta(days=days)).isoformat()
        session.store.add_task(case.id, title, due_on=due)
    today = date.today().isoformat()
    fortnight = (date.today() + timedelta(days=14)).isoformat()
    assert [t.title for t in session.store.open_tasks(due_before=today)] == ["late"]
    upcoming = session.store.open_tasks(due_from=today, due_before=fortnight)
    assert [t.title for t in upcoming] == ["today", "soon"]
    assert session.store.count_open_tasks(due_from=today) == 3
    assert session.store.count_open_tasks() == 4
