"""The write path's bulk form: ``Operation.insert_many`` writes what ``insert`` writes (record,
change-log row, search index), and record ids stay UUIDv7, unique and increasing."""

from __future__ import annotations

import json
import uuid

import pytest

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ids import new_id
from btam_desktop.core.ops import change_value
from btam_desktop.core.session import Session


def test_ids_are_uuid7_unique_and_increasing() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[-1])
    assert parsed.version == 7 and str(parsed) == ids[-1]
    assert parsed.variant == uuid.RFC_4122


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
            "SELECT field, value, base_hlc, device_id FROM changes WHERE record_id = ?",
            (person_id,))
        assert [(r[0], json.loads(change_value(session.db, "persons", person_id, r[0], r[1])
                                  or ""), r[2], r[3]) for r in logged] == [
            ("*", row, None, session.device_id)]
        stamp = session.db.scalar("SELECT updated_hlc FROM persons WHERE id = ?",
                                  (person_id,))
        assert stamp == session.db.scalar("SELECT hlc FROM changes WHERE record_id = ?",
                                          (person_id,))
    assert [p.id for p in session.store.search_persons("brindlemoss")] == [ids[1]]


def test_insert_many_wants_the_same_fields_in_every_row(session: Session) -> None:
    with pytest.raises(InvalidInput, match="same fields"), session.operation("bulk") as op:
        op.insert_many("persons", [{"family_name": "A", "created_at": "x"},
                                   {"family_name": "B"}])
