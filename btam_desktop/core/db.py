"""Thin wrapper over a SQLCipher connection: opening with a raw key, pragmas, transactions, and
classification of environment errors (busy, disk full, corrupt) apart from programming errors.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3

from btam_desktop.core.errors import (
    DiskFull,
    VaultBusy,
    VaultCorrupt,
    VaultLocked,
    VaultNotFound,
    WrongPassphrase,
)
from btam_desktop.core.paths import wal_paths

# The driver ships no type information; rows are sqlite3.Row-like (index by name or position).
Row = Any
DatabaseError = sqlcipher3.DatabaseError
IntegrityError = sqlcipher3.IntegrityError
BUSY_TIMEOUT_MS = 5_000
# The session's page cache. Measured at 100,000 cases (issue 12, bench_vault.py against a plain
# copy; bench_app.py's Cases run): 64 MiB keeps warm reads within ~1.1x of plain SQLite; at
# 16 or 8 MiB searches ran 1.4-3.5x and the store's overdue count 4-13x plain (2-4 s), since
# each read of more pages than the cache holds decrypts them again. The app's memory pays for
# the pages read, not for the size allowed (before the dashboard read on a reader of its own,
# 16 MiB took 26 MiB off the app with the Cases page open: 272 -> 246 MiB).
CACHE_KIB = 65_536
# A reader walks an index once, in order: each page is read once, so a big cache would only
# hold decrypted pages (memory) nobody reads again.
READER_CACHE_KIB = 2_048


# SQLite primary result codes (the low byte of an extended code).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CORRUPT = 5, 6, 10, 11
SQLITE_FULL, SQLITE_NOTADB = 13, 26
_BUSY = frozenset({SQLITE_BUSY, SQLITE_LOCKED})
_DISK = frozenset({SQLITE_FULL, SQLITE_IOERR})
_CORRUPT = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})


ID_CHUNK = 500
"""Ids bound per ``IN (…)`` statement (SQLite's default limit is 32,766; kept small)."""


def id_chunks(ids: Sequence[str], size: int = ID_CHUNK) -> Iterator[tuple[list[str], str]]:
    """``ids`` a few hundred at a time, each with its ``?, ?, …`` marks for ``IN (…)``."""
    for start in range(0, len(ids), size):
        chunk = list(ids[start:start + size])
        yield chunk, ", ".join("?" for _ in chunk)


def classify(exc: Exception) -> Exception:
    """Map a driver error to the user-facing class it stands for (or return it unchanged).

    By the SQLite result code the driver attaches (``sqlite_errorcode``, extended codes
    reduced to their primary code), never by message text, which differs between SQLite
    versions and could be quoted from elsewhere."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return exc
    primary = code & 0xFF
    if primary in _BUSY:
        return VaultBusy("the vault is in use by another program; try again in a moment")
    if primary in _DISK:
        return DiskFull("the disk is full or failing; the last change was not saved")
    if primary in _CORRUPT:
        return VaultCorrupt("the vault file is damaged: " + str(exc))
    return exc


def _key_pragma(raw_key: bytes | bytearray) -> str:
    # Raw-key form: SQLCipher uses the 32 bytes directly, no passphrase KDF of its own.
    return f"PRAGMA key = \"x'{raw_key.hex()}'\""


def _apply_pragmas(conn: Any) -> None:
    conn.execute("PRAGMA journal_mode = WAL").fetchall()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Temporary tables and sort spills stay in memory: nothing sensitive in plaintext temp files.
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # SQLCipher decrypts every page it reads into the cache; the default 2 MB cache made warm
    # queries over large vaults decrypt the same pages again (measured 5-7x slower at 100k).
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


def _connect(path: Path, *, create: bool) -> Any:
    mode = "rwc" if create else "rw"
    conn = sqlcipher3.connect(
        f"{Path(path).resolve().as_uri()}?mode={mode}",
        uri=True,
        isolation_level=None,  # we issue BEGIN/COMMIT ourselves
        check_same_thread=False,
    )
    # Silence SQLCipher's own "hmac check failed" chatter on stderr.
    conn.execute("PRAGMA cipher_log_level = NONE")
    # SQLCipher can wipe (memset) every buffer it frees and lock its memory (mlock). Measured
    # here it made every write 7-9x slower (a 25,000-change import 2.3 s -> 16.8 s; plain
    # inserts likewise), because it locks and wipes on each allocation. Core dumps and
    # debugger attach are already off (core/hardening.py), and Python's own copies of case
    # text are not wiped either, so it is off by default; a department that accepts the cost
    # sets BTAM_MEMORY_SECURITY=1 (docs/security.md).
    conn.execute("PRAGMA cipher_memory_security = "
                 + ("ON" if os.environ.get("BTAM_MEMORY_SECURITY") == "1" else "OFF"))
    conn.row_factory = sqlcipher3.Row
    return conn


def key_opens(path: Path, raw_key: bytes) -> bool:
    """True when ``raw_key`` decrypts ``path``. Reads only: the file is never modified."""
    conn = _connect(path, create=False)
    try:
        conn.execute(_key_pragma(raw_key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()



def _keyed_connection(path: Path, raw_key: bytes | bytearray | None, *,
                      create: bool) -> sqlcipher3.Connection:
    """A connection given the key and proven to read with it (WrongPassphrase otherwise):
    the opening shared by the session's connection and the read-only ones."""
    try:
        conn = _connect(path, create=create)
    except sqlcipher3.OperationalError as exc:
        raise classify(exc) from None
    try:
        if raw_key is not None:
            conn.execute(_key_pragma(raw_key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise WrongPassphrase() from None
    return conn

class Database:
    """An open, keyed SQLCipher database."""

    def __init__(self, conn: Any, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._depth = 0

    @classmethod
    def open(cls, path: Path, raw_key: bytes | None, *, create: bool = False) -> Database:
        """Open (or with ``create`` make) the database; WrongPassphrase when the key is wrong.

        ``raw_key=None`` opens a plain, unencrypted SQLite file. Only the benchmarks do that,
        to measure SQLCipher's cost against the same code; vaults always pass a key.
        """
        path = Path(path)
        if not create and not path.exists():
            raise VaultNotFound(f"no vault at {path}")
        conn = _keyed_connection(path, raw_key, create=create)
        try:
            _apply_pragmas(conn)
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            raise classify(exc) from None
        return cls(conn, path)

    @classmethod
    def open_reader(cls, path: Path, raw_key: bytes | bytearray | None,
                    *, cache_kib: int = READER_CACHE_KIB) -> Database:
        """A second connection to an open vault that can only read (``query_only``), for
        reads on another thread while the session's connection writes (WAL lets both run).
        The key is used to open it and not kept; SQLCipher's copy goes when it closes."""
        path = Path(path)
        if not path.exists():
            raise VaultNotFound(f"no vault at {path}")
        conn = _keyed_connection(path, raw_key, create=False)
        try:
            # The vault is in WAL mode already (the session's connection set it): no pragma
            # here writes to the file.
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA cache_size = -{cache_kib}")
        except sqlcipher3.DatabaseError as exc:
            conn.close()
            raise classify(exc) from None
        return cls(conn, path)

    def interrupt(self) -> None:
        """Make the statement running on another thread stop with an error (SQLite's
        ``sqlite3_interrupt``, which is safe to call from any thread)."""
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(sqlcipher3.ProgrammingError):  # closed meanwhile
                conn.interrupt()

    @property
    def connection(self) -> Any:
        """The raw driver connection (for the few places that need it, e.g. export)."""
        return self._conn

    def close(self) -> None:
        """Close the connection; WAL is checkpointed by SQLite on last close."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._conn is None

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Run one statement; environment errors come back classified."""
        try:
            return self._conn.execute(sql, params)
        except sqlcipher3.DatabaseError as exc:
            raise classify(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement for many parameter rows."""
        try:
            return self._conn.executemany(sql, rows)
        except sqlcipher3.DatabaseError as exc:
            raise classify(exc) from exc

    def executescript(self, sql: str) -> None:
        """Run several statements (schema migrations)."""
        try:
            self._conn.executescript(sql)
        except sqlcipher3.DatabaseError as exc:
            raise classify(exc) from exc

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        """All rows of a query."""
        return list(self.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    def export_copy(self, target: Path, raw_key: bytes) -> None:
        """Write an encrypted copy of the whole database to ``target`` under ``raw_key``
        (``sqlcipher_export``), fsynced. ``target`` must not exist or be an empty file (create
        it owner-only first: SQLite keeps the mode of an existing file)."""
        self.execute(
            f"ATTACH DATABASE ? AS export_copy KEY \"x'{raw_key.hex()}'\"", (str(target),))
        try:
            self.execute("SELECT sqlcipher_export('export_copy')").fetchall()
        finally:
            self.execute("DETACH DATABASE export_copy")
        with open(target, "rb+") as handle:
            os.fsync(handle.fileno())

    @contextlib.contextmanager
    def frozen_file(self, attempts: int = 2) -> Iterator[int | None]:
        """Hold a moment in which the database file alone is the whole committed vault and
        nothing may write to it; yield its size in bytes (None: no such moment could be had).

        How: checkpoint the write-ahead log into the file and empty it (``TRUNCATE``), then
        open a read transaction. With the log empty when it began, the transaction reads the
        file alone (SQLite's read lock 0), and while any reader holds that lock no checkpoint
        may copy pages into the file: other connections and processes keep writing, into the
        log only, and are never blocked. A log that is not empty once the transaction has
        begun (another reader kept an older snapshot, or a write came in between) is another
        attempt; after ``attempts`` the caller gets None and copies another way.

        Because SQLCipher zeroes whatever is deleted (``secure_delete``, on for every keyed
        database), the file's free pages and free space hold nothing of erased records:
        copying its bytes carries no more than the live vault does.
        """
        if self._depth:
            raise RuntimeError("frozen_file inside a transaction")
        wal = wal_paths(self.path)[0]
        self.execute("PRAGMA busy_timeout = 1000")  # never wait long for a lingering reader
        try:
            for _ in range(attempts):
                self.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                self.execute("BEGIN")
                try:
                    size = int(self.scalar("PRAGMA page_count")) * int(
                        self.scalar("PRAGMA page_size"))
                    if not wal.exists() or wal.stat().st_size == 0:
                        yield size
                        return
                finally:
                    with contextlib.suppress(sqlcipher3.DatabaseError):
                        self._conn.execute("COMMIT")
        finally:
            self.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        yield None

    def meta(self, key: str) -> str | None:
        """A value of the vault's ``meta`` table (identity, settings, counters), or None."""
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        """Set a ``meta`` value (call inside a transaction that writes with it)."""
        self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE .. COMMIT, rolled back on any exception; nests as savepoints."""
        if self._depth:
            name = f"sp{self._depth}"
            self.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self.execute(f"ROLLBACK TO {name}")
                self.execute(f"RELEASE {name}")
                raise
            else:
                self.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlcipher3.DatabaseError):
                self._conn.execute("ROLLBACK")
            raise
        else:
            self.execute("COMMIT")
        finally:
            self._depth = 0


class Reader:
    """A read-only connection (:meth:`Database.open_reader`) shared between the thread that
    reads with it and the one that may close it (a lock, a rekey, a cancelled load).

    :meth:`use` holds it for one read; :meth:`close` interrupts a read under way and waits
    for it to end before closing, so the connection is never closed under a running
    statement. After :meth:`close`, :meth:`use` raises VaultLocked.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run (or begun)."""
        return self._closed

    @contextlib.contextmanager
    def use(self) -> Iterator[Database]:
        """The connection for one read (or a few), held against :meth:`close` meanwhile."""
        with self._lock:
            if self._closed:
                raise VaultLocked("the vault is locked")
            yield self._db

    def close(self) -> None:
        """Stop a read under way and close the connection. Safe from any thread, twice."""
        self._closed = True  # first: a read waiting for the lock will not start
        self._db.interrupt()
        with self._lock:
            self._db.close()
