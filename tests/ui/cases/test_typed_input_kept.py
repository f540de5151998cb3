"""Nothing typed is lost without a word: a note half-typed in Add entry › Note… comes back
after Ctrl+L and the same member's unlock (held in memory only, never on disk), another member
unlocking does not see it, and Esc or Cancel on a dialog with typed content asks first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.people_tab import PeopleTab
from btam_desktop.ui.case.person_dialogs import AddPersonDialog
from btam_desktop.ui.case.timeline_tab import TimelineTab
from btam_desktop.ui.main_window import MainWindow
from tests.ui.cases.conftest import CasesApp
from tests.ui.conftest import LEAD_PASS, OFFICER, OFFICER_PASS
from tests.ui.helpers import is_deleted, type_and_submit, unlock, unlock_window

DISCARD_TITLE = "Discard what you typed?"
SUMMARY = "Called the school about Zanzibar-Quill"
DETAILS = "Counsellor Brightwater-Ochre will call back"


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def open_note(qtbot: QtBot, app: CasesApp) -> EntryDialog:
    """Add entry › Note… on the school case, with a summary and details typed."""
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    timeline.add_entry("note")
    dialog = next(d for d in app.main.findChildren(EntryDialog) if d.isVisible())
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClicks(dialog.summary, SUMMARY)
    dialog.details.setFocus()
    qtbot.keyClicks(dialog.details, DETAILS)
    return dialog


def lock_with_keys(qtbot: QtBot, app: CasesApp, dialog: EntryDialog) -> None:
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        qtbot.keyClick(dialog.details, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert is_deleted(dialog)


def visible_dialog(main: MainWindow) -> EntryDialog | None:
    return next((d for d in main.findChildren(EntryDialog) if d.isVisible()), None)


def test_a_note_typed_before_a_lock_comes_back_after_unlock(
    qtbot: QtBot, cases_app: CasesApp, tmp_path: Path
) -> None:
    app = cases_app
    dialog = open_note(qtbot, app)
    lock_with_keys(qtbot, app, dialog)
    # Held in memory only: no file anywhere under the test's folder holds the text.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"Zanzibar-Quill" not in data and b"Brightwater-Ochre" not in data, path
    with qtbot.waitSignal(app.controller.session_started, timeout=5000):
        type_and_submit(qtbot, unlock_window(app.controller), LEAD_PASS)
    main = app.controller.main_window
    assert main is not None
    again = visible_dialog(main)
    assert again is not None
    assert again.summary.text() == SUMMARY
    assert again.details.toPlainText() == DETAILS
    assert "kept while the vault was locked" in again.message.text()
    with qtbot.waitSignal(again.applied, timeout=3000):
        again.accept()
    entries = session_of(app).store.timeline(app.seeded.school)
    assert any(e.summary == SUMMARY and e.details == DETAILS for e in entries)


def test_another_member_unlocking_does_not_get_the_text(
    qtbot: QtBot, cases_app: CasesApp
) -> None:
    app = cases_app
    session_of(app).add_member(OFFICER, "officer", OFFICER_PASS)
    dialog = open_note(qtbot, app)
    lock_with_keys(qtbot, app, dialog)
    window = unlock_window(app.controller)
    window.member.setCurrentIndex(window.member.findText(OFFICER))
    main = unlock(qtbot, app.controller, OFFICER_PASS)
    assert visible_dialog(main) is None
    assert all(SUMMARY not in (w.text() if hasattr(w, "text") else "")
               for w in main.findChildren(QPushButton))
    # Nor does the lead, afterwards: the text was dropped, not kept for later.
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        app.controller.lock()
    window = unlock_window(app.controller)
    window.member.setCurrentIndex(window.member.findText("Dana Reyes"))
    main = unlock(qtbot, app.controller, LEAD_PASS)
    assert visible_dialog(main) is None


def discard_box(main: MainWindow) -> QMessageBox | None:
    return next((b for b in main.findChildren(QMessageBox)
                 if b.isVisible() and b.windowTitle() == DISCARD_TITLE), None)


def test_esc_on_a_half_filled_add_person_asks_first(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = app.page.open_case(app.seeded.letters)
    assert view is not None
    people = view.show_tab(PeopleTab)
    assert isinstance(people, PeopleTab)
    people.add_person()
    dialog = next(d for d in app.main.findChildren(AddPersonDialog) if d.isVisible())
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    dialog.tabs.setCurrentIndex(1)
    dialog.fields.family.setFocus()
    qtbot.keyClicks(dialog.fields.family, "Lindqvist")
    qtbot.keyClick(dialog.fields.family, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: discard_box(app.main) is not None, timeout=3000)
    box = discard_box(app.main)
    assert box is not None and dialog.isVisible()
    assert box.defaultButton().text().replace("&", "") == "Keep editing"
    box.defaultButton().click()  # keep editing
    qtbot.waitUntil(lambda: discard_box(app.main) is None, timeout=3000)
    assert dialog.isVisible() and dialog.fields.family.text() == "Lindqvist"
    # Cancel asks too; Discard closes, and nothing was stored.
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: discard_box(app.main) is not None, timeout=3000)
    box = discard_box(app.main)
    assert box is not None
    discard = next(b for b in box.buttons() if b.text().replace("&", "") == "Discard")
    discard.click()
    qtbot.waitUntil(lambda: is_deleted(dialog), timeout=3000)
    assert people.model.rowCount() == 0


def test_esc_on_an_untouched_dialog_closes_at_once(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = app.page.open_case(app.seeded.letters)
    assert view is not None
    people = view.show_tab(PeopleTab)
    assert isinstance(people, PeopleTab)
    people.add_person()
    dialog = next(d for d in app.main.findChildren(AddPersonDialog) if d.isVisible())
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: is_deleted(dialog), timeout=3000)
    assert discard_box(app.main) is None


def test_typing_goes_on_where_it_stopped_after_the_unlock(
    qtbot: QtBot, cases_app: CasesApp
) -> None:
    """Found in the keyboard walk: the note came back with the focus on Summary, its whole
    text selected, so the next key typed (the officer going on with Details) replaced the
    summary. The input that had the focus gets it back, with the cursor where it was."""
    app = cases_app
    dialog = open_note(qtbot, app)
    cursor = dialog.details.textCursor()
    cursor.setPosition(len("Counsellor"))  # the officer went back to fix a word
    dialog.details.setTextCursor(cursor)
    lock_with_keys(qtbot, app, dialog)
    with qtbot.waitSignal(app.controller.session_started, timeout=5000):
        type_and_submit(qtbot, unlock_window(app.controller), LEAD_PASS)
    main = app.controller.main_window
    assert main is not None
    again = visible_dialog(main)
    assert again is not None
    qtbot.waitUntil(again.isActiveWindow, timeout=3000)
    assert again.focusWidget() is again.details
    qtbot.keyClicks(QApplication.focusWidget(), " Lee")
    assert again.summary.text() == SUMMARY
    assert again.details.toPlainText() == DETAILS.replace("Counsellor", "Counsellor Lee", 1)
