"""What the reports read from the vault (current records only: cases not in the trash,
timeline entries not superseded by a correction, forms neither drafts nor amended)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from btam_desktop.core.model import CONCERN_LEVELS, Partner
from btam_desktop.core.session import Session

LEVEL = {name: index for index, name in enumerate(CONCERN_LEVELS)}
# "no partner for intensive mental-health services"
DISCIPLINE_WORDS = {
    "mental_health": "mental-health", "school": "school", "public_health": "public-health",
    "social_services": "social", "victim_services": "victim", "law_enforcement":
    "law-enforcement", "other": "other",
}
DISCIPLINE_TITLES = {
    "mental_health": "Mental health", "school": "School", "public_health": "Public health",
    "social_services": "Social services", "victim_services": "Victim services",
    "law_enforcement": "Law enforcement", "other": "Other",
}
# A referral's outcome in the reports: where its newest status stands.
OUTCOMES = ("pending", "waiting", "accepted", "declined", "completed")
OUTCOME_OF = {"proposed": "pending", "made": "pending", "waiting": "waiting",
              "accepted": "accepted", "declined": "declined", "completed": "completed"}


@dataclass(frozen=True)
class CaseRow:
    """The fields of a case the reports count."""

    id: str
    number: str
    concern: str
    tier: str
    status: str
    opened_on: str
    closed_on: str | None


@dataclass(frozen=True)
class EntryRow:
    """A current timeline entry; ``first_at``: when the first version of it happened (a
    referral's date made), ``occurred_at``: this version's."""

    case_id: str
    kind: str
    occurred_at: str
    first_at: str
    partner_id: str | None
    referral_status: str | None
    concern_from: str | None
    concern_to: str | None


def cases(session: Session) -> list[CaseRow]:
    """Every case not in the trash."""
    rows = session.db.query(
        "SELECT id, number, concern, tier, status, opened_on, closed_on FROM cases"
        " WHERE deleted_at IS NULL ORDER BY opened_on, number")
    return [CaseRow(r["id"], r["number"], r["concern"], r["tier"], r["status"],
                    r["opened_on"], r["closed_on"]) for r in rows]


def entries(session: Session, kinds: tuple[str, ...]) -> list[EntryRow]:
    """Current timeline entries of ``kinds`` on cases not in the trash, oldest first."""
    marks = ", ".join("?" for _ in kinds)
    rows = session.db.query(
        f"SELECT t.* FROM timeline t JOIN cases c ON c.id = t.case_id"
        f" WHERE c.deleted_at IS NULL AND t.kind IN ({marks})"
        " AND NOT EXISTS (SELECT 1 FROM timeline n WHERE n.supersedes = t.id)"
        " ORDER BY t.occurred_at", kinds)
    firsts: dict[str, str] = {}
    out: list[EntryRow] = []
    for row in rows:
        first = row["occurred_at"]
        older = row["supersedes"]
        seen = 0
        while older and seen < 1000:  # a correction chain back to the first version
            prior = session.db.query_one("SELECT occurred_at, supersedes FROM timeline"
                                         " WHERE id = ?", (older,))
            if prior is None:
                break
            first, older, seen = prior["occurred_at"], prior["supersedes"], seen + 1
        firsts[row["id"]] = first
        out.append(EntryRow(row["case_id"], row["kind"], row["occurred_at"], first,
                            row["partner_id"], row["referral_status"], row["concern_from"],
                            row["concern_to"]))
    return out


def partners(session: Session, *, include_removed: bool = False) -> list[Partner]:
    """The partner directory (removed partners only when asked: their old referrals)."""
    found = session.store.partners()
    if include_removed:
        known = {p.id for p in found}
        for row in session.db.query("SELECT id FROM partners WHERE deleted_at IS NOT NULL"):
            if row["id"] not in known:
                found.append(session.store.get_partner(row["id"]))
    return found


def form_answers(session: Session, form_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(case id, completed at, answers) of the current completed forms ``form_id``."""
    rows = session.db.query(
        "SELECT s.case_id, COALESCE(s.completed_at, s.created_at) AS at, s.answers"
        " FROM submissions s JOIN cases c ON c.id = s.case_id"
        " WHERE c.deleted_at IS NULL AND s.deleted_at IS NULL AND s.form_id = ?"
        " AND s.status IN ('complete', 'reviewed')"
        " AND NOT EXISTS (SELECT 1 FROM submissions n WHERE n.amends = s.id)"
        " ORDER BY at", (form_id,))
    out = []
    for row in rows:
        try:
            answers = json.loads(row["answers"] or "{}")
        except ValueError:
            continue
        if isinstance(answers, dict):
            out.append((row["case_id"], row["at"], answers))
    return out


def days_between(first: str, last: str) -> int:
    """Whole days from one ISO date (or timestamp) to another."""
    from datetime import date

    return (date.fromisoformat(last[:10]) - date.fromisoformat(first[:10])).days


def median(values: list[int]) -> float:
    """The median (0 for none)."""
    if not values:
        return 0
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
