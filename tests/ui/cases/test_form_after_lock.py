"""After a lock the officer is taken back to the open form: the same member's unlock reopens
the form window for the same submission, scrolled to and focused on the question being edited;
the lock screen says which drafts were saved; what could not be saved is held in memory only
(never on disk) and put back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core.errors import DiskFull
from btam_desktop.core.session import Session
from btam_desktop.ui.case.form_dialog import AMEND, DRAFT, FormDialog
from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.forms.row import FieldRow
from tests.core.test_submissions import valid_contact
from tests.ui.cases.conftest import CasesApp
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import is_deleted, type_and_submit, unlock_window

LOCATION = "Parking lot behind Quokka-Harbour gym"


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def forms_tab(app: CasesApp) -> FormsTab:
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    return tab


def focused_path() -> str:
    widget = QApplication.focusWidget()
    while widget is not None and not isinstance(widget, FieldRow):
        widget = widget.parentWidget()
    return widget.path if widget is not None else ""


def type_location(qtbot: QtBot, dialog: FormDialog) -> QLineEdit:
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    assert dialog.view.focus_field("contact_location")
    editor = dialog.view.editor("contact_location")
    assert editor is not None
    line = editor.focus_target()
    assert isinstance(line, QLineEdit)
    qtbot.keyClicks(line, LOCATION)
    line.setCursorPosition(7)
    return line


def lock_with_keys(qtbot: QtBot, app: CasesApp, widget: QLineEdit) -> None:
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        qtbot.keyClick(widget, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def unlock_again(qtbot: QtBot, app: CasesApp) -> FormDialog:
    with qtbot.waitSignal(app.controller.session_started, timeout=5000):
        type_and_submit(qtbot, unlock_window(app.controller), LEAD_PASS)
    main = app.controller.main_window
    assert main is not None
    dialogs = [d for d in main.findChildren(FormDialog) if d.isVisible()]
    assert len(dialogs) == 1
    qtbot.waitUntil(dialogs[0].isActiveWindow, timeout=3000)
    return dialogs[0]


def test_unlock_reopens_the_draft_at_the_field_being_edited(qtbot: QtBot,
                                                          cases_app: CasesApp) -> None:
    app = cases_app
    tab = forms_tab(app)
    number = session_of(app).store.get_case(app.seeded.school).number
    dialog = tab.start_form("contact_log")
    line = type_location(qtbot, dialog)
    # Typed just now: the autosave timer has not fired yet.
    assert dialog.controller is not None and dialog.controller.has_unsaved_changes()
    lock_with_keys(qtbot, app, line)
    assert is_deleted(dialog)

    window = unlock_window(app.controller)
    assert f"Draft saved: Contact and intervention log \u2014 {number}" in window.drafts.text()
    # The person of concern's name is case data: not on a screen anyone can walk up to.
    assert "Okafor" not in window.drafts.text()

    again = unlock_again(qtbot, app)
    assert again.mode == DRAFT
    assert again.controller is not None
    drafts = session_of(app).submissions.drafts(app.seeded.school, "contact_log")
    assert again.controller.submission_id == drafts[0].id
    assert len(drafts) == 1
    assert focused_path() == "contact_location"
    editor = again.view.editor("contact_location")
    assert editor is not None
    line = editor.focus_target()
    assert isinstance(line, QLineEdit)
    assert line.text() == LOCATION
    assert line.cursorPosition() == 7
    row = again.view.row("contact_location")
    assert row is not None and not row.visibleRegion().isEmpty()  # scrolled to it


def test_answers_that_could_not_be_saved_are_held_in_memory_and_put_back(
    qtbot: QtBot, cases_app: CasesApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = cases_app
    session = session_of(app)
    tab = forms_tab(app)
    dialog = tab.start_form("contact_log")
    line = type_location(qtbot, dialog)

    def full(*_args: object, **_kwargs: object) -> None:
        raise DiskFull("disk full")

    monkeypatch.setattr(session.submissions, "create", full)
    lock_with_keys(qtbot, app, line)
    monkeypatch.undo()
    window = unlock_window(app.controller)
    assert "Not saved" in window.drafts.text()
    assert "Draft saved" not in window.drafts.text()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"Quokka-Harbour" not in path.read_bytes(), path

    again = unlock_again(qtbot, app)
    editor = again.view.editor("contact_location")
    assert editor is not None
    assert editor.value() == LOCATION
    assert focused_path() == "contact_location"
    assert "kept while the vault was locked" in again.message.text()
    # Saved now that the vault is open again (the answers count as unsaved changes).
    assert again.controller is not None

    def saved_again() -> bool:
        drafts = session_of(app).submissions.drafts(app.seeded.school, "contact_log")
        return [d.answers.get("contact_location") for d in drafts] == [LOCATION]

    # The autosave may already have run while the window came up: wait for its result.
    qtbot.waitUntil(saved_again, timeout=3000)


def test_an_amendment_being_typed_comes_back_with_its_reason(qtbot: QtBot,
                                                           cases_app: CasesApp) -> None:
    app = cases_app
    session = session_of(app)
    sub = session.submissions.create(app.seeded.school, "contact_log", valid_contact(session))
    session.submissions.complete(sub.id)
    tab = forms_tab(app)
    tab.refresh()
    tab.table.selectRow(0)
    dialog = tab.amend_selected()
    assert dialog is not None and dialog.mode == AMEND
    line = type_location(qtbot, dialog)
    dialog.reason.setText("Location was wrong")
    line.setFocus()
    lock_with_keys(qtbot, app, line)
    assert "Not saved" in unlock_window(app.controller).drafts.text()

    again = unlock_again(qtbot, app)
    assert again.mode == AMEND
    assert again.reason.text() == "Location was wrong"
    editor = again.view.editor("contact_location")
    assert editor is not None
    assert str(editor.value()).endswith(LOCATION)
    assert focused_path() == "contact_location"


def test_another_member_unlocking_gets_no_form_back(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    tab = forms_tab(app)
    dialog = tab.start_form("contact_log")
    line = type_location(qtbot, dialog)
    session = session_of(app)
    from tests.ui.conftest import OFFICER, OFFICER_PASS

    session.add_member(OFFICER, "officer", OFFICER_PASS)
    lock_with_keys(qtbot, app, line)
    window = unlock_window(app.controller)
    window._load_members()
    window.member.setCurrentIndex(window.member.findText(OFFICER))
    with qtbot.waitSignal(app.controller.session_started, timeout=5000):
        type_and_submit(qtbot, window, OFFICER_PASS)
    main = app.controller.main_window
    assert main is not None
    assert [d for d in main.findChildren(FormDialog) if d.isVisible()] == []
