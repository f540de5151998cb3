"""The case list sorts without a mouse. Found in the keyboard-only walk at 1366x768: the
headers are clicked, never focused, so an officer without a mouse could search and filter but
not sort. Ctrl+Shift+S in the list sorts by the current cell's column (Left and Right move
it); the same column again reverses the order; the selected case stays selected."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui import keys
from btam_desktop.ui.models.case_table import COLUMN_KEYS
from tests.ui.cases.conftest import CasesApp


def titles(app: CasesApp) -> list[str]:
    model = app.page.list.model
    column = COLUMN_KEYS.index("title")
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_ctrl_shift_s_sorts_by_the_current_column(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    listing = app.page.list
    table = listing.table
    assert listing.select_case(app.seeded.letters)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=3000)
    number = COLUMN_KEYS.index("number")
    title = COLUMN_KEYS.index("title")
    table.setCurrentIndex(table.model().index(table.currentIndex().row(), number))
    qtbot.keyClick(table, Qt.Key.Key_Right)  # the current cell moves to the Title column
    assert table.currentIndex().column() == title
    qtbot.keyClick(table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    header = table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        title, Qt.SortOrder.AscendingOrder)
    shown = titles(app)
    assert shown == sorted(shown, key=str.casefold)
    assert listing.selected_case_id() == app.seeded.letters
    qtbot.keyClick(table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert titles(app) == list(reversed(shown))
    assert listing.selected_case_id() == app.seeded.letters


def test_the_sort_key_is_in_the_shortcuts_list(cases_app: CasesApp) -> None:
    dialog = cases_app.main.show_shortcuts()
    assert keys.SORT.text in dialog.browser.toPlainText()
    assert keys.SORT.label() in dialog.browser.toPlainText()
    dialog.close()
