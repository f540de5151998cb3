"""DraftController against a real vault: drafts are created on the first change, saved within
a second (also while typing without pause), saved at once on Ctrl+S, on leaving the form and
when the form goes away, resumed exactly, kept on screen when saving fails, and completed only
when nothing required is missing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core.errors import DiskFull
from btam_desktop.core.session import Session
from btam_desktop.ui.forms import SAVE_DELAY_MS, DraftController, case_person_choices
from btam_desktop.ui.forms.choices import ComboEditor, RadioEditor
from btam_desktop.ui.forms.inputs import LongTextEditor
from btam_desktop.ui.forms.view import FormView

from .conftest import CaseWithPeople
from .test_form_view import confirm_completion


def line(view: FormView, path: str) -> QLineEdit:
    editor = view.editor(path)
    assert editor is not None
    target = editor.focus_target()
    assert isinstance(target, QLineEdit)
    return target


def click(qtbot: QtBot, widget: Any) -> None:
    qtbot.waitUntil(lambda: widget.width() > 0 and widget.height() > 0, timeout=2000)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def opened(session: Session, case: CaseWithPeople, show: Any,
           form_id: str = "threat_inquiry") -> DraftController:
    controller = DraftController.open(session, case.case_id, form_id)
    show(controller.view)
    return controller


def drafts(session: Session, case: CaseWithPeople, form_id: str = "threat_inquiry") -> list[Any]:
    return session.submissions.drafts(case.case_id, form_id)


def test_opening_leaves_no_empty_draft(session: Session, case: CaseWithPeople, show: Any) -> None:
    controller = opened(session, case, show)
    assert controller.submission_id is None
    assert controller.close()
    assert drafts(session, case) == []


def test_first_change_creates_the_draft_within_a_second(
    session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot
) -> None:
    controller = opened(session, case, show)
    with qtbot.waitSignal(controller.saved, timeout=1000) as blocker:
        qtbot.keyClicks(line(controller.view, "case_lead"), "Det. Reyes")
    [draft] = drafts(session, case)
    assert blocker.args == [draft.id] and controller.submission_id == draft.id
    assert draft.answers == {"case_lead": "Det. Reyes"}
    assert draft.form_version == controller.form.version
    assert "Saved" in controller.view.meta_label.text()


def test_typing_without_pause_is_still_saved_within_a_second(
    session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot
) -> None:
    """The save timer is not restarted by every key press (that would postpone the save for
    as long as the officer types)."""
    controller = opened(session, case, show)
    saves: list[float] = []
    controller.saved.connect(lambda _id: saves.append(time.monotonic()))
    started = time.monotonic()
    # 40 keys, one every 40 ms: 1.6 s of uninterrupted typing (qWait runs the event loop).
    qtbot.keyClicks(line(controller.view, "case_lead"), "x" * 40, delay=40)
    assert saves, "nothing was saved during 1.6 s of typing"
    assert saves[0] - started < 1.0
    assert saves[0] - started >= SAVE_DELAY_MS / 1000 * 0.9


def test_ctrl_s_saves_at_once(
    session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot
) -> None:
    controller = opened(session, case, show)
    field = line(controller.view, "case_lead")
    qtbot.keyClicks(field, "Reyes")
    qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [d.answers for d in drafts(session, case)] == [{"case_lead": "Reyes"}]
    assert not controller.has_unsaved_changes()


def test_leaving_the_form_saves_at_once(
    session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot
) -> None:
    controller = opened(session, case, show)
    qtbot.keyClicks(line(controller.view, "case_lead"), "Reyes")
    elsewhere = show(QLineEdit())  # another window takes the focus
    elsewhere.setFocus()
    qtbot.waitUntil(elsewhere.hasFocus, timeout=2000)
    assert [d.answers for d in drafts(session, case)] == [{"case_lead": "Reyes"}]


def test_closing_the_form_saves(session: Session, case: CaseWithPeople, show: Any,
                                qtbot: QtBot) -> None:
    controller = opened(session, case, show)
    qtbot.keyClicks(line(controller.view, "case_lead"), "Reyes")
    assert controller.close()
    assert [d.answers for d in drafts(session, case)] == [{"case_lead": "Reyes"}]


def test_destroying_the_view_saves_what_was_typed(
    session: Session, case: CaseWithPeople, qtbot: QtBot
) -> None:
    controller = DraftController.open(session, case.case_id, "threat_inquiry")
    view = controller.view
    view.show()
    qtbot.waitExposed(view)
    qtbot.keyClicks(line(view, "case_lead"), "Reyes")
    assert controller.has_unsaved_changes()
    view.deleteLater()  # e.g. the page is closed before the timer fires
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert [d.answers for d in drafts(session, case)] == [{"case_lead": "Reyes"}]


def test_resume_exactly(session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot) -> None:
    controller = opened(session, case, show)
    view = controller.view
    qtbot.keyClicks(line(view, "inquiry_start_date"), "2024-03-04")
    qtbot.keyClicks(line(view, "case_lead"), "Det. Dana Reyes #4471")
    poc = view.editor("poc")
    assert isinstance(poc, ComboEditor)
    poc.combo.setFocus()
    qtbot.keyClick(poc.combo, Qt.Key.Key_Down)
    minor = view.editor("poc_is_minor")
    assert isinstance(minor, RadioEditor)
    click(qtbot, minor.button_for("unknown"))
    click(qtbot, view.repeat("targets").add_button)
    qtbot.keyClicks(line(view, "targets[0].target_description"), "Works yard")
    click(qtbot, view.repeat("targets").add_button)  # an empty second item is kept too
    rationale = view.editor("concern_rationale")
    assert isinstance(rationale, LongTextEditor)
    qtbot.keyClicks(rationale.text, "Half a thought")  # fails its constraint: kept anyway
    typed = view.answers()
    with qtbot.waitSignal(controller.saved, timeout=1000):
        pass
    assert controller.close()
    first_id = controller.submission_id

    again = DraftController.open(session, case.case_id, "threat_inquiry")
    qtbot.addWidget(again.view)
    assert again.submission_id == first_id
    assert again.view.answers() == typed == {
        "inquiry_start_date": "2024-03-04",
        "case_lead": "Det. Dana Reyes #4471",
        "poc": case_person_choices(session, case.case_id)[0][0],
        "poc_is_minor": "unknown",
        "targets": [{"target_description": "Works yard"}, {}],
        "concern_rationale": "Half a thought",
    }
    assert [d.id for d in drafts(session, case)] == [first_id]


def test_failed_save_keeps_answers_and_retries(
    session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    controller = opened(session, case, show)
    field = line(controller.view, "case_lead")
    qtbot.keyClicks(field, "R")
    controller.flush()
    real = session.submissions.save_draft
    calls = {"n": 0}

    def failing_once(submission_id: str, answers: dict[str, Any]) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise DiskFull("database or disk is full")
        return real(submission_id, answers)

    monkeypatch.setattr(session.submissions, "save_draft", failing_once)
    with qtbot.waitSignal(controller.saveFailed, timeout=1000) as failed:
        qtbot.keyClicks(field, "eyes")
    message = failed.args[0]
    assert "Not saved: the disk is full" in message and "still on screen" in message
    assert controller.view.save_message.isVisible()
    assert controller.view.answers() == {"case_lead": "Reyes"}
    assert controller.has_unsaved_changes()
    with qtbot.waitSignal(controller.saved, timeout=1000):
        qtbot.keyClicks(field, "!")  # the next change retries
    assert [d.answers for d in drafts(session, case)] == [{"case_lead": "Reyes!"}]
    assert not controller.view.save_message.isVisible()


def test_complete_with_missing_answers_shows_the_summary(
    session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot
) -> None:
    controller = opened(session, case, show)
    field = line(controller.view, "case_lead")
    qtbot.keyClicks(field, "Reyes")
    with qtbot.assertNotEmitted(controller.completed):
        qtbot.keyClick(field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert controller.view.summary.isVisible()
    assert "inquiry_start_date" in controller.view.summary.paths()
    assert not controller.view.is_read_only()
    # The store refuses too, when asked directly, and the summary shows its reasons.
    problems = controller.complete()
    assert {p.path for p in problems} >= {"inquiry_start_date", "poc", "team_members"}
    [draft] = drafts(session, case)
    assert draft.status == "draft" and draft.answers == {"case_lead": "Reyes"}


def test_completing_a_valid_form(
    session: Session, case: CaseWithPeople, show: Any, qtbot: QtBot
) -> None:
    controller = opened(session, case, show)
    view = controller.view
    today = time.strftime("%Y-%m-%d")
    view.set_answers({
        "inquiry_start_date": today,
        "case_lead": "Det. Dana Reyes #4471",
        "poc": case.poc,
        "inquiry_reason": "Posts about the county works yard after a dismissal.",
        "judgement_date": today,
        "team_members": [{"member_name": "Dana Reyes", "member_discipline": "law_enforcement"}],
        "concern_level": "moderate",
        "concern_rationale": "Specific grievance, a named supervisor, access to a firearm.",
    })
    steps = view.editor("recommended_next_steps")
    assert isinstance(steps, LongTextEditor)
    qtbot.keyClicks(steps.text, "Interview the family; safe storage talk.")
    qtbot.keyClick(steps.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not view.is_read_only()  # asked first, nothing done yet
    with qtbot.waitSignal(controller.completed, timeout=1000) as done:
        confirm_completion(qtbot, view)
    submission = session.submissions.get(done.args[0])
    assert submission.status == "complete"
    assert submission.answers == view.answers()
    assert view.is_read_only() and "Complete" in view.meta_label.text()
    assert drafts(session, case) == []
    # Typing into the completed form does nothing, and saves nothing.
    qtbot.keyClicks(line(view, "case_lead"), "X")
    assert session.submissions.get(done.args[0]).answers == submission.answers


def test_person_questions_list_the_case_people(
    session: Session, case: CaseWithPeople, show: Any
) -> None:
    choices = case_person_choices(session, case.case_id)
    assert sorted(label for _, label in choices) == [
        "Marsh, Evan (Person of concern)", "Okafor, Lena (Potential target)"]
    controller = opened(session, case, show)
    poc = controller.view.editor("poc")
    assert isinstance(poc, ComboEditor)
    assert [poc.combo.itemText(i) for i in range(poc.combo.count())][1:] == [
        label for _, label in choices]
    assert poc.values() == [None, *(pid for pid, _ in choices)]  # first: unanswered
