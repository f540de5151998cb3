"""The store's case filters and counts (``list_filtered``/``count_filtered``) against a
reference computed in Python from the stored rows, for every combination of status (each,
"not closed", any), concern, tier, overdue and assigned member, with and without the trash, and
a few texts: on a caseload of open and closed cases, cases in the trash, empty and missing
review dates, late, future, undated and done tasks, and a case assigned twice to the same
member (two laptops). The store picks a different index per mix (issue 12: counts at 100,000
cases); whichever it picks, the cases, their order and the count must be the records'."""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from btam_desktop.core import queries, vault
from btam_desktop.core.ids import new_id
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.model import CONCERN_LEVELS, TIERS
from btam_desktop.core.session import Session

TODAY = date(2026, 3, 15)
OFFICER = "Sam Officer"


def _day(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """Seventy cases of every mix the filters tell apart, chosen by a fixed seed."""
    kdf = KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1)
    path: Path = tmp_path_factory.mktemp("filters") / "filters.btam"
    session, _ = vault.create_vault(path, member_name="Robin Lead",
                                    new_passphrase="granite-orchard-velvet-58", kdf=kdf)
    session.add_member(OFFICER, "officer", "copper-lantern-meadow-91")
    store = session.store
    pick = random.Random(16).choice
    words = ["threat letters", "school threat", "protective order", "harbour office"]
    for n in range(70):
        review = pick([None, _day(-20), _day(-1), _day(0), _day(9)])
        case = store.create_case(
            f"Case {n} {pick(words)}", concern=pick(CONCERN_LEVELS), tier=pick(TIERS),
            status=pick(["open", "active", "monitoring"]), opened_on=_day(-pick(range(40))),
            **({"next_review": review} if review else {}))
        for _ in range(pick([0, 0, 1, 2])):
            task = store.add_task(case.id, "Call back", due_on=pick([None, _day(-5), _day(3)]))
            if pick([False, False, True]):
                store.complete_task(task.id)
        for member in pick([(), ("Robin Lead",), (OFFICER,), ("Robin Lead", OFFICER)]):
            store.assign(case.id, member)
        if pick([False] * 4 + [True]):
            store.update_case(case.id, {"status": "closed", "closure_reason": "resolved"})
        if pick([False] * 6 + [True]):
            store.delete_case(case.id)
    with session.db.transaction():
        # An empty review date (so written by another laptop's merge) is no review date.
        session.db.execute(
            "UPDATE cases SET next_review = '' WHERE id IN (SELECT id FROM cases"
            " WHERE next_review IS NULL ORDER BY number LIMIT 6)")
        # The same member assigned to the same case twice (a merge keeps both rows).
        row = session.db.query_one(
            "SELECT case_id, member_id FROM case_assignments WHERE deleted_at IS NULL"
            " AND member_id = ? LIMIT 1", (session.member_id,))
        assert row is not None
        session.db.execute(
            "INSERT INTO case_assignments (id, case_id, member_id, created_at, updated_hlc)"
            " VALUES (?, ?, ?, ?, ?)", (new_id(), row[0], row[1], "2026-01-01T00:00:00Z",
                                        "0000000000000-0000-other"))
    yield session
    session.lock()


def _expected(session: Session, flt: queries.CaseFilter) -> list[str]:
    """The ids passing ``flt``, newest first, from the rows themselves (no index, no store)."""
    db = session.db
    today = flt.on
    late_tasks = {r[0] for r in db.query(
        "SELECT case_id FROM tasks WHERE done_at IS NULL AND deleted_at IS NULL"
        " AND due_on IS NOT NULL AND due_on < ?", (today,))}
    assigned = {r[0] for r in db.query(
        "SELECT case_id FROM case_assignments WHERE deleted_at IS NULL AND member_id = ?",
        (flt.assigned_to,))}
    matching = queries.matching_case_ids(db, flt.text) if flt.text else frozenset()
    found = []
    for row in db.query("SELECT * FROM cases ORDER BY opened_on DESC, number DESC"):
        if row["deleted_at"] and not flt.include_deleted:
            continue
        status = row["status"]
        late_review = status != "closed" and bool(row["next_review"]) and (
            row["next_review"] < today)
        if flt.text and row["id"] not in matching:
            continue
        if flt.status == queries.NOT_CLOSED and status == "closed":
            continue
        if flt.status not in ("", queries.NOT_CLOSED) and status != flt.status:
            continue
        if flt.concern and row["concern"] != flt.concern:
            continue
        if flt.tier and row["tier"] != flt.tier:
            continue
        if flt.overdue and not (late_review or row["id"] in late_tasks):
            continue
        if flt.assigned_to and row["id"] not in assigned:
            continue
        found.append(str(row["id"]))
    return found


_STATUSES = ["", "open", "active", "closed", queries.NOT_CLOSED]
_COMBINATIONS = [
    dict(status=s, concern=c, tier=t, overdue=o, assigned_to=a)
    for s, c, t, o, a in itertools.product(
        _STATUSES, ["", "high"], ["", "selective"], [False, True], ["", "me"])
]


def _filter(session: Session, values: dict[str, object], **more: object) -> queries.CaseFilter:
    return queries.CaseFilter.of(**{
        k: (session.member_id if v == "me" else v) for k, v in {**values, **more}.items()},
        on=TODAY.isoformat())


def _check(session: Session, flt: queries.CaseFilter) -> None:
    expected = _expected(session, flt)
    store = session.store
    assert store.count_filtered(flt) == len(expected), flt
    assert [c.id for c in store.list_filtered(flt)] == expected, flt
    for limit, offset in ((5, 0), (3, 4)):
        assert [c.id for c in store.list_filtered(flt, limit=limit, offset=offset)] == (
            expected[offset:offset + limit]), (flt, limit, offset)


@pytest.mark.parametrize("small", [False, True], ids=["as-is", "small-thresholds"])
@pytest.mark.parametrize("trash", [False, True], ids=["live", "with-trash"])
def test_every_combination_of_filters_is_what_the_rows_hold(
        mixed: Session, trash: bool, small: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # With small thresholds (a walk of 3 cases, a set of 2 "many") every count and page goes
    # the way it goes at 100,000 cases.
    if small:
        monkeypatch.setattr(type(mixed.store), "_WALK", 3)
        monkeypatch.setattr(type(mixed.store), "_FEW", 2)
    for values in _COMBINATIONS:
        _check(mixed, _filter(mixed, values, include_deleted=trash))


@pytest.mark.parametrize("small", [False, True], ids=["as-is", "small-thresholds"])
@pytest.mark.parametrize("text", ["threat", "th", "protective order", "harbour", "zzz"])
def test_a_text_with_other_filters_is_what_the_rows_hold(
        mixed: Session, text: str, small: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if small:
        monkeypatch.setattr(type(mixed.store), "_WALK", 3)
        monkeypatch.setattr(type(mixed.store), "_FEW", 2)
    for values in ([dict(status="closed"), dict(status=queries.NOT_CLOSED, overdue=True),
                    dict(tier="selective", assigned_to="me"), dict(overdue=True),
                    dict(status="active", concern="high"), dict(assigned_to="me",
                                                                overdue=True),
                    dict(assigned_to="me")]):
        _check(mixed, _filter(mixed, values, text=text))


def test_the_mix_has_what_the_filters_tell_apart(mixed: Session) -> None:
    store, on = mixed.store, TODAY.isoformat()
    assert store.count_cases(include_deleted=True) > store.count_cases() > 0
    assert store.count_cases(status="closed") > 0
    assert 0 < store.count_cases(status=queries.NOT_CLOSED, overdue=True, on=on) < (
        store.count_cases(status=queries.NOT_CLOSED))
    assert store.count_cases(status="closed", overdue=True, on=on) > 0  # a late task
    assert mixed.db.scalar("SELECT count(*) FROM cases WHERE next_review = ''") > 0
    assert store.count_cases(assigned_to=mixed.member_id, overdue=True, on=on) > 0
    # A text in the member's caseload must leave out the member's trashed cases and count a
    # case assigned twice once.
    assert mixed.db.scalar(
        "SELECT count(*) FROM cases c JOIN case_assignments a ON a.case_id = c.id"
        " WHERE c.deleted_at IS NOT NULL AND a.member_id = ? AND c.title LIKE '%threat%'",
        (mixed.member_id,)) > 0
    assert mixed.db.scalar(
        "SELECT count(*) FROM (SELECT case_id FROM case_assignments WHERE member_id = ?"
        " AND deleted_at IS NULL GROUP BY case_id HAVING count(*) > 1)", (mixed.member_id,)) > 0
