"""The recovery key on screen: shown once, confirmed as written down (a ticked box and its last
group re-typed), and issued anew by a team lead when the first was never confirmed or is lost.

* :class:`RecoveryKeyPanel`: the key and the confirm step; the create-vault wizard's last page
  and :class:`NewRecoveryKeyDialog` both use it.
* :class:`NewRecoveryKeyDialog`: after ``Session.reissue_recovery_key`` (the old key already
  stopped working), the new key with the same confirm step; Done records the confirmation in
  the vault (``Session.set_recovery_key_confirmed``). Closed without it, the vault keeps
  saying the key was never confirmed, and a lead can issue another.
* :func:`unconfirmed_warning`: what the app says right after an unlock when the vault records
  a recovery key that was never confirmed (the wizard killed on its page).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.session import Session
from btam_desktop.ui import messages
from btam_desktop.ui.dialog import AppDialog
from btam_desktop.ui.widgets import MessageLabel, line_edit, muted

RECOVERY_CONFIRM_TEXT = "I have written the recovery key down and will keep it somewhere safe"
UNCONFIRMED_TITLE = "The recovery key was never confirmed"
UNCONFIRMED_TEXT = (
    "This vault's recovery key was shown but never confirmed as written down (setting up the "
    "vault was interrupted, or a new key was not confirmed). If every passphrase is forgotten, "
    "nobody may be able to open the vault.")
UNCONFIRMED_LEAD = (
    "Issue a new recovery key now and write it down; the old one stops working.")
UNCONFIRMED_MEMBER = "Tell your team lead: a lead can issue a new recovery key in Settings."
REISSUE_TEXT = "Issue a ne&w recovery key\u2026"


def format_recovery_key(key: str) -> str:
    """Eight groups of six digits on two lines of four, as they should be copied to paper."""
    groups = key.split("-")
    return "   ".join(groups[:4]) + "\n" + "   ".join(groups[4:])


class RecoveryKeyPanel(QWidget):
    """The key in large digits, where to keep it, the "written down" box and the re-typed
    last group; ``changed`` whenever :meth:`is_complete` may have changed."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = ""
        self.key_label = QLabel()
        self.key_label.setObjectName("recoveryKey")
        self.key_label.setTextFormat(Qt.TextFormat.PlainText)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.key_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.key_label.setAccessibleName("Recovery key")
        advice = muted(
            "Write it on paper and keep it locked away from this laptop (not in its bag). "
            "Anyone with this key can open the vault."
        )
        self.confirm = QCheckBox(RECOVERY_CONFIRM_TEXT)
        self.confirm.setAccessibleName(RECOVERY_CONFIRM_TEXT)
        self.last_group = line_edit("Last group of the recovery key")
        self.last_group.setMaxLength(6)
        self.last_group.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self.last_group)
        )
        self.last_group.setPlaceholderText("6 digits")
        self.last_group.setMaximumWidth(160)
        retype_label = QLabel("&Type the last group of six digits (bottom right) from your paper:")
        retype_label.setWordWrap(True)
        retype_label.setBuddy(self.last_group)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.key_label)
        layout.addWidget(advice)
        layout.addSpacing(8)
        layout.addWidget(self.confirm)
        layout.addSpacing(4)
        layout.addWidget(retype_label)
        layout.addWidget(self.last_group)
        self.confirm.toggled.connect(self.changed)
        self.last_group.textChanged.connect(self.changed)
        # Focus starts on the check box, not in the key (a text cursor blinking after the
        # last digit reads like one more digit); the key stays reachable with Tab.
        QWidget.setTabOrder(self.confirm, self.last_group)
        QWidget.setTabOrder(self.last_group, self.key_label)

    def show_key(self, key: str) -> None:
        """Show ``key`` and start the confirm step afresh."""
        self._key = key
        self.key_label.setText(format_recovery_key(key) if key else "")
        self.confirm.setChecked(False)
        self.last_group.clear()

    def forget(self) -> None:
        """Take the key off the screen and out of this widget."""
        self._key = ""
        self.key_label.clear()

    def is_complete(self) -> bool:
        """Confirmed, and the last group re-typed correctly."""
        return (bool(self._key) and self.confirm.isChecked()
                and self.last_group.text().strip() == self._key.rsplit("-", 1)[-1])


class NewRecoveryKeyDialog(AppDialog):
    """A new recovery key, shown once, with the confirm step; Done records the confirmation.

    ``confirmed`` after the vault recorded it. Closing without confirming asks nothing more:
    the old key is gone already, and the vault keeps saying this one was never confirmed.
    Not a :class:`~btam_desktop.ui.case.dialog_base.DialogBase`: its second button closes
    rather than cancels (nothing is undone, the old key stays stopped), and the key's digits
    are not a form.
    """

    confirmed = Signal()

    def __init__(self, session: Session, key: str, parent: QWidget | None = None) -> None:
        super().__init__("New recovery key - BTAM Desktop", parent)
        self._session = session
        self.setMinimumWidth(620)
        intro = QLabel(
            "The old recovery key no longer opens this vault. This new one is shown only now "
            "and cannot be shown again.")
        intro.setWordWrap(True)
        self.panel = RecoveryKeyPanel()
        self.panel.show_key(key)
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close)
        self.done_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.done_button.setText("&Done")
        self.done_button.setObjectName("primary")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 20)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.panel)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.panel.changed.connect(self._update)
        self._update()
        self.panel.confirm.setFocus()  # not in the key: a cursor there reads like a digit

    def _update(self) -> None:
        self.done_button.setEnabled(self.panel.is_complete())

    def accept(self) -> None:
        """Record the confirmation, forget the key, close."""
        if not self.panel.is_complete():
            return
        try:
            self._session.set_recovery_key_confirmed(True)
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self.panel.forget()
        self.confirmed.emit()
        super().accept()

    def reject(self) -> None:
        """Close without confirming: the key leaves the screen; the vault says unconfirmed."""
        self.panel.forget()
        super().reject()


def unconfirmed_warning(session: Session, parent: QWidget,
                        reissue: Callable[[], object] | None) -> QMessageBox | None:
    """A non-blocking warning after unlock when the recovery key was never confirmed (None
    when it was). A team lead gets "Issue a new recovery key…", which calls ``reissue``."""
    if session.recovery_key_confirmed:
        return None
    box = QMessageBox(QMessageBox.Icon.Warning, f"{UNCONFIRMED_TITLE} - BTAM Desktop",
                      UNCONFIRMED_TEXT, QMessageBox.StandardButton.NoButton, parent)
    lead = session.role == "lead" and reissue is not None
    box.setInformativeText(UNCONFIRMED_LEAD if lead else UNCONFIRMED_MEMBER)
    if lead and reissue is not None:
        button = box.addButton(REISSUE_TEXT, QMessageBox.ButtonRole.AcceptRole)
        button.clicked.connect(reissue)
    later = box.addButton("&Later" if lead else "OK", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(later)
    box.setEscapeButton(later)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # Not modal (nothing is blocked), but it takes the keyboard: it is read before the work
    # starts, and Enter or Esc ("Later") puts it away.
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
    box.activateWindow()
    return box
