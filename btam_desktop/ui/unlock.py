"""The unlock window (member, passphrase, remember on this device) and the recovery-key dialog.

All unlocking is done by :mod:`btam_desktop.core.vault`; this module only collects what was
typed, shows what went wrong in plain words, and emits ``unlocked(Session)`` on success. The
passphrase field is emptied after every attempt, right or wrong.

On a laptop the team shares, the member who last unlocked a vault is chosen in advance the
next time (:func:`last_member`): their name only, kept with QSettings under the vault's path,
never anything typed.

A key remembered on this device (OS keyring) is used only when the window allows it
(``allow_device_key``: the controller allows it for the first unlock after the app starts)
and only when the passphrase field is empty. After a lock, by hand or when idle, the
passphrase is always needed: otherwise anyone at an unattended laptop could press Enter. A
typed passphrase is always checked as typed, so a wrong one is a failed attempt (and counts
towards the lockout) even where a key is remembered.
"""

from __future__ import annotations

import base64
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core import keyring_store, vault
from btam_desktop.core.errors import AccountLocked, WrongPassphrase
from btam_desktop.ui import messages
from btam_desktop.ui.case.dialog_base import DialogBase
from btam_desktop.ui.icons import app_icon
from btam_desktop.ui.restore import RestoreDialog
from btam_desktop.ui.widgets import MessageLabel, busy, field_label, heading, line_edit, muted

_log = logging.getLogger(__name__)

RECOVERY_DIGITS = 48
REMEMBER_TEXT = "&Remember on this device"
TYPE_PASSPHRASE = "Type your passphrase, then press Enter."  # noqa: S105 (a message)
TYPE_AFTER_LOCK = (  # a message, not a secret
    "Type your passphrase, then press Enter. After a lock it is always needed, even on a "
    "laptop that remembers your key."
)
RECOVERY_NOTICE = (
    "Unlocked with the recovery key. Give the member who forgot their passphrase a new one."
)
LAST_MEMBER_GROUP = "unlock/last-member"
SHOW_PASSPHRASE_TEXT = "Sh&ow passphrase"  # noqa: S105 (a label)
CAPS_LOCK_WARNING = "\u26a0 Caps Lock may be on"
# The key file proves this is a vault, so a failure here can only be the passphrase.
WRONG_PASSPHRASE = "Wrong passphrase."  # noqa: S105 (a message)
OPENING_TEXT = "Opening\u2026"


def attempts_left_message(failed: int) -> str:
    """How many wrong passphrases are left before the lock-out, after ``failed`` in a row."""
    left = max(0, vault.MAX_FAILURES - failed)
    minutes = int(vault.LOCKOUT.total_seconds() // 60)
    noun = "attempt" if left == 1 else "attempts"
    return f"{left} {noun} left before a {minutes}-minute lock."


def caps_lock_guess(event: QKeyEvent) -> bool | None:
    """Whether Caps Lock looks on from a typed letter (Qt cannot read the lock state
    portably): upper case without Shift, or lower case with Shift. None for a key that
    tells nothing (not a cased letter)."""
    text = event.text()
    if len(text) != 1 or text.lower() == text.upper():
        return None
    shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
    return text.isupper() != shift


def _vault_key(vault_path: Path) -> str:
    """A settings key for a vault: the same file always gives the same key, whichever way
    its path was written (relative, "~", letter case on Windows)."""
    try:
        resolved = Path(vault_path).expanduser().resolve()
    except OSError:
        resolved = Path(vault_path).expanduser().absolute()
    # Encoded, because "/" and "\\" separate groups in a settings key.
    encoded = base64.urlsafe_b64encode(os.path.normcase(str(resolved)).encode("utf-8"))
    return f"{LAST_MEMBER_GROUP}/{encoded.decode('ascii').rstrip('=')}"


def last_member(vault_path: Path) -> str:
    """The name of the member who last unlocked ``vault_path`` on this laptop ("" if none)."""
    value = QSettings().value(_vault_key(vault_path))
    return value if isinstance(value, str) else ""


def remember_last_member(vault_path: Path, name: str) -> None:
    """Keep ``name`` as the member to choose first next time (nothing else is kept)."""
    settings = QSettings()
    settings.setValue(_vault_key(vault_path), name)
    settings.sync()


class RecoveryKeyDialog(DialogBase):
    """Asks for the paper recovery key; ``submitted(text)`` when 48 digits were typed.

    The owner tries the key and either calls :meth:`succeed` or :meth:`show_error`. The digit
    count is checked here first so a typo in length does not count as a failed unlock.
    """

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        # Not deleted on close: the unlock window keeps it (``_recovery``) and deletes it
        # itself once it has closed (``UnlockWindow._recovery_closed``).
        super().__init__("Use the recovery key - BTAM Desktop", parent, ok_text="&Unlock",
                         delete_on_close=False)
        self.setMinimumWidth(620)
        intro = QLabel(
            "Type the 48 digits of the recovery key written down when the vault was created. "
            "Spaces and dashes do not matter."
        )
        intro.setWordWrap(True)
        # Shown in clear on purpose: typing 48 digits blind from paper fails too often, and a
        # failed attempt counts towards the lockout.
        self.key = QLineEdit()
        self.key.setAccessibleName("Recovery key")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        # Digits copied from paper are checked by eye: larger than the body text.
        mono.setPointSizeF(max(mono.pointSizeF(), self.font().pointSizeF() * 1.25))
        self.key.setFont(mono)
        self.key.setPlaceholderText("123456-123456-123456-123456-123456-123456-123456-123456")
        self.key.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
        )
        # The label above the field, not beside it (DialogBase.form): the 48 digits need the
        # dialog's whole width.
        key_label = QLabel("Recovery &key")
        key_label.setBuddy(self.key)
        self.counter = muted("")
        self.counter.setAccessibleName("Digits typed")
        # Unlock is the default button (Enter in the field submits; DialogBase), as the
        # button box made it before.
        self.ok_button.setAccessibleName("Unlock with the recovery key")

        layout = self.layout_
        layout.setContentsMargins(20, 20, 20, 20)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(key_label)
        layout.addWidget(self.key)
        layout.addWidget(self.counter)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.key.textChanged.connect(self._count)
        self._count()

    def digits(self) -> int:
        """How many digits are in the field."""
        return sum(ch.isdigit() for ch in self.key.text())

    def _count(self) -> None:
        self.counter.setText(f"{self.digits()} of {RECOVERY_DIGITS} digits")

    def accept(self) -> None:
        """Submit (Enter or Unlock), unless the digit count is wrong."""
        count = self.digits()
        if count != RECOVERY_DIGITS:
            self.show_error(f"A recovery key has {RECOVERY_DIGITS} digits; {count} typed so far.")
            return
        text = self.key.text()
        self.key.clear()  # like a passphrase: never left in the field after an attempt
        self.message.clear_message()
        self.submitted.emit(text)

    def succeed(self) -> None:
        """Close after a successful unlock."""
        super().accept()

    def show_error(self, text: str) -> None:
        """Stay open and say what went wrong."""
        self.message.show_error(text)
        # Grow to fit the message: a top-level layout does not account for the height of
        # word-wrapped text by itself, and the message would be cut off.
        self.adjustSize()
        self.key.setFocus()


class UnlockWindow(QWidget):
    """Unlocks the vault at ``vault_path``; ``unlocked(Session)`` on success.

    ``closed`` is emitted only when the user closes the window (the controller then quits);
    the controller removes it with ``hide()`` and ``deleteLater()`` after a success.
    """

    unlocked = Signal(object)  # Session
    notice = Signal(str)  # something to tell the user once the main window is up
    closed = Signal()
    restored = Signal(str)  # a backup was restored here: what to tell on the next window

    def __init__(
        self,
        vault_path: Path,
        *,
        message: str = "",
        drafts: list[str] | None = None,
        allow_device_key: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault_path = Path(vault_path)
        # Off unless the controller says this is the first unlock since the app started.
        self.allow_device_key = allow_device_key
        self.setObjectName("unlockWindow")
        self.setWindowTitle("Unlock - BTAM Desktop")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(560, 520)
        # Room for a message, the drafts saved and "Opening…" without squeezing the fields.
        self.resize(640, 680)
        self._slots: list[vault.SlotInfo] = []
        self._recovery: RecoveryKeyDialog | None = None

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        logo.setAccessibleName("BTAM Desktop logo")
        title = heading("BTAM Desktop")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle = muted("Unlock the vault to continue")
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.location = muted(str(self.vault_path))
        self.location.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.location.setAccessibleName("Vault location")
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.member = QComboBox()
        self.member.setAccessibleName("Member")
        self.member.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.member_label = field_label("&Member", self.member)
        self.passphrase = line_edit("Passphrase", secret=True)
        self.passphrase.setPlaceholderText("Passphrase")
        pass_label = field_label("&Passphrase", self.passphrase)
        self.show_passphrase = QCheckBox(SHOW_PASSPHRASE_TEXT)
        self.show_passphrase.setAccessibleName("Show passphrase")
        self.show_passphrase.setToolTip("Show the passphrase as it is typed")
        self.show_passphrase.toggled.connect(self._show_passphrase)
        self.caps_warning = QLabel(CAPS_LOCK_WARNING)
        self.caps_warning.setObjectName("capsLockWarning")
        self.caps_warning.setAccessibleName("Caps Lock warning")
        font = self.caps_warning.font()
        font.setBold(True)  # easy to miss in plain text, and the cause of most wrong tries
        self.caps_warning.setFont(font)
        self.caps_warning.setVisible(False)
        self._caps_on = False  # the last guess (the warning is hidden while opening)
        self.passphrase.installEventFilter(self)
        self.remember = QCheckBox(REMEMBER_TEXT)
        self.remember.setAccessibleName("Remember on this device")
        self.remember.setToolTip(
            "Keep the key in this computer's protected keyring, so that the first unlock after "
            "the app starts needs only Enter. After a lock your passphrase is always needed. "
            "Only for a laptop that is yours alone."
        )
        # Hidden, not merely disabled, where there is no keyring: nothing to offer there.
        self.remember.setVisible(keyring_store.available())
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("primary")
        self.unlock_button.setAccessibleName("Unlock")
        self.recovery_button = QPushButton("Use the recovery key\u2026")
        self.recovery_button.setObjectName("link")
        self.recovery_button.setAccessibleName("Use the recovery key")
        self.recovery_button.setCursor(Qt.CursorShape.PointingHandCursor)
        # Where the damaged-vault message sends the officer ("Restore it from a backup").
        self.restore_button = QPushButton("Restore from a &backup\u2026")  # Alt+B
        self.restore_button.setObjectName("link")
        self.restore_button.setAccessibleName("Restore from a backup")
        self.restore_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self._restore: RestoreDialog | None = None
        self.message = MessageLabel()
        # Which drafts the lock saved and which dialogs' typing it holds (form title and case
        # number, dialog title, only: this screen is what anyone walking up to the laptop sees).
        self.drafts = QLabel("\n".join(f"\u2714 {line}" if line.startswith("Draft saved")
                                      else f"\u26a0 {line}" for line in drafts or []))
        self.drafts.setObjectName("lockDrafts")
        self.drafts.setWordWrap(True)
        self.drafts.setAccessibleName("Drafts saved and typing held at the lock")
        self.drafts.setVisible(bool(drafts))
        # "Opening…" in place, from Enter until the main window has been painted: the window
        # no longer vanishes onto a blank screen while the key is derived and the dashboard
        # built (see set_opening and the controller's hand-over).
        self.opening_label = QLabel(OPENING_TEXT)
        self.opening_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening = QProgressBar()
        self.opening.setRange(0, 0)  # busy: how long it takes is not known
        self.opening.setTextVisible(False)
        self.opening.setMaximumHeight(8)
        self.opening.setAccessibleName("Opening the vault")
        self.opening_label.setVisible(False)
        self.opening.setVisible(False)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(12)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self.member_label, self.member)
        form.addRow(pass_label, self.passphrase)
        form.addRow("", self.caps_warning)
        form.addRow("", self.show_passphrase)
        form.addRow("", self.remember)

        panel = QWidget()
        panel.setObjectName("unlockPanel")
        panel.setMaximumWidth(480)
        panel_layout = QVBoxLayout(panel)
        panel_layout.setSpacing(10)
        panel_layout.addWidget(logo)
        panel_layout.addWidget(title)
        panel_layout.addWidget(subtitle)
        panel_layout.addWidget(self.location)
        panel_layout.addSpacing(12)
        panel_layout.addLayout(form)
        panel_layout.addWidget(self.message)
        # Under "The vault is locked.": what the lock saved.
        panel_layout.addWidget(self.drafts)
        panel_layout.addWidget(self.opening_label)
        panel_layout.addWidget(self.opening)
        panel_layout.addWidget(self.unlock_button)
        panel_layout.addWidget(self.recovery_button, 0, Qt.AlignmentFlag.AlignHCenter)
        panel_layout.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignHCenter)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel, 4)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        QWidget.setTabOrder(self.member, self.passphrase)
        QWidget.setTabOrder(self.passphrase, self.show_passphrase)
        QWidget.setTabOrder(self.show_passphrase, self.remember)
        QWidget.setTabOrder(self.remember, self.unlock_button)
        QWidget.setTabOrder(self.unlock_button, self.recovery_button)
        QWidget.setTabOrder(self.recovery_button, self.restore_button)

        self.unlock_button.clicked.connect(self.submit)
        self.recovery_button.clicked.connect(self.open_recovery)
        self.restore_button.clicked.connect(self.open_restore)
        self.member.currentIndexChanged.connect(self._member_changed)
        self._load_members()
        if message and not self.message.isVisible():  # a problem found loading comes first
            self.message.show_message(message, "info")

    # -- members ------------------------------------------------------------------------------
    def _load_members(self) -> None:
        try:
            self._slots = vault.member_slots(self.vault_path)
        except Exception as error:
            self._slots = []
            self.message.show_error(messages.describe(error))
            self.unlock_button.setEnabled(False)
            self.passphrase.setEnabled(False)
            return
        self.member.blockSignals(True)
        self.member.clear()
        for slot in self._slots:
            self.member.addItem(slot.label, slot.slot_id)
        # A shared laptop: whoever unlocked last is the most likely to unlock next.
        self.member.setCurrentIndex(max(0, self.member.findText(
            last_member(self.vault_path), Qt.MatchFlag.MatchExactly)))
        self.member.blockSignals(False)
        # With a single member there is nobody to choose: hide the picker entirely.
        several = len(self._slots) > 1
        self.member.setVisible(several)
        self.member_label.setVisible(several)
        self._member_changed()

    def selected_member(self) -> str | None:
        """The chosen member's slot id (None when the vault has no member slot)."""
        data = self.member.currentData()
        return str(data) if data else None

    def _member_changed(self) -> None:
        index = self.member.currentIndex()
        if not 0 <= index < len(self._slots):
            return
        slot = self._slots[index]
        if slot.locked_until:
            try:
                until = datetime.fromisoformat(slot.locked_until)
            except ValueError:  # unreadable: let the core decide on the attempt
                until = datetime.min.replace(tzinfo=UTC)
            if until > datetime.now(UTC):
                local = until.astimezone().strftime("%H:%M:%S")
                self.message.show_error(messages.locked_message(AccountLocked(slot.label, local)))
                return
        self.message.clear_message()

    # -- unlocking ----------------------------------------------------------------------------
    def submit(self) -> None:
        """Unlock with the typed passphrase; with an empty field, with this device's
        remembered key where that is allowed (see the module docstring)."""
        if not self.unlock_button.isEnabled():  # Enter still arrives when unlocking is off
            return
        text = self.passphrase.text()
        self.passphrase.clear()
        member = self.selected_member()
        remember = not self.remember.isHidden() and self.remember.isChecked()
        self.set_opening(True)
        try:
            with busy():
                if text:
                    session, private = vault.unlock(
                        self.vault_path, passphrase_text=text, member=member
                    )
                    if remember and not session.remember_on_device(private):
                        self.notice.emit(
                            "The key could not be saved on this device; type your passphrase "
                            "next time."
                        )
                else:
                    session = None
                    if self.allow_device_key:
                        session = vault.unlock_with_device_key(self.vault_path, member)
                    if session is None:
                        self.set_opening(False)
                        self.message.show_message(
                            TYPE_PASSPHRASE if self.allow_device_key else TYPE_AFTER_LOCK,
                            "info",
                        )
                        self.passphrase.setFocus()
                        return
        except WrongPassphrase:
            self.set_opening(False)
            caps = f" {CAPS_LOCK_WARNING[2:]}." if self._caps_on else ""
            self.message.show_error(f"{WRONG_PASSPHRASE}{caps} {self._attempts_left(member)}")
            self.passphrase.setFocus()
            return
        except Exception as error:
            self.set_opening(False)
            self.message.show_error(messages.describe(error))
            self.passphrase.setFocus()
            return
        self.message.clear_message()
        if member is not None:
            remember_last_member(self.vault_path, self.member.currentText())
        self.unlocked.emit(session)

    def set_opening(self, opening: bool) -> None:
        """Show "Opening…" with a busy bar and turn the inputs off (or back on).

        Painted at once: the key derivation and the building of the main window that follow
        keep the event loop busy, and the officer must see that Enter was taken.
        """
        self.opening_label.setVisible(opening)
        self.opening.setVisible(opening)
        for widget in (self.member, self.show_passphrase, self.remember,
                       self.unlock_button, self.recovery_button, self.restore_button):
            widget.setEnabled(not opening)
        # Read-only rather than disabled: the field keeps the focus (the release of the Enter
        # that unlocked still lands there) and nothing more can be typed.
        self.passphrase.setReadOnly(opening)
        # Nothing else to press while opening (a link stays bright even when disabled).
        self.recovery_button.setVisible(not opening)
        self.caps_warning.setVisible(self._caps_on and not opening)
        if opening:
            self.message.clear_message()
            self.repaint()

    def accepts_input(self) -> bool:
        """False while opening: nothing can be typed or pressed."""
        return not self.passphrase.isReadOnly() and self.unlock_button.isEnabled()

    def is_opening(self) -> bool:
        """True from a submitted passphrase until the window is replaced or it failed."""
        return not self.opening.isHidden()

    def _attempts_left(self, member: str | None) -> str:
        """The attempts-left sentence for ``member`` ("" if the count cannot be read)."""
        try:
            self._slots = vault.member_slots(self.vault_path)
        except Exception:  # the wrong passphrase is the news; the count is a bonus
            return ""
        for slot in self._slots:
            if member is None or slot.slot_id == member:
                return attempts_left_message(slot.failed_attempts)
        return ""

    def _show_passphrase(self, shown: bool) -> None:
        self.passphrase.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Guess Caps Lock from the letters typed into the passphrase field."""
        if watched is self.passphrase and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            guess = caps_lock_guess(event)
            if guess is not None:
                self._caps_on = guess
                self.caps_warning.setVisible(guess)
        return super().eventFilter(watched, event)

    def open_recovery(self) -> RecoveryKeyDialog:
        """Open the recovery-key dialog (window-modal, not blocking) and return it."""
        if self._recovery is None:
            dialog = RecoveryKeyDialog(self)
            dialog.submitted.connect(self._try_recovery)
            dialog.finished.connect(self._recovery_closed)
            self._recovery = dialog
        self._recovery.open()
        return self._recovery

    def _recovery_closed(self, _result: int) -> None:
        if self._recovery is not None:
            self._recovery.deleteLater()
            self._recovery = None

    def open_restore(self) -> RestoreDialog:
        """Open the restore dialog (window-modal, not blocking) over this window: the vault
        here is replaced (kept beside, renamed) once the backup is proven to open."""
        if self._restore is None:
            dialog = RestoreDialog(self.vault_path, self)
            dialog.restored.connect(self.restored)
            dialog.finished.connect(self._restore_closed)
            self._restore = dialog
        self._restore.open()
        return self._restore

    def _restore_closed(self, _result: int) -> None:
        self._restore = None

    def _try_recovery(self, text: str) -> None:
        dialog = self._recovery
        if dialog is None:
            return
        try:
            with busy():
                session = vault.unlock_with_recovery(self.vault_path, text)
        except Exception as error:
            dialog.show_error(messages.describe(error, recovery=True))
            return
        dialog.succeed()
        self.set_opening(True)
        self.notice.emit(RECOVERY_NOTICE)
        self.unlocked.emit(session)

    # -- events -------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        """Put the cursor in the passphrase field: keyboard first."""
        super().showEvent(event)
        self.passphrase.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter unlocks (or presses the focused button); Esc clears the field."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused is not self.unlock_button:
                focused.click()
            else:
                self.submit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.passphrase.clear()
            self.message.clear_message()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The user closed the window: the application ends."""
        super().closeEvent(event)
        self.closed.emit()
