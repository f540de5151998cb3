"""An empty task due date ('') is no due date everywhere: a bundle from another laptop may
still carry one (the store itself writes none: an empty date is kept as NULL). The store's
overdue filter and counts, its open-task lists, the dashboard's counts and panel and the case
table (``CaseRow``) must all agree; before, the store and the dashboard counted '' as a date
before every other (late), and the case table's earliest due date was '' and hid a real late
task of the same case."""

from __future__ import annotations

from datetime import date, timedelta

from btam_desktop.core import queries
from btam_desktop.core.session import Session

TODAY = date.today().isoformat()
LATE = (date.today() - timedelta(days=3)).isoformat()
SOON = (date.today() + timedelta(days=3)).isoformat()


def _empty_due(session: Session, task_id: str) -> None:
    # What a merged row from another laptop may hold (merge writes the bundle's value).
    with session.db.transaction():
        session.db.execute("UPDATE tasks SET due_on = '' WHERE id = ?", (task_id,))


def test_the_store_keeps_an_empty_due_date_as_no_date(session: Session) -> None:
    case = session.store.create_case("Empty due date")
    task = session.store.add_task(case.id, "Call back", due_on="")
    assert task.due_on is None
    assert session.db.scalar("SELECT due_on FROM tasks WHERE id = ?", (task.id,)) is None


def test_an_empty_due_date_is_not_late_anywhere(session: Session) -> None:
    store = session.store
    only_empty = store.create_case("Only an empty due date", concern="low")
    _empty_due(session, store.add_task(only_empty.id, "No date").id)
    both = store.create_case("An empty and a late due date", concern="low")
    _empty_due(session, store.add_task(both.id, "No date").id)
    store.add_task(both.id, "Late", due_on=LATE)
    upcoming = store.create_case("An empty and an upcoming due date", concern="low")
    _empty_due(session, store.add_task(upcoming.id, "No date").id)
    store.add_task(upcoming.id, "Soon", due_on=SOON)

    rows = {r.id: r for r in queries.case_rows(session.db)}
    flt = queries.CaseFilter.of(overdue=True, on=TODAY)
    table = {i for i, r in rows.items() if queries.row_predicate(flt, TODAY, None)(r)}
    assert table == {both.id}
    assert rows[both.id].task_due == LATE and rows[upcoming.id].task_due == SOON
    assert rows[only_empty.id].task_due is None
    # The case table's page reader too.
    page = {r.id: r for r in queries.case_rows_page(session.db, None, 10)}
    assert page[both.id].task_due == LATE and page[only_empty.id].task_due is None

    assert {c.id for c in store.list_filtered(flt)} == table
    assert store.count_filtered(flt) == 1
    assert store.count_cases(overdue=True, status=queries.NOT_CLOSED) == 1
    assert queries.count_overdue_cases(session.db, TODAY) == 1
    assert queries.attention_counts(session.db, TODAY)["overdue"] == 1
    assert [c.id for c in queries.attention_cases(session.db, TODAY, 10)] == [both.id]
    assert [t.title for t in store.open_tasks(due_before=TODAY)] == ["Late"]
    assert store.count_open_tasks(due_before=TODAY) == 1
