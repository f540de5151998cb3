"""Reading the case table's rows on a worker thread.

The Cases page paints its first screen from the session's connection, then a
:class:`CaseLoader` reads every other live case, a page at a time in list order, through a
read-only second connection of its own (:meth:`Session.open_reader`): the GUI thread only
appends the pages it is handed (queued signals), so the window never waits for a read, and
the session's connection stays free for the page's searches, the open cases and writes.

:meth:`CaseLoader.cancel` stops it (a lock, leaving the page, a new load, quitting): it
interrupts a read under way, waits for the thread to end and closes the connection; pages it
sent before are ignored by their receiver: every signal carries the loader's ``generation``
(a number the receiver gives each loader), never the loader itself, which may be gone by the
time a queued signal arrives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal

from btam_desktop.core import queries

if TYPE_CHECKING:  # the type of what Session.open_reader hands out; ui opens no database
    from btam_desktop.core.session import Reader


class CaseLoader(QThread):
    """Reads the live cases after ``after`` (an ``(opened_on, number)`` key) in pages of
    ``page_size`` through ``reader``, which it owns and closes."""

    counted = Signal(int, int)
    """(generation, how many live cases there are): read first, for the count line."""
    rows_read = Signal(int, object)
    """(generation, the next page: a list of :class:`~btam_desktop.core.queries.CaseRow`)."""
    all_read = Signal(int)
    """(generation): the last page was sent."""
    failed = Signal(int, object)
    """(generation, the exception): a read failed; nothing more is sent."""

    def __init__(self, reader: Reader, after: tuple[str, str] | None, page_size: int,
                 generation: int = 0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generation = generation
        self._reader = reader
        self._after = after
        self._page_size = page_size
        self._stop = threading.Event()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._stop.is_set()

    @property
    def lost_reader(self) -> bool:
        """Its connection was closed by someone else (the session's lock or a rekey)."""
        return self._reader.closed and not self._stop.is_set()

    def run(self) -> None:
        """The thread: count, then every page, each handed over as soon as it is read."""
        try:
            with self._reader.use() as db:
                total = queries.count_live_cases(db)
            if self._stop.is_set():
                return
            self.counted.emit(self.generation, total)
            after = self._after
            while not self._stop.is_set():
                with self._reader.use() as db:
                    rows = queries.case_rows_page(db, after, self._page_size)
                if self._stop.is_set():
                    return
                self.rows_read.emit(self.generation, rows)
                if len(rows) < self._page_size:
                    self.all_read.emit(self.generation)
                    return
                after = (rows[-1].opened_on, rows[-1].number)
        except Exception as error:  # handed to the GUI thread, which decides
            if not self._stop.is_set():  # a cancel's interrupt is not a failure
                self.failed.emit(self.generation, error)
        finally:
            self._reader.close()
            give_back_free_memory()

    def cancel(self) -> None:
        """Stop reading and wait for the thread to end (its connection closed)."""
        self._stop.set()
        self._reader.close()  # interrupts the read under way, if any
        self.wait()


def give_back_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; elsewhere
    nothing). A load leaves megabytes freed but kept by the allocator: its connection's page
    cache and the database rows each page was built from (measured 5 MiB at 100,000
    cases), which the resident memory of the app would otherwise go on counting."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    # Looked up once: find_library runs `ldconfig -p` in a subprocess on Linux, which every
    # load's end would otherwise pay again.
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if not name:
        return None
    trim: Callable[[int], int] | None = getattr(ctypes.CDLL(name), "malloc_trim", None)
    return trim  # None on a C library without it (musl)
