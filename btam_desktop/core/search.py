"""Full-text search index (FTS5) over cases, persons, timeline text and form answers.

The index lives inside the encrypted vault and is maintained by the store on every write, so
a search never decrypts-and-scans. ``search_docs`` maps each indexed record (by its id, with an
index) to the FTS row; ``search_fts`` is a contentless FTS5 table (no second copy of the text)
that allows deletes. Keeping the mapping in an ordinary table matters: FTS5 cannot index an
id column, so re-indexing a record by id would otherwise scan the whole index (schema v3).

Queries are built from plain words a user typed: every word must match the start of a token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from btam_desktop.core.db import Database

_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """FTS5 MATCH expression for user text; None when it holds no searchable word."""
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


# What is indexed for each kind of record, in one place: the store and the bulk demo writer
# both index through these, so what a search finds cannot drift between them.
def case_text(number: str, title: str, summary: str) -> list[str]:
    """Indexed text of a case."""
    return [number, title, summary]


def person_text(family_name: str, given_names: str, aliases: Iterable[str], phone: str,
                email: str) -> list[str]:
    """Indexed text of a person: names, aliases, phone and e-mail."""
    return [family_name, given_names, " ".join(aliases), phone, email]


def entry_text(summary: str, details: str, context: str, outcome: str) -> list[str]:
    """Indexed text of a timeline entry."""
    return [summary, details, context, outcome]


def _body(parts: list[str]) -> str:
    return "\n".join(p for p in parts if p)


def add_new(db: Database, kind: str, record_id: str, case_id: str | None,
            parts: list[str]) -> None:
    """Index a record that has never been indexed (bulk inserts skip the look-up)."""
    body = _body(parts)
    if not body:
        return
    cursor = db.execute(
        "INSERT INTO search_docs (record_id, kind, case_id) VALUES (?, ?, ?)",
        (record_id, kind, case_id))
    db.execute("INSERT INTO search_fts (rowid, body) VALUES (?, ?)", (cursor.lastrowid, body))


def index(db: Database, kind: str, record_id: str, case_id: str | None,
          parts: list[str]) -> None:
    """Replace the indexed text of one record."""
    unindex(db, record_id)
    add_new(db, kind, record_id, case_id, parts)


def unindex(db: Database, record_id: str) -> None:
    """Remove a record from the index (it went to the trash, or is re-indexed)."""
    row = db.query_one("SELECT rowid FROM search_docs WHERE record_id = ?", (record_id,))
    if row is not None:
        db.execute("DELETE FROM search_fts WHERE rowid = ?", (row[0],))
        db.execute("DELETE FROM search_docs WHERE rowid = ?", (row[0],))


def unindex_case(db: Database, case_id: str) -> None:
    """Remove a case and everything indexed under it."""
    db.execute("DELETE FROM search_fts WHERE rowid IN (SELECT rowid FROM search_docs"
               " WHERE case_id = ?)", (case_id,))
    db.execute("DELETE FROM search_docs WHERE case_id = ?", (case_id,))


MATCHES = (
    "SELECT d.record_id AS record_id, d.kind AS kind, d.case_id AS case_id"
    " FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid"
    " WHERE search_fts MATCH :q"
)
"""SQL yielding (record_id, kind, case_id) of every record whose text matches ``:q``."""

MATCHING_CASE_IDS = f"""
    SELECT DISTINCT COALESCE(m.case_id, cp.case_id) AS case_id FROM ({MATCHES}) m
    LEFT JOIN case_persons cp ON m.kind = 'person' AND cp.person_id = m.record_id
        AND cp.deleted_at IS NULL
    WHERE COALESCE(m.case_id, cp.case_id) IS NOT NULL
"""
"""SQL yielding ids of cases whose own text, timeline, forms or persons match ``:q``."""


# The columns whose change alters what is indexed for a record ("deleted_at" takes a record,
# and for a case everything on it, in or out of search).
INDEXED_COLUMNS: dict[str, frozenset[str]] = {
    "cases": frozenset({"number", "title", "summary", "deleted_at"}),
    "persons": frozenset({"family_name", "given_names", "aliases", "phone", "email",
                          "deleted_at"}),
    "timeline": frozenset({"summary", "details", "context", "outcome"}),
    "submissions": frozenset({"answers", "deleted_at", "amends"}),
}


def reindex_changed(db: Database, table: str, record_id: str, columns: dict[str, Any],
                    *, new: bool = False) -> None:
    """Reindex a record only when a column that is indexed changed (a concern or status
    change leaves the index alone); ``new``: the record was never indexed and ``columns`` is
    its whole row (indexed from it, without reading it back)."""
    indexed = INDEXED_COLUMNS.get(table)
    changed = set(columns)
    if indexed is None or not (changed & indexed):
        return
    if table == "cases" and "deleted_at" not in changed and not new:
        row = db.query_one("SELECT number, title, summary FROM cases WHERE id = ?",
                           (record_id,))
        if row is not None:
            index(db, "case", record_id, record_id,
                  case_text(row["number"], row["title"], row["summary"]))
        return
    if new and table in ("cases", "timeline", "persons"):
        entry = new_entry(db, table, record_id, columns)
        if entry is not None:
            add_new(db, *entry)
        return
    reindex(db, table, record_id)


NewEntry = tuple[str, str, str | None, list[str]]


def new_entry(db: Database, table: str, record_id: str,
              row: dict[str, Any]) -> NewEntry | None:
    """What a new record of a case, person or timeline table puts in the index, read from
    its row ((kind, record id, case id, text parts)); None when nothing is indexed."""
    def text(name: str) -> str:
        return str(row.get(name) or "")

    if table == "cases":
        if not row.get("deleted_at"):
            return ("case", record_id, record_id,
                    case_text(text("number"), text("title"), text("summary")))
    elif table == "timeline":
        if not db.scalar("SELECT deleted_at FROM cases WHERE id = ?", (row.get("case_id"),)):
            return ("entry", record_id, text("case_id") or None, entry_text(
                text("summary"), text("details"), text("context"), text("outcome")))
    elif table == "persons" and not row.get("deleted_at"):
        return ("person", record_id, None, person_text(
            text("family_name"), text("given_names"), json.loads(row.get("aliases") or "[]"),
            text("phone"), text("email")))
    return None


def add_many(db: Database, entries: list[NewEntry]) -> None:
    """Index many never-indexed records at once (a merge of thousands of new records)."""
    rows = [(kind, record_id, case_id, _body(parts))
            for kind, record_id, case_id, parts in entries]
    rows = [r for r in rows if r[3]]
    if not rows:
        return
    start = int(db.scalar("SELECT coalesce(max(rowid), 0) FROM search_docs")) + 1
    db.executemany("INSERT INTO search_docs (rowid, record_id, kind, case_id)"
                   " VALUES (?, ?, ?, ?)",
                   [(start + i, r[1], r[0], r[2]) for i, r in enumerate(rows)])
    db.executemany("INSERT INTO search_fts (rowid, body) VALUES (?, ?)",
                   [(start + i, r[3]) for i, r in enumerate(rows)])


def reindex(db: Database, table: str, record_id: str) -> None:
    """Bring the index of one record in line with its stored row, by the same rules the store
    follows when it writes locally (a trashed case takes its timeline and forms out of search;
    an amended form is found by its newest version only). Used for changes from other laptops.
    """
    if table == "cases":
        row = db.query_one("SELECT number, title, summary, deleted_at FROM cases WHERE id = ?",
                           (record_id,))
        if row is None or row["deleted_at"]:
            unindex_case(db, record_id)
            return
        index(db, "case", record_id, record_id,
              case_text(row["number"], row["title"], row["summary"]))
        for entry in db.query("SELECT id FROM timeline WHERE case_id = ?", (record_id,)):
            reindex(db, "timeline", entry[0])
        for sub in db.query("SELECT id FROM submissions WHERE case_id = ?", (record_id,)):
            reindex(db, "submissions", sub[0])
    elif table == "persons":
        row = db.query_one("SELECT * FROM persons WHERE id = ?", (record_id,))
        if row is None or row["deleted_at"]:
            unindex(db, record_id)
            return
        index(db, "person", record_id, None, person_text(
            row["family_name"], row["given_names"], json.loads(row["aliases"] or "[]"),
            row["phone"], row["email"]))
    elif table == "timeline":
        row = db.query_one(
            "SELECT t.*, c.deleted_at AS case_deleted FROM timeline t"
            " JOIN cases c ON c.id = t.case_id WHERE t.id = ?", (record_id,))
        if row is None or row["case_deleted"]:
            unindex(db, record_id)
            return
        index(db, "entry", record_id, row["case_id"], entry_text(
            row["summary"], row["details"], row["context"], row["outcome"]))
    elif table == "submissions":
        row = db.query_one(
            "SELECT s.*, c.deleted_at AS case_deleted,"
            " (SELECT 1 FROM submissions n WHERE n.amends = s.id) AS amended"
            " FROM submissions s JOIN cases c ON c.id = s.case_id WHERE s.id = ?",
            (record_id,))
        if row is None or row["deleted_at"] or row["case_deleted"] or row["amended"]:
            unindex(db, record_id)
            return
        if row["amends"]:
            unindex(db, row["amends"])
        index(db, "submission", record_id, row["case_id"],
              answer_text(json.loads(row["answers"] or "{}")))


def answer_text(answers: object) -> list[str]:
    """Indexed text of form answers: every string in them, however nested."""
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
