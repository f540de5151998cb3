"""The dashboard: counts, charts, due work, my tasks, recent activity, opening a case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.core.model import Task
from btam_desktop.core.session import Session
from btam_desktop.core.store import CaseStore
from btam_desktop.ui.pages.dashboard import (
    ACTIVITY_PAGE,
    LIST_ROWS,
    UPCOMING_DAYS,
    UPCOMING_TITLE,
    DashboardPage,
    due_phrase,
    load,
)
from tests.ui.pages.conftest import AGENCY, LEAD, OFFICER, Host, days

MakeHost = Callable[..., Host]


def _caseload(session: Session) -> dict[str, str]:
    store = session.store
    ids = {}
    for title, status, concern in (
        ("Threatening posts about the high school", "open", "high"),
        ("Letters to the mayor's office", "open", "moderate"),
        ("Grievance at the works yard", "active", "high"),
        ("Fixation on a former partner", "monitoring", "low"),
        ("Imminent: statements at the courthouse", "active", "imminent"),
    ):
        ids[title] = store.create_case(title, status=status, concern=concern).id
    closed = store.create_case("Resolved matter", concern="low")
    store.update_case(closed.id, {"status": "closed", "closure_reason": "resolved"})
    return ids


def _page(host: MakeHost, session: Session) -> tuple[Host, DashboardPage]:
    window = host(session)
    page = DashboardPage(session, window.events)
    window.put(page)
    return window, page


def test_counts_and_charts_reflect_the_caseload(qtbot: QtBot, host: MakeHost,
                                                lead: Session) -> None:
    _caseload(lead)
    _window, page = _page(host, lead)
    assert page.agency.text() == AGENCY
    assert LEAD in page.member.text() and "4471" in page.member.text()
    assert page.cards["open"].value.text() == "2"
    assert page.cards["active"].value.text() == "2"
    assert page.cards["monitoring"].value.text() == "1"
    assert page.cards["overdue"].value.text() == "0"
    concern = page.concern_chart
    assert [b.count for b in concern.bars()] == [1, 1, 2, 1]  # low, moderate, high, imminent
    assert "High 2" in concern.accessibleDescription()
    assert concern.bar_rect(2).width() > concern.bar_rect(0).width()
    assert page.status_chart.count("active") == 2
    assert "closed" not in page.status_chart.text_alternative().lower()
    assert "1 closed" in page.status_section.footnote.text()


def test_a_change_shows_without_reopening(qtbot: QtBot, host: MakeHost,
                                          lead: Session) -> None:
    _window, page = _page(host, lead)
    assert page.cards["open"].value.text() == "0"
    lead.store.create_case("New report", concern="high")
    assert page.cards["open"].value.text() == "1"
    assert page.concern_chart.count("high") == 1


def test_while_hidden_changes_wait_until_the_page_is_shown(qtbot: QtBot, host: MakeHost,
                                                          lead: Session) -> None:
    _window, page = _page(host, lead)
    page.hide()
    lead.store.create_case("Made while hidden")
    assert page.cards["open"].value.text() == "0"  # no reading while hidden
    page.show()
    assert page.cards["open"].value.text() == "1"


def test_overdue_and_upcoming_reviews(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    ids = _caseload(lead)
    store = lead.store
    school = ids["Threatening posts about the high school"]
    mayor = ids["Letters to the mayor's office"]
    yard = ids["Grievance at the works yard"]
    store.add_task(school, "Scheduled case review", kind="review", due_on=days(-12))
    store.add_task(mayor, "Call the school counsellor", due_on=days(-2))
    store.add_task(yard, "Scheduled case review", kind="review", due_on=days(3))
    store.add_task(yard, "Scheduled case review", kind="review", due_on=days(30))  # too far
    _window, page = _page(host, lead)
    assert page.cards["overdue"].value.text() == "2"
    overdue = [page.overdue_list.item(i).text() for i in range(page.overdue_list.count())]
    assert len(overdue) == 2
    assert "12 days overdue" in overdue[0] and "Review" in overdue[0]  # oldest first
    assert "Call the school counsellor" in overdue[1]
    assert page.overdue_list.case_ids() == [school, mayor]
    upcoming = page.upcoming_list
    assert upcoming.case_ids() == [yard]
    assert "due in 3 days" in upcoming.item(0).text()
    assert store.get_case(yard).number in upcoming.item(0).text()
    item = upcoming.item(0)
    assert "(20" in item.data(Qt.ItemDataRole.AccessibleTextRole)  # the date, for the ear


def test_clicking_a_case_asks_to_open_it(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    ids = _caseload(lead)
    case_id = ids["Fixation on a former partner"]
    lead.store.add_task(case_id, "Scheduled case review", kind="review", due_on=days(-1))
    _window, page = _page(host, lead)
    case_list = page.overdue_list
    rect = case_list.visualItemRect(case_list.item(0))
    with qtbot.waitSignal(page.open_case_requested, timeout=1000) as opened:
        qtbot.mouseClick(case_list.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    assert opened.args == [case_id]
    # Keyboard: Enter on the current entry.
    case_list.setFocus()
    case_list.setCurrentRow(0)
    with qtbot.waitSignal(page.open_case_requested, timeout=1000) as opened:
        qtbot.keyClick(case_list, Qt.Key.Key_Return)
    assert opened.args == [case_id]


def test_the_main_window_opens_the_case_when_it_can(qtbot: QtBot, host: MakeHost,
                                                    lead: Session) -> None:
    case_id = lead.store.create_case("Open me").id
    lead.store.add_task(case_id, "Scheduled case review", kind="review", due_on=days(-1))
    window, page = _page(host, lead)
    opened: list[str] = []
    window.open_case = opened.append  # type: ignore[attr-defined]
    emitted: list[str] = []
    page.open_case_requested.connect(emitted.append)
    page.overdue_list.itemActivated.emit(page.overdue_list.item(0))
    assert opened == [case_id]
    assert emitted == []


def test_my_tasks(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    ids = _caseload(lead)
    store = lead.store
    case_id = ids["Letters to the mayor's office"]
    store.add_task(case_id, "Interview the reporting party", due_on=days(5), assignee=LEAD)
    store.add_task(case_id, "Someone else's task", due_on=days(1), assignee=OFFICER)
    _window, page = _page(host, lead)
    texts = [page.my_list.item(i).text() for i in range(page.my_list.count())]
    assert len(texts) == 1
    assert "Interview the reporting party" in texts[0]


def test_recent_activity_says_who_did_what_without_case_content(
    qtbot: QtBot, host: MakeHost, lead: Session
) -> None:
    case = lead.store.create_case("Secret title about Jordan Example")
    lead.store.view_case(case.id)  # reading is not "activity"
    _window, page = _page(host, lead)
    lines = [page.activity.item(i).data(Qt.ItemDataRole.AccessibleTextRole)
             for i in range(page.activity.count())]
    assert any(line.startswith(f"{LEAD} opened a case") for line in lines)
    assert any("opened a case" in page.activity.item(i).text()
               for i in range(page.activity.count()))
    assert not any("viewed" in line for line in lines)
    assert not any("Jordan" in line for line in lines)


def test_empty_lists_say_so(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    _window, page = _page(host, lead)
    assert page.overdue_list.item(0).text() == "Nothing is overdue."
    assert page.overdue_list.case_ids() == []


def test_counts_are_exact_and_lists_read_only_what_they_show(
    qtbot: QtBot, host: MakeHost, lead: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = lead.store
    case_id = store.create_case("A long backlog").id
    for offset in range(1, 13):  # twelve overdue items: more than a list shows
        store.add_task(case_id, f"Late task {offset}", due_on=days(-offset))
    store.add_task(case_id, "Scheduled case review", kind="review", due_on=days(2))
    reads: list[dict[str, Any]] = []
    real = CaseStore.open_tasks

    def spy(self: CaseStore, **kwargs: Any) -> list[Task]:
        reads.append(kwargs)
        return real(self, **kwargs)

    monkeypatch.setattr(CaseStore, "open_tasks", spy)
    _window, page = _page(host, lead)
    # The tile counts cases (as the Cases page does), the list below it the late work.
    assert page.cards["overdue"].value.text() == "1"
    assert page.overdue_list.count() == LIST_ROWS
    assert page.overdue_section.footnote.text() == (
        f"{LIST_ROWS} of 12 shown, oldest first; all in Cases.")
    assert page.upcoming_list.case_ids() == [case_id]
    # The backlog is never read: only what a list shows (my tasks: a bounded read).
    for kwargs in reads:
        assert kwargs.get("limit", 500) <= LIST_ROWS or kwargs.get("assignee_id"), kwargs


def test_the_upcoming_window_is_today_and_the_next_days(
    qtbot: QtBot, host: MakeHost, lead: Session
) -> None:
    store = lead.store
    today = store.create_case("Due today").id
    last = store.create_case("Last day of the window").id
    beyond = store.create_case("Just outside").id
    chore = store.create_case("Not a review").id
    store.add_task(beyond, "Scheduled case review", kind="review", due_on=days(UPCOMING_DAYS))
    store.add_task(last, "Scheduled case review", kind="review", due_on=days(UPCOMING_DAYS - 1))
    store.add_task(today, "Scheduled case review", kind="review", due_on=days(0))
    store.add_task(chore, "Phone the school", due_on=days(1))
    for _ in range(30):  # a backlog of overdue reviews does not push the window out
        store.add_task(chore, "Scheduled case review", kind="review", due_on=days(-3))
    data = load(lead)
    assert [case.id for _task, case in data.upcoming] == [today, chore, last]
    assert data.upcoming_total == 3
    assert data.counts["overdue"] == 1  # one case ...
    assert data.overdue_tasks == 30  # ... with thirty late reviews
    _window, page = _page(host, lead)
    assert page.upcoming_list.case_ids() == [today, chore, last]
    assert "due today \u00b7 Review" in page.upcoming_list.item(0).text()
    assert "Phone the school" in page.upcoming_list.item(1).text()
    assert page.upcoming_section.heading.text() == UPCOMING_TITLE


def test_my_tasks_list_the_next_due_date_first_and_count_them_all(
    qtbot: QtBot, host: MakeHost, lead: Session
) -> None:
    store = lead.store
    case_id = store.create_case("Mine").id
    store.add_task(case_id, "Undated chore", assignee=LEAD)
    store.add_task(case_id, "Due later", due_on=days(9), assignee=LEAD)
    store.add_task(case_id, "Due soon", due_on=days(1), assignee=LEAD)
    data = load(lead)
    assert [task.title for task, _case in data.mine] == ["Due soon", "Due later",
                                                         "Undated chore"]
    for number in range(LIST_ROWS):
        store.add_task(case_id, f"Dated {number}", due_on=days(20 + number), assignee=LEAD)
    data = load(lead)
    assert data.mine_total == LIST_ROWS + 3
    assert "Undated chore" not in [task.title for task, _case in data.mine]
    _window, page = _page(host, lead)
    assert page.my_section.footnote.text().startswith(f"{LIST_ROWS} of {LIST_ROWS + 3:,} shown")


def test_my_tasks_are_counted_exactly_beyond_the_list(lead: Session) -> None:
    case_id = lead.store.create_case("Mine").id
    for number in range(7):
        lead.store.add_task(case_id, f"Task {number}", due_on=days(number), assignee=LEAD)
    data = load(lead)
    assert (data.mine_total, data.mine_capped) == (7, False)
    assert DashboardPage._more(LIST_ROWS, 7, "next due first", capped=False).startswith(
        f"{LIST_ROWS} of 7 shown")


def test_recent_activity_looks_past_a_morning_of_reading(
    qtbot: QtBot, host: MakeHost, lead: Session
) -> None:
    case = lead.store.create_case("Read many times")
    for _ in range(ACTIVITY_PAGE + 10):
        lead.store.view_case(case.id)
    data = load(lead)
    assert [entry.action for entry in data.activity][:1] == ["case.create"]


def test_due_phrase() -> None:
    from datetime import date

    today = date(2026, 3, 31)
    assert due_phrase("2026-03-31", today) == "due today"
    assert due_phrase("2026-04-01", today) == "due tomorrow"
    assert due_phrase("2026-04-03", today) == "due in 3 days (2026-04-03)"
    assert due_phrase("2026-03-30", today) == "1 day overdue (2026-03-30)"
    assert due_phrase(None, today) == "no due date"
