"""Dialogs with unsaved input, held across a lock and reopened after the same member unlocks.

A lock deletes the main window and every dialog under it (the widgets holding case data must
not outlive it). A note half-typed in Add entry › Note… vanished with them. Before the window
goes, :func:`hold_dialogs` takes from every open case dialog in which something was typed the
way to build it again (ids only) and the values of its inputs. They are kept in this process's
memory only, by the controller, beside where the member was, and never written anywhere: the
vault is locked and nothing of a case may reach the disk in plaintext. After the same member
unlocks, :func:`reopen_held` builds the dialogs again over the new main window and puts the
input back. Anyone else unlocking, or quitting, drops them: so does SIGTERM (the OS shutting
down, a logout) and SIGINT, which quit like Quit does (``ui.app.SignalQuit``). Such text has
no draft in the data model, and writing it anywhere but the vault would put case data on the
disk in plaintext; it is lost, and form drafts are saved.

Open form windows are held too (:func:`hold_forms`), by ids and the question being edited:
a draft is saved in the vault (encrypted) when the lock comes, and the same member's unlock
reopens the window for the same submission, scrolled to that question with the cursor where
it was (:func:`reopen_forms`). What could not be saved (a failed save, an amendment being
typed, which is only stored when its reason is given) is held in memory like a dialog's input
and put back. The lock screen lists them (:meth:`HeldForm.lock_line`) by form title and case
number only: the person's name is case data, and the lock screen is what anyone walking up to
the laptop sees. Held dialogs are listed too (:meth:`HeldDialog.lock_line`), by the dialog's
title alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import RecordDialog, Reopen

_log = logging.getLogger(__name__)

KEPT = ("What you typed was kept while the vault was locked; it is not saved yet. Check it, "
        "then save.")
FORM_KEPT = ("What you typed was kept while the vault was locked (it could not be saved "
             "then); it is saved as a draft again now.")


@dataclass
class HeldDialog:
    """One dialog's way back and its input (memory only)."""

    title: str
    reopen: Reopen
    state: list[Any]
    # The input that had the keyboard focus (its place in ``inputs()``) and the cursor in it:
    # given back, so the next key typed goes where it was going (not over a selected field).
    focus: int | None = None
    cursor: int | None = None

    def lock_line(self) -> str:
        """What the lock screen says about this dialog: its title only (fixed words such as
        "Add note" or "Change concern level"), never the text typed in it, the case or a
        person: the lock screen is what anyone walking up to the laptop sees."""
        return (f"Not saved: what you typed in \u201c{self.title}\u201d. It is held until "
                "you unlock (it is lost if the app is closed).")


def hold_dialogs(window: QWidget) -> list[HeldDialog]:
    """The open case dialogs of ``window`` that have typed input, oldest first."""
    held = []
    for dialog in window.findChildren(RecordDialog):
        if dialog.reopen is not None and dialog.isVisible() and dialog.has_typed():
            focus, cursor = _focused_input(dialog)
            held.append(HeldDialog(dialog.windowTitle(), dialog.reopen, dialog.input_state(),
                                   focus, cursor))
    return held


def _focused_input(dialog: RecordDialog) -> tuple[int | None, int | None]:
    """Which of the dialog's inputs has the focus (its index) and the text cursor in it."""
    focus = dialog.focusWidget()  # the last focused child, even when the window is inactive
    inputs = dialog.inputs()
    if focus is None or focus not in inputs:
        return None, None
    if isinstance(focus, QLineEdit):
        return inputs.index(focus), focus.cursorPosition()
    if isinstance(focus, QPlainTextEdit):
        return inputs.index(focus), focus.textCursor().position()
    return inputs.index(focus), None


def _give_focus_back(dialog: RecordDialog, each: HeldDialog) -> None:
    inputs = dialog.inputs()
    if each.focus is None or not 0 <= each.focus < len(inputs):
        return
    widget = inputs[each.focus]
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    if isinstance(widget, QLineEdit):
        widget.deselect()
        widget.setCursorPosition(each.cursor if each.cursor is not None else len(widget.text()))
    elif isinstance(widget, QPlainTextEdit):
        text_cursor = widget.textCursor()
        end = len(widget.toPlainText())
        text_cursor.setPosition(min(each.cursor, end) if each.cursor is not None else end)
        widget.setTextCursor(text_cursor)


def reopen_held(session: Session, window: QWidget, held: list[HeldDialog]) -> list[str]:
    """Build the dialogs again over ``window`` with their input; returns the titles of those
    that could not be (their case or entry is gone, or the member may no longer write)."""
    lost = []
    for each in held:
        try:
            dialog = each.reopen(session, window)
        except Exception as exc:  # never let one dialog stop the unlock
            from btam_desktop.ui import errors

            # Type and code locations only: the message may quote case data.
            errors.log_exception("could not reopen a dialog held across a lock", exc)
            lost.append(each.title)
            continue
        dialog.set_input_state(each.state)
        dialog.message.show_message(KEPT, "info")
        dialog.open()
        _give_focus_back(dialog, each)
    return lost


@dataclass
class HeldForm:
    """An open form window's way back: ids, the question being edited, and (memory only)
    answers that are not in the vault."""

    case_id: str
    case_number: str
    form_id: str
    form_title: str
    mode: str  # "draft", "read" or "amend" (see ui.case.form_dialog)
    submission_id: str | None  # None: a new form in which nothing was typed yet
    path: str  # the question that had the keyboard focus ("" if none)
    cursor: int | None  # the cursor in that question's text, if it is text
    answers: dict[str, Any] | None  # not saved in the vault: put back after the unlock
    reason: str = ""  # an amendment's reason, typed so far
    saved: bool = False  # a draft saved in the vault when the lock came

    def lock_line(self) -> str:
        """What the lock screen says about this form ("" when there is nothing to say)."""
        where = f"{self.form_title} \u2014 {self.case_number}"
        if self.answers is not None:
            return (f"Not saved: {where}. What you typed is held until you unlock (it is "
                    "lost if the app is closed).")
        if self.saved:
            return f"Draft saved: {where}"
        return ""


def _focused_question(dialog: QWidget) -> tuple[str, int | None]:
    """The field path of the question holding the dialog's keyboard focus, and the cursor."""
    from btam_desktop.ui.forms.row import FieldRow

    focus = dialog.focusWidget()  # the last focused child, even when the window is inactive
    cursor: int | None = None
    if isinstance(focus, QLineEdit):
        cursor = focus.cursorPosition()
    elif isinstance(focus, QPlainTextEdit):
        cursor = focus.textCursor().position()
    widget: QWidget | None = focus
    while widget is not None and widget is not dialog:
        if isinstance(widget, FieldRow):
            return widget.path, cursor
        widget = widget.parentWidget()
    return "", None


def hold_forms(window: QWidget) -> list[HeldForm]:
    """Save the open drafts of ``window`` and describe every open form window (oldest first).

    Called while the vault is still open: a draft that saves is in the vault; one that does
    not keeps its answers here, in memory only.
    """
    from btam_desktop.ui.case.form_dialog import AMEND, DRAFT, FormDialog

    held = []
    for dialog in window.findChildren(FormDialog):
        if not dialog.isVisible():
            continue
        path, cursor = _focused_question(dialog)
        form = dialog.view.form
        number = dialog.caption.split(" \u2014 ")[0]
        answers: dict[str, Any] | None = None
        saved = False
        submission_id = dialog.submission.id if dialog.submission is not None else None
        reason = ""
        controller = dialog.controller
        if dialog.mode == DRAFT and controller is not None:
            typed = controller.has_unsaved_changes() or controller.submission_id is not None
            if controller.flush():
                saved = typed
            else:
                answers = dialog.view.answers()
            submission_id = controller.submission_id
        elif dialog.mode == AMEND:
            reason = dialog.reason.text()
            current = dialog.view.answers()
            original = dialog.submission.answers if dialog.submission is not None else {}
            if current != original or reason.strip():
                answers = current
        held.append(HeldForm(dialog.case_id, number, form.id, form.title, dialog.mode,
                             submission_id, path, cursor, answers, reason, saved))
    return held


def reopen_forms(window: QWidget, held: list[HeldForm]) -> list[str]:
    """Reopen the form windows of :func:`hold_forms` over the new main window, at the
    question being edited; returns the titles of those that could not be reopened."""
    lost = []
    for each in held:
        try:
            _reopen_form(window, each)
        except Exception as exc:  # never let one form stop the unlock
            from btam_desktop.ui import errors

            # Type and code locations only: the message may quote case data.
            errors.log_exception("could not reopen a form held across a lock", exc)
            lost.append(f"{each.form_title} \u2014 {each.case_number}")
    return lost


def _reopen_form(window: QWidget, each: HeldForm) -> None:
    from btam_desktop.ui.case.form_dialog import AMEND, FormDialog
    from btam_desktop.ui.case.forms_tab import FormsTab
    from btam_desktop.ui.main_window import MainWindow
    from btam_desktop.ui.pages.cases import CasesPage

    assert isinstance(window, MainWindow)
    cases = window.page("cases")
    assert isinstance(cases, CasesPage)
    window.show_page("cases")
    view = cases.open_case(each.case_id)
    if view is None:
        raise LookupError("the case could not be opened")
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    dialog: FormDialog | None
    if each.mode == AMEND and each.submission_id is not None:
        submission = tab.session.submissions.get(each.submission_id)
        dialog = FormDialog(tab.session, each.case_id, window, mode=AMEND,
                            submission=submission)
        tab.dialogs.append(dialog)
        dialog.changed.connect(lambda _id: tab.refresh())
        dialog.open()
    elif each.submission_id is not None:
        dialog = tab.open_submission(each.submission_id)
    else:
        dialog = tab.start_form(each.form_id)
    if dialog is None:
        raise LookupError("the form could not be opened")
    if each.answers is not None:
        dialog.view.set_answers(each.answers)
        if dialog.controller is not None:
            # Unsaved until now: the draft controller saves them like any change.
            dialog.view.answersChanged.emit(dialog.view.answers())
        dialog.message.show_message(FORM_KEPT if dialog.controller is not None else KEPT,
                                    "info")
    if each.mode == AMEND:
        dialog.reason.setText(each.reason)
    if each.path and dialog.view.focus_field(each.path):
        focus = dialog.focusWidget()
        if each.cursor is not None and isinstance(focus, QLineEdit):
            focus.setCursorPosition(each.cursor)
        elif each.cursor is not None and isinstance(focus, QPlainTextEdit):
            text_cursor = focus.textCursor()
            text_cursor.setPosition(min(each.cursor, len(focus.toPlainText())))
            focus.setTextCursor(text_cursor)
