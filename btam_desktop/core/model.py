"""Dataclasses and vocabularies of the BTAM case file.

Records are plain frozen dataclasses read from the store; writes go through
:class:`btam_desktop.core.store.CaseStore`, never by mutating these objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from btam_desktop.core.forms.fieldtypes import SENSITIVITY_TAGS

ROLES = ("officer", "lead", "analyst")
CASE_STATUSES = ("open", "active", "monitoring", "closed")
STATUS_LABELS = {
    "open": "Open",
    "active": "Active management",
    "monitoring": "Monitoring",
    "closed": "Closed",
}
CONCERN_LEVELS = ("low", "moderate", "high", "imminent")
TIERS = ("universal", "selective", "intensive")
PERSON_ROLES = (
    "person_of_concern",
    "reporting_party",
    "potential_target",
    "witness",
    "family",
    "partner_contact",
)
PERSON_ROLE_LABELS = {
    "person_of_concern": "Person of concern",
    "reporting_party": "Reporting party",
    "potential_target": "Potential target",
    "witness": "Witness",
    "family": "Family / guardian",
    "partner_contact": "Partner contact",
}
ENTRY_KINDS = (
    "concerning_behaviour",
    "contact",
    "intervention",
    "referral",
    "note",
    "review",
    "concern_change",
)
ENTRY_KIND_LABELS = {
    "concerning_behaviour": "Concerning behaviour",
    "contact": "Contact",
    "intervention": "Intervention",
    "referral": "Referral",
    "note": "Note",
    "review": "Review",
    "concern_change": "Concern level change",
}
REFERRAL_STATUSES = ("proposed", "made", "waiting", "accepted", "declined", "completed")
DISCIPLINES = (
    "mental_health",
    "school",
    "public_health",
    "social_services",
    "victim_services",
    "law_enforcement",
    "other",
)
PARTNER_KINDS = ("agency", "resource")
AGE_GROUPS = ("youth", "adults")  # whom a partner serves (resource map, schema v12)
TASK_KINDS = ("task", "review")
SENSITIVITY_LABELS = {
    "criminal_history": "Criminal history",
    "mental_health": "Mental health",
    "medical": "Medical",
    "juvenile": "Juvenile",
    "third_party_identity": "Third-party identity",
    "victim_identity": "Victim identity",
    "intelligence": "Intelligence",
}
# Words that suggest a tag for a timeline entry or plan item. Only a suggestion shown ticked
# in the dialog: the officer decides, since a keyword list can never be complete.
_HINTS: dict[str, tuple[str, ...]] = {
    "mental_health": (
        r"mental", r"psychiatr\w*", r"psycholog\w*", r"crisis[- ]team", r"crisis (?:line|unit)",
        r"counsell?(?:or|ing)", r"therap\w*", r"depress\w*", r"suicid\w*", r"self[- ]harm",
        r"anxiety", r"stressors?", r"psychosis", r"72[- ]hour hold", r"5150", r"psych eval\w*",
        r"mobile crisis",
    ),
    "criminal_history": (
        r"arrest\w*", r"convict\w*", r"charged with", r"probation", r"parole", r"warrant",
        r"protective order", r"restraining order", r"no[- ]contact order", r"prior offen[cs]e\w*",
        r"criminal", r"booking", r"court order",
    ),
    "medical": (r"medical", r"medication", r"hospital\w*", r"diagnos\w*", r"prescri\w*"),
    "intelligence": (r"intelligence", r"informant", r"fusion cent(?:re|er)"),
}
_HINT_RE = {tag: re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)
            for tag, words in _HINTS.items()}
# A referral carries the tag of the partner's discipline (a referral to a mental-health
# agency tells the reader about the person's mental health whatever its words say).
_DISCIPLINE_TAGS = {"mental_health": ("mental_health",), "public_health": ("medical",)}


def check_sensitivity(tags: Iterable[str]) -> tuple[str, ...]:
    """The tags sorted and without repeats; ValueError names an unknown one."""
    found = sorted(set(tags))
    unknown = [t for t in found if t not in SENSITIVITY_TAGS]
    if unknown:
        raise ValueError(f"unknown sensitivity tag {unknown[0]!r} "
                         f"(known: {', '.join(SENSITIVITY_TAGS)})")
    return tuple(found)


def sensitivity_from_db(value: str | None) -> tuple[str, ...]:
    """The stored JSON list as a tuple (unknown names from a newer version are kept)."""
    if not value:
        return ()
    try:
        parsed = json.loads(value)
    except ValueError:
        return ()
    return tuple(str(t) for t in parsed) if isinstance(parsed, list) else ()


def sensitivity_to_db(tags: Iterable[str]) -> str:
    """The stored form of the tags: a JSON list, sorted."""
    return json.dumps(sorted(set(tags)))


def sensitivity_words(tags: Iterable[str]) -> str:
    """"mental health, criminal history" for a list of tags."""
    return ", ".join(SENSITIVITY_LABELS.get(t, t).lower() for t in tags)


def suggest_sensitivity(kind: str, *texts: str, discipline: str | None = None
                        ) -> tuple[str, ...]:
    """Tags suggested for a timeline entry (or plan item) of ``kind`` from what it says and
    the discipline of the partner it names. A suggestion only: the dialog shows it ticked and
    the officer can untick it or tick others."""
    tags = set(_DISCIPLINE_TAGS.get(discipline or "", ()) if kind == "referral" else ())
    joined = "\n".join(t for t in texts if t)
    for tag, pattern in _HINT_RE.items():
        if pattern.search(joined):
            tags.add(tag)
    return tuple(sorted(tags))
TRASH_DAYS = 30
# Closed cases come up for a purge review after this many days (records-retention schedules
# differ by state; the department can change the date on each case).
PURGE_REVIEW_DAYS = 5 * 365


@dataclass(frozen=True)
class Member:
    """A team member who can unlock this vault."""

    id: str
    name: str
    badge: str
    role: str
    active: bool = True

    @property
    def is_lead(self) -> bool:
        """Team leads manage members, purge records and rekey."""
        return self.role == "lead"


@dataclass(frozen=True)
class Case:
    """A BTAM case file's header."""

    id: str
    number: str
    title: str
    status: str
    concern: str
    tier: str
    opened_on: str
    summary: str = ""
    closed_on: str | None = None
    next_review: str | None = None
    closure_reason: str = ""
    purge_review_on: str | None = None
    created_at: str = ""
    updated_at: str = ""
    deleted_at: str | None = None
    assigned: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` output."""
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "summary": self.summary,
            "status": self.status,
            "concern": self.concern,
            "tier": self.tier,
            "opened_on": self.opened_on,
            "closed_on": self.closed_on,
            "next_review": self.next_review,
            "closure_reason": self.closure_reason,
            "purge_review_on": self.purge_review_on,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "deleted_at": self.deleted_at,
            "assigned": list(self.assigned),
        }


@dataclass(frozen=True)
class Person:
    """Someone involved in one or more cases."""

    id: str
    family_name: str
    given_names: str
    aliases: tuple[str, ...] = ()
    date_of_birth: str | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    notes: str = ""
    deleted_at: str | None = None

    @property
    def display_name(self) -> str:
        """"Family, Given" as officers file names."""
        if self.family_name and self.given_names:
            return f"{self.family_name}, {self.given_names}"
        return self.family_name or self.given_names or "(unnamed)"

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` output."""
        return {
            "id": self.id,
            "family_name": self.family_name,
            "given_names": self.given_names,
            "aliases": list(self.aliases),
            "date_of_birth": self.date_of_birth,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class CasePerson:
    """A person's role on one case."""

    link_id: str
    case_id: str
    role: str
    person: Person


@dataclass(frozen=True)
class TimelineEntry:
    """An append-only fact on a case's timeline; corrections supersede, never erase."""

    id: str
    case_id: str
    kind: str
    occurred_at: str
    recorded_at: str
    author_name: str
    summary: str
    details: str = ""
    context: str = ""
    outcome: str = ""
    partner_id: str | None = None
    referral_status: str | None = None
    concern_from: str | None = None
    concern_to: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    author_id: str | None = None
    sensitivity: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` output."""
        return {
            "id": self.id,
            "case_id": self.case_id,
            "kind": self.kind,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "author": self.author_name,
            "summary": self.summary,
            "details": self.details,
            "context": self.context,
            "outcome": self.outcome,
            "partner_id": self.partner_id,
            "referral_status": self.referral_status,
            "concern_from": self.concern_from,
            "concern_to": self.concern_to,
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
            "sensitivity": list(self.sensitivity),
        }


@dataclass(frozen=True)
class Task:
    """A task or scheduled review on a case."""

    id: str
    case_id: str
    kind: str
    title: str
    due_on: str | None
    assignee_id: str | None = None
    done_at: str | None = None
    notes: str = ""
    sensitivity: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` output."""
        return {
            "id": self.id,
            "case_id": self.case_id,
            "kind": self.kind,
            "title": self.title,
            "due_on": self.due_on,
            "assignee_id": self.assignee_id,
            "done_at": self.done_at,
            "notes": self.notes,
            "sensitivity": list(self.sensitivity),
        }


@dataclass(frozen=True)
class Partner:
    """A partner agency or community resource in the department's directory."""

    id: str
    name: str
    kind: str
    discipline: str
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    services: str = ""
    notes: str = ""
    tiers: tuple[str, ...] = ()  # prevention tiers served (TIERS)
    ages: tuple[str, ...] = ()  # AGE_GROUPS served; empty: not recorded
    area_served: str = ""
    hours: str = ""
    capacity: str = ""
    wait_days: int | None = None  # usual wait before a first appointment

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` output."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "discipline": self.discipline,
            "contact_name": self.contact_name,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "services": self.services,
            "notes": self.notes,
            "tiers": list(self.tiers),
            "ages": list(self.ages),
            "area_served": self.area_served,
            "hours": self.hours,
            "capacity": self.capacity,
            "wait_days": self.wait_days,
        }


@dataclass(frozen=True)
class Attachment:
    """A file kept encrypted inside the vault (content loaded on request only)."""

    id: str
    case_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    added_at: str
    description: str = ""


@dataclass(frozen=True)
class FieldChange:
    """One entry of a field's history: "changed from X to Y by Z"."""

    record_id: str
    field: str
    old: Any
    new: Any
    at: str
    member_name: str
    reason: str | None = None

    def describe(self) -> str:
        """Human sentence for the history view."""
        old = "(empty)" if self.old in (None, "") else repr(self.old)
        new = "(empty)" if self.new in (None, "") else repr(self.new)
        text = f"{self.field} changed from {old} to {new} by {self.member_name} at {self.at}"
        return text + (f" — reason: {self.reason}" if self.reason else "")


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    seq: int
    at: str
    member_name: str
    action: str
    record_type: str | None
    record_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    device_id: str = ""

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json`` output."""
        return {
            "seq": self.seq,
            "at": self.at,
            "member": self.member_name,
            "action": self.action,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "detail": self.detail,
            "device_id": self.device_id,
        }
