"""The case table's queries agree with the store: same cases, same search, same filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from btam_desktop.core import queries
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter
from btam_desktop.core.session import Session

TODAY = date.today()


def _days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


@pytest.fixture
def seeded(session: Session) -> dict[str, str]:
    """A handful of cases covering every filter; returns name -> case id."""
    store = session.store
    school = store.create_case("Threats posted about Northgate High", concern="high",
                               tier="intensive", next_review=_days(-3))
    letters = store.create_case("Letters to the mayor", concern="moderate", status="active",
                                next_review=_days(20))
    grievance = store.create_case("Workplace grievance", status="monitoring",
                                  tier="selective")
    closed = store.create_case("Old neighbour dispute", next_review=_days(-40))
    store.update_case(closed.id, {"status": "closed", "closure_reason": "Resolved"})
    person = store.add_person("Okafor", "Daniel", aliases=["DJ Blaze"])
    store.link_person(school.id, person.id, "person_of_concern")
    store.add_note(letters.id, "Seen on Pennywhistle Lane at night")
    store.add_task(grievance.id, "Call HR", due_on=_days(-1))
    store.assign(letters.id, session.actor_name)
    trashed = store.create_case("Entered by mistake")
    store.delete_case(trashed.id)
    return {"school": school.id, "letters": letters.id, "grievance": grievance.id,
            "closed": closed.id, "trashed": trashed.id}


def _ids(rows: list[queries.CaseRow], positions: list[int]) -> set[str]:
    return {rows[i].id for i in positions}


def test_rows_are_the_live_cases(session: Session, seeded: dict[str, str]) -> None:
    rows = queries.case_rows(session.db)
    assert {r.id for r in rows} == {c.id for c in session.store.list_cases()}
    assert seeded["trashed"] not in {r.id for r in rows}
    assert queries.count_live_cases(session.db) == len(rows) == 4
    by_id = {r.id: r for r in rows}
    letters = by_id[seeded["letters"]]
    assert letters.status == "active" and letters.concern == "moderate"
    assert letters.assigned == (session.member_id,)
    assert by_id[seeded["grievance"]].task_due == _days(-1)


def test_rows_for_some_ids(session: Session, seeded: dict[str, str]) -> None:
    wanted = {seeded["school"], seeded["trashed"], "no-such-id"}
    assert {r.id for r in queries.case_rows(session.db, wanted)} == {seeded["school"]}
    assert queries.case_rows(session.db, set()) == []


@pytest.mark.parametrize(("flt", "store_filter"), [
    (CaseFilter(status="active"), {"status": "active"}),
    (CaseFilter(concern="high"), {"concern": "high"}),
    (CaseFilter(tier="selective"), {"tier": "selective"}),
    (CaseFilter(overdue=True), {"overdue": True}),
])
def test_filters_agree_with_the_store(session: Session, seeded: dict[str, str],
                                      flt: CaseFilter, store_filter: dict[str, object]) -> None:
    rows = queries.case_rows(session.db)
    chosen = _ids(rows, queries.select(rows, flt, today=TODAY.isoformat()))
    assert chosen == {c.id for c in session.store.list_cases(**store_filter)}  # type: ignore[arg-type]


def test_overdue_means_review_or_task(session: Session, seeded: dict[str, str]) -> None:
    rows = queries.case_rows(session.db)
    chosen = _ids(rows, queries.select(rows, CaseFilter(overdue=True), today=TODAY.isoformat()))
    # The school's review is late, the grievance has a late task; the closed case's old
    # review date does not count.
    assert chosen == {seeded["school"], seeded["grievance"]}


def test_not_closed_and_assigned_to(session: Session, seeded: dict[str, str]) -> None:
    rows = queries.case_rows(session.db)
    open_ = _ids(rows, queries.select(rows, CaseFilter(status=NOT_CLOSED)))
    assert seeded["closed"] not in open_ and len(open_) == 3
    mine = _ids(rows, queries.select(rows, CaseFilter(assigned_to=session.member_id or "")))
    assert mine == {seeded["letters"]}


@pytest.mark.parametrize(("text", "case"), [
    ("Pennywhistle", "letters"),  # a note on the timeline
    ("blaze", "school"),  # a person's alias, prefix and any case
    ("okafor dan", "school"),  # every word must match
    ("northgate", "school"),  # the title
])
def test_search_agrees_with_the_store(session: Session, seeded: dict[str, str], text: str,
                                      case: str) -> None:
    found = queries.matching_case_ids(session.db, text)
    assert found == {seeded[case]}
    assert found == {c.id for c in session.store.list_cases(text=text)}
    rows = queries.case_rows(session.db)
    docs = queries.matching_docs(session.db, text)  # the table's search: the same cases
    assert docs == {r.doc for r in rows if r.id in found} and all(r.doc for r in rows)
    assert _ids(rows, queries.select(rows, CaseFilter(text=text), matching=docs)) == found
    by_doc = {r.doc: at for at, r in enumerate(rows)}
    assert _ids(rows, queries.select(rows, CaseFilter(text=text), matching=docs,
                                     by_doc=by_doc)) == found


@pytest.mark.parametrize("others", [
    {}, {"status": NOT_CLOSED}, {"concern": "high"}, {"overdue": True}, {"status": "closed"}])
def test_the_tables_search_keeps_every_match_in_list_order(
        session: Session, seeded: dict[str, str], others: dict[str, object]) -> None:
    """The table looks its matches up by position (the first row's is 0) in the order the
    index gives them: the cases and their order are those of the store's own list."""
    store = session.store
    store.add_note(seeded["grievance"], "Threats repeated at the depot")
    store.add_note(seeded["closed"], "Threats were old news")
    rows = queries.case_rows(session.db)
    by_doc = {row.doc: at for at, row in enumerate(rows)}
    flt = CaseFilter(text="threats", **others)  # type: ignore[arg-type]
    found = queries.matching_docs(session.db, "threats")
    assert len(found) == 3 and rows[0].doc in found  # position 0 among the matches
    chosen = queries.select(rows, flt, today=TODAY.isoformat(), matching=found,
                            by_doc=by_doc)
    assert chosen == sorted(chosen)  # rows order
    listed = [c.id for c in store.list_cases(text="threats", **others)]  # type: ignore[arg-type]
    assert [rows[i].id for i in chosen] == [r.id for r in rows if r.id in set(listed)]
    assert {rows[i].id for i in chosen} == set(listed)


def test_search_without_words_matches_nothing(session: Session,
                                              seeded: dict[str, str]) -> None:
    assert queries.matching_case_ids(session.db, "  !! ") == frozenset()
    assert queries.matching_docs(session.db, "  !! ") == frozenset()
    rows = queries.case_rows(session.db)
    assert queries.select(rows, CaseFilter(text="zzz"), matching=None) == []


def test_touched_records_map_to_their_cases(session: Session,
                                            seeded: dict[str, str]) -> None:
    store = session.store
    seen: list[dict[str, set[str]]] = []
    session.subscribe(lambda summary: seen.append(summary.touched))
    store.add_note(seeded["school"], "Another note")
    person = store.case_persons(seeded["school"])[0].person
    store.update_person(person.id, {"phone": "555-0100"})
    store.add_task(seeded["letters"], "Visit")
    assert [queries.case_ids_touched(session.db, t) for t in seen] == [
        {seeded["school"]}, {seeded["school"]}, {seeded["letters"]}]
    assert queries.case_ids_touched(session.db, {"members": {"x"}}) == set()


def test_sorting_follows_the_vocabulary(session: Session, seeded: dict[str, str]) -> None:
    rows = queries.case_rows(session.db)
    everything = range(len(rows))
    by_concern = [rows[i].concern for i in queries.order(rows, everything, "concern",
                                                         descending=True)]
    assert by_concern == ["high", "moderate", "low", "low"]
    by_review = [rows[i].next_review for i in queries.order(rows, everything, "next_review")]
    assert by_review[-1] is None  # no date last
    assert by_review[:3] == sorted(r for r in by_review if r)
    titles = [rows[i].title for i in queries.order(rows, everything, "title")]
    assert titles == sorted(titles, key=str.casefold)
    with pytest.raises(ValueError, match="cannot sort"):
        queries.sort_key("colour")
