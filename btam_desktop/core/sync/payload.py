"""The records a sync bundle carries: gathered for a recipient from the change log, the audit
trail and the tombstones, and checked field by field on arrival before anything is applied.

The payload is plain JSON (compressed and encrypted by :mod:`btam_desktop.core.sync.bundle`):

``changes``     change-log rows ``[change_id, table, record_id, field, value, base_hlc, hlc,
                device_id, member_id, reason, resolves, sig]`` in causal order (``sig``: the
                signature of a lead's change by the laptop that made it, or null: leadsig.py);
``audit``       audit entries ``[entry_id, device_id, device_seq, at, hlc, member_id,
                member_name, action, record_type, record_id, detail, prev_hash, hash,
                signer_key, signature]`` (the last two: the acting member's Ed25519 signature
                of ``hash``, null on entries from before audit signing; 13-item rows from
                older senders are accepted as unsigned);
``signers``     the audit signing keys the sender knows ``[public_key, device_id, slot_id]``:
                an entry must be signed by a key of the member (slot) it names; a key once
                known for one slot is never accepted for another;
``tombstones``  ``[record_id, table, purged_at, purged_by, hlc, device_id, change_id, sig]``,
                all of them (the last two: the purge change that left it and its signature,
                both null for a record erased with its purged parent);
``blobs``       attachment contents by SHA-256 (base64), each sent once;
``seen``        the sender's version vector ``{device_id: [highest hlc, highest audit #]}``:
                the recipient stores it as the sender's acknowledgement of what it holds;
``roster``      the sender's signed team roster (every version);
``withdraw``    cases the recipient may no longer hold (need to know: see ``scope.py``);
``holds``       the cases a laptop limited to its assigned cases holds (else null).

"Since last sync" means: for every device, what is above the recipient's acknowledged stamp.
Over-sending is harmless (import is idempotent), so a lost bundle costs nothing but size.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import hashlib
import heapq
import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from btam_desktop.core import audit, changelog
from btam_desktop.core.db import Database
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ops import (
    PURGED,
    TABLES,
    Operation,
    RemoteChange,
    collector_paused,
    fill_values,
)
from btam_desktop.core.sync import leadsig
from btam_desktop.core.sync import scope as scope_mod
from btam_desktop.core.sync.merge import Merger, MergeReport, is_valid_field
from btam_desktop.core.sync.scope import Scope

PAYLOAD_VERSION = 1
MAX_TEXT = 16 * 1024 * 1024  # one value (a form definition, a long note) at most
MAX_ID = 100
CLOCK_SKEW_MS = 24 * 60 * 60 * 1000
Vector = dict[str, tuple[str, int]]


class PayloadError(InvalidInput):
    """The bundle's records are malformed or cannot be accepted (the import is refused)."""


@dataclass
class Payload:
    """A checked payload."""

    changes: list[RemoteChange] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    signers: list[tuple[str, str, str]] = field(default_factory=list)
    tombstones: list[dict[str, Any]] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    seen: Vector = field(default_factory=dict)
    roster: dict[str, Any] | None = None
    withdraw: list[str] = field(default_factory=list)
    holds: list[str] | None = None



def counts_of(doc: dict[str, Any]) -> dict[str, int]:
    """Sizes for a bundle's plain header: counts only, never content."""
    cases = {row[2] for row in doc["changes"] if row[1] == "cases"}
    return {"changes": len(doc["changes"]), "audit": len(doc["audit"]),
            "tombstones": len(doc["tombstones"]), "attachments": len(doc["blobs"]),
            "cases": len(cases)}


# -- gathering ------------------------------------------------------------------------------
def local_vector(db: Database, device_id: str) -> Vector:
    """What this laptop holds: per device, the highest change stamp and audit entry."""
    vector: Vector = {
        str(r["device_id"]): (str(r["hlc"]), int(r["audit_seq"]))
        for r in db.query("SELECT device_id, hlc, audit_seq FROM sync_seen")
    }
    own_hlc = changelog.device_newest(db, device_id)
    own_seq = db.scalar("SELECT max(device_seq) FROM audit WHERE device_id = ?", (device_id,))
    vector[device_id] = (str(own_hlc or ""), int(own_seq or 0))
    return vector


def note_seen(db: Database, device_id: str, hlc: str = "", audit_seq: int = 0) -> None:
    """Raise this laptop's vector entry for ``device_id`` (never lowers it)."""
    db.execute(
        "INSERT INTO sync_seen (device_id, hlc, audit_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (device_id) DO UPDATE SET hlc = max(hlc, excluded.hlc),"
        " audit_seq = max(audit_seq, excluded.audit_seq)", (device_id, hlc, audit_seq))


def collect(db: Database, *, device_id: str, ack: Vector,
            roster: dict[str, Any] | None, scope: Scope | None = None,
            holds: list[str] | None = None) -> dict[str, Any]:
    """The payload for a recipient that acknowledged ``ack`` (empty: everything); limited to
    ``scope`` for a need-to-know recipient; ``holds``: the cases this laptop holds, reported
    when this laptop is itself limited. One payload, however large (see :func:`parts`)."""
    return next(parts(db, device_id=device_id, ack=ack, roster=roster, scope=scope,
                      holds=holds, whole=True))


# A bundle's payload is refused above limits.MAX_PLAIN_BYTES (1 GiB): a full export of a team
# of more than about 55,000 cases is larger. ``parts`` cuts what is to be sent into payloads of
# about this many bytes of plain JSON (estimated while gathering, so well below the limit),
# each a bundle of its own. Memory is bounded by a part: its change rows are filled with their
# values as the part is gathered, and the part is sealed before the next one is gathered.
PART_BYTES = 256 * 1024 * 1024
# Change rows filled with their values at a time: at most ops.logged_values' 2,000, above
# which it reads the whole table (right for one whole bundle, once; not once per batch).
_BATCH = 2_000
_SCOPED_BATCH = 100_000  # scope.keep maps every case's records once per call


def _row_bytes(row: list[Any]) -> int:
    """About the size of a change or audit row in the payload's JSON: its long texts (a
    record's value, a reason, an audit entry's detail), a quarter more for the quotes escaped
    in them, plus the ids and stamps. An estimate (it must cost little: millions of rows);
    the parts are cut well below the limit, which is checked exactly when each is sealed."""
    return 200 + sum(len(v) for v in row if type(v) is str) * 5 // 4


def parts(db: Database, *, device_id: str, ack: Vector, roster: dict[str, Any] | None,
          scope: Scope | None = None, holds: list[str] | None = None,
          whole: bool = False) -> Iterator[dict[str, Any]]:
    """The payload for a recipient (see :func:`collect`) as one or more payloads, each of
    about :data:`PART_BYTES` at most (``whole``: one payload), yielded one at a time.

    The changes, in (hlc, device, change id) order, are cut at stamps H(1) < H(2) < ...: part
    k carries every change stamped in (H(k-1), H(k)] (a stamp is never split between two
    parts). Each part is a complete payload, importable on its own and in any order:

    - its ``seen`` (what the sender holds) claims no stamp above H(k) and no audit entry
      before the last part, so no laptop takes a part for more than it carries;
    - ``part`` states, per device, the stamps it covers ``from`` (excluded) ``to``
      (included): the receiver raises what it says it holds only over covered stamps that
      join up with what it already holds (exchange.import_bytes), so a later part imported
      first never makes it acknowledge an earlier part it has not received;
    - the audit entries (and the signing keys that check them) travel in the last part only:
      an audit chain is applied only in order of its entries (a gap stops it), and the
      last part imported first must bring them all, not a later piece of the chain;
    - tombstones, the roster, ``withdraw`` and ``holds`` are small and travel in every part;
    - an attachment's content travels in the part that holds its insert.

    A single payload (everything fits in one part) has no ``part`` and is exactly what
    earlier versions wrote.
    """
    vector = local_vector(db, device_id)
    # Every device's changes in stamp order, merged as they are read (never the log in memory).
    since = {device: ack.get(device, ("", 0))[0] for device in vector}
    stream = heapq.merge(*(changelog.device_after_stream(db, device, since[device])
                           for device in sorted(vector)),
                         key=changelog.BUNDLE_ORDER)
    # Every tombstone, every time: they are small, and a record erased with its purged parent
    # on one laptop (one the purger never saw) must reach laptops that acknowledged the
    # purge itself long ago.
    tombstones = [list(r) for r in db.query(
        "SELECT record_id, tbl, purged_at, purged_by, hlc, device_id, change_id, sig"
        " FROM tombstones ORDER BY hlc, record_id")]
    common = {"v": PAYLOAD_VERSION, "tombstones": tombstones, "roster": roster,
              "withdraw": sorted(scope.withdraw) if scope is not None else [],
              "holds": holds}
    part_bytes = None if whole else PART_BYTES
    if scope is not None:
        # A laptop limited to its assigned cases: its changes gathered in batches filtered as
        # they come (never the whole log in memory), no audit entries (other laptops' entries
        # name cases it must not know of), in parts when its cases' attachments need them.
        yield from _scoped(db, common, stream, scope, vector, part_bytes)
        return
    # Each device's stamps after which the first part carries its changes: what was acked.
    cutter = _Cutter(db, common, vector, dict(since), part_bytes)
    while batch := list(itertools.islice(stream, _BATCH)):
        fill_values(db, batch)  # compact insert changes travel as copies of the record
        for row in batch:
            if (done := cutter.add(row)) is not None:
                yield done
        del batch
    chunks = _audit_chunks(db, vector, ack, part_bytes)
    chunk, chunk_size = next(chunks)
    following = next(chunks, None)
    signers = [list(r) for r in db.query(
        "SELECT public_key, device_id, slot_id FROM audit_signers ORDER BY public_key")]
    if following is None and (part_bytes is None or cutter.size + chunk_size <= part_bytes
                              or not cutter.current):
        # The usual end: the last changes and every audit entry in one part.
        yield _last(cutter.last(), chunk, signers, vector)
        return
    # The audit entries do not fit in what is left of the part: the changes go alone, the
    # entries follow in parts of their own, each device's in order (imported out of order, an
    # entry after a gap waits for the sender's next bundle: the chain is applied in order).
    number, lower = cutter.number, cutter.lower
    if cutter.current:
        number += 1
        yield _part_doc(common, cutter.current, cutter.blobs, vector, lower, None, number)
        lower = {device: hlc for device, (hlc, _) in vector.items()}
    del cutter
    while True:
        number += 1
        doc = _part_doc(common, [], {}, vector, lower, None, number)
        doc["audit"], doc["signers"] = chunk, signers
        if following is None:
            yield _last(doc, chunk, signers, vector)
            return
        yield doc
        (chunk, _), following = following, next(chunks, None)


def _last(doc: dict[str, Any], audit_rows: list[list[Any]], signers: list[list[Any]],
          vector: Vector) -> dict[str, Any]:
    """The last (or only) part: the last audit entries and the whole vector."""
    doc["audit"] = audit_rows
    doc["signers"] = signers if audit_rows else []
    doc["seen"] = _seen(vector)
    return doc


def _seen(vector: Vector) -> dict[str, list[Any]]:
    """What the sender holds, as a payload's ``seen`` (the whole vector)."""
    return {device: [hlc, seq] for device, (hlc, seq) in sorted(vector.items())}


def _audit_chunks(db: Database, vector: Vector, ack: Vector, part_bytes: int | None
                  ) -> Iterator[tuple[list[list[Any]], int]]:
    """The audit entries the recipient has not acknowledged, device by device in order, in
    chunks of about ``part_bytes`` (None: one), with their estimated size; at least one
    chunk, maybe empty."""
    chunk: list[list[Any]] = []
    size = 0
    for device in sorted(vector):
        for row in db.execute(
                "SELECT entry_id, device_id, device_seq, at, hlc, member_id, member_name,"
                " action, record_type, record_id, detail, prev_hash, hash, signer_key,"
                " signature FROM audit WHERE device_id = ? AND device_seq > ?"
                " ORDER BY device_seq", (device, ack.get(device, ("", 0))[1])):
            if part_bytes is not None and chunk and size >= part_bytes:
                yield chunk, size
                chunk, size = [], 0
            chunk.append(list(row))
            size += _row_bytes(chunk[-1])
    yield chunk, size


def _scoped(db: Database, common: dict[str, Any], stream: Iterator[list[Any]], scope: Scope,
            vector: Vector, part_bytes: int | None) -> Iterator[dict[str, Any]]:
    """The payloads of a limited recipient (see :func:`parts`): one, or parts cut at stamps
    as the full export's are (a few cases, but each attachment may be up to 200 MiB).

    The first part covers its devices' stamps from the start (``from`` ""), not from what the
    recipient acknowledged: the whole history of a case newly in its scope travels too, with
    stamps below that. Like the single payload's ``seen``, a limited laptop's coverage means
    "everything in my scope up to here"."""
    kept: list[list[Any]] = []
    extra: set[str] = set()  # the history of the cases newly in scope, added by the first keep
    first = True
    while (batch := list(itertools.islice(stream, _SCOPED_BATCH))) or first:
        fill_values(db, batch)
        if first:
            ids = {row[0] for row in batch}
            kept = scope_mod.keep(db, scope, batch)
            extra = {row[0] for row in kept if row[0] not in ids}
            scope = dataclasses.replace(scope, new_cases=frozenset())
            first = False
        else:
            kept += [row for row in scope_mod.keep(db, scope, batch) if row[0] not in extra]
    kept.sort(key=changelog.BUNDLE_ORDER)
    cutter = _Cutter(db, common, vector, dict.fromkeys(vector, ""), part_bytes)
    for row in kept:
        if (done := cutter.add(row)) is not None:
            yield done
    del kept
    yield cutter.last()


class _Cutter:
    """Changes in stamp order cut into payloads of about ``part_bytes`` (None: never cut) at
    stamps H(1) < H(2) < ..., never between two changes of one stamp; an attachment's content
    goes with its insert. ``lower``: per device, the stamp after which the first part's
    changes start (its ``from``)."""

    def __init__(self, db: Database, common: dict[str, Any], vector: Vector,
                 lower: dict[str, str], part_bytes: int | None) -> None:
        self.db, self.common, self.vector, self.part_bytes = db, common, vector, part_bytes
        self.lower = lower
        self.fixed = len(json.dumps(common))
        self.number = 0  # parts yielded so far
        self.current: list[list[Any]] = []
        self.blobs: dict[str, str] = {}
        self.size = self.fixed

    def add(self, row: list[Any]) -> dict[str, Any] | None:
        """Take ``row``; the part it closed, when the part was full before it."""
        done = None
        if (self.part_bytes is not None and self.current and self.size >= self.part_bytes
                and row[6] != self.current[-1][6]):
            self.number += 1
            upper = self.current[-1][6]
            done = _part_doc(self.common, self.current, self.blobs, self.vector, self.lower,
                             upper, self.number)
            self.lower = {device: max(hlc, upper) for device, hlc in self.lower.items()}
            self.current, self.blobs, self.size = [], {}, self.fixed
        self.current.append(row)
        self.size += _row_bytes(row)
        if row[1] == "attachments" and row[3] == "*":
            self.size += _add_blob(self.db, row, self.blobs)
        return done

    def last(self) -> dict[str, Any]:
        """The rest as the last part (or the one payload), claiming the whole vector."""
        doc = _part_doc(self.common, self.current, self.blobs, self.vector, self.lower, None,
                        self.number + 1 if self.number else 0)
        doc["seen"] = _seen(self.vector)
        return doc


def _add_blob(db: Database, change: list[Any], blobs: dict[str, str]) -> int:
    """Put an attachment's content (base64) with its insert change; its size in the JSON."""
    sha = json.loads(change[4]).get("sha256")
    if not sha or sha in blobs:
        return 0
    content = db.scalar("SELECT content FROM attachments WHERE id = ?", (change[2],))
    if content is None:
        return 0
    blobs[sha] = base64.b64encode(bytes(content)).decode("ascii")
    return len(blobs[sha]) + len(sha) + 8


def _part_doc(common: dict[str, Any], changes: list[list[Any]], blobs: dict[str, str],
              vector: Vector, lower: dict[str, str], upper: str | None,
              number: int) -> dict[str, Any]:
    """One payload of :func:`parts`: the changes up to ``upper`` (None: all, the last part);
    ``number`` 0: the one and only payload (no ``part``)."""
    doc = {**common, "changes": changes, "audit": [], "signers": [], "blobs": blobs,
           "seen": {device: [min(hlc, upper) if upper is not None else hlc, 0]
                    for device, (hlc, _) in sorted(vector.items())}}
    if number:
        top = {device: min(hlc, upper) if upper is not None else hlc
               for device, (hlc, _) in vector.items()}
        doc["part"] = {"number": number,
                       "from": {device: lower[device] for device in sorted(vector)},
                       "to": {device: top[device] for device in sorted(vector)}}
    return doc


# -- checking -------------------------------------------------------------------------------
def _text(value: Any, what: str, *, optional: bool = False, limit: int = MAX_TEXT) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"malformed record: {what} is not text")
    if len(value) > limit:
        raise PayloadError(f"malformed record: {what} is longer than allowed")
    return value


# What Stamp.encode writes, and nothing else (int() would also take "+", "_", blanks or other
# scripts' digits, which sort differently as text).
_STAMP_TEXT = re.compile(r"[0-9]{15}\.[0-9]{5}")


def _stamp(value: Any, what: str, now_ms: int, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if _STAMP_TEXT.fullmatch(_text(value, what, limit=40)) is None:
        raise PayloadError(f"malformed record: {what} is not a clock stamp")
    if int(value[:15]) > now_ms + CLOCK_SKEW_MS:
        raise PayloadError(
            "a change is stamped more than 24 hours ahead of this laptop's clock; check the"
            " date and time on the sending laptop (nothing was imported)")
    return value


def _sig(value: Any) -> str | None:
    """A lead's change's signature: null, or base64 of 64 bytes (anything else was made by
    no honest laptop: the bundle is refused)."""
    if value is None:
        return None
    try:
        leadsig.decode(value)
    except leadsig.MalformedSignature:
        raise PayloadError("malformed record: a change's signature is not a signature"
                           " (base64 of 64 bytes)") from None
    return str(value)


_FIELDS = {name: frozenset(spec.fields) for name, spec in TABLES.items()}
_NESTED = frozenset({dict, list})


def _change(row: Any, now_ms: int, valid: set[tuple[str, str]]) -> RemoteChange:
    """One change, checked as :func:`_checked_change` checks it, most of it on a fast path:
    an honest bundle's change is all text within limits (a quarter of a million of them in a
    full bundle of 10,000 cases). ``valid``: the (table, field) pairs found valid so far."""
    if not isinstance(row, list) or len(row) != 12:
        raise PayloadError("malformed record: a change has the wrong shape")
    (change_id, table, record_id, field_name, value, base_hlc, hlc, device_id, member_id,
     reason, resolves, sig) = row
    if not (isinstance(table, str) and isinstance(field_name, str)
            and (table, field_name) in valid
            and isinstance(change_id, str) and len(change_id) <= MAX_ID
            and isinstance(record_id, str) and len(record_id) <= MAX_ID
            and isinstance(device_id, str) and len(device_id) <= MAX_ID
            and (member_id is None or (isinstance(member_id, str) and len(member_id) <= MAX_ID))
            and (value is None or (isinstance(value, str) and len(value) <= MAX_TEXT))
            and (reason is None or (isinstance(reason, str) and len(reason) <= 100_000))
            and resolves is None
            and isinstance(hlc, str) and _STAMP_TEXT.fullmatch(hlc) is not None
            and int(hlc[:15]) <= now_ms + CLOCK_SKEW_MS
            and (base_hlc is None or (isinstance(base_hlc, str)
                 and _STAMP_TEXT.fullmatch(base_hlc) is not None
                 and int(base_hlc[:15]) <= now_ms + CLOCK_SKEW_MS))):
        change = _checked_change(row, now_ms)  # names the first problem, or passes
        valid.add((table, field_name))
        return change
    return _checked_value(RemoteChange(change_id, table, record_id, field_name, value,
                                       base_hlc, hlc, device_id, member_id, reason,
                                       sig=None if sig is None else _sig(sig)))


def _checked_value(change: RemoteChange) -> RemoteChange:
    """The change's value as JSON (strictly), a new record flat and of its table's fields,
    and no purge of a member: PayloadError names the problem."""
    try:
        decoded = change.decoded()
    except (ValueError, RecursionError):
        raise PayloadError("malformed record: a value is not valid JSON") from None
    table = change.table
    if change.field == "*":
        if type(decoded) is not dict or not decoded.keys() <= _FIELDS[table]:
            raise PayloadError(f"malformed record: a new {table} record has unknown fields")
        if not _NESTED.isdisjoint(map(type, decoded.values())):
            raise PayloadError(f"malformed record: a new {table} record is nested")
    elif change.field == PURGED and table == "members":
        raise PayloadError("malformed record: members are never purged")
    return change


def _checked_change(row: Any, now_ms: int) -> RemoteChange:
    """One change checked field by field; PayloadError names the first problem."""
    if not isinstance(row, list) or len(row) != 12:
        raise PayloadError("malformed record: a change has the wrong shape")
    (change_id, table, record_id, field_name, value, base_hlc, hlc, device_id, member_id,
     reason, resolves, sig) = row
    _text(table, "table", limit=MAX_ID)
    _text(field_name, "field", limit=200)
    if table not in TABLES:
        raise PayloadError(f"malformed record: unknown table {str(table)[:40]!r}")
    if not is_valid_field(table, field_name):
        raise PayloadError(f"malformed record: unknown field {str(field_name)[:60]!r}"
                           f" of {table}")
    if resolves is not None and (not isinstance(resolves, list) or not all(
            isinstance(r, str) and len(r) <= MAX_ID for r in resolves)):
        raise PayloadError("malformed record: a resolution names its changes wrongly")
    change = RemoteChange(
        change_id=_text(change_id, "change id", limit=MAX_ID),
        table=table, record_id=_text(record_id, "record id", limit=MAX_ID),
        field=field_name, value=_text(value, "value", optional=True),
        base_hlc=_stamp(base_hlc, "base stamp", now_ms, optional=True),
        hlc=_stamp(hlc, "stamp", now_ms),
        device_id=_text(device_id, "device id", limit=MAX_ID),
        member_id=_text(member_id, "member id", optional=True, limit=MAX_ID),
        reason=_text(reason, "reason", optional=True, limit=100_000),
        resolves=tuple(resolves or ()), sig=_sig(sig))
    return _checked_value(change)


_AUDIT_NAMES = ("entry_id", "device_id", "device_seq", "at", "hlc", "member_id",
                "member_name", "action", "record_type", "record_id", "detail", "prev_hash",
                "hash", "signer_key", "signature")


def _audit_row(row: Any, now_ms: int) -> dict[str, Any]:
    if not isinstance(row, list) or len(row) not in (len(_AUDIT_NAMES) - 2, len(_AUDIT_NAMES)):
        raise PayloadError("malformed record: an audit entry has the wrong shape")
    names = _AUDIT_NAMES[:len(row)]
    entry = dict(zip(names, row, strict=True))
    entry.setdefault("signer_key", None)
    entry.setdefault("signature", None)
    if (entry["signer_key"] is None) != (entry["signature"] is None):
        raise PayloadError("malformed record: an audit entry is half signed")
    for name in names:
        if name == "device_seq":
            if not isinstance(entry[name], int) or isinstance(entry[name], bool) or \
                    entry[name] < 1:
                raise PayloadError("malformed record: an audit entry's number is wrong")
        elif name == "hlc":
            _stamp(entry[name], "audit stamp", now_ms)
        else:
            _text(entry[name], f"audit {name}",
                  optional=name in ("member_id", "record_type", "record_id", "signer_key",
                                    "signature"),
                  limit=100_000 if name == "detail" else 1_000)
    return entry


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _bulk(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` with the cyclic garbage collector paused. Checking and merging a full
    bundle makes a million objects that live until the end of the import (none in a reference
    cycle); each of the collector's full passes walks all of them, again and again as they
    grow: about a sixth of the import's time. Reference counting still frees what goes; the
    collector runs again as soon as the bundle is done with."""
    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with collector_paused():
            return func(*args, **kwargs)
    return paused


@_bulk
def parse(doc: Any, *, now_ms: int | None = None) -> Payload:
    """Check every record of a decrypted payload; PayloadError names the first problem."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if not isinstance(doc, dict) or doc.get("v") != PAYLOAD_VERSION:
        raise PayloadError("malformed bundle: unknown payload layout")
    for name in ("changes", "audit", "tombstones"):
        if not isinstance(doc.get(name), list):
            raise PayloadError(f"malformed bundle: {name} missing")
    if not isinstance(doc.get("blobs"), dict) or not isinstance(doc.get("seen"), dict):
        raise PayloadError("malformed bundle: blobs or version vector missing")
    valid: set[tuple[str, str]] = set()
    payload = Payload(
        changes=[_change(row, now_ms, valid) for row in doc["changes"]],
        audit=[_audit_row(row, now_ms) for row in doc["audit"]])
    signers = doc.get("signers", [])
    if not isinstance(signers, list) or len(signers) > 100_000:
        raise PayloadError("malformed bundle: signers")
    for item in signers:
        if not (isinstance(item, list) and len(item) == 3):
            raise PayloadError("malformed record: an audit signing key has the wrong shape")
        payload.signers.append((_text(item[0], "signing key", limit=MAX_ID),
                                _text(item[1], "device id", limit=MAX_ID),
                                _text(item[2], "slot id", limit=MAX_ID)))
    for row in doc["tombstones"]:
        if not isinstance(row, list) or len(row) != 8:
            raise PayloadError("malformed record: a tombstone has the wrong shape")
        record_id, table, purged_at, purged_by, hlc, device_id, purge_id, sig = row
        if table not in TABLES or table == "members":
            raise PayloadError("malformed record: a tombstone names an unknown table")
        if (purge_id is None) != (sig is None):
            raise PayloadError("malformed record: a tombstone is half signed")
        payload.tombstones.append({
            "record_id": _text(record_id, "tombstone id", limit=MAX_ID), "table": table,
            "purged_at": _text(purged_at, "purge time", limit=64),
            "purged_by": _text(purged_by, "purged by", optional=True, limit=MAX_ID),
            "hlc": _stamp(hlc, "purge stamp", now_ms),
            "device_id": _text(device_id, "device id", limit=MAX_ID),
            "change_id": _text(purge_id, "purge change id", optional=True, limit=MAX_ID),
            "sig": _sig(sig)})
    for sha, data in doc["blobs"].items():
        try:
            content = base64.b64decode(_text(data, "attachment"), validate=True)
        except (binascii.Error, ValueError):
            raise PayloadError("malformed record: an attachment is not base64") from None
        if hashlib.sha256(content).hexdigest() != sha:
            raise PayloadError("an attachment's content does not match its checksum")
        payload.blobs[sha] = content
    for device, entry in doc["seen"].items():
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int)):
            raise PayloadError("malformed bundle: version vector")
        hlc = entry[0]
        if hlc:
            _stamp(hlc, "version vector", now_ms)
        payload.seen[_text(device, "device id", limit=MAX_ID)] = (
            _text(hlc, "version vector"), int(entry[1]))
    roster = doc.get("roster")
    if roster is not None and not isinstance(roster, dict):
        raise PayloadError("malformed bundle: roster")
    payload.roster = roster
    for name in ("withdraw", "holds"):
        value = doc.get(name)
        if value is None and name == "holds":
            continue
        if not isinstance(value, list) or not all(
                isinstance(v, str) and len(v) <= MAX_ID for v in value):
            raise PayloadError(f"malformed bundle: {name}")
    payload.withdraw = list(doc["withdraw"])
    payload.holds = doc.get("holds")
    return payload


# -- applying -------------------------------------------------------------------------------
def _apply_signers(db: Database, signers: list[tuple[str, str, str]],
                   local_device: str) -> None:
    """Learn the other laptops' audit signing keys (vouched for by the bundle's signature of
    a device the roster trusts). Never this laptop's own (its members' unlocks list those),
    and a key already known for one member is never taken for another."""
    now = audit.utc_now()
    for public_key, device_id, slot_id in signers:
        if device_id == local_device:
            continue
        known = db.scalar("SELECT slot_id FROM audit_signers WHERE public_key = ?",
                          (public_key,))
        if known is not None:
            if known != slot_id:
                raise PayloadError("the bundle names one member's audit signing key as"
                                   " another's; nothing was imported")
            continue
        db.execute("INSERT INTO audit_signers (public_key, device_id, slot_id, registered_at)"
                   " VALUES (?, ?, ?, ?)", (public_key, device_id, slot_id, now))


def _signed_right(db: Database, entry: dict[str, Any], signed_before: bool,
                  slots: dict[str, Any]) -> bool:
    """``slots``: the slot of each signing key looked up so far (the keys are all known
    before the entries are checked: _apply_signers)."""
    if entry["signature"] is None:
        return not signed_before  # unsigned only before the chain was signed (legacy)
    key = entry["signer_key"]
    if key not in slots:
        slots[key] = db.scalar("SELECT slot_id FROM audit_signers WHERE public_key = ?", (key,))
    slot = slots[key]
    return slot == audit.slot_of(entry["member_id"]) and audit.signature_valid(
        entry["signer_key"], entry["signature"], audit.entry_message(entry["hash"]))


def _apply_audit(db: Database, entries: list[dict[str, Any]], local_device: str) -> int:
    """Union of audit chains: each device's entries appended in order, each checked to follow
    the one before it and to be signed by the member it names (a forked, rewritten or forged
    chain refuses the bundle)."""
    added = 0
    slots: dict[str, Any] = {}
    by_device: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_device.setdefault(entry["device_id"], []).append(entry)
    for device, rows in by_device.items():
        last = db.query_one(
            "SELECT device_seq, hash, entry_id FROM audit WHERE device_id = ?"
            " ORDER BY device_seq DESC LIMIT 1", (device,))
        top, prev = (int(last["device_seq"]), str(last["hash"])) if last else (0, audit.GENESIS)
        signed_before = bool(db.scalar(
            "SELECT 1 FROM audit WHERE device_id = ? AND signature IS NOT NULL LIMIT 1",
            (device,)))
        # Appended with one executemany per device; the hash of each, for a second entry of
        # the same number further on in the bundle.
        batch: list[tuple[Any, ...]] = []
        taken: dict[int, str] = {}
        for entry in sorted(rows, key=lambda e: e["device_seq"]):
            if entry["device_seq"] <= top:
                stored = taken.get(entry["device_seq"]) or db.scalar(
                    "SELECT hash FROM audit WHERE device_id = ? AND device_seq = ?",
                    (device, entry["device_seq"]))
                if stored is not None and stored != entry["hash"]:
                    raise PayloadError(
                        f"the audit trail of device {device[:8]} differs from the one already"
                        " here (a cloned or restored laptop?); nothing was imported")
                continue
            if device == local_device:
                raise PayloadError("the bundle holds audit entries of this laptop that it"
                                   " never wrote; nothing was imported")
            if entry["device_seq"] != top + 1:
                break  # a gap: the rest comes with a later bundle
            if entry["prev_hash"] != prev or audit.digest_of(entry) != entry["hash"]:
                raise PayloadError(
                    f"the audit trail of device {device[:8]} in the bundle was altered;"
                    " nothing was imported")
            if not _signed_right(db, entry, signed_before, slots):
                raise PayloadError(
                    f"the audit trail of device {device[:8]} in the bundle holds an entry not"
                    " signed by the member it names; nothing was imported")
            signed_before = signed_before or entry["signature"] is not None
            batch.append(tuple(entry[name] for name in _AUDIT_NAMES))
            taken[entry["device_seq"]] = entry["hash"]
            top, prev = entry["device_seq"], entry["hash"]
            added += 1
        db.executemany(
            "INSERT INTO audit (entry_id, device_id, device_seq, at, hlc, member_id,"
            " member_name, action, record_type, record_id, detail, prev_hash, hash,"
            " signer_key, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch)
        if top:
            db.set_meta(audit.head_key(device), f"{top}:{prev}")
            note_seen(db, device, audit_seq=top)
    return added


@_bulk
def apply(op: Operation, payload: Payload, *, local_device: str,
          sender: str | None = None) -> tuple[MergeReport, int]:
    """Apply a checked payload inside the import's operation; returns the merge report and
    the number of audit entries added. ``sender``: the device whose signature the bundle
    carries (its own lead's changes need no signature of their own); None: no device's."""
    db = op.db
    merger = Merger(op, payload.blobs, sender=sender)
    for tomb in payload.tombstones:
        if db.scalar("SELECT 1 FROM tombstones WHERE record_id = ?", (tomb["record_id"],)):
            continue
        # A tombstone is its purge change (the one that left it, with its signature; a
        # record erased with its purged parent has none): made on a lead laptop only.
        purge = RemoteChange(
            change_id=tomb["change_id"] or f"tombstone:{tomb['record_id']}",
            table=tomb["table"], record_id=tomb["record_id"], field=PURGED,
            value=leadsig.purge_value(), base_hlc=None, hlc=tomb["hlc"],
            device_id=tomb["device_id"], member_id=tomb["purged_by"], reason=None,
            sig=tomb["sig"])
        if merger.admits_tombstone(purge):
            merger._purge(purge, log=False)
    report = merger.apply(payload.changes)
    merger.settle_tombstones()
    top: dict[str, str] = {}
    for change in payload.changes:
        if change.hlc > top.get(change.device_id, ""):
            top[change.device_id] = change.hlc
    for device, hlc in top.items():
        if device != local_device:
            note_seen(db, device, hlc=hlc)
    _apply_signers(db, payload.signers, local_device)
    added = _apply_audit(db, payload.audit, local_device)
    # The sender's acknowledgement of this laptop's own changes decides whether a withdrawn
    # case can go now (nothing written here on it is still on its way).
    mine = payload.seen.get(local_device, ("", 0))[0]
    for case_id in payload.withdraw:
        if scope_mod.withdraw(op, case_id, mine):
            report.withdrawn += 1
        else:
            report.withdraw_waiting += 1
    return report, added
