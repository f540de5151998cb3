"""The merge writes arriving records in batches (one executemany per table, like the change
log): the vault it leaves must be the one writing them row by row leaves, record for record,
change for change, conflict for conflict; and a bad record anywhere refuses the bundle with
nothing changed."""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core import vault
from btam_desktop.core.ops import TABLES, Operation
from btam_desktop.core.session import Session
from btam_desktop.core.sync import payload, peers
from btam_desktop.core.sync.merge import PARENTS, MergeError, MergeReport
from btam_desktop.core.sync.payload import PayloadError
from tests.core.test_submissions import valid_contact

from .conftest import PASS, relay

Laptops = Callable[[str], Session]
# Every table the merge writes or derives (search documents included); wall-clock write times
# are local by nature and left out, and so is the change rows' insertion order (``seq``: a
# folded insert written out while a batch is collected gets its row before the batch's; nothing
# reads seq, the log's order is by stamp).
_DUMPED = (*TABLES, "changes", "tombstones", "conflicts", "sync_pending", "case_docs",
           "person_docs")
_LOCAL = {"updated_at", "received_at", "detected_at", "seq"}


def _dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in _DUMPED:
        rows = []
        for row in session.db.query(f"SELECT * FROM {table}"):
            rows.append(tuple((k, bytes(row[k]) if isinstance(row[k], memoryview) else row[k])
                              for k in row.keys() if k not in _LOCAL))  # noqa: SIM118
        out[table] = sorted(rows, key=repr)
    return out


@pytest.fixture
def twins(tmp_path: Path, laptops: Laptops) -> Iterator[Callable[[Session], tuple[Session,
                                                                                   Session]]]:
    """``twins(b)``: laptop B locked and opened twice, from two copies of its files."""
    opened: list[Session] = []

    def make(b: Session) -> tuple[Session, Session]:
        path = Path(b.path)
        b.lock()
        copy = tmp_path / "twin"
        copy.mkdir()
        for item in path.parent.glob(f"{path.name}*"):
            shutil.copy2(item, copy / item.name)
        first = vault.unlock(path, passphrase_text=PASS, member="Lead B")[0]
        second = vault.unlock(copy / path.name, passphrase_text=PASS, member="Lead B")[0]
        opened.extend((first, second))
        return first, second

    yield make
    for session in opened:
        session.lock()


def _apply(dst: Session, doc: dict[str, Any]) -> MergeReport:
    parsed = payload.parse(json.loads(json.dumps(doc)))
    with dst.operation("bundle.import") as op:
        report, _ = payload.apply(op, parsed, local_device=dst.device_id)
    return report


def _row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge without batches: every record and change row written by its own statement."""
    monkeypatch.setattr(Operation, "begin_batch", lambda self: None)


def _mixed_bundle(a: Session, b: Session) -> dict[str, Any]:
    """What A sends B after both worked on shared cases: new records (some changed again, a
    draft's answers among them), concurrent edits, competing corrections of one entry, a
    trashed task, a purge of a case B holds and of one B never saw, an attachment; plus a
    duplicated change and a link whose stamp puts it before its person (held, then released)."""
    shared = a.store.create_case("Shared case", concern="moderate")
    note = a.store.add_note(shared.id, "Caller mentioned a rifle at the cabin")
    task = a.store.add_task(shared.id, "Call the school", due_on="2026-05-01")
    doomed = a.store.create_case("Case to be purged", concern="low")
    a.store.add_note(doomed.id, "Entry that goes with its case")
    relay(a, b)
    # Concurrent edits of the same fields, and two corrections of one entry.
    b.store.update_case(shared.id, {"title": "Title typed on B"})
    a.store.update_case(shared.id, {"title": "Title typed on A"}, reason="Typo")
    b.store.correct_entry(note.id, summary="Caller mentioned a rifle (B)")
    a.store.correct_entry(note.id, summary="Caller mentioned a rifle (A)")
    a.store.complete_task(task.id)
    # New on A, then changed again before the bundle leaves.
    new = a.store.create_case("Arrives and changes", concern="low")
    a.store.update_case(new.id, {"summary": "Second thoughts", "concern": "high"},
                        reason="New information")
    person = a.store.add_person(family_name="Okafor", given_names="Dele", aliases=["do_99"])
    a.store.update_person(person.id, {"phone": "555-0101"})
    a.store.link_person(new.id, person.id, "person_of_concern")
    a.store.add_note(new.id, "First contact at the front desk")
    a.store.add_attachment(new.id, "statement.txt", b"typed statement")
    draft = a.submissions.create(new.id, "contact_log", valid_contact(a), complete=False)
    a.submissions.save_draft(draft.id, {**valid_contact(a), "contact_summary": "Revised"})
    a.store.delete_case(doomed.id)
    a.store.purge_case(doomed.id)
    gone = a.store.create_case("Made and purged before sending", concern="low")
    a.store.add_task(gone.id, "Never seen elsewhere")
    a.store.delete_case(gone.id)
    a.store.purge_case(gone.id)
    doc = payload.collect(a.db, device_id=a.device_id, ack=peers.acked(a.db, b.device_id),
                          roster=None)
    changes = doc["changes"]
    changes.append(list(changes[len(changes) // 2]))  # the same change twice
    person_at = next(c[6] for c in changes if c[2] == person.id and c[3] == "*")
    link = next(c for c in changes if c[1] == "case_persons" and c[3] == "*")
    link[6] = f"{int(person_at[:15]) - 1:015d}{person_at[15:]}"  # before its person
    return doc


@pytest.mark.parametrize("at_once", [Operation._ROWS_AT_ONCE, 3])
def test_the_batched_merge_leaves_the_vault_the_row_by_row_merge_leaves(
        laptops: Laptops, twins: Callable[[Session], tuple[Session, Session]],
        monkeypatch: pytest.MonkeyPatch, at_once: int) -> None:
    """Also when the batch is written every few records (a large bundle: bounded memory)."""
    monkeypatch.setattr(Operation, "_ROWS_AT_ONCE", at_once)
    a, b = laptops("A"), laptops("B")
    doc = _mixed_bundle(a, b)
    batched, by_row = twins(b)
    assert _dump(batched) == _dump(by_row)

    flushed: list[int] = []
    flush_rows = Operation._flush_rows

    def counting(self: Operation) -> None:
        flushed.append(len(self._rows))
        flush_rows(self)

    with monkeypatch.context() as patch:
        patch.setattr(Operation, "_flush_rows", counting)
        report = _apply(batched, doc)
    assert max(flushed) >= min(at_once, 5)  # the records really went in a batch
    with monkeypatch.context() as patch:
        _row_by_row(patch)
        expected = _apply(by_row, doc)

    assert report.to_json() == expected.to_json()
    assert _dump(batched) == _dump(by_row)
    # The bundle exercised what it was built for.
    assert report.new_conflicts >= 2 and report.duplicates >= 1 and report.released >= 1
    assert report.created["cases"] == 1 and report.created["attachments"] == 1
    rows = _dump(batched)
    compact = [r for r in rows["changes"] if dict(r)["field"] == "*" and dict(r)["value"] is None]
    assert compact, "records that stayed as they arrived are logged compact"
    got = batched.store.get_case(next(dict(r)["id"] for r in rows["cases"]
                                      if dict(r)["title"] == "Arrives and changes"))
    assert (got.summary, got.concern) == ("Second thoughts", "high")
    # Its insert change keeps the case as first made (a copy: the row no longer gives it).
    first = batched.db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                              (got.id,))
    assert json.loads(first)["concern"] == "low"
    assert [c.number for c in batched.store.list_cases(text="do_99")] == [got.number]


def _new_cases(a: Session, b: Session) -> dict[str, Any]:
    """Twelve new cases with a note each, in a bundle for B (which holds A's earlier ones)."""
    case = a.store.create_case("Held by both", concern="low")
    a.store.add_note(case.id, "Known on both laptops")
    relay(a, b)
    for number in range(12):
        case = a.store.create_case(f"Batch case {number}", concern="low")
        a.store.add_note(case.id, f"Note {number}")
    return payload.collect(a.db, device_id=a.device_id, ack=peers.acked(a.db, b.device_id),
                           roster=None)


def _twice_in_bundle(doc: dict[str, Any], b: Session) -> None:
    inserts = [c for c in doc["changes"] if c[1] == "timeline" and c[3] == "*"]
    copy = list(inserts[len(inserts) // 2])
    copy[0] = copy[0][:-4] + "ffff"  # another change inserting the same record
    doc["changes"].append(copy)


def _breaks_a_constraint(doc: dict[str, Any], b: Session) -> None:
    inserts = [c for c in doc["changes"] if c[1] == "timeline" and c[3] == "*"]
    row = inserts[len(inserts) // 2]
    row[4] = json.dumps({**json.loads(row[4]), "occurred_at": None}, sort_keys=True)


def _already_here(doc: dict[str, Any], b: Session) -> None:
    inserts = [c for c in doc["changes"] if c[1] == "timeline" and c[3] == "*"]
    row = inserts[len(inserts) // 2]
    row[2] = str(b.db.scalar("SELECT id FROM timeline LIMIT 1"))  # an id B holds already


@pytest.mark.parametrize(("spoil", "message"), [
    (_twice_in_bundle, "twice under different changes"),
    (_breaks_a_constraint, "malformed"),
    (_already_here, "twice under different changes"),
])
def test_a_bad_record_in_the_middle_of_a_batch_changes_nothing(
        laptops: Laptops, spoil: Callable[[dict[str, Any], Session], None],
        message: str) -> None:
    a, b = laptops("A"), laptops("B")
    doc = _new_cases(a, b)
    spoil(doc, b)
    before = _dump(b)
    with pytest.raises(MergeError, match=f"a new timeline record in the bundle is {message}"):
        _apply(b, doc)
    assert _dump(b) == before
    # The vault is usable and takes the honest bundle afterwards.
    honest = _new_cases(a, b)
    assert _apply(b, honest).created["cases"] == 12


def test_tables_are_listed_parents_first() -> None:
    """The batch inserts a table at a time in the order of TABLES: a parent table first."""
    order = list(TABLES)
    for child, links in PARENTS.items():
        for parent in links.values():
            assert order.index(parent) <= order.index(child), (parent, child)
    assert order.index("form_definitions") < order.index("submissions")


def test_a_stamp_in_another_digit_form_is_refused(laptops: Laptops) -> None:
    a = laptops("A")
    a.store.create_case("Stamped", concern="low")
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    stamp = doc["changes"][0][6]
    doc["changes"][0][6] = f"{stamp[:5]}_{stamp[6:]}"  # int() would read it as a number
    with pytest.raises(PayloadError, match="not a clock stamp"):
        payload.parse(doc)


def test_an_audit_entry_number_sent_twice_with_other_content_is_refused(
        laptops: Laptops) -> None:
    """The audit entries are appended in one go: a second entry of a number already taken in
    the same bundle is still compared with the first (a forked chain refuses the bundle)."""
    a, b = laptops("A"), laptops("B")
    for number in range(3):
        a.store.create_case(f"Audited {number}", concern="low")
    doc = payload.collect(a.db, device_id=a.device_id, ack={}, roster=None)
    rows = [r for r in doc["audit"] if r[1] == a.device_id]
    forged = list(rows[-1])
    forged[12] = "0" * 64  # another entry under the same number
    doc["audit"].append(forged)
    before = _dump(b)
    with pytest.raises(PayloadError, match="differs from the one already here"):
        _apply(b, doc)
    assert _dump(b) == before
    assert gc.isenabled()  # paused for the merge only
