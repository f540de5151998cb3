"""Full-text search index (FTS5) over cases, persons, timeline text and form answers.

The index lives inside the encrypted vault and is maintained by the store on every write, so
a search never decrypts-and-scans. ``search_docs`` maps each indexed record (by its id, with an
index) to the FTS row; ``search_fts`` is a contentless FTS5 table (no second copy of the text)
that allows deletes. Keeping the mapping in an ordinary table matters: FTS5 cannot index an
id column, so re-indexing a record by id would otherwise scan the whole index (schema v3).

Queries are built from plain words a user typed: every word must match the start of a token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
