"""The create-vault wizard: agency, first member (a team lead), passphrase, recovery key.

The vault is created by :func:`btam_desktop.core.vault.create_vault` when the passphrase page
is committed ("Create vault"); it is the only thing that writes a file. The recovery key that
call returns is shown once, on the last page, and the wizard cannot be finished or closed
until the officer confirms having written it down and re-types its last group. The vault
records at once that the key is not confirmed yet and, on Finish, that it is: a wizard killed
in between leaves a vault whose next unlock says so (:mod:`btam_desktop.ui.recovery_key`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from btam_desktop.core import vault
from btam_desktop.core.errors import WeakPassphrase
from btam_desktop.core.session import Session
from btam_desktop.ui import messages
from btam_desktop.ui.icons import app_icon
from btam_desktop.ui.passphrase_input import PassphraseFields, refused
from btam_desktop.ui.recovery_key import RecoveryKeyPanel
from btam_desktop.ui.restore import RestoreDialog
from btam_desktop.ui.widgets import (
    MessageLabel,
    busy,
    field_label,
    heading,
    line_edit,
    muted,
)

_log = logging.getLogger(__name__)

def _page_layout(page: QWizardPage, title: str, explanation: str) -> QVBoxLayout:
    """A page's layout starting with a large title and its explanation.

    Drawn by the page rather than by QWizard's header, whose title is small and whose layout
    differs between wizard styles; the title is kept as the page's accessible name.
    """
    page.setAccessibleName(title)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(8, 4, 8, 4)
    layout.setSpacing(10)
    layout.addWidget(heading(title, object_name="pageTitle"))
    layout.addWidget(muted(explanation))
    layout.addSpacing(8)
    return layout


class AgencyPage(QWizardPage):
    """Page 1: the agency the vault belongs to (printed on every PDF later)."""

    def __init__(self, vault_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = _page_layout(
            self,
            "Create a vault",
            "BTAM Desktop keeps your team's case files in one encrypted file on this laptop. "
            "Nothing is sent anywhere.",
        )
        self.agency = line_edit("Agency name")
        self.agency.setPlaceholderText("e.g. Lakeside Police Department")
        self.agency.setMaxLength(200)
        agency_label = field_label("&Agency name", self.agency)
        where = muted(f"The vault will be saved as:\n{vault_path}")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setAccessibleName("Vault location")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(agency_label, self.agency)
        layout.addLayout(form)
        layout.addSpacing(12)
        layout.addWidget(where)
        layout.addStretch(1)
        # A replaced or repaired laptop starts here too: its vault comes back from a backup
        # instead of being created.
        layout.addWidget(muted("Setting up a laptop whose vault was backed up?"))
        self.restore_button = QPushButton("&Restore from a backup instead\u2026")
        self.restore_button.setObjectName("link")
        self.restore_button.setAccessibleName("Restore from a backup instead")
        self.restore_button.setCursor(Qt.CursorShape.PointingHandCursor)
        layout.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.registerField("agency*", self.agency)
        self.agency.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        """An agency name that is not only spaces."""
        return bool(self.agency.text().strip())


class MemberPage(QWizardPage):
    """Page 2: the first member, who is the vault's lead (on an officer's own laptop too)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = _page_layout(
            self,
            "First member",
            "You will be the lead of this vault: you add the others who may unlock it on "
            "this laptop. On an officer's own laptop that joins a team later (Sync), what "
            "the laptop may do for the team is set by the team lead.",
        )
        self.name = line_edit("Your name")
        self.name.setPlaceholderText("First and last name")
        self.name.setMaxLength(120)
        self.badge = line_edit("Badge or ID number")
        self.badge.setPlaceholderText("Optional")
        self.badge.setMaxLength(40)
        # "Team lead" read as the team's lead on an officer's own laptop (the first member
        # of every vault is its lead; in a team the roster decides, see core.sync.team).
        role = QLabel("Lead of this vault")
        role.setAccessibleName("Role: lead of this vault")

        name_label = field_label("Your na&me", self.name)
        badge_label = field_label("Ba&dge / ID", self.badge)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(name_label, self.name)
        form.addRow(badge_label, self.badge)
        form.addRow(QLabel("Role"), role)
        layout.addLayout(form)
        layout.addStretch(1)
        self.registerField("memberName*", self.name)
        self.registerField("badge", self.badge)

    def isComplete(self) -> bool:
        """A name that is not only spaces."""
        return bool(self.name.text().strip())


class PassphrasePage(QWizardPage):
    """Page 3: the passphrase, with the rules ticked off live; committing creates the vault."""

    def __init__(self, wizard: CreateVaultWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        layout = _page_layout(
            self,
            "Choose a passphrase",
            "You will type it every time you unlock. A few unrelated words are easy to "
            "remember and hard to guess.",
        )
        self.fields = PassphraseFields(new_label="&Passphrase", confirm_label="&Confirm")
        self.passphrase = self.fields.passphrase
        self.confirm = self.fields.confirm
        self.rules = self.fields.rules
        self.message = MessageLabel()
        layout.addWidget(self.fields)
        layout.addStretch(1)
        layout.addWidget(self.message)

        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Create &vault")
        self.fields.changed.connect(self._changed)

    def member_name(self) -> str:
        """The name typed on the previous page (the passphrase must not contain it)."""
        return str(self.field("memberName") or "").strip()

    def initializePage(self) -> None:
        """Re-check: the name may have changed since the passphrase was typed."""
        self.fields.set_member_name(self.member_name())

    def _changed(self) -> None:
        self.message.clear_message()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Every rule met and the confirmation matches."""
        return self.fields.is_valid()

    def validatePage(self) -> bool:
        """Create the vault; stay on this page with a message if that fails."""
        try:
            with busy():
                self._wizard.create_vault(self.fields.value())
        except WeakPassphrase as error:
            self.message.show_error(refused(error))
            return False
        except Exception as error:  # shown in plain words; logged by describe() if unexpected
            self.message.show_error(messages.describe(error))
            return False
        # The passphrase is not needed any more; do not leave it sitting in the widgets.
        self.fields.clear()
        return True


class RecoveryPage(QWizardPage):
    """Page 4: the recovery key, shown once; confirmation and a re-typed last group."""

    def __init__(self, wizard: CreateVaultWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        layout = _page_layout(
            self,
            "Write down your recovery key",
            "If every passphrase is forgotten, this key is the only way into the vault. "
            "It is shown only now and cannot be shown again.",
        )
        self.panel = RecoveryKeyPanel()
        self.key_label = self.panel.key_label
        self.confirm = self.panel.confirm
        self.last_group = self.panel.last_group
        self.message = MessageLabel()
        layout.addWidget(self.panel)
        layout.addStretch(1)
        layout.addWidget(self.message)
        self.panel.changed.connect(self.completeChanged)

    def initializePage(self) -> None:
        """Show the key the wizard just received; from here there is no way back or out."""
        self.panel.show_key(self._wizard.recovery_key)
        self._wizard.setOption(QWizard.WizardOption.NoCancelButton, True)
        # QWizard focuses the page's first focusable widget, the key itself, after this: a
        # cursor blinking after the last digit reads like one more digit. Start on the box.
        QTimer.singleShot(0, self._focus_confirm)

    def _focus_confirm(self) -> None:
        if self.isVisible():
            self.panel.confirm.setFocus(Qt.FocusReason.OtherFocusReason)

    def isComplete(self) -> bool:
        """Confirmed, and the last group re-typed correctly."""
        return self.panel.is_complete()

    def validatePage(self) -> bool:
        """Finish only when complete (a second line of defence behind the Finish button)."""
        return self.isComplete()


class CreateVaultWizard(QWizard):
    """Creates a vault at ``vault_path``; ``created`` carries the open Session on Finish.

    Opened with ``show()``/``open()``, never ``exec()``, so tests drive it without blocking.
    """

    created = Signal(object)  # Session
    restored = Signal(str)  # a backup was restored instead: what to tell on the unlock window

    def __init__(self, vault_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault_path = Path(vault_path)
        self._session: Session | None = None
        self._recovery_key = ""
        self.setWindowTitle("Create a vault - BTAM Desktop")
        self.setWindowIcon(app_icon())
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        # The last page follows the commit ("Create vault"): there is nothing to go back to.
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setMinimumSize(720, 560)
        self.agency_page = AgencyPage(self.vault_path)
        self.member_page = MemberPage()
        self.passphrase_page = PassphrasePage(self)
        self.recovery_page = RecoveryPage(self)
        for page in (self.agency_page, self.member_page, self.passphrase_page,
                     self.recovery_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish")
        self.agency_page.restore_button.clicked.connect(self.open_restore)

    def open_restore(self) -> RestoreDialog:
        """Restore a backup to the vault's place instead of creating a vault (window-modal
        over the wizard; ``restored`` once it is in place)."""
        dialog = RestoreDialog(self.vault_path, self)
        dialog.restored.connect(self.restored)
        dialog.open()
        return dialog

    @property
    def session(self) -> Session | None:
        """The open session once the vault exists (until it is handed over by ``created``)."""
        return self._session

    @property
    def recovery_key(self) -> str:
        """The recovery key, once the vault exists (only to show it on the last page)."""
        return self._recovery_key

    def create_vault(self, new_passphrase: str) -> None:
        """Create the vault with what the pages hold (called when the passphrase is committed)."""
        if self._session is not None:
            return
        session, key = vault.create_vault(
            self.vault_path,
            member_name=str(self.field("memberName")).strip(),
            new_passphrase=new_passphrase,
            role="lead",
            badge=str(self.field("badge") or "").strip(),
            agency=str(self.field("agency")).strip(),
        )
        self._session, self._recovery_key = session, key
        # Recorded at once: if the wizard goes no further (killed, the laptop dies), the next
        # unlock says the key was never confirmed and a lead can issue a new one.
        session.set_recovery_key_confirmed(False)
        _log.info("vault created at %s", self.vault_path)

    def reject(self) -> None:
        """Cancel (Esc, Cancel, closing the window), except once the vault exists.

        By then the recovery key has been shown once and will never be shown again; leaving
        before it is written down would lose it, so the wizard insists.
        """
        if self._session is not None:
            self.recovery_page.message.show_error(
                "The vault has been created. Write the recovery key down, tick the box and "
                "type its last group to finish."
            )
            return
        super().reject()

    def accept(self) -> None:
        """Finish: hand the session over and forget the recovery key."""
        session = self._session
        if session is None or not self.recovery_page.isComplete():
            return
        try:
            session.set_recovery_key_confirmed(True)
        except Exception as error:  # said on the page; the wizard stays open
            self.recovery_page.message.show_error(messages.describe(error))
            return
        self._session = None
        self._recovery_key = ""
        self.recovery_page.panel.forget()
        super().accept()
        self.created.emit(session)

    def take_session(self) -> Session | None:
        """Take the session out without finishing (the application is shutting down)."""
        session, self._session = self._session, None
        return session
