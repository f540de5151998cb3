"""The compact insert change: a local insert logs no copy of the record (value NULL, "the
record as stored"), yet every reader of the change log (bundles, need-to-know bundles, field
history, the conflict queue) sees exactly the value the insert would have logged as a copy,
for every record table, and the value is filled in before anything changes or erases the
stored row (a local edit, trash, a merged change from another laptop)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from btam_desktop.core import ops
from btam_desktop.core.ops import TABLES, ChangeLogError, change_value, encode_value
from btam_desktop.core.session import Session
from btam_desktop.core.sync import payload

from .conftest import relay, snapshot

Laptops = Callable[[str], Session]


def _stored(session: Session, table: str, record_id: str) -> dict[str, Any]:
    row = session.db.query_one(f"SELECT * FROM {table} WHERE id = ?", (record_id,))
    assert row is not None
    return {name: row[name] for name in TABLES[table].fields}


def _every_table(session: Session) -> dict[str, tuple[str, dict[str, Any]]]:
    """One record of every record table, inserted through the write path with every field
    (so that its insert change is compact): {table: (record id, the row inserted)}. The values
    are those of records the app itself made (copied with new ids), plus the awkward ones: an
    integer column, a blob, text beyond ASCII, a NULL."""
    store = session.store
    case = store.create_case("Letters to the clinic", concern="moderate")
    store.add_note(case.id, "Third letter, signed 'Ø. Ünal' — mentions the car park")
    person = store.add_person(family_name="Ōkubo", given_names="Rei", aliases=["r_okb"])
    store.link_person(case.id, person.id, "person_of_concern")
    store.add_task(case.id, "30-day review", due_on="2026-04-01", kind="review")
    store.add_attachment(case.id, "statement.txt", b"typed \x00 statement")
    partner = store.add_partner("Harlow Crisis Line", "mental_health")
    sub = session.submissions.create(case.id, "contact_log", {"contact_summary": "Desk"})
    store.assign(case.id, session.actor_name)
    db = session.db
    made: dict[str, str] = {
        "members": str(session.member_id), "cases": case.id, "persons": person.id,
        "partners": partner.id, "submissions": sub.id,
    }
    for table in ("case_assignments", "case_persons", "timeline", "tasks", "attachments"):
        made[table] = str(db.scalar(f"SELECT id FROM {table} WHERE case_id = ?", (case.id,)))
    made["form_definitions"] = str(db.scalar("SELECT id FROM form_definitions LIMIT 1"))
    rows = {table: _stored(session, table, record_id) for table, record_id in made.items()}
    rows["members"].update(name="Ida Quell", active=1)
    rows["cases"]["number"] = rows["cases"]["number"] + "-C"
    rows["form_definitions"]["version"] += 100
    rows["submissions"]["form_version"] = rows["form_definitions"]["version"]
    rows["timeline"]["partner_id"] = partner.id
    rows["disseminations"] = {
        "case_id": case.id, "submission_id": None, "what": "pdf", "recipient": "Clinic",
        "purpose": "safety plan", "legal_basis": "consent", "redaction_profile": "full",
        "filename": "case.pdf", "sha256": "ab" * 32, "exported_at": "2026-03-01T10:00:00Z",
        "exported_by": session.member_id, "exported_by_name": session.actor_name}
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    with session.operation("clone") as op:
        op.require_writer()
        for table in ("members", "cases", "persons", "partners", "form_definitions",
                      "case_assignments", "case_persons", "timeline", "tasks", "attachments",
                      "submissions", "disseminations"):
            row = rows[table]
            for name in ("case_id",):
                if name in row:
                    row[name] = out["cases"][0] if "cases" in out else row[name]
            if table == "case_persons":
                row["person_id"] = out["persons"][0]
            record_id = op.insert(table, row)
            out[table] = (record_id, row)
    assert set(out) == set(TABLES)
    return out


def _compact(session: Session, record_id: str) -> bool:
    return bool(session.db.scalar("SELECT value IS NULL FROM change_log WHERE record_id = ?"
                                  " AND field = '*'", (record_id,)) == 1)


def _star_values(doc: dict[str, Any]) -> dict[str, Any]:
    return {row[2]: row[4] for row in doc["changes"] if row[3] == "*"}


def test_every_table_reads_back_what_a_copy_would_have_held(laptops: Laptops) -> None:
    a = laptops("A")
    made = _every_table(a)
    for table, (record_id, row) in made.items():
        # The dissemination log's insert copy is its witness against edits: never compact.
        assert _compact(a, record_id) == (table != "disseminations"), table
        logged = a.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                             (record_id,))
        assert change_value(a.db, table, record_id, "*", logged) == encode_value(row), table

    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    values = _star_values(doc)
    for table, (record_id, row) in made.items():
        assert values[record_id] == encode_value(row), table  # byte for byte
    assert None not in values.values()
    history = {rid: a.store.field_history(rid) for rid, _ in made.values()}

    # Filled in, as copies: the same bundle, the same history.
    with a.operation("fill") as op:
        for table, (record_id, _) in made.items():
            op.materialise(table, [record_id])
    assert not any(_compact(a, rid) for rid, _ in made.values())
    again = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    assert again["changes"] == doc["changes"]
    assert {rid: a.store.field_history(rid) for rid, _ in made.values()} == history


def test_a_compact_vault_syncs_every_table_whole(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    made = _every_table(a)
    relay(a, b)
    ours, theirs = snapshot(a), snapshot(b)
    for table in ("cases", "case_assignments", "persons", "case_persons", "partners",
                  "timeline", "tasks", "submissions", "disseminations", "attachments"):
        assert theirs[table] == ours[table], table
    assert set(ours["changes"]) <= set(theirs["changes"])  # B's own member is B's
    for table, (record_id, row) in made.items():
        got = b.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                          (record_id,))
        # Arrived as a copy; kept compact where the stored row gives back the same bytes.
        assert (got is None) == (table != "disseminations"), table
        assert change_value(b.db, table, record_id, "*", got) == encode_value(row)
    assert b.store.field_history(made["cases"][0]) == a.store.field_history(made["cases"][0])
    # And passed on from B to a third laptop byte for byte.
    doc = payload.collect(b.db, device_id=b.device_id, ack={}, roster=None)
    values = _star_values(doc)
    for record_id, row in made.values():
        assert values[record_id] == encode_value(row)


def test_a_record_made_and_changed_in_one_bundle_keeps_its_original(laptops: Laptops) -> None:
    """Within one import the insert change is still collected (a batch) when the change of
    the same record arrives: it is written and filled in first."""
    a, b = laptops("A"), laptops("B")
    made = _every_table(a)
    case_id, case_row = made["cases"]
    person_id, person_row = made["persons"]
    with a.operation("edit") as op:
        op.require_writer()
        # First a field outside the search index (whose change makes the merge write what it
        # has collected anyway), then one inside it.
        op.update("persons", person_id, {"notes": "first note"})
        op.update("cases", case_id, {"title": "Renamed before the first sync"})
    relay(a, b)
    for record_id, row in ((case_id, case_row), (person_id, person_row)):
        assert b.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                           (record_id,)) == encode_value(row)
        assert b.store.field_history(record_id) == a.store.field_history(record_id)
    assert b.store.get_case(case_id).title == "Renamed before the first sync"


def test_a_remote_insert_that_would_not_read_back_the_same_keeps_its_copy(
        laptops: Laptops) -> None:
    """A sender's value in another text form, or missing a field, stays a copy."""
    a, b = laptops("A"), laptops("B")
    made = _every_table(a)
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    case_id, case_row = made["cases"]
    task_id, task_row = made["tasks"]
    spaced = json.dumps(case_row, sort_keys=True, separators=(",", ":"))  # no spaces
    partial = encode_value({k: v for k, v in task_row.items() if k != "notes"})
    for row in doc["changes"]:
        if row[2] == case_id and row[3] == "*":
            row[4] = spaced
        if row[2] == task_id and row[3] == "*":
            row[4] = partial
    parsed = payload.parse(json.loads(json.dumps(doc)))
    with b.operation("bundle.import") as op:
        payload.apply(op, parsed, local_device=b.device_id)
    for record_id, sent in ((case_id, spaced), (task_id, partial)):
        assert b.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                           (record_id,)) == sent


def test_a_limited_laptop_gets_the_copies_of_a_case_newly_in_scope(laptops: Laptops) -> None:
    from btam_desktop.core.sync import scope

    a = laptops("A")
    made = _every_table(a)
    case_id = made["cases"][0]
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    everything = [row for row in doc["changes"] if row[3] == "*"]
    limited = scope.Scope("X", frozenset({case_id}), frozenset({case_id}), frozenset())
    kept = scope.keep(a.db, limited, [list(r) for r in doc["changes"] if r[1] == "members"])
    values = _star_values({"changes": kept})
    for table in ("timeline", "tasks", "case_persons", "attachments"):
        record_id, row = made[table]
        assert values[record_id] == encode_value(row), table
    assert all(r[4] is not None for r in everything)


def test_edit_trash_and_merge_after_insert_fill_in_the_original(laptops: Laptops) -> None:
    a, b = laptops("A"), laptops("B")
    made = _every_table(a)
    case_id, case_row = made["cases"]
    task_id, task_row = made["tasks"]
    person_id, person_row = made["persons"]
    link_id, link_row = made["case_persons"]
    relay(a, b)

    def logged(session: Session, record_id: str) -> Any:
        return session.db.scalar(
            "SELECT value FROM change_log WHERE record_id = ? AND field = '*'", (record_id,))

    # An edit on this laptop, in the same operation as the insert (as the demo closes cases).
    with a.operation("edit") as op:
        op.require_writer()
        fresh = op.insert("cases", dict(case_row, number=case_row["number"] + "-2"))
        op.update("cases", fresh, {"title": "Renamed at once"})
    assert logged(a, fresh) == encode_value(dict(case_row, number=case_row["number"] + "-2"))
    assert [(c.field, c.old, c.new) for c in a.store.field_history(fresh)] == [
        ("title", case_row["title"], "Renamed at once")]

    # A later edit, trash and restore.
    a.store.update_case(case_id, {"title": "Letters to the clinic (2)"})
    assert logged(a, case_id) == encode_value(case_row)
    with a.operation("trash") as op:
        op.require_writer()
        op.trash("tasks", task_id)
    assert logged(a, task_id) == encode_value(task_row)
    # A submission's answers, logged per answer.
    sub_id, sub_row = made["submissions"]
    assert _compact(a, sub_id)
    with a.operation("answers") as op:
        op.require_writer()
        op.update_json("submissions", sub_id, "answers", {"contact_summary": "Phone"})
    assert logged(a, sub_id) == encode_value(sub_row)
    assert [(c.field, c.new) for c in a.store.field_history(sub_id)] == [
        ("answers.contact_summary", "Phone")]
    # A change from another laptop to a record that is still compact here.
    assert _compact(a, person_id)
    with b.operation("edit") as op:
        op.require_writer()
        op.update("persons", person_id, {"notes": "moved to Harlow"})
    relay(b, a)
    assert logged(a, person_id) == encode_value(person_row)
    assert a.store.field_history(person_id) == b.store.field_history(person_id)
    assert [(c.field, c.old, c.new) for c in a.store.field_history(person_id)] == [
        ("notes", person_row["notes"], "moved to Harlow")]
    # A purge takes the record's change rows with it: nothing left to fill in.
    assert _compact(a, link_id)
    with a.operation("purge") as op:
        op.purge("case_persons", link_id)
    assert a.db.scalar("SELECT count(*) FROM change_log WHERE record_id = ? AND field != "
                       "'__purged__'", (link_id,)) == 0
    relay(a, b)
    assert snapshot(a)["persons"] == snapshot(b)["persons"]
    assert b.db.scalar("SELECT 1 FROM case_persons WHERE id = ?", (link_id,)) is None
    assert json.loads(logged(b, task_id)) == task_row


def test_a_row_erased_behind_the_write_paths_back_is_reported(laptops: Laptops) -> None:
    """A compact insert change row whose record is gone is reported. (A folded insert, schema
    v18, has no change row: erased with its row, it is found only by the write-path scan,
    tests/core/test_write_path.py, and the audit trail; docs/change-log-design.md, Risks.)"""
    a = laptops("A")
    made = _every_table(a)
    partner_id = made["partners"][0]
    assert _compact(a, partner_id)  # not a folded table: its insert is a compact change row
    a.db.execute("DELETE FROM partners WHERE id = ?", (partner_id,))
    with pytest.raises(ChangeLogError, match="not stored"):
        payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)


def test_values_a_column_would_change_are_logged_as_copies(laptops: Laptops) -> None:
    """A bool, or a number in a text column, comes back from the row changed (True as 1,
    7 as '7'): such an insert keeps its copy."""
    a = laptops("A")
    made = _every_table(a)
    _, member = made["members"]
    with a.operation("members") as op:
        op.require_lead()
        as_bool = op.insert("members", dict(member, name="Bo Olle", active=True))
        as_number = op.insert("members", dict(member, name="Cy Olle", badge=4471))
    assert not _compact(a, as_bool) and not _compact(a, as_number)
    assert json.loads(change_value(a.db, "members", as_bool, "*", a.db.scalar(
        "SELECT value FROM change_log WHERE record_id = ?", (as_bool,))) or "")["active"] is True


def test_old_style_copies_still_read_as_before(laptops: Laptops,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A vault written before the compact change (every insert a copy) reads the same."""
    monkeypatch.setattr(ops, "_WITNESSED", frozenset(TABLES))
    a = laptops("A")
    made = _every_table(a)
    assert not any(_compact(a, rid) for rid, _ in made.values())
    values = _star_values(payload.collect(a.db, device_id=a.device_id, ack={}, roster=None))
    for record_id, row in made.values():
        assert values[record_id] == encode_value(row)


def test_a_case_opened_in_the_app_is_logged_without_a_copy(laptops: Laptops) -> None:
    """The store's own case creation writes every field, so the change log keeps no second
    copy of a new case (most cases are opened this way, not by the demo)."""
    a = laptops("A")
    case = a.store.create_case("Compact case", concern="low")
    assert _compact(a, case.id)
    logged = json.loads(change_value(a.db, "cases", case.id, "*", None) or "")
    assert logged["title"] == "Compact case" and logged["closed_on"] is None
