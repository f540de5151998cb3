"""The base of the PDF dialogs: OK starts a background job; the dialog closes when the job
worked and stays open with the reason in words when it did not (nothing typed is lost).

A dialog is a child of the main window, opened with ``open()`` (never ``exec()``). The job
runs through :func:`btam_desktop.ui.tasks.run_in_background` with the dialog as its parent:
the progress dialog is then window-modal over this dialog *and* the main window, so nothing
on the GUI thread touches the store while the job uses the session's one connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.session import Session
from btam_desktop.ui import errors, messages, tasks
from btam_desktop.ui.case.dialog_base import DialogBase

UNEXPECTED = "Something unexpected went wrong; nothing was written. The error was reported."


def describe(error: BaseException) -> str:
    """Words for a failed PDF job. A file system error is about the chosen file or folder
    (``messages.describe`` would blame the vault file)."""
    if isinstance(error, BtamError):
        return messages.describe(error)
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        where = f" ({error.filename})" if error.filename else ""
        return (f"The file could not be written or read{where}: {reason}. Check that the "
                "folder exists, that you may write there and that the disk is not full.")
    return UNEXPECTED


def intro_label(text: str) -> QLabel:
    """A wrapped sentence at the top of a dialog (plain text: it may quote case data)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class JobDialog(DialogBase):
    """OK checks the input (:meth:`validate`), then :meth:`start_job` runs the work.

    ``succeeded(result)`` is emitted with the job's result just before the dialog closes.
    The scaffold (form, message, OK/Cancel, Ctrl+Enter) is the case dialogs' DialogBase.
    """

    succeeded = Signal(object)

    def __init__(self, session: Session, title: str, parent: QWidget, *, ok_text: str
                 ) -> None:
        super().__init__(title, parent, ok_text=ok_text)
        self.session = session
        self.setMinimumWidth(640)
        self.job: tasks.BackgroundJob | None = None

    def finish_layout(self, *above_buttons: QWidget) -> None:
        """Form, then ``above_buttons``, the message and the buttons."""
        self.layout_.addLayout(self.form)
        for widget in above_buttons:
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.buttons)

    # -- to override ------------------------------------------------------------------------
    def validate(self) -> bool:
        """Check the input; show why not (and focus the field) and return False."""
        return True

    def start_job(self) -> tasks.BackgroundJob:
        """Start the work (through :meth:`run_job`)."""
        raise NotImplementedError

    # -- running ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while this dialog's job has not ended."""
        return self.job is not None and self.job.running

    def accept(self) -> None:
        """OK / Ctrl+Enter: check, then start the job (once)."""
        if self.running or not self.validate():
            return
        self.job = self.start_job()

    def run_job(self, title: str, fn: Callable[[tasks.Progress], Any], *, label: str,
                cancellable: bool = False, writes: bool = True) -> tasks.BackgroundJob:
        """Run ``fn`` in the background; success closes the dialog, failure says why here.
        ``writes``: the job commits to the vault, so its changes reach the pages after it."""
        self.message.clear_message()
        return tasks.run_in_background(
            self, title, fn, on_done=self._job_done, on_error=self.job_failed,
            label=label, cancellable=cancellable,
            session=self.session if writes else None)

    def _job_done(self, result: Any) -> None:
        self.succeeded.emit(result)
        super().accept()

    def job_failed(self, error: BaseException) -> None:
        """Say what went wrong and stay open; a bug also gets the error dialog's reference."""
        if not isinstance(error, BtamError | OSError):
            errors.show_error(error, self)
        self.message.show_error(describe(error))
