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
