"""The case list as the officer left it comes back after a lock. Found in the keyboard walk
under Xvfb at 1024x768: a search typed on the Cases page ("rifle", 41 of 300 cases), Ctrl+L,
the same member unlocks: the search box was empty and every case listed again, so the officer
typed it again. The search text, the filters, the sort and the selected case are held with
the rest of where the member was, in memory only (never on disk, as a dialog's typing), and
dropped when someone else unlocks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.models.case_table import COLUMN_KEYS
from btam_desktop.ui.pages.cases import CasesPage
from tests.ui.cases.conftest import CasesApp
from tests.ui.conftest import LEAD_PASS, OFFICER, OFFICER_PASS
from tests.ui.helpers import unlock, unlock_window

WORD = "Pennywhistle"  # in a note of the "Letters to the mayor" case


def shown(page: CasesPage) -> list[str]:
    model = page.list.model
    return [model.case_id(row) for row in range(model.rowCount())]


def lock(qtbot: QtBot, app: CasesApp) -> None:
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        app.controller.lock()


def test_search_filters_sort_and_selection_come_back(qtbot: QtBot, cases_app: CasesApp,
                                                      tmp_path: Path) -> None:
    app = cases_app
    listing = app.page.list
    listing.concern.setCurrentIndex(listing.concern.findData("moderate"))
    listing.mine.setChecked(False)
    listing.table.sortByColumn(COLUMN_KEYS.index("title"), Qt.SortOrder.AscendingOrder)
    qtbot.keyClicks(listing.search, WORD)
    qtbot.waitUntil(lambda: not listing._search_timer.isActive(), timeout=3000)
    assert shown(app.page) == [app.seeded.letters]
    assert listing.select_case(app.seeded.letters)
    lock(qtbot, app)
    for path in tmp_path.rglob("*"):  # held in memory only
        if path.is_file():
            assert WORD.encode() not in path.read_bytes(), path
    main = unlock(qtbot, app.controller, LEAD_PASS)
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    again = page.list
    qtbot.waitUntil(lambda: again.model.loaded, timeout=5000)
    assert again.search.text() == WORD
    assert again.concern.currentData() == "moderate"
    header = again.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        COLUMN_KEYS.index("title"), Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: shown(page) == [app.seeded.letters], timeout=3000)
    qtbot.waitUntil(lambda: again.selected_case_id() == app.seeded.letters, timeout=3000)


def test_another_member_gets_a_fresh_list(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = app.controller.session
    assert session is not None
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    qtbot.keyClicks(app.page.list.search, WORD)
    lock(qtbot, app)
    window = unlock_window(app.controller)
    window.member.setCurrentIndex(window.member.findText(OFFICER))
    main = unlock(qtbot, app.controller, OFFICER_PASS)
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    assert page.list.search.text() == ""
