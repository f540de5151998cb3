"""The one write path. Every change to case data goes through an :class:`Operation`, which
runs in one transaction, records a change-log row per field changed (with clock stamp, device,
member, base stamp and optional reason), appends the audit entry, and after commit tells
listeners (the UI's views) what changed. Nothing else writes these tables.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import json
import operator
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from btam_desktop.core import audit, changelog, search
from btam_desktop.core.audit import Pending
from btam_desktop.core.db import IntegrityError, id_chunks
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.ids import new_id, new_ids
from btam_desktop.core.schema import FOLDED
from btam_desktop.core.sync import leadsig
from btam_desktop.core.sync.identity import DeviceKeys, decode_strict_text

if TYPE_CHECKING:
    from btam_desktop.core.db import Database
    from btam_desktop.core.session import Session


@dataclass(frozen=True)
class TableSpec:
    """What the write path may touch in a table (the only SQL identifiers it ever formats)."""

    name: str
    fields: tuple[str, ...]
    immutable: bool = False
    has_updated_at: bool = True


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "members", ("name", "badge", "role", "active", "created_at", "device_id"),
            has_updated_at=False,
        ),
        TableSpec(
            "cases",
            (
                "number", "title", "summary", "status", "concern", "tier", "opened_on",
                "closed_on", "next_review", "closure_reason", "purge_review_on", "created_at",
                "created_by",
            ),
        ),
        TableSpec(
            "case_assignments", ("case_id", "member_id", "created_at"), has_updated_at=False
        ),
        TableSpec(
            "persons",
            (
                "family_name", "given_names", "aliases", "date_of_birth", "phone", "email",
                "address", "notes", "created_at", "created_by",
            ),
        ),
        TableSpec(
            "case_persons", ("case_id", "person_id", "role", "notes", "created_at"),
            has_updated_at=False,
        ),
        TableSpec(
            "partners",
            (
                "name", "kind", "discipline", "contact_name", "phone", "email", "address",
                "services", "notes", "created_at", "tiers", "ages", "area_served", "hours",
                "capacity", "wait_days",
            ),
        ),
        TableSpec(
            "timeline",
            (
                "case_id", "kind", "occurred_at", "recorded_at", "author_id", "author_name",
                "summary", "details", "context", "outcome", "partner_id", "referral_status",
                "concern_from", "concern_to", "supersedes", "sensitivity",
            ),
            immutable=True,
        ),
        TableSpec(
            "tasks",
            (
                "case_id", "kind", "title", "due_on", "assignee_id", "done_at", "done_by",
                "notes", "created_at", "sensitivity",
            ),
        ),
        TableSpec(
            "form_definitions",
            ("form_id", "version", "title", "definition", "sha256", "source", "created_at",
             "created_by"),
        ),
        TableSpec(
            "submissions",
            ("case_id", "form_id", "form_version", "status", "answers", "amends",
             "amendment_reason", "created_at", "created_by", "completed_at", "completed_by",
             "reviewed_at", "reviewed_by"),
        ),
        TableSpec(
            "disseminations",
            ("case_id", "submission_id", "what", "recipient", "purpose", "legal_basis",
             "redaction_profile", "filename", "sha256", "exported_at", "exported_by",
             "exported_by_name"),
            immutable=True,
            has_updated_at=False,
        ),
        TableSpec(
            "attachments",
            (
                "case_id", "filename", "media_type", "size", "sha256", "content",
                "description", "added_at", "added_by",
            ),
            immutable=True,
            has_updated_at=False,
        ),
    )
}


@dataclass
class ChangeSummary:
    """What one committed operation touched; handed to listeners after commit."""

    action: str
    touched: dict[str, set[str]] = field(default_factory=dict)

    def add(self, table: str, record_id: str) -> None:
        """Note that ``record_id`` in ``table`` changed."""
        self.touched.setdefault(table, set()).add(record_id)


Listener = Callable[[ChangeSummary], None]


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return None  # blobs travel by their table row, not inside the log
    return value


# allow_nan=False: NaN and Infinity are not JSON; every laptop reads a travelling value
# strictly (RemoteChange.decoded refuses them, and doubled keys), so none may be written here.
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False).encode
_BLOBS = frozenset({bytes, bytearray, memoryview})


def encode_value(value: Any) -> str:
    """The change log's text form of a value (canonical JSON). InvalidInput for a number
    that is not finite (NaN, infinity): no laptop would take it in."""
    try:
        if isinstance(value, dict):
            if not _BLOBS.isdisjoint(map(type, value.values())):
                value = {k: _json_value(v) for k, v in value.items()}
            return _ENCODE(value)
        return _ENCODE(_json_value(value))
    except ValueError:
        raise InvalidInput("a number that is not finite (NaN, infinity) cannot be stored"
                           ) from None


# Columns that hold a JSON object logged per key ("answers.<key>"), so that two laptops
# editing different answers of one draft merge instead of overwriting each other.
JSON_COLUMNS: dict[str, tuple[str, ...]] = {"submissions": ("answers",)}

# Marker fields of the change log that are not columns: a purge (tombstone) and a conflict
# resolution that keeps the value in effect (it only names the changes it settles).
PURGED = "__purged__"
RESOLVED = "__resolve__"


# -- the compact insert change ----------------------------------------------------------------
# A local insert logs its '*' change with value NULL, meaning "the record as stored": the
# record itself holds every field the insert wrote, so a second copy in the log (most of a
# vault's size: timeline entries never change) is left out. NULL means nothing else on a '*'
# row: encode_value() never returns None (a JSON null is the text "null"), and a bundle's '*'
# change must be a JSON object (payload.parse). The marker is only used where the stored row
# gives back exactly what the insert would have logged: every field of the table written, each
# value of a type its column keeps as it is (text in a TEXT column, an int in an INTEGER one;
# a bool, a float or a number in a TEXT column would come back changed), and not in a table
# whose insert copy is a witness (the dissemination log is checked against it for edits made
# behind the write path's back, dissemination.verify).
# Before anything changes or erases the stored row, Operation._rewrite fills the value in (from
# the row, byte-identical to the copy the insert would have logged); every reader of
# ``changes.value`` gets values through change_value() / fill_values() / logged_values().
STORED = None
_WITNESSED = frozenset({"disseminations"})
# Gives a record's compact insert change its value (a no-op where the insert kept a copy).
_FILL = "UPDATE changes SET value = ? WHERE record_id = ? AND field = '*' AND value IS NULL"
_NONE = type(None)
_KEPT_AS_IS: dict[str, dict[str, frozenset[type]]] = {}


class RemoteRowsRefused(IntegrityError):  # type: ignore[misc]  # sqlcipher3 has no stubs
    """A batch of records from another laptop broke a constraint when inserted (``table``)."""

    def __init__(self, table: str, message: str) -> None:
        super().__init__(message)
        self.table = table


class ChangeLogError(RuntimeError):
    """A compact insert change names a record that is not stored (a write bypassed ops)."""


def _kept_types(db: Database, table: str) -> dict[str, frozenset[type]]:
    """Per column of ``table``: the Python types a value keeps through storing and reading."""
    kept = _KEPT_AS_IS.get(table)
    if kept is None:
        kept = {}
        for row in db.query(f"PRAGMA table_info({table})"):
            declared = str(row[2]).upper()
            if "INT" in declared:  # SQLite's affinity rules (datatype3.html, 3.1)
                types: frozenset[type] = frozenset({int, _NONE})
            elif "CHAR" in declared or "CLOB" in declared or "TEXT" in declared:
                types = frozenset({str, _NONE})
            elif "BLOB" in declared or not declared:
                types = frozenset({str, int, bytes, _NONE})
            else:  # REAL / NUMERIC may convert what they are given
                types = frozenset({_NONE})
            kept[str(row[1])] = types
        _KEPT_AS_IS[table] = kept
    return kept


def _compactable(db: Database, table: str,
                 names: Collection[str]) -> dict[str, frozenset[type]] | None:
    """The types each column keeps when an insert writing ``names`` may be logged compact:
    every field of the table written and not a witnessed table; else None (a copy)."""
    fields = TABLES[table].fields
    if table in _WITNESSED or len(names) != len(fields) or set(names) != set(fields):
        return None
    return _kept_types(db, table)


def logged_values(db: Database, table: str, record_ids: list[str]) -> dict[str, str]:
    """The value each record's '*' change would hold as a copy: its stored row's fields,
    encoded as the insert encoded them. ChangeLogError when a record is not stored."""
    fields = TABLES[table].fields
    out: dict[str, str] = {}
    select = f"SELECT id, {', '.join(fields)} FROM {table}"

    def take(rows: Iterable[Any], wanted: Collection[str]) -> None:
        for row in rows:
            if row[0] in wanted:
                out[row[0]] = encode_value(dict(zip(fields, tuple(row)[1:], strict=True)))

    if len(record_ids) > 2000:  # most of a table (a full bundle): one pass over it
        take(db.query(select), set(record_ids))
    else:
        for chunk, marks in id_chunks(record_ids):
            take(db.query(f"{select} WHERE id IN ({marks})", chunk), chunk)
    missing = set(record_ids) - set(out)
    if missing:
        raise ChangeLogError(f"the change log's insert of {table} record"
                             f" {min(missing)} names a record that is not stored")
    return out


def change_value(db: Database, table: str, record_id: str, field_name: str,
                 value: str | None) -> str | None:
    """A change row's value as logged (the stored record for a compact insert change)."""
    if value is STORED and field_name == "*":
        return logged_values(db, table, [record_id])[record_id]
    return value


def fill_values(db: Database, rows: list[list[Any]]) -> list[list[Any]]:
    """Change rows laid out as in a bundle (``[change_id, table, record_id, field, value,
    ...]``) with the value of every compact insert change filled in, a table at a time."""
    wanted: dict[str, list[str]] = {}
    for row in rows:
        if row[4] is STORED and row[3] == "*":
            wanted.setdefault(row[1], []).append(row[2])
    if wanted:
        values = {table: logged_values(db, table, ids) for table, ids in wanted.items()}
        for row in rows:
            if row[4] is STORED and row[3] == "*":
                row[4] = values[row[1]][row[2]]
    return rows


FOLD_INSERTS = True
"""Whether plain inserts are folded into their record rows (schema v18). Only tests turn it
off: a laptop that does not fold (one from before v18) logs every insert as a change row with
a random change id and stores arrived inserts as change rows."""


def _unfold(db: Database, table: str, record_ids: Sequence[str]) -> None:
    """Write the folded insert change of each record out as a change row (change id = record
    id, value NULL: the compact fill that follows gives it the row's value byte for byte) and
    clear its ``ins_actor``: before anything changes the row's stamp or erases it."""
    stamp = FOLDED[table]
    for chunk, marks in id_chunks(record_ids):
        db.execute(
            "INSERT INTO changes (change_id, tbl, record_id, field, value, base_hlc, hlc,"
            f" device_id, member_id, reason, resolves) SELECT t.id, '{table}', t.id, '*',"
            f" NULL, NULL, t.{stamp}, a.device_id, a.member_id, NULL, NULL FROM {table} t"
            f" JOIN change_actors a ON a.id = t.ins_actor WHERE t.id IN ({marks})"
            " AND t.ins_actor IS NOT NULL", chunk)
        if db.scalar("SELECT changes()"):
            db.execute(f"UPDATE {table} SET ins_actor = NULL WHERE id IN ({marks})"
                       " AND ins_actor IS NOT NULL", chunk)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a bulk write (back on after it, as it was).

    A bulk write makes hundreds of thousands of short-lived rows, tuples and dicts, and none
    of them in a reference cycle: they go as soon as they are written. The collector cannot
    know that: every 700 new objects it looks through the young ones, and every so often
    through every object alive (the batch's rows included). Measured on a 10,000-case demo:
    some 1,500 collections, 0.8-1.1 s of 8 s, freeing nothing. Off during each batch, the
    objects left when it comes back on are looked at once. The collector is process-wide:
    another thread's cyclic garbage waits for the end of the batch (a second or two)."""
    if not gc.isenabled():  # already off (by the caller, or another thread's bulk write)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def dump_json_column(value: dict[str, Any]) -> str:
    """How a JSON-object column is stored (the same text on every laptop)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class RemoteChange:
    """One change-log row as it travels between laptops: its own id, stamp, device, member
    and reason are kept wherever it is applied."""

    change_id: str
    table: str
    record_id: str
    field: str
    value: str | None
    base_hlc: str | None
    hlc: str
    device_id: str
    member_id: str | None
    reason: str | None
    resolves: tuple[str, ...] = ()
    # A lead's change (purge, resolution, review) signed by the laptop that made it
    # (core/sync/leadsig.py): base64, or None (any other change, or made without a key).
    sig: str | None = None

    @functools.cached_property
    def _decoded(self) -> Any:
        # As strictly as the bundle's payload around it: a doubled key or NaN could be read
        # otherwise by another laptop's parser.
        return None if self.value is None else decode_strict_text(self.value)

    def decoded(self) -> Any:
        """The value as Python data (decoded once: the merge checks it, then applies it)."""
        return self._decoded


def _stamp_iso(hlc: str) -> str:
    from datetime import UTC, datetime

    millis = int(hlc.split(".")[0])
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Operation:
    """One unit of work; create with :meth:`Session.operation`."""

    def __init__(self, session: Session, action: str, reason: str | None = None) -> None:
        self.session = session
        self.db = session.db
        self.action = action
        self.reason = reason
        self.summary = ChangeSummary(action)
        self._audited = False
        self._hlc = ""
        self._batch: list[tuple[Any, ...]] | None = None
        # Remote inserts this operation logged compactly: record id -> the text they arrived
        # with (what filling one in gives), and where among the collected rows each still is.
        self._remote_compact: dict[str, str] = {}
        self._batch_compact: dict[str, int] = {}
        # Records from other laptops collected in a batch (inserted at flush_batch): record
        # id -> (table, the row's column values).
        self._rows: dict[str, tuple[str, dict[str, Any]]] = {}
        self._compact_shapes: dict[tuple[str, tuple[str, ...], tuple[type, ...]], bool] = {}
        # change_actors ids of the (device, member) pairs this operation folded inserts of
        # (per operation, not per vault: an actor row of a rolled-back transaction is gone).
        self._actors: dict[tuple[str, str | None], int] = {}
        # Remote inserts folded while collected in a batch: record id -> the change (its
        # change row is written out with its copy if the row changes before it is flushed).
        self._remote_folded: dict[str, RemoteChange] = {}
        # Cases whose search documents must be rebuilt although their records are gone by
        # the time the operation ends (a purged entry names its case before it goes).
        self._search_cases: set[str] = set()
        self.purged_tables: set[str] = set()  # erased records' tables (search.forget_purged)
        # Records inserted by insert_many whose cases are already among _search_cases (read
        # from the rows as inserted): the index need not look them up again at the end (a
        # 10,000-case demo inserts 165,000 such records), unless a later write changes or
        # erases one (_rewrite takes it out of here).
        self._search_settled: set[str] = set()
        # One local time for every record an operation writes (they happen "at once").
        self._now = audit.utc_now()
        # This laptop's device keys, read at the first lead's change the operation signs.
        self._keys_read = False
        self._signing_keys: DeviceKeys | None = None

    # -- clocks and checks -------------------------------------------------------------
    def stamp(self) -> str:
        """A fresh clock stamp for one change."""
        return self.session.clock.now().encode()

    def require_writer(self) -> None:
        """Analysts read; officers and leads write case data."""
        if self.session.role not in ("officer", "lead"):
            raise PermissionDenied("your role can read case files but not change them")

    def require_lead(self) -> None:
        """Membership, purge and rekey are for team leads (or the recovery key)."""
        if self.session.role != "lead":
            raise PermissionDenied("only a team lead may do this")

    def require_team_lead(self) -> None:
        """:meth:`require_lead`, and on a laptop in a team also a lead laptop of its roster:
        a purge or a conflict resolution travels to the whole team, and every officer's vault
        has a lead of its own (checked once per operation: a case purge purges many rows)."""
        self.require_lead()
        if getattr(self, "_team_lead_checked", False):
            return
        from btam_desktop.core.sync import team  # core.sync builds on this module

        reason = team.lead_refusal(self.session)
        if reason is not None:
            raise PermissionDenied(reason)
        self._team_lead_checked = True

    # -- writes --------------------------------------------------------------------------
    def _log(
        self,
        table: str,
        record_id: str,
        field_name: str,
        value: Any,
        base_hlc: str | None,
        hlc: str,
        resolves: tuple[str, ...] = (),
    ) -> str:
        change = self._local_change(table, record_id, field_name, value, base_hlc, hlc,
                                    resolves)
        self._insert_change(change)
        self._hlc = hlc
        return change.change_id

    def _local_change(self, table: str, record_id: str, field_name: str, value: Any,
                      base_hlc: str | None, hlc: str, resolves: tuple[str, ...] = ()
                      ) -> RemoteChange:
        """A change made here, as it is logged and travels (signed when it is a lead's)."""
        change_id = new_id()
        text = encode_value(value)
        return RemoteChange(
            change_id=change_id, table=table, record_id=record_id, field=field_name,
            value=text, base_hlc=base_hlc, hlc=hlc, device_id=self.session.device_id,
            member_id=self.session.member_id, reason=self.reason, resolves=resolves,
            sig=self._sign(change_id, table, record_id, field_name, text, hlc, resolves))

    def _sign(self, change_id: str, table: str, record_id: str, field_name: str,
              value: str | None, hlc: str, resolves: tuple[str, ...] = ()) -> str | None:
        """The signature of a lead's change made here (a purge, a resolution, a form's
        status or review): with this laptop's device key when it has one, in a team or not;
        None for any other change or without a key. A receiver checks it against the roster
        (bundle-format.md, "Who made a lead's change")."""
        if not leadsig.is_lead_kind(table, field_name, resolves):
            return None
        if not self._keys_read:
            self._signing_keys = leadsig.stored_keys(self.db, self.session.device_id)
            self._keys_read = True
        if self._signing_keys is None:
            return None
        return leadsig.sign(self._signing_keys, leadsig.message(
            change_id, table, record_id, field_name, value, hlc, self.session.device_id,
            resolves))

    _CHANGE_INSERT = (
        "INSERT INTO changes (change_id, tbl, record_id, field, value, base_hlc, hlc,"
        " device_id, member_id, reason, resolves, sig)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

    def _insert_change(self, change: RemoteChange, compact: bool = False) -> None:
        params = (
            change.change_id, change.table, change.record_id, change.field,
            STORED if compact else change.value,
            change.base_hlc, change.hlc, change.device_id, change.member_id,
            change.reason, json.dumps(list(change.resolves)) if change.resolves else None,
            change.sig,
        )
        if self._batch is not None:
            self._batch.append(params)
        else:
            self.db.execute(self._CHANGE_INSERT, params)

    # -- batching (a merge of thousands of changes) ---------------------------------------
    # Between begin_batch() and flush_batch(), change-log rows and the records that arrive
    # from other laptops (insert_remote) are collected and written with executemany: a full
    # bundle of 10,000 cases is a quarter of a million change rows and as many records. Whoever
    # reads `changes` or a record table in between must flush first; the merge does (or asks
    # stored_column / its own notes of what it inserted), and so does finish(). (The search
    # index is brought up to date once, at finish(), for everything touched.)
    # Remote records collected at most (then written with what else was collected): a full
    # bundle of 100,000 cases would otherwise hold a second copy of every record in memory.
    _ROWS_AT_ONCE = 10_000

    def begin_batch(self) -> None:
        """Collect change-log rows and remote inserts until :meth:`flush_batch`."""
        if self._batch is None:
            self._batch = []

    def flush_batch(self) -> None:
        """Write what was collected (a no-op when nothing is). RemoteRowsRefused when a
        collected record breaks a constraint (the transaction must then be rolled back)."""
        if self._batch is None:
            return
        self._flush_rows()
        if self._batch:
            self.db.executemany(self._CHANGE_INSERT, self._batch)
        self._batch = []
        self._batch_compact.clear()
        self._remote_folded.clear()

    def end_batch(self) -> None:
        """Flush and go back to writing row by row."""
        self.flush_batch()
        self._batch = None

    def discard_batch(self) -> None:
        """Drop what was collected and go back to writing row by row: a failed merge, whose
        transaction is rolled back (flushing could only raise a second error over the first)."""
        self._batch = None
        self._rows.clear()
        self._batch_compact.clear()
        self._remote_folded.clear()

    def _flush_rows(self) -> None:
        """Insert the collected remote records: a table at a time, parents before children
        (the order of TABLES), each table's rows in arrival order, one executemany per run of
        rows with the same columns (a record's parent in its own table, a superseded timeline
        entry, arrived before it)."""
        if not self._rows:
            return
        by_table: dict[str, list[dict[str, Any]]] = {}
        for table, values in self._rows.values():
            by_table.setdefault(table, []).append(values)
        self._rows = {}
        for table in TABLES:
            rows = by_table.get(table)
            start = 0
            while rows and start < len(rows):
                names = tuple(rows[start])
                end = start + 1
                while end < len(rows) and tuple(rows[end]) == names:
                    end += 1
                try:
                    self.db.executemany(
                        f"INSERT INTO {table} ({', '.join(names)}) VALUES"
                        f" ({', '.join('?' for _ in names)})",
                        [tuple(values.values()) for values in rows[start:end]])
                except IntegrityError as exc:
                    raise RemoteRowsRefused(table, str(exc)) from exc
                start = end

    def _actor(self, device: str, member: str | None) -> int:
        """The change_actors id of (device, member), added when new: a folded row's actor."""
        key = (device, member)
        found = self._actors.get(key)
        if found is None:
            select = ("SELECT id FROM change_actors WHERE device_id = ?"
                      " AND coalesce(member_id, '') = coalesce(?, '')")
            found = self.db.scalar(select, key)
            if found is None:
                self.db.execute(
                    "INSERT INTO change_actors (device_id, member_id) VALUES (?, ?)", key)
                found = self.db.scalar(select, key)
            found = self._actors[key] = int(found)
        return found

    def insert(self, table: str, values: dict[str, Any], record_id: str | None = None) -> str:
        """Insert a record; one change-log row ('*') carries all its fields."""
        return self.insert_many(table, [values], None if record_id is None else [record_id])[0]

    def insert_many(self, table: str, rows: list[dict[str, Any]],
                    record_ids: list[str] | None = None, *,
                    edits: Sequence[Sequence[tuple[dict[str, Any], str | None]]] | None = None,
                    ) -> list[str]:
        """Insert records of one table, all with the same fields, as :meth:`insert` does one
        (a change-log row '*' each, the search index at the end of the operation), with one
        ``executemany`` for the rows and one for their change-log rows: thousands of demo
        records, or a merge's, pay one statement instead of one each.

        ``edits``: per row, the edits the record then gets, in order, each ``(values,
        reason)`` as :meth:`update` with that reason (None: the operation's) would make it
        right after the insert. The change log is what insert and updates would write: the
        '*' change holds the record as first inserted (a copy), then one row per field that
        really changed, each with its own later stamp, based on that field's previous one, and
        its reason. Only the row is stored once, in its final state, instead of inserted and
        then updated (a statement and a re-read of the record per update)."""
        spec = TABLES[table]
        if not rows:
            return []
        names = tuple(rows[0])
        unknown = set(names) - set(spec.fields)
        if unknown:
            raise InvalidInput(f"unknown fields for {table}: {', '.join(sorted(unknown))}")
        if len({*map(tuple, rows)}) != 1:  # each row's keys, compared in C
            raise InvalidInput(f"rows inserted together into {table} need the same fields")
        count = len(rows)
        ids = list(record_ids) if record_ids is not None else new_ids(count)
        if len(ids) != count:
            raise InvalidInput("one record id per row")
        timeline = table == "timeline"
        columns = ["id", *names]
        device, member, reason = self.session.device_id, self.session.member_id, self.reason
        stamps = self.session.clock.stamps(count)
        stored, updated = rows, stamps
        later: list[tuple[Any, ...]] = []
        if edits is not None:
            stored, updated, later = self._edited(table, names, rows, ids, stamps, edits)
        # Whole rows built by C-level unpacking (not a Python statement per value): the
        # write path's own cost per record was most of a bulk insert's time.
        if timeline:
            columns += ["hlc", "device_id"]
            params: list[tuple[Any, ...]] = [
                (rid, *row.values(), hlc, device)
                for rid, row, hlc in zip(ids, stored, stamps, strict=True)]
        elif spec.has_updated_at:
            columns += ["updated_hlc", "updated_at"]
            now = self._now
            params = [(rid, *row.values(), hlc, now)
                      for rid, row, hlc in zip(ids, stored, updated, strict=True)]
        else:
            columns.append("updated_hlc")
            params = [(rid, *row.values(), hlc)
                      for rid, row, hlc in zip(ids, stored, updated, strict=True)]
        logged = self._insert_values(table, names, rows)
        if later:  # an edited record's '*' change holds it as first inserted (a copy)
            for at in {index for index, *_ in later}:
                logged[at] = encode_value(rows[at])
        # The fold (docs/change-log-design.md): a plain insert (compact: the stored row gives
        # its value back, so not edited in this write; no reason; not collected in a merge
        # batch) writes no change row. Its change id is the record id (a fresh UUIDv7, so the
        # same in every vault the insert reaches), its stamp the row's, its device and member
        # the row's actor; materialise writes it out before anything changes the row.
        folding = (FOLD_INSERTS and table in FOLDED and reason is None and self._batch is None
                   and STORED in logged)
        if folding:
            columns.append("ins_actor")
            actor = self._actor(device, member)
            params = [(*row, actor if value is STORED else None)
                      for row, value in zip(params, logged, strict=True)]
        placeholders = ", ".join("?" for _ in columns)
        self.db.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", params)
        # Change ids only for the inserts that get a change row (a folded one has none).
        starred = [(rid, value, hlc) for rid, value, hlc in zip(ids, logged, stamps, strict=True)
                   if not (folding and value is STORED)]
        changes: list[tuple[Any, ...]] = [
            (cid, table, rid, "*", value, None, hlc, device, member, reason, None, None)
            for cid, (rid, value, hlc) in zip(new_ids(len(starred)), starred, strict=True)]
        if later:
            changes += [(cid, table, ids[index], name, text, base, hlc, device, member, why,
                         None, self._sign(cid, table, ids[index], name, text, hlc))
                        for cid, (index, name, value, base, hlc, why)
                        in zip(new_ids(len(later)), later, strict=True)
                        for text in (encode_value(value),)]
        if changes and self._batch is not None:
            self._batch.extend(changes)
        elif changes:
            self.db.executemany(self._CHANGE_INSERT, changes)
        # The operation's newest stamp: the last edit's, else the last insert's.
        self.summary.touched.setdefault(table, set()).update(ids)
        if table in search.INDEXED_TABLES:
            known = search.cases_at_insert(table, stored)
            if known is not None:
                self._search_cases |= known
                self._search_settled.update(ids)
        self._hlc = later[-1][4] if later else stamps[-1]
        return ids

    def _edited(self, table: str, names: tuple[str, ...], rows: list[dict[str, Any]],
                ids: list[str], stamps: list[str],
                edits: Sequence[Sequence[tuple[dict[str, Any], str | None]]],
                ) -> tuple[list[dict[str, Any]], list[str], list[tuple[Any, ...]]]:
        """For :meth:`insert_many`'s ``edits``: each row in its final state, each record's
        newest stamp, and the change rows of the edits as ``(row index, field, value, base
        stamp, stamp, reason)`` (stamped after every insert, record after record)."""
        if TABLES[table].immutable:
            raise InvalidInput(f"{table} entries cannot be changed; add a correction instead")
        if len(edits) != len(rows):
            raise InvalidInput("one list of edits per row")
        stored = list(rows)
        later: list[list[Any]] = []
        inserted = frozenset(names)
        for index, row_edits in enumerate(edits):
            if not row_edits:
                continue
            state = dict(rows[index])
            for values, why in row_edits:
                unknown = values.keys() - inserted
                if unknown:
                    raise InvalidInput(
                        f"edits of {table} need fields the insert wrote: "
                        f"{', '.join(sorted(unknown))}")
                for name, value in values.items():
                    if state[name] != value:  # as update(): only what really changed
                        later.append([index, name, value, None, None,
                                      self.reason if why is None else why])
                        state[name] = value
            stored[index] = state
        updated = list(stamps)
        newest: dict[tuple[int, str], str] = {}
        for change, hlc in zip(later, self.session.clock.stamps(len(later)), strict=True):
            index, name = change[0], change[1]
            change[3] = newest.get((index, name), stamps[index])  # the field's previous stamp
            change[4] = newest[(index, name)] = updated[index] = hlc
        return stored, updated, [tuple(change) for change in later]

    def _insert_values(self, table: str, names: tuple[str, ...],
                       rows: list[dict[str, Any]]) -> list[str | None]:
        """The '*' change value of each inserted row: the compact marker (STORED) where the
        stored row gives the value back exactly (every field of the table, each value of a type
        its column keeps), else the copy. Not inside a batch: _rewrite could not fill in a
        collected row."""
        types = None if self._batch is not None else _compactable(self.db, table, names)
        if types is None:
            return [encode_value(row) for row in rows]
        kept = [types[name] for name in names]
        # The types seen in the columns that keep the same types (every TEXT column, every
        # INTEGER one), each group read by one itemgetter per row: all in C, twice as quick
        # as a column at a time. Row by row only when a value is off.
        groups: dict[frozenset[type], list[str]] = {}
        for name, ok in zip(names, kept, strict=True):
            groups.setdefault(ok, []).append(name)
        if all({*map(type, itertools.chain.from_iterable(map(operator.itemgetter(*group),
                                                              rows)))} <= ok
               if len(group) > 1 else {*map(type, map(operator.itemgetter(group[0]), rows))} <= ok
               for ok, group in groups.items()):
            return [STORED] * len(rows)
        return [STORED if all(type(v) in ok for ok, v in zip(kept, row.values(), strict=True))
                else encode_value(row) for row in rows]

    def _rewrite(self, table: str, record_ids: list[str], sql: str,
                 params: Sequence[Any], stored: dict[str, Any] | None = None) -> None:
        """Run ``sql``, an UPDATE or DELETE of the stored rows ``record_ids`` of ``table``: the
        one place through which every write changes or erases a record, so that the compact
        insert change of each is first filled in from the row as it still is (``stored``: that
        row, when the caller has just read it, for one record)."""
        if self._search_settled:  # its case may change: looked up at the end after all
            self._search_settled.difference_update(record_ids)
        self.materialise(table, record_ids, stored)
        self.db.execute(sql, params)

    def rewrite(self, table: str, record_ids: list[str], sql: str,
                params: Sequence[Any]) -> None:
        """:meth:`_rewrite` for the few writers outside this module (a withdrawn case)."""
        self._rewrite(table, record_ids, sql, params)

    def materialise(self, table: str, record_ids: list[str],
                    stored: dict[str, Any] | None = None) -> None:
        """Give the compact insert change of each record its value as a copy (from the stored
        row, byte-identical to what the insert would have logged). ``stored``: the row of the
        one record as just read (then one statement, a no-op when the insert kept a copy)."""
        if table in _WITNESSED:
            return
        if table in FOLDED:
            if self._remote_folded:
                self._unfold_collected(record_ids)
            _unfold(self.db, table, record_ids)
        if self._remote_compact and not self._remote_compact.keys().isdisjoint(record_ids):
            # Arrived in this operation: the text it came with is the value, known here.
            known = {r for r in record_ids if r in self._remote_compact}
            for record_id in known:
                text = self._remote_compact.pop(record_id)
                at = self._batch_compact.pop(record_id, None)
                if at is not None and self._batch is not None:
                    row = self._batch[at]
                    self._batch[at] = (*row[:4], text, *row[5:])
                else:
                    self.db.execute(_FILL, (text, record_id))
            record_ids = [r for r in record_ids if r not in known]
            if not record_ids:
                return
        if stored is not None and len(record_ids) == 1:
            value = encode_value({name: stored[name] for name in TABLES[table].fields})
            self.db.execute(_FILL, (value, record_ids[0]))
            return
        for chunk, _ in id_chunks(record_ids):
            compact = changelog.compact_inserts(self.db, chunk)
            if compact:
                values = logged_values(self.db, table, compact)
                self.db.executemany(_FILL, [(values[rid], rid) for rid in compact])

    def _unfold_collected(self, record_ids: list[str]) -> None:
        """Remote inserts folded in this batch and still collected: the row loses its actor
        and the change is logged as a change row holding its copy (what it arrived with)."""
        for record_id in record_ids:
            change = self._remote_folded.pop(record_id, None)
            if change is None:
                continue
            pending = self._rows.get(record_id)
            if pending is not None:
                pending[1].pop("ins_actor", None)
                self._insert_change(change)

    def current(self, table: str, record_id: str) -> dict[str, Any]:
        """The stored row as a dict (NotFound when absent)."""
        spec = TABLES[table]
        row = self.db.query_one(
            f"SELECT * FROM {spec.name} WHERE id = ?", (record_id,)
        )
        if row is None:
            raise NotFound(f"no {table[:-1]} with id {record_id}")
        return dict(zip(row.keys(), tuple(row), strict=True))

    def _field_base(self, record_id: str, field_name: str) -> str | None:
        return changelog.newest_stamp(self.db, record_id, field_name)

    def _field_bases(self, record_id: str, names: list[str]) -> dict[str, str | None]:
        """:meth:`_field_base` of several fields of one record in one query."""
        self.flush_batch()  # a collected change row may be the base
        newest = changelog.newest_per_field(self.db, record_id, [*names, "*"])
        insert = newest.get("*")
        return {name: max(filter(None, (newest.get(name), insert)), default=None)
                for name in names}

    def update(self, table: str, record_id: str, values: dict[str, Any]) -> list[str]:
        """Change fields of an editable record; logs one row per field that really changed."""
        spec = TABLES[table]
        if spec.immutable:
            raise InvalidInput(f"{table} entries cannot be changed; add a correction instead")
        unknown = set(values) - set(spec.fields)
        if unknown:
            raise InvalidInput(f"unknown fields for {table}: {', '.join(sorted(unknown))}")
        current = self.current(table, record_id)
        changed = [name for name, value in values.items() if current.get(name) != value]
        if not changed:
            return []
        self._write_fields(table, record_id, {name: values[name] for name in changed},
                           {name: values[name] for name in changed}, current)
        return changed

    def _write_fields(self, table: str, record_id: str, logged: dict[str, Any],
                      columns: dict[str, Any], stored: dict[str, Any] | None = None) -> None:
        """Log one change row per ``logged`` field (each based on that field's previous
        stamp), then store ``columns`` with the newest stamp."""
        hlc = ""
        bases = self._field_bases(record_id, list(logged))
        device, member, reason = self.session.device_id, self.session.member_id, self.reason
        changes: list[tuple[Any, ...]] = []
        for name, value in logged.items():
            hlc = self.stamp()
            change_id, text = new_id(), encode_value(value)
            changes.append((change_id, table, record_id, name, text, bases[name], hlc, device,
                            member, reason, None,
                            self._sign(change_id, table, record_id, name, text, hlc)))
        if self._batch is not None:
            self._batch.extend(changes)
        else:
            self.db.executemany(self._CHANGE_INSERT, changes)
        self._hlc = hlc
        assignments = [f"{name} = ?" for name in columns] + ["updated_hlc = ?"]
        params: list[Any] = [*columns.values(), hlc]
        if TABLES[table].has_updated_at:
            assignments.append("updated_at = ?")
            params.append(audit.utc_now())
        self._rewrite(table, [record_id],
                      f"UPDATE {table} SET {', '.join(assignments)} WHERE id = ?",
                      [*params, record_id], stored)
        self.summary.add(table, record_id)

    def resolve(self, table: str, record_id: str, field_name: str, resolves: tuple[str, ...],
                value: Any = None, *, keep_current: bool) -> str:
        """Settle conflicts: log a change that names the changes it settles (``resolves``),
        either keeping the value in effect (a marker row) or writing ``value`` to the field.
        The resolution travels in bundles like any change."""
        if keep_current:
            hlc = self.stamp()
            change_id = self._log(table, record_id, RESOLVED, None,
                                  self._field_base(record_id, field_name), hlc, resolves)
            self.summary.add(table, record_id)
            return change_id
        base = self._field_base(record_id, field_name)
        hlc = self.stamp()
        change_id = self._log(table, record_id, field_name, value, base, hlc, resolves)
        column, _, key = field_name.partition(".")
        if key:
            stored = json.loads(self.current(table, record_id)[column] or "{}")
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value
            columns: dict[str, Any] = {column: dump_json_column(stored)}
        elif field_name == "deleted_at":
            columns = {"deleted_at": value,
                       "deleted_by": self.session.member_id if value else None}
        else:
            columns = {field_name: value}
        self._store_columns(table, record_id, columns, hlc)
        return change_id

    def _store_columns(self, table: str, record_id: str, columns: dict[str, Any],
                       hlc: str) -> None:
        """Write columns of a record and raise its ``updated_hlc`` (never lower it)."""
        assignments = [f"{name} = ?" for name in columns]
        params: list[Any] = list(columns.values())
        if table != "timeline":
            assignments.append("updated_hlc = max(updated_hlc, ?)")
            params.append(hlc)
        if TABLES[table].has_updated_at:
            assignments.append("updated_at = ?")
            params.append(audit.utc_now())
        self._rewrite(table, [record_id],
                      f"UPDATE {table} SET {', '.join(assignments)} WHERE id = ?",
                      [*params, record_id])
        self.summary.add(table, record_id)

    # -- remote changes (sync) --------------------------------------------------------------
    # A change from another laptop enters through these, inside the import's operation: it
    # keeps its own id, stamp, device, member and reason; the local clock observes its stamp;
    # the search index and the listeners are updated as for a local write. Deciding *whether*
    # a change applies (newer value, conflict, held for a missing parent) is the merge's job
    # (core/sync/merge.py); these only write.
    def observe(self, change: RemoteChange) -> None:
        """Fold a remote stamp into the local clock (never past 24 h ahead: checked before)."""
        from btam_desktop.core.hlc import Stamp

        self.session.clock.observe(Stamp.decode(change.hlc))

    def log_remote(self, change: RemoteChange) -> None:
        """Keep a remote change in the log without touching any record (a marker, a value
        that lost to a newer one, a duplicate insert). The merge has the clock observe the
        newest stamp of the import once (:meth:`observe`)."""
        self._insert_change(change)

    def insert_remote(self, change: RemoteChange, row: dict[str, Any]) -> None:
        """Insert a record that arrived from another laptop (in a batch: collected, inserted
        by :meth:`flush_batch`; a second record of the same id in the batch is refused at once,
        as its INSERT would be)."""
        values: dict[str, Any] = {"id": change.record_id, **row}
        if change.table == "timeline":
            values["hlc"] = change.hlc
            values["device_id"] = change.device_id
        else:
            values["updated_hlc"] = change.hlc
            if TABLES[change.table].has_updated_at:
                values["updated_at"] = self._now
        # Kept compact like a local insert where the stored row gives back these exact bytes;
        # folded like one where, besides, its change id is its record id (a folded insert
        # where it was made: the id stays the same in every vault; an older laptop's random
        # change id, a reason or a resolution is kept as a change row).
        compact = self._stored_gives_back(change, row)
        fold = (FOLD_INSERTS and compact and change.table in FOLDED
                and change.change_id == change.record_id
                and change.reason is None and not change.resolves)
        if fold:
            values["ins_actor"] = self._actor(change.device_id, change.member_id)
        if self._batch is not None:
            if change.record_id in self._rows:
                raise IntegrityError(f"UNIQUE constraint failed: {change.table}.id")
            self._rows[change.record_id] = (change.table, values)
        else:
            self.db.execute(
                f"INSERT INTO {change.table} ({', '.join(values)}) VALUES"
                f" ({', '.join('?' for _ in values)})", tuple(values.values()))
        if fold:
            if self._batch is not None:
                self._remote_folded[change.record_id] = change
            self.summary.add(change.table, change.record_id)
            if len(self._rows) >= self._ROWS_AT_ONCE:
                self.flush_batch()
            return
        if compact:
            assert change.value is not None
            self._remote_compact[change.record_id] = change.value
            if self._batch is not None:
                self._batch_compact[change.record_id] = len(self._batch)
        self._insert_change(change, compact)
        self.summary.add(change.table, change.record_id)
        if len(self._rows) >= self._ROWS_AT_ONCE:
            self.flush_batch()

    def _stored_gives_back(self, change: RemoteChange, row: dict[str, Any]) -> bool:
        """Whether the record just stored from a remote insert encodes to exactly the value
        the change carries (every field, each of a type its column keeps, the same text)."""
        if change.value is None:
            return False
        # The fields and the types of their values decide the first two, the same for most
        # of a bundle's records of a table: decided once per such shape.
        shape = (change.table, tuple(row), tuple(map(type, row.values())))
        kept = self._compact_shapes.get(shape)
        if kept is None:
            types = _compactable(self.db, change.table, row.keys())
            kept = types is not None and all(
                kind in types[name] for name, kind in zip(shape[1], shape[2], strict=True))
            self._compact_shapes[shape] = kept
        return kept and encode_value(row) == change.value

    def set_remote(self, change: RemoteChange, columns: dict[str, Any]) -> None:
        """Write a remote change that won its field (to the collected row of a record that
        arrived in this batch, as _store_columns would to the stored one)."""
        self.log_remote(change)
        pending = self._rows.get(change.record_id)
        if pending is None:
            self._store_columns(change.table, change.record_id, columns, change.hlc)
            return
        self.materialise(change.table, [change.record_id])  # its insert change gets its copy
        values = pending[1]
        values.update(columns)
        if change.table != "timeline":
            values["updated_hlc"] = max(values["updated_hlc"], change.hlc)
        if TABLES[change.table].has_updated_at:
            values["updated_at"] = audit.utc_now()
        self.summary.add(change.table, change.record_id)

    def stored_column(self, table: str, record_id: str, column: str) -> Any:
        """A column of a record as stored, or as collected when it arrived in this batch."""
        pending = self._rows.get(record_id)
        if pending is not None:
            return pending[1].get(column)
        return self.db.scalar(f"SELECT {column} FROM {table} WHERE id = ?", (record_id,))

    def purge_remote(self, change: RemoteChange, *, log: bool = True) -> None:
        """Erase a record because a purge arrived (or its parent was purged), leaving a
        tombstone with the purge's stamp and device so that no late bundle brings it back."""
        self.flush_batch()  # the record, or change rows of it, may still be collected
        if self.db.scalar(f"SELECT 1 FROM {change.table} WHERE id = ?", (change.record_id,)):
            self._note_search(change.table, change.record_id)
            self._rewrite(change.table, [change.record_id],
                          f"DELETE FROM {change.table} WHERE id = ?", (change.record_id,))
        self.db.execute("DELETE FROM changes WHERE record_id = ?", (change.record_id,))
        # The purge's signature stays with the tombstone (which travels every time); a record
        # erased with its purged parent (a cascade: no change of its own) has none.
        proof = (change.change_id, change.sig) if change.sig is not None else (None, None)
        self.db.execute(
            "INSERT OR IGNORE INTO tombstones (record_id, tbl, purged_at, purged_by, hlc,"
            " device_id, change_id, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (change.record_id, change.table, _stamp_iso(change.hlc), change.member_id,
             change.hlc, change.device_id, *proof))
        if log:
            self.log_remote(change)
        self.summary.add(change.table, change.record_id)

    def update_json(
        self, table: str, record_id: str, column: str, new: dict[str, Any]
    ) -> list[str]:
        """Replace a JSON-object column, logging one change row per key that changed
        (field name ``"<column>.<key>"``), so concurrent edits of different keys merge."""
        spec = TABLES[table]
        if spec.immutable or column not in spec.fields:
            raise InvalidInput(f"{table}.{column} cannot be changed")
        current = self.current(table, record_id)
        old = json.loads(current[column] or "{}")
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if not changed:
            return []
        self._write_fields(
            table, record_id, {f"{column}.{key}": new.get(key) for key in changed},
            {column: json.dumps(new, ensure_ascii=False, sort_keys=True)}, current)
        return changed

    def _set_deleted(self, table: str, record_id: str, deleted_at: str | None) -> None:
        current = self.current(table, record_id)
        if (current.get("deleted_at") is None) == (deleted_at is None):
            state = "in the trash" if deleted_at else "not in the trash"
            raise InvalidInput(f"that record is already {state}")
        base = self._field_base(record_id, "deleted_at")
        hlc = self.stamp()
        self._log(table, record_id, "deleted_at", deleted_at, base, hlc)
        deleted_by = self.session.member_id if deleted_at else None
        time_col = ", updated_hlc = ?" if table != "timeline" else ""
        params: list[Any] = [deleted_at, deleted_by]
        if time_col:
            params.append(hlc)
        self._rewrite(
            table, [record_id],
            f"UPDATE {table} SET deleted_at = ?, deleted_by = ?{time_col} WHERE id = ?",
            [*params, record_id], current,
        )
        self.summary.add(table, record_id)

    def trash(self, table: str, record_id: str) -> None:
        """Move a record to the trash (restorable for 30 days)."""
        self._set_deleted(table, record_id, audit.utc_now())

    def restore(self, table: str, record_id: str) -> None:
        """Take a record back out of the trash."""
        self._set_deleted(table, record_id, None)

    def purge(self, table: str, record_id: str) -> None:
        """Erase a record for good, keeping only its id as a tombstone (team leads only)."""
        self.require_team_lead()
        self.current(table, record_id)
        hlc = self.stamp()
        self._note_search(table, record_id)
        self._rewrite(table, [record_id], f"DELETE FROM {table} WHERE id = ?", (record_id,))
        # Old values live on in the change log; a purge must not leave them there.
        self.db.execute("DELETE FROM changes WHERE record_id = ?", (record_id,))
        change = self._local_change(table, record_id, PURGED, None, None, hlc)
        self.db.execute(
            "INSERT INTO tombstones (record_id, tbl, purged_at, purged_by, hlc, device_id,"
            " change_id, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record_id, table, audit.utc_now(), self.session.member_id, hlc,
             self.session.device_id, change.change_id if change.sig else None, change.sig),
        )
        self._insert_change(change)
        self._hlc = hlc
        self.summary.add(table, record_id)

    def _note_search(self, table: str, record_id: str) -> None:
        """Before a record is erased: remember the cases whose documents hold its text."""
        self.purged_tables.add(table)
        if table in search.INDEXED_TABLES:
            self._search_cases |= search.cases_of(self.db, table, [record_id])

    def audit(
        self,
        action: str | None = None,
        record_type: str | None = None,
        record_id: str | None = None,
        **detail: Any,
    ) -> None:
        """Append the audit entry for this operation (its action name by default)."""
        audit.append(
            self.db,
            device_id=self.session.device_id,
            hlc=self._hlc or self.stamp(),
            member_id=self.session.member_id,
            member_name=self.session.actor_name,
            action=action or self.action,
            record_type=record_type,
            record_id=record_id,
            detail=detail,
        )
        self._audited = True

    def audit_stamp(self) -> str:
        """The stamp :meth:`audit` would give an entry now (that of the latest change)."""
        return self._hlc or self.stamp()

    def audit_many(self, entries: list[Pending]) -> None:
        """Append entries as that many :meth:`audit` calls would, in order, in one go (each
        carries the stamp :meth:`audit_stamp` gave when it was due)."""
        audit.append_many(self.db, device_id=self.session.device_id,
                          member_id=self.session.member_id,
                          member_name=self.session.actor_name, entries=entries)
        if entries:
            self._audited = True

    def audited_earlier(self) -> None:
        """This write is covered by an entry this session already made (a draft's autosave
        after its first save: one line per draft and session, not one every few seconds);
        the change log still records every value, who and when."""
        self._audited = True

    def finish(self) -> None:
        """Called before commit: bring the conflict queue of touched records up to date (a
        local restore or edit can settle or reopen one, exactly as the same change arriving
        from another laptop would), and make sure every operation left an audit entry."""
        self.end_batch()
        # The search index follows the stored rows in the same transaction (local writes and
        # changes from other laptops alike).
        search.refresh(self.db, self.summary.touched, self._search_cases,
                       self._search_settled)
        if self.purged_tables:
            search.forget_purged(self.db, self.purged_tables)
        if self.db.scalar("SELECT 1 FROM conflicts LIMIT 1"):
            from btam_desktop.core.sync import conflicts  # sync builds on this module

            for table, ids in self.summary.touched.items():
                for record_id in ids:
                    if self.db.scalar("SELECT 1 FROM conflicts WHERE record_id = ? LIMIT 1",
                                      (record_id,)):
                        conflicts.recompute(self.db, table, record_id)
        if not self._audited:
            counts = {table: len(ids) for table, ids in self.summary.touched.items()}
            self.audit(self.action, None, None, records=counts)
