"""db.classify maps driver errors by SQLite result code (not message text), one test per
class, as qutebrowser does; plus real errors raised by SQLCipher itself."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from btam_desktop.core import db
from btam_desktop.core.errors import DiskFull, VaultBusy, VaultCorrupt

SQLITE_ERROR, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR = 1, 5, 6, 10
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_NOTADB, SQLITE_CONSTRAINT = 11, 13, 26, 19
SQLITE_BUSY_SNAPSHOT = SQLITE_BUSY | (2 << 8)
SQLITE_IOERR_WRITE = SQLITE_IOERR | (3 << 8)
SQLITE_CORRUPT_INDEX = SQLITE_CORRUPT | (3 << 8)


def _error(kind: type[Exception], code: int | None, message: str = "unrelated text") -> Exception:
    exc = kind(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize(("code", "expected"), [
    (SQLITE_BUSY, VaultBusy),
    (SQLITE_BUSY_SNAPSHOT, VaultBusy),
    (SQLITE_LOCKED, VaultBusy),
    (SQLITE_FULL, DiskFull),
    (SQLITE_IOERR, DiskFull),
    (SQLITE_IOERR_WRITE, DiskFull),
    (SQLITE_CORRUPT, VaultCorrupt),
    (SQLITE_CORRUPT_INDEX, VaultCorrupt),
    (SQLITE_NOTADB, VaultCorrupt),
])
def test_environment_errors_classified_by_code(code: int, expected: type[Exception]) -> None:
    assert isinstance(db.classify(_error(sqlcipher3.OperationalError, code)), expected)


@pytest.mark.parametrize(("kind", "code", "message"), [
    (sqlcipher3.OperationalError, SQLITE_ERROR, "no such table: cases"),
    (sqlcipher3.IntegrityError, SQLITE_CONSTRAINT, "UNIQUE constraint failed: cases.number"),
    # Programming errors stay programming errors even if their text looks like another class.
    (sqlcipher3.OperationalError, SQLITE_ERROR, "database is locked (quoted by a trigger)"),
])
def test_programming_errors_are_not_reclassified(kind: type[Exception], code: int,
                                                 message: str) -> None:
    exc = _error(kind, code, message)
    assert db.classify(exc) is exc


def test_real_busy_error_is_vault_busy(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    first = sqlcipher3.connect(str(path), isolation_level=None, timeout=0)
    second = sqlcipher3.connect(str(path), isolation_level=None, timeout=0)
    first.execute("CREATE TABLE t (x)")
    first.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlcipher3.OperationalError) as caught:
        second.execute("BEGIN IMMEDIATE")
    first.close()
    second.close()
    assert isinstance(db.classify(caught.value), VaultBusy)


def test_real_not_a_database_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "random.db"
    path.write_bytes(b"\x00not sqlite at all" * 512)
    conn = sqlcipher3.connect(str(path))
    with pytest.raises(sqlcipher3.DatabaseError) as caught:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    assert isinstance(db.classify(caught.value), VaultCorrupt)
