"""Process hardening at start-up: no core dumps, no debugger attach (where the OS allows).

A crash dump of a process that has unlocked a vault holds the raw database key, the
passphrase just typed and whatever case text was open. Called first thing by ``btam`` and the
desktop app:

- POSIX: ``RLIMIT_CORE`` set to 0 (soft and hard), so no core file is written;
- Linux: ``prctl(PR_SET_DUMPABLE, 0)`` as well, which also stops other processes of the same
  user from attaching a debugger or reading ``/proc/<pid>/mem`` (ptrace), and keeps
  ``/proc/<pid>`` files owned by root;
- Windows and macOS: nothing here. On Windows, Windows Error Reporting's local dumps are a
  machine policy (README's security model says which key); macOS obeys ``RLIMIT_CORE``.

Each step is best effort: a refusal by the OS is ignored (reported by :func:`harden`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PR_SET_DUMPABLE = 4
OWNER_ONLY = 0o600


def _no_core_files() -> bool:
    try:
        import resource
    except ImportError:  # Windows
        return False
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError):
        return False
    return True


def _not_dumpable() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def harden() -> dict[str, bool]:
    """Apply what the platform allows; returns which steps took effect."""
    return {"no_core_files": _no_core_files(), "not_dumpable": _not_dumpable()}


def is_dumpable() -> bool | None:
    """Linux: whether the process may still be dumped or attached to (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(3, 0, 0, 0, 0))  # PR_GET_DUMPABLE


def owner_only(path: Path) -> None:
    """Make ``path`` readable by its owner only, creating it empty if missing (a settings
    file written later through a save-and-rename keeps the mode of the file it replaces).
    Best effort: a file system without POSIX modes is left alone."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY))
        os.chmod(path, OWNER_ONLY)
    except OSError:
        pass
