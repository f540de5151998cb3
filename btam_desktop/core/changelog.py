"""Reading the change log: every read of the log goes through this module.

The change log (``changes`` and, since schema v18, the inserts folded into their record rows;
see docs/vault-format.md) is written by the write path (:mod:`btam_desktop.core.ops`: inserts,
the fold's write-out, the compact insert's fill-in, the purge's and the scope's DELETE) and
read here through the view ``change_log`` (``changes`` plus one arm per folded table), by a
few access patterns, each served by its indexes (a test per pattern pins its ``EXPLAIN QUERY
PLAN``: tests/core/test_changelog.py):

- a record's changes (:func:`of_record`, :func:`history`, :func:`resolutions_of`,
  :func:`of_records`), its insert (:func:`insert_of`, :func:`inserts_of`,
  :func:`compact_inserts`), the newest change of its fields (:func:`newest_stamp`,
  :func:`newest_per_field`, :func:`newest`): ``changes_record`` (record_id, field) and each
  folded table's primary key;
- one change by its id (:func:`by_id`): the change id's unique index and each folded table's
  primary key (a folded insert's change id is its record id); :func:`known` (the merge's
  "already here?") asks ``changes`` by change id and a '*' change's own table by record id;
- a device's changes after a stamp (:func:`device_after`, :func:`device_newest`,
  :func:`unsent`, the dashboard's :data:`RECENT_SINCE`): ``changes_device`` (device_id, hlc)
  and each folded table's ``<table>_folded`` (ins_actor, stamp) through the device's actors.

SQLite pushes a WHERE into the view's arms but neither a join nor an aggregate: the
statements that need one (:data:`_DEVICE_NEWEST`, :data:`RECENT_SINCE`, :data:`_KNOWN_FOLDED`)
name the folded tables themselves. They return what the SQL returned before the fold, byte for
byte: a compact or folded insert change's value is NULL (``ops.STORED``) and the caller fills
it in (``ops.change_value`` / ``ops.fill_values``), as before.
"""

from __future__ import annotations

import heapq
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from btam_desktop.core.db import Database, Row, id_chunks
from btam_desktop.core.schema import FOLDED

# A change row as a bundle lays it out (payload.py): the columns in this order, ``resolves``
# decoded from its JSON text, ``sig`` the signature of a lead's change (schema v19).
BUNDLE_COLUMNS = ("change_id, tbl, record_id, field, value, base_hlc, hlc, device_id,"
                  " member_id, reason, resolves, sig")
# The causal order of such rows: stamp, then device, then change id (merge.change_order's).
BUNDLE_ORDER = operator.itemgetter(6, 7, 0)

# -- the statements (module constants so that tests/core/test_changelog.py can explain them) --
_OF_RECORD = ("SELECT change_id, field, value, base_hlc, hlc, device_id FROM change_log"
              " WHERE record_id = ?")
_HISTORY = ("SELECT c.*, COALESCE(m.name, 'Recovery key') AS member_name FROM change_log c"
            " LEFT JOIN members m ON m.id = c.member_id WHERE c.record_id = ?"
            " ORDER BY c.hlc")
_RESOLUTIONS = ("SELECT change_id, resolves, hlc, device_id FROM change_log WHERE record_id = ?"
                " AND resolves IS NOT NULL ORDER BY hlc, device_id")
_OF_RECORDS = f"SELECT {BUNDLE_COLUMNS} FROM change_log WHERE record_id IN ({{marks}})"
_INSERT_OF = ("SELECT change_id, tbl, record_id, value, hlc, device_id, member_id, reason"
              " FROM change_log WHERE record_id = ? AND field = '*'")
_INSERTS_OF = ("SELECT change_id, tbl, record_id, value, hlc, device_id, member_id, reason"
               " FROM change_log WHERE record_id IN ({marks}) AND field = '*'")
_COMPACT_INSERTS = ("SELECT record_id FROM change_log WHERE record_id IN ({marks})"
                    " AND field = '*' AND value IS NULL")
_NEWEST_STAMP = ("SELECT hlc FROM change_log WHERE record_id = ? AND field IN (?, '*')"
                 " ORDER BY hlc DESC LIMIT 1")
_NEWEST_PER_FIELD = ("SELECT field, max(hlc) FROM change_log WHERE record_id = ? AND field IN"
                     " (SELECT value FROM json_each(?)) GROUP BY field")
_NEWEST = ("SELECT hlc, device_id FROM change_log WHERE record_id = ? AND field IN (?, '*')"
           " ORDER BY hlc DESC, device_id DESC LIMIT 1")
_BY_ID = ("SELECT c.*, m.name AS member_name FROM change_log c LEFT JOIN members m"
          " ON m.id = c.member_id WHERE c.change_id = ?")
_KNOWN = "SELECT change_id FROM changes WHERE change_id IN ({marks})"
_DEVICE_AFTER = (f"SELECT {BUNDLE_COLUMNS} FROM change_log WHERE device_id = ? AND hlc > ?"
                 " ORDER BY hlc")
# SQLite pushes neither an aggregate nor a join into the view's arms (max() over change_log
# walks every folded row: 71 ms at 10,000 cases): the newest of the change rows and of each
# folded table per actor of the device, each an index's last entry.
_DEVICE_NEWEST = (
    "SELECT max(newest) FROM (SELECT max(hlc) AS newest FROM changes WHERE device_id = :device"
    + "".join(f" UNION ALL SELECT (SELECT max({stamp}) FROM {table} WHERE ins_actor = a.id)"
              " FROM change_actors a WHERE a.device_id = :device"
              for table, stamp in FOLDED.items()) + ")")
# Which change ids are change rows (the folded inserts are asked by table: _KNOWN_FOLDED).

# A folded insert's change id is its record id: "is this '*' change here?" is one probe of
# the record's table (where the view would probe every folded table's primary key).
_KNOWN_FOLDED = "SELECT id FROM {table} WHERE id IN ({marks}) AND ins_actor IS NOT NULL"
_UNSENT = ("SELECT 1 FROM change_log WHERE record_id IN ({marks}) AND device_id = ? AND hlc > ?"
           " LIMIT 1")

# Every device's changes after ``:since`` as the relation ``recent (tbl, record_id, field,
# hlc, member_id)``, to be followed by a SELECT reading it (the dashboard's "since you last
# signed in", queries.changes_since). Read through the (device_id, hlc) index one device at a
# time (the devices found by hopping along that index): a handful of index seeks and the few
# recent rows, where "hlc > :since" alone walks the whole change log (2.5 million rows at
# 100,000 cases: seconds on every unlock).
RECENT_SINCE = (
    "WITH RECURSIVE devices(id) AS (SELECT (SELECT min(device_id) FROM changes)"
    " UNION ALL SELECT (SELECT min(device_id) FROM changes WHERE device_id > devices.id)"
    " FROM devices WHERE devices.id IS NOT NULL),"
    " recent AS MATERIALIZED (SELECT ch.tbl, ch.record_id, ch.field, ch.hlc, ch.member_id"
    " FROM devices JOIN changes ch INDEXED BY"
    " changes_device ON ch.device_id = devices.id AND ch.hlc > :since"
    # The folded inserts after :since: per actor (a few rows, one per device and member)
    # through each folded table's (ins_actor, stamp) index.
    + "".join(f" UNION ALL SELECT '{table}', t.id, '*', t.{stamp}, a.member_id"
              f" FROM change_actors a CROSS JOIN {table} t INDEXED BY {table}_folded"
              f" ON t.ins_actor = a.id AND t.{stamp} > :since"
              for table, stamp in FOLDED.items())
    + ") ")



def _bundle_row(row: Row) -> list[Any]:
    values = list(row)
    values[10] = json.loads(values[10]) if values[10] else None
    return values


# -- a record's changes ----------------------------------------------------------------------
def of_record(db: Database, record_id: str) -> list[Row]:
    """Every change of one record, in no particular order: ``change_id, field, value,
    base_hlc, hlc, device_id`` (the conflict queue's derivation)."""
    return db.query(_OF_RECORD, (record_id,))


def history(db: Database, record_id: str) -> list[Row]:
    """Every change of one record, oldest first: every column of the change row and
    ``member_name`` (the member's name, "Recovery key" for a change made with no member)."""
    return db.query(_HISTORY, (record_id,))


def resolutions_of(db: Database, record_id: str) -> list[Row]:
    """The record's conflict resolutions (``resolves`` set), oldest first: ``change_id,
    resolves, hlc, device_id``."""
    return db.query(_RESOLUTIONS, (record_id,))


def of_records(db: Database, record_ids: Sequence[str]) -> list[list[Any]]:
    """Every change of the records, laid out as in a bundle (:data:`BUNDLE_COLUMNS`,
    ``resolves`` decoded), compact values left NULL; in no particular order."""
    out: list[list[Any]] = []
    for chunk, marks in id_chunks(record_ids):
        out.extend(_bundle_row(r) for r in db.query(_OF_RECORDS.format(marks=marks), chunk))
    return out


# -- inserts ---------------------------------------------------------------------------------
def insert_of(db: Database, record_id: str) -> Row | None:
    """The record's insert change (field ``*``): ``change_id, tbl, record_id, value, hlc,
    device_id, member_id, reason``; None when it has none."""
    return db.query_one(_INSERT_OF, (record_id,))


def inserts_of(db: Database, record_ids: Iterable[str],
               table: str | None = None) -> list[Row]:
    """The insert changes of the records (columns of :func:`insert_of`), of ``table`` only
    when given; in no particular order."""
    rows: list[Row] = []
    for chunk, marks in id_chunks(list(record_ids)):
        rows.extend(r for r in db.query(_INSERTS_OF.format(marks=marks), chunk)
                    if table is None or r["tbl"] == table)
    return rows


def compact_inserts(db: Database, record_ids: Sequence[str]) -> list[str]:
    """Which of the records' insert changes are compact (value NULL: the row is the value)."""
    out: list[str] = []
    for chunk, marks in id_chunks(record_ids):
        out.extend(str(r[0]) for r in db.query(_COMPACT_INSERTS.format(marks=marks), chunk))
    return out


# -- the newest change of fields ---------------------------------------------------------------
def newest_stamp(db: Database, record_id: str, field_name: str) -> str | None:
    """The stamp of the newest change of the field or of the record's insert (None: none)."""
    stamp: str | None = db.scalar(_NEWEST_STAMP, (record_id, field_name))
    return stamp


def newest_per_field(db: Database, record_id: str, names: Iterable[str]) -> dict[str, str]:
    """{field: stamp of its newest change} for those of ``names`` that have a change (name
    ``*`` among them for the insert)."""
    return {str(r[0]): str(r[1]) for r in db.query(
        _NEWEST_PER_FIELD, (record_id, json.dumps(list(names))))}


def newest(db: Database, record_id: str, field_name: str) -> tuple[str, str] | None:
    """``(hlc, device_id)`` of the newest change of the field or of the record's insert,
    the device breaking a tie (the merge's last-writer-wins order); None when none."""
    row = db.query_one(_NEWEST, (record_id, field_name))
    return None if row is None else (str(row["hlc"]), str(row["device_id"]))


# -- by change id ----------------------------------------------------------------------------
def by_id(db: Database, change_id: str | None) -> Row | None:
    """One change by its id: every column of the row and ``member_name`` (None when the
    change has no member or the member is unknown here); None when not here."""
    return db.query_one(_BY_ID, (change_id,))


def known(db: Database, change_ids: Sequence[str],
          inserts: Iterable[tuple[str, str]] = ()) -> set[str]:
    """Which of the change ids are in the log. ``inserts``: (table, record id) of the '*'
    changes among them whose change id is their record id, which may be folded inserts (of
    any other change, only the change rows are asked)."""
    out: set[str] = set()
    for chunk, marks in id_chunks(change_ids):
        out.update(str(r[0]) for r in db.query(_KNOWN.format(marks=marks), chunk))
    by_table: dict[str, list[str]] = {}
    for table, record_id in inserts:
        if table in FOLDED and record_id not in out:
            by_table.setdefault(table, []).append(record_id)
    for table, record_ids in by_table.items():
        for chunk, marks in id_chunks(record_ids):
            out.update(str(r[0]) for r in db.query(
                _KNOWN_FOLDED.format(table=table, marks=marks), chunk))
    return out


# -- by device after a stamp -------------------------------------------------------------------
def device_after(db: Database, device_id: str, since_hlc: str) -> list[list[Any]]:
    """The device's changes stamped after ``since_hlc``, oldest first, laid out as in a
    bundle (:data:`BUNDLE_COLUMNS`, ``resolves`` decoded, compact values left NULL)."""
    return [_bundle_row(r) for r in db.query(_DEVICE_AFTER, (device_id, since_hlc))]


# The same rows read arm by arm, each through its own index in stamp order: the view's ORDER BY
# first sorts every row of the device in memory (a temporary b-tree: the whole change log of a
# full export, a gigabyte at 100,000 cases); merged instead as they come (device_after_stream).
_CHANGES_AFTER = (f"SELECT {BUNDLE_COLUMNS} FROM changes WHERE device_id = ? AND hlc > ?"
                  " ORDER BY hlc, change_id")


def _folded_after(table: str, stamp: str) -> str:
    """One folded arm of the view (schema.py), for one actor, in stamp order."""
    own = {"change_id": "t.id", "tbl": f"'{table}'", "record_id": "t.id", "field": "'*'",
           "hlc": f"t.{stamp}", "device_id": "a.device_id", "member_id": "a.member_id"}
    columns = ", ".join(own.get(name.strip(), "NULL") for name in BUNDLE_COLUMNS.split(","))
    return (f"SELECT {columns} FROM {table} t JOIN change_actors a ON a.id = t.ins_actor"
            f" WHERE t.ins_actor = ? AND t.{stamp} > ? ORDER BY t.{stamp}, t.id")


_FOLDED_AFTER = {table: _folded_after(table, stamp) for table, stamp in FOLDED.items()}


def device_after_stream(db: Database, device_id: str, since_hlc: str) -> Iterator[list[Any]]:
    """:func:`device_after`'s rows in (hlc, change id) order, read one at a time (memory: a
    row per arm of the log, not the log)."""
    streams: list[Iterator[list[Any]]] = [
        map(_bundle_row, db.execute(_CHANGES_AFTER, (device_id, since_hlc)))]
    actors = [r[0] for r in db.query("SELECT id FROM change_actors WHERE device_id = ?",
                                     (device_id,))]
    for sql in _FOLDED_AFTER.values():
        streams += [map(_bundle_row, db.execute(sql, (actor, since_hlc))) for actor in actors]
    return heapq.merge(*streams, key=lambda row: (row[6], row[0]))


def device_newest(db: Database, device_id: str) -> str | None:
    """The stamp of the device's newest change (None: it has none here)."""
    stamp: str | None = db.scalar(_DEVICE_NEWEST, {"device": device_id})
    return stamp


def unsent(db: Database, record_ids: Sequence[str], device_id: str, since_hlc: str) -> bool:
    """Whether any of the records has a change by the device stamped after ``since_hlc``."""
    return any(db.scalar(_UNSENT.format(marks=marks), [*chunk, device_id, since_hlc])
               for chunk, marks in id_chunks(record_ids))
