"""Restore a vault from a backup file, in the app: from the first-run wizard (a new or
replaced laptop) and from the unlock window (a damaged vault, whose message says "Restore it
from a backup").

Before this the app could write backups (Settings › Backup) but only ``btam restore`` could
put one back, which a department without IT staff could not be expected to find. The dialog
asks for the file, who opens it (a member of the backup's own key file, or its recovery key)
and the passphrase of the day the backup was written; the restore runs in the background with
a progress bar and Cancel (core ``backup.restore``: all or nothing, the old vault kept beside,
renamed). A wrong passphrase keeps the dialog open with the reason; nothing typed but the
passphrase is lost. The controller then shows a fresh unlock window for the restored vault.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from btam_desktop.core import backup
from btam_desktop.core.errors import AccountLocked, BtamError, WrongPassphrase
from btam_desktop.core.handed import HandedFileRefused
from btam_desktop.core.vault import vault_exists
from btam_desktop.ui import errors, messages, tasks
from btam_desktop.ui.case.dialog_base import DialogBase
from btam_desktop.ui.widgets import file_row, line_edit, muted

BACKUP_SUFFIX = ".btambak"
NO_BACKUP_YET = "Who can open it is read from the backup."
RECOVERY_CHOICE = "The recovery key (48 digits)"
TITLE = "Restore from a backup"
OTHER_VAULT_TITLE = "Replace a different vault?"
CANCELLED = "The restore was cancelled; nothing was changed."
UNEXPECTED = "Something unexpected went wrong; nothing was changed. The error was reported."


def restored_message(source: Path, replaced: Path | None) -> str:
    """What the unlock window says after a restore."""
    kept = f" The vault it replaced is kept as {replaced.name}." if replaced else ""
    return (f"Restored from {source.name}.{kept} Unlock it with a passphrase that was valid "
            "when the backup was written. If this laptop was in a team, it is now a new "
            "device: ask your team lead to invite it again.")


def describe(error: BaseException) -> str:
    """Words for a failed restore (the file is a backup: not messages.describe's "vault")."""
    if isinstance(error, AccountLocked):
        return messages.locked_message(error)
    if isinstance(error, HandedFileRefused):
        return messages.handed_message(error)
    if isinstance(error, BtamError):
        return messages.sentence(str(error))
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        where = f" ({error.filename})" if error.filename else ""
        return (f"The backup could not be read or the vault written{where}: {reason}. Nothing "
                "was changed. Check the USB stick or folder and the free space on this disk.")
    return UNEXPECTED


class RestoreDialog(DialogBase):
    """Choose a backup, say who opens it, restore it to ``vault_path``.

    :attr:`replacing`: a vault is there already (the unlock window's case); the restore
    replaces it, keeping it beside, renamed. ``restored(message)`` is emitted once the vault
    is in place, just before the dialog closes.
    """

    restored = Signal(str)

    def __init__(self, vault_path: Path, parent: QWidget) -> None:
        super().__init__(TITLE, parent, ok_text="&Restore")
        self.vault_path = Path(vault_path)
        self.replacing = vault_exists(self.vault_path)
        self.job: tasks.BackgroundJob | None = None
        self._header: backup.BackupHeader | None = None
        self._loaded: Path | None = None
        self._replace_other = False
        self._question: QMessageBox | None = None

        where = (f"The vault at {self.vault_path} will be replaced; the file there now is kept "
                 "beside it, renamed." if self.replacing
                 else f"The vault will be restored to {self.vault_path}.")
        self.where = muted(
            f"{where} Nothing is changed unless the backup is whole, unchanged since it was "
            "written, and opens with what you type.")
        self.where.setWordWrap(True)

        self.file = line_edit("Backup file")
        self.file.setPlaceholderText(f"a {BACKUP_SUFFIX} file")
        # Width from a field, not the dialog: a dialog's own minimum size stops Qt from
        # growing it to its layout when a message appears (the rows were squeezed instead).
        self.file.setMinimumWidth(340)
        self.file.editingFinished.connect(self._file_typed)
        self.choose_button = QPushButton("&Choose\u2026")
        self.choose_button.setAccessibleName("Choose the backup file")
        self.choose_button.clicked.connect(self.choose_file)
        # Always shown (a row appearing later squeezed the others in a dialog already sized).
        self.written = muted(NO_BACKUP_YET)
        self.written.setAccessibleName("When the backup was written")
        self.who = QComboBox()
        self.who.setEnabled(False)
        self.who.currentIndexChanged.connect(self._who_changed)
        self.secret = line_edit("Passphrase", secret=True)
        self.secret.setEnabled(False)

        self.layout_.addWidget(self.where)
        self.add_row("Backup &file:", file_row(self.file, self.choose_button))
        self.form.addRow("", self.written)
        self.add_row("&Opens with:", self.who)
        self.add_row("&Passphrase:", self.secret)
        self.secret_label = self.form.labelForField(self.secret)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.buttons)
        self.file.setAccessibleName("Backup file")  # add_row named the row's container

    # -- choosing the backup ----------------------------------------------------------------
    def choose_file(self) -> None:
        """Ask for the backup file (a window-modal file dialog)."""
        start = self.file.text().strip() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the backup", start, f"BTAM backups (*{BACKUP_SUFFIX});;All files (*)")
        if path:
            self.load_backup(Path(path))

    def _file_typed(self) -> None:
        text = self.file.text().strip()
        if text and (self._header is None or Path(text) != self._loaded):
            self.load_backup(Path(text))

    def load_backup(self, path: Path) -> bool:
        """Read the backup's header (not its contents): who can open it, when it was written.
        A file that is no backup is said here, before any passphrase is asked for."""
        self.file.setText(str(path))
        self._loaded = path
        self._header = None
        self.who.clear()
        self.who.setEnabled(False)
        self.secret.setEnabled(False)
        self.written.setText(NO_BACKUP_YET)
        try:
            header = backup.read_header(path)
        except (BtamError, OSError) as error:
            self.message.show_error(describe(error))
            self.file.setFocus()
            return False
        self.message.clear_message()
        self._header = header
        self._replace_other = False
        members = header.member_names
        self.who.addItems(members)
        if header.has_recovery_key:
            self.who.addItem(RECOVERY_CHOICE)
        self.who.setEnabled(True)
        self.secret.setEnabled(True)
        self.written.setText(f"Written {header.created_at[:16].replace('T', ' ')} (UTC)")
        # After the Tab that left the file field has moved the focus on.
        after = self.who if len(members) > 1 else self.secret
        QTimer.singleShot(0, after, after.setFocus)
        return True

    def _who_changed(self) -> None:
        recovery = self.who.currentText() == RECOVERY_CHOICE
        self.secret.clear()
        self.secret.setAccessibleName("Recovery key" if recovery else "Passphrase")
        self.secret.setPlaceholderText("48 digits" if recovery else "")
        if isinstance(self.secret_label, QLabel):
            self.secret_label.setText("Recovery &key:" if recovery else "&Passphrase:")

    # -- restoring ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while the restore runs."""
        return self.job is not None and self.job.running

    def accept(self) -> None:
        """Restore / Ctrl+Enter: check what was given, then restore in the background."""
        if self.running:
            return
        if self._header is None:
            text = self.file.text().strip()
            if not text:
                self.message.show_error("Choose the backup file first.")
                self.choose_button.setFocus()
                return
            if not self.load_backup(Path(text)):
                return
        if not self.secret.text():
            if self.file.hasFocus():
                # Enter after typing the file's name: the backup was read (editingFinished);
                # on to the next field (load_backup moves the keyboard there), no reproach.
                return
            recovery = self.who.currentText() == RECOVERY_CHOICE
            self.message.show_error(
                "Type the recovery key." if recovery else
                "Type the passphrase that was valid when the backup was written.")
            self.secret.setFocus()
            return
        self.job = self._start()

    def _start(self) -> tasks.BackgroundJob:
        source, target = self._loaded, self.vault_path
        assert source is not None  # accept() loaded it
        secret = self.secret.text()
        self.secret.clear()  # held by the job only while it runs
        recovery = self.who.currentText() == RECOVERY_CHOICE
        member = None if recovery else self.who.currentText()
        replace_other = self._replace_other

        def work(progress: tasks.Progress) -> Path | None:
            try:
                return backup.restore(
                    source, target, member=member,
                    passphrase_text=None if recovery else secret,
                    recovery_key=secret if recovery else None,
                    replace_existing=self.replacing, replace_other_vault=replace_other,
                    progress=progress)
            except backup.RestoreCancelled:
                raise tasks.JobCancelled from None

        self.message.clear_message()
        return tasks.run_in_background(
            self, "Restoring the backup", work, on_done=self._done, on_error=self._failed,
            on_cancelled=self._cancelled,
            label=f"Restoring {source.name}\u2026", cancellable=True)

    def _cancelled(self) -> None:
        self.message.show_message(CANCELLED, "info")
        self.activateWindow()
        self.secret.setFocus()

    def _done(self, replaced: Path | None) -> None:
        assert self._loaded is not None
        self.restored.emit(restored_message(self._loaded, replaced))
        super().accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, backup.OtherVault):
            self._ask_replace_other(error)
            return
        if not isinstance(error, BtamError | OSError):
            errors.show_error(error, self)
        self.message.show_error(describe(error))
        # Back to the keyboard here (the progress window had it), on the field to retype.
        self.activateWindow()
        (self.secret if isinstance(error, WrongPassphrase | AccountLocked)
         else self.file).setFocus()

    def _ask_replace_other(self, error: backup.OtherVault) -> None:
        """The vault here is not the backup's own: replace it only when the officer says so
        (it is kept beside, renamed), then type the passphrase again."""
        box = QMessageBox(QMessageBox.Icon.Warning, OTHER_VAULT_TITLE,
                          messages.sentence(str(error)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText("Replace it")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self._replace_other = True
                self.message.show_message(
                    "Type the passphrase again and press Restore to replace the other vault.",
                    "info")
            else:
                self.message.show_message("Nothing was changed.", "info")
            self.activateWindow()
            self.secret.setFocus()

        box.finished.connect(answered)
        self._question = box
        box.open()
