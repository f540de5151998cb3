"""core/changelog.py, the one reader of the change log: each access pattern is served by the
index it is meant to use (its EXPLAIN QUERY PLAN pinned: a change of schema or statement that
makes SQLite walk the whole log fails here), and each function gives back what the change
rows hold, in the order it promises."""

from __future__ import annotations

from typing import Any

import pytest

from btam_desktop.core import changelog
from btam_desktop.core.ids import new_id
from btam_desktop.core.ops import TABLES
from btam_desktop.core.schema import FOLDED
from btam_desktop.core.session import Session
from tests.conftest import LEAD


def _plan(session: Session, sql: str, params: Any) -> str:
    return " | ".join(str(r[3]) for r in session.db.query("EXPLAIN QUERY PLAN " + sql, params))


# The view change_log is changes plus one arm per folded table (schema v18): a statement
# through it must search changes by its index and each arm by the record's primary key (a
# record or a change id named) or by the table's folded index (a device and a stamp named).
_BY_ID = [f"SEARCH t USING INDEX sqlite_autoindex_{table}_1 (id=?)" for table in FOLDED]
_BY_DEVICE = [f"SEARCH t USING INDEX {table}_folded (ins_actor=? AND {stamp}>?)"
              for table, stamp in FOLDED.items()]
_RECORD = "SEARCH changes USING INDEX changes_record (record_id=?)"
_FIELD = "SEARCH changes USING INDEX changes_record (record_id=? AND field=?)"

# statement, parameters, the index searches the plan must name
PLANS: list[tuple[str, str, Any, list[str]]] = [
    ("a record's changes", changelog._OF_RECORD, ["r"], [_RECORD, *_BY_ID]),
    ("field history", changelog._HISTORY, ["r"], [_RECORD, *_BY_ID]),
    ("resolutions", changelog._RESOLUTIONS, ["r"], [_RECORD, *_BY_ID]),
    ("several records' changes", changelog._OF_RECORDS.format(marks="?, ?"), ["r", "s"],
     [_RECORD, *_BY_ID]),
    ("an insert", changelog._INSERT_OF, ["r"], [_FIELD, *_BY_ID]),
    ("inserts", changelog._INSERTS_OF.format(marks="?, ?"), ["r", "s"], [_FIELD, *_BY_ID]),
    ("compact inserts", changelog._COMPACT_INSERTS.format(marks="?, ?"), ["r", "s"],
     [_FIELD, *_BY_ID]),
    ("newest stamp of a field", changelog._NEWEST_STAMP, ["r", "title"], [_FIELD, *_BY_ID]),
    ("newest stamp per field", changelog._NEWEST_PER_FIELD, ["r", '["title", "*"]'],
     [_FIELD, *_BY_ID]),
    ("newest change of a field", changelog._NEWEST, ["r", "title"], [_FIELD, *_BY_ID]),
    ("a change by id", changelog._BY_ID, ["c"],
     ["SEARCH changes USING INDEX sqlite_autoindex_changes_1 (change_id=?)", *_BY_ID]),
    ("known change ids", changelog._KNOWN.format(marks="?, ?"), ["c", "d"],
     ["SEARCH changes USING COVERING INDEX sqlite_autoindex_changes_1 (change_id=?)"]),
    *[(f"known folded inserts of {table}",
       changelog._KNOWN_FOLDED.format(table=table, marks="?, ?"), ["r", "s"],
       [f"SEARCH {table} USING INDEX sqlite_autoindex_{table}_1 (id=?)"]) for table in FOLDED],
    ("a device after a stamp", changelog._DEVICE_AFTER, ["d", "h"],
     ["SEARCH changes USING INDEX changes_device (device_id=? AND hlc>?)",
      "SEARCH a USING INDEX change_actors_pair (device_id=?)", *_BY_DEVICE]),
    ("a device's newest stamp", changelog._DEVICE_NEWEST, {"device": "d"},
     ["SEARCH changes USING COVERING INDEX changes_device (device_id=?)",
      "SEARCH a USING COVERING INDEX change_actors_pair (device_id=?)",
      *[f"SEARCH {table} USING COVERING INDEX {table}_folded (ins_actor=?)"
        for table in FOLDED]]),
    ("unsent changes of records", changelog._UNSENT.format(marks="?, ?"), ["r", "s", "d", "h"],
     ["SEARCH changes USING INDEX changes_device (device_id=? AND hlc>?)", *_BY_ID]),
    ("every device after a stamp (dashboard)",
     changelog.RECENT_SINCE + "SELECT * FROM recent", {"since": "h"},
     ["SEARCH ch USING INDEX changes_device (device_id=? AND hlc>?)", *_BY_DEVICE]),
]
# What a plan may SCAN: the view's or a CTE's own rows (already searched), json_each's list,
# and change_actors (alias a: one row per device and member pair, a handful in any vault)
# where the dashboard reads every actor's folded inserts after a stamp.
_SCANNED = {"change_log", "c", "devices", "recent", "CONSTANT", "json_each", "a"}


@pytest.mark.parametrize(("name", "sql", "params", "searches"), PLANS,
                         ids=[p[0] for p in PLANS])
def test_each_access_pattern_reads_its_index(session: Session, name: str, sql: str,
                                             params: Any, searches: list[str]) -> None:
    session.store.create_case("Plan", concern="low")
    plan = _plan(session, sql, params)
    for search in searches:
        assert search in plan, (search, plan)
    # Never a walk of a table: of the change log, of a folded table, by any index (a SCAN
    # of anything but the view's or a CTE's own rows).
    scanned = {item.split()[1] for item in plan.split(" | ") if item.startswith("SCAN ")}
    assert scanned <= _SCANNED, plan
    if "SCAN a" in plan.split(" | "):
        assert name.endswith("(dashboard)"), plan


@pytest.fixture
def edited(session: Session) -> dict[str, Any]:
    """A case with an edit of its title, a task and a copy of it written with every field,
    and a corrected timeline entry."""
    store = session.store
    case = store.create_case("First title", concern="low")
    task = store.add_task(case.id, "Call back")
    store.update_case(case.id, {"title": "Second title"})
    entry = store.add_entry(case.id, "note", summary="Met the school")
    fixed = store.correct_entry(entry.id, reason="wrong school", summary="Met the college")
    # A copy of the task written with every field: its insert change is compact (no value).
    row = session.db.query_one("SELECT * FROM tasks WHERE id = ?", (task.id,))
    assert row is not None
    with session.operation("clone") as op:
        op.require_writer()
        copy = op.insert("tasks", {name: row[name] for name in TABLES["tasks"].fields})
    return {"case": case.id, "task": task.id, "entry": entry.id, "fixed": fixed.id,
            "copy": copy}


def test_a_records_changes_oldest_first_with_the_members_name(session: Session,
                                                               edited: dict[str, Any]) -> None:
    rows = changelog.history(session.db, edited["case"])
    assert [r["field"] for r in rows] == ["*", "title"]
    assert [r["hlc"] for r in rows] == sorted(r["hlc"] for r in rows)
    assert {r["member_name"] for r in rows} == {LEAD}
    assert rows[1]["value"] == '"Second title"'
    unordered = changelog.of_record(session.db, edited["case"])
    assert {r["change_id"] for r in unordered} == {r["change_id"] for r in rows}
    assert changelog.history(session.db, new_id()) == []
    assert changelog.resolutions_of(session.db, edited["case"]) == []


def test_records_changes_in_the_bundles_layout(session: Session,
                                               edited: dict[str, Any]) -> None:
    rows = changelog.of_records(session.db, [edited["case"], edited["task"]])
    assert sorted((r[2], r[3]) for r in rows) == sorted(
        [(edited["case"], "*"), (edited["case"], "title"), (edited["task"], "*")])
    assert all(len(r) == 12 and r[7] == session.device_id and r[10] is None and r[11] is None
               for r in rows)  # no resolution, no lead's signature
    # More records than one statement binds: the same rows, none twice.
    many = [new_id() for _ in range(1200)] + [edited["task"]]
    assert [r[2] for r in changelog.of_records(session.db, many)] == [edited["task"]]


def test_inserts_their_reason_and_which_are_compact(session: Session,
                                                    edited: dict[str, Any]) -> None:
    db = session.db
    fixed = changelog.insert_of(db, edited["fixed"])
    assert fixed is not None and fixed["reason"] == "wrong school"
    assert fixed["tbl"] == "timeline"
    assert changelog.insert_of(db, new_id()) is None
    both = changelog.inserts_of(db, [edited["case"], edited["task"], new_id()])
    assert {r["record_id"] for r in both} == {edited["case"], edited["task"]}
    tasks = changelog.inserts_of(db, [edited["case"], edited["task"]], "tasks")
    assert [r["record_id"] for r in tasks] == [edited["task"]]
    # Only the copy's insert is compact (the case's was filled in before its edit).
    records = [edited["case"], edited["task"], edited["copy"]]
    assert changelog.compact_inserts(db, records) == [edited["copy"]]
    copy = changelog.insert_of(db, edited["copy"])
    assert copy is not None and copy["value"] is None
    assert session.store.correction_reason(edited["fixed"]) == "wrong school"
    assert session.store.correction_reason(edited["entry"]) == ""


def test_the_newest_change_of_a_field_or_of_the_insert(session: Session,
                                                       edited: dict[str, Any]) -> None:
    db = session.db
    rows = {r["field"]: r for r in changelog.history(db, edited["case"])}
    title, insert = rows["title"]["hlc"], rows["*"]["hlc"]
    assert changelog.newest_stamp(db, edited["case"], "title") == title
    assert changelog.newest_stamp(db, edited["case"], "concern") == insert
    assert changelog.newest_stamp(db, new_id(), "title") is None
    assert changelog.newest_per_field(db, edited["case"], ["title", "concern", "*"]) == {
        "title": title, "*": insert}
    assert changelog.newest(db, edited["case"], "title") == (title, session.device_id)
    assert changelog.newest(db, new_id(), "title") is None


def test_a_change_by_its_id(session: Session, edited: dict[str, Any]) -> None:
    db = session.db
    rows = changelog.history(db, edited["case"])
    row = changelog.by_id(db, rows[1]["change_id"])
    assert row is not None and row["record_id"] == edited["case"]
    assert row["field"] == "title" and row["member_name"] == LEAD
    assert changelog.by_id(db, new_id()) is None
    ids = [r["change_id"] for r in rows]
    assert changelog.known(db, [*ids, new_id()]) == set(ids)
    # A folded insert (the copy's: change id = record id, no change row) is known by its
    # table and record, and only when asked so.
    task = edited["copy"]
    assert changelog.by_id(db, task) is not None
    assert changelog.known(db, [task]) == set()
    assert changelog.known(db, [task], [("tasks", task)]) == {task}
    assert changelog.known(db, [task], [("tasks", new_id())]) == set()


def test_a_devices_changes_after_a_stamp(session: Session, edited: dict[str, Any]) -> None:
    db = session.db
    device = session.device_id
    everything = changelog.device_after(db, device, "")
    stamps = [r[6] for r in everything]
    assert stamps == sorted(stamps) and stamps[-1] == changelog.device_newest(db, device)
    title = changelog.newest_stamp(db, edited["case"], "title")
    assert title is not None
    later = changelog.device_after(db, device, title)
    assert later == [r for r in everything if r[6] > title]
    assert (edited["case"], "title") not in {(r[2], r[3]) for r in later}
    assert changelog.device_after(db, new_id(), "") == []
    assert changelog.device_newest(db, new_id()) is None
    records = [edited["case"], edited["task"]]
    insert = changelog.newest_stamp(db, edited["task"], "*")
    assert insert is not None
    assert changelog.unsent(db, records, device, insert)  # the title came after the task
    assert not changelog.unsent(db, records, device, title)
    assert not changelog.unsent(db, records, new_id(), "")
