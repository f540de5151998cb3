"""A new intake on a case shows what the case already knows, filled in and marked "Filled in
from the case" (icon and text, also in what a screen reader says); the answers are editable,
editing removes the mark, and they are saved like typed ones. A resumed draft is never
pre-filled (issue 9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms.prefill import age_on
from btam_desktop.core.session import Session
from btam_desktop.ui.forms import DraftController
from btam_desktop.ui.forms.prefill import PREFILL_TEXT, PrefillMark
from btam_desktop.ui.forms.view import FormView
from tests.conftest import LEAD

INTAKE = "intake_referral"


@dataclass(frozen=True)
class IntakeCase:
    case_id: str
    poc: str
    rp: str


@pytest.fixture
def intake_case(session: Session) -> IntakeCase:
    store = session.store
    case = store.create_case("Threats in a group chat")
    poc = store.add_person("Marsh", "Evan", date_of_birth="2009-05-21")
    rp = store.add_person("Okafor", "Lena", phone="555-0142")
    store.link_person(case.id, poc.id, "person_of_concern")
    store.link_person(case.id, rp.id, "reporting_party")
    store.add_entry(case.id, "concerning_behaviour", "Said 'you'll all see on Friday'",
                    occurred_at="2026-05-11T08:15", context="School cafeteria, at breakfast")
    return IntakeCase(case.id, poc.id, rp.id)


def line(view: FormView, path: str) -> QLineEdit:
    editor = view.editor(path)
    assert editor is not None
    target = editor.focus_target()
    assert isinstance(target, QLineEdit)
    return target


def marked(view: FormView) -> dict[str, str]:
    return {row.path: row.prefilled for row in view.rows() if row.prefilled}


def value(view: FormView, path: str) -> Any:
    editor = view.editor(path)
    assert editor is not None
    return editor.value()


def test_new_intake_shows_the_case_facts_prefilled_and_marked(
    session: Session, intake_case: IntakeCase, show: Any
) -> None:
    controller = DraftController.open(session, intake_case.case_id, INTAKE)
    view = controller.view
    show(view)
    assert value(view, "rp_person") == intake_case.rp
    assert value(view, "rp_name") == "Lena Okafor"
    assert value(view, "rp_contact") == "555-0142"
    assert value(view, "poc") == intake_case.poc
    assert value(view, "poc_age") == age_on("2009-05-21", dt.date.today())
    assert value(view, "received_by").startswith(LEAD)
    assert value(view, "incident_date") == "2026-05-11"
    assert value(view, "incident_time") == "08:15"
    marks = marked(view)
    assert set(controller.prefilled) == set(marks)
    assert {"rp_person", "rp_name", "rp_contact", "poc_age", "received_by",
            "incident_date"} <= set(marks)
    assert all(text.startswith(PREFILL_TEXT) for text in marks.values())
    assert "reporting party" in marks["rp_name"]
    # Visible (icon and text) and said by a screen reader with the question.
    row = view.row("rp_name")
    assert row is not None
    mark = row.findChild(PrefillMark)
    assert mark is not None and mark.isVisible() and mark.accessibleName() == marks["rp_name"]
    assert PREFILL_TEXT in line(view, "rp_name").accessibleDescription()
    # Unmarked questions stay unmarked (nothing the case knows about them).
    assert "exact_words" not in marks and value(view, "exact_words") is None


def test_prefilled_answers_are_editable_and_saved_like_typed_ones(
    session: Session, intake_case: IntakeCase, show: Any, qtbot: QtBot
) -> None:
    controller = DraftController.open(session, intake_case.case_id, INTAKE)
    view = controller.view
    show(view)
    edit = line(view, "rp_name")
    edit.setFocus()
    edit.selectAll()
    with qtbot.waitSignal(controller.saved, timeout=2000):
        qtbot.keyClicks(edit, "Lena M. Okafor")
    assert value(view, "rp_name") == "Lena M. Okafor"
    assert "rp_name" not in marked(view)  # the officer's answer now: no mark
    assert PREFILL_TEXT not in edit.accessibleDescription()
    assert "rp_contact" in marked(view)  # the others keep theirs
    [draft] = session.submissions.drafts(intake_case.case_id, INTAKE)
    assert draft.answers["rp_name"] == "Lena M. Okafor"
    # The untouched pre-filled answers were stored with it, through the same draft save.
    assert draft.answers["rp_contact"] == "555-0142"
    assert draft.answers["rp_person"] == intake_case.rp
    assert draft.answers["poc_age"] == age_on("2009-05-21", dt.date.today())
    assert controller.close()


def test_opening_alone_stores_nothing(session: Session, intake_case: IntakeCase,
                                      show: Any) -> None:
    controller = DraftController.open(session, intake_case.case_id, INTAKE)
    show(controller.view)
    assert controller.close()
    assert session.submissions.drafts(intake_case.case_id, INTAKE) == []


def test_an_existing_draft_is_not_prefilled(
    session: Session, intake_case: IntakeCase, show: Any
) -> None:
    session.submissions.create(intake_case.case_id, INTAKE, {"rp_name": "Typed by hand"},
                               strict=False)
    controller = DraftController.open(session, intake_case.case_id, INTAKE)
    view = controller.view
    show(view)
    assert value(view, "rp_name") == "Typed by hand"
    assert value(view, "rp_contact") is None and value(view, "poc_age") is None
    assert marked(view) == {} and controller.prefilled == ()
    assert controller.close()
    [draft] = session.submissions.drafts(intake_case.case_id, INTAKE)
    assert draft.answers == {"rp_name": "Typed by hand"}


def test_answers_put_back_by_code_keep_only_true_marks(
    session: Session, intake_case: IntakeCase, show: Any
) -> None:
    """A new form kept over a lock gets the officer's answers back with ``set_answers``: a
    pre-filled answer they had changed loses its mark, an untouched one keeps it."""
    controller = DraftController.open(session, intake_case.case_id, INTAKE)
    view = controller.view
    show(view)
    kept = view.answers()
    kept["rp_name"] = "Lena M. Okafor"
    view.set_answers(kept)
    assert "rp_name" not in marked(view) and "rp_contact" in marked(view)
    assert controller.close()
