"""A case found by a search opens by keyboard (found in the issue 9 walk: Ctrl+F, type,
Down, Enter often did nothing): Down in the search box moves to the first row of the table,
Enter there opens it, Enter in the search box opens the one case found, and the row chosen
stays chosen while the rest of the cases join the table (the list loads a page at a time).

The typing is at keyboard speed: no waiting for the search's 200 ms pause.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.models.case_table import COLUMN_KEYS
from btam_desktop.ui.pages.cases import CasesPage
from tests.ui.cases import test_case_list_loading as base
from tests.ui.cases.test_case_list_loading import Loading

# The app unlocked with 40 more cases, the list loading 5 then 7 cases at a time.
many_cases = base.many_cases
loading = base.loading  # the fixtures, for this module's tests


@pytest.fixture
def app(loading: Loading) -> Loading:
    return loading


def _session(app: Loading) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def _open_case_id(page: CasesPage) -> str:
    view = page.current_case_view()
    return view.case_id if view is not None else ""


def _search(qtbot: QtBot, app: Loading, text: str) -> None:
    """Ctrl+F anywhere in the window, then type ``text``."""
    qtbot.keyClick(app.main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = app.page.list.search
    assert QApplication.focusWidget() is search
    qtbot.keyClicks(search, text)


def _focus() -> object:
    return QApplication.focusWidget()


def _loaded(qtbot: QtBot, app: Loading) -> None:
    with qtbot.waitSignal(app.page.list.load_finished, timeout=10_000):
        app.main.show_page("cases")


def _oldest_open(app: Loading) -> tuple[str, str]:
    """(id, number) of the oldest case not closed (read last by the load)."""
    case = [c for c in _session(app).store.list_cases() if c.status != "closed"][-1]
    return case.id, case.number


def test_down_then_enter_opens_the_case_found(qtbot: QtBot, app: Loading) -> None:
    _loaded(qtbot, app)
    case_id, number = _oldest_open(app)
    _search(qtbot, app, number)
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)
    table = app.page.list.table
    assert _focus() is table
    assert app.page.list.selected_case_id() == case_id
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert _open_case_id(app.page) == case_id


def test_enter_in_the_search_box_opens_the_one_case_found(qtbot: QtBot,
                                                          app: Loading) -> None:
    _loaded(qtbot, app)
    case_id, number = _oldest_open(app)
    _search(qtbot, app, number)
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    assert _open_case_id(app.page) == case_id


def test_enter_with_several_found_goes_to_the_first(qtbot: QtBot, app: Loading) -> None:
    _loaded(qtbot, app)
    _search(qtbot, app, "harbor")
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    listing = app.page.list
    assert listing.model.rowCount() > 1
    assert _focus() is listing.table and _open_case_id(app.page) == ""
    assert listing.selected_case_id() == listing.model.case_id(0)
    qtbot.keyClick(listing.table, Qt.Key.Key_Down)
    second = listing.model.case_id(1)
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)
    assert _open_case_id(app.page) == second


def test_enter_during_the_load_opens_the_case_when_its_row_joins(qtbot: QtBot,
                                                                 app: Loading) -> None:
    case_id, number = _oldest_open(app)
    app.main.show_page("cases")
    assert app.page.list.model.loading
    _search(qtbot, app, number)
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _open_case_id(app.page) == case_id, timeout=10_000)


def test_the_chosen_row_stays_chosen_while_rows_join(qtbot: QtBot, app: Loading) -> None:
    app.main.show_page("cases")
    listing = app.page.list
    assert listing.model.loading
    _search(qtbot, app, "harbor")
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)
    qtbot.keyClick(listing.table, Qt.Key.Key_Down)
    chosen = listing.selected_case_id()
    assert chosen
    # Sorted by title meanwhile: the view is rebuilt when the load ends.
    listing.table.sortByColumn(COLUMN_KEYS.index("title"), Qt.SortOrder.AscendingOrder)
    chosen = listing.selected_case_id()
    assert chosen
    with qtbot.waitSignal(listing.load_finished, timeout=10_000):
        pass
    assert listing.selected_case_id() == chosen
    # Records change and the search runs again: still the same row.
    session = _session(app)
    session.store.add_note(chosen, "Harbor patrol saw the car again")
    qtbot.waitUntil(lambda: not app.page._change_timer.isActive(), timeout=2000)
    listing.rerun_search()
    assert listing.selected_case_id() == chosen
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)
    assert _open_case_id(app.page) == chosen


def test_the_chosen_row_stays_chosen_when_the_search_runs_again(qtbot: QtBot,
                                                                app: Loading) -> None:
    # Someone else's change makes another case match: the search runs again and the list is
    # rebuilt; the row the officer moved to stays the current one, so Enter opens it.
    _loaded(qtbot, app)
    listing = app.page.list
    _search(qtbot, app, "harbor")
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)
    qtbot.keyClick(listing.table, Qt.Key.Key_Down)
    chosen = listing.selected_case_id()
    assert chosen
    session = _session(app)
    other = next(c for c in session.store.list_cases()
                 if c.id not in {listing.model.case_id(r) for r in range(listing.model.rowCount())}
                 and c.status != "closed")
    with qtbot.waitSignal(listing.model.modelReset, timeout=3000):
        session.store.add_note(other.id, "Harbor patrol saw the car again")
    assert other.id in {listing.model.case_id(r) for r in range(listing.model.rowCount())}
    assert listing.selected_case_id() == chosen
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)
    assert _open_case_id(app.page) == chosen
