"""The case view: header changes (concern level needs a rationale), timeline entries and
corrections, people, tasks, referrals, attachments, history; and a lock while a case is open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.case.attachments_tab import AttachmentsTab
from btam_desktop.ui.case.case_dialogs import (
    AssignDialog,
    ConcernDialog,
    ReviewDateDialog,
    StatusDialog,
)
from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.history_tab import HistoryTab
from btam_desktop.ui.case.people_tab import PeopleTab
from btam_desktop.ui.case.person_dialogs import AddPersonDialog, EditPersonDialog
from btam_desktop.ui.case.plan_tab import PlanTab
from btam_desktop.ui.case.referrals_tab import ReferralsTab
from btam_desktop.ui.case.task_dialog import TaskDialog
from btam_desktop.ui.case.timeline_tab import CORRECTED_WORD, TimelineTab
from btam_desktop.ui.pages.case_view import CaseView
from tests.ui.cases.conftest import CasesApp, days
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import is_deleted, type_and_submit, unlock_window


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def open_school(app: CasesApp) -> CaseView:
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    return view


def test_concern_change_needs_a_rationale_and_lands_on_the_timeline(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    assert view.header.badge.level == "high"
    qtbot.keyClick(view, Qt.Key.Key_C,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    # A button's shortcut "animates" the click: the dialog opens a moment later.
    qtbot.waitUntil(lambda: app.main.findChild(ConcernDialog) is not None, timeout=3000)
    dialog = app.main.findChild(ConcernDialog)
    assert dialog is not None and dialog.isVisible() and dialog.isModal()
    dialog.level.setCurrentIndex(dialog.level.findData("imminent"))
    dialog.accept()  # no rationale: refused
    assert dialog.isVisible()
    assert "rationale" in dialog.message.text().lower()
    assert dialog.focusWidget() is dialog.rationale  # the cursor is where the fix goes
    assert session_of(app).store.get_case(app.seeded.school).concern == "high"
    qtbot.keyClicks(dialog.rationale, "Bought a weapon after the suspension")
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)  # shortcuts need the active window
    qtbot.keyClick(dialog.rationale, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: view.header.badge.level == "imminent", timeout=3000)
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    qtbot.waitUntil(lambda: any(e.kind == "concern_change"
                                for e in timeline.model.records()), timeout=3000)
    change = next(e for e in timeline.model.records() if e.kind == "concern_change")
    assert change.details == "Bought a weapon after the suspension"
    assert change.concern_from == "high" and change.concern_to == "imminent"


def test_add_a_timeline_entry_and_correct_it(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    before = len(timeline.model.records())
    timeline.add_actions["contact"].trigger()
    dialog = app.main.findChild(EntryDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.summary, "Spoke with the school counsellor")
    qtbot.keyClicks(dialog.details, "Counsellor will check in daily")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(timeline.model.records()) == before + 1, timeout=3000)
    added = next(e for e in timeline.model.records()
                 if e.summary == "Spoke with the school counsellor")
    # The new entry is selected and readable in full below the table.
    assert "Counsellor will check in daily" in timeline.details.toPlainText()

    # Correct it: a new entry supersedes; the original stays, marked.
    row = next(r for r, e in enumerate(timeline.model.records()) if e.id == added.id)
    timeline.table.selectRow(row)
    assert timeline.correct_button.isEnabled()
    qtbot.mouseClick(timeline.correct_button, Qt.MouseButton.LeftButton)
    correction = next(d for d in app.main.findChildren(EntryDialog) if d.isVisible())
    correction.summary.setText("Spoke with the school psychologist")
    correction.reason.setText("It was the psychologist, not the counsellor")
    correction.accept()
    qtbot.waitUntil(lambda: len(timeline.model.records()) == before + 2, timeout=3000)
    records = {e.id: e for e in timeline.model.records()}
    original = records[added.id]
    assert original.superseded_by is not None
    newer = records[original.superseded_by]
    assert newer.summary == "Spoke with the school psychologist"
    assert newer.supersedes == added.id
    original_row = next(r for r, e in enumerate(timeline.model.records()) if e.id == added.id)
    state = timeline.model.index(original_row, 4)
    assert state.data() == CORRECTED_WORD
    assert state.data(Qt.ItemDataRole.FontRole).strikeOut()
    timeline.table.selectRow(original_row)
    assert not timeline.correct_button.isEnabled()  # correct the newest version instead
    # Hiding corrected originals, and filtering by type.
    timeline.show_superseded.setChecked(False)
    assert added.id not in {e.id for e in timeline.model.records()}
    timeline.kind.setCurrentIndex(timeline.kind.findData("concerning_behaviour"))
    assert {e.kind for e in timeline.model.records()} == {"concerning_behaviour"}


def test_header_changes_status_review_and_assignment(qtbot: QtBot,
                                                     cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    header = view.header
    status = header.change_status()
    assert isinstance(status, StatusDialog)
    status.status.setCurrentIndex(status.status.findData("closed"))
    status.accept()  # closing needs a reason
    assert status.isVisible() and "closed" in status.message.text()
    status.status.setCurrentIndex(status.status.findData("active"))
    status.accept()
    qtbot.waitUntil(lambda: header.status.text() == "Active management", timeout=3000)
    review = header.change_review()
    assert isinstance(review, ReviewDateDialog)
    review.review.none.setChecked(True)
    review.accept()
    qtbot.waitUntil(lambda: header.review.text() == "not set", timeout=3000)
    assign = header.change_assignment()
    assert isinstance(assign, AssignDialog)
    next(iter(assign.boxes.values())).setChecked(True)
    assign.accept()
    qtbot.waitUntil(lambda: header.assigned.text() == session_of(app).actor_name,
                    timeout=3000)


def test_people_add_existing_and_new_edit_and_remove(qtbot: QtBot,
                                                     cases_app: CasesApp) -> None:
    app = cases_app
    view = app.page.open_case(app.seeded.letters)
    assert view is not None
    people = view.show_tab(PeopleTab)
    assert isinstance(people, PeopleTab)
    assert people.model.rowCount() == 0
    # An existing person, found by alias.
    people.add_person()
    dialog = app.main.findChild(AddPersonDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.search, "blaze")
    qtbot.waitUntil(lambda: dialog.results.count() == 1, timeout=3000)
    dialog.results.setCurrentRow(0)  # nobody is selected for the officer
    dialog.role.setCurrentIndex(dialog.role.findData("potential_target"))
    dialog.accept()
    qtbot.waitUntil(lambda: people.model.rowCount() == 1, timeout=3000)
    # A new person.
    people.add_person()
    dialog = next(d for d in app.main.findChildren(AddPersonDialog) if d.isVisible())
    dialog.tabs.setCurrentIndex(1)
    dialog.accept()  # no name: refused
    assert dialog.isVisible()
    dialog.fields.family.setText("Lindqvist")
    dialog.fields.aliases.setText("Mayor's fan, LQ")
    dialog.accept()
    qtbot.waitUntil(lambda: people.model.rowCount() == 2, timeout=3000)
    row = next(r for r, p in enumerate(people.model.records())
               if p.person.family_name == "Lindqvist")
    assert people.model.index(row, 2).data() == "Mayor's fan, LQ"
    # Edit.
    people.table.selectRow(row)
    people.edit_person()
    edit = app.main.findChild(EditPersonDialog)
    assert edit is not None
    edit.fields.phone.setText("555-0142")
    edit.accept()
    qtbot.waitUntil(lambda: any(p.person.phone == "555-0142"
                                for p in people.model.records()), timeout=3000)
    # Remove from the case (asks first; Cancel is the default).
    row = next(r for r, p in enumerate(people.model.records())
               if p.person.family_name == "Lindqvist")
    people.table.selectRow(row)
    people.unlink_person()
    box = next(b for b in app.main.findChildren(QMessageBox) if b.isVisible())
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: people.model.rowCount() == 1, timeout=3000)


def test_tasks_and_referrals(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    plan = view.show_tab(PlanTab)
    assert isinstance(plan, PlanTab)
    assert "No management plan yet" in plan.plan_state.text()
    plan.add_task("review")
    dialog = app.main.findChild(TaskDialog)
    assert dialog is not None
    dialog.due.set_value(days(-30))
    dialog.accept()
    qtbot.waitUntil(lambda: plan.model.rowCount() == 1, timeout=3000)
    assert "Overdue" in plan.model.index(0, 4).data()
    plan.table.selectRow(0)
    qtbot.mouseClick(plan.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Done" in str(plan.model.index(0, 4).data()), timeout=3000)

    referrals = view.show_tab(ReferralsTab)
    assert isinstance(referrals, ReferralsTab)
    referrals.add_referral()
    entry = next(d for d in app.main.findChildren(EntryDialog) if d.isVisible())
    entry.summary.setText("Referred for a crisis evaluation")
    entry.accept()  # no partner chosen: refused
    assert entry.isVisible()
    entry.partner.setCurrentIndex(entry.partner.findData(app.seeded.partner))
    entry.accept()
    qtbot.waitUntil(lambda: referrals.model.rowCount() == 1, timeout=3000)
    assert referrals.model.index(0, 1).data() == "Riverbend Behavioral Health"
    assert referrals.model.index(0, 2).data() == "Made"
    referrals.table.selectRow(0)
    referrals.update_status()
    update = next(d for d in app.main.findChildren(EntryDialog) if d.isVisible())
    update.referral_status.setCurrentIndex(update.referral_status.findData("accepted"))
    update.accept()
    qtbot.waitUntil(lambda: referrals.model.index(0, 2).data() == "Accepted", timeout=3000)
    assert referrals.model.rowCount() == 1  # the earlier status is history, shown on request
    referrals.show_history.setChecked(True)
    assert referrals.model.rowCount() == 2


def test_attachment_add_and_export(qtbot: QtBot, cases_app: CasesApp, tmp_path: Path) -> None:
    app = cases_app
    view = open_school(app)
    tab = view.show_tab(AttachmentsTab)
    assert isinstance(tab, AttachmentsTab)
    source = tmp_path / "screenshot of post.png"
    source.write_bytes(b"\x89PNG fake image bytes")
    dialog = tab.choose_file()
    assert isinstance(dialog, QFileDialog) and dialog.parent() is app.main
    dialog.selectFile(str(source))
    dialog.accept()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=3000)
    assert tab.model.index(0, 0).data() == "screenshot of post.png"
    assert "encrypted" in tab.message.text()
    # Nothing is written out until the officer asks, and then where they say.
    target = tmp_path / "out" / "copy.png"
    target.parent.mkdir()
    assert list(target.parent.iterdir()) == []
    tab.table.selectRow(0)
    release = tab.choose_export()  # recipient, purpose, legal basis: see test_attachment_export
    assert release is not None and release.parent() is app.main
    qtbot.keyClicks(release.recipient, "J. Okafor, Northgate High counsellor")
    qtbot.keyClicks(release.purpose, "Safety plan at school")
    qtbot.keyClicks(release.legal_basis, "Written consent of parent")
    release.output.set_path(target)
    with qtbot.waitSignal(release.succeeded, timeout=15_000):
        release.accept()
    assert target.read_bytes() == source.read_bytes()
    assert "not encrypted" in tab.message.text()
    actions = [e.action for e in session_of(app).store.audit_trail(app.seeded.school)]
    assert "attachment.add" in actions and "export" in actions


def test_history_and_audit_tab(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session_of(app).store.update_case(app.seeded.school, {"concern": "moderate"},
                                      reason="Calmer after counselling")
    view = open_school(app)
    history = view.show_tab(HistoryTab)
    assert isinstance(history, HistoryTab)
    sentences = [history.changes.index(r, 1).data() for r in range(history.changes.rowCount())]
    assert "Concern level changed from High to Moderate by Dana Reyes" in sentences
    reasons = [history.changes.index(r, 2).data() for r in range(history.changes.rowCount())]
    assert "Calmer after counselling" in reasons
    whats = [history.audit.index(r, 2).data() for r in range(history.audit.rowCount())]
    assert "Viewed" in whats and "Case changed" in whats


def test_lock_with_a_case_open_destroys_it_and_unlock_returns(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    timeline = view.show_tab(TimelineTab)
    entry_dialog = EntryDialog(session_of(app), app.seeded.school, "note", app.main)
    entry_dialog.open()
    qtbot.keyClicks(entry_dialog.summary, "Half-typed note")
    qtbot.waitUntil(entry_dialog.isActiveWindow, timeout=3000)
    # Ctrl+L locks from inside a dialog too.
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        qtbot.keyClick(entry_dialog.summary, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    for widget in (app.main, app.page, view, timeline, view.header, entry_dialog,
                   app.page.list.table):
        assert is_deleted(widget)
    with qtbot.waitSignal(app.controller.session_started, timeout=5000):
        type_and_submit(qtbot, unlock_window(app.controller), LEAD_PASS)
    main = app.controller.main_window
    assert main is not None
    # The half-typed note comes back (held in memory across the lock), over the case.
    held = next(d for d in main.findChildren(EntryDialog) if d.isVisible())
    assert held.summary.text() == "Half-typed note"
    page = main.page("cases")
    assert main.current_key() == "cases"
    reopened = page.current_case_view()  # type: ignore[attr-defined]
    assert isinstance(reopened, CaseView) and reopened is not view
    assert reopened.case_id == app.seeded.school
    assert reopened.isVisible()


def test_idle_lock_with_a_case_open_clears_the_case_view(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    timeline = view.show_tab(TimelineTab)
    app.controller.idle.set_interval(200)  # a short idle time for the test
    app.controller.idle.start()
    session = session_of(app)
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        pass  # no input: the idle timer fires by itself
    for widget in (app.main, app.page, view, timeline, view.header, app.page.list.table):
        assert is_deleted(widget)
    assert app.controller.session is None and not session.is_open
