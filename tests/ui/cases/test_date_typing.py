"""Dates typed by keyboard in the case dialogs: a date of birth typed as 1980-05-17 is stored
as 1980-05-17 (it became 2027-05-17 in a section-by-section date box), the local short form is
understood too, a birth in the future is refused inline, and an unknown date of birth shows as
unknown, not as some date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.people_tab import PeopleTab
from btam_desktop.ui.case.person_dialogs import AddPersonDialog, EditPersonDialog
from tests.ui.cases.conftest import CasesApp


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


@pytest.fixture
def british() -> Iterator[None]:
    """The laptop's locale is en_GB (short dates as 17/05/1980)."""
    before = QLocale()
    QLocale.setDefault(QLocale("en_GB"))
    yield
    QLocale.setDefault(before)


def new_person_dialog(qtbot: QtBot, app: CasesApp) -> tuple[PeopleTab, AddPersonDialog]:
    view = app.page.open_case(app.seeded.letters)
    assert view is not None
    people = view.show_tab(PeopleTab)
    assert isinstance(people, PeopleTab)
    people.add_person()
    dialog = next(d for d in app.main.findChildren(AddPersonDialog) if d.isVisible())
    dialog.tabs.setCurrentIndex(1)
    qtbot.keyClicks(dialog.fields.family, "Lindqvist")
    return people, dialog


def type_into(qtbot: QtBot, widget: object, text: str) -> None:
    """Focus ``widget`` as a Tab would and type ``text`` into what took the focus."""
    assert isinstance(widget, QWidget)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    target = widget
    while target.focusProxy() is not None:
        target = target.focusProxy()
    assert isinstance(target, QLineEdit)
    qtbot.keyClicks(target, text)


def birth_of(app: CasesApp, family: str) -> str | None:
    people = [p for p in session_of(app).store.search_persons(family, limit=10)
              if p.family_name == family]
    assert len(people) == 1
    return people[0].date_of_birth


def test_a_typed_date_of_birth_is_stored_as_typed(qtbot: QtBot, cases_app: CasesApp) -> None:
    people, dialog = new_person_dialog(qtbot, cases_app)
    type_into(qtbot, dialog.fields.birth, "1980-05-17")
    dialog.accept()
    qtbot.waitUntil(lambda: people.model.rowCount() == 1, timeout=3000)
    assert birth_of(cases_app, "Lindqvist") == "1980-05-17"


def test_the_local_short_form_is_understood(qtbot: QtBot, cases_app: CasesApp,
                                           british: None) -> None:
    people, dialog = new_person_dialog(qtbot, cases_app)
    type_into(qtbot, dialog.fields.birth, "17/05/1980")
    dialog.accept()
    qtbot.waitUntil(lambda: people.model.rowCount() == 1, timeout=3000)
    assert birth_of(cases_app, "Lindqvist") == "1980-05-17"


def test_a_future_birth_is_refused_inline(qtbot: QtBot, cases_app: CasesApp) -> None:
    people, dialog = new_person_dialog(qtbot, cases_app)
    future = (date.today() + timedelta(days=400)).isoformat()
    type_into(qtbot, dialog.fields.birth, future)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    line = dialog.fields.birth.date.line
    assert line.hasFocus()
    qtbot.keyClick(line, Qt.Key.Key_Tab)  # leave the field: checked now
    assert not line.hasFocus()
    assert "future" in dialog.fields.birth.message_text()
    dialog.accept()
    assert dialog.isVisible() and "future" in dialog.message.text()
    assert people.model.rowCount() == 0
    # Not a date at all: said in words, nothing stored.
    dialog.fields.birth.set_value(None)
    type_into(qtbot, dialog.fields.birth, "1980-13-45")
    dialog.accept()
    assert dialog.isVisible() and "not a date" in dialog.message.text().lower()
    assert people.model.rowCount() == 0
    dialog.reject()


def test_an_unknown_date_of_birth_shows_as_unknown(qtbot: QtBot, cases_app: CasesApp) -> None:
    people, dialog = new_person_dialog(qtbot, cases_app)
    dialog.accept()
    qtbot.waitUntil(lambda: people.model.rowCount() == 1, timeout=3000)
    assert birth_of(cases_app, "Lindqvist") is None
    people.table.selectRow(0)
    people.edit_person()
    edit = next(d for d in cases_app.main.findChildren(EditPersonDialog) if d.isVisible())
    assert edit.fields.birth.value() is None
    assert edit.fields.birth.date.text() == ""  # no date shown for an unknown one
    assert edit.fields.birth.none.isChecked()
    # Typing a date makes it known.
    type_into(qtbot, edit.fields.birth, "19800517")
    assert not edit.fields.birth.none.isChecked()
    edit.accept()
    qtbot.waitUntil(lambda: birth_of(cases_app, "Lindqvist") == "1980-05-17", timeout=3000)


def test_a_typed_date_and_time_of_an_entry(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    dialog = EntryDialog(session_of(app), app.seeded.letters, "note", app.main)
    dialog.open()
    qtbot.keyClicks(dialog.summary, "Phoned the reporting party")
    dialog.occurred.set_value(None)
    type_into(qtbot, dialog.occurred, "2024-03-04 14:05")
    with qtbot.waitSignal(dialog.applied, timeout=3000) as blocker:
        dialog.accept()
    assert blocker.args[0].occurred_at.startswith("2024-03-04T14:05")
