"""``Operation.insert_many(..., edits=...)``: records inserted together with the edits they get
right after (the demo's concern changes and closings) leave the change log, field history,
stored row and search index that an insert followed by :meth:`Operation.update` calls leaves,
although the row is stored once, in its final state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ops import change_value
from btam_desktop.core.session import Session

CREATED = "2026-03-01T10:00:00.000Z"


def _case(session: Session, number: str) -> dict[str, Any]:
    # Every field written, as the demo does (its insert change is then compact).
    return {"number": number, "title": "Threatening notes at Quarry Road depot",
            "summary": "Notes left on windscreens", "status": "monitoring",
            "concern": "moderate", "tier": "selective", "opened_on": "2026-01-05",
            "closed_on": None, "next_review": "2026-03-20", "closure_reason": "",
            "purge_review_on": None, "created_at": CREATED, "created_by": session.member_id}


EDITS: list[tuple[dict[str, Any], str | None]] = [
    ({"concern": "high", "tier": "intensive"}, "Brother says he bought a rifle"),
    ({"concern": "low", "tier": "universal", "title": "Threatening notes at Quarry Road depot"},
     "Rifle handed in; engaged with counselling"),  # the title is unchanged: not logged
    ({"status": "closed", "closed_on": "2026-02-27", "closure_reason": "Threat resolved",
      "purge_review_on": "2033-02-27", "next_review": None}, None),
]


def _log(session: Session, record_id: str) -> list[tuple[Any, ...]]:
    """The record's change rows as a reader sees them (stamps as their order only)."""
    rows = session.db.query("SELECT * FROM change_log WHERE record_id = ? ORDER BY hlc",
                            (record_id,))
    stamps = [r["hlc"] for r in rows]
    out = []
    for row in rows:
        value = change_value(session.db, "cases", record_id, row["field"], row["value"])
        base = row["base_hlc"]
        decoded = json.loads(value or "null")
        if row["field"] == "*":
            decoded.pop("number")  # the one field the compared cases differ in
        out.append((row["field"], decoded,
                     None if base is None else stamps.index(base), row["reason"],
                     row["member_id"], row["device_id"]))
    # (by stamp: a folded insert written out late has no earlier seq; nothing reads seq)
    return out


def test_insert_with_edits_logs_and_stores_what_insert_then_update_does(
        session: Session) -> None:
    with session.operation("one by one") as op:
        op.require_writer()
        [slow] = op.insert_many("cases", [_case(session, "2026-9001-AAA")])
        for values, reason in EDITS:
            previous, op.reason = op.reason, reason
            op.update("cases", slow, values)
            op.reason = previous
    with session.operation("together") as op:
        op.require_writer()
        bulk = op.insert_many("cases", [_case(session, "2026-9002-AAA"),
                                        _case(session, "2026-9003-AAA")],
                              edits=[EDITS, []])
    # The change log: the insert's copy of the case as opened, then each changed field.
    assert _log(session, bulk[0]) == _log(session, slow)
    fields = [row[0] for row in _log(session, bulk[0])]
    assert fields == ["*", "concern", "tier", "concern", "tier", "status", "closed_on",
                      "closure_reason", "purge_review_on", "next_review"]
    assert session.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                             (bulk[0],)) is not None  # a copy: the row is not the insert
    assert dict(_log(session, bulk[0])[0][1], number="2026-9002-AAA") == _case(
        session, "2026-9002-AAA")
    # A record without edits stays compact (no copy), as a plain insert.
    assert session.db.scalar("SELECT value FROM change_log WHERE record_id = ?",
                             (bulk[1],)) is None
    # Field history (what the app shows) reads the same, reasons included.
    store = session.store

    def history(record_id: str) -> list[tuple[Any, ...]]:
        return [(c.field, c.old, c.new, c.reason) for c in store.field_history(record_id)]

    assert history(bulk[0]) == history(slow)
    assert ("concern", "moderate", "high", "Brother says he bought a rifle") in history(slow)
    # The stored row is the final state, stamped with its last change.
    skip = {"id", "number", "updated_at", "updated_hlc"}

    def row(record_id: str) -> dict[str, Any]:
        found = session.db.query_one("SELECT * FROM cases WHERE id = ?", (record_id,))
        assert found is not None
        stored = dict(found)
        return {k: v for k, v in stored.items() if k not in skip}

    assert row(bulk[0]) == row(slow)
    assert row(bulk[0])["status"] == "closed" and row(bulk[0])["concern"] == "low"
    assert session.db.scalar("SELECT updated_hlc FROM cases WHERE id = ?", (bulk[0],)) == \
        session.db.scalar("SELECT max(hlc) FROM change_log WHERE record_id = ?", (bulk[0],))
    assert session.check() == []


def test_edits_of_fields_the_insert_did_not_write_or_of_entries_are_refused(
        session: Session) -> None:
    with pytest.raises(InvalidInput, match="fields the insert wrote"), \
            session.operation("bulk") as op:
        op.insert_many("persons", [{"family_name": "Quorvel", "created_at": CREATED}],
                       edits=[[({"notes": "x"}, None)]])
    with pytest.raises(InvalidInput, match="cannot be changed"), \
            session.operation("bulk") as op:
        op.insert_many("timeline", [{"case_id": "x", "kind": "note"}], edits=[[]])
    with pytest.raises(InvalidInput, match="one list of edits per row"), \
            session.operation("bulk") as op:
        op.insert_many("persons", [{"family_name": "Quorvel"}], edits=[])


def test_rows_whose_values_a_column_would_change_keep_their_copy(session: Session) -> None:
    """insert_many logs a row compact only when every value is of a type its column gives
    back as it was; a number in a text column, a bool or a float in an integer one, keep
    the copy (the stored row would read back otherwise)."""
    plain = _case(session, "2026-9101-AAA")
    odd = {"title": 4471, "summary": 2.5}  # TEXT columns given an int and a float
    rows = [plain, *(dict(_case(session, f"2026-91{n:02d}-AAA"), **{name: value})
                     for n, (name, value) in enumerate(odd.items(), start=2))]
    with session.operation("bulk") as op:
        op.require_writer()
        ids = op.insert_many("cases", rows)
    copies = [session.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                                (record_id,)) for record_id in ids]
    assert copies[0] is None
    assert [json.loads(c or "null") for c in copies[1:]] == rows[1:]
    for record_id, row in zip(ids, rows, strict=True):
        logged = change_value(session.db, "cases", record_id, "*", copies[ids.index(record_id)])
        assert json.loads(logged or "null") == row
