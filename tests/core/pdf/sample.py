"""Fictional sample data for the PDF tests and the PDF benchmark.

A case with people whose names are in Greek, Vietnamese and Latin script, and answers for
any form: every relevant question answered with a valid value of its type (text answers
carry a marker naming the field, so a test can look for exactly that text in a PDF).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from btam_desktop.core.forms import Field, FormDefinition, evaluate
from btam_desktop.core.model import Case
from btam_desktop.core.session import Session

POC_GIVEN, POC_FAMILY = "Ελένη", "Παπαδοπούλου"  # Greek: the person of concern
TARGET_GIVEN, TARGET_FAMILY = "Văn Anh", "Nguyễn"  # Vietnamese: a potential target
WITNESS_GIVEN, WITNESS_FAMILY = "Marguerite", "Okonkwo-Lindqvist"
TODAY = dt.date.today()


@dataclass(frozen=True)
class SampleCase:
    """Ids of the sample case and its people."""

    case: Case
    poc_id: str
    target_id: str
    witness_id: str


def make_case(session: Session, title: str = "Threats posted about a classmate") -> SampleCase:
    """A case with three people in three scripts (only the first is the person of concern)."""
    store = session.store
    case = store.create_case(title, concern="moderate", summary="Posts reported by a teacher.")
    poc = store.add_person(POC_FAMILY, POC_GIVEN, date_of_birth="2009-04-02",
                           phone="555-0142", aliases=["Lena P."])
    target = store.add_person(TARGET_FAMILY, TARGET_GIVEN, phone="555-0177",
                              address="12 Heron Lane")
    witness = store.add_person(WITNESS_FAMILY, WITNESS_GIVEN, email="mo@school.example")
    store.link_person(case.id, poc.id, "person_of_concern")
    store.link_person(case.id, target.id, "potential_target")
    store.link_person(case.id, witness.id, "witness")
    return SampleCase(store.get_case(case.id), poc.id, target.id, witness.id)


def marker(field_id: str) -> str:
    """The text answer given to ``field_id`` (unique, easy to find in extracted text)."""
    return f"Answer-{field_id.replace('_', '-')}"


def value_for(item: Field, people: SampleCase | None, index: int = 0) -> Any:
    """A valid answer for one question (``index`` varies choices between repeat items)."""
    kind = item.type
    if kind == "text":
        return marker(item.id)
    if kind == "long_text":
        return (f"{marker(item.id)}: the person said on a video call that the plan was a "
                "joke, but a classmate saw notes about the school's schedule. "
                "<font size=40>not markup</font> & more.")
    if kind in ("integer", "rating"):
        return item.scale.min if item.scale is not None else 2
    if kind == "decimal":
        return 1.5
    if kind == "date":
        return (TODAY - dt.timedelta(days=3)).isoformat()
    if kind == "time":
        return "14:05"
    if kind == "datetime":
        return (TODAY - dt.timedelta(days=3)).isoformat() + "T14:05"
    if kind == "choice":
        return item.choices[index % len(item.choices)].name
    if kind == "multi_choice":
        return [c.name for c in item.choices[:2]]
    if kind == "yes_no_unknown":
        return "yes"
    if kind == "person":
        if people is None:
            return None
        return people.target_id if item.person_role == "target" else people.poc_id
    if kind == "signature":
        return {"name": "Dana Reyes", "badge": "L-1", "date": TODAY.isoformat()}
    return None


def full_answers(form: FormDefinition, people: SampleCase | None,
                 repeat_items: int = 2) -> dict[str, Any]:
    """Answers to every question that is relevant once the others are answered "yes".

    Runs the evaluation a few times so that questions revealed by earlier answers get
    answers too; values failing a constraint are simply valid-typed (drafts allow that).
    """
    answers: dict[str, Any] = {}
    for _ in range(4):
        state = evaluate(form, answers)
        for item in form.iter_fields(members=False):
            if item.type in ("note",) or item.is_computed or item.id in answers:
                continue
            if not state.fields.get(item.id, False):
                continue
            if item.type == "repeat":
                count = repeat_items
                if item.max_items is not None:
                    count = min(count, item.max_items)
                answers[item.id] = [
                    {m.id: v for m in item.fields
                     if m.type != "note" and not m.is_computed
                     and (v := value_for(m, people, i)) is not None}
                    for i in range(count)
                ]
            else:
                value = value_for(item, people)
                if value is not None:
                    answers[item.id] = value
    # Long rationale text satisfies "string-length(.) >= 40"-style constraints.
    return answers


SECRET_CONTEXT = "Context-from-intelligence-unit"
NOTE_TEXT = "Internal-team-note-not-for-partners"


def populate_case(session: Session, people: SampleCase, *, rounds: int = 1) -> None:
    """Timeline (every kind, a correction, a concern change), tasks, a referral to a partner
    and a management plan. Free text names the target and the witness, as officers do."""
    store = session.store
    case_id = people.case.id
    partner = store.add_partner("Harlow County Youth Counselling", "mental_health")
    target = f"{TARGET_GIVEN} {TARGET_FAMILY}"
    witness = f"{WITNESS_GIVEN} {WITNESS_FAMILY}"
    for n in range(rounds):
        day = (TODAY - dt.timedelta(days=60 - (n % 50))).isoformat()
        first = store.add_entry(
            case_id, "concerning_behaviour", f"Post naming {target} (round {n})",
            occurred_at=f"{day}T09:30",
            details=f"{witness} showed the teacher a post that named {target}. " * 3,
            context=SECRET_CONTEXT)
        store.correct_entry(first.id, summary=f"Post naming {target}, corrected (round {n})")
        store.add_entry(case_id, "contact", f"Home visit with the family (round {n})",
                        occurred_at=f"{day}T15:00",
                        details="Spoke with Ελένη and her parents; calm and cooperative.",
                        outcome="Agreed to a counselling referral.")
        store.add_entry(case_id, "intervention", f"Safety plan at school (round {n})",
                        occurred_at=f"{day}T16:00", details="Check-ins with the counsellor.",
                        outcome="Attending check-ins twice a week.")
        store.add_entry(case_id, "referral", f"Referred to counselling (round {n})",
                        occurred_at=f"{day}T16:30", partner_id=partner.id,
                        referral_status="accepted", details="Weekly sessions offered.")
        store.add_note(case_id, NOTE_TEXT)
    store.update_case(case_id, {"concern": "high"},
                      reason=f"Repeated posts about {target}; planning notes found.")
    store.add_task(case_id, "Team review", due_on=TODAY.isoformat(), kind="review")
    store.add_task(case_id, f"Call {witness} back", due_on=TODAY.isoformat())
    plan = session.forms.definition("management_plan")
    session.submissions.create(case_id, "management_plan", full_answers(plan, people),
                               strict=False)
