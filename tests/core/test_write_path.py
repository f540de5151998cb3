"""The write path's bulk form: ``Operation.insert_many`` writes what ``insert`` writes (record,
change-log row, search index), and record ids stay UUIDv7 values (as 22 base-62 digits),
unique and increasing."""

from __future__ import annotations

import itertools
import json
import time
import uuid

import pytest

from btam_desktop.core import audit
from btam_desktop.core.audit import Pending
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ids import id_value, new_id, new_ids
from btam_desktop.core.ops import change_value
from btam_desktop.core.session import Session


def _uuid7(text: str) -> uuid.UUID:
    """The UUID an id holds: 22 base-62 digits of its 128 bits."""
    assert len(text) == 22 and text.isascii() and text.isalnum(), text
    return uuid.UUID(int=id_value(text))


def test_ids_are_uuid7_unique_and_increasing() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    parsed = _uuid7(ids[-1])
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_ids_made_in_bulk_are_uuid7_unique_and_increasing_with_the_others() -> None:
    ids = [new_id(), *new_ids(5000), new_id(), *new_ids(1), *new_ids(9000), new_id()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    values = [id_value(text) for text in ids]
    assert values == sorted(values)  # the text's order is the number's
    for text in ids:
        parsed = _uuid7(text)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert new_ids(0) == []


def test_ids_carry_their_millisecond_and_a_counter_and_random_bits() -> None:
    """RFC 9562 layout, read back by the uuid module: 48-bit Unix milliseconds of when they
    were made, version 7, a 12-bit counter rising within a millisecond, variant 10, and
    random bits that differ from id to id."""
    before = time.time_ns() // 1_000_000
    ids = new_ids(9000)
    after = time.time_ns() // 1_000_000
    fields = [_uuid7(text).int for text in ids]
    millis = [n >> 80 for n in fields]
    # 4,096 a millisecond, then the next is borrowed (ids made just before may have too)
    assert before <= millis[0] and millis[-1] <= max(after, millis[0]) + 3
    for previous, n in itertools.pairwise(fields):
        if n >> 80 == previous >> 80:
            assert (n >> 64 & 0xFFF) == (previous >> 64 & 0xFFF) + 1
    assert len({n & (1 << 62) - 1 for n in fields}) == len(fields)
    assert all(n >> 76 & 0xF == 7 and n >> 62 & 0b11 == 0b10 for n in fields)


def test_audit_entries_appended_together_are_those_appended_one_by_one(
        session: Session) -> None:
    details = [{"n": n, "note": "ü"} for n in range(3)]
    with session.operation("one by one") as op:
        op.require_writer()
        for n, detail in enumerate(details):
            op.audit("demo.case", "case", f"c{n}", **detail)
    with session.operation("together") as op:
        op.require_writer()
        op.audit_many([Pending(op.audit_stamp(), "demo.case", "case", f"c{n}", detail)
                       for n, detail in enumerate(details)])
    columns = ("member_id", "member_name", "action", "record_type", "record_id", "detail",
               "signer_key")
    rows = session.db.query(f"SELECT {', '.join(columns)}, signature, device_seq FROM audit"
                            " WHERE action = 'demo.case' ORDER BY seq")
    assert [tuple(r)[:len(columns)] for r in rows[:3]] == [
        tuple(r)[:len(columns)] for r in rows[3:]]
    assert all(r["signature"] for r in rows)
    assert [r["device_seq"] for r in rows] == list(
        range(rows[0]["device_seq"], rows[0]["device_seq"] + 6))
    assert audit.verify(session.db) == []


def test_insert_many_logs_and_indexes_each_record_as_insert_does(session: Session) -> None:
    rows = [{"family_name": name, "given_names": "Ada", "aliases": "[]",
             "created_at": "2026-03-01T10:00:00Z"} for name in ("Quorvel", "Brindlemoss")]
    with session.operation("bulk") as op:
        op.require_writer()
        ids = op.insert_many("persons", rows)
        single = op.insert("persons", dict(rows[0], family_name="Tamsworth"))
    for person_id, row in zip([*ids, single], [*rows, dict(rows[0], family_name="Tamsworth")],
                              strict=True):
        logged = session.db.query(
            "SELECT field, value, base_hlc, device_id FROM change_log WHERE record_id = ?",
            (person_id,))
        assert [(r[0], json.loads(change_value(session.db, "persons", person_id, r[0], r[1])
                                  or ""), r[2], r[3]) for r in logged] == [
            ("*", row, None, session.device_id)]
        stamp = session.db.scalar("SELECT updated_hlc FROM persons WHERE id = ?",
                                  (person_id,))
        assert stamp == session.db.scalar("SELECT hlc FROM change_log WHERE record_id = ?",
                                          (person_id,))
    assert [p.id for p in session.store.search_persons("brindlemoss")] == [ids[1]]


def test_insert_many_wants_the_same_fields_in_every_row(session: Session) -> None:
    with pytest.raises(InvalidInput, match="same fields"), session.operation("bulk") as op:
        op.insert_many("persons", [{"family_name": "A", "created_at": "x"},
                                   {"family_name": "B"}])


def test_no_module_changes_a_record_row_behind_the_write_path() -> None:
    """A record inserted compactly has no copy in the change log: whatever changes or erases
    its row first has to fill that copy in, which Operation._rewrite does; a folded insert
    (schema v18) has no change row at all and its stamp is the row's until _rewrite writes it
    out. Every UPDATE or DELETE of a record table in the code must therefore be handed to it."""
    import re
    from pathlib import Path

    from btam_desktop.core.ops import TABLES

    names = "|".join(sorted(TABLES))
    statement = re.compile(rf"(UPDATE|DELETE FROM|REPLACE INTO|INSERT OR REPLACE INTO)"
                           rf" (\{{\w+(\.\w+)?\}}|(?:{names})\b)")
    # Sync's own tables, emptied on a restore: no records among them.
    exempt = {("restore.py", 'db.execute(f"DELETE FROM {table}")'),
              # The write-out itself (ops._unfold, called by materialise): it clears the
              # folded row's actor once its change row is written.
              ("ops.py", 'db.execute(f"UPDATE {table} SET ins_actor = NULL WHERE id IN'
                         ' ({marks})"')}
    package = Path(__file__).resolve().parents[2] / "btam_desktop"
    bypassing = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "schema.py":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if not statement.search(line) or (path.name, line.strip()) in exempt:
                continue
            if not any("rewrite(" in before for before in lines[max(0, number - 2):number + 1]):
                bypassing.append(f"{path.relative_to(package)}:{number + 1}: {line.strip()}")
    assert bypassing == []


def test_a_number_that_is_not_finite_is_refused_and_nothing_is_written(
        session: Session) -> None:
    """NaN and infinity are not JSON: every other laptop would refuse the bundle carrying one
    (a travelling value is read strictly), so the write path refuses it here, plainly."""
    case = session.store.create_case("Finite numbers only", concern="low")
    draft = session.submissions.create(case.id, "contact_log", {}, strict=False)
    before = session.db.scalar("SELECT count(*) FROM change_log")
    for number in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(InvalidInput, match="not finite"):
            session.submissions.save_draft(draft.id, {"contact_summary": number})
    assert session.db.scalar("SELECT count(*) FROM change_log") == before
    assert session.submissions.get(draft.id).answers == {}
