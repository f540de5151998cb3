"""Sensitivity tags are set where entries and plan items are written: suggested from the
words, editable, saved with the record (issue 9)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.plan_tab import PlanTab
from btam_desktop.ui.case.task_dialog import TaskDialog
from btam_desktop.ui.case.timeline_tab import TimelineTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import open_school, session_of


def test_entry_dialog_suggests_tags_and_keeps_the_officers_choice(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    timeline.add_actions["contact"].trigger()
    dialog = app.main.findChild(EntryDialog)
    assert dialog is not None and dialog.isVisible()
    boxes = dialog.sensitivity.boxes
    assert dialog.sensitivity.value() == ()
    qtbot.keyClicks(dialog.summary, "Crisis team evaluation after the weekend")
    assert boxes["mental_health"].isChecked()  # suggested from the words
    qtbot.mouseClick(boxes["mental_health"], Qt.MouseButton.LeftButton)  # the officer says no
    qtbot.keyClicks(dialog.details, "Protective order served; stressors at home")
    assert not boxes["mental_health"].isChecked()  # the officer's choice stands
    assert boxes["criminal_history"].isChecked()
    qtbot.mouseClick(boxes["intelligence"], Qt.MouseButton.LeftButton)
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    entry = next(e for e in session_of(app).store.timeline(app.seeded.school)
                 if e.summary == "Crisis team evaluation after the weekend")
    assert entry.sensitivity == ("criminal_history", "intelligence")


def test_a_correction_starts_from_the_entrys_tags(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    store = session_of(app).store
    entry = store.add_entry(app.seeded.school, "contact", "Met the father",
                            sensitivity=["mental_health"])
    dialog = EntryDialog(session_of(app), entry.case_id, "contact", app.main, original=entry)
    qtbot.addWidget(dialog)
    assert dialog.sensitivity.value() == ("mental_health",)
    dialog.sensitivity.boxes["mental_health"].click()
    dialog.reason.setText("Nothing about health in it")
    dialog.accept()
    newer = store.get_entry(store.get_entry(entry.id).superseded_by or "")
    assert newer.sensitivity == ()


def test_task_dialog_tags_a_plan_item(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_school(app)
    plan = view.show_tab(PlanTab)
    assert isinstance(plan, PlanTab)
    plan.add_task()
    dialog = next(d for d in app.main.findChildren(TaskDialog) if d.isVisible())
    qtbot.keyClicks(dialog.title, "Check the probation terms with the county")
    assert dialog.sensitivity.value() == ("criminal_history",)
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    task = next(t for t in session_of(app).store.tasks(app.seeded.school)
                if t.title.startswith("Check the probation"))
    assert task.sensitivity == ("criminal_history",)


def test_the_reading_pane_says_an_entry_is_sensitive(cases_app: CasesApp) -> None:
    from btam_desktop.ui.case.timeline_tab import describe_entry

    entry = session_of(cases_app).store.add_entry(
        cases_app.seeded.school, "contact", "Met the father",
        sensitivity=["mental_health", "criminal_history"])
    assert "Sensitive: criminal history, mental health" in describe_entry(entry)
