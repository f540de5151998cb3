"""Reporting errors to the officer: plain words, a reference number, never case data.

Two entry points:

* :func:`show_error` for an error a piece of UI caught (a failed save, a job's error): a
  dialog with a plain-language message; expected core errors (:class:`BtamError`) say what
  happened, anything else says "something unexpected went wrong" with a reference number.
* :func:`install` (called once by ``app.py``) routes every uncaught exception, from
  ``sys.excepthook`` (PySide6 hands exceptions raised in slots and event handlers to it) and
  from ``threading.excepthook``, into :class:`ErrorReporter`, which keeps the app running.

What is shown and logged. Exception messages can quote what was typed or read (a SQL value,
a name in a ``KeyError``), so for anything that is not a :class:`BtamError` neither the dialog
nor the log contains ``str(exc)``: the dialog shows the exception *type* and a reference
number; the log gets the reference, the type and the stack frames (file, line, function),
enough for a developer to find the bug, nothing about the case.

Drafts. Before the dialog appears, :func:`error_events` emits ``flush_requested``: an open
form view connects its "save draft now" slot to it, so what the officer typed is kept even if
the next thing they do is close the app::

    errors.error_events().flush_requested.connect(self.save_draft)

(Qt drops the connection when the form is deleted.) Plain callables can use
:func:`add_flush_hook`. A failing flush is logged (type only) and never stops the report.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from shiboken6 import isValid

from btam_desktop.core.errors import (
    BtamError,
    DiskFull,
    InvalidInput,
    PermissionDenied,
    VaultBusy,
    VaultCorrupt,
    VaultLocked,
)
from btam_desktop.ui import messages

_log = logging.getLogger(__name__)

DIALOG_TITLE = "Something went wrong - BTAM Desktop"
UNEXPECTED = (
    "Something unexpected went wrong. BTAM Desktop is still running and what you typed in "
    "open forms has been kept as a draft."
)
ADVICE = "If it keeps happening, tell your team lead and give them the reference number."

def new_reference() -> str:
    """A short reference for the officer to quote, matching the log line (e.g. E-0331-7F3A2C)."""
    stamp = datetime.now(UTC).strftime("%m%d")
    return f"E-{stamp}-{uuid.uuid4().hex[:6].upper()}"


def plain_message(error: BaseException) -> str:
    """The sentence shown for ``error``; never ``str(error)`` unless it is a BtamError."""
    if isinstance(error, VaultBusy):
        return ("The vault is busy (another BTAM window or program may be using it). "
                "Wait a moment, then try again.")
    if isinstance(error, DiskFull):
        return ("The disk is full or failing, so the last change was not saved. Free some "
                "space, then try again.")
    if isinstance(error, VaultCorrupt):
        return ("The vault file is damaged. Stop working in it, and ask your team lead to "
                "restore the latest backup.")
    if isinstance(error, PermissionDenied):
        return "Your role does not allow this: " + messages.sentence(str(error))
    if isinstance(error, VaultLocked):
        return "The vault is locked. Unlock it again to continue."
    if isinstance(error, InvalidInput | BtamError):
        return messages.sentence(str(error))
    if isinstance(error, MemoryError):
        return "The computer ran out of memory. Close other programs, then try again."
    return UNEXPECTED


def _frames(tb: TracebackType | None) -> str:
    """The stack as "file:line in function" lines: code locations only, no values."""
    return "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(tb)
    )


def log_exception(reference: str, error: BaseException) -> None:
    """Log what a developer needs (type and frames, causes included), never the message."""
    parts = [f"{reference}: {type(error).__module__}.{type(error).__qualname__}"]
    parts.append(_frames(error.__traceback__))
    cause = error.__cause__ or error.__context__
    depth = 0
    while cause is not None and depth < 5:
        parts.append(f"  caused by {type(cause).__qualname__}:")
        parts.append(_frames(cause.__traceback__))
        cause = cause.__cause__ or cause.__context__
        depth += 1
    if isinstance(error, BtamError):  # our own messages are written for users: safe to log
        parts.append(f"  message: {error}")
    _log.error("\n".join(p for p in parts if p))


class ErrorEvents(QObject):
    """``flush_requested``: save drafts now (an error is about to be shown)."""

    flush_requested = Signal()
    # (reference, exception type name) after a report, for tests and a future error log view.
    reported = Signal(str, str)
    # Carries an exception from another thread to the GUI thread.
    _from_thread = Signal(object)


_events: ErrorEvents | None = None
_flush_hooks: list[Callable[[], object]] = []


def error_events() -> ErrorEvents:
    """The application-wide error signals."""
    global _events
    if _events is None:
        _events = ErrorEvents(QCoreApplication.instance())
    return _events


def add_flush_hook(hook: Callable[[], object]) -> Callable[[], None]:
    """Call ``hook()`` before an error is shown; returns a function that removes it again."""
    _flush_hooks.append(hook)

    def remove() -> None:
        if hook in _flush_hooks:
            _flush_hooks.remove(hook)

    return remove


def flush_drafts() -> None:
    """Ask every open form to save its draft; a failing hook is logged and skipped."""
    try:
        error_events().flush_requested.emit()
    except Exception as error:  # a slot raised: PySide usually reports it; be safe anyway
        _log.warning("saving drafts failed: %s", type(error).__name__)
    for hook in list(_flush_hooks):
        try:
            hook()
        except Exception as error:
            _log.warning("saving a draft failed: %s", type(error).__name__)


def _dialog_parent(parent: QWidget | None) -> QWidget | None:
    if parent is not None and isValid(parent):
        return parent.window()
    active = QApplication.activeWindow()
    return active if active is not None and active.isVisible() else None


def _message_box(parent: QWidget | None, text: str, informative: str, *, critical: bool
                 ) -> QMessageBox:
    box = QMessageBox(_dialog_parent(parent))
    box.setIcon(QMessageBox.Icon.Critical if critical else QMessageBox.Icon.Warning)
    box.setWindowTitle(DIALOG_TITLE)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setInformativeText(informative)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName("Error")
    box.setAccessibleDescription(f"{text} {informative}")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if box.parent() else
                          Qt.WindowModality.ApplicationModal)
    return box


def show_error(error: BaseException, parent: QWidget | None = None) -> QMessageBox:
    """Show a caught error in plain words (non-blocking); returns the dialog.

    Expected errors (BtamError) are the user's to act on: their message, no reference.
    Anything else is a bug: logged under a reference number shown with the exception type.
    """
    if isinstance(error, BtamError):
        box = _message_box(parent, plain_message(error), "", critical=False)
        box.setWindowTitle("BTAM Desktop")
    else:
        reference = new_reference()
        log_exception(reference, error)
        box = _message_box(parent, plain_message(error),
                           f"Reference {reference} ({type(error).__name__}). {ADVICE}",
                           critical=True)
        error_events().reported.emit(reference, type(error).__name__)
    box.open()
    return box


class ErrorReporter(QObject):
    """The excepthook: logs, saves drafts, shows one dialog at a time, never quits the app."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handling = False
        self._dialog: QMessageBox | None = None
        self._more = 0
        self._previous_hook: Callable[..., object] | None = None
        self._previous_thread_hook: Callable[..., object] | None = None
        self.last_reference = ""
        error_events()._from_thread.connect(
            self._report_from_thread, Qt.ConnectionType.QueuedConnection)

    # -- installing -------------------------------------------------------------------------
    def install(self) -> None:
        """Become ``sys.excepthook`` and ``threading.excepthook``."""
        if self._previous_hook is None:
            self._previous_hook = sys.excepthook
            self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        """Put the previous hooks back."""
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            threading.excepthook = self._previous_thread_hook  # type: ignore[assignment]
            self._previous_hook = None

    # -- hooks ------------------------------------------------------------------------------
    def excepthook(self, kind: type[BaseException], error: BaseException,
                   tb: TracebackType | None) -> None:
        """``sys.excepthook``: report ``error`` (Ctrl+C still ends the program)."""
        if issubclass(kind, KeyboardInterrupt):
            app = QCoreApplication.instance()
            if app is not None:
                app.quit()
            return
        if error.__traceback__ is None and tb is not None:
            error = error.with_traceback(tb)
        self.report(error)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        """``threading.excepthook``: hand the error to the GUI thread."""
        if args.exc_value is not None:
            error_events()._from_thread.emit(args.exc_value)

    def _report_from_thread(self, error: BaseException) -> None:
        self.report(error)

    # -- reporting --------------------------------------------------------------------------
    def report(self, error: BaseException, parent: QWidget | None = None) -> str:
        """Log ``error``, save drafts, show (or update) the dialog; returns the reference."""
        reference = new_reference()
        # Logging must not be the thing that brings the app down.
        with contextlib.suppress(Exception):
            log_exception(reference, error)
        if self._handling:
            # An error while reporting one (a failing draft save, a broken paint): count it,
            # do not stack dialogs or recurse.
            self._more += 1
            return reference
        self._handling = True
        try:
            self.last_reference = reference
            flush_drafts()
            self._show(reference, error, parent)
            error_events().reported.emit(reference, type(error).__name__)
        except Exception as failure:
            _log.critical("could not show the error dialog: %s", type(failure).__name__)
        finally:
            self._handling = False
        return reference

    @property
    def dialog(self) -> QMessageBox | None:
        """The error dialog while it is open."""
        if self._dialog is not None and not isValid(self._dialog):
            self._dialog = None
        return self._dialog

    def _show(self, reference: str, error: BaseException, parent: QWidget | None) -> None:
        informative = (f"Reference {reference} ({type(error).__name__}). {ADVICE}"
                       if not isinstance(error, BtamError) else f"Reference {reference}.")
        box = self.dialog
        if box is not None:
            # One dialog at a time: a burst of errors (a paint handler failing on every
            # repaint) must not bury the screen under dialogs.
            self._more += 1
            box.setInformativeText(
                f"{informative}\n{self._more} more problem{'s' if self._more > 1 else ''} "
                "occurred after the first.")
            return
        self._more = 0
        box = _message_box(parent, plain_message(error), informative, critical=True)
        box.finished.connect(self._dialog_closed)
        self._dialog = box
        box.open()

    def _dialog_closed(self, _result: int) -> None:
        self._dialog = None
        self._more = 0


_reporter: ErrorReporter | None = None


def install(app: QCoreApplication | None = None) -> ErrorReporter:
    """Install the application's excepthook (once) and return the reporter."""
    global _reporter
    if _reporter is None:
        _reporter = ErrorReporter(app or QCoreApplication.instance())
    _reporter.install()
    return _reporter


def reporter() -> ErrorReporter | None:
    """The installed reporter, if any."""
    return _reporter

