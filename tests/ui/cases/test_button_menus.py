"""Menus opened from a button (Add entry, Start form) open with their first item highlighted,
so Alt+A then Enter chooses it (issue 9 walk: Enter did nothing)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.case.timeline_tab import TimelineTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import open_school


def _active_when_open(qtbot: QtBot, menu: QMenu, open_menu: object) -> object:
    seen: list[object] = []

    def look() -> None:
        seen.append(menu.activeAction())
        menu.close()

    QTimer.singleShot(200, look)
    open_menu()  # type: ignore[operator]  # modal until look() closes it
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    return seen[0]


# A pop-up asks for raise and a keyboard grab, which the offscreen platform cannot do.
@pytest.mark.qt_log_ignore(r"^This plugin does not support (raise\(\)|grabbing the keyboard)$")
def test_add_entry_and_start_form_menus_highlight_their_first_item(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    view = open_school(cases_app)
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    menu = timeline.add_button.menu()
    assert menu is not None
    assert _active_when_open(qtbot, menu, timeline.add_button.showMenu) is menu.actions()[0]
    forms = view.show_tab(FormsTab)
    assert isinstance(forms, FormsTab)
    start = forms.start_menu
    assert _active_when_open(qtbot, start, forms.start_button.showMenu) is start.actions()[0]
