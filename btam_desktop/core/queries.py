"""Fast, read-only queries for the case views: light row tuples for 100,000 cases, the ids a
full-text search matches, and the filtering and ordering of those rows in plain Python.

Why not :meth:`CaseStore.list_cases` for the case table: it builds a frozen ``Case`` per row
with a correlated sub-query for the assigned names, which is fine for a page of 100 but costs
seconds for 100,000. Here one scan of ``cases`` plus two small grouped queries (open tasks,
assignments) yields plain tuples; the table keeps them in memory and filters and sorts them
without touching the database again (tens of milliseconds, see ``tests/bench``). Only a text
search goes back to SQL, to the same FTS5 index and with the same rules as the store, and
``tests/core/test_queries.py`` checks that both agree on every filter.

No Qt here, and nothing is written: the module is usable from the CLI and benchmarks too.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from array import array
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from btam_desktop.core import changelog, search
from btam_desktop.core.db import DatabaseError, classify
from btam_desktop.core.model import CASE_STATUSES, CONCERN_LEVELS, TIERS

if TYPE_CHECKING:
    from btam_desktop.core.db import Database

NOT_CLOSED = "not_closed"
"""Status filter value: every status but closed (what a team lead works through)."""

# Tables whose rows carry a ``case_id`` column, so a change to them maps to cases.
_CASE_CHILD_TABLES = frozenset({
    "case_assignments", "case_persons", "tasks", "timeline", "attachments", "submissions",
    "disseminations",
})
# Ids are bound as one JSON array, so any number of them is one statement (SQLite limits the
# number of "?" parameters, and 500 cases of a demo batch would exceed older limits).
_IDS = "SELECT value FROM json_each(:ids)"


class CaseRow(NamedTuple):
    """One case as the case table shows it (a plain tuple: 100,000 of them stay small)."""

    id: str
    number: str
    title: str
    status: str
    concern: str
    tier: str
    next_review: str | None
    opened_on: str
    task_due: str | None  # due date of the earliest open task (for "overdue")
    assigned: tuple[str, ...]  # member ids
    # Rowid of the case's search document (core/search.py; 0: none): a text search gives the
    # table these, integers it looks up quicker than ids and reads without a join.
    doc: int = 0

    def review_overdue(self, today: str) -> bool:
        """The next review date has passed on a case that is not closed."""
        return self.status != "closed" and bool(self.next_review) and (
            str(self.next_review) < today)

    def task_overdue(self, today: str) -> bool:
        """An open task or review is past its due date."""
        return bool(self.task_due) and str(self.task_due) < today

    def overdue(self, today: str) -> bool:
        """What the store's ``overdue`` filter means: a review or an open task is late."""
        return self.review_overdue(today) or self.task_overdue(today)


def _tuples(db: Database, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples: name-indexable rows cost a third more to build and unpack,
    which is 50 ms at 100,000 cases."""
    cursor = db.connection.cursor()
    cursor.row_factory = None
    try:
        return list(cursor.execute(sql, params).fetchall())
    except DatabaseError as exc:
        raise classify(exc) from exc
    finally:
        cursor.close()


def case_rows(db: Database, ids: Collection[str] | None = None) -> list[CaseRow]:
    """Live (not trashed) cases in no particular order (callers sort with :func:`order`);
    only those in ``ids`` when given."""
    where = ""
    params: dict[str, Any] = {}
    if ids is not None:
        if not ids:
            return []
        where = f" AND case_id IN ({_IDS})"
        params["ids"] = json.dumps(list(ids))
    # No ORDER BY: sorting 100,000 rows in SQL costs more than the Python sort the table
    # does anyway for its current column.
    # NOT INDEXED: walking the table in order reads each page once; the planner's choice (the
    # partial status index) visits rows in index order, which at 100,000 cases means many
    # more page reads and decryptions (0.3 s against 0.7 s).
    table = "cases" if ids is not None else "cases NOT INDEXED"
    rows = _tuples(
        db, "SELECT id, number, title, status, concern, tier, next_review, opened_on"
        f" FROM {table} WHERE deleted_at IS NULL" + where.replace("case_id", "id"), params)
    # For every case: reads only the partial index of open tasks (no table look-ups); the
    # minimum is taken here because GROUP BY makes SQLite walk every task through another
    # index instead.
    # For a few cases the per-case index is the quick way in.
    tasks = "tasks" if ids is not None else "tasks INDEXED BY tasks_open_due"
    due: dict[str, str] = {}
    for case_id, due_on in _tuples(
            db, f"SELECT case_id, due_on FROM {tasks}"
            " WHERE done_at IS NULL AND deleted_at IS NULL AND due_on IS NOT NULL"
            " AND due_on > ''" + where,
            params):
        if case_id not in due or due_on < due[case_id]:
            due[case_id] = due_on
    assigned: dict[str, list[str]] = {}
    for case_id, member_id in _tuples(
            db, "SELECT case_id, member_id FROM case_assignments WHERE deleted_at IS NULL"
            + where, params):
        assigned.setdefault(case_id, []).append(member_id)
    docs: dict[str, int] = dict(_tuples(
        db, "SELECT case_id, rowid FROM case_docs" + where.replace(" AND", " WHERE", 1),
        params))
    get_doc = docs.get
    # Status, concern, tier and dates repeat across 100,000 rows: keep one string of each.
    pool: dict[str, str] = {}
    intern = pool.setdefault
    empty: tuple[str, ...] = ()
    get_due = due.get
    make = tuple.__new__  # NamedTuple's own __new__ is a Python function: 3x slower
    return [
        make(CaseRow, (
            case_id, number, title, intern(status, status), intern(concern, concern),
            intern(tier, tier), intern(review, review) if review else None,
            intern(opened, opened), get_due(case_id),
            tuple(assigned[case_id]) if case_id in assigned else empty, get_doc(case_id, 0),
        ))
        for case_id, number, title, status, concern, tier, review, opened in rows
    ]


def count_live_cases(db: Database) -> int:
    """How many cases are not in the trash."""
    return int(db.scalar("SELECT count(*) FROM cases WHERE deleted_at IS NULL"))


class Matches(frozenset[int]):
    """What a text search found for the case table: the rowids of the matching cases' search
    documents (:attr:`CaseRow.doc`), which the full-text index gives without a join, as a set
    and in list order (newest first: document order reversed) in :attr:`newest_first`. The
    table, whose rows are stored in list order, looks them up in that order. At 73,182
    matches (100,000 cases) this is 37 ms against 89 for the same cases by id."""

    newest_first: tuple[int, ...]

    def __new__(cls, docs: Sequence[int]) -> Matches:
        made = super().__new__(cls, docs)
        made.newest_first = tuple(reversed(docs))
        return made


def matching_docs(db: Database, text: str) -> Matches:
    """The search documents of the cases :func:`matching_case_ids` finds for ``text`` (the
    case table's search; rows say their document in :attr:`CaseRow.doc`)."""
    query = search.case_query(db, text)
    if query is None:
        return Matches(())
    return Matches(search.matching_docs(db, query))


def matching_case_ids(db: Database, text: str) -> frozenset[str]:
    """Ids of cases whose number, title, summary, timeline, forms or persons (names,
    aliases, phone, e-mail) match ``text``, as ``CaseStore.list_cases(text=...)`` finds them
    (the rule is in core/search.py: every word somewhere in the case, the last one also as a
    prefix); text without a searchable word matches nothing."""
    query = search.case_query(db, text)
    if query is None:
        return frozenset()
    return frozenset(search.matching_case_ids(db, query))


def count_matching(db: Database, text: str, cap: int | None = None) -> int:
    """How many cases match ``text`` (at most ``cap`` when given, for a quick "1,000+"
    shown while the exact figure is not needed)."""
    query = search.case_query(db, text)
    return 0 if query is None else search.count_matches(db, query, cap)


def case_ids_touched(db: Database, touched: dict[str, set[str]]) -> set[str]:
    """The cases a committed change concerns (``ChangeSummary.touched``), for a cheap
    refresh of just those rows."""
    cases = set(touched.get("cases", ()))
    for table, record_ids in touched.items():
        if not record_ids:
            continue
        params = {"ids": json.dumps(sorted(record_ids))}
        if table in _CASE_CHILD_TABLES:
            # The table name comes from the allowlist above, never from outside.
            # (A dissemination may have no case: NULL ids are skipped.)
            cases.update(r[0] for r in db.query(
                f"SELECT DISTINCT case_id FROM {table} WHERE id IN ({_IDS})", params) if r[0])
        elif table == "persons":
            cases.update(r[0] for r in db.query(
                f"SELECT DISTINCT case_id FROM case_persons WHERE person_id IN ({_IDS})",
                params))
    return cases


# -- filtering and ordering (plain Python over CaseRow) ----------------------------------------
@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list shows: the case table, ``btam case list`` and
    ``CaseStore.list_filtered``/``count_filtered`` (``list_cases``/``count_cases`` take the
    same fields as keywords). Empty values mean "any".

    ``status`` is one of :data:`~btam_desktop.core.model.CASE_STATUSES`, :data:`NOT_CLOSED`
    or empty; ``matching`` is the result of :func:`matching_docs` for ``text`` (the table
    runs the search once per text, not once per filter change). ``include_deleted`` (cases in
    the trash too) and ``on`` (the ISO day "overdue" is judged on; empty: today) are read by
    the store only: the case table holds live cases and judges on today.
    """

    text: str = ""
    status: str = ""
    concern: str = ""
    tier: str = ""
    overdue: bool = False
    assigned_to: str = ""  # a member id
    include_deleted: bool = False
    on: str = ""

    @classmethod
    def of(cls, **values: Any) -> CaseFilter:
        """A filter from keyword values where None (or a missing one) means "any"."""
        return cls(**{k: (v if v is not None else getattr(cls, k))
                      for k, v in values.items()})

    def is_empty(self) -> bool:
        """True when every case passes."""
        return self == CaseFilter()


def _row_tests(flt: CaseFilter, today: str,
               matching: frozenset[int] | None) -> list[Callable[[CaseRow], bool]]:
    """One test per filter given, the quick and choosy ones first (a text's documents, the
    status, concern and tier compared as interned strings), "overdue" (a method call) and
    "assigned" (a tuple scan) last."""
    tests: list[Callable[[CaseRow], bool]] = []
    if flt.text.strip():
        found = matching if matching is not None else frozenset()
        tests.append(lambda r: r.doc in found)
    if flt.status == NOT_CLOSED:
        tests.append(lambda r: r.status != "closed")
    elif flt.status:
        tests.append(lambda r: r.status == flt.status)
    if flt.concern:
        tests.append(lambda r: r.concern == flt.concern)
    if flt.tier:
        tests.append(lambda r: r.tier == flt.tier)
    if flt.overdue:
        tests.append(lambda r: r.overdue(today))
    if flt.assigned_to:
        tests.append(lambda r: flt.assigned_to in r.assigned)
    return tests


def row_predicate(flt: CaseFilter, today: str,
                  matching: frozenset[int] | None) -> Callable[[CaseRow], bool]:
    """A test for one row; ``matching`` (the documents the text search found,
    :func:`matching_docs`) is used when ``flt.text`` is set."""
    tests = _row_tests(flt, today, matching)
    if not tests:
        return lambda r: True
    if len(tests) == 1:
        return tests[0]

    def passes(row: CaseRow) -> bool:
        return all(test(row) for test in tests)

    return passes


def _narrowed(rows: Sequence[CaseRow], positions: Iterable[int] | None,
              tests: list[Callable[[CaseRow], bool]]) -> list[int]:
    """The ``positions`` (None: every row) whose rows pass every test, in their order: one
    pass per test over what the tests before it left (at 100,000 rows and three filters, a
    combined test per row cost twice as long)."""
    if positions is None:
        first, *tests = tests
        chosen = [i for i, row in enumerate(rows) if first(row)]
    else:
        chosen = list(positions)
    for test in tests:
        chosen = [i for i in chosen if test(rows[i])]
    return chosen


_present = partial(operator.is_not, None)  # a position (0 included), not a missing case


def select(rows: Sequence[CaseRow], flt: CaseFilter, *, today: str | None = None,
           matching: frozenset[int] | None = None,
           by_doc: dict[int, int] | None = None) -> list[int]:
    """Positions in ``rows`` of the cases passing ``flt``, in ``rows`` order.

    With a text search and ``by_doc`` (search document -> index in ``rows``), only the
    matching cases are looked at: a search finds a few thousand of 100,000.
    """
    if flt.is_empty():
        return list(range(len(rows)))
    on = today or date.today().isoformat()
    if flt.text.strip() and by_doc is not None:
        # Every candidate matches the text already: only the other filters are tested, and
        # the look-ups and the sort run in C (at 73,000 matches a Python expression per
        # match was most of the table's search time).
        found = matching.newest_first if isinstance(matching, Matches) else matching or ()
        candidates: list[int] = sorted(filter(_present, map(by_doc.get, found)))  # type: ignore[arg-type]
        return _narrowed(rows, candidates,
                         _row_tests(dataclasses.replace(flt, text=""), on, None))
    tests = _row_tests(flt, on, matching)
    return _narrowed(rows, None, tests) if tests else list(range(len(rows)))


_RANK = {
    "status": {name: i for i, name in enumerate(CASE_STATUSES)},
    "concern": {name: i for i, name in enumerate(CONCERN_LEVELS)},
    "tier": {name: i for i, name in enumerate(TIERS)},
}
SORT_FIELDS = ("number", "title", "status", "concern", "tier", "next_review", "assigned",
               "opened_on")


def sort_key(field: str, member_names: dict[str, str] | None = None
             ) -> Callable[[CaseRow], Any]:
    """A key for ``sorted`` that orders rows by ``field`` as a person expects: concern by
    level (low to imminent), status by workflow, dates with the missing ones last, titles
    without regard to case."""
    if field in _RANK:
        rank = _RANK[field]
        position = CaseRow._fields.index(field)
        return lambda r: rank.get(str(r[position]), len(rank))
    if field == "title":
        return lambda r: r.title.casefold()
    if field == "next_review":
        # "~" sorts after every digit: cases without a review date come last.
        return lambda r: r.next_review or "~"
    if field == "assigned":
        names = member_names or {}
        # Few distinct teams of assignees: join and sort each once, not once per row.
        keys: dict[tuple[str, ...], str] = {}

        def assigned(row: CaseRow) -> str:
            key = keys.get(row.assigned)
            if key is None:
                key = keys[row.assigned] = ", ".join(
                    sorted(names.get(m, m).casefold() for m in row.assigned)) or "~"
            return key

        return assigned
    if field == "number":
        # Newest first is "descending"; the opening date breaks ties between devices.
        return lambda r: (r.opened_on, r.number)
    if field == "opened_on":
        return lambda r: r.opened_on
    raise ValueError(f"cannot sort cases by {field!r}")


def order(rows: Sequence[CaseRow], positions: Iterable[int], field: str, *,
          descending: bool = False, member_names: dict[str, str] | None = None,
          ranks: SortRanks | None = None) -> list[int]:
    """``positions`` sorted by ``field`` (stable: equal keys keep their order).

    With ``ranks`` (for the same ``rows``) the comparison is of precomputed integers, which
    is several times faster than calling a key per row once the rows are out of order.
    """
    if ranks is not None:
        return sorted(positions, key=ranks.rank(field).__getitem__, reverse=descending)
    key = sort_key(field, member_names)
    return sorted(positions, key=lambda i: key(rows[i]), reverse=descending)


class SortRanks:
    """Each row's place in the order of a field, computed on first use per field.

    Sorting 100,000 rows that are out of order calls Python comparisons a million times and
    more; sorting by an integer looked up in a list stays in C. The ranks belong to one list
    of rows: build new ones (or :meth:`forget`) whenever rows change their sort keys.
    """

    def __init__(self, rows: Sequence[CaseRow], member_names: dict[str, str] | None = None
                 ) -> None:
        self._rows = rows
        self._names = member_names
        self._ranks: dict[str, array[int]] = {}

    def rank(self, field: str) -> array[int]:
        """Row index -> place in ascending ``field`` order (ties by row index)."""
        if field not in self._ranks:
            key = sort_key(field, self._names)
            rows = self._rows
            # A C array: 4 bytes a row, where a list holds an int object (36 bytes) per row
            # (3 MB per sorted column at 100,000 cases).
            ranked = array("i", bytes(4 * len(rows)))
            for place, index in enumerate(sorted(range(len(rows)),
                                                 key=lambda i: key(rows[i]))):
                ranked[index] = place
            self._ranks[field] = ranked
        return self._ranks[field]

    def forget(self) -> None:
        """Drop every computed rank (the rows changed)."""
        self._ranks.clear()


# -- the dashboard's counts (read only) ---------------------------------------------------------
# What the dashboard counts costs what it reads: at 100,000 cases every read that looks up a
# case row (not an index entry) costs a decrypted page, and the first screen after an unlock
# is on the way to the officer's work (issue 12: unlock -> dashboard painted < 0.3 s). So
# each count below reads indexes only, and the cases it must look up one by one (late tasks,
# a member's assignments) are looked up once, by id, in the small live-cases index.

# Statuses other than closed, spelled out: "status != 'closed'" cannot seek an index.
_NOT_CLOSED = "c.status IN ('open', 'active', 'monitoring')"
_LATE_REVIEW = "(c.next_review IS NOT NULL AND c.next_review != '' AND c.next_review < :today)"
_PRESSING = "('imminent', 'high')"
# The ids of cases with an open task past due (:today), through the tasks' partial index (no
# task row read): the dashboard here, the store's overdue filter. An empty due date (a row
# merged from another laptop may carry one) is no due date, as for review dates.
LATE_TASK_CASES = ("SELECT case_id FROM tasks INDEXED BY tasks_open_due WHERE done_at IS NULL"
                   " AND deleted_at IS NULL AND due_on > '' AND due_on < :today")

# The open cases in "My caseload" order (and "Needs attention now"'s), as the index
# cases_open (schema v16) holds them: the expressions are the index's own, word for word
# (SQLite matches an indexed expression by its text), so a walk in this order reads the index
# and sorts nothing.
OPEN_RANK = ("CASE concern WHEN 'imminent' THEN 0 WHEN 'high' THEN 1 WHEN 'moderate' THEN 2"
             " ELSE 3 END")
OPEN_REVIEW = "coalesce(nullif(next_review, ''), '9999')"
_OPEN = "deleted_at IS NULL AND status != 'closed'"
_MY_ORDER = f"{OPEN_RANK}, {OPEN_REVIEW}, number"


def case_counts(db: Database) -> dict[tuple[str, str], int]:
    """Live cases by (status, concern), in one walk of the (status, concern) index: what
    ``CaseStore.count_cases(status=..., concern=...)`` gives for each pair (pairs without
    a case are left out)."""
    return {(str(status), str(concern)): int(n) for status, concern, n in _tuples(
        db, "SELECT status, concern, count(*) FROM cases INDEXED BY cases_status"
        " WHERE deleted_at IS NULL GROUP BY status, concern", {})}


def _late_reviews(db: Database, today: str) -> int:
    """Live cases not closed whose review date is past: the partial review index alone."""
    return int(db.scalar(
        "SELECT count(*) FROM cases c INDEXED BY cases_review WHERE c.deleted_at IS NULL"
        f" AND c.status != 'closed' AND {_LATE_REVIEW}", {"today": today}))


def _late_tasks_only(db: Database, today: str) -> dict[str, int]:
    """Live cases not closed with an open task past due and no late review, by concern.

    Each case with a late task is looked up once by its id ("IN" makes the ids distinct and
    sorted) in the open cases' index by id (schema v16), which holds concern and review date:
    no case row is read, and a closed or trashed case is simply not found."""
    return {str(concern): int(n) for concern, n in _tuples(
        db, "SELECT c.concern, count(*) FROM cases c INDEXED BY cases_open_id"
        f" WHERE c.id IN ({LATE_TASK_CASES}) AND c.deleted_at IS NULL AND c.status != 'closed'"
        f" AND NOT {_LATE_REVIEW} GROUP BY c.concern", {"today": today})}


def any_live_case(db: Database) -> bool:
    """Whether the vault holds a case that is not in the trash (``count_cases() > 0`` without
    counting 100,000 of them: the dashboard's "Create the first case" step asks after every
    change)."""
    return db.scalar("SELECT 1 FROM cases INDEXED BY cases_status WHERE deleted_at IS NULL"
                     " LIMIT 1") is not None


def count_overdue_cases(db: Database, today: str) -> int:
    """Live cases that are not closed and whose review date or an open task is past due on
    ``today`` (ISO date): what the Cases page shows with "Overdue" and "Not closed" (the same
    rule as ``CaseRow.overdue`` and the store's ``overdue`` filter). A case with several late
    tasks counts once."""
    return _late_reviews(db, today) + sum(_late_tasks_only(db, today).values())


# -- the dashboard's panels (read only) ---------------------------------------------------------
class AttentionCase(NamedTuple):
    """A case that needs attention now, and why (``imminent``, ``high`` or ``overdue``)."""

    id: str
    number: str
    title: str
    concern: str
    next_review: str | None
    reason: str


ATTENTION_REASONS = ("imminent", "high", "overdue")
"""Why a case needs attention, in the order the dashboard lists them."""


def attention_counts(db: Database, today: str) -> dict[str, int]:
    """Cases not closed of imminent concern, of high concern, and overdue (the rule of
    :func:`count_overdue_cases`): each number is what the Cases page shows with "Not closed"
    and that concern level (or "Overdue"). ``total`` counts each case once."""
    counts = {"imminent": 0, "high": 0}
    counts.update({str(concern): int(n) for concern, n in _tuples(
        db, "SELECT c.concern, count(*) FROM cases c INDEXED BY cases_status"
        f" WHERE c.deleted_at IS NULL AND {_NOT_CLOSED} AND c.concern IN {_PRESSING}"
        " GROUP BY c.concern", {})})
    reviews = _late_reviews(db, today)
    tasks = _late_tasks_only(db, today)
    counts["overdue"] = reviews + sum(tasks.values())
    # Each case once: imminent or high, plus the overdue ones of another concern. The late
    # reviews of imminent or high concern are a range of the open cases' index (schema v16),
    # ranked by concern (imminent 0, high 1), then by review date (none: '9999').
    pressing_reviews = int(db.scalar(
        f"SELECT count(*) FROM cases INDEXED BY cases_open WHERE {_OPEN} AND {OPEN_RANK} < 2"
        f" AND {OPEN_REVIEW} < :today AND next_review != ''", {"today": today}))
    counts["total"] = counts["imminent"] + counts["high"] + reviews - pressing_reviews + sum(
        n for concern, n in tasks.items() if concern not in ("imminent", "high"))
    return counts


def attention_cases(db: Database, today: str, limit: int) -> list[AttentionCase]:
    """At most ``limit`` cases not closed that need attention now: imminent concern first,
    then high concern, then overdue ones (each oldest review first); each case once."""
    # Chosen from the open cases' index in its order (concern rank, review date, number):
    # imminent and high are its first ranks, so their first rows are the page; the overdue
    # ones of moderate and of low concern are each a walk of their rank in review order
    # (late reviews first) until enough are found, and the two merged. Then only the rows
    # shown are read (their titles).
    walk = (f"SELECT id, {OPEN_RANK} AS r, {OPEN_REVIEW} AS k, number FROM cases INDEXED BY"
            f" cases_open WHERE {_OPEN} AND {OPEN_RANK} {{rank}} ORDER BY {_MY_ORDER}"
            " LIMIT :limit")
    late = (f"(({OPEN_REVIEW} < :today AND next_review != '') OR EXISTS (SELECT 1 FROM tasks t"
            " INDEXED BY tasks_open_case WHERE t.case_id = cases.id AND t.done_at IS NULL"
            " AND t.deleted_at IS NULL AND t.due_on IS NOT NULL AND t.due_on > ''"
            " AND t.due_on < :today))")
    params: dict[str, Any] = {"today": today, "limit": limit}
    chosen = [(r[0], min(int(r[1]), 2)) for r in _tuples(
        db, walk.format(rank="< 2"), params)]
    if len(chosen) < limit:
        params["limit"] = limit - len(chosen)
        overdue = (f"SELECT id, k, number FROM ({walk.format(rank='= 2 AND ' + late)})"
                   f" UNION ALL SELECT id, k, number FROM ({walk.format(rank='= 3 AND ' + late)})"
                   " ORDER BY 2, 3 LIMIT :limit")
        chosen += [(r[0], 2) for r in _tuples(db, overdue, params)]
    if not chosen:
        return []
    reasons = dict(chosen)
    found = {r[0]: r for r in _tuples(
        db, f"SELECT id, number, title, concern, next_review FROM cases WHERE id IN ({_IDS})",
        {"ids": json.dumps(list(reasons))})}
    return [AttentionCase(r[0], r[1], r[2], r[3], r[4], ATTENTION_REASONS[reason])
            for case_id, reason in chosen if (r := found.get(case_id)) is not None]


class MyCase(NamedTuple):
    """A case assigned to a member (for "My caseload")."""

    id: str
    number: str
    title: str
    status: str
    concern: str
    next_review: str | None


# From the member's assignments (their index holds the case id) to the small live-cases
# index: the cost follows the member's caseload, not the vault, and no case row is read.
# (Two laptops may both have assigned the same member: each case counts once.)
_MINE = ("case_assignments a CROSS JOIN cases c INDEXED BY cases_live ON c.id = a.case_id"
         " WHERE a.member_id = :member AND a.deleted_at IS NULL AND c.deleted_at IS NULL"
         " AND +c.status != 'closed'")
# The member's cases (their assignments' index, by case id) merged with the open cases (their
# index by id, schema v16): two ordered walks and no look-up per case, where a look-up of
# each of a lead's 65,000 cases took 35-90 ms at 100,000 cases. INTERSECT counts each case
# once (two laptops may both have assigned the same member).
_COUNT_MINE = ("SELECT count(*) FROM (SELECT case_id FROM case_assignments INDEXED BY"
               " case_assignments_member WHERE member_id = :member AND deleted_at IS NULL"
               " INTERSECT SELECT id FROM cases INDEXED BY cases_open_id WHERE deleted_at IS"
               " NULL AND status != 'closed' ORDER BY 1)")
# The first open cases in list order, each probed in the member's assignments, at most
# :walk of them: a member holding many cases fills the page after a few; one holding few
# would walk far, and is read from the member's own set instead (_my_set).
_MY_WALK = (
    f"SELECT id, number, status, concern, next_review FROM (SELECT {OPEN_RANK} AS r,"
    f" {OPEN_REVIEW} AS k, number, id, status, concern, next_review FROM cases"
    f" INDEXED BY cases_open WHERE {_OPEN} ORDER BY {_MY_ORDER} LIMIT :walk) o WHERE EXISTS"
    " (SELECT 1 FROM case_assignments a INDEXED BY case_assignments_live WHERE a.case_id = o.id"
    " AND a.member_id = :member AND a.deleted_at IS NULL) ORDER BY r, k, number LIMIT :limit")
MY_WALK_CASES = 2_000
"""How many open cases "My caseload" walks in its order before reading the member's set."""


def _my_set(db: Database, member_id: str, limit: int) -> list[tuple[Any, ...]]:
    """The member's first ``limit`` open cases read from the member's own cases, each looked
    up in the live-cases index and sorted (few cases of theirs: the ordered walk gave up)."""
    return _tuples(
        db, f"SELECT id, number, status, concern, next_review FROM (SELECT DISTINCT c.id,"
        f" c.number, c.status, c.concern, c.next_review FROM {_MINE}) ORDER BY {_MY_ORDER}"
        " LIMIT :limit", {"member": member_id, "limit": limit})


def my_caseload(db: Database, member_id: str, limit: int) -> tuple[int, list[MyCase]]:
    """(:func:`count_my_cases`, :func:`my_cases`): the count from two ordered index walks,
    the first cases from the open cases' index in their order (or, when the member's cases
    are too few to meet soon in that order, from the member's own), then only the rows
    shown are read (their titles)."""
    total = count_my_cases(db, member_id)
    limit = max(0, min(limit, total))
    if not limit:
        return total, []
    shown = _tuples(db, _MY_WALK, {"member": member_id, "limit": limit,
                                   "walk": MY_WALK_CASES})
    if len(shown) < limit:
        shown = _my_set(db, member_id, limit)
    titles = dict(_tuples(db, f"SELECT id, title FROM cases WHERE id IN ({_IDS})",
                          {"ids": json.dumps([r[0] for r in shown])}))
    return total, [MyCase(r[0], r[1], titles.get(r[0], ""), r[2], r[3], r[4]) for r in shown]


def count_my_cases(db: Database, member_id: str) -> int:
    """Cases not closed assigned to ``member_id``: what Cases shows with "Not closed" and
    "Assigned to me"."""
    return int(db.scalar(_COUNT_MINE, {"member": member_id}))


def my_cases(db: Database, member_id: str, limit: int) -> list[MyCase]:
    """At most ``limit`` of :func:`count_my_cases`'s cases, the most pressing first (concern
    from imminent down, then the next review date)."""
    return my_caseload(db, member_id, limit)[1]


class SinceChange(NamedTuple):
    """What changed on one of a member's cases since their previous sign-in, by one member:
    field names and kinds of record only, never values."""

    case_id: str
    number: str
    who: str
    what: tuple[str, ...]  # "assigned to you", "status", "timeline entry added", ...
    newly_assigned: bool
    last_hlc: str


_RECORD_WORDS = {
    "case_assignments": "assignment", "case_persons": "person", "tasks": "task",
    "timeline": "timeline entry", "attachments": "attachment", "submissions": "form",
    "disseminations": "release",
}


def previous_unlock_hlc(db: Database, member_id: str) -> str | None:
    """The stamp of the member's sign-in before the current one (the second newest
    ``vault.unlock`` of theirs in the audit trail); None when this is the first."""
    row = db.query_one(
        "SELECT hlc FROM audit WHERE action = 'vault.unlock' AND member_id = :member"
        " ORDER BY hlc DESC LIMIT 1 OFFSET 1", {"member": member_id})
    return str(row[0]) if row is not None else None


def changes_since(db: Database, member_id: str, since_hlc: str) -> list[SinceChange]:
    """Changes by other members after ``since_hlc`` on cases now assigned to ``member_id``
    (and assignments of that member), one row per case and member, newest first. Only table
    and field names are read from the change log, never a value."""
    params = {"member": member_id, "since": since_hlc}
    # Driven by the few recent changes (CROSS JOIN keeps them the outer loop), each checked
    # against the member's assignments by one index look-up: "IN (every case of mine)"
    # made SQLite walk the records of all of them (0.3-0.5 s at 100,000 cases).
    mine = ("EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = {case}"
            " AND a.member_id = :member AND a.deleted_at IS NULL)")
    parts = [f"SELECT ch.record_id AS case_id, ch.tbl, ch.field, ch.hlc, ch.member_id, 0"
             f" AS mine FROM recent ch WHERE ch.tbl = 'cases'"
             f" AND {mine.format(case='ch.record_id')}"]
    for table in sorted(_CASE_CHILD_TABLES):
        assigned = ("CASE WHEN x.member_id = :member AND ch.field = '*' THEN 1 ELSE 0 END"
                    if table == "case_assignments" else "0")
        parts.append(
            f"SELECT x.case_id, ch.tbl, ch.field, ch.hlc, ch.member_id, {assigned}"
            f" FROM recent ch CROSS JOIN {table} x ON x.id = ch.record_id"
            f" WHERE ch.tbl = '{table}' AND {mine.format(case='x.case_id')}")
    rows = _tuples(
        db, changelog.RECENT_SINCE +
        "SELECT u.case_id, c.number, coalesce(m.name, 'Unknown member'), u.tbl, u.field,"
        " u.hlc, u.mine FROM (" + " UNION ALL ".join(parts) + ") u"
        " JOIN cases c ON c.id = u.case_id AND c.deleted_at IS NULL"
        " LEFT JOIN members m ON m.id = u.member_id"
        " WHERE u.member_id IS NULL OR u.member_id != :member ORDER BY u.hlc DESC", params)
    grouped: dict[tuple[str, str], list[Any]] = {}
    for case_id, number, who, table, fld, hlc, newly in rows:
        entry = grouped.setdefault((case_id, who), [number, [], False, hlc])
        if newly:
            entry[2] = True
            word = "assigned to you"
        elif table == "cases":
            word = "case opened" if fld == "*" else fld
        else:
            noun = _RECORD_WORDS.get(table, table)
            word = f"{noun} added" if fld == "*" else f"{noun} {fld}"
        if word not in entry[1]:
            entry[1].append(word)
    return [SinceChange(case_id, e[0], who, tuple(e[1]), bool(e[2]), e[3])
            for (case_id, who), e in grouped.items()]


# -- the CLI's case list, a page at a time (read only; PERF-APP, issue 12) ------------------------
if TYPE_CHECKING:
    from collections.abc import Iterator

    from btam_desktop.core.model import Case


def case_list_pages(db: Database, *, text: str | None = None, status: str | None = None,
                    concern: str | None = None, tier: str | None = None,
                    overdue: bool = False, assigned_to: str | None = None,
                    limit: int | None = None, page: int = 1_000) -> Iterator[list[CaseRow]]:
    """The light rows of the cases ``CaseStore.list_cases`` returns for the same filters, in
    its order (newest number first), trashed cases left out, a page at a time: the list is
    walked through the ``cases_list`` index (:func:`case_rows_page`) and filtered here, so
    only one page is in memory whatever the number of cases. ``btam case list`` prints its
    table from these and reads the full records (:func:`cases_by_ids`) of each page."""
    matching = matching_docs(db, text) if text else None
    if (text and not text.strip()) or (limit is not None and limit <= 0):
        return  # as the store: a text without a searchable word matches nothing
    flt = CaseFilter(text=text or "", status=status or "", concern=concern or "",
                     tier=tier or "", overdue=overdue, assigned_to=assigned_to or "")
    passes = row_predicate(flt, date.today().isoformat(), matching)
    after: tuple[str, str] | None = None
    left = limit
    while True:
        rows = case_rows_page(db, after, page)
        chosen = [row for row in rows if passes(row)]
        if left is not None:
            chosen = chosen[:left]
            left -= len(chosen)
        if chosen:
            yield chosen
        if len(rows) < page or left == 0:
            return
        after = (rows[-1].opened_on, rows[-1].number)


def cases_by_ids(db: Database, ids: Sequence[str]) -> list[Case]:
    """The ``Case`` records of ``ids`` in that order (unknown ids left out), assigned member
    names included as ``CaseStore.list_cases`` gives them."""
    from dataclasses import fields

    from btam_desktop.core.model import Case

    if not ids:
        return []
    rows = db.query(
        "SELECT c.*, (SELECT group_concat(m.name, char(31)) FROM case_assignments a"
        " JOIN members m ON m.id = a.member_id WHERE a.case_id = c.id"
        f" AND a.deleted_at IS NULL) AS assigned_names FROM cases c WHERE c.id IN ({_IDS})",
        {"ids": json.dumps(list(ids))})
    names = [f.name for f in fields(Case) if f.name != "assigned"]
    found = {
        row["id"]: Case(**{name: row[name] for name in names},
                        assigned=tuple(filter(None, (row["assigned_names"] or "").split("\x1f"))))
        for row in rows}
    return [found[i] for i in ids if i in found]


def case_rows_page(db: Database, after: tuple[str, str] | None, limit: int
                   ) -> list[CaseRow]:
    """Up to ``limit`` live cases in the case table's default order (newest number first:
    opening date, then number, both descending), those after the (opened_on, number) key
    ``after`` (None: from the start). The Cases page paints the first page at once and reads
    the rest a page at a time between events, so 100,000 cases never freeze the window.

    The ``cases_list`` index (schema v13) holds the order and every column read, so a page
    is read from the index alone and costs its own rows only; the open tasks' due dates and
    the assignees of the page's cases come from two more indexes alone (schema v14)."""
    params: dict[str, Any] = {"limit": limit}
    where = "deleted_at IS NULL"
    if after is not None:
        # Written so the index serves the range: rows on the same day come by number.
        where += " AND opened_on <= :on AND (opened_on < :on OR number < :number)"
        params.update(on=after[0], number=after[1])
    rows = _tuples(
        db, "SELECT id, number, title, status, concern, tier, next_review, opened_on"
        f" FROM cases INDEXED BY cases_list WHERE {where}"
        " ORDER BY opened_on DESC, number DESC LIMIT :limit", params)
    if not rows:
        return []
    ids = {"ids": json.dumps([row[0] for row in rows])}
    # Status, concern, tier, dates and member ids repeat across 100,000 rows: one string of
    # each is kept (some 20 MB less for the Cases page at 100,000 cases).
    from sys import intern

    due = {case_id: intern(due_on) for case_id, due_on in _tuples(
        db, "SELECT case_id, min(due_on) FROM tasks INDEXED BY tasks_open_case WHERE case_id IN"
        f" ({_IDS}) AND done_at IS NULL AND deleted_at IS NULL AND due_on IS NOT NULL"
        " AND due_on > ''"
        " GROUP BY case_id", ids)}
    assigned: dict[str, list[str]] = {}
    for case_id, member_id in _tuples(
            db, "SELECT case_id, member_id FROM case_assignments INDEXED BY"
            f" case_assignments_live WHERE case_id IN ({_IDS}) AND deleted_at IS NULL", ids):
        assigned.setdefault(case_id, []).append(intern(member_id))
    # A team has a few members, so the same few assignee tuples come back on most rows:
    # one of each per page (5 MB less at 100,000 cases).
    teams: dict[tuple[str, ...], tuple[str, ...]] = {}
    team = teams.setdefault
    assignees = {case_id: team(ids, ids) for case_id, members in assigned.items()
                 for ids in (tuple(sorted(members)),)}
    docs: dict[str, int] = dict(_tuples(
        db, f"SELECT case_id, rowid FROM case_docs WHERE case_id IN ({_IDS})", ids))
    empty: tuple[str, ...] = ()
    make = tuple.__new__  # NamedTuple's own __new__ is a Python function: 3x slower
    return [
        make(CaseRow, (case_id, number, title, intern(status), intern(concern), intern(tier),
                       intern(review) if review else None, intern(opened), due.get(case_id),
                       assignees.get(case_id, empty), docs.get(case_id, 0)))
        for case_id, number, title, status, concern, tier, review, opened in rows
    ]
