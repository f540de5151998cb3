"""The Cases page: list, search, filters, sorting, new case, opening a case by keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.case_dialogs import NewCaseDialog
from btam_desktop.ui.models.case_table import COLUMN_KEYS, OVERDUE_MARK
from btam_desktop.ui.pages.case_view import CaseView
from tests.ui.cases.conftest import CasesApp


def shown_ids(app: CasesApp) -> set[str]:
    model = app.page.list.model
    return {model.case_id(row) for row in range(model.rowCount())}


def search(qtbot: QtBot, app: CasesApp, text: str) -> None:
    """Type into the search box as an officer would and wait for the debounce."""
    box = app.page.list.search
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.waitUntil(lambda: not app.page.list._search_timer.isActive(), timeout=3000)


def test_list_shows_open_cases_with_words_for_states(cases_app: CasesApp) -> None:
    app = cases_app
    seeded = app.seeded
    # "Not closed" is the starting filter; the count says how many of all are shown.
    assert shown_ids(app) == {seeded.school, seeded.letters, seeded.grievance}
    assert app.page.list.count.text() == "3 of 4 cases"
    model = app.page.list.model
    row = model.row_of(seeded.school)
    concern = model.index(row, COLUMN_KEYS.index("concern"))
    assert concern.data() == "High"  # the word, not only a colour
    review = model.index(row, COLUMN_KEYS.index("next_review")).data()
    assert f"{OVERDUE_MARK} overdue" in review
    assert model.index(row, COLUMN_KEYS.index("status")).data() == "Open"


def test_ctrl_n_creates_a_case_and_opens_it(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    app.page.list.table.setFocus()
    qtbot.keyClick(app.main, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = app.main.findChild(NewCaseDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.parent() is app.main  # dies with the main window on lock
    dialog.accept()  # no title yet: refused, stays open
    assert dialog.isVisible()
    assert "title" in dialog.message.text().lower()
    qtbot.keyClicks(dialog.title, "Knife shown at the bus stop")
    # No level is chosen for the officer ("Low" was preselected): refused until one is.
    assert dialog.concern.currentData() == ""
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "concern" in dialog.message.text().lower()
    dialog.concern.setCurrentIndex(dialog.concern.findData("high"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    view = app.page.current_case_view()
    assert isinstance(view, CaseView)
    case = view.case
    assert case is not None and case.title == "Knife shown at the bus stop"
    assert case.concern == "high"
    session = app.controller.session
    assert session is not None
    assert case.assigned == (session.actor_name,)  # who opens a case works it
    qtbot.waitUntil(lambda: app.page.list.model.row_of(case.id) >= 0, timeout=3000)
    assert app.page.list.model.total() == 5


def test_enter_opens_the_case_and_escape_goes_back(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = app.controller.session
    assert session is not None
    table = app.page.list.table
    assert app.page.list.select_case(app.seeded.letters)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    view = app.page.current_case_view()
    assert view is not None and view.case_id == app.seeded.letters
    # Opening a case is audited as a view by the member.
    views = [e for e in session.store.audit_trail(app.seeded.letters) if e.action == "view"]
    assert len(views) == 1 and views[0].member_name == session.actor_name
    qtbot.keyClick(QApplication.focusWidget() or view, Qt.Key.Key_Escape)
    assert app.page.tabs.currentIndex() == 0
    app.page.open_case(app.seeded.letters)  # still open: no second audited view
    assert len([e for e in session.store.audit_trail(app.seeded.letters)
                if e.action == "view"]) == 1
    qtbot.keyClick(QApplication.focusWidget() or view, Qt.Key.Key_Left,
                   Qt.KeyboardModifier.AltModifier)
    assert app.page.tabs.currentIndex() == 0
    app.page.open_case(app.seeded.letters)
    qtbot.keyClick(QApplication.focusWidget() or view, Qt.Key.Key_W,
                   Qt.KeyboardModifier.ControlModifier)
    assert app.page.case_view(app.seeded.letters) is None


def test_search_finds_note_words_and_aliases(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    qtbot.keyClick(app.main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert app.page.list.search.hasFocus()
    search(qtbot, app, "pennywhistle")
    assert shown_ids(app) == {app.seeded.letters}
    search(qtbot, app, "blaze")  # a person's alias
    assert shown_ids(app) == {app.seeded.school}
    search(qtbot, app, "nobody-by-this-name")
    assert shown_ids(app) == set()
    assert "No cases match" in app.page.list.count.text()
    search(qtbot, app, "b")  # one letter: not searched, the officer is told why
    assert "two letters" in app.page.list.count.text()


def test_search_sees_an_entry_added_later(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = app.controller.session
    assert session is not None
    search(qtbot, app, "marmalade")
    assert shown_ids(app) == set()
    session.store.add_note(app.seeded.grievance, "Left a jar of marmalade at the door")
    qtbot.waitUntil(lambda: shown_ids(app) == {app.seeded.grievance}, timeout=3000)


def test_overdue_filter_shows_only_overdue_cases(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = app.controller.session
    assert session is not None
    qtbot.mouseClick(app.page.list.overdue, Qt.MouseButton.LeftButton)
    assert shown_ids(app) == {app.seeded.school}
    # An overdue task makes a case overdue too, and the list follows the change.
    task = session.store.add_task(app.seeded.grievance, "Call HR", due_on="2020-01-01")
    qtbot.waitUntil(lambda: shown_ids(app) == {app.seeded.school, app.seeded.grievance},
                    timeout=3000)
    session.store.complete_task(task.id)
    qtbot.waitUntil(lambda: shown_ids(app) == {app.seeded.school}, timeout=3000)
    app.page.list.clear_filters()
    assert len(shown_ids(app)) == 3


def test_status_concern_tier_and_mine_filters(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    listing = app.page.list
    listing.status.setCurrentIndex(listing.status.findData(""))  # any status
    assert app.seeded.closed in shown_ids(app)
    listing.status.setCurrentIndex(listing.status.findData("monitoring"))
    assert shown_ids(app) == {app.seeded.grievance}
    listing.status.setCurrentIndex(listing.status.findData(""))
    listing.concern.setCurrentIndex(listing.concern.findData("high"))
    assert shown_ids(app) == {app.seeded.school}
    listing.concern.setCurrentIndex(0)
    listing.tier.setCurrentIndex(listing.tier.findData("intensive"))
    assert shown_ids(app) == {app.seeded.school}
    listing.tier.setCurrentIndex(0)
    listing.mine.setChecked(True)
    assert shown_ids(app) == set()
    session = app.controller.session
    assert session is not None
    session.store.assign(app.seeded.letters, session.actor_name)
    qtbot.waitUntil(lambda: shown_ids(app) == {app.seeded.letters}, timeout=3000)


def test_sorting_by_concern_keeps_the_selection(cases_app: CasesApp) -> None:
    app = cases_app
    listing = app.page.list
    listing.select_case(app.seeded.letters)
    column = COLUMN_KEYS.index("concern")
    listing.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    model = listing.model
    assert [model.index(r, column).data() for r in range(model.rowCount())] == [
        "High", "Moderate", "Low"]
    assert listing.selected_case_id() == app.seeded.letters
    listing.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert model.index(0, column).data() == "Low"
    assert listing.selected_case_id() == app.seeded.letters


def test_search_waits_while_the_list_is_hidden(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = app.controller.session
    assert session is not None
    search(qtbot, app, "marmalade")
    assert shown_ids(app) == set()
    app.page.open_case(app.seeded.grievance)  # the list is behind the case now
    session.store.add_note(app.seeded.grievance, "Left a jar of marmalade at the door")
    qtbot.waitUntil(lambda: app.page.list.search_stale, timeout=3000)
    assert shown_ids(app) == set()  # not searched again behind the officer's back
    app.page.show_list()
    assert shown_ids(app) == {app.seeded.grievance}
    assert not app.page.list.search_stale


def test_tab_order_follows_the_screen(cases_app: CasesApp) -> None:
    listing = cases_app.page.list
    order = [listing.search]
    for _ in range(9):
        widget = order[-1].nextInFocusChain()
        while widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order == [listing.search, listing.new_button, listing.status, listing.concern,
                     listing.tier, listing.overdue, listing.mine, listing.clear_button,
                     listing.export_button, listing.table]
