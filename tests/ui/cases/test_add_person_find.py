"""Add person › Find: Enter never links anybody (it linked the first of 100 matches as the
person of concern), the results tell look-alikes apart (their cases and roles, aliases,
address, date of birth), and the role does not default to "person of concern" when the case
has one already."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import combo_key
from btam_desktop.ui.case.people_tab import PeopleTab
from btam_desktop.ui.case.person_dialogs import AddPersonDialog
from tests.ui.cases.conftest import CasesApp


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def add_smiths(app: CasesApp) -> None:
    """Three people called John Smith, one of them a witness on the letters case."""
    store = session_of(app).store
    store.add_person("Smith", "John", date_of_birth="1980-05-17", address="12 Elm Street")
    store.add_person("Smith", "John", date_of_birth="1992-11-02", aliases=["Johnny S"])
    third = store.add_person("Smith", "John", address="4 Harbour Road")
    store.link_person(app.seeded.letters, third.id, "witness")


def open_add_person(app: CasesApp, case_id: str) -> tuple[PeopleTab, AddPersonDialog]:
    view = app.page.open_case(case_id)
    assert view is not None
    people = view.show_tab(PeopleTab)
    assert isinstance(people, PeopleTab)
    people.add_person()
    dialog = next(d for d in app.main.findChildren(AddPersonDialog) if d.isVisible())
    return people, dialog


def test_enter_in_find_never_links(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    add_smiths(app)
    store = session_of(app).store
    before = [p.link_id for p in store.case_persons(app.seeded.school)]
    _people, dialog = open_add_person(app, app.seeded.school)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClicks(dialog.search, "smith")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)  # before the search ran, and after
    qtbot.waitUntil(lambda: dialog.results.count() == 3, timeout=3000)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert [p.link_id for p in store.case_persons(app.seeded.school)] == before
    # Enter took the officer to the results; Enter there, on a person, links nobody either.
    assert dialog.results.hasFocus()
    qtbot.keyClick(dialog.results, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.results, Qt.Key.Key_Enter)
    assert dialog.isVisible()
    assert [p.link_id for p in store.case_persons(app.seeded.school)] == before
    dialog.reject()


def test_no_person_is_chosen_for_the_officer(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    add_smiths(app)
    _people, dialog = open_add_person(app, app.seeded.letters)
    qtbot.keyClicks(dialog.search, "smith")
    qtbot.waitUntil(lambda: dialog.results.count() == 3, timeout=3000)
    assert dialog.results.currentItem() is None or not dialog.results.selectedItems()
    dialog.accept()  # nobody selected: refused, in words
    assert dialog.isVisible() and "select" in dialog.message.text().lower()
    dialog.reject()


def test_results_tell_look_alikes_apart(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    add_smiths(app)
    letters = session_of(app).store.get_case(app.seeded.letters).number
    _people, dialog = open_add_person(app, app.seeded.school)
    qtbot.keyClicks(dialog.search, "smith")
    qtbot.waitUntil(lambda: dialog.results.count() == 3, timeout=3000)
    texts = [dialog.results.item(i).text() for i in range(3)]
    assert len(set(texts)) == 3, texts  # no two read the same
    joined = "\n".join(texts)
    assert "born 1980-05-17" in joined and "12 Elm Street" in joined
    assert "aka Johnny S" in joined and "4 Harbour Road" in joined
    assert f"{letters} (Witness)" in joined
    assert "on no case" in joined.lower()
    dialog.reject()


def test_role_is_not_person_of_concern_when_the_case_has_one(
    qtbot: QtBot, cases_app: CasesApp
) -> None:
    app = cases_app
    add_smiths(app)
    # The school case has its person of concern (Okafor, Daniel): the officer chooses.
    _people, dialog = open_add_person(app, app.seeded.school)
    assert combo_key(dialog.role) != "person_of_concern"
    qtbot.keyClicks(dialog.search, "smith")
    qtbot.waitUntil(lambda: dialog.results.count() == 3, timeout=3000)
    dialog.results.setCurrentRow(0)
    dialog.accept()  # no role chosen: refused
    assert dialog.isVisible() and "role" in dialog.message.text().lower()
    dialog.role.setCurrentIndex(dialog.role.findData("witness"))
    with qtbot.waitSignal(dialog.applied, timeout=3000):
        dialog.accept()
    roles = {p.role for p in session_of(app).store.case_persons(app.seeded.school)
             if p.person.family_name == "Smith"}
    assert roles == {"witness"}
    # The letters case has none yet: person of concern is the likely role there.
    _people, other = open_add_person(app, app.seeded.letters)
    assert combo_key(other.role) == "person_of_concern"
    other.reject()
