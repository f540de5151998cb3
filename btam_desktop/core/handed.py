"""Files a user hands to the app (a bundle, backup, contact card, referral, invitation, join
request, form, attachment, returned PDF): opened so that a hostile one cannot hang or exhaust it.

Every importer opens such a file through :func:`open_handed` or :func:`read_handed`, because
the obvious ``open(path).read()`` after a ``stat()`` size check fails three ways, all found in
the hostile-file walk:

* a named pipe (FIFO) blocks ``open()`` until someone writes to it, for ever on a share: the
  CLI hung and the app froze (a card or a form's attachment is read on the UI thread);
* a device (a ``form.yaml`` linked to ``/dev/zero``) has no end, and ``stat()`` says 0 bytes
  for it, so the size limit passed and the read ate 23 GB;
* a file that grows between the size check and the read is read past the limit.

So the file is opened with ``O_NONBLOCK`` (a pipe opens at once instead of waiting for a
writer), checked on the *opened descriptor* (``fstat``: no swap between check and open can slip
a pipe in), refused unless it is a regular file, switched back to blocking reads, and read at
most ``limit + 1`` bytes, so growth is seen and refused. Symbolic links are followed: a link to
a regular file (a shared folder's alias, a user's shortcut) is a legitimate way to hand a file.
A cheap ``stat()`` of the path comes first, so a device is refused without being opened at all.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from btam_desktop.core.errors import InvalidInput

__all__ = ["HandedFileRefused", "HandedFileTooLarge", "check_regular", "open_handed",
           "read_handed"]

# Not on Windows, where a pipe is not a path one can be handed; 0 leaves the flags unchanged.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_STEP = 1024 * 1024  # how much more of a growing file is read at a time


class HandedFileRefused(InvalidInput):
    """A handed file refused before (or while) it was read; the message names the file and
    ``reason`` says why without the name (for importers that add their own words)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name} {reason}")
        self.path, self.reason = path, reason


class HandedFileTooLarge(HandedFileRefused):
    """Larger than the importer's limit: ``size`` as the file reported it, or None when it
    grew past the limit while being read (or is a file whose size says nothing)."""

    def __init__(self, path: Path, size: int | None, limit: int) -> None:
        if size is None:
            reason = f"grew past the {limit:,}-byte limit while being read"
        else:
            reason = f"is {size:,} bytes; the limit is {limit:,} bytes"
        super().__init__(path, reason)
        self.size, self.limit = size, limit


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in the user's words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _not_regular(path: Path, kind: str) -> HandedFileRefused:
    return HandedFileRefused(path, f"is not a regular file ({kind}): choose the file itself")


def check_regular(path: str | os.PathLike[str]) -> Path:
    """Refuse ``path`` at once when it is there but not a regular file (nothing is opened).

    For early checks (the CLI before it unlocks the vault, a dialog before it starts a job);
    the readers below check again on the opened descriptor. A missing or unreadable path
    passes: the reader says so in its own words."""
    path = Path(path)
    try:
        mode = path.stat().st_mode  # follows a symbolic link, as the open() does
    except (OSError, ValueError):
        return path
    kind = _kind(mode)
    if kind is not None:
        raise _not_regular(path, kind)
    return path


@contextlib.contextmanager
def open_handed(path: str | os.PathLike[str], *,
                limit: int | None = None) -> Iterator[tuple[BinaryIO, int]]:
    """Yield ``(handle, size)`` for a regular file handed in by a user.

    Raises :class:`HandedFileRefused` for a pipe, device, socket or folder (never blocking on
    a pipe), :class:`HandedFileTooLarge` when ``size`` is over ``limit``, and OSError as
    ``open()`` does (missing, no permission). A reader that reads to the end must still bound
    its read (``limit + 1``, see :func:`read_handed`): the file may grow meanwhile."""
    path = check_regular(path)
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY | _CLOEXEC)
    try:
        info = os.fstat(fd)  # the opened file itself: a path swapped since the stat is seen
        kind = _kind(info.st_mode)
        if kind is not None:
            raise _not_regular(path, kind)
        if limit is not None and info.st_size > limit:
            raise HandedFileTooLarge(path, info.st_size, limit)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle, info.st_size


def read_handed(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file handed in by a user, at most ``limit`` of them.

    Never blocks on a pipe and never reads more than ``limit + 1`` bytes, so a device or a
    file that grows while being read is refused (:class:`HandedFileTooLarge`) with bounded
    memory. Other refusals and OSError as :func:`open_handed`."""
    with open_handed(path, limit=limit) as (handle, size):
        # read(n) allocates n bytes up front, so ask for the size the file has (+1 to see
        # growth), not the limit (a 512 MB buffer for every small bundle); a file that grew
        # is read on in small steps only until it passes the limit.
        parts = [handle.read(size + 1)]
        got = len(parts[0])
        while got > size and got <= limit and (more := handle.read(min(_STEP, limit + 1 - got))):
            parts.append(more)
            got += len(more)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
    if len(data) > limit:
        raise HandedFileTooLarge(Path(path), None, limit)
    return data
