"""Record identifiers: UUIDv7 (time-ordered, so indexes stay compact and merges sort well)."""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last = [0, 0]  # milliseconds and 12-bit counter of the previous id
_random = bytearray()  # os.urandom read 4 KiB at a time: one system call per 512 ids


def new_id() -> str:
    """A new UUIDv7 as its canonical 36-character string (RFC 9562: 48-bit Unix milliseconds,
    a 12-bit counter that keeps ids from one process increasing within a millisecond, 62
    random bits).

    Formatted here rather than through a UUID object, with random bytes read in blocks: bulk
    writes take two ids per row, and the library's uuid7() cost a sixth of a demo case."""
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """``count`` new ids at once, as :func:`new_id` makes them one by one (same layout, same
    increasing order, one lock and one clock reading for them all): a bulk insert takes two
    ids per row, and the per-call overhead was most of their cost."""
    if count <= 0:
        return []
    with _lock:
        need = 8 * count
        if len(_random) < need:
            _random.extend(os.urandom(max(4096, need)))
        tails = _random[-need:]
        del _random[-need:]
        millis = time.time_ns() // 1_000_000
        if millis > _last[0]:
            ms, counter = millis, int.from_bytes(tails[:2]) >> 7  # random start below 0x200
        else:
            ms, counter = _last[0], _last[1] + 1
        stamps: list[tuple[int, int]] = []
        while len(stamps) < count:  # counters of one millisecond at a time
            if counter > 0xFFF:
                ms, counter = ms + 1, 0
            take = min(count - len(stamps), 0x1000 - counter)
            stamps += [(ms, c) for c in range(counter, counter + take)]
            counter += take
        _last[0], _last[1] = stamps[-1]
    from_bytes = int.from_bytes
    # The five groups straight from the numbers: the 62 random bits under the variant "10".
    return [_FORMAT % (ms >> 16 & 0xFFFFFFFF, ms & 0xFFFF, 0x7000 | counter,
                       (tail := from_bytes(tails[8 * i:8 * i + 8])) >> 48 & 0x3FFF | 0x8000,
                       tail & 0xFFFFFFFFFFFF)
            for i, (ms, counter) in enumerate(stamps)]


_FORMAT = "%08x-%04x-%04x-%04x-%012x"


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
