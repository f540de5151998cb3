"""Full-text search index (FTS5) over cases, persons and timeline text.

The index lives inside the encrypted vault. It is maintained by the store on every write, so
a search never needs to decrypt-and-scan. Queries are built from plain words typed by a user:
each word must match the start of a token (prefix search), all words must match.
"""

from __future__ import annotations

import re

from btam_desktop.core.db import Database

_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """FTS5 MATCH expression for user text; None when it holds no searchable word."""
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


def index(db: Database, kind: str, record_id: str, case_id: str | None, parts: list[str]) -> None:
    """Replace the indexed text of one record."""
    db.execute("DELETE FROM search WHERE record_id = ?", (record_id,))
    body = "\n".join(p for p in parts if p)
    if body:
        db.execute(
            "INSERT INTO search (kind, record_id, case_id, body) VALUES (?, ?, ?, ?)",
            (kind, record_id, case_id, body),
        )


def unindex(db: Database, record_id: str) -> None:
    """Remove a record from the index (it went to the trash)."""
    db.execute("DELETE FROM search WHERE record_id = ?", (record_id,))


MATCHING_CASE_IDS = """
    SELECT case_id FROM search WHERE search MATCH :q AND case_id IS NOT NULL
    UNION
    SELECT cp.case_id FROM search s JOIN case_persons cp ON cp.person_id = s.record_id
    WHERE search MATCH :q AND s.kind = 'person' AND cp.deleted_at IS NULL
"""
"""SQL yielding ids of cases whose own text, timeline or persons match ``:q``."""
