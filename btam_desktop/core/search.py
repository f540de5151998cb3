"""Full-text search index (FTS5): one document per case, one per person.

The index lives inside the encrypted vault. It is brought up to date inside the transaction of
every :class:`~btam_desktop.core.ops.Operation` (local edits, demo data and changes from other
laptops alike): at its end the operation hands :func:`refresh` the records it touched, and the
documents of the cases (and persons) they belong to are rebuilt from the stored rows by the SQL
below. That SQL is the one statement of what is searchable; the schema migrations that built
this index (v11) and made it again with prefix lists (v15) and without word positions (v20:
``detail = column``, the case number in a column of its own) run the same SQL
(:func:`rebuild`, :func:`refill_cases`).

**Case documents** (``case_fts``, contentless). A case's document holds its number (a
column of its own, ``number``) and, in ``body``, its title and summary, every timeline
entry's summary, details, context and outcome, every string in the
answers of its live forms (newest version of an amended form only), and the names, aliases,
phone and e-mail of the live persons linked to it. A trashed case has no document.

The document's rowid follows the Cases list order (``opened_on`` then ``number``, newest
first): ``rowid = day << 24 | n`` with ``day`` the opening date's day number and ``n`` a
counter within that day. Walking the FTS index by ``rowid DESC`` therefore walks matches
in list order, and ``LIMIT 100`` stops after 100 matches instead of sorting all of them
(:func:`first_rowids`). Within one day the counter need not follow the number: the store
finishes the page with every match of the last day it reached and sorts those in SQL.
``case_docs`` maps rowid to case id (FTS5 cannot index an id column).

**Person documents** (``person_fts``/``person_docs``) serve "find a person" (names, aliases,
phone, e-mail).

**What a query means.** Every word must appear somewhere in the case (its own text, its
timeline, its forms or its persons: not necessarily in one record), whole, except the last
word, which also matches as the start of a word, so that typing "okafor dan" finds Daniel
Okafor while the user is still typing. Words before the last match whole words only ("dan"
in the middle does not find Daniel): a prefix on every word made each common word a merge of
every word starting with it. Case and diacritics are ignored (``unicode61 remove_diacritics
2``); text without a letter or digit matches nothing. How the last word's prefix is read does
not change what it means: up to three characters from the index's own prefix lists (schema
v15, ``prefix = '1 2 3'``), longer as the few indexed words it starts, spelled out
(:func:`case_query`), or else as FTS5's merged prefix.

**A whole case number finds that case** (:func:`case_number_query`). A query that is nothing
but a case number, with its device code ("2026-0109-K7Q") or without ("2026-0109"), finds the
case(s) with that number and nothing else. By the rule above it would be the words "2026" and
"0109*", found in every 2026 case whose person has the phone number 555-0109 (and in any case
that merely mentions the number): the officer who types a number wants that file. The number
is the document's own ``number`` column, so the query is the number's words, every one of
them, in that column only, whole words: "2026-0109" does not find 2026-01090.
When no case has that number, the words are searched as usual (an incident or CAD number
written the same way, "2026-004512", is then found in the forms that hold it).
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Collection, Iterable, Mapping
from operator import itemgetter
from typing import Any

from btam_desktop.core.db import Database

# Letters and digits, as the tokenizer (unicode61) reads them: "_" and other punctuation
# separate words. The index keeps no positions (schema v20, ``detail = column``), so a quoted
# string must be one token: "nightowl_5339" is the two words "nightowl" and "5339".
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

DAY_SHIFT = 24
"""Bits of a case document's rowid below its day number (16 million cases per day)."""


def fts_query(text: str) -> str | None:
    """FTS5 MATCH expression for user text; None when it holds no searchable word.
    Every word whole, the last one also as a prefix (see the module's docstring)."""
    words = _WORD.findall(text)
    if not words:
        return None
    *whole, last = words
    return " ".join([*(f'"{word}"' for word in whole), f'"{last}"*'])


_CASE_NUMBER = re.compile(r"\s*(\d{4})-(\d{4,})(?:-([A-Za-z0-9]+))?\s*")


def case_number_query(text: str) -> str | None:
    """FTS5 MATCH expression finding only the case(s) numbered ``text`` when ``text`` is a
    whole case number (with or without the device code); None when it is not one."""
    match = _CASE_NUMBER.fullmatch(text)
    if match is None:
        return None
    words = [w for w in match.groups() if w]
    # Every word of the number in the document's number column (CASE_NUMBER).
    return "number : (" + " AND ".join(f'"{word}"' for word in words) + ")"


MAX_EXPANSION = 16
"""At most this many indexed words are spelled out for the last word's prefix."""

PREFIX_INDEXED = 3
"""The case index keeps a list of the documents holding a word starting with each prefix of
one to this many characters (``prefix = '1 2 3'``, schema v15)."""


def case_query(db: Database, text: str) -> str | None:
    """:func:`fts_query` for the case index, with the last word's prefix spelled out as the
    indexed words it starts ("threat" -> "threat" OR "threatened" OR "threats" ...) when
    they are few. Same meaning, but FTS5 reads a prefix by merging every matching word's
    list into memory before the first match (27 ms for "threat" at 100,000 cases), while an OR
    of words is walked lazily, so a first page stops early (0.3 ms). The words come from an
    fts5vocab table over the index (a temporary one: nothing is written to the vault). Only
    plain ASCII words are spelled out, whose folding (lower case) is exactly the tokenizer's;
    more than :data:`MAX_EXPANSION` words keep the prefix. A last word of at most
    :data:`PREFIX_INDEXED` characters keeps the prefix too: the index holds that prefix's own
    list (schema v15), one list read lazily like a word's ("th" matches every case: 0.1 ms
    for a first page instead of 0.24 s merging some 2,000 words at 100,000 cases). A whole
    case number is :func:`case_number_query`."""
    number = case_number_query(text)
    # Only when such a case exists: "2026-004512" may be a CAD number in a form's answers.
    if number is not None and db.scalar(
            "SELECT 1 FROM case_fts WHERE case_fts MATCH ? LIMIT 1", (number,)):
        return number
    words = _WORD.findall(text)
    query = fts_query(text)
    if query is None:
        return None
    last = words[-1]
    if len(last) <= PREFIX_INDEXED or not last.isascii() or not last.isalnum():
        # Up to three characters the index holds the prefix's own list (schema v15).
        return query
    low = last.lower()
    terms = _prefix_terms(db, low)
    if terms is None:
        return query
    # FTS5 wants an explicit AND before a parenthesised group.
    whole = query.rsplit(" ", 1)[0] + " AND " if len(words) > 1 else ""
    if not terms:
        return f'{whole}"{low}"'  # no indexed word starts so: nothing matches
    return whole + "(" + " OR ".join(f'"{t}"' for t in terms) + ")"


_EXPANSIONS: weakref.WeakKeyDictionary[Database, tuple[tuple[int, int], dict[str, Any]]] = (
    weakref.WeakKeyDictionary())


def _prefix_terms(db: Database, low: str) -> list[str] | None:
    """The indexed words starting with ``low`` (None: more than :data:`MAX_EXPANSION`).

    fts5vocab reads every such word's list to count it (8-15 ms for "threat" or "inte" at
    100,000 cases), and a search asks for its page, its count and its matches in turn, once
    per key typed: the answer is kept per open vault until anything is written to it (by this
    connection: ``total_changes()``; by another: ``PRAGMA data_version``)."""
    stamp = (int(db.scalar("SELECT total_changes()")), int(db.scalar("PRAGMA data_version")))
    kept = _EXPANSIONS.get(db)
    if kept is None or kept[0] != stamp or len(kept[1]) > 256:
        kept = (stamp, {})
        _EXPANSIONS[db] = kept
    if low not in kept[1]:
        high = low[:-1] + chr(ord(low[-1]) + 1)
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.case_vocab"
                   " USING fts5vocab(main, 'case_fts', 'row')")
        terms = [str(r[0]) for r in db.query(
            "SELECT term FROM temp.case_vocab WHERE term >= ? AND term < ? LIMIT ?",
            (low, high, MAX_EXPANSION + 1))]
        kept[1][low] = None if len(terms) > MAX_EXPANSION else terms
    found = kept[1][low]
    return None if found is None else list(found)


# -- what is indexed: the one statement of it -------------------------------------------------
# SQL expressions over a row ``p`` of persons and ``c`` of cases. Strings inside JSON (aliases,
# form answers) are read with json_each/json_tree; a value that is not valid JSON is read as
# empty rather than failing the write that touched it.
PERSON_BODY = """concat_ws(char(10), p.family_name, p.given_names,
    (SELECT group_concat(a.value, ' ') FROM json_each(
        CASE WHEN json_valid(p.aliases) THEN p.aliases ELSE '[]' END) a
     WHERE a.type = 'text'),
    p.phone, p.email)"""

CASE_NUMBER = "c.number"
"""The case document's ``number`` column: the case number alone (for a whole-number search)."""

CASE_BODY = f"""concat_ws(char(10), c.title, c.summary,
    (SELECT group_concat(concat_ws(char(10), t.summary, t.details, t.context, t.outcome),
                         char(10))
     FROM timeline t WHERE t.case_id = c.id),
    (SELECT group_concat(j.value, char(10))
     FROM submissions s, json_tree(
        CASE WHEN json_valid(s.answers) THEN s.answers ELSE '{{}}' END) j
     WHERE s.case_id = c.id AND s.deleted_at IS NULL AND j.type = 'text'
       AND NOT EXISTS (SELECT 1 FROM submissions n WHERE n.amends = s.id)),
    (SELECT group_concat({PERSON_BODY}, char(10))
     FROM case_persons cp JOIN persons p ON p.id = cp.person_id
     WHERE cp.case_id = c.id AND cp.deleted_at IS NULL AND p.deleted_at IS NULL))"""

# The documents of the cases case_docs lists, one row each (callers add a WHERE).
_FILL_CASE_FTS = (f"INSERT INTO case_fts (rowid, number, body) SELECT d.rowid, {CASE_NUMBER},"
                  f" {CASE_BODY} FROM case_docs d JOIN cases c ON c.id = d.case_id")

_DAY = "CAST(coalesce(julianday(c.opened_on), 0) AS INTEGER)"
_IDS = "SELECT value FROM json_each(:ids)"

# Tables whose records put text in a case's document, and how a record names its case.
_CASE_OF = {
    "timeline": "SELECT DISTINCT case_id FROM timeline WHERE id IN ({ids})",
    "submissions": "SELECT DISTINCT case_id FROM submissions WHERE id IN ({ids})",
    "case_persons": "SELECT DISTINCT case_id FROM case_persons WHERE id IN ({ids})",
    # Every link, trashed ones too: a person's new name must leave no stale copy anywhere.
    "persons": "SELECT DISTINCT case_id FROM case_persons WHERE person_id IN ({ids})",
}

INDEXED_TABLES = frozenset({"cases", *_CASE_OF})
"""Tables whose changes can alter what a search finds."""

INDEXED_COLUMNS: dict[str, frozenset[str]] = {
    "cases": frozenset({"number", "title", "summary", "opened_on", "deleted_at"}),
    "persons": frozenset({"family_name", "given_names", "aliases", "phone", "email",
                          "deleted_at"}),
    "timeline": frozenset({"summary", "details", "context", "outcome"}),
    "submissions": frozenset({"answers", "deleted_at", "amends"}),
    "case_persons": frozenset({"deleted_at", "case_id", "person_id"}),
}
"""The columns whose change alters what is indexed (kept for callers that skip work)."""


def cases_of(db: Database, table: str, record_ids: Iterable[str]) -> set[str]:
    """The cases whose documents hold text of these records (records that still exist)."""
    ids = [str(r) for r in record_ids]
    if not ids:
        return set()
    if table == "cases":
        return set(ids)
    sql = _CASE_OF.get(table)
    if sql is None:
        return set()
    return {str(r[0]) for r in db.query(sql.format(ids=_IDS), {"ids": json.dumps(ids)})
            if r[0]}


def cases_at_insert(table: str, rows: Iterable[Mapping[str, Any]]) -> set[str] | None:
    """The cases whose documents hold text of these records, just inserted into ``table``
    as ``rows`` (what :func:`cases_of` would find while they stay as inserted), or None
    when the rows do not tell. A new person is in no case's document until a link names it,
    and that link is a record written after it (its cases come with the link's)."""
    if table == "cases" or table not in _CASE_OF:
        return None
    if table == "persons":
        return set()
    rows = list(rows)
    if not rows or "case_id" not in rows[0]:
        return None
    return {str(case) for case in map(itemgetter("case_id"), rows) if case}


def refresh(db: Database, touched: Mapping[str, Iterable[str]],
            cases: Iterable[str] = (), settled: Collection[str] = ()) -> None:
    """Bring the index in line with the stored rows after ``touched`` records changed (and
    the ``cases`` named, e.g. of records purged before this runs, or of records inserted as
    they were: ``settled`` names those records, whose cases are not looked up again).
    Called by the operation before it commits."""
    case_ids = set(cases)
    for table, record_ids in touched.items():
        if table in INDEXED_TABLES:
            if settled:
                record_ids = [r for r in record_ids if r not in settled]
            case_ids |= cases_of(db, table, record_ids)
    persons = touched.get("persons")
    if persons:
        reindex_persons(db, persons)
    if case_ids:
        reindex_cases(db, case_ids)


def reindex_cases(db: Database, case_ids: Iterable[str]) -> None:
    """Rebuild the documents of these cases from their stored rows (a trashed or missing
    case loses its document)."""
    ids = json.dumps(sorted(set(case_ids)))
    params = {"ids": ids}
    existing = {str(r[1]): int(r[0]) for r in db.query(
        f"SELECT rowid, case_id FROM case_docs WHERE case_id IN ({_IDS})", params)}
    live = {str(r[0]): int(r[1]) for r in db.query(
        f"SELECT c.id, {_DAY} FROM cases c WHERE c.id IN ({_IDS}) AND c.deleted_at IS NULL",
        params)}
    if existing:
        db.execute(f"DELETE FROM case_fts WHERE rowid IN (SELECT rowid FROM case_docs"
                   f" WHERE case_id IN ({_IDS}))", params)
    # A document keeps its rowid while its case keeps its opening day.
    stale = [cid for cid, rowid in existing.items()
             if live.get(cid) != rowid >> DAY_SHIFT]
    if stale:
        db.execute(f"DELETE FROM case_docs WHERE case_id IN ({_IDS})",
                   {"ids": json.dumps(stale)})
    kept = set(existing) - set(stale)
    new = sorted((day, cid) for cid, day in live.items() if cid not in kept)
    rows: list[tuple[int, str]] = []
    top: dict[int, int] = {}
    for day, cid in new:
        if day not in top:
            low = day << DAY_SHIFT
            top[day] = int(db.scalar(
                "SELECT coalesce(max(rowid), ?) FROM case_docs WHERE rowid >= ? AND rowid < ?",
                (low, low, low + (1 << DAY_SHIFT))))
        top[day] += 1
        rows.append((top[day], cid))
    if rows:
        db.executemany("INSERT INTO case_docs (rowid, case_id) VALUES (?, ?)", rows)
    if live:
        db.execute(f"{_FILL_CASE_FTS} WHERE d.case_id IN ({_IDS})",
                   {"ids": json.dumps(sorted(live))})


def reindex_persons(db: Database, person_ids: Iterable[str]) -> None:
    """Rebuild the documents of these persons (a trashed or missing person loses it)."""
    params = {"ids": json.dumps(sorted(set(person_ids)))}
    db.execute(f"DELETE FROM person_fts WHERE rowid IN (SELECT rowid FROM person_docs"
               f" WHERE person_id IN ({_IDS}))", params)
    db.execute(f"DELETE FROM person_docs WHERE person_id IN ({_IDS})", params)
    db.execute(f"INSERT INTO person_docs (person_id) SELECT p.id FROM persons p"
               f" WHERE p.id IN ({_IDS}) AND p.deleted_at IS NULL", params)
    db.execute(f"INSERT INTO person_fts (rowid, body) SELECT d.rowid, {PERSON_BODY}"
               f" FROM person_docs d JOIN persons p ON p.id = d.person_id"
               f" WHERE d.person_id IN ({_IDS})", params)


def forget_purged(db: Database, tables: Iterable[str]) -> None:
    """After a purge of records of ``tables``: rewrite the indexes their text was in, so that
    none of their words is left in the vault.

    Both indexes are contentless with ``contentless_delete``: taking a document out only marks
    its rowid deleted, and its words stay in the index's stored segments until a merge
    rewrites the segment that holds them (for an old case, the one big segment of every
    case). FTS5's ``secure-delete`` does not apply to such tables. A trashed case lost its
    document when it went to the trash; its words were still there, in plain words to anyone
    with the key, after the purge meant to erase it (found by reading the backup's pages).
    ``optimize`` merges the whole index into one segment without the deleted documents.
    Measured at 100,000 cases: 6-9 s for the case index (a purge is rare: a lead's
    decision, or the expired trash once), a fraction of a second for persons."""
    tables = set(tables)
    if tables & INDEXED_TABLES:
        db.execute("INSERT INTO case_fts (case_fts) VALUES ('optimize')")
    if "persons" in tables:
        db.execute("INSERT INTO person_fts (person_fts) VALUES ('optimize')")


def refill_cases(db: Database) -> None:
    """Fill an empty ``case_fts`` from the stored rows for the documents ``case_docs`` lists,
    rowids kept (the v15 and v20 migrations made the table again)."""
    db.execute(_FILL_CASE_FTS)


def rebuild(db: Database) -> None:
    """Build the whole index again from the stored rows (the schema migration runs this)."""
    db.execute("DELETE FROM case_fts")
    db.execute("DELETE FROM case_docs")
    db.execute("DELETE FROM person_fts")
    db.execute("DELETE FROM person_docs")
    # Within a day the counter follows the number, as the list does.
    db.execute(
        f"INSERT INTO case_docs (rowid, case_id) SELECT ({_DAY} << {DAY_SHIFT})"
        f" + row_number() OVER (PARTITION BY {_DAY} ORDER BY c.number), c.id"
        " FROM cases c WHERE c.deleted_at IS NULL")
    refill_cases(db)
    db.execute("INSERT INTO person_docs (person_id) SELECT id FROM persons"
               " WHERE deleted_at IS NULL")
    db.execute(f"INSERT INTO person_fts (rowid, body) SELECT d.rowid, {PERSON_BODY}"
               " FROM person_docs d JOIN persons p ON p.id = d.person_id")


# -- older entry points, kept for callers outside the core's write path ---------------------
# The operation refreshes the index of everything it touched before it commits; these bring
# the named record's case (or person) up to date at once, by the same rule.
def index(db: Database, kind: str, record_id: str, case_id: str | None,
          parts: list[str] | None = None) -> None:
    """Bring the document holding this record up to date (``parts`` is not needed any more:
    the text is read from the stored rows)."""
    if kind == "person":
        refresh(db, {"persons": [record_id]})
    elif case_id:
        reindex_cases(db, [case_id])


def unindex(db: Database, record_id: str) -> None:
    """The record went to the trash or away: bring its document up to date."""
    person = db.scalar("SELECT 1 FROM person_docs WHERE person_id = ?", (record_id,))
    if person:
        refresh(db, {"persons": [record_id]})
        return
    cases: set[str] = set()
    for table in ("cases", "timeline", "submissions", "case_persons"):
        if table == "cases":
            if db.scalar("SELECT 1 FROM case_docs WHERE case_id = ?", (record_id,)):
                cases.add(record_id)
        else:
            cases |= cases_of(db, table, [record_id])
    if cases:
        reindex_cases(db, cases)


def unindex_case(db: Database, case_id: str) -> None:
    """Bring a case's document up to date (it is removed when the case is trashed or
    gone)."""
    reindex_cases(db, [case_id])


def reindex(db: Database, table: str, record_id: str) -> None:
    """Bring the index of one record in line with its stored row."""
    refresh(db, {table: [record_id]})


def answer_text(answers: object) -> list[str]:
    """Every string in form answers, however nested (what a case document holds of them)."""
    out: list[str] = []
    if isinstance(answers, str):
        out.append(answers)
    elif isinstance(answers, dict):
        for value in answers.values():
            out.extend(answer_text(value))
    elif isinstance(answers, list):
        for value in answers:
            out.extend(answer_text(value))
    return out


# -- reading ----------------------------------------------------------------------------------
MATCHES = (
    "SELECT d.case_id AS record_id, 'case' AS kind, d.case_id AS case_id"
    " FROM case_fts JOIN case_docs d ON d.rowid = case_fts.rowid WHERE case_fts MATCH :q"
    " UNION ALL"
    " SELECT d.person_id, 'person', NULL"
    " FROM person_fts JOIN person_docs d ON d.rowid = person_fts.rowid"
    " WHERE person_fts MATCH :q"
)
"""SQL yielding (record_id, kind, case_id) of every case and person whose text matches
``:q``."""

MATCHING_ROWIDS = "SELECT rowid FROM case_fts WHERE case_fts MATCH :q"
"""Rowids of the case documents matching ``:q`` (index only: nothing decrypted but it)."""


def matching_case_ids(db: Database, query: str) -> list[str]:
    """Ids of every live case matching an FTS5 query (from :func:`fts_query`), as the index
    yields them: in document order (oldest opening day first), which callers may use for
    speed only: the order is SQLite's plan, not a promise of the SQL."""
    # One string instead of a row per match: at 70,000 matches, building Python rows costs
    # as much as the search itself; ids joined by a separator no id holds are built and
    # split in a third less time than a JSON array.
    found = db.scalar(
        "SELECT group_concat(d.case_id, char(31)) FROM case_fts f JOIN case_docs d"
        " ON d.rowid = f.rowid WHERE case_fts MATCH :q", {"q": query})
    return str(found).split("\x1f") if found else []


def matching_docs(db: Database, query: str) -> list[int]:
    """Rowids of the documents (one per live case: ``case_docs``) matching an FTS5 query, in
    document order: the index alone, no join (the case table knows each row's document)."""
    # One JSON array built by SQLite and parsed in C: a row per match costs twice as long.
    found = db.scalar(f"SELECT json_group_array(rowid) FROM ({MATCHING_ROWIDS})", {"q": query})
    docs: list[int] = json.loads(found) if found else []
    return docs


def count_matches(db: Database, query: str, cap: int | None = None) -> int:
    """How many cases match (at most ``cap`` when given: a quick "1,000+")."""
    if cap is None:
        return int(db.scalar(f"SELECT count(*) FROM ({MATCHING_ROWIDS})", {"q": query}))
    return int(db.scalar(f"SELECT count(*) FROM ({MATCHING_ROWIDS} LIMIT :cap)",
                         {"q": query, "cap": cap}))


def person_ids_matching(query: str) -> tuple[str, dict[str, Any]]:
    """SQL (and its parameters) of the ids of live persons whose text matches ``query``."""
    return ("SELECT person_id FROM person_docs WHERE rowid IN"
            " (SELECT rowid FROM person_fts WHERE person_fts MATCH :q)", {"q": query})
