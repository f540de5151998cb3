"""Purging a trashed case erases every record on it (with a tombstone for each), in an order
the foreign keys accept, and leaves nothing of its content in the change log or the index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from btam_desktop.core import dissemination, search
from btam_desktop.core.session import Session
from tests.conftest import OFFICER, OFFICER_PASS
from tests.core.test_submissions import valid_contact

MARK = "zephyrquill"  # a word no other record holds, written into every text of the case


@dataclass
class FullCase:
    """A case holding at least one record of every child table, and the ids of them all."""

    case_id: str
    number: str
    ids: dict[str, list[str]] = field(default_factory=dict)
    person_id: str = ""

    @property
    def all_ids(self) -> set[str]:
        return {self.case_id, *(i for ids in self.ids.values() for i in ids)}


def build_full_case(session: Session, tmp_path: Path, title: str = "Purge everything") -> FullCase:
    """A trashed case with timeline (and a correction), a task, an attachment, an assignment,
    a linked person, a completed submission with two amendments, a discarded draft and two
    disseminations (one of the case, one of a submission)."""
    store = session.store
    if OFFICER not in [m.name for m in session.members()]:
        session.add_member(OFFICER, "officer", OFFICER_PASS)
    case = store.create_case(f"{title} {MARK}", summary=f"summary {MARK}")
    full = FullCase(case.id, case.number)
    note = store.add_note(case.id, f"first note {MARK}")
    fixed = store.correct_entry(note.id, summary=f"corrected note {MARK}")
    again = store.correct_entry(fixed.id, summary=f"corrected twice {MARK}")
    # A concern change lands on the timeline too.
    store.update_case(case.id, {"concern": "high"}, reason=f"escalated {MARK}")
    full.ids["timeline"] = [r[0] for r in session.db.query(
        "SELECT id FROM timeline WHERE case_id = ?", (case.id,))]
    assert {note.id, fixed.id, again.id} <= set(full.ids["timeline"])
    full.ids["tasks"] = [store.add_task(case.id, f"call school {MARK}").id]
    full.ids["attachments"] = [store.add_attachment(
        case.id, "letter.txt", f"letter {MARK}".encode()).id]
    store.assign(case.id, OFFICER)
    full.ids["case_assignments"] = [r[0] for r in session.db.query(
        "SELECT id FROM case_assignments WHERE case_id = ?", (case.id,))]
    person = store.add_person("Quillfeather", "Orrin")
    full.person_id = person.id
    full.ids["case_persons"] = [store.link_person(case.id, person.id, "person_of_concern",
                                                  notes=f"link {MARK}")]
    answers = valid_contact(session)
    answers["contact_summary"] = f"summary of the contact {MARK}"
    original = session.submissions.create(case.id, "contact_log", answers)
    session.submissions.complete(original.id)
    answers["next_step"] = f"amended step {MARK}"
    first = session.submissions.amend(original.id, answers, "wrong next step")
    answers["next_step"] = f"amended again {MARK}"
    second = session.submissions.amend(first.id, answers, "still wrong")
    draft = session.submissions.create(case.id, "contact_log", {}, strict=False)
    session.submissions.save_draft(draft.id, {"contact_summary": f"half typed {MARK}"})
    session.submissions.discard_draft(draft.id)
    full.ids["submissions"] = [original.id, first.id, second.id, draft.id]
    release = dissemination.Release("School district", "safety plan", "consent")
    full.ids["disseminations"] = [
        dissemination.write_export(session, tmp_path / "form.pdf", b"%PDF-1", what="submission",
                                   case_id=case.id, release=release,
                                   submission_id=second.id).id,
        dissemination.write_export(session, tmp_path / "report.pdf", b"%PDF-2",
                                   what="case_report", case_id=case.id, release=release).id,
    ]
    store.delete_case(case.id)
    return full


def _tables(session: Session) -> list[str]:
    return [r[0] for r in session.db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'search_fts%' AND sql NOT LIKE 'CREATE VIRTUAL%'")]


def assert_fully_purged(session: Session, full: FullCase) -> None:
    """No row of the case remains anywhere, every id has a tombstone, no change row holds
    anything of it, the index does not find it, and the vault checks clean."""
    ids = full.all_ids
    marks = "(" + ",".join("?" for _ in ids) + ")"
    # Only the audit trail (ids, never content), tombstones and the purge markers in the
    # change log may name a purged id.
    allowed = {"audit", "tombstones", "changes"}
    for table in _tables(session):
        if table in allowed:
            continue
        columns = [r[1] for r in session.db.query(f"PRAGMA table_info({table})")]
        for column in columns:
            left = session.db.scalar(
                f"SELECT count(*) FROM {table} WHERE {column} IN {marks}", list(ids))
            assert left == 0, f"{table}.{column} still names a purged record"
    tombstones = {r[0]: r[1] for r in session.db.query(
        f"SELECT record_id, tbl FROM tombstones WHERE record_id IN {marks}", list(ids))}
    assert set(tombstones) == ids
    for table, table_ids in full.ids.items():
        assert {tombstones[i] for i in table_ids} == {table}
    assert tombstones[full.case_id] == "cases"
    # The change log keeps only the purge marker of each id, which carries no value.
    left = session.db.query(
        f"SELECT field, value FROM change_log WHERE record_id IN {marks}", list(ids))
    assert {(r["field"], r["value"]) for r in left} <= {("__purged__", "null")}
    assert session.db.query(
        "SELECT seq FROM change_log WHERE value LIKE ?", (f"%{MARK}%",)) == []
    # Nothing of it in the search index.
    assert session.db.scalar(
        f"SELECT count(*) FROM case_docs WHERE case_id IN {marks}", list(ids)) == 0
    assert session.db.scalar(
        f"SELECT count(*) FROM person_docs WHERE person_id IN {marks}", list(ids)) == 0
    query = search.fts_query(MARK)
    assert session.db.query(search.MATCHES, {"q": query}) == []
    assert session.store.list_cases(text=MARK) == []
    # Not even its words in the index's stored segments: a document taken out of a
    # contentless index leaves them there until a merge (readable with the key).
    for index in ("case_fts", "person_fts"):
        assert session.db.scalar(f"SELECT count(*) FROM {index}_data WHERE instr(block, ?)",
                                 (MARK.encode(),)) == 0, index


def test_purge_erases_every_kind_of_child_record(session: Session, tmp_path: Path) -> None:
    keep = session.store.create_case("Another case of the same person")
    full = build_full_case(session, tmp_path)
    session.store.link_person(keep.id, full.person_id, "witness")
    session.store.purge_case(full.case_id)
    assert_fully_purged(session, full)
    assert session.check() == []
    # Persons are not purged with the case: they may appear on other cases.
    assert session.store.get_person(full.person_id).id == full.person_id
    assert [c.id for c, _ in session.store.cases_of_person(full.person_id)] == [keep.id]
    assert session.store.get_case(keep.id).title == keep.title
    assert next(e.action for e in session.store.audit_trail(record_id=full.case_id)) == (
        "case.purge")


def test_purge_is_one_operation_with_one_audit_entry(session: Session,
                                                     tmp_path: Path) -> None:
    full = build_full_case(session, tmp_path)
    summaries = []
    session.subscribe(summaries.append)
    before = session.db.scalar("SELECT count(*) FROM audit")
    session.store.purge_case(full.case_id)
    assert session.db.scalar("SELECT count(*) FROM audit") == before + 1
    assert len(summaries) == 1
    touched = summaries[0].touched
    assert touched["cases"] == {full.case_id}
    for table, ids in full.ids.items():
        assert touched[table] == set(ids)


def test_purge_expired_trash_purges_only_cases_older_than_30_days(
    session: Session, tmp_path: Path
) -> None:
    full = build_full_case(session, tmp_path, "Old trash")
    recent = session.store.create_case("Recently trashed")
    session.store.delete_case(recent.id)
    kept = session.store.create_case("Not in the trash")
    # Backdate the old case's deletion past the 30-day limit (test set-up only).
    long_ago = (datetime.now(UTC) - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    session.db.execute("UPDATE cases SET deleted_at = ? WHERE id = ?", (long_ago, full.case_id))
    assert session.store.purge_expired_trash() == 1
    assert_fully_purged(session, full)
    assert [c.id for c in session.store.trash()] == [recent.id]
    assert session.store.get_case(kept.id).deleted_at is None
    assert session.store.purge_expired_trash() == 0
    assert session.check() == []


def test_purge_expired_trash_needs_team_lead(session: Session, vault_path: Path) -> None:
    from btam_desktop.core import vault
    from btam_desktop.core.errors import PermissionDenied

    session.add_member(OFFICER, "officer", OFFICER_PASS)
    case = session.store.create_case("Expired")
    session.store.delete_case(case.id)
    long_ago = (datetime.now(UTC) - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    session.db.execute("UPDATE cases SET deleted_at = ? WHERE id = ?", (long_ago, case.id))
    session.lock()
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    with pytest.raises(PermissionDenied):
        officer.store.purge_expired_trash()
    assert [c.id for c in officer.store.trash()] == [case.id]
    officer.lock()


def test_every_table_referring_to_a_case_is_purged_with_it(session: Session) -> None:
    """A new table holding case records must join CASE_CHILDREN, or purging breaks again."""
    from btam_desktop.core.store import CASE_CHILDREN

    purged = {"cases", *(table for table, _, _ in CASE_CHILDREN)}
    for table in _tables(session):
        targets = {r["table"] for r in session.db.query(f"PRAGMA foreign_key_list({table})")}
        if targets & purged and table not in purged:
            pytest.fail(f"{table} refers to case records but is not purged with the case")
    order = [table for table, _, _ in CASE_CHILDREN]
    for table in order:
        targets = {r["table"] for r in session.db.query(f"PRAGMA foreign_key_list({table})")}
        for target in targets & set(order):
            if target != table:
                assert order.index(table) < order.index(target), (
                    f"{table} refers to {target}: it must be purged first")


def test_referrers_come_before_what_they_refer_to() -> None:
    from btam_desktop.core.store import _referrers_first

    # Ids deliberately not in time order: the chain decides, not the id or the clock.
    links = {"a": None, "z": "a", "b": "z", "y": "b", "m": None, "c": "m"}
    order = _referrers_first(links)
    for record_id, target in links.items():
        if target is not None:
            assert order.index(record_id) < order.index(target)
    assert sorted(order) == sorted(links)
    # A reference to a record outside the set (already gone) does not matter.
    assert _referrers_first({"x": "elsewhere", "w": "x"}) == ["w", "x"]


def test_words_purged_before_the_update_are_erased_by_the_migration(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vault whose purges ran before purges merged the index (schema 20) still held the
    purged words; the migration to 21 merges it once."""
    from btam_desktop.core import schema

    # As before v21: the purge does not merge the index, nor does FTS5 on its own while the
    # case is built, trashed and purged (its automatic merges depend on how much each write
    # left behind and sometimes rewrote the trashed case's segment first: a CI run found
    # nothing left to erase).
    with session.db.transaction():
        for option, value in (("automerge", 0), ("crisismerge", 1000)):
            session.db.execute("INSERT INTO case_fts (case_fts, rank) VALUES (?, ?)",
                               (option, value))
    full = build_full_case(session, tmp_path)
    monkeypatch.setattr(search, "forget_purged", lambda db, tables: None)
    session.store.purge_case(full.case_id)
    monkeypatch.undo()

    def left() -> int:
        return int(session.db.scalar(
            "SELECT count(*) FROM case_fts_data WHERE instr(block, ?)", (MARK.encode(),)))

    assert left() > 0
    with session.db.transaction():
        session.db.set_meta("schema_version", "20")
    assert schema.migrate(session.db) == (20, schema.LATEST)
    assert left() == 0
    assert_fully_purged(session, full)
