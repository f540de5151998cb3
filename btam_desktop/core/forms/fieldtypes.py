"""Field types and the shape check for a single answer value of each type.

Used both for answer validation and to check ``default:`` values in definitions, so the two
can never disagree about what a valid value is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection

__all__ = [
    "APPEARANCES",
    "CHOICE_TYPES",
    "FIELD_TYPES",
    "INPUT_TYPES",
    "MEDIA_FORMATS",
    "METADATA_KINDS",
    "PERSON_ROLES",
    "SENSITIVITY_TAGS",
    "TEXT_FORMATS",
    "check_value",
    "describe",
    "is_empty",
    "not_calculated",
]

FIELD_TYPES: tuple[str, ...] = (
    "text",
    "long_text",
    "integer",
    "decimal",
    "date",
    "time",
    "datetime",
    "choice",
    "multi_choice",
    "yes_no_unknown",
    "rating",
    "person",
    "repeat",
    "note",
    "signature",
)
CHOICE_TYPES = frozenset({"choice", "multi_choice"})
# Types whose value is a single scalar or list an officer types or picks (not a container).
INPUT_TYPES = frozenset(FIELD_TYPES) - {"repeat", "note", "signature"}
PERSON_ROLES: tuple[str, ...] = (
    "poc",
    "reporting_party",
    "target",
    "witness",
    "family",
    "partner_contact",
)
SENSITIVITY_TAGS: tuple[str, ...] = (
    "criminal_history",
    "mental_health",
    "medical",
    "juvenile",
    "third_party_identity",
    "victim_identity",
    "intelligence",
)
YES_NO_UNKNOWN: tuple[str, ...] = ("yes", "no", "unknown")
# Optional refinements of a field (see docs/form-format.md).
# Media formats: the answer is the id of an attachment of the case (the file is stored
# encrypted in the vault like every attachment; the answer only names it).
MEDIA_FORMATS: tuple[str, ...] = ("image", "audio", "video", "file")
TEXT_FORMATS: tuple[str, ...] = ("geopoint", *MEDIA_FORMATS)
METADATA_KINDS: tuple[str, ...] = ("start", "end", "today", "deviceid", "username")
APPEARANCES: tuple[str, ...] = ("minimal", "likert", "horizontal", "month-year", "year", "rank")
SIGNATURE_KEYS = frozenset({"name", "badge", "date"})

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TIME_RE = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]\Z")
_DATETIME_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T(?:[01][0-9]|2[0-3]):[0-5][0-9]\Z")


def is_empty(value: object) -> bool:
    """True for an unanswered value: missing/None, '' or an empty list."""
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


# What a spreadsheet or another engine writes where a calculation failed: never shown to
# an officer as if it were a value (the view, the PDF and `btam submissions show` say "not
# calculated" instead).
_ERROR_MARKERS = frozenset({"ERROR", "#ERROR", "NAN", "INFINITY", "-INFINITY", "INF", "-INF",
                            "#DIV/0!", "#VALUE!", "#N/A"})


def not_calculated(value: object) -> bool:
    """True when a computed field's value is nothing to show: empty, not a finite number,
    or an error marker such as "ERROR" or "NaN"."""
    if is_empty(value):
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return True
    return isinstance(value, str) and value.strip().upper() in _ERROR_MARKERS


def describe(value: object) -> str:
    """Short description of a value for messages (never dumps large structures)."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _names(names: Collection[str]) -> str:
    shown = sorted(names)
    if len(shown) > 12:
        return ", ".join(shown[:12]) + ", ..."
    return ", ".join(shown)


def check_value(
    field_type: str,
    value: object,
    *,
    choice_names: Collection[str] = (),
    scale: tuple[int, int] | None = None,
) -> str | None:
    """Return a message if ``value`` (non-empty) is not a valid answer of ``field_type``.

    ``choice_names`` are the allowed names for choice types, ``scale`` is (min, max) for
    ratings. Repeats are checked by the caller (their items hold other fields' values).
    """
    if field_type in ("text", "long_text"):
        return None if isinstance(value, str) else f"expected text, got {describe(value)}"
    if field_type == "integer":
        return None if _is_int(value) else f"expected a whole number, got {describe(value)}"
    if field_type == "decimal":
        # Python ints are always finite (and may be too big for float()), floats may not be.
        if _is_int(value) or (isinstance(value, float) and math.isfinite(value)):
            return None
        return f"expected a number, got {describe(value)}"
    if field_type == "date":
        if isinstance(value, str) and _DATE_RE.match(value) and _valid_date(value):
            return None
        return f"expected a date YYYY-MM-DD, got {describe(value)}"
    if field_type == "time":
        if isinstance(value, str) and _TIME_RE.match(value):
            return None
        return f"expected a time HH:MM (24-hour), got {describe(value)}"
    if field_type == "datetime":
        match = _DATETIME_RE.match(value) if isinstance(value, str) else None
        if match and _valid_date(match.group(1)):
            return None
        return f"expected a date and time YYYY-MM-DDTHH:MM, got {describe(value)}"
    if field_type == "choice":
        if isinstance(value, str) and value in choice_names:
            return None
        return f"{describe(value)} is not one of the choices ({_names(choice_names)})"
    if field_type == "multi_choice":
        return _check_multi(value, choice_names)
    if field_type == "yes_no_unknown":
        if isinstance(value, str) and value in YES_NO_UNKNOWN:
            return None
        return f"expected 'yes', 'no' or 'unknown', got {describe(value)}"
    if field_type == "rating":
        low, high = scale if scale is not None else (0, -1)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return None
        return f"expected a whole number from {low} to {high}, got {describe(value)}"
    if field_type == "person":
        if isinstance(value, str) and value.strip():
            return None
        return f"expected a person id, got {describe(value)}"
    if field_type == "signature":
        return _check_signature(value)
    if field_type == "note":
        return "a note takes no answer"
    if field_type == "repeat":
        return (
            None if isinstance(value, list) else f"expected a list of items, got {describe(value)}"
        )
    return f"unknown field type {field_type!r}"


def check_geopoint(value: str) -> str | None:
    """Message if ``value`` is not "latitude longitude [altitude [accuracy]]"."""
    parts = value.split()
    message = (
        "expected coordinates as 'latitude longitude' in decimal degrees "
        f"(e.g. '41.8781 -87.6298'), got {describe(value)}"
    )
    if not 2 <= len(parts) <= 4:
        return message
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return message
    if not all(math.isfinite(n) for n in numbers):
        return message
    if not -90 <= numbers[0] <= 90:
        return f"latitude must be between -90 and 90, got {parts[0]}"
    if not -180 <= numbers[1] <= 180:
        return f"longitude must be between -180 and 180, got {parts[1]}"
    if len(numbers) == 4 and numbers[3] < 0:
        return f"accuracy cannot be negative, got {parts[3]}"
    return None


def _check_multi(value: object, choice_names: Collection[str]) -> str | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return f"expected a list of choice names, got {describe(value)}"
    unknown = [v for v in value if v not in choice_names]
    if unknown:
        return (
            f"{', '.join(repr(v) for v in unknown)} not among the choices ({_names(choice_names)})"
        )
    if len(set(value)) != len(value):
        return "a choice is selected more than once"
    return None


def _check_signature(value: object) -> str | None:
    if not isinstance(value, dict):
        return f"expected a signature object {{name, badge, date}}, got {describe(value)}"
    keys = set(value)
    if keys != SIGNATURE_KEYS:
        missing = sorted(SIGNATURE_KEYS - keys)
        extra = sorted(str(k) for k in keys - SIGNATURE_KEYS)
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected {', '.join(extra)}")
        return f"signature must have exactly name, badge and date ({'; '.join(parts)})"
    for key in ("name", "badge"):
        item = value[key]
        if not isinstance(item, str) or not item.strip():
            return f"signature {key} must be non-empty text"
    date = value["date"]
    if not (isinstance(date, str) and _DATE_RE.match(date) and _valid_date(date)):
        return f"signature date must be YYYY-MM-DD, got {describe(date)}"
    return None
