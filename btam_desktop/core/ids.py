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
        runs: list[tuple[int, int, int]] = []  # (millisecond, first counter, how many)
        made = 0
        while made < count:  # counters of one millisecond at a time
            if counter > 0xFFF:
                ms, counter = ms + 1, 0
            take = min(count - made, 0x1000 - counter)
            runs.append((ms, counter, take))
            made += take
            counter += take
        _last[0], _last[1] = ms, counter - 1
    # The groups as text: the millisecond's two once per run, the version and counter from a
    # table, the 62 random bits as hex of the 8 random bytes (the first digit takes the
    # variant "10" in its top two bits): 4x quicker than formatting five numbers per id.
    hexed = tails.hex()
    out: list[str] = []
    at = 0
    for ms, first, take in runs:
        head = f"{ms >> 16 & 0xFFFFFFFF:08x}-{ms & 0xFFFF:04x}-"
        out += [f"{head}{_COUNTER[c]}{_VARIANT[hexed[j]]}{hexed[j + 1:j + 4]}-"
                f"{hexed[j + 4:j + 16]}"
                for c, j in zip(range(first, first + take), range(at, at + 16 * take, 16),
                                strict=True)]
        at += 16 * take
    return out


_COUNTER = [f"{0x7000 | c:04x}-" for c in range(0x1000)]  # version 7 and the 12-bit counter
_VARIANT = {f"{n:x}": f"{8 | n & 3:x}" for n in range(16)}  # a hex digit under variant "10"


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
