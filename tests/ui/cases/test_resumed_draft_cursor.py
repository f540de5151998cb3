"""A resumed draft opens with the keyboard in its first question, the cursor at the end of
what was typed there and nothing selected: the next key the officer presses adds to the
answer instead of replacing it."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.form_dialog import DRAFT
from btam_desktop.ui.case.forms_tab import FormsTab
from tests.core.test_submissions import valid_contact
from tests.ui.cases.conftest import CasesApp


def test_a_resumed_draft_has_nothing_selected_and_the_cursor_at_the_end(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = app.controller.session
    assert session is not None
    answers = valid_contact(session)
    session.submissions.create(app.seeded.school, "contact_log", answers)
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    tab.refresh()
    tab.table.selectRow(0)
    dialog = tab.open_selected()
    assert dialog is not None and dialog.mode == DRAFT
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit)
    assert dialog.view.isAncestorOf(line)
    assert line.text() != ""
    assert not line.hasSelectedText(), line.selectedText()
    assert line.cursorPosition() == len(line.text())
    dialog.reject()
