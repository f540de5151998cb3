"""The dashboard's first read after an unlock runs on a worker thread (FirstLoad, issue 12)
while the main window is built: the page shows it at its first paint, never an older picture
than a change made meanwhile, and a lock in between leaves nothing running."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.pages import dashboard
from btam_desktop.ui.pages.dashboard import DashboardPage
from tests.ui.pages.conftest import LEAD, Host, days

MakeHost = Callable[..., Host]


def _caseload(session: Session) -> None:
    store = session.store
    store.create_case("Statements at the courthouse", status="active", concern="imminent")
    high = store.create_case("Posts about the school", concern="high")
    late = store.create_case("Letters to the mayor", concern="low")
    store.add_task(late.id, "Scheduled case review", kind="review", due_on=days(-3))
    store.assign(high.id, LEAD)


def _shown(page: DashboardPage) -> dict[str, object]:
    """What the page shows: cards, attention links and rows, my caseload, tasks."""
    return {
        "cards": {key: card.value.text() for key, card in page.cards.items()},
        "links": [link.text() for link in page.attention_links.values()],
        "attention": page.attention_list.case_ids(),
        "mine": page.my_cases_link.text(),
        "my cases": page.my_cases_list.case_ids(),
        "overdue": page.overdue_list.case_ids(),
        "agency": page.agency.text(),
    }


def test_the_first_load_is_what_the_page_would_read(qtbot: QtBot, host: MakeHost,
                                                    lead: Session) -> None:
    _caseload(lead)
    window = host(lead)
    plain = DashboardPage(lead, window.events)
    plain.refresh()
    dashboard.start_first_load(lead)
    page = DashboardPage(lead, window.events)
    assert page._first_load is not None  # taken by the page made next for this session
    page.refresh()  # as the main window does while it is built: not shown yet, not read
    assert page.stale and page.cards["open"].value.text() == "\u2013"
    window.put(page)  # shown: the first load is taken before the first paint
    assert page._first_load is None and not page.stale
    assert _shown(page) == _shown(plain)
    assert page.cards["open"].value.text() == "2"
    assert page.data.attention_counts == dashboard.load(lead).attention_counts
    assert dashboard.load(lead, date.today()).my_cases_total == page.data.my_cases_total == 1


def test_a_change_before_the_page_is_shown_is_not_hidden_by_the_first_load(
        qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    _caseload(lead)
    window = host(lead)
    dashboard.start_first_load(lead)
    page = DashboardPage(lead, window.events)
    page.refresh()
    lead.store.create_case("Reported while the window was being built")  # after the read
    window.put(page)
    assert page.cards["open"].value.text() == "3"


def test_a_lock_before_the_page_is_shown_stops_the_first_load(qtbot: QtBot, host: MakeHost,
                                                             lead: Session) -> None:
    _caseload(lead)
    window = host(lead)
    dashboard.start_first_load(lead)
    page = DashboardPage(lead, window.events)
    first = page._first_load
    assert first is not None
    page.teardown()  # the window goes with the lock
    assert page._first_load is None
    first.take(timeout_s=10)  # waits for the threads (interrupted, or done before)
    assert first._reader.closed
    assert not first._thread.is_alive()
