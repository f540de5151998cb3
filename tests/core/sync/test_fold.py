"""The fold (schema v18, docs/change-log-design.md): a plain insert change kept in its record
row instead of a change row. What a user relies on must not see it: field history, the
conflict queue, the bundles (byte for byte) and the dashboard's "since you last signed in"
read the same whether an insert is folded or written out as a change row; a folded insert's
change id is its record id in every vault it reaches; a laptop that does not fold (older)
exchanges with one that does."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from btam_desktop.core import changelog, ops, queries
from btam_desktop.core.schema import FOLDED
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, payload

from .conftest import relay, snapshot


@contextlib.contextmanager
def _not_folding() -> Iterator[None]:
    """Write or import as a laptop from before v18 (no fold)."""
    ops.FOLD_INSERTS = False
    try:
        yield
    finally:
        ops.FOLD_INSERTS = True


def _rows(session: Session, record_id: str) -> int:
    return int(session.db.scalar("SELECT count(*) FROM changes WHERE record_id = ?",
                                 (record_id,)))


def test_a_plain_insert_writes_no_change_row_and_reads_as_its_insert(
        laptops: Callable[[str], Session]) -> None:
    a = laptops("A")
    case = a.store.create_case("Posts about the plant", concern="low")
    assert _rows(a, case.id) == 0
    insert = changelog.insert_of(a.db, case.id)
    assert insert is not None
    stamp = a.db.scalar("SELECT updated_hlc FROM cases WHERE id = ?", (case.id,))
    assert insert["change_id"] == case.id and insert["hlc"] == stamp
    assert insert["device_id"] == a.device_id and insert["value"] is None
    assert [r["member_name"] for r in changelog.history(a.db, case.id)] == ["Lead A"]
    # Written out, unchanged, the moment the row changes: same id, stamp, device, and the
    # row as it was inserted as its value.
    before = ops.logged_values(a.db, "cases", [case.id])[case.id]
    a.store.update_case(case.id, {"title": "Posts about the mill"})
    written = a.db.query_one("SELECT * FROM changes WHERE record_id = ? AND field = '*'",
                             (case.id,))
    assert written is not None
    assert (written["change_id"], written["hlc"], written["device_id"]) == (
        case.id, stamp, a.device_id)
    assert written["value"] == before
    assert a.db.scalar("SELECT ins_actor FROM cases WHERE id = ?", (case.id,)) is None
    assert [r["field"] for r in changelog.history(a.db, case.id)] == ["*", "title"]


def _activity(a: Session, b: Session) -> str:
    """Cases, people, notes and tasks on A, edited on both laptops (a conflict among them);
    returns a case id."""
    case = a.store.create_case("Note at the school", concern="moderate")
    other = a.store.create_case("Threats to a neighbour", concern="low")
    person = a.store.add_person(family_name="Doe", given_names="Alex")
    a.store.link_person(case.id, person.id, "witness")
    a.store.add_note(case.id, "Met the school")
    a.store.add_task(other.id, "Call back")
    a.store.assign(case.id, "Lead A")  # the dashboard shows the changes on one's own cases
    a.store.assign(other.id, "Lead A")
    relay(a, b)
    relay(b, a)
    a.store.update_case(case.id, {"title": "Note at the college"})
    b.store.update_case(case.id, {"title": "Note at the academy"})
    b.store.add_note(other.id, "Called the neighbour")
    relay(a, b)
    relay(b, a)
    return case.id


def _reads(session: Session) -> dict[str, Any]:
    """What users see of the log, laid out to compare (``seq`` left out: nothing reads it)."""
    db = session.db
    records = [str(r[0]) for table in FOLDED for r in db.query(f"SELECT id FROM {table}")]
    member = session.member_id
    assert member is not None
    bundle = payload.collect(db, device_id=session.device_id, ack={}, roster=None)
    return {
        "history": {r: [{k: row[k] for k in row.keys() if k != "seq"}  # noqa: SIM118
                        for row in changelog.history(db, r)] for r in sorted(records)},
        "conflicts": conflicts.listing(db, include_resolved=True),
        "bundle": json.dumps(bundle["changes"], sort_keys=True),
        "since": queries.changes_since(db, member, ""),
        "newest": changelog.device_newest(db, session.device_id),
    }


def test_a_vault_reads_the_same_with_its_inserts_folded_or_written_out(
        laptops: Callable[[str], Session]) -> None:
    a, b = laptops("A"), laptops("B")
    _activity(a, b)
    folded = int(a.db.scalar("SELECT count(*) FROM cases WHERE ins_actor IS NOT NULL"))
    assert folded >= 1
    before = _reads(a)
    assert before["conflicts"] and before["since"] and before["bundle"]
    # Every folded insert written out as a change row (what a laptop that does not fold holds,
    # with the same change ids).
    with a.db.transaction():
        for table in FOLDED:
            ops._unfold(a.db, table, [str(r[0]) for r in a.db.query(
                f"SELECT id FROM {table} WHERE ins_actor IS NOT NULL")])
    assert all(a.db.scalar(f"SELECT count(*) FROM {t} WHERE ins_actor IS NOT NULL") == 0
               for t in FOLDED)
    assert _reads(a) == before


def test_a_folded_insert_keeps_its_change_id_in_three_vaults_after_relays(
        laptops: Callable[[str], Session]) -> None:
    a, b, c = laptops("A"), laptops("B"), laptops("C")
    case = a.store.create_case("Posts about the plant", concern="low")
    person = a.store.add_person(family_name="Roe", given_names="Sam")
    link = a.store.link_person(case.id, person.id, "witness")
    edited = a.store.create_case("Note at the school", concern="low")
    a.store.update_case(edited.id, {"title": "Note at the college"})
    relay(a, b)
    relay(b, c)
    link_id = str(a.db.scalar("SELECT id FROM case_persons WHERE case_id = ?", (case.id,)))
    assert link is None or link_id
    for session in (a, b, c):
        for record in (case.id, person.id, link_id):
            insert = changelog.insert_of(session.db, record)
            assert insert is not None and insert["change_id"] == record
            assert _rows(session, record) == 0  # folded here too
        # The edited case: its insert written out where it was made, folded nowhere.
        assert changelog.insert_of(session.db, edited.id)["change_id"] == edited.id
        assert [r["field"] for r in changelog.history(session.db, edited.id)] == [
            "*", "title"]
    def history(session: Session) -> list[list[tuple[Any, ...]]]:
        return [[tuple(row)[1:] for row in changelog.history(session.db, record)]
                for record in (case.id, person.id, link_id, edited.id)]

    assert history(a) == history(b) == history(c)
    # The same bundle again: every change a duplicate, nothing changes.
    before = snapshot(c)
    again = relay(a, c, full=True)
    assert again.applied == 0 and again.duplicates > 0
    assert snapshot(c) == before


def test_a_laptop_that_does_not_fold_exchanges_with_one_that_does(
        laptops: Callable[[str], Session]) -> None:
    a, old, c = laptops("A"), laptops("Old"), laptops("C")
    case = a.store.create_case("Posts about the plant", concern="low")
    with _not_folding():
        theirs = old.store.create_case("Threats to a neighbour", concern="high")
        relay(a, old)
    # The older laptop keeps A's folded insert as a change row, with its change id.
    assert _rows(old, case.id) == 1
    assert changelog.insert_of(old.db, case.id)["change_id"] == case.id
    # Its own insert has a random change id: kept as a change row wherever it goes.
    random_id = changelog.insert_of(old.db, theirs.id)["change_id"]
    assert random_id != theirs.id
    relay(old, c)
    relay(old, a)
    for session in (a, c):
        assert _rows(session, theirs.id) == 1
        assert changelog.insert_of(session.db, theirs.id)["change_id"] == random_id
        # A's insert relayed through the older laptop folds again on C.
        assert changelog.insert_of(session.db, case.id)["change_id"] == case.id
        assert _rows(session, case.id) == 0
    with _not_folding():
        relay(c, old)
        relay(a, old)
    relay(old, a)
    relay(old, c)
    assert snapshot(a) == snapshot(c) == snapshot(old)
