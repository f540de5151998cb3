"""Record identifiers: UUIDv7 values (time-ordered, so indexes stay compact and merges sort
well), written as 22 base-62 digits.

A new id is a UUIDv7 (RFC 9562: 48-bit Unix milliseconds, a 12-bit counter that keeps ids from
one process increasing within a millisecond, 62 random bits) written as 22 digits of
``0-9A-Za-z`` (ASCII order), fixed width, most significant first: the same 128 bits in 22
characters instead of 36. Every id sits in many rows and indexes (record, change log, audit),
and the shorter text takes about 2.6 KB off each demo case (issue 12). Fixed width and ASCII
order keep the property the UUID text had: new ids sort as they were made (b-tree inserts land
at the end). They are letters and digits only, so older laptops' id check
(``^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$``) accepts them, no id starts with '-' (never taken for
a command-line option) and none holds ':' (a separator in conflict ids).

Vaults made before keep their 36-character UUID ids for ever: readers accept both forms
(:func:`is_record_id`), nothing parses an id, and old and new ids do NOT sort together by time
(a digit or capital letter sorts before a lower-case hex digit). Identifiers that other
laptops check as UUIDs (bundle, referral and card ids) stay canonical UUIDs: :func:`new_uuid`.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last = [0, 0]  # milliseconds and 12-bit counter of the previous id
_random = bytearray()  # os.urandom read 4 KiB at a time: one system call per 512 ids

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ASCII order
ID_LENGTH = 22  # 62**22 > 2**128 > 62**21
_SHORT_ID = re.compile(r"[0-9A-Za-z]{22}")
_PAIRS = [a + b for a in DIGITS for b in DIGITS]  # 3,844 two-digit strings
_M3, _M5, _M13 = 62 ** 3, 62 ** 5, 62 ** 13
_RANDOM_BITS = (1 << 62) - 1


def new_id() -> str:
    """A new id: a UUIDv7 as 22 base-62 digits (see the module's docstring)."""
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """``count`` new ids at once, as :func:`new_id` makes them one by one (same layout, same
    increasing order, one lock and one clock reading for them all): a bulk insert takes two
    ids per row (about 40 per demo case), and the per-call overhead was most of their cost."""
    out: list[str] = []
    pairs, digits, m5, m13, random_bits = _PAIRS, DIGITS, _M5, _M13, _RANDOM_BITS
    for ms, first, rands in _make(count):
        # Digits are not aligned to bits, but within one millisecond only the low 76 bits
        # (counter, variant, random) change, and 62**13 > 2**76: the value is
        # q * 62**13 + (rem + low), so its top 9 digits are those of q or, after a carry, of
        # q + 1 (written once per millisecond), and only 13 digits are worked out per id, from
        # two divisions into numbers below 2**30 and a table of digit pairs.
        q, rem = divmod(ms << 80 | 7 << 76, m13)  # version 7 in bits 76-79
        tops = (_text(q, 9), _text(q + 1, 9))
        base = rem + (first << 64) + (2 << 62)  # the counter and the variant "10"
        for r in rands:
            low = base + (r & random_bits)
            base += 1 << 64  # the next counter
            if low >= m13:
                top = tops[1]
                low -= m13
            else:
                top = tops[0]
            high, g1 = divmod(low, m5)
            g3, g2 = divmod(high, m5)  # g3 < 62**3
            out.append(f"{top}{pairs[g3 // 62]}{digits[g3 % 62]}"
                       f"{pairs[g2 // 238328]}{pairs[g2 // 62 % 3844]}{digits[g2 % 62]}"
                       f"{pairs[g1 // 238328]}{pairs[g1 // 62 % 3844]}{digits[g1 % 62]}")
    return out


def new_uuid() -> str:
    """A new UUIDv7 as its canonical 36-character text, for the identifiers other laptops check
    as UUIDs (bundle, referral and card ids): same generator, same order as :func:`new_id`."""
    ((ms, counter, rands),) = _make(1)
    return str(uuid.UUID(int=ms << 80 | 7 << 76 | counter << 64 | 2 << 62
                         | rands[0] & _RANDOM_BITS))


def _make(count: int) -> list[tuple[int, int, list[int]]]:
    """The milliseconds, first counters and random 64-bit numbers (62 bits are used) of
    ``count`` new ids, in runs of one millisecond: 4,096 ids a millisecond, then the next is
    borrowed, so ids from one process always increase."""
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
    # All random numbers in one call (byte order does not matter for random bits).
    numbers = memoryview(tails).cast("Q").tolist()
    out: list[tuple[int, int, list[int]]] = []
    at = 0
    for ms, first, take in runs:
        out.append((ms, first, numbers[at:at + take]))
        at += take
    return out


def _text(value: int, width: int) -> str:
    """``value`` as ``width`` base-62 digits."""
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        chars.append(DIGITS[digit])
    return "".join(reversed(chars))


def id_value(text: str) -> int:
    """The value of an id of either form (a UUID's text or 22 base-62 digits; a 128-bit
    number for every id made here). Raises ``ValueError`` for anything else. Ids are opaque
    to the app: this is used only by :func:`is_record_id` and by tests."""
    if _SHORT_ID.fullmatch(text):
        value = 0
        for char in text:
            value = value * 62 + DIGITS.index(char)
        return value
    if is_uuid(text):
        return uuid.UUID(text).int
    raise ValueError(f"not an id: {text!r}")


def is_uuid(text: str) -> bool:
    """True when ``text`` is a canonical UUID string (either case)."""
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def is_record_id(text: str) -> bool:
    """True when ``text`` has the form of a record id: a canonical UUID (vaults made before
    short ids, in either case) or 22 base-62 digits holding a UUIDv7. Used to tell ids from
    case numbers (which hold '-' but are never UUID-shaped) and from other names."""
    if _SHORT_ID.fullmatch(text):
        value = id_value(text)  # a UUIDv7's bits: a 22-letter word is not taken for an id
        return value >> 128 == 0 and value >> 76 & 0xF == 7 and value >> 62 & 0b11 == 0b10
    return is_uuid(text)


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
