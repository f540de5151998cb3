"""The Cases page reads the rest of its list on a worker thread, through a read-only
connection of its own: the same rows as before, the GUI thread never reads a page after the
first, and the load stops cleanly (its connection closed, no Qt warning) on a lock, on
quitting and when the page is left (it goes on when the page comes back); a filter chosen and
a write committed during the load give the right list at its end.

The worker is held at chosen points by a wrapper of ``queries.case_rows_page``: waiting for an
event the test sets, or running a query that never ends by itself (only an interrupt stops
it), so each case happens while a read is really under way. Small pages (5 first, then 7)
stand in for 100 and 1,000 at 100,000 cases.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.core import queries
from btam_desktop.core.db import Reader
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter
from btam_desktop.core.session import Session
from btam_desktop.ui.case.tab_base import ROW_HEIGHT
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.models.case_loader import CaseLoader
from btam_desktop.ui.pages import cases as cases_module
from btam_desktop.ui.pages.cases import CasesPage
from tests.ui.cases.conftest import days
from tests.ui.cases.test_case_list_loading import _expected, _shown
from tests.ui.cases.test_case_list_loading import many_cases as many_cases  # the fixture
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import is_deleted, unlock

# A statement that runs until it is interrupted (SQLite counts forever).
ENDLESS = ("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)"
           " SELECT count(*) FROM n")
WAIT_S = 10.0  # only a broken load waits this long; the tests never sleep


@dataclass
class Reads:
    """What the wrapped ``case_rows_page`` saw, and how the worker is held."""

    threads: list[int] = field(default_factory=list)  # thread of each page read
    on_session_db: list[bool] = field(default_factory=list)  # read through the session's db
    hold_at: int = 0  # the worker's n-th page (1 = its first) waits ...
    gate: threading.Event = field(default_factory=threading.Event)  # ... for this,
    endless: bool = False  # ... or runs ENDLESS instead
    held: threading.Event = field(default_factory=threading.Event)  # it is waiting now
    readers: list[Reader] = field(default_factory=list)  # every reader of the page's loads
    session: Session | None = None


@dataclass
class App:
    controller: AppController
    main: MainWindow
    page: CasesPage
    reads: Reads

    @property
    def session(self) -> Session:
        session = self.controller.session
        assert session is not None
        return session


@pytest.fixture
def app(qtbot: QtBot, make_controller: Callable[..., AppController], many_cases: Path,
        monkeypatch: pytest.MonkeyPatch) -> App:
    """Unlocked on the dashboard (40 more cases than the seeded ones); Cases not shown."""
    monkeypatch.setattr(cases_module, "FIRST_PAGE", 5)
    monkeypatch.setattr(cases_module, "LOAD_PAGE", 7)
    reads = Reads()
    read = queries.case_rows_page
    main_thread = threading.get_ident()

    def wrapped(db: Any, after: Any, limit: int) -> Any:
        session = reads.session
        reads.threads.append(threading.get_ident())
        reads.on_session_db.append(session is not None and db is session.db)
        off_gui = threading.get_ident() != main_thread
        if off_gui and reads.hold_at and sum(
                t != main_thread for t in reads.threads) == reads.hold_at:
            reads.held.set()
            if reads.endless:
                db.scalar(ENDLESS)  # ends only by an interrupt (which raises here)
            else:
                reads.gate.wait(WAIT_S)
        return read(db, after, limit)

    monkeypatch.setattr(queries, "case_rows_page", wrapped)
    class Recording(CaseLoader):
        """The page's loader, its reader noted (other readers, such as the dashboard's,
        are not the page's)."""

        def __init__(self, reader: Reader, *args: Any, **kwargs: Any) -> None:
            reads.readers.append(reader)
            super().__init__(reader, *args, **kwargs)

    monkeypatch.setattr(cases_module, "CaseLoader", Recording)
    controller = make_controller(many_cases)
    main = unlock(qtbot, controller, LEAD_PASS)
    main.resize(1280, 800)
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    reads.session = controller.session
    return App(controller, main, page, reads)


def _wait_held(qtbot: QtBot, reads: Reads) -> None:
    """Until the worker waits at its page (events run meanwhile: the worker starts after
    the first paint)."""
    qtbot.waitUntil(reads.held.is_set, timeout=int(WAIT_S * 1000))


def test_the_rest_is_read_off_the_gui_thread_with_the_same_rows(
        qtbot: QtBot, app: App) -> None:
    gui = threading.get_ident()
    with qtbot.waitSignal(app.page.list.load_finished, timeout=10_000):
        app.main.show_page("cases")
    reads = app.reads
    # The first screenful on the GUI thread, from the session's connection ...
    assert reads.threads[0] == gui and reads.on_session_db[0]
    # ... every other page on another thread, through another connection.
    assert len(reads.threads) > 3
    assert all(t != gui for t in reads.threads[1:])
    assert not any(reads.on_session_db[1:])
    assert _shown(app.page) == _expected(app.session, CaseFilter(status=NOT_CLOSED))
    model = app.page.list.model
    assert model.total() == queries.count_live_cases(app.session.db)
    assert [r.closed for r in reads.readers] == [True]  # its connection closed at the end


def test_a_lock_during_a_read_interrupts_it_and_closes_the_connection(
        qtbot: QtBot, app: App) -> None:
    reads = app.reads
    reads.hold_at, reads.endless = 2, True
    app.main.show_page("cases")
    _wait_held(qtbot, reads)  # the worker is inside a read that never ends by itself
    assert app.page.list.model.loading
    app.controller.lock()  # returns: the read was interrupted, the thread waited for
    assert app.controller.session is None
    assert reads.readers and all(r.closed for r in reads.readers)
    assert is_deleted(app.main)
    # Unlocked again, the page loads every case (no state left from the stopped load).
    reads.hold_at = 0
    main = unlock(qtbot, app.controller, LEAD_PASS)
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    reads.session = app.controller.session
    with qtbot.waitSignal(page.list.load_finished, timeout=10_000):
        main.show_page("cases")
    assert _shown(page) == _expected(app.session, CaseFilter(status=NOT_CLOSED))


def test_quitting_during_a_read_stops_it(qtbot: QtBot, app: App) -> None:
    reads = app.reads
    reads.hold_at, reads.endless = 1, True
    app.main.show_page("cases")
    _wait_held(qtbot, reads)
    with qtbot.waitSignal(app.controller.finished, timeout=10_000):
        app.controller.shutdown()
    assert all(r.closed for r in reads.readers)


def test_leaving_the_page_pauses_the_load_and_coming_back_finishes_it(
        qtbot: QtBot, app: App) -> None:
    reads = app.reads
    reads.hold_at, reads.endless = 2, True
    page = app.page
    app.main.show_page("cases")
    _wait_held(qtbot, reads)
    app.main.show_page("dashboard")  # the read is interrupted, the connection closed
    assert reads.readers[0].closed
    assert page.list.model.loading and not page.list.model.loaded
    reads.hold_at = 0
    with qtbot.waitSignal(page.list.load_finished, timeout=10_000):
        app.main.show_page("cases")  # from where it stopped, on a new connection
    assert len(reads.readers) == 2 and all(r.closed for r in reads.readers)
    assert _shown(page) == _expected(app.session, CaseFilter(status=NOT_CLOSED))


def test_a_filter_and_a_search_chosen_during_a_read_apply_to_every_row(
        qtbot: QtBot, app: App) -> None:
    reads = app.reads
    reads.hold_at = 2
    listing = app.page.list
    app.main.show_page("cases")
    _wait_held(qtbot, reads)
    listing.concern.setCurrentIndex(listing.concern.findData("high"))
    listing.search.setText("harbor")
    listing.apply_filter()
    with qtbot.waitSignal(listing.load_finished, timeout=10_000):
        reads.gate.set()
    # The load went on (a filter does not restart it): each page was read once (the first
    # 5, then 7 at a time up to a short last one).
    assert len(reads.readers) == 1
    total = queries.count_live_cases(app.session.db)
    assert len(reads.threads) == 1 + (total - 5) // 7 + 1
    flt = CaseFilter(text="harbor", status=NOT_CLOSED, concern="high")
    assert _shown(app.page) == _expected(app.session, flt)
    assert _shown(app.page)


def test_writes_during_a_read_are_in_the_list_at_its_end(qtbot: QtBot, app: App) -> None:
    reads = app.reads
    reads.hold_at = 2
    listing = app.page.list
    session = app.session
    app.main.show_page("cases")
    _wait_held(qtbot, reads)
    every = _expected(session, CaseFilter(status=NOT_CLOSED))
    first, oldest = every[0], every[-1]  # one already shown, one the worker reads later
    session.store.update_case(first, {"title": "Renamed while loading"})
    session.store.update_case(oldest, {"concern": "imminent"}, reason="New threat")
    added = session.store.create_case("Opened while loading", opened_on=days(-400))
    session.store.delete_case(every[1])
    # The page took note of them (its change notifications are coalesced for 50 ms).
    qtbot.waitUntil(lambda: not app.page._change_timer.isActive(), timeout=5_000)
    assert listing.model.loading
    with qtbot.waitSignal(listing.load_finished, timeout=10_000):
        reads.gate.set()
    model = listing.model
    assert model.case_row(model.row_of(first)).title == "Renamed while loading"
    assert model.case_row(model.row_of(oldest)).concern == "imminent"
    assert model.row_of(added.id) >= 0
    assert model.row_of(every[1]) == -1
    assert _shown(app.page) == _expected(session, CaseFilter(status=NOT_CLOSED))


def test_rows_nobody_can_see_yet_join_the_table_when_the_load_ends(
        qtbot: QtBot, app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each insertion repaints the table, so during the load rows join it only while it is
    not full or when the member has scrolled to its end."""
    monkeypatch.setattr(cases_module, "SHOW_EVERY_S", 0.0)
    reads = app.reads
    reads.hold_at = 5  # the worker waits after reading 5 + 4 x 7 = 33 cases
    listing = app.page.list
    model = listing.model
    app.main.resize(1280, 480)  # a screenful of a few rows: 40 cases fill several
    app.main.show_page("cases")
    _wait_held(qtbot, reads)
    qtbot.waitUntil(lambda: model.total() == 33, timeout=5_000)
    screen = listing.table.viewport().height() // ROW_HEIGHT + 1
    every = _expected(app.session, CaseFilter(status=NOT_CLOSED))
    read = queries.case_rows_page(app.session.db, None, 33)
    read_open = [r.id for r in read if r.status != "closed"]
    shown = _shown(app.page)
    # Two screenfuls or more are shown, in list order, and the rows read below them wait.
    assert len(shown) >= 2 * screen
    assert shown == every[:len(shown)]
    assert len(shown) < len(read_open)
    with qtbot.waitSignal(listing.load_finished, timeout=10_000):
        reads.gate.set()
    assert _shown(app.page) == every
