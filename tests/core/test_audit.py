"""The audit chain detects edited, removed, reordered and truncated entries."""

from __future__ import annotations

import pytest

from btam_desktop.core import audit
from btam_desktop.core.session import Session


@pytest.fixture
def busy(session: Session) -> Session:
    for n in range(5):
        case = session.store.create_case(f"Case {n}")
        session.store.view_case(case.id)
    assert audit.verify(session.db) == []
    return session


def test_intact_chain_verifies(busy: Session) -> None:
    assert audit.verify(busy.db) == []
    assert busy.check() == []


def test_edited_entry_detected(busy: Session) -> None:
    busy.db.execute("UPDATE audit SET member_name = 'Someone Else' WHERE seq = 3")
    problems = audit.verify(busy.db)
    assert any("changed after it was written" in p for p in problems)


def test_edited_detail_detected(busy: Session) -> None:
    busy.db.execute("UPDATE audit SET detail = '{}' WHERE action = 'case.create' AND seq = "
                    "(SELECT max(seq) FROM audit WHERE action = 'case.create')")
    busy.db.execute("UPDATE audit SET action = 'view' WHERE seq = 2")
    assert audit.verify(busy.db)


def test_removed_entry_detected(busy: Session) -> None:
    busy.db.execute("DELETE FROM audit WHERE seq = 4")
    problems = audit.verify(busy.db)
    assert any("removed or reordered" in p for p in problems)


def test_removed_last_entry_detected(busy: Session) -> None:
    busy.db.execute("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    problems = audit.verify(busy.db)
    assert any("removed from the end" in p for p in problems)


def test_reordered_entries_detected(busy: Session) -> None:
    rows = busy.db.query("SELECT seq, device_seq FROM audit WHERE seq IN (3, 4)")
    (a, da), (b, db) = [(r[0], r[1]) for r in rows]
    busy.db.execute("UPDATE audit SET seq = -1 WHERE seq = ?", (a,))
    busy.db.execute("UPDATE audit SET seq = ? WHERE seq = ?", (a, b))
    busy.db.execute("UPDATE audit SET seq = ? WHERE seq = -1", (b,))
    assert audit.verify(busy.db)


def test_audit_details_hold_no_case_content(session: Session) -> None:
    case = session.store.create_case("Sensitive title words")
    session.store.add_note(case.id, "Sensitive note words")
    session.store.update_case(case.id, {"summary": "Sensitive summary words"})
    details = " ".join(r[0] for r in session.db.query("SELECT detail FROM audit"))
    assert "Sensitive" not in details


def test_paging_and_filters(busy: Session) -> None:
    total = busy.store.count_audit()
    first = busy.store.audit_trail(limit=3)
    second = busy.store.audit_trail(limit=3, offset=3)
    assert len(first) == 3 and len(second) == 3
    assert first[-1].seq > second[0].seq  # newest first, no overlap
    views = busy.store.audit_trail(action="view")
    assert views and all(e.action == "view" for e in views)
    cases = busy.store.audit_trail(action="case.")
    assert {e.action for e in cases} == {"case.create"}
    assert busy.store.count_audit(action="case.") == 5
    assert busy.store.count_audit(member_name="Nobody") == 0
    assert total == len(busy.store.audit_trail())


# -- one test per column: editing only that column is reported, and exactly how ----------------
CHANGED = "content was changed after it was written"
NOT_FOLLOWING = "does not follow the entry before it"
BAD_SIGNATURE = "its signature does not match it (changed and re-hashed, or re-signed)"
UNKNOWN_KEY = "signed with a key this vault does not know (forged or re-signed)"
# What editing only this column of entry #4 is reported as: (problem of entry #4, of #5).
# Every column of the table but ``seq`` (its row order, covered by
# test_reordered_entries_detected) must be here.
COLUMN_EDITS: dict[str, tuple[object, list[str], list[str]]] = {
    "entry_id": ("01ffffff-0000-7000-8000-000000000000", [CHANGED], []),
    "device_id": (None, [], []),  # moves the entry to another chain: see its own test
    "device_seq": (40, ["expected #4: entries removed or reordered", CHANGED],
                   ["expected #41: entries removed or reordered"]),
    "at": ("2020-01-01T00:00:00.000Z", [CHANGED], []),
    "hlc": ("000000000000001.00000", [CHANGED], []),
    "member_id": (None, [CHANGED, "forged in their name"], []),
    "member_name": ("Someone Else", [CHANGED], []),
    "action": ("case.delete", [CHANGED], []),
    "record_type": ("person", [CHANGED], []),
    "record_id": ("01ffffff-0000-7000-8000-000000000001", [CHANGED], []),
    "detail": ('{"fields": ["title"]}', [CHANGED], []),
    "prev_hash": ("f" * 64, [NOT_FOLLOWING, CHANGED], []),
    "hash": ("e" * 64, [CHANGED, BAD_SIGNATURE], [NOT_FOLLOWING]),
    "signer_key": ("A" * 43 + "=", [UNKNOWN_KEY], []),
    "signature": ("A" * 86 + "==", [BAD_SIGNATURE], []),
}


def _columns(session: Session) -> set[str]:
    return {str(r["name"]) for r in session.db.query("PRAGMA table_info(audit)")}


def test_every_column_is_hashed_or_signed_and_has_a_tamper_test(session: Session) -> None:
    """Fails when a column is added to the table, or dropped from the hash, without the
    protection and the tamper test that go with it (removing ``detail`` from the hashed
    fields makes this, and test_editing_one_column_is_reported[detail], fail)."""
    columns = _columns(session)
    assert columns == set(audit.HASHED_COLUMNS) | {"seq", "hash", "signer_key", "signature"}
    assert set(audit.UNHASHED_COLUMNS) == {"seq", "hash", "signer_key", "signature"}
    assert columns - {"seq"} == set(COLUMN_EDITS)


@pytest.mark.parametrize("column", [c for c in COLUMN_EDITS if c != "device_id"])
def test_editing_one_column_is_reported(busy: Session, column: str) -> None:
    db = busy.db
    entry = db.query_one("SELECT * FROM audit WHERE device_seq = 4")
    following = db.query_one("SELECT * FROM audit WHERE device_seq = 5")
    value, own, next_ = COLUMN_EDITS[column]
    if column == "member_id":
        value = "01ffffff-0000-7000-8000-000000000002"  # another member's id
    assert entry[column] != value
    db.execute(f"UPDATE audit SET {column} = ? WHERE seq = ?", (value, entry["seq"]))
    device = str(entry["device_id"])[:8]
    seq_4 = 40 if column == "device_seq" else 4
    where = f"audit entry {entry['seq']} (device {device}, #{seq_4})"
    after = f"audit entry {following['seq']} (device {device}, #5)"
    problems = audit.verify(db)
    expected = [f"{where}: {p}" for p in own] + [f"{after}: {p}" for p in next_]
    if column == "member_id":
        assert problems[0] == f"{where}: {CHANGED}"
        assert problems[1].startswith(f"{where}: signed with the key of another member")
        assert problems[1].endswith("forged in their name") and len(problems) == 2
    else:
        assert problems == expected


def test_editing_the_device_id_is_reported(busy: Session) -> None:
    db = busy.db
    entry = db.query_one("SELECT * FROM audit WHERE device_seq = 4")
    db.execute("UPDATE audit SET device_id = 'another-laptop' WHERE seq = ?", (entry["seq"],))
    device = str(entry["device_id"])[:8]
    problems = audit.verify(db)
    assert problems == [
        f"audit entry {entry['seq'] + 1} (device {device}, #5): expected #4: entries removed or"
        " reordered",
        f"audit entry {entry['seq'] + 1} (device {device}, #5): {NOT_FOLLOWING}",
        f"audit entry {entry['seq']} (device another-, #4): expected #1: entries removed or"
        " reordered",
        f"audit entry {entry['seq']} (device another-, #4): {NOT_FOLLOWING}",
        f"audit entry {entry['seq']} (device another-, #4): {CHANGED}",
    ]
