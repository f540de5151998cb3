"""Record identifiers: UUIDv7 (time-ordered, so indexes stay compact and merges sort well)."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> str:
    """A new UUIDv7 as its canonical 36-character string."""
    return str(uuid6.uuid7())


def is_uuid(text: str) -> bool:
    """True when ``text`` is a canonical UUID string (used to tell ids from case numbers)."""
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False
