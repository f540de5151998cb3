"""Words the case views show for core values, and date formats.

Core values are stable keys ("person_of_concern", "imminent"); an officer reads words. A key
the vocabulary does not know yet (a newer laptop's value arriving in a bundle) is shown as it
is, humanised, never dropped.
"""

from __future__ import annotations

from datetime import date, datetime

from btam_desktop.core.model import (
    CONCERN_LEVELS,
    ENTRY_KIND_LABELS,
    PERSON_ROLE_LABELS,
    STATUS_LABELS,
)

CONCERN_LABELS = {"low": "Low", "moderate": "Moderate", "high": "High", "imminent": "Imminent"}
TIER_LABELS = {"universal": "Universal", "selective": "Selective", "intensive": "Intensive"}
REFERRAL_STATUS_LABELS = {
    "proposed": "Proposed", "made": "Made", "waiting": "Waiting list", "accepted": "Accepted",
    "declined": "Declined", "completed": "Completed",
}
SUBMISSION_STATUS_LABELS = {"draft": "Draft", "complete": "Complete", "reviewed": "Reviewed"}
TASK_KIND_LABELS = {"task": "Task", "review": "Review"}
DISCIPLINE_LABELS = {
    "mental_health": "Mental health", "school": "School", "public_health": "Public health",
    "social_services": "Social services", "victim_services": "Victim services",
    "law_enforcement": "Law enforcement", "other": "Other",
}
FIELD_LABELS = {
    "title": "Title", "summary": "Summary", "status": "Status", "concern": "Concern level",
    "tier": "Prevention tier", "next_review": "Next review", "closure_reason": "Closure reason",
    "purge_review_on": "Purge review date", "opened_on": "Opened on", "closed_on": "Closed on",
    "deleted_at": "Trash",
}
# Values of these fields are vocabulary keys: the history shows their words.
_FIELD_VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": STATUS_LABELS, "concern": CONCERN_LABELS, "tier": TIER_LABELS,
}


def humanise(key: str | None) -> str:
    """"partner_contact" -> "Partner contact"."""
    if not key:
        return ""
    text = key.replace("_", " ").replace(".", " ")
    return text[:1].upper() + text[1:]


def label(vocabulary: dict[str, str], key: str | None) -> str:
    """The word for ``key`` in ``vocabulary`` (humanised when unknown)."""
    if key is None:
        return ""
    return vocabulary.get(key, humanise(key))


def status_label(key: str) -> str:
    """"Active management" for "active"."""
    return label(STATUS_LABELS, key)


def concern_label(key: str) -> str:
    """"High" for "high"."""
    return label(CONCERN_LABELS, key)


def concern_rank(key: str) -> int:
    """1 (low) .. 4 (imminent); 0 for an unknown level."""
    return CONCERN_LEVELS.index(key) + 1 if key in CONCERN_LEVELS else 0


def tier_label(key: str) -> str:
    """"Selective" for "selective"."""
    return label(TIER_LABELS, key)


def entry_kind_label(key: str) -> str:
    """"Concerning behaviour" for "concerning_behaviour"."""
    return label(ENTRY_KIND_LABELS, key)


def role_label(key: str) -> str:
    """"Person of concern" for "person_of_concern"."""
    return label(PERSON_ROLE_LABELS, key)


def field_value(field: str, value: object) -> str:
    """A stored field value as the history shows it."""
    if value in (None, ""):
        return "(empty)"
    vocabulary = _FIELD_VALUE_LABELS.get(field)
    if vocabulary is not None and isinstance(value, str):
        return label(vocabulary, value)
    return str(value)


def show_date(value: str | None) -> str:
    """An ISO date as shown in tables ("2026-03-31"; ISO reads the same in every locale)."""
    return value[:10] if value else ""


def show_datetime(value: str | None) -> str:
    """"2026-03-31 14:05" for an ISO date-time (UTC stamps ending in Z are shown local)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def today_iso() -> str:
    """The local calendar date, as the store compares review dates."""
    return date.today().isoformat()


def size_text(size: int) -> str:
    """"1.4 MB" for a byte count."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
