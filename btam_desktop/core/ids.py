"""Record identifiers: UUIDv7 (time-ordered, so indexes stay compact and merges sort well)."""

from __future__ import annotations

import secrets
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


# Letters and digits that cannot be misread or misheard: no 0/O, 1/I/L, U. Device codes (part of
# every case number) and invitation passphrases, which are read out on the phone, use them.
READ_ALOUD = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def read_aloud(length: int) -> str:
    """Random characters of :data:`READ_ALOUD`."""
    return "".join(secrets.choice(READ_ALOUD) for _ in range(length))


def new_device_code(avoid: set[str] | frozenset[str] = frozenset()) -> str:
    """A random three-character device code not in ``avoid``."""
    while True:
        code = read_aloud(3)
        if code not in avoid:
            return code
