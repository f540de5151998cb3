"""Full-text search: what a query means, and that the index kept up to date write by write
finds exactly what a straightforward search of the stored records finds, in list order.

The reference ("oracle") builds one text per case in Python from the store's public reads
(case, timeline, live forms, live persons) into an in-memory FTS5 table with the vault's
tokenizer, and sorts the matches by opening date and number as the Cases list does. It shares
no code with the index maintenance (core/search.py's SQL, the operation's refresh).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from btam_desktop.core import demo, queries, search, vault
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.session import Session
from tests.core.test_submissions import valid_contact

TODAY = date(2026, 3, 15)


def _new_vault(path: Path) -> Session:
    kdf = KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1)
    session, _ = vault.create_vault(path, member_name="Robin Lead",
                                    new_passphrase="granite-orchard-velvet-58", kdf=kdf)
    return session


def _case_text(session: Session, case_id: str) -> str:
    store = session.store
    case = store.get_case(case_id)
    parts = [case.number, case.title, case.summary]
    for entry in store.timeline(case_id):
        parts += [entry.summary, entry.details, entry.context, entry.outcome]
    for sub in session.submissions.for_case(case_id, include_superseded=False):
        parts += search.answer_text(sub.answers)
    for link in store.case_persons(case_id):
        person = link.person
        if person.deleted_at:
            continue
        parts += [person.family_name, person.given_names, " ".join(person.aliases),
                  person.phone, person.email]
    return "\n".join(p for p in parts if p)


def _reference(session: Session) -> tuple[sqlite3.Connection, list[tuple[str, str, str]]]:
    """The reference documents, and (id, opened on, number) of every live case."""
    cases = [(c.id, c.opened_on, c.number) for c in session.store.list_cases()]
    ref = sqlite3.connect(":memory:")
    ref.execute("CREATE VIRTUAL TABLE docs USING fts5 (id UNINDEXED, body,"
                " tokenize = 'unicode61 remove_diacritics 2')")
    ref.executemany("INSERT INTO docs (id, body) VALUES (?, ?)",
                    [(case_id, _case_text(session, case_id)) for case_id, _, _ in cases])
    return ref, cases


def _expected(ref: sqlite3.Connection, cases: list[tuple[str, str, str]],
              text: str) -> list[str]:
    query = search.fts_query(text)
    if query is None:
        return []
    found = {r[0] for r in ref.execute("SELECT id FROM docs WHERE docs MATCH ?", (query,))}
    ordered = sorted((c for c in cases if c[0] in found), key=lambda c: (c[1], c[2]),
                     reverse=True)
    return [c[0] for c in ordered]


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    session = _new_vault(tmp_path_factory.mktemp("search") / "search.btam")
    demo.generate(session, 120, seed=3, today=TODAY)
    store = session.store
    cases = store.list_cases()
    # Edits of every kind that changes what a case is found by, each through the store.
    store.update_case(cases[0].id, {"title": "Renamed after the Quillmoor hearing"})
    store.add_note(cases[1].id, "Caller mentioned the Quillmoor depot twice")
    store.delete_case(cases[2].id)
    store.delete_case(cases[3].id)
    store.restore_case(cases[3].id)
    links = store.case_persons(cases[4].id)
    store.update_person(links[0].person.id, {"family_name": "Zanzibarova"})
    store.unlink_person(store.case_persons(cases[5].id)[0].link_id)
    answers = valid_contact(session)
    answers["contact_summary"] = "Met at the Quillmoor library"
    sub = session.submissions.create(cases[6].id, "contact_log", answers, complete=True)
    answers["contact_summary"] = "Met at the harbour office"
    session.submissions.amend(sub.id, answers, reason="wrong place")
    draft = session.submissions.create(cases[8].id, "contact_log", {}, strict=False)
    session.submissions.save_draft(draft.id, {"contact_summary": "Quillmoor draft words"})
    # Several cases opened on one day, one of them moved there later (so its number is
    # lower than the day's others but its document came last).
    for title in ("Same day one", "Same day two", "Same day three"):
        store.create_case(title + " Quillmoor", opened_on="2026-03-10")
    store.update_case(cases[7].id, {"opened_on": "2026-03-10",
                                    "title": "Moved Quillmoor case"})
    yield session
    session.lock()


def _words(session: Session) -> list[str]:
    rows = session.db.query(
        "SELECT p.family_name, p.given_names FROM persons p ORDER BY p.rowid LIMIT 5")
    words = [f"{r[0]} {r[1]}" for r in rows] + [r[0][:3] for r in rows]
    words += [c.title.split()[0] for c in session.store.list_cases(limit=5)]
    return [*words, "Quillmoor", "quillm", "QUILL", "Threat", "protective ord",
            "Zanzibarova", "harbour", "threat", "school", "protective order",
            "Pennywhistle Lane", "team review", "th", "Quillmoor hearing", "hearing Quillmoor",
            "zzzz", "!!"]


def test_every_search_finds_what_the_records_hold_in_list_order(demo_vault: Session) -> None:
    session = demo_vault
    ref, cases = _reference(session)
    store = session.store
    for text in _words(session):
        expected = _expected(ref, cases, text)
        assert [c.id for c in store.list_cases(text=text)] == expected, text
        assert queries.matching_case_ids(session.db, text) == frozenset(expected), text
        assert store.count_cases(text=text) == len(expected), text
        for limit, offset in ((1, 0), (3, 0), (3, 2), (100, 0), (5, len(expected) - 2)):
            offset = max(offset, 0)
            page = store.list_cases(text=text, limit=limit, offset=offset)
            assert [c.id for c in page] == expected[offset:offset + limit], (text, limit)
        closed = [c.id for c in store.list_cases(text=text, status="closed", limit=4)]
        assert closed == [i for i in expected
                          if store.get_case(i).status == "closed"][:4], text


def test_the_trashed_case_and_old_text_are_not_found(demo_vault: Session) -> None:
    store = demo_vault.store
    trashed = store.trash()[0]
    assert trashed.id not in {c.id for c in store.list_cases(text=trashed.title)}
    # The amended form is found by its new answers only.
    assert [c.title for c in store.list_cases(text="harbour office")]
    assert "library" not in _case_text(demo_vault, store.list_cases(
        text="harbour office")[0].id)


def test_words_may_be_in_different_records_of_a_case(session: Session) -> None:
    case = session.store.create_case("Letters to the principal")
    person = session.store.add_person("Okafor", "Daniel")
    session.store.link_person(case.id, person.id, "person_of_concern")
    session.store.add_note(case.id, "Seen near the gymnasium")
    # Name from the person, word from the note, word from the title: one case.
    assert [c.id for c in session.store.list_cases(text="okafor gymnasium letters")] == [
        case.id]
    assert session.store.list_cases(text="okafor gymnasium zebra") == []


def test_the_last_word_is_a_prefix_the_others_are_whole(session: Session) -> None:
    case = session.store.create_case("Threatening letters")
    person = session.store.add_person("Okafor", "Daniel")
    session.store.link_person(case.id, person.id, "person_of_concern")
    find = session.store.list_cases
    assert [c.id for c in find(text="okafor dan")] == [case.id]  # still typing "Daniel"
    assert [c.id for c in find(text="threat")] == [case.id]
    assert find(text="dan okafor") == []  # "dan" before the last word: a whole word only
    assert [c.id for c in find(text="daniel okafor")] == [case.id]
    assert find(text="threat letters zz") == []


def test_a_word_the_tokenizer_splits_is_searched_as_its_words(session: Session) -> None:
    # The index keeps no positions (schema v20): "nightowl_5339" cannot be a phrase. It is
    # the words "nightowl" and "5339" (the last a prefix), found as an alias is typed.
    case = session.store.create_case("Posts on a gaming forum")
    person = session.store.add_person("Halloran", "Rory", aliases=["nightowl_5339"])
    session.store.link_person(case.id, person.id, "person_of_concern")
    find = session.store.list_cases
    for text in ("nightowl_5339", "nightowl_53", "NightOwl 5339", "5339 nightowl", "o'nightowl"):
        found = [c.id for c in find(text=text)]
        assert found == ([] if text == "o'nightowl" else [case.id]), text
        assert queries.matching_case_ids(session.db, text) == frozenset(found), text
        assert session.store.count_cases(text=text) == len(found), text


def test_search_index_is_rebuilt_by_the_migration(demo_vault: Session) -> None:
    session = demo_vault
    before = {t: queries.matching_case_ids(session.db, t) for t in _words(session)}
    with session.db.transaction():
        search.rebuild(session.db)
    assert {t: queries.matching_case_ids(session.db, t) for t in _words(session)} == before


@pytest.mark.parametrize("filters", [
    {"status": "closed"}, {"status": "open"}, {"concern": "low"}, {"concern": "imminent"},
    {"status": "closed", "concern": "moderate"}, {"tier": "universal"}])
def test_a_filtered_page_is_the_start_of_the_filtered_list(demo_vault: Session,
                                                           filters: dict[str, str]) -> None:
    # A common status is paged through the opening-date index, a rare one through the status
    # index: either way the page is the list's first cases, in its order.
    store = demo_vault.store
    everything = [c.id for c in store.list_cases(**filters)]  # type: ignore[arg-type]
    for limit, offset in ((5, 0), (100, 0), (3, 4)):
        page = store.list_cases(limit=limit, offset=offset, **filters)  # type: ignore[arg-type]
        assert [c.id for c in page] == everything[offset:offset + limit]


def test_a_whole_case_number_finds_that_case_only(session: Session) -> None:
    # Found in the issue 9 walk: "2026-0109" listed three cases, because "2026" is in every
    # 2026 case and "0109" is the end of a demo phone number (555-0109).
    store = session.store
    case = store.create_case("Letters to the principal", opened_on="2026-01-05")
    other = store.create_case("Calls to the pharmacy", opened_on="2026-01-06")
    short = case.number.rsplit("-", 1)[0]  # 2026-0001, without the device code
    person = store.add_person("Okafor", "Daniel")
    store.update_person(person.id, {"phone": f"(555) 555-{short[5:]}"})
    store.link_person(other.id, person.id, "person_of_concern")
    later = store.create_case(f"Follow-up of {short}", opened_on="2026-01-07")
    words = " ".join(short.split("-"))  # the same words, not a case number
    assert {c.id for c in store.list_cases(text=words)} == {case.id, other.id, later.id}
    for text in (short, case.number, case.number.lower(), f"  {short} "):
        assert [c.id for c in store.list_cases(text=text)] == [case.id], text
        assert queries.matching_case_ids(session.db, text) == frozenset({case.id}), text
        assert store.count_cases(text=text) == 1, text
        assert [c.id for c in store.list_cases(text=text, status="open")] == [case.id]
    # Still typing the number: the usual rule (every word, the last one a prefix).
    assert {c.id for c in store.list_cases(text=short[:7])} == {case.id, other.id, later.id}
    # Written like a case number but no case has it (a CAD number): found in the text.
    store.add_note(other.id, "CAD 2026-004512 from dispatch")
    assert [c.id for c in store.list_cases(text="2026-004512")] == [other.id]
    assert store.count_cases(text="2026-004512") == 1


@pytest.mark.parametrize("text", [
    "t", "th", "thr", "q", "qu", "pro", "protective o", "school th", "threat sch",
    "okafor d", "2026 q", "a b c"])
def test_a_short_last_word_finds_what_the_records_hold(demo_vault: Session,
                                                       text: str) -> None:
    # Up to three characters the last word is read from the index's own prefix lists
    # (schema v15); it must mean what it meant: any word starting so, the words before it
    # whole, all in one case. The reference has no prefix index.
    session = demo_vault
    ref, cases = _reference(session)
    expected = _expected(ref, cases, text)
    assert [c.id for c in session.store.list_cases(text=text)] == expected
    assert [c.id for c in session.store.list_cases(text=text, limit=7, offset=2)] == (
        expected[2:9])
    assert session.store.count_cases(text=text) == len(expected)
    assert queries.matching_case_ids(session.db, text) == frozenset(expected)
    assert queries.count_matching(session.db, text, cap=5) == min(5, len(expected))


def test_the_case_index_keeps_prefix_lists(demo_vault: Session) -> None:
    sql = demo_vault.db.scalar("SELECT sql FROM sqlite_master WHERE name = 'case_fts'")
    assert "prefix = '1 2 3'" in str(sql)


_COMBINATIONS = [
    {"status": "closed"}, {"status": "open"}, {"status": queries.NOT_CLOSED},
    {"concern": "imminent"}, {"tier": "intensive"}, {"tier": "universal"},
    {"overdue": True}, {"assigned_to": "me"},
    {"status": "closed", "tier": "universal"}, {"concern": "high", "assigned_to": "me"},
    {"overdue": True, "assigned_to": "me"}, {"tier": "selective", "overdue": True},
    {"status": "monitoring", "concern": "moderate", "tier": "selective", "overdue": True,
     "assigned_to": "me"},
    {"text": "threat", "tier": "intensive"}, {"text": "th", "overdue": True},
    {"text": "quillmoor", "assigned_to": "me"}, {"text": "threat", "assigned_to": "me"},
    {"text": "school th", "status": "closed"},
    {"text": "t", "concern": "low", "overdue": True, "assigned_to": "me"},
]


@pytest.mark.parametrize("small", [False, True], ids=["as-is", "small-thresholds"])
@pytest.mark.parametrize("combination", _COMBINATIONS)
def test_filters_combined_find_what_the_records_hold(
        demo_vault: Session, combination: dict[str, object], small: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The store answers each filter from whichever index is quickest (a walk of the list in
    # its order, a member's assignments, the late reviews and tasks, the search matches):
    # the cases, their order and the count must be those the records give. The reference is
    # the case table's own filter (queries.row_predicate over every live case's row) and the
    # text search without the store. With small thresholds (a walk of 3 cases, a set of 2
    # "many") every page and count goes the way it goes for 100,000 cases.
    session = demo_vault
    if small:
        monkeypatch.setattr(type(session.store), "_WALK", 3)
        monkeypatch.setattr(type(session.store), "_FEW", 2)
    flt = queries.CaseFilter.of(**{
        k: (session.member_id if v == "me" else v) for k, v in combination.items()},
        on=TODAY.isoformat())
    rows = sorted(queries.case_rows(session.db), key=lambda r: (r.opened_on, r.number),
                  reverse=True)
    matching = None
    if flt.text:
        ref, cases = _reference(session)
        found = set(_expected(ref, cases, flt.text))
        matching = frozenset(r.doc for r in rows if r.id in found)  # the table's terms
    passes = queries.row_predicate(flt, TODAY.isoformat(), matching)
    expected = [r.id for r in rows if passes(r)]
    store = session.store
    assert [c.id for c in store.list_filtered(flt)] == expected
    for limit, offset in ((5, 0), (100, 0), (3, 4)):
        page = store.list_filtered(flt, limit=limit, offset=offset)
        assert [c.id for c in page] == expected[offset:offset + limit]
    assert store.count_filtered(flt) == len(expected)


def test_the_combinations_are_not_empty(demo_vault: Session) -> None:
    # The filters above are tried on cases that have them.
    store = demo_vault.store
    assert store.count_cases(assigned_to=demo_vault.member_id) > 10
    assert store.count_cases(overdue=True, on=TODAY.isoformat()) > 3
    assert store.count_cases(tier="intensive") > 10
    assert store.count_cases(text="th", overdue=True, on=TODAY.isoformat()) > 0


def test_a_prefix_finds_a_word_written_after_it_was_searched(session: Session) -> None:
    # The words a prefix stands for are kept between searches until something is written.
    store = session.store
    case = store.create_case("Calls to the depot")
    assert store.list_cases(text="zebr") == []
    assert store.count_cases(text="zebr") == 0
    store.add_note(case.id, "Drew a zebrafish on the wall")
    assert [c.id for c in store.list_cases(text="zebr")] == [case.id]
    assert store.count_cases(text="zebr") == 1
    store.add_note(case.id, "and a zebrawood box")
    assert queries.matching_case_ids(session.db, "zebraw") == {case.id}


def test_a_record_inserted_then_changed_in_one_operation_is_indexed_where_it_ends(
        session: Session) -> None:
    # The operation takes the case of a record it inserts from the inserted row and does not
    # look it up again at its end, unless a later write of the same operation changes the
    # record: a link moved to another case must take the person's name with it.
    store = session.store
    first = store.create_case("Calls to the depot")
    second = store.create_case("Letters to the harbour office")
    with session.operation("link.moved") as op:  # the store's writes join this operation
        person = store.add_person("Quenneville", "Ines")
        link = store.link_person(first.id, person.id, "witness")
        entry = store.add_note(first.id, "Spoke with the zookeeper")
        op.update("case_persons", link, {"case_id": second.id})
        op.purge("timeline", entry.id)
    assert [c.id for c in store.list_cases(text="quenneville")] == [second.id]
    assert store.list_cases(text="zookeeper") == []
    assert store.count_cases(text="quenneville") == 1
