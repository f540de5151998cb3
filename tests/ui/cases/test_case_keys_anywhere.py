"""A tab's keys work from anywhere in an open case (issue 9 walk: Ctrl+Shift+F "Start a form"
did nothing from the Timeline tab, as Qt ignores the shortcuts of a hidden tab)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.people_tab import PeopleTab
from btam_desktop.ui.case.person_dialogs import AddPersonDialog
from btam_desktop.ui.case.timeline_tab import TimelineTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import open_school


def test_add_person_from_the_timeline_tab(qtbot: QtBot, cases_app: CasesApp) -> None:
    view = open_school(cases_app)
    timeline = view.show_tab(TimelineTab)
    cases_app.main.show()
    cases_app.main.activateWindow()
    qtbot.waitUntil(cases_app.main.isActiveWindow, timeout=3000)
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_A,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in
                                cases_app.main.findChildren(AddPersonDialog)), timeout=3000)
    assert view.tabs.currentWidget() is view.tab(PeopleTab)

