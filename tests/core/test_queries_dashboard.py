"""The dashboard's counts and panels (core/queries.py) agree with the Cases list's own rules
(``CaseRow`` and ``row_predicate``, in Python) and with the store, on a caseload that mixes
every status, concern, review date, open/done/late task and assignment, including a case
assigned twice to the same member (two laptops) and cases in the trash."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from btam_desktop.core import queries
from btam_desktop.core.ids import new_id
from btam_desktop.core.model import CASE_STATUSES, CONCERN_LEVELS
from btam_desktop.core.queries import NOT_CLOSED
from btam_desktop.core.session import Session
from tests.conftest import LEAD, OFFICER, OFFICER_PASS

TODAY = date.today()
RANK = {"imminent": 0, "high": 1, "moderate": 2, "low": 3}


def _days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


@pytest.fixture
def mixed(session: Session) -> Session:
    """Sixty cases, every mix the dashboard tells apart, chosen by a fixed seed."""
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    store = session.store
    pick = random.Random(12).choice
    for n in range(60):
        review = pick([None, _days(-20), _days(-1), _days(0), _days(9)])
        case = store.create_case(f"Case {n}", concern=pick(CONCERN_LEVELS),
                                 status=pick(["open", "active", "monitoring"]),
                                 **({"next_review": review} if review else {}))
        for _ in range(pick([0, 0, 1, 2])):
            task = store.add_task(case.id, "Call back", due_on=pick([None, _days(-5), _days(3)]))
            if pick([False, False, True]):
                store.complete_task(task.id)
        for member in pick([(), (LEAD,), (OFFICER,), (LEAD, OFFICER)]):
            store.assign(case.id, member)
        if pick([False] * 6 + [True]):
            store.update_case(case.id, {"status": "closed", "closure_reason": "resolved"})
        elif pick([False] * 9 + [True]):
            store.delete_case(case.id)
    # An empty review date (written so by another laptop's merge) is "no review date".
    with session.db.transaction():
        session.db.execute(
            "UPDATE cases SET next_review = '' WHERE id IN (SELECT id FROM cases WHERE"
            " deleted_at IS NULL AND status != 'closed' AND next_review IS NULL LIMIT 4)")
    # The same member assigned to the same case from two laptops (a merge keeps both rows).
    row = session.db.query_one(
        "SELECT a.case_id, a.member_id FROM case_assignments a JOIN cases c ON c.id = a.case_id"
        " WHERE a.deleted_at IS NULL AND c.deleted_at IS NULL AND c.status != 'closed'"
        " AND a.member_id = ? LIMIT 1", (session.member_id,))
    assert row is not None
    with session.db.transaction():
        session.db.execute(
            "INSERT INTO case_assignments (id, case_id, member_id, created_at, updated_hlc)"
            " VALUES (?, ?, ?, ?, ?)", (new_id(), row[0], row[1], "2026-01-01T00:00:00Z",
                                        "0000000000000-0000-other"))
    return session


def _open_rows(session: Session) -> list[queries.CaseRow]:
    return [r for r in queries.case_rows(session.db) if r.status != "closed"]


def test_attention_counts_agree_with_the_cases_list(mixed: Session) -> None:
    today = TODAY.isoformat()
    rows = _open_rows(mixed)
    counts = queries.attention_counts(mixed.db, today)
    assert counts["imminent"] == sum(r.concern == "imminent" for r in rows) > 0
    assert counts["high"] == sum(r.concern == "high" for r in rows) > 0
    assert counts["overdue"] == sum(r.overdue(today) for r in rows) > 0
    assert counts["overdue"] == queries.count_overdue_cases(mixed.db, today)
    assert counts["overdue"] == mixed.store.count_cases(status=NOT_CLOSED, overdue=True)
    pressing = [r for r in rows if r.concern in ("imminent", "high") or r.overdue(today)]
    assert counts["total"] == len(pressing)
    # The mix has what "each case once" is about: pressing cases that are overdue too.
    assert any(r.concern in ("imminent", "high") and r.overdue(today) for r in rows)


@pytest.mark.parametrize("limit", [1, 3, 5, 100])
def test_attention_list_is_imminent_then_high_then_overdue(mixed: Session, limit: int) -> None:
    today = TODAY.isoformat()
    rows = _open_rows(mixed)

    def reason(row: queries.CaseRow) -> int:
        return 0 if row.concern == "imminent" else 1 if row.concern == "high" else 2

    expected = sorted((r for r in rows if reason(r) < 2 or r.overdue(today)),
                      key=lambda r: (reason(r), r.next_review or "9999", r.number))[:limit]
    found = queries.attention_cases(mixed.db, today, limit)
    assert [c.id for c in found] == [r.id for r in expected]
    assert [c.reason for c in found] == [queries.ATTENTION_REASONS[reason(r)] for r in expected]
    assert all(c.title == mixed.store.get_case(c.id).title for c in found)


@pytest.mark.parametrize("limit", [0, 1, 5, 100])
def test_my_caseload_counts_each_case_once_most_pressing_first(mixed: Session,
                                                               limit: int) -> None:
    member = mixed.member_id
    assert member is not None
    mine = [r for r in _open_rows(mixed) if member in r.assigned]
    expected = sorted(mine, key=lambda r: (RANK[r.concern], r.next_review or "9999", r.number))
    total, shown = queries.my_caseload(mixed.db, member, limit)
    assert total == len(mine) == queries.count_my_cases(mixed.db, member) == \
        mixed.store.count_cases(status=NOT_CLOSED, assigned_to=member)
    assert [c.id for c in shown] == [r.id for r in expected[:limit]]
    assert [c.id for c in queries.my_cases(mixed.db, member, limit)] == [c.id for c in shown]
    for case in shown:
        stored = mixed.store.get_case(case.id)
        assert (case.number, case.title, case.status, case.concern, case.next_review) == (
            stored.number, stored.title, stored.status, stored.concern, stored.next_review)


def test_a_member_without_cases_has_an_empty_caseload(mixed: Session) -> None:
    assert queries.my_caseload(mixed.db, "no-such-member", 5) == (0, [])


def test_case_counts_are_the_stores(mixed: Session) -> None:
    counts = queries.case_counts(mixed.db)
    for status in CASE_STATUSES:
        for concern in CONCERN_LEVELS:
            assert counts.get((status, concern), 0) == mixed.store.count_cases(
                status=status, concern=concern)
    assert sum(counts.values()) == mixed.store.count_cases()
    assert sum(counts.values()) == len(queries.case_rows(mixed.db))
    assert counts.get(("closed", "low"), 0) + counts.get(("closed", "moderate"), 0) + \
        counts.get(("closed", "high"), 0) + counts.get(("closed", "imminent"), 0) == \
        mixed.store.count_cases(status="closed") > 0


def test_any_live_case_is_count_cases_above_zero(session: Session) -> None:
    """The dashboard's "Create the first case" step: done once a case exists that is not in
    the trash."""
    assert not queries.any_live_case(session.db)
    case = session.store.create_case("Entered by mistake")
    assert queries.any_live_case(session.db)
    session.store.delete_case(case.id)
    assert not queries.any_live_case(session.db) and session.store.count_cases() == 0
    session.store.create_case("The real one")
    assert queries.any_live_case(session.db)


def test_the_dashboard_walks_the_open_cases_index_in_its_order(mixed: Session) -> None:
    """"My caseload" and "Needs attention now" read the open cases' index (schema v16) in its
    order, sorting nothing: its expressions are the queries' own, word for word."""
    params = {"member": mixed.member_id, "limit": 5, "walk": 10, "today": TODAY.isoformat()}
    plan = " ".join(str(r[3]) for r in mixed.db.query(
        "EXPLAIN QUERY PLAN " + queries._MY_WALK, params))
    assert "SCAN cases USING INDEX cases_open" in plan and "TEMP B-TREE" not in plan
    plan = " ".join(str(r[3]) for r in mixed.db.query(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM cases INDEXED BY cases_open WHERE"
        f" {queries._OPEN} AND {queries.OPEN_RANK} < 2 ORDER BY {queries._MY_ORDER}", params))
    assert "SEARCH cases USING INDEX cases_open (<expr><?)" in plan
    assert "TEMP B-TREE" not in plan
    # The member's open cases counted by merging two index walks in id order, not sorted.
    plan = " ".join(str(r[3]) for r in mixed.db.query(
        "EXPLAIN QUERY PLAN " + queries._COUNT_MINE, params))
    assert "MERGE (INTERSECT)" in plan and "SCAN cases USING INDEX cases_open_id" in plan
    assert "TEMP B-TREE" not in plan


@pytest.mark.parametrize("walk", [1, 3])
def test_my_caseload_of_a_member_met_late_in_the_order_is_read_from_their_cases(
        mixed: Session, walk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the first cases in list order are not the member's (the walk gives up), the
    member's own cases are read and sorted: the same answer."""
    member = mixed.member_id
    assert member is not None
    expected = queries.my_caseload(mixed.db, member, 5)
    monkeypatch.setattr(queries, "MY_WALK_CASES", walk)
    assert queries.my_caseload(mixed.db, member, 5) == expected
    officer = str(mixed.db.scalar("SELECT id FROM members WHERE name = ?", (OFFICER,)))
    mine = sorted((r for r in _open_rows(mixed) if officer in r.assigned),
                  key=lambda r: (RANK[r.concern], r.next_review or "9999", r.number))
    total, shown = queries.my_caseload(mixed.db, officer, 100)
    assert total == len(mine) > 0
    assert [c.id for c in shown] == [r.id for r in mine]
