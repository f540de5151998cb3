"""Long work off the UI thread, behind a cancellable, window-modal progress dialog.

    job = run_in_background(
        parent, "Generating demo data", lambda progress: demo.generate(session, n,
        progress=progress), on_done=show_summary, on_error=None, session=session)

``fn(progress)`` runs on a worker thread; ``progress(done, total)`` moves the bar and returns
False once the user pressed Cancel (or the vault is locking), so the job stops at its next
checkpoint. ``on_done(result)`` or ``on_error(exception)`` then run on the GUI thread (queued
signals); without ``on_error`` the error is shown by :func:`btam_desktop.ui.errors.show_error`.
The window never freezes: only the dialog's Cancel button is live while the job runs.

The one-connection rule. A session has ONE SQLite connection. While a job uses it (every job
does: even a backup writes its audit entry), nothing on the GUI thread may query the store, or
the two would interleave statements inside the job's transaction. So, for the whole job:

* the progress dialog is window-modal and shown at once: navigation, menus and shortcuts of
  the main window are blocked (a fast job shows it only for a moment, which is the price);
* the window's :class:`~btam_desktop.ui.session_events.SessionEvents` is muted, so pages do
  not refresh on the changes the job commits; pass ``session=`` and those changes are
  collected and re-emitted on the GUI thread after the job (each one, or one merged summary
  for a large batch), so every page catches up once;
* :func:`is_busy` is True and :func:`gate` emits ``busy_changed``; code that reads the store
  on its own schedule (timers, deferred loads) must check :func:`is_busy` and try later;
* only one job runs at a time (a private pool of one thread).

Locking or quitting while a job runs: the controller calls :func:`cancel_all_and_wait` before
it closes the session; that asks every job to stop, waits for the worker, and drops the
jobs' callbacks (the widgets they would touch are being deleted).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.ui.session_events import SessionEvents

_log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[int, int], bool]
"""``progress(done, total)``: report progress; returns False when the job should stop."""

# Progress signals at most this often: a job may call progress() thousands of times a second.
_PROGRESS_INTERVAL_S = 0.05
# A large batch (demo data) commits hundreds of operations: replay them as one merged summary.
_REPLAY_LIMIT = 20


def _root_window(widget: QWidget | None) -> QWidget | None:
    """The top of a widget's window chain (the main window for a page or its dialogs)."""
    window = widget.window() if widget is not None else None
    while window is not None:
        above = window.parentWidget()
        if above is None:
            break
        window = above.window()
    return window


class JobCancelled(Exception):
    """Raise from a job's function to stop early without a result (after progress said no)."""


class _Gate(QObject):
    """Announces when the store becomes busy (a job started) and free again."""

    busy_changed = Signal(bool)


_gate: _Gate | None = None
_running: set[BackgroundJob] = set()
_pool: QThreadPool | None = None


def gate() -> _Gate:
    """The object whose ``busy_changed(bool)`` tells when jobs start and end."""
    global _gate
    if _gate is None:
        _gate = _Gate(QCoreApplication.instance())
    return _gate


def is_busy() -> bool:
    """True while a background job may be using the session's connection."""
    return bool(_running)


def _thread_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool(QCoreApplication.instance())
        _pool.setMaxThreadCount(1)  # one connection: one job at a time
    return _pool


def cancel_all_and_wait(timeout_ms: int = -1) -> bool:
    """Stop every job, wait for the worker, drop their callbacks; False after a timeout.

    Called before the session closes (lock, idle lock, quit), after the main window has been
    hidden. A job that never checks its progress callback (a backup copying the file) is
    waited for until it ends (``timeout_ms=-1``): closing the connection under a running
    statement would be worse than a few seconds of waiting on an empty screen.
    """
    jobs = list(_running)
    for job in jobs:
        job.abandon()
    if not jobs:
        return True
    done = _thread_pool().waitForDone(timeout_ms)
    for job in jobs:
        job.close_dialog()
        job.release()
    return bool(done)


class _Runner(QRunnable):
    """Calls the job's function on the worker thread and hands the outcome back by signal."""

    def __init__(self, job: BackgroundJob) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job

    def run(self) -> None:
        job = self._job
        try:
            result = job.fn(job.progress_callback)
        except JobCancelled:
            job.signal_cancelled.emit()
        except BaseException as error:  # handed to the GUI thread, never lost
            job.signal_failed.emit(error)
        else:
            job.signal_done.emit(result)
        finally:
            job.worker_ended.set()


class JobProgressDialog(QProgressDialog):
    """A progress dialog that stays up until the job has really stopped.

    Cancel, Esc and the window's close button only *ask* the job to stop: the dialog (and the
    modality that keeps the UI off the store) remains until the worker returns.
    """

    cancel_requested = Signal()

    def __init__(self, title: str, label: str, parent: QWidget | None, cancellable: bool
                 ) -> None:
        super().__init__(label, "Cancel" if cancellable else "", 0, 0, parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(440)
        self._cancellable = cancellable
        self._closing = False
        if not cancellable:
            self.setCancelButton(None)
        # The default connection would hide the dialog at once; we hide it when the job ends.
        self.canceled.disconnect(self.cancel)
        self.canceled.connect(self.cancel_requested)

    def reject(self) -> None:
        """Esc: ask the job to stop (only when it can be cancelled); never just vanish."""
        if self._closing:
            super().reject()
        elif self._cancellable:
            self.cancel_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The title bar's close button: like Cancel."""
        if self._closing:
            super().closeEvent(event)
            return
        event.ignore()
        if self._cancellable:
            self.cancel_requested.emit()

    def show_cancelling(self) -> None:
        """Say that the job is stopping (it finishes its current step first)."""
        self.setLabelText("Cancelling\u2026 finishing the current step.")
        self.setAccessibleDescription("Cancelling")

    def finish(self) -> None:
        """Close for good (the job ended)."""
        self._closing = True
        self.hide()
        self.deleteLater()


class BackgroundJob(QObject):
    """One piece of work on the worker thread; see the module docstring.

    Signals (GUI thread): ``progressed(done, total)``, ``succeeded(result)``,
    ``failed(exception)``, ``cancelled()`` (the function raised :class:`JobCancelled`), and
    ``finished()`` last, whatever the outcome. :attr:`cancel_requested` says whether Cancel
    was pressed; a job that stops early may still return a (partial) result.
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    # Emitted on the worker thread, delivered queued to this object (GUI thread).
    signal_progress = Signal(int, int)
    signal_done = Signal(object)
    signal_failed = Signal(object)
    signal_cancelled = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        fn: Callable[[Progress], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        label: str = "",
        cancellable: bool = True,
        session: Session | None = None,
    ) -> None:
        # No QObject parent: the job outlives a window deleted on lock, then drops its work.
        super().__init__()
        self.title = title
        self.fn = fn
        self._parent = parent
        self._on_done = on_done
        self._on_error = on_error
        self._on_cancelled = on_cancelled
        self._session = session
        self._cancel = threading.Event()
        self._abandoned = False
        self._released = False
        self._finished = False
        self.worker_ended = threading.Event()
        self._last_emit = 0.0
        self._summaries: list[ChangeSummary] = []
        self._summaries_lock = threading.Lock()
        self._events: SessionEvents | None = None
        self._was_blocked = False
        self.result: Any = None
        self.error: BaseException | None = None
        queued = Qt.ConnectionType.QueuedConnection
        self.signal_progress.connect(self._deliver_progress, queued)
        self.signal_done.connect(self._deliver_done, queued)
        self.signal_failed.connect(self._deliver_failed, queued)
        self.signal_cancelled.connect(self._deliver_cancelled, queued)
        self.dialog = JobProgressDialog(
            title, label or f"{title}\u2026", parent.window() if parent else None, cancellable)
        self.dialog.cancel_requested.connect(self.cancel)

    # -- state ------------------------------------------------------------------------------
    @property
    def cancel_requested(self) -> bool:
        """True once Cancel was pressed (or the vault is locking)."""
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        """True until the outcome has been delivered."""
        return self in _running

    def cancel(self) -> None:
        """Ask the job to stop: its progress callback returns False from now on."""
        if not self._cancel.is_set():
            self._cancel.set()
            if isValid(self.dialog):
                self.dialog.show_cancelling()

    def abandon(self) -> None:
        """Cancel and drop the callbacks (the vault is locking; their widgets are going)."""
        self._abandoned = True
        self.cancel()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the worker returned (for the controller and tests)."""
        return self.worker_ended.wait(timeout_s)

    # -- worker side ------------------------------------------------------------------------
    def progress_callback(self, done: int, total: int) -> bool:
        """Handed to ``fn``; thread-safe. False means: stop at the next checkpoint."""
        now = time.monotonic()
        if done >= total or now - self._last_emit >= _PROGRESS_INTERVAL_S:
            self._last_emit = now
            self.signal_progress.emit(int(done), int(total))
        return not self._cancel.is_set()

    def _collect(self, summary: ChangeSummary) -> None:
        # Runs on the worker thread (the session calls listeners after each commit).
        with self._summaries_lock:
            self._summaries.append(summary)

    # -- start and end (GUI thread) -----------------------------------------------------------
    def start(self) -> None:
        """Mute the window's page refreshes, show the dialog, start the worker."""
        events = getattr(_root_window(self._parent), "events", None)
        if isinstance(events, SessionEvents):
            self._events = events
            self._was_blocked = events.blockSignals(True)
        if self._session is not None:
            self._session.subscribe(self._collect)
        first = not _running
        _running.add(self)
        if first:
            gate().busy_changed.emit(True)
        self.dialog.open()
        _thread_pool().start(_Runner(self))

    def _deliver_progress(self, done: int, total: int) -> None:
        if self._released or not isValid(self.dialog):
            return
        if total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))
        self.progressed.emit(done, total)

    def _deliver_done(self, result: Any) -> None:
        self.result = result
        self._end(lambda: self._call(self._on_done, result), lambda: self.succeeded.emit(result))

    def _deliver_failed(self, error: BaseException) -> None:
        self.error = error

        def report() -> None:
            if self._on_error is not None:
                self._call(self._on_error, error)
            else:
                from btam_desktop.ui import errors

                errors.show_error(error, self._live_parent())

        self._end(report, lambda: self.failed.emit(error))

    def _deliver_cancelled(self) -> None:
        self._end(lambda: self._call(self._on_cancelled), self.cancelled.emit)

    def _live_parent(self) -> QWidget | None:
        parent = self._parent
        return parent if parent is not None and isValid(parent) else None

    def _call(self, callback: Callable[..., None] | None, *args: Any) -> None:
        if callback is not None:
            callback(*args)

    def _end(self, callback: Callable[[], None], announce: Callable[[], None]) -> None:
        if self._finished:
            return
        self._finished = True
        self.worker_ended.wait()  # the signal is sent from inside run(); the rest is quick
        self.close_dialog()
        replay = self.release()
        # Callbacks only while their widgets live and the vault is still open (an abandoned
        # job was released by cancel_all_and_wait, before the session closed).
        if not self._abandoned and (self._parent is None or isValid(self._parent)):
            self._replay(replay)
            callback()
        announce()
        self.finished.emit()

    def close_dialog(self) -> None:
        """Hide and delete the progress dialog."""
        if isValid(self.dialog):
            self.dialog.finish()

    def release(self) -> list[ChangeSummary]:
        """Undo what :meth:`start` did; returns the changes the job committed."""
        if self._released:
            return []
        self._released = True
        if self._session is not None:
            self._session.unsubscribe(self._collect)
        events = self._events
        if events is not None and isValid(events):
            events.blockSignals(self._was_blocked)
        _running.discard(self)
        if not _running:
            gate().busy_changed.emit(False)
        with self._summaries_lock:
            summaries, self._summaries = self._summaries, []
        return summaries

    def _replay(self, summaries: list[ChangeSummary]) -> None:
        """Let the pages catch up on what the job committed, now that the store is free."""
        events = self._events
        if not summaries or events is None or not isValid(events):
            return
        if len(summaries) <= _REPLAY_LIMIT:
            for summary in summaries:
                events.changed.emit(summary)
            return
        merged = ChangeSummary(summaries[-1].action)
        for summary in summaries:
            for table, ids in summary.touched.items():
                merged.touched.setdefault(table, set()).update(ids)
        events.changed.emit(merged)


def run_in_background(
    parent: QWidget | None,
    title: str,
    fn: Callable[[Progress], T],
    on_done: Callable[[T], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    on_cancelled: Callable[[], None] | None = None,
    label: str = "",
    cancellable: bool = True,
    session: Session | None = None,
) -> BackgroundJob:
    """Run ``fn(progress)`` on the worker thread behind a window-modal progress dialog.

    ``parent``: a widget of the window to block (its dialog is window-modal over it).
    ``title``/``label``: what the dialog says. ``cancellable``: show Cancel (the function must
    then check ``progress``'s return value). ``session``: the session the job writes through;
    its committed changes are re-emitted to the pages when the job ends. Returns the started
    :class:`BackgroundJob`.
    """
    job = BackgroundJob(
        parent, title, fn, on_done=on_done, on_error=on_error, on_cancelled=on_cancelled,
        label=label, cancellable=cancellable, session=session,
    )
    job.start()
    return job
