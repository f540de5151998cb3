"""Ctrl+Q ("Lock and quit", listed under Anywhere) works in every window, as Ctrl+L does:
before, it did nothing while a dialog had the keyboard, e.g. the "Discard what you typed?"
box. Quitting drops typed dialog text (a lock holds it; a quit cannot), so when something
was typed the quit asks first, in the same words as the discard box; nothing typed: it quits
at once. Form drafts need no question: they are saved on the way out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.case_dialogs import ConcernDialog
from btam_desktop.ui.case.dialog_base import DISCARD_TITLE
from btam_desktop.ui.controller import QUIT_TITLE
from tests.ui.cases.conftest import CasesApp


def box_titled(title: str) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible() \
                and widget.windowTitle() == title:
            return widget
    return None


def ctrl_q(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def open_concern(qtbot: QtBot, app: CasesApp) -> ConcernDialog:
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    dialog = view.header.change_concern()
    assert isinstance(dialog, ConcernDialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def test_ctrl_q_in_the_discard_box_asks_to_quit_and_quits(qtbot: QtBot,
                                                          cases_app: CasesApp) -> None:
    app = cases_app
    dialog = open_concern(qtbot, app)
    qtbot.keyClicks(dialog.rationale, "Bought a weapon after the suspension")
    qtbot.keyClick(dialog.rationale, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: box_titled(DISCARD_TITLE) is not None, timeout=3000)
    discard = box_titled(DISCARD_TITLE)
    assert discard is not None

    ctrl_q(qtbot, discard)
    qtbot.waitUntil(lambda: box_titled(QUIT_TITLE) is not None, timeout=3000)
    question = box_titled(QUIT_TITLE)
    assert question is not None
    assert "Change concern level" in question.text()  # which dialog's text would be lost
    assert "Bought a weapon" not in question.text()  # the case text itself is not repeated
    # One question on the screen: the quit's replaces the discard box, and is on top.
    assert box_titled(DISCARD_TITLE) is None
    assert question.parentWidget() is dialog
    # Keep editing: back where the officer was.
    question.escapeButton().click()
    assert app.controller.session is not None and dialog.isVisible()
    assert dialog.rationale.toPlainText() == "Bought a weapon after the suspension"

    ctrl_q(qtbot, dialog.rationale)
    qtbot.waitUntil(lambda: box_titled(QUIT_TITLE) is not None, timeout=3000)
    question = box_titled(QUIT_TITLE)
    assert question is not None
    quit_button = next(b for b in question.buttons()
                       if question.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    with qtbot.waitSignal(app.controller.finished, timeout=5000):
        quit_button.click()
    assert app.controller.session is None


def test_ctrl_q_in_a_dialog_with_nothing_typed_quits_at_once(qtbot: QtBot,
                                                           cases_app: CasesApp) -> None:
    app = cases_app
    dialog = open_concern(qtbot, app)
    with qtbot.waitSignal(app.controller.finished, timeout=5000):
        ctrl_q(qtbot, dialog.rationale)
    assert app.controller.session is None
