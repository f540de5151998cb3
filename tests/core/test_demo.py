"""Tests of the fictional demo data generator (btam_desktop.core.demo)."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Any

import pytest

from btam_desktop.core import demo, vault
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.schema import FOLDED
from btam_desktop.core.session import Session
from tests.core.sync.conftest import relay, snapshot

TODAY = date(2026, 3, 16)  # fixed, so the data set does not depend on when the tests run
CASES = 80
PASSPHRASE = "amber-lattice-quorum-42"

# Words that would mean the text talks about protected characteristics instead of behaviour.
DENY = (
    "race", "racial", "ethnic", "ethnicity", "religion", "religious", "muslim", "christian",
    "jewish", "hindu", "sikh", "buddhist", "catholic", "islam", "church", "mosque",
    "synagogue", "temple", "gay", "lesbian", "transgender", "bisexual", "sexual orientation",
    "gender identity", "disability", "disabled", "diagnosis", "diagnosed", "schizophrenia",
    "bipolar", "autism", "autistic", "immigrant", "immigration", "undocumented", "nationality",
    "national origin", "citizenship", "pregnant", "pregnancy", "black", "white", "hispanic",
    "latino", "latina", "asian", "arab", "veteran", "skin colour", "skin color",
)
_DENY_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in DENY) + r")\b", re.IGNORECASE)

TEXT_COLUMNS = {
    "cases": ("title", "summary", "closure_reason"),
    "timeline": ("summary", "details", "context", "outcome"),
    "tasks": ("title", "notes"),
    "case_persons": ("notes",),
    "persons": ("notes", "address"),
    "partners": ("name", "services", "notes", "contact_name"),
}
RECORD_TABLES = ("cases", "case_assignments", "persons", "case_persons", "timeline", "tasks",
                 "partners")


def _cheap_kdf() -> KdfParams:
    return KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1)


def _new_vault(path: Path, officer: bool = True) -> Session:
    session, _ = vault.create_vault(
        path, member_name="Robin Lead", new_passphrase=PASSPHRASE, kdf=_cheap_kdf())
    if officer:
        session.add_member("Casey Officer", "officer", "quiet-harbor-lantern-7", kdf=_cheap_kdf())
    return session


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, Any]]:
    session = _new_vault(tmp_path_factory.mktemp("demo") / "demo.btam")
    summary = demo.generate(session, CASES, seed=7, today=TODAY)
    yield session, summary
    session.lock()


def _content(session: Session) -> list[tuple[Any, ...]]:
    """What must repeat for a seed: everything but ids, clock stamps and write times."""
    db = session.db
    rows: list[tuple[Any, ...]] = []
    for case in db.query("SELECT * FROM cases ORDER BY opened_on, number"):
        persons = db.query(
            "SELECT cp.role, p.family_name, p.given_names, p.aliases, p.date_of_birth, p.phone"
            " FROM case_persons cp JOIN persons p ON p.id = cp.person_id WHERE cp.case_id = ?"
            " ORDER BY cp.rowid", (case["id"],))
        entries = db.query(
            "SELECT kind, occurred_at, summary, details, context, outcome, referral_status"
            " FROM timeline WHERE case_id = ? ORDER BY rowid", (case["id"],))
        tasks = db.query("SELECT kind, title, due_on, done_at FROM tasks WHERE case_id = ?"
                         " ORDER BY rowid", (case["id"],))
        rows.append((
            case["title"], case["summary"], case["status"], case["concern"], case["tier"],
            case["opened_on"], case["closed_on"], case["next_review"], case["closure_reason"],
            [tuple(r) for r in persons], [tuple(r) for r in entries],
            [tuple(r) for r in tasks]))
    return rows


def test_same_seed_same_content_and_other_seed_differs(
    tmp_path: Path, generated: tuple[Session, Any]
) -> None:
    session, _ = generated
    again = _new_vault(tmp_path / "again.btam")
    other = _new_vault(tmp_path / "other.btam")
    try:
        demo.generate(again, CASES, seed=7, today=TODAY)
        demo.generate(other, CASES, seed=8, today=TODAY)
        first = _content(session)
        assert _content(again) == first
        different = _content(other)
        assert [c[0] for c in different] != [c[0] for c in first]  # titles
        assert [c[5] for c in different] != [c[5] for c in first]  # opened dates
        assert [c[9] for c in different] != [c[9] for c in first]  # persons
    finally:
        again.lock()
        other.lock()


def test_counts_match_the_vault(generated: tuple[Session, Any]) -> None:
    session, summary = generated
    db = session.db
    assert summary.cases == CASES == session.store.count_cases()
    assert summary.persons == db.scalar("SELECT count(*) FROM persons")
    assert summary.entries == db.scalar("SELECT count(*) FROM timeline")
    assert summary.tasks == db.scalar("SELECT count(*) FROM tasks")
    assert summary.partners == len(demo.PARTNERS) == len(session.store.partners())
    assert summary.persons >= 2 * CASES
    assert summary.entries >= 5 * CASES
    assert summary.seconds > 0
    assert not summary.cancelled


def test_every_record_has_its_change_row_and_the_audit_chain_holds(
    generated: tuple[Session, Any]
) -> None:
    session, _ = generated
    for table in RECORD_TABLES:
        missing = session.db.scalar(
            f"SELECT count(*) FROM {table} WHERE id NOT IN"
            " (SELECT record_id FROM change_log WHERE field = '*')")
        assert missing == 0, table
    # The plain inserts are folded into their rows (schema v18), one per record: a record
    # edited in the same write keeps its insert as a change row (its row is no longer the
    # insert), and never both.
    for table in FOLDED:
        folded = session.db.scalar(f"SELECT count(*) FROM {table} WHERE ins_actor IS NOT NULL")
        assert folded, table
        both = session.db.scalar(
            f"SELECT count(*) FROM {table} t JOIN changes c ON c.record_id = t.id"
            " AND c.field = '*' WHERE t.ins_actor IS NOT NULL")
        assert both == 0, table
    edited_but_folded = session.db.scalar(
        "SELECT count(*) FROM cases t WHERE t.ins_actor IS NOT NULL AND EXISTS (SELECT 1"
        " FROM changes c WHERE c.record_id = t.id AND c.field != '*')")
    assert edited_but_folded == 0
    assert session.check() == []
    # Concern changes carry their rationale in the change log, as update_case records them.
    reasons = session.db.query(
        "SELECT reason FROM change_log WHERE tbl = 'cases' AND field = 'concern'")
    assert reasons
    assert all(r[0] for r in reasons)


def test_every_case_has_a_person_of_concern_and_named_people(
    generated: tuple[Session, Any]
) -> None:
    session, _ = generated
    db = session.db
    assert db.scalar(
        "SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_persons cp"
        " WHERE cp.case_id = c.id AND cp.role = 'person_of_concern')") == 0
    for family, given, phone in db.query("SELECT family_name, given_names, phone FROM persons"):
        assert family.strip()
        assert given.strip()
        assert phone == "" or re.fullmatch(r"\(\d{3}\) 555-01\d\d", phone)
    for (email,) in db.query("SELECT email FROM persons WHERE email != ''"):
        assert email.endswith(".example")
    roles = {r[0] for r in db.query("SELECT DISTINCT role FROM case_persons")}
    assert {"person_of_concern", "reporting_party", "potential_target"} <= roles
    # A target who reported the concern is one person with two roles, not two people.
    assert db.scalar(
        "SELECT count(*) FROM case_persons a JOIN case_persons b ON a.case_id = b.case_id"
        " AND a.person_id = b.person_id WHERE a.role = 'reporting_party'"
        " AND b.role = 'potential_target'") > 0
    assert db.scalar(
        "SELECT count(*) FROM case_persons WHERE role = 'person_of_concern' AND person_id IN"
        " (SELECT person_id FROM case_persons WHERE role != 'person_of_concern')") == 0


def test_a_closed_or_re_rated_case_keeps_its_history(generated: tuple[Session, Any]) -> None:
    """The case as opened, then each concern change (with its rationale, as the timeline's
    concern-change entry says) and the closing, each a change of its own after the insert."""
    session, _ = generated
    db = session.db
    closed = [str(r[0]) for r in db.query("SELECT id FROM cases WHERE status = 'closed'")]
    assert closed
    for case_id in closed:
        history = {c.field: c for c in session.store.field_history(case_id)}
        case = session.store.get_case(case_id)
        assert history["status"].old == "monitoring" and history["status"].new == "closed"
        assert history["closed_on"].old is None
        assert history["closed_on"].new == case.closed_on
    changed = db.query("SELECT case_id, concern_from, concern_to, details FROM timeline"
                       " WHERE kind = 'concern_change'")
    assert changed
    for case_id, old, new, why in changed:
        concern = [(c.old, c.new, c.reason)
                   for c in session.store.field_history(case_id, "concern")]
        assert concern == [(old, new, why)]
        opened = db.scalar("SELECT value FROM change_log WHERE record_id = ? AND field = '*'",
                           (case_id,))
        assert json.loads(opened)["concern"] == old  # the case as it was opened
    # Every change after an insert is stamped after it and based on the field's last stamp.
    assert db.scalar(
        "SELECT count(*) FROM change_log u JOIN change_log i ON i.record_id = u.record_id"
        " AND i.field = '*' WHERE u.tbl = 'cases' AND u.field != '*'"
        " AND (u.hlc <= i.hlc OR u.base_hlc IS NULL OR u.base_hlc < i.hlc)") == 0
    assert db.scalar("SELECT count(*) FROM cases c WHERE updated_hlc !="
                     " (SELECT max(hlc) FROM change_log WHERE record_id = c.id)") == 0


def test_a_demo_vault_syncs_whole_with_its_history(
        tmp_path: Path, generated: tuple[Session, Any]) -> None:
    """A demo vault's bundle brings every record to another laptop, and a closed case's
    history there reads as on the laptop that made it."""
    session, _ = generated
    other = _new_vault(tmp_path / "other.btam", officer=False)
    try:
        relay(session, other, full=True)
        theirs, ours = snapshot(other), snapshot(session)
        for table in RECORD_TABLES:  # (each laptop has its own lead and audit trail)
            assert theirs[table] == ours[table], table
        closed = session.db.scalar("SELECT id FROM cases WHERE status = 'closed' LIMIT 1")

        def history(s: Session) -> list[tuple[Any, ...]]:
            return [(c.field, c.old, c.new, c.reason) for c in s.store.field_history(closed)]

        assert history(other) == history(session)
        assert ("status", "monitoring", "closed", None) in history(other)
    finally:
        other.lock()


def test_realistic_mix_of_states(generated: tuple[Session, Any]) -> None:
    session, _ = generated
    db = session.db
    store = session.store
    concerns = dict(db.query("SELECT concern, count(*) FROM cases GROUP BY concern"))
    low_moderate = concerns.get("low", 0) + concerns.get("moderate", 0)
    assert low_moderate > CASES / 2
    assert concerns.get("imminent", 0) < CASES / 10
    assert store.count_cases(status="closed") > 0
    assert db.scalar("SELECT count(*) FROM cases WHERE status = 'closed' AND"
                     " (closure_reason = '' OR closed_on IS NULL OR purge_review_on IS NULL"
                     " OR next_review IS NOT NULL)") == 0
    # Some reviews are overdue, some are done.
    assert store.count_cases(overdue=True, on=TODAY.isoformat()) > 0
    assert db.scalar("SELECT count(*) FROM tasks WHERE kind = 'review' AND done_at IS NULL"
                     " AND due_on < ?", (TODAY.isoformat(),)) > 0
    assert db.scalar("SELECT count(*) FROM tasks WHERE done_at IS NOT NULL") > 0
    # Dates: opened within three years; nothing happens after "today" or after closure.
    first = (TODAY - timedelta(days=demo.HISTORY_DAYS)).isoformat()
    assert db.scalar("SELECT min(opened_on) FROM cases") >= first
    assert db.scalar("SELECT max(opened_on) FROM cases") <= TODAY.isoformat()
    assert db.scalar("SELECT max(occurred_at) FROM timeline") < (TODAY + timedelta(1)).isoformat()
    assert db.scalar(
        "SELECT count(*) FROM timeline t JOIN cases c ON c.id = t.case_id"
        " WHERE c.closed_on IS NOT NULL AND t.occurred_at >= date(c.closed_on, '+1 day')") == 0
    kinds = {r[0] for r in db.query("SELECT DISTINCT kind FROM timeline")}
    assert {"concerning_behaviour", "contact", "intervention", "referral", "note",
            "review"} <= kinds
    # Assignments go to members of this vault.
    assert db.scalar("SELECT count(*) FROM case_assignments a LEFT JOIN members m"
                     " ON m.id = a.member_id WHERE m.id IS NULL") == 0
    assert db.scalar("SELECT count(DISTINCT member_id) FROM case_assignments") == 2


def test_no_text_about_protected_characteristics(generated: tuple[Session, Any]) -> None:
    session, _ = generated
    for table, columns in TEXT_COLUMNS.items():
        for row in session.db.query(f"SELECT {', '.join(columns)} FROM {table}"):
            for value in row:
                match = _DENY_RE.search(value or "")
                assert match is None, f"{table}: {match and match.group(0)!r} in {value!r}"
    # Every string in the module's vocabularies, so rare draws are covered too.
    for text in _strings(vars(demo)):
        assert _DENY_RE.search(text) is None, text


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("__"):
                yield from _strings(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from _strings(dataclasses.astuple(value))


def test_store_searches_find_demo_records(generated: tuple[Session, Any]) -> None:
    session, _ = generated
    store = session.store
    person = session.db.query_one(
        "SELECT p.family_name, p.given_names FROM persons p WHERE p.aliases = '[]'"
        " ORDER BY p.rowid LIMIT 1")
    assert person is not None
    found = store.search_persons(f"{person['family_name']} {person['given_names']}")
    assert found
    assert store.count_cases(text=person["family_name"]) > 0
    # Note text (a street named in contact entries and summaries) and title words.
    assert store.count_cases(text="Team review") > 0
    title = store.list_cases(limit=1)[0].title
    assert store.count_cases(text=title.split()[0]) > 0


def test_non_latin_names_and_aliases_are_searchable(tmp_path: Path) -> None:
    session = _new_vault(tmp_path / "names.btam", officer=False)
    try:
        demo.generate(session, 150, seed=3, today=TODAY)
        names = [r[0] for r in session.db.query("SELECT family_name FROM persons")]
        assert any(re.search(r"[\u0370-\u03ff\u0400-\u04ff]", n) for n in names)
        assert any(re.search(r"[ươđĐăâêôơ]", n, re.IGNORECASE) for n in names)
        # Names in other scripts carry a Latin transliteration as an alias; both find them.
        scripted = [r for r in session.db.query("SELECT family_name, aliases FROM persons")
                    if re.search(r"[\u0370-\u03ff\u0400-\u04ff]", r["family_name"])]
        assert scripted
        family, aliases = scripted[0]
        assert session.store.search_persons(family)
        assert session.store.search_persons(json.loads(aliases)[0].split()[-1])
        # With one member every case is assigned to that member.
        assert session.db.scalar(
            "SELECT count(*) FROM cases c WHERE NOT EXISTS"
            " (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id)") == 0
    finally:
        session.lock()


def test_progress_can_cancel_and_committed_batches_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "BATCH_CASES", 10)
    session = _new_vault(tmp_path / "cancel.btam", officer=False)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 20

    try:
        summary = demo.generate(session, 50, seed=1, progress=progress, today=TODAY)
        assert calls == [(10, 50), (20, 50)]
        assert summary.cancelled
        assert summary.cases == 20 == session.store.count_cases()
        # A second run reuses the partner directory and keeps numbering going.
        again = demo.generate(session, 5, seed=2, today=TODAY)
        assert again.partners == 0
        assert len(session.store.partners()) == len(demo.PARTNERS)
        assert session.store.count_cases() == 25
        session.store.create_case("Made by hand after the demo", opened_on=TODAY.isoformat())
    finally:
        session.lock()


def test_the_planners_quicker_draws_are_randoms_own() -> None:
    """The demo's Random subclass draws the same numbers as random.Random for a seed, so a
    seed plans the same cases as before it was made quicker."""
    ours, theirs = demo._Draws(11), Random(11)
    draws = [(a, b) for a in (-3, 0, 7, 365) for b in (0, 1, 2, 99, 4999, 10**6) if b >= 0]
    for a, b in draws * 50:
        assert ours.randrange(b + 1) == theirs.randrange(b + 1)
        assert ours.randint(a, a + b) == theirs.randint(a, a + b)
        assert ours.randrange(a, a + b + 1) == theirs.randrange(a, a + b + 1)
        assert ours.choice(demo.STREETS) == theirs.choice(demo.STREETS)
        assert ours.random() == theirs.random()
    with pytest.raises(ValueError):
        ours.randint(3, 2)


def test_the_collector_is_back_as_it_was_after_a_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo pauses Python's cyclic garbage collector while it writes a batch (a bulk
    write's objects hold no cycles; ops.collector_paused): it is on again between batches and
    after a batch that failed, and a collector that was off stays off."""
    monkeypatch.setattr(demo, "BATCH_CASES", 5)
    session = _new_vault(tmp_path / "gc.btam", officer=False)
    during: list[bool] = []
    between: list[bool] = []
    write = demo._Writer.write

    def watched(self: Any, op: Any, plans: Any) -> None:
        during.append(gc.isenabled())
        write(self, op, plans)

    def failing(self: Any, op: Any, plans: Any) -> None:
        raise RuntimeError("disk gone")

    try:
        assert gc.isenabled()
        monkeypatch.setattr(demo._Writer, "write", watched)
        demo.generate(session, 10, seed=3, today=TODAY,
                      progress=lambda done, total: between.append(gc.isenabled()) or True)
        assert (during, between, gc.isenabled()) == ([False, False], [True, True], True)
        monkeypatch.setattr(demo._Writer, "write", failing)
        with pytest.raises(RuntimeError, match="disk gone"):
            demo.generate(session, 5, seed=4, today=TODAY)
        assert gc.isenabled()
        gc.disable()
        monkeypatch.setattr(demo._Writer, "write", watched)
        demo.generate(session, 5, seed=5, today=TODAY)
        assert not gc.isenabled()
        assert session.store.count_cases() == 15
    finally:
        gc.enable()
        session.lock()


def test_negative_count_is_refused(tmp_path: Path) -> None:
    session = _new_vault(tmp_path / "neg.btam", officer=False)
    try:
        with pytest.raises(InvalidInput, match="negative"):
            demo.generate(session, -1)
    finally:
        session.lock()
