"""Enter, pressed by reflex after typing, never changes an answer.

The form window is a dialog. A push button in a dialog is "auto-default" unless told
otherwise, and Enter in a one-line field then presses the dialog's default button: the first
"Clear answer" or "Today" of the form, which emptied another question or set another date to
today. Every shipped form is filled in completely, in the real form window, and Enter is
pressed in every one-line field and after jumping with the section list; the answers must be
the same afterwards, and the window still open.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import Field, FormDefinition, FormPack
from btam_desktop.core.session import Session
from btam_desktop.ui.case.form_dialog import DRAFT, FormDialog
from tests.ui.forms.conftest import CaseWithPeople

SHIPPED = ["case_review_closure", "contact_log", "external_instrument", "intake_referral",
           "management_plan", "partner_referral", "screening_triage", "threat_inquiry",
           "warning_behaviours"]


#: The windows the form windows belong to, kept alive until the next test.
OWNERS: list[QWidget] = []


@pytest.fixture(autouse=True)
def _forget_owners() -> Any:
    yield
    OWNERS.clear()


def sample_value(field: Field, case: CaseWithPeople) -> Any:
    """A well-formed answer for ``field`` (None for those that take none)."""
    kind = field.type
    if field.is_computed or kind == "note":
        return None
    if kind in ("text", "long_text"):
        return f"Answer to {field.id}"
    if kind == "integer":
        return 1
    if kind == "decimal":
        return 1.5
    if kind == "date":
        return "2024-03-04"
    if kind == "time":
        return "09:05"
    if kind == "datetime":
        return "2024-03-04T14:05"
    if kind == "choice":
        return field.choices[0].name
    if kind == "multi_choice":
        return [field.choices[0].name]
    if kind == "yes_no_unknown":
        return "yes"
    if kind == "rating":
        assert field.scale is not None
        return field.scale.min
    if kind == "person":
        return case.poc
    if kind == "signature":
        return {"name": "Dana Reyes", "badge": "4471", "date": "2024-03-05"}
    if kind == "repeat":
        item = {member.id: sample_value(member, case) for member in field.fields}
        return [{key: value for key, value in item.items() if value is not None}]
    raise AssertionError(f"no sample for field type {kind!r}")


def sample_answers(form: FormDefinition, case: CaseWithPeople) -> dict[str, Any]:
    """Every question of ``form`` answered."""
    answers = {field.id: sample_value(field, case) for field in form.iter_fields(members=False)}
    return {key: value for key, value in answers.items() if value is not None}


def open_form(qtbot: QtBot, session: Session, case: CaseWithPeople, form_id: str,
              ) -> FormDialog:
    """The real form window, as the case view opens it, shown and active."""
    owner = QWidget()
    owner.resize(1280, 820)
    qtbot.addWidget(owner)
    OWNERS.append(owner)  # qtbot holds widgets weakly; the dialog dies with its owner
    dialog = FormDialog(session, case.case_id, owner, mode=DRAFT, form_id=form_id)
    dialog.view.set_answers(sample_answers(dialog.view.form, case))
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def line_fields(dialog: FormDialog) -> list[QLineEdit]:
    """Every visible, editable one-line input of the questions."""
    return [edit for edit in dialog.view.content.findChildren(QLineEdit)
            if edit.isVisible() and edit.isEnabled() and not edit.isReadOnly()]


def close(dialog: FormDialog) -> None:
    dialog.controller.close() if dialog.controller is not None else None
    dialog.done(QDialog.DialogCode.Rejected)


@pytest.mark.parametrize("form_id", SHIPPED)
def test_enter_in_any_line_field_changes_no_answer(
    qtbot: QtBot, session: Session, case: CaseWithPeople, form_id: str
) -> None:
    dialog = open_form(qtbot, session, case, form_id)
    view = dialog.view
    fields = line_fields(dialog)
    assert len(fields) >= 2, "the form has one-line questions to try"
    for number, edit in enumerate(fields):
        view.scroll_area.ensureWidgetVisible(edit)
        edit.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(edit.hasFocus, timeout=2000)
        if edit.validator() is None:  # free text: type a little, as the officer does
            edit.end(False)
            qtbot.keyClicks(edit, f" {number}")
        before = view.answers()
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            qtbot.keyClick(edit, key)
            assert view.answers() == before, (
                f"Enter in {edit.accessibleName()!r} of {form_id} changed an answer")
        assert dialog.isVisible(), f"Enter in {edit.accessibleName()!r} closed the form"
    close(dialog)


@pytest.mark.parametrize("form_id", SHIPPED)
def test_enter_in_the_section_list_changes_no_answer(
    qtbot: QtBot, session: Session, case: CaseWithPeople, form_id: str
) -> None:
    dialog = open_form(qtbot, session, case, form_id)
    view = dialog.view
    before = view.answers()
    qtbot.keyClick(view, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(view.sections_list.hasFocus, timeout=2000)
    qtbot.keyClick(view.sections_list, Qt.Key.Key_Down)
    qtbot.keyClick(view.sections_list, Qt.Key.Key_Return)
    assert view.answers() == before
    assert dialog.isVisible()
    close(dialog)


def test_no_button_of_a_form_window_is_a_default_button(
    qtbot: QtBot, session: Session, case: CaseWithPeople, pack: FormPack
) -> None:
    """The class of the problem: no button in the form window may take Enter."""
    dialog = open_form(qtbot, session, case, "intake_referral")
    buttons = dialog.findChildren(QPushButton)
    assert buttons
    defaults = [b.text() for b in buttons if b.autoDefault() or b.isDefault()]
    assert defaults == []
    close(dialog)


def test_enter_on_a_focused_button_still_presses_it(
    qtbot: QtBot, session: Session, case: CaseWithPeople
) -> None:
    """Plain buttons still work from the keyboard: Enter (as Space) on the focused one."""
    from datetime import date

    from btam_desktop.ui.forms.dates import DateEditor

    dialog = open_form(qtbot, session, case, "contact_log")
    editor = dialog.view.editor("contact_date")
    assert isinstance(editor, DateEditor)
    assert editor.value() == "2024-03-04"
    editor.today_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(editor.today_button.hasFocus, timeout=2000)
    qtbot.keyClick(editor.today_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.value() == date.today().isoformat(), timeout=2000)
    close(dialog)
