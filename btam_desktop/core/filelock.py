"""An exclusive lock on a small lock file, across processes and threads: ``fcntl.flock`` on
POSIX, ``msvcrt.locking`` on Windows.

Each call opens the lock file anew, so two threads of one process exclude each other too
(``flock`` locks belong to the open file, not the process). Not re-entrant: never take the
same lock twice in one call chain.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

OWNER_ONLY = 0o600


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created owner-only if missing) for the block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, OWNER_ONLY)
    try:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for ~10 s itself
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# SQLite's unix VFS locks these bytes of a database file (sqlite3.c, "PENDING_BYTE"): a
# connection in WAL mode holds a shared lock on them for as long as it has the file open.
_SQLITE_LOCK_START = 0x40000000
_SQLITE_LOCK_BYTES = 512  # pending, reserved and the 510 shared bytes


def open_elsewhere(database: Path) -> bool:
    """True when another process has the SQLite database ``database`` open (POSIX: a lock on
    SQLite's lock bytes that an exclusive ``lockf`` of them, tried without waiting, meets).

    False where it cannot tell: no such file, or Windows, where renaming a file another
    process has open fails instead. Only for a file this process does not have open itself:
    closing the probe's descriptor would drop this process's own POSIX locks on the file."""
    if sys.platform == "win32":
        return False
    import fcntl

    try:
        fd = os.open(database, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, _SQLITE_LOCK_BYTES, _SQLITE_LOCK_START)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, _SQLITE_LOCK_BYTES, _SQLITE_LOCK_START)
        return False
    finally:
        os.close(fd)
