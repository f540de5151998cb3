"""Pre-filling a new submission with what the case already knows (issue 9).

A form says, per top-level question, where its first answer comes from::

    - id: received_by
      type: text
      label: Officer taking the report
      prefill: member.name_and_badge

The sources are a small, named set (:data:`PREFILL_SOURCES`), each with the field types it
suits. Only a *new* submission is pre-filled: never a resumed draft or a completed one, so
nothing the officer typed is ever overwritten. A source with nothing to give (no date of birth,
no reporting party linked, two persons of concern to choose from) leaves the question empty
rather than guessing. A pre-filled answer is an ordinary answer: it is stored like a typed one
and the officer may change it.

This module reads the case through the store and never imports Qt. It imports no other module
of this package at load time except :mod:`fieldtypes`, so that the schema and the validator
can import its source names without an import cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from btam_desktop.core.forms.definition import FormDefinition
    from btam_desktop.core.model import Member, Person, TimelineEntry
    from btam_desktop.core.session import Session

__all__ = [
    "PREFILL_SOURCES",
    "CaseFacts",
    "Prefill",
    "PrefillSource",
    "age_on",
    "case_facts",
    "prefill",
    "prefill_problem",
    "source_value",
]

_TEXT = ("text", "long_text")


@dataclass(frozen=True)
class PrefillSource:
    """One thing a case knows: its name in the form format, the field types it can fill,
    and how the mark on screen names it ("Filled in from the case: <words>")."""

    name: str
    types: tuple[str, ...]
    words: str


# Role names as stored on case_persons (core/model.py PERSON_ROLES).
POC_ROLE = "person_of_concern"
RP_ROLE = "reporting_party"
BEHAVIOUR_KIND = "concerning_behaviour"

PREFILL_SOURCES: Mapping[str, PrefillSource] = {
    s.name: s
    for s in (
        PrefillSource("case.number", _TEXT, "the case number"),
        PrefillSource("case.opened_on", ("date",), "the date the case was opened"),
        PrefillSource("member.name", _TEXT, "the signed-in member"),
        PrefillSource("member.name_and_badge", _TEXT, "the signed-in member and badge"),
        PrefillSource("person_of_concern", ("person",), "the person of concern on the case"),
        PrefillSource("person_of_concern.identified", ("yes_no_unknown",),
                      "the person of concern on the case"),
        PrefillSource("person_of_concern.name", _TEXT, "the person of concern's name"),
        PrefillSource("person_of_concern.date_of_birth", ("date",),
                      "the person of concern's date of birth"),
        PrefillSource("person_of_concern.age", ("integer",),
                      "the person of concern's date of birth"),
        PrefillSource("reporting_party", ("person",), "the reporting party on the case"),
        PrefillSource("reporting_party.name", _TEXT, "the reporting party's name"),
        PrefillSource("reporting_party.phone", _TEXT, "the reporting party's phone number"),
        PrefillSource("concerning_behaviour.date", ("date",),
                      "the newest concerning-behaviour entry"),
        PrefillSource("concerning_behaviour.time", ("time",),
                      "the newest concerning-behaviour entry"),
        PrefillSource("concerning_behaviour.summary", _TEXT,
                      "the newest concerning-behaviour entry"),
        PrefillSource("concerning_behaviour.context", _TEXT,
                      "the newest concerning-behaviour entry (where, with whom)"),
    )
}


def prefill_problem(field_type: str, source: str, *, in_repeat: bool, computed: bool
                    ) -> str | None:
    """Why ``prefill: source`` does not suit a field (None when it does). An unknown source
    is the schema's to refuse; this checks what the schema cannot: the field's type, and
    that the field is a top-level question the officer answers."""
    known = PREFILL_SOURCES.get(source)
    if known is None:
        return None
    if in_repeat:
        return "a question inside a repeat cannot be pre-filled (only top-level questions are)"
    if computed:
        return "a computed field cannot be pre-filled"
    if field_type not in known.types:
        return (f"prefill source {source!r} fills {' / '.join(known.types)} fields, "
                f"not a {field_type} field")
    return None


@dataclass(frozen=True)
class CaseFacts:
    """What a case knows that a form may start from. ``None`` where it knows nothing, or
    where it cannot tell which one is meant (two persons of concern linked)."""

    case_number: str | None = None
    case_opened_on: str | None = None
    member: Member | None = None
    person_of_concern: Person | None = None
    reporting_party: Person | None = None
    behaviour: TimelineEntry | None = None


def _only(persons: list[Person]) -> Person | None:
    # Two reporting parties on a case: which one this report came from is the officer's call.
    return persons[0] if len(persons) == 1 else None


def case_facts(session: Session, case_id: str) -> CaseFacts:
    """Read what the case knows (one case, the signed-in member, the case's newest
    concerning-behaviour entry that was not corrected since)."""
    store = session.store
    case = store.get_case(case_id)
    links = store.case_persons(case.id)
    entries = store.timeline(case.id, kinds=(BEHAVIOUR_KIND,), include_superseded=False)
    # Newest by when it happened, then by when it was written down.
    newest = max(entries, key=lambda e: (e.occurred_at, e.recorded_at), default=None)
    return CaseFacts(
        case_number=case.number,
        case_opened_on=case.opened_on,
        member=session.member,
        person_of_concern=_only([link.person for link in links if link.role == POC_ROLE]),
        reporting_party=_only([link.person for link in links if link.role == RP_ROLE]),
        behaviour=newest,
    )


def age_on(date_of_birth: str | None, today: dt.date) -> int | None:
    """Whole years from ``date_of_birth`` to ``today`` (the birthday itself counts; someone
    born on 29 February turns a year older on 1 March in other years). None for a missing,
    unreadable or future date."""
    if not date_of_birth:
        return None
    try:
        born = dt.date.fromisoformat(date_of_birth[:10])
    except ValueError:
        return None
    if born > today:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _name(person: Person | None) -> str | None:
    if person is None:
        return None
    name = " ".join(n for n in (person.given_names, person.family_name) if n)
    return name or None


def _date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _time(value: str | None) -> str | None:
    try:
        parsed = dt.datetime.fromisoformat(value) if value and "T" in value else None
    except ValueError:
        return None
    return parsed.strftime("%H:%M") if parsed else None


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


def source_value(source: str, facts: CaseFacts, *, today: dt.date) -> Any:
    """The answer ``source`` gives on this case, or None when the case does not know it."""
    poc, rp, entry, member = (facts.person_of_concern, facts.reporting_party,
                              facts.behaviour, facts.member)
    value: Any
    if source == "case.number":
        value = facts.case_number
    elif source == "case.opened_on":
        value = _date(facts.case_opened_on)
    elif source == "member.name":
        value = member.name if member else None
    elif source == "member.name_and_badge":
        value = None if member is None else (
            f"{member.name}, badge {member.badge}" if member.badge.strip() else member.name)
    elif source == "person_of_concern":
        value = poc.id if poc else None
    elif source == "person_of_concern.identified":
        # "yes" once someone is linked; no one linked does not mean "no" (not found yet).
        value = "yes" if poc else None
    elif source == "person_of_concern.name":
        value = _name(poc)
    elif source == "person_of_concern.date_of_birth":
        value = _date(poc.date_of_birth) if poc else None
    elif source == "person_of_concern.age":
        value = age_on(poc.date_of_birth, today) if poc else None
    elif source == "reporting_party":
        value = rp.id if rp else None
    elif source == "reporting_party.name":
        value = _name(rp)
    elif source == "reporting_party.phone":
        value = rp.phone if rp else None
    elif source == "concerning_behaviour.date":
        value = _date(entry.occurred_at) if entry else None
    elif source == "concerning_behaviour.time":
        value = _time(entry.occurred_at) if entry else None
    elif source == "concerning_behaviour.summary":
        value = entry.summary if entry else None
    elif source == "concerning_behaviour.context":
        value = entry.context if entry else None
    else:
        raise KeyError(f"unknown prefill source {source!r}")
    return _blank_to_none(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Prefill:
    """The answers pre-filled into a new submission, and the source of each (field id ->
    source name), so a view can mark them."""

    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def words(self, field_id: str) -> str:
        """How the mark names where ``field_id``'s answer came from."""
        return PREFILL_SOURCES[self.sources[field_id]].words

    def apply(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """``answers`` (a new submission's defaults) with the pre-filled answers over them."""
        return {**answers, **self.answers}


def prefill(form: FormDefinition, facts: CaseFacts, *, today: dt.date | None = None
            ) -> Prefill:
    """What ``form``'s ``prefill`` questions start with on a case with ``facts``. Only
    top-level, non-computed questions are filled (the validator refuses others)."""
    today = today or dt.date.today()
    answers: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for item in form.iter_fields(members=False):
        source = item.prefill
        if source is None or item.calculation is not None or source not in PREFILL_SOURCES:
            continue
        if item.type not in PREFILL_SOURCES[source].types:
            continue  # a stored definition from before the check: fill nothing wrong
        value = source_value(source, facts, today=today)
        if value is None:
            continue
        answers[item.id] = value
        sources[item.id] = source
    return Prefill(answers, sources)


def prefill_for_case(session: Session, form: FormDefinition, case_id: str, *,
                     today: dt.date | None = None) -> Prefill:
    """:func:`prefill` with the facts of ``case_id`` read from the vault (nothing is read when
    the form pre-fills nothing)."""
    if not any(f.prefill for f in form.iter_fields(members=False)):
        return Prefill()
    return prefill(form, case_facts(session, case_id), today=today)
