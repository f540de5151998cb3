"""Pre-filling a new submission from the case (issue 9): each named source gives what the case
knows, and nothing when the case does not know it (or cannot tell which person is meant);
ages are right around birthdays; the newest concerning-behaviour entry is the one used; the
form format accepts ``prefill`` and refuses an unknown source or a field it does not suit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core.forms import FormDefinition, FormPack, validate_definition
from btam_desktop.core.forms.prefill import (
    PREFILL_SOURCES,
    CaseFacts,
    age_on,
    case_facts,
    prefill,
    prefill_for_case,
    source_value,
)
from btam_desktop.core.session import Session
from tests.conftest import LEAD
from tests.core.forms.forms_testkit import field, form

TODAY = dt.date(2026, 5, 20)
FORMS_DIR = Path(__file__).resolve().parents[3] / "btam_desktop" / "forms"


def value(session: Session, case_id: str, source: str, today: dt.date = TODAY) -> Any:
    return source_value(source, case_facts(session, case_id), today=today)


@pytest.fixture
def bare_case(session: Session) -> str:
    """A case nobody is linked to and with an empty timeline."""
    return session.store.create_case("Graffiti naming a teacher").id


@pytest.fixture
def full_case(session: Session) -> str:
    store = session.store
    case = store.create_case("Threats in a group chat")
    poc = store.add_person("Marsh", "Evan", date_of_birth="2009-05-21")
    rp = store.add_person("Okafor", "Lena", phone="555-0142")
    store.link_person(case.id, poc.id, "person_of_concern")
    store.link_person(case.id, rp.id, "reporting_party")
    store.add_entry(case.id, "concerning_behaviour", "Posted a photo of a rifle",
                    occurred_at="2026-05-02T21:40", context="Group chat of the football team")
    store.add_entry(case.id, "concerning_behaviour", "Said 'you'll all see on Friday'",
                    occurred_at="2026-05-11T08:15", context="School cafeteria, at breakfast")
    # Written later but happened earlier: not the newest behaviour.
    store.add_entry(case.id, "concerning_behaviour", "Older rumour",
                    occurred_at="2026-04-01T12:00", context="Hallway")
    store.add_entry(case.id, "note", "Called the parents", occurred_at="2026-05-15T10:00")
    return case.id


# -- each source ------------------------------------------------------------------------------
def test_case_and_member_sources(session: Session, full_case: str) -> None:
    case = session.store.get_case(full_case)
    assert value(session, full_case, "case.number") == case.number
    assert value(session, full_case, "case.opened_on") == case.opened_on[:10]
    assert value(session, full_case, "member.name") == LEAD
    assert value(session, full_case, "member.name_and_badge").startswith(LEAD)


def test_member_badge_is_added_when_recorded() -> None:
    from btam_desktop.core.model import Member

    facts = CaseFacts(member=Member("m1", "Sam Ortiz", "4411", "officer"))
    assert source_value("member.name_and_badge", facts, today=TODAY) == "Sam Ortiz, badge 4411"
    no_badge = CaseFacts(member=Member("m1", "Sam Ortiz", "", "officer"))
    assert source_value("member.name_and_badge", no_badge, today=TODAY) == "Sam Ortiz"
    # Unlocked with the recovery key: no member, nothing pre-filled.
    assert source_value("member.name", CaseFacts(), today=TODAY) is None


def test_person_sources(session: Session, full_case: str) -> None:
    links = {link.role: link.person for link in session.store.case_persons(full_case)}
    assert value(session, full_case, "person_of_concern") == links["person_of_concern"].id
    assert value(session, full_case, "person_of_concern.identified") == "yes"
    assert value(session, full_case, "person_of_concern.name") == "Evan Marsh"
    assert value(session, full_case, "person_of_concern.date_of_birth") == "2009-05-21"
    assert value(session, full_case, "reporting_party") == links["reporting_party"].id
    assert value(session, full_case, "reporting_party.name") == "Lena Okafor"
    assert value(session, full_case, "reporting_party.phone") == "555-0142"


def test_newest_concerning_behaviour_entry_is_used(session: Session, full_case: str) -> None:
    assert value(session, full_case, "concerning_behaviour.date") == "2026-05-11"
    assert value(session, full_case, "concerning_behaviour.time") == "08:15"
    assert value(session, full_case, "concerning_behaviour.summary") == (
        "Said 'you'll all see on Friday'")
    assert value(session, full_case, "concerning_behaviour.context") == (
        "School cafeteria, at breakfast")


def test_a_corrected_entry_gives_way_to_its_correction(session: Session,
                                                       full_case: str) -> None:
    newest = next(e for e in session.store.timeline(full_case, kinds=("concerning_behaviour",))
                  if e.summary.startswith("Said"))
    session.store.correct_entry(newest.id, summary="Said 'you'll all see on Friday' (quoted)",
                                occurred_at="2026-05-11T08:20",
                                context="School cafeteria", reason="exact words")
    assert value(session, full_case, "concerning_behaviour.time") == "08:20"
    assert value(session, full_case, "concerning_behaviour.context") == "School cafeteria"


@pytest.mark.parametrize("source", sorted(PREFILL_SOURCES))
def test_missing_data_is_not_prefilled(session: Session, bare_case: str, source: str) -> None:
    expected_present = source.startswith(("case.", "member."))
    got = value(session, bare_case, source)
    assert (got is not None) == expected_present, (source, got)


def test_person_without_date_of_birth_or_phone(session: Session, bare_case: str) -> None:
    store = session.store
    poc = store.add_person("Nguyen", "Tam")
    rp = store.add_person("Ibarra", "")
    store.link_person(bare_case, poc.id, "person_of_concern")
    store.link_person(bare_case, rp.id, "reporting_party")
    assert value(session, bare_case, "person_of_concern.age") is None
    assert value(session, bare_case, "person_of_concern.date_of_birth") is None
    assert value(session, bare_case, "reporting_party.phone") is None
    assert value(session, bare_case, "reporting_party.name") == "Ibarra"


def test_two_reporting_parties_prefill_neither(session: Session, full_case: str) -> None:
    """Which of two reporting parties this report came from is the officer's call."""
    other = session.store.add_person("Brandt", "Ola", phone="555-0199")
    session.store.link_person(full_case, other.id, "reporting_party")
    assert value(session, full_case, "reporting_party") is None
    assert value(session, full_case, "reporting_party.name") is None
    assert value(session, full_case, "person_of_concern.name") == "Evan Marsh"


# -- age --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("born", "today", "age"), [
    ("2009-05-21", dt.date(2026, 5, 20), 16),  # the day before the birthday
    ("2009-05-21", dt.date(2026, 5, 21), 17),  # on the birthday
    ("2009-05-21", dt.date(2026, 5, 22), 17),
    ("2009-12-31", dt.date(2026, 1, 1), 16),
    ("2008-02-29", dt.date(2026, 2, 28), 17),  # leap-day birthday, common year: not yet
    ("2008-02-29", dt.date(2026, 3, 1), 18),
    ("2008-02-29", dt.date(2028, 2, 29), 20),
    ("2026-05-20", dt.date(2026, 5, 20), 0),
])
def test_age_around_birthdays(born: str, today: dt.date, age: int) -> None:
    assert age_on(born, today) == age


@pytest.mark.parametrize("born", [None, "", "not a date", "2027-01-01"])
def test_no_age_without_a_usable_date_of_birth(born: str | None) -> None:
    assert age_on(born, TODAY) is None


def test_age_source_uses_today(session: Session, full_case: str) -> None:
    assert value(session, full_case, "person_of_concern.age", dt.date(2026, 5, 20)) == 16
    assert value(session, full_case, "person_of_concern.age", dt.date(2026, 5, 21)) == 17


# -- the form format ------------------------------------------------------------------------
def test_schema_accepts_prefill_and_keeps_it() -> None:
    doc = form(field("who", "text", prefill="member.name"),
               field("born", "date", prefill="person_of_concern.date_of_birth"))
    assert validate_definition(doc) == []
    definition = FormDefinition.from_dict(doc)
    assert definition.field("who").prefill == "member.name"
    # Stored in the vault with the definition, so a resumed form still knows it.
    again = FormDefinition.from_json(definition.to_json())
    assert again.field("born").prefill == "person_of_concern.date_of_birth"


def test_unknown_source_is_refused_naming_the_field() -> None:
    [problem] = validate_definition(form(field("who", "text", prefill="member.shoe_size")))
    assert problem.field_id == "who"
    assert "member.shoe_size" in str(problem) and "who" in str(problem)


@pytest.mark.parametrize(("ftype", "source", "extra"), [
    ("integer", "member.name", {}),
    ("text", "person_of_concern", {}),
    ("date", "concerning_behaviour.time", {}),
])
def test_source_that_does_not_suit_the_type_is_refused(ftype: str, source: str,
                                                       extra: dict[str, Any]) -> None:
    [problem] = validate_definition(form(field("qq", ftype, prefill=source, **extra)))
    assert problem.field_id == "qq" and source in str(problem) and ftype in str(problem)


def test_prefill_inside_a_repeat_or_on_a_computed_field_is_refused() -> None:
    doc = form(
        field("people", "repeat", fields=[field("who", "text", prefill="member.name")]),
        field("total", "integer", calculation="1 + 1", prefill="person_of_concern.age"),
    )
    found = {p.field_id: str(p) for p in validate_definition(doc)}
    assert "repeat" in found["who"] and "computed" in found["total"]


# -- the whole form ---------------------------------------------------------------------------
def test_prefill_gives_answers_and_sources_of_known_facts_only(
        session: Session, full_case: str) -> None:
    definition = FormDefinition.from_dict(form(
        field("who", "text", prefill="member.name"),
        field("age", "integer", prefill="person_of_concern.age"),
        field("rp", "person", prefill="reporting_party"),
        field("plain", "text"),
    ))
    result = prefill(definition, case_facts(session, full_case), today=TODAY)
    assert set(result.answers) == {"who", "age", "rp"}
    assert result.answers["age"] == 16 and result.sources["age"] == "person_of_concern.age"
    assert "date of birth" in result.words("age")
    assert result.apply({"plain": "typed", "who": "default"}) == {
        "plain": "typed", **result.answers}


def test_shipped_intake_prefills_what_the_case_knows(session: Session, full_case: str) -> None:
    intake = FormPack.load(FORMS_DIR)["intake_referral"]
    result = prefill_for_case(session, intake, full_case, today=TODAY)
    links = {link.role: link.person for link in session.store.case_persons(full_case)}
    assert result.answers["received_by"].startswith(LEAD)
    assert result.answers["rp_person"] == links["reporting_party"].id
    assert result.answers["rp_name"] == "Lena Okafor"
    assert result.answers["rp_contact"] == "555-0142"
    assert result.answers["poc"] == links["person_of_concern"].id
    assert result.answers["poc_identity_known"] == "yes"
    assert result.answers["poc_age"] == 16
    assert result.answers["incident_date"] == "2026-05-11"
    assert result.answers["incident_time"] == "08:15"
    assert result.answers["context_description"] == "School cafeteria, at breakfast"
    # Nothing pre-filled for a form that asks for nothing.
    assert prefill_for_case(session, FormPack.load(FORMS_DIR)["contact_log"], full_case
                            ).answers == {}
