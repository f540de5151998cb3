"""Settings: this laptop's theme, the vault's settings, blank fillable forms of the form pack,
remembering the key on this device, my passphrase, and for team leads the members, backups,
integrity checks and demo data.

What applies where. The theme belongs to the laptop (kept in the user's Qt settings, read by
``app.py`` at start-up); agency, sensitivity banner and idle lock belong to the vault (every
member sees them; only team leads change them). A new idle lock delay reaches the running
idle timer at once: the controller listens for the "setting.change" operation.

Long operations (backup, integrity check, demo data) run through :mod:`btam_desktop.ui.tasks`.
Key derivations (a new or changed passphrase: a few tenths of a second) run in place with a
wait cursor, as in the create-vault wizard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core import keyring_store
from btam_desktop.core.backup import BackupCancelled
from btam_desktop.core.errors import WeakPassphrase, WrongPassphrase
from btam_desktop.core.model import ROLES, Member
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import IDLE_MAX_MINUTES, Session
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case.dialog_base import DialogBase
from btam_desktop.ui.labels import BACKUP_STALE_DAYS, backup_age, role_label
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.passphrase_input import PassphraseFields, refused
from btam_desktop.ui.recovery_key import REISSUE_TEXT, NewRecoveryKeyDialog
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.theme import THEME_KEY, ThemeManager, ThemeMode

if TYPE_CHECKING:
    from btam_desktop.ui.pdf.forms import BlankFormDialog
from btam_desktop.ui.widgets import (
    MessageLabel,
    busy,
    field_label,
    follow_focus,
    line_edit,
    muted,
)

THEME_CHOICES = (
    (ThemeMode.SYSTEM, "Follow the system"),
    (ThemeMode.LIGHT, "Light"),
    (ThemeMode.DARK, "Night (dark)"),
)
DEFAULT_BANNER = "CONFIDENTIAL \u2014 law enforcement sensitive"
DEMO_DEFAULT_CASES = 300
DEMO_MAX_CASES = 100_000
BACKUP_SUFFIX = ".btambak"


def save_theme_mode(mode: ThemeMode) -> None:
    """Remember the theme on this laptop."""
    settings = QSettings()
    settings.setValue(THEME_KEY, mode.value)
    settings.sync()


class _Dialog(DialogBase):
    """A small dialog: form, inline message, OK/Cancel; ``accept`` is overridden to act.
    The scaffold (and Ctrl+Enter) is the app's one dialog base."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(f"{title} - BTAM Desktop", parent, ok_text=ok_text)
        self.setMinimumWidth(520)
        self.layout_.setContentsMargins(20, 20, 20, 20)
        self.layout_.setSpacing(10)
        self.ok = self.ok_button

    def finish_layout(self) -> None:
        """Add the message and the buttons under what the subclass added."""
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)


class AddMemberDialog(_Dialog):
    """A new member: name, badge, role, first passphrase (they change it themselves later)."""

    added = Signal(object)  # Member

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Add a team member", "&Add member", parent)
        self._session = session
        self.name = line_edit("Name")
        self.name.setMaxLength(120)
        self.badge = line_edit("Badge or ID number")
        self.badge.setPlaceholderText("Optional")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role in ("officer", "analyst", "lead"):
            if role in ROLES:
                self.role.addItem(role_label(role), role)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(field_label("&Name", self.name), self.name)
        form.addRow(field_label("&Badge / ID", self.badge), self.badge)
        form.addRow(field_label("&Role", self.role), self.role)
        self.fields = PassphraseFields()
        self.layout_.addWidget(muted(
            "Choose a first passphrase and tell it to the new member in person; they can "
            "change it under Settings once they have unlocked."))
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.fields)
        self.finish_layout()
        self.name.textChanged.connect(self._update)
        self.fields.changed.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.fields.member_name = self.name.text().strip()
        self.ok.setEnabled(bool(self.name.text().strip()) and self.fields.is_valid())

    def accept(self) -> None:
        """Add the member; stay open with a message on a problem."""
        try:
            with busy():
                member = self._session.add_member(
                    self.name.text(), str(self.role.currentData()), self.fields.value(),
                    badge=self.badge.text())
        except WeakPassphrase as error:
            self.message.show_error(refused(error))
            return
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self.fields.clear()
        self.added.emit(member)
        super().accept()


class SetPassphraseDialog(_Dialog):
    """A team lead gives a member a new passphrase (they forgot theirs)."""

    passphrase_set = Signal(str)  # member name

    def __init__(self, session: Session, member: Member, parent: QWidget | None = None
                 ) -> None:
        super().__init__(f"New passphrase for {member.name}", "&Set passphrase", parent)
        self._session = session
        self._member = member
        self.fields = PassphraseFields(member.name)
        self.layout_.addWidget(muted(
            f"{member.name} will unlock with this passphrase from now on; the old one stops "
            "working, and a key remembered on a device is forgotten."))
        self.layout_.addWidget(self.fields)
        self.finish_layout()
        self.fields.changed.connect(lambda: self.ok.setEnabled(self.fields.is_valid()))
        self.ok.setEnabled(False)

    def accept(self) -> None:
        """Set it; stay open with a message on a problem."""
        try:
            with busy():
                self._session.set_passphrase(self._member.id, self.fields.value())
        except WeakPassphrase as error:
            self.message.show_error(refused(error))
            return
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self.fields.clear()
        self.passphrase_set.emit(self._member.name)
        super().accept()


class ConfirmPassphraseDialog(_Dialog):
    """Asks for my current passphrase (to remember the key on this device)."""

    confirmed = Signal(object)  # the slot key (bytes)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Remember on this device", "&Remember", parent)
        self._session = session
        self.passphrase = line_edit("Your passphrase", secret=True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(field_label("Your &passphrase", self.passphrase), self.passphrase)
        self.layout_.addWidget(muted(
            "Only for a laptop that is yours alone. The key is kept in this computer's "
            "protected keyring; after the app starts, pressing Enter on an empty passphrase "
            "unlocks. After a lock (by hand or when idle) the passphrase is always needed."))
        self.layout_.addLayout(form)
        self.finish_layout()

    def accept(self) -> None:
        """Check the passphrase (a wrong one counts as a failed unlock) and hand the key on."""
        text = self.passphrase.text()
        self.passphrase.clear()
        try:
            private = verify_passphrase(self._session, text)
        except Exception as error:
            self.message.show_error(messages.describe(error))
            self.passphrase.setFocus()
            return
        self.confirmed.emit(private)
        super().accept()


def verify_passphrase(session: Session, text: str) -> bytes:
    """Check ``text`` against the signed-in member's key slot; returns the slot key.

    A wrong passphrase is a failed attempt and counts towards the lockout; an empty field is
    not an attempt.
    """
    if not text:
        raise WrongPassphrase()
    with busy():
        return session.verify_passphrase(text)


class DemoDataDialog(_Dialog):
    """Training only: how many fictional cases and which seed, with an explicit warning."""

    chosen = Signal(int, int)  # cases, seed

    def __init__(self, existing_cases: int, parent: QWidget | None = None) -> None:
        super().__init__("Generate demo data (training)", "&Generate", parent)
        self.cases = QSpinBox()
        self.cases.setAccessibleName("Number of demo cases")
        self.cases.setRange(1, DEMO_MAX_CASES)
        self.cases.setValue(DEMO_DEFAULT_CASES)
        self.cases.setSingleStep(100)
        self.cases.setGroupSeparatorShown(True)
        self.seed = QSpinBox()
        self.seed.setAccessibleName("Seed")
        self.seed.setRange(0, 999_999)
        self.seed.setToolTip("The same seed and number give the same fictional cases.")
        form = QFormLayout()
        form.addRow(field_label("&Cases", self.cases), self.cases)
        form.addRow(field_label("&Seed", self.seed), self.seed)
        warning = QLabel(
            "TRAINING ONLY. This adds invented case files, people and partners to THIS vault, "
            "and they stay there: use a training vault, never the team's real one.")
        warning.setObjectName("message")
        warning.setProperty("kind", "error")
        warning.setWordWrap(True)
        self.layout_.addWidget(warning)
        if existing_cases:
            self.layout_.addWidget(muted(
                f"This vault already holds {existing_cases:,} case files."))
        self.layout_.addLayout(form)
        self.understood = QCheckBox("I understand: the fictional cases are added to this vault")
        self.layout_.addWidget(self.understood)
        self.finish_layout()
        self.understood.toggled.connect(self.ok.setEnabled)
        self.ok.setEnabled(False)

    def accept(self) -> None:
        """Hand the choice on; the page runs the generator in the background."""
        if not self.understood.isChecked():
            return
        self.chosen.emit(self.cases.value(), self.seed.value())
        super().accept()


def _card(title: str, intro: str = "") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(18, 12, 18, 14)
    layout.setSpacing(8)
    heading = QLabel(title)
    heading.setAccessibleName(title)
    font = heading.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    heading.setFont(font)
    layout.addWidget(heading)
    if intro:
        layout.addWidget(muted(intro))
    return frame, layout


def _row(*buttons: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row



def _concerns_settings(summary: ChangeSummary) -> bool:
    """Settings and members are what the page shows."""
    return summary.action in ("setting.change", "member.add", "member.remove",
                              "member.passphrase") or "members" in summary.touched

class SettingsPage(Page):
    """All settings in one scrolling column; see the module docstring."""

    theme_mode_changed = Signal(str)

    def __init__(self, session: Session, events: SessionEvents, *,
                 theme: ThemeManager | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        self._session = session
        self._theme = theme
        self.confirm_box: QMessageBox | None = None
        self.dialog: QDialog | None = None
        self.last_job: tasks.BackgroundJob | None = None
        self.is_lead = session.role == "lead"
        column = QVBoxLayout()
        column.setSpacing(14)
        column.addWidget(self._appearance())
        column.addWidget(self._vault_settings())
        column.addWidget(self._forms())
        if keyring_store.available() and session.member is not None:
            column.addWidget(self._device())
        if session.member is not None:
            column.addWidget(self._my_passphrase())
        if self.is_lead:
            column.addWidget(self._members())
            column.addWidget(self._recovery_key())
            column.addWidget(self._maintenance())
            column.addWidget(self._training())
        column.addStretch(1)
        content = QWidget()
        content.setLayout(column)
        content.setMaximumWidth(820)
        holder = QWidget()
        holder_layout = QHBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 8, 0)
        holder_layout.addWidget(content, 1)
        holder_layout.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        self.scroll_area = follow_focus(scroll)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.addWidget(scroll, 1)
        self.watch(events, _concerns_settings)  # read when shown, after changes (Page.watch)

    # -- sections ---------------------------------------------------------------------------
    def _appearance(self) -> QFrame:
        frame, layout = _card("Appearance on this laptop",
                              "Night is easier on the eyes in a dark car.")
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        for mode, label in THEME_CHOICES:
            self.theme_combo.addItem(label, mode.value)
        mode = self._theme.mode if self._theme is not None else ThemeMode.SYSTEM
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(mode.value)))
        self.theme_combo.setEnabled(self._theme is not None)
        form = QFormLayout()
        form.addRow(field_label("&Theme", self.theme_combo), self.theme_combo)
        layout.addLayout(form)
        self.theme_combo.currentIndexChanged.connect(self._theme_chosen)
        return frame

    def _idle_suffix(self, value: int) -> None:
        """"1 minute", "15 minutes"."""
        self.idle_minutes.setSuffix(" minute" if value == 1 else " minutes")

    def _vault_settings(self) -> QFrame:
        intro = ("Shared by everyone who uses this vault." if self.is_lead else
                 "Shared by everyone who uses this vault; only a team lead can change them.")
        frame, layout = _card("Vault settings", intro)
        self.agency = line_edit("Agency name")
        self.agency.setMaxLength(200)
        self.banner = line_edit("Sensitivity banner")
        self.banner.setMaxLength(200)
        self.banner.setToolTip("Printed on every PDF and shown on screen as a reminder.")
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setAccessibleName("Lock after minutes without activity")
        self.idle_minutes.setRange(1, IDLE_MAX_MINUTES)
        self.idle_minutes.valueChanged.connect(self._idle_suffix)
        self._idle_suffix(self.idle_minutes.value())
        self.idle_minutes.setToolTip(
            f"Between 1 and {IDLE_MAX_MINUTES} minutes (CJIS: at most 30).")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(field_label("&Agency name", self.agency), self.agency)
        form.addRow(field_label("Sensitivit&y banner", self.banner), self.banner)
        # Big - and + buttons next to the spin box's tiny arrows (gloves, a moving car).
        self.idle_minutes.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_minutes.setMinimumWidth(140)
        self.idle_less = QPushButton("\u2212")
        self.idle_less.setAccessibleName("One minute less")
        self.idle_more = QPushButton("+")
        self.idle_more.setAccessibleName("One minute more")
        for button in (self.idle_less, self.idle_more):
            button.setMinimumWidth(48)  # at least; the theme's padding may need more
            button.setVisible(self.is_lead)
        self.idle_less.clicked.connect(self.idle_minutes.stepDown)
        self.idle_more.clicked.connect(self.idle_minutes.stepUp)
        idle_row = QHBoxLayout()
        idle_row.setSpacing(6)
        idle_row.addWidget(self.idle_less)
        idle_row.addWidget(self.idle_minutes)
        idle_row.addWidget(self.idle_more)
        idle_row.addWidget(muted("without activity"))
        idle_row.addStretch(1)
        form.addRow(field_label("&Lock after", self.idle_minutes), idle_row)
        layout.addLayout(form)
        self.save_settings_button = QPushButton("&Save vault settings")
        self.save_settings_button.setObjectName("primary")
        self.settings_message = MessageLabel()
        layout.addWidget(self.settings_message)
        layout.addLayout(_row(self.save_settings_button))
        for widget in (self.agency, self.banner):
            widget.setReadOnly(not self.is_lead)
        self.idle_minutes.setReadOnly(not self.is_lead)
        self.save_settings_button.setVisible(self.is_lead)
        self.save_settings_button.clicked.connect(self.save_vault_settings)
        return frame

    def _device(self) -> QFrame:
        frame, layout = _card("Remember on this device")
        self.device_status = QLabel()
        self.device_status.setWordWrap(True)
        self.device_status.setAccessibleName("Remembered on this device")
        self.remember_button = QPushButton("&Remember on this device\u2026")
        self.forget_button = QPushButton("F&orget on this device")
        self.device_message = MessageLabel()
        layout.addWidget(self.device_status)
        layout.addWidget(self.device_message)
        layout.addLayout(_row(self.remember_button, self.forget_button))
        self.remember_button.clicked.connect(self.ask_remember)
        self.forget_button.clicked.connect(self.forget_device)
        return frame

    def _my_passphrase(self) -> QFrame:
        frame, layout = _card("My passphrase",
                              "Type the current one first; the new one must follow the rules "
                              "below.")
        member = self._session.member
        self.current_passphrase = line_edit("Current passphrase", secret=True)
        self.new_passphrase = PassphraseFields(member.name if member else "")
        self.new_passphrase.form.insertRow(
            0, field_label("C&urrent passphrase", self.current_passphrase),
            self.current_passphrase)
        self.change_button = QPushButton("&Change passphrase")
        self.change_button.setObjectName("primary")
        self.passphrase_message = MessageLabel()
        # After a change, an old copy of the key file still opens the vault with the old
        # passphrase until the vault is re-encrypted under a new key (team leads only).
        self.rekey_button = QPushButton("Re-&encrypt now (recommended)")
        self.rekey_button.setToolTip(
            "Re-encrypt the vault under a new key, so an old copy of the key file with the old "
            "passphrase no longer opens it.")
        self.rekey_button.hide()
        layout.addWidget(self.new_passphrase)
        layout.addWidget(self.passphrase_message)
        layout.addLayout(_row(self.change_button, self.rekey_button))
        self.change_button.clicked.connect(self.change_passphrase)
        self.rekey_button.clicked.connect(self.rekey_after_passphrase_change)
        self.new_passphrase.changed.connect(self._update_change_button)
        self.current_passphrase.textChanged.connect(self._update_change_button)
        self._update_change_button()
        return frame

    def _members(self) -> QFrame:
        frame, layout = _card("Team members",
                              "Everyone who can unlock this vault on this laptop, each with "
                              "their own passphrase.")
        self.members = QListWidget()
        self.members.setAccessibleName("Team members")
        self.members.setMinimumHeight(140)
        self.add_member_button = QPushButton("A&dd member\u2026")
        self.reset_button = QPushButton("Set &passphrase\u2026")
        self.reset_button.setToolTip("Give the selected member a new passphrase.")
        self.remove_button = QPushButton("Re&move\u2026")
        self.members_message = MessageLabel()
        layout.addWidget(self.members)
        layout.addWidget(self.members_message)
        layout.addLayout(_row(self.add_member_button, self.reset_button, self.remove_button))
        self.add_member_button.clicked.connect(self.add_member)
        self.reset_button.clicked.connect(self.reset_passphrase)
        self.remove_button.clicked.connect(self.remove_member)
        self.members.currentRowChanged.connect(lambda _row: self._update_member_buttons())
        return frame

    def _recovery_key(self) -> QFrame:
        frame, layout = _card(
            "Recovery key",
            "The key on paper that opens the vault if every passphrase is forgotten. A new one "
            "replaces it: the old key stops working at once.")
        self.recovery_status = QLabel()
        self.recovery_status.setWordWrap(True)
        self.recovery_status.setAccessibleName("Recovery key")
        self.reissue_button = QPushButton(REISSUE_TEXT)
        self.reissue_button.setAccessibleName("Issue a new recovery key")
        self.recovery_message = MessageLabel()
        layout.addWidget(self.recovery_status)
        layout.addWidget(self.recovery_message)
        layout.addLayout(_row(self.reissue_button))
        self.reissue_button.clicked.connect(self.ask_reissue_recovery_key)
        return frame

    def _update_recovery_status(self) -> None:
        if self._session.recovery_key_confirmed:
            self.recovery_status.setText("The recovery key was confirmed as written down.")
        else:
            self.recovery_status.setText(
                "\u26a0  The recovery key was never confirmed as written down. Issue a new "
                "one and write it down.")

    def ask_reissue_recovery_key(self) -> QMessageBox:
        """Ask first: the recovery key on paper stops working."""
        self.recovery_message.clear_message()
        return self._confirm(
            "Issue a new recovery key?",
            "The recovery key written down until now stops working at once. The new key is "
            "shown only once: have paper ready.", "Issue new key", self._reissue_confirmed)

    def _reissue_confirmed(self) -> None:
        self.reissue_recovery_key()

    def reissue_recovery_key(self) -> NewRecoveryKeyDialog | None:
        """Replace the recovery key and show the new one with its confirm step."""
        try:
            with busy():
                key = self._session.reissue_recovery_key()
        except Exception as error:
            self.recovery_message.show_error(messages.describe(error))
            return None
        dialog = NewRecoveryKeyDialog(self._session, key, self.window())
        del key  # shown by the dialog only
        dialog.finished.connect(lambda _result: self._recovery_dialog_closed())
        self._update_recovery_status()
        self._open(dialog)
        return dialog

    def _recovery_dialog_closed(self) -> None:
        self._update_recovery_status()
        # The outcome is said in the card: bring it into view (the page follows the focus).
        self.reissue_button.setFocus(Qt.FocusReason.OtherFocusReason)
        if self._session.recovery_key_confirmed:
            self.recovery_message.show_message(
                "New recovery key confirmed; the old one no longer opens the vault.", "ok")
        else:
            self.recovery_message.show_error(
                "The new recovery key was not confirmed as written down. The old one no "
                "longer works: issue another and write it down.")

    def _forms(self) -> QFrame:
        frame, layout = _card(
            "Forms on paper",
            "A blank fillable PDF of any form in the pack, for a partner to fill in with any "
            "PDF reader (it holds no case data). The filled copy comes back as a draft with "
            "\u201cImport filled PDF\u2026\u201d on the case's Forms tab.")
        self.blank_button = QPushButton("Blan&k fillable form\u2026")
        self.blank_button.setAccessibleName("Blank fillable form")
        self.forms_message = MessageLabel()
        layout.addWidget(self.forms_message)
        layout.addLayout(_row(self.blank_button))
        self.blank_button.clicked.connect(self.blank_form)
        if self.is_lead:  # import or export an XLSForm (issue 11): ui/forms_import.py
            self.forms_import_button = QPushButton("Import or export forms\u2026")
            self.forms_import_button.clicked.connect(self.import_forms)
            layout.addLayout(_row(self.forms_import_button))
        return frame

    def import_forms(self) -> QDialog:
        """Import a form file (with a preview) or export a form to XLSForm."""
        from btam_desktop.ui.forms_import import FormsImportDialog

        self.forms_message.clear_message()
        dialog = FormsImportDialog(self._session, self)
        dialog.applied.connect(lambda form: self.forms_message.show_message(
            f"Imported {form.title} ({form.id}, version {form.version}).", "ok"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def blank_form(self) -> BlankFormDialog:
        # Imported here: the PDF engine costs ~0.3 s to load and the unlock screen preloads
        # this page while the officer types.
        from btam_desktop.ui.pdf.forms import blank_form_dialog

        """Choose a form and where to save its blank fillable PDF."""
        self.forms_message.clear_message()
        dialog = blank_form_dialog(self, self._session, self.forms_message.show_message)
        self.dialog = dialog
        return dialog

    def _maintenance(self) -> QFrame:
        frame, layout = _card(
            "Backups and integrity",
            "A backup is encrypted like the vault and opens with the passphrases valid when it "
            "was made, or the recovery key. Keep it off this laptop (a USB stick in the "
            "station's safe).")
        self.backup_button = QPushButton("&Back up vault\u2026")
        self.check_button = QPushButton("Check &integrity")
        self.check_button.setToolTip("Check the encrypted pages, the database structure, the "
                                     "audit chain and the key slots.")
        self.maintenance_message = MessageLabel()
        # When the last one was made: a team without IT staff has no one else to notice.
        self.last_backup = MessageLabel()
        self.last_backup.setAccessibleName("Last backup")
        layout.addWidget(self.last_backup)
        layout.addWidget(self.maintenance_message)
        layout.addLayout(_row(self.backup_button, self.check_button))
        self.backup_button.clicked.connect(self.choose_backup)
        self.check_button.clicked.connect(self.check_integrity)
        return frame

    def _training(self) -> QFrame:
        frame, layout = _card(
            "Training",
            "Fill a training vault with invented case files to practise on or to demonstrate "
            "the app. Never on the team's real vault.")
        self.demo_button = QPushButton("G&enerate demo data (training)\u2026")
        self.demo_message = MessageLabel()
        layout.addWidget(self.demo_message)
        layout.addLayout(_row(self.demo_button))
        self.demo_button.clicked.connect(self.ask_demo)
        return frame

    # -- refreshing -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read vault settings, members and the keyring state."""
        if tasks.is_busy():
            self.stale = True
            return
        session = self._session
        try:
            self.agency.setText(session.setting("agency"))
            self.banner.setText(session.setting("sensitivity_banner", DEFAULT_BANNER))
            self.idle_minutes.setValue(session.idle_minutes)
            if self.is_lead:
                self._fill_members()
                self._update_recovery_status()
                self._update_last_backup()
        except Exception as error:
            self.settings_message.show_error(messages.describe(error))
            return
        self.stale = False
        self._update_device()

    def _update_last_backup(self) -> None:
        """"Last backup: … (12 days ago), by …"; said as a problem after a week, or never."""
        age = backup_age(self._session)
        if age is None:
            text, stale = ("No backup has been made on this laptop yet: back up the vault to a "
                           "USB stick kept away from it."), True
        else:
            shown, days, member = age
            ago = ("today" if days <= 0 else "yesterday" if days == 1
                   else f"{days} days ago")
            text = f"Last backup: {shown} ({ago}), by {member}."
            stale = days > BACKUP_STALE_DAYS
            if stale:
                text += " Back up again: a week's work is at stake."
        self.last_backup.show_message(text, "error" if stale else "info")

    def _fill_members(self) -> None:
        current = self.selected_member()
        self.members.clear()
        from btam_desktop.core.sync import team  # the sync code loads with the Sync page

        shown = team.member_roles(self._session)  # "lead" from another laptop: roster decides
        for member in self._session.members():
            text = f"{member.name} \u2014 {role_label(shown.get(member.id, member.role))}"
            if member.badge:
                text += f", badge {member.badge}"
            if member.id == self._session.member_id:
                text += " (you)"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, member)
            self.members.addItem(item)
            if current is not None and member.id == current.id:
                self.members.setCurrentItem(item)
        self._update_member_buttons()

    def selected_member(self) -> Member | None:
        """The member selected in the list."""
        if not hasattr(self, "members"):
            return None
        item = self.members.currentItem()
        member = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return member if isinstance(member, Member) else None

    def _update_member_buttons(self) -> None:
        member = self.selected_member()
        self.reset_button.setEnabled(member is not None)
        self.remove_button.setEnabled(member is not None and member.id
                                      != self._session.member_id)

    def _update_device(self) -> None:
        if not hasattr(self, "device_status"):
            return
        session = self._session
        remembered = keyring_store.recall(session.vault_id, session.slot_id) is not None
        if remembered:
            self.device_status.setText(
                "This laptop remembers your key. After the app starts, Enter on an empty "
                "passphrase unlocks; after a lock your passphrase is always needed.")
        else:
            self.device_status.setText("This laptop does not remember your key: you type "
                                       "your passphrase at every unlock.")
        self.forget_button.setEnabled(remembered)

    def _update_change_button(self) -> None:
        self.change_button.setEnabled(bool(self.current_passphrase.text())
                                      and self.new_passphrase.is_valid())

    # -- appearance and vault settings --------------------------------------------------------
    def _theme_chosen(self) -> None:
        mode = ThemeMode(str(self.theme_combo.currentData()))
        if self._theme is None:
            return
        self._theme.set_mode(mode)
        save_theme_mode(mode)
        self.theme_mode_changed.emit(mode.value)

    def save_vault_settings(self) -> None:
        """Store agency, banner and idle minutes (team leads); the idle lock applies at once."""
        session = self._session
        wanted = {
            "agency": self.agency.text().strip(),
            "sensitivity_banner": self.banner.text().strip(),
            "idle_minutes": str(self.idle_minutes.value()),
        }
        try:
            changed = []
            for name, value in wanted.items():
                current = (str(session.idle_minutes) if name == "idle_minutes"
                           else session.setting(name, DEFAULT_BANNER
                                                if name == "sensitivity_banner" else ""))
                if value != current:
                    session.set_setting(name, value)
                    changed.append(name)
        except Exception as error:
            self.settings_message.show_error(messages.describe(error))
            return
        if changed:
            self.settings_message.show_message("Vault settings saved.", "ok")
        else:
            self.settings_message.show_message("Nothing changed.", "info")

    # -- this device ------------------------------------------------------------------------
    def ask_remember(self) -> ConfirmPassphraseDialog:
        """Ask for the passphrase, then keep the key in the OS keyring."""
        dialog = ConfirmPassphraseDialog(self._session, self)
        dialog.confirmed.connect(self._remember)
        self._open(dialog)
        return dialog

    def _remember(self, private: bytes) -> None:
        if self._session.remember_on_device(private):
            self.device_message.show_message("Your key is now remembered on this laptop.", "ok")
        else:
            self.device_message.show_error("The keyring refused to keep the key; type your "
                                           "passphrase at each unlock.")
        self._update_device()

    def forget_device(self) -> None:
        """Remove my key from this laptop's keyring."""
        self._session.forget_on_device()
        self.device_message.show_message("This laptop no longer remembers your key.", "ok")
        self._update_device()

    # -- my passphrase ------------------------------------------------------------------------
    def change_passphrase(self) -> None:
        """Check the current passphrase, then set the new one."""
        session = self._session
        member = session.member
        if member is None or not self.new_passphrase.is_valid():
            return
        current = self.current_passphrase.text()
        self.current_passphrase.clear()
        try:
            verify_passphrase(session, current)
            with busy():
                session.set_passphrase(member.id, self.new_passphrase.value())
        except WrongPassphrase:
            self.passphrase_message.show_error(
                "The current passphrase is wrong; nothing was changed. (Wrong attempts count "
                "towards the lockout.)")
            self.current_passphrase.setFocus()
            return
        except WeakPassphrase as error:
            self.passphrase_message.show_error(refused(error))
            return
        except Exception as error:
            self.passphrase_message.show_error(messages.describe(error))
            return
        self.new_passphrase.clear()
        lead = session.role == "lead"
        self.passphrase_message.show_message(
            "Passphrase changed. Use the new one from the next unlock"
            + ("; this laptop no longer remembers your key." if hasattr(self, "device_status")
               else ".")
            + (" An old copy of the key file still opens the vault with the old passphrase "
               "until the vault is re-encrypted under a new key."
               if lead else
               " An old copy of the key file still opens the vault with the old passphrase "
               "until a team lead re-encrypts the vault."), "ok")
        self.rekey_button.setVisible(lead)
        self._update_device()

    def rekey_after_passphrase_change(self) -> tasks.BackgroundJob:
        """Re-encrypt the vault under a new key in the background (it cannot be cancelled)."""
        session = self._session

        def done(_dropped: list[str]) -> None:
            self.rekey_button.hide()
            self.passphrase_message.show_message(
                "The vault was re-encrypted under a new key: an old copy of the key file no "
                "longer opens it.", "ok")

        self.last_job = tasks.run_in_background(
            self, "Re-encrypting the vault", lambda _progress: session.rekey(),
            on_done=done, on_error=lambda e: self.passphrase_message.show_error(
                messages.describe(e)),
            cancellable=False, session=session,
            label="Re-encrypting the vault under a new key. This takes a moment; it cannot be "
                  "stopped halfway\u2026")
        return self.last_job

    # -- members ----------------------------------------------------------------------------
    def add_member(self) -> AddMemberDialog:
        """Open the add-member dialog."""
        dialog = AddMemberDialog(self._session, self)
        dialog.added.connect(lambda member: self.members_message.show_message(
            f"{member.name} was added as {role_label(member.role).lower()}.", "ok"))
        self._open(dialog)
        return dialog

    def reset_passphrase(self) -> SetPassphraseDialog | None:
        """Give the selected member a new passphrase."""
        member = self.selected_member()
        if member is None:
            return None
        dialog = SetPassphraseDialog(self._session, member, self)
        dialog.passphrase_set.connect(lambda name: self.members_message.show_message(
            f"{name} has a new passphrase.", "ok"))
        self._open(dialog)
        return dialog

    def remove_member(self) -> QMessageBox | None:
        """Ask, then remove the selected member (their key slot is deleted)."""
        member = self.selected_member()
        if member is None:
            return None

        session = self._session

        def done(_result: object) -> None:
            self.members_message.show_message(
                f"{member.name} was removed and the vault re-encrypted under a new key.", "ok")

        def remove() -> None:
            # Removing rekeys the whole vault: off the GUI thread, with progress and no
            # Cancel (a rekey cannot stop halfway).
            self.last_job = tasks.run_in_background(
                self, f"Removing {member.name}",
                lambda _progress: session.remove_member(member.id),
                on_done=done, on_error=lambda e: self.members_message.show_error(
                    messages.describe(e)),
                cancellable=False, session=session,
                label=f"Removing {member.name} and re-encrypting the vault under a new key. "
                      "This takes a moment; it cannot be stopped halfway\u2026")

        return self._confirm(
            f"Remove {member.name}?",
            f"{member.name} will no longer be able to unlock this vault on this laptop. What "
            "they recorded stays in the case files and the audit trail.\n\n"
            f"Removing {member.name} re-encrypts the vault under a new key, so an old copy of "
            "the key file no longer opens it. This takes a moment.",
            "&Remove", remove)

    # -- maintenance ----------------------------------------------------------------------------
    def choose_backup(self) -> tasks.BackgroundJob | None:
        """Ask where, then write the backup in the background."""
        suggested = Path.home() / f"btam-backup-{date.today().isoformat()}{BACKUP_SUFFIX}"
        target, _filter = QFileDialog.getSaveFileName(
            self, "Back up the vault", str(suggested), f"BTAM backups (*{BACKUP_SUFFIX})")
        if not target:
            return None
        path = Path(target)
        if path.suffix != BACKUP_SUFFIX:
            path = path.with_name(path.name + BACKUP_SUFFIX)
        return self.backup_to(path)

    def backup_to(self, path: Path) -> tasks.BackgroundJob:
        """Write an encrypted backup to ``path`` in the background."""
        session = self._session
        self.maintenance_message.clear_message()

        def done(_result: object) -> None:
            size = path.stat().st_size / 1_000_000 if path.exists() else 0.0
            self.maintenance_message.show_message(
                f"Backup written to {path} ({size:,.1f} MB).", "ok")
            self._update_last_backup()

        def work(progress: tasks.Progress) -> None:
            try:
                session.backup(path, progress)
            except BackupCancelled:
                raise tasks.JobCancelled from None

        # A bar and Cancel: to a USB stick a large vault takes a minute or more.
        self.last_job = tasks.run_in_background(
            self, "Backing up the vault", work, on_done=done,
            on_error=self._maintenance_error, cancellable=True,
            on_cancelled=lambda: self.maintenance_message.show_message(
                "The backup was cancelled; no file was written.", "info"),
            session=session, label="Writing an encrypted copy of the vault\u2026")
        return self.last_job

    def check_integrity(self) -> tasks.BackgroundJob:
        """Run the integrity check in the background and show what it found."""
        session = self._session
        self.maintenance_message.clear_message()

        def done(problems: list[str]) -> None:
            if not problems:
                self.maintenance_message.show_message(
                    "\u2714  No problems: encrypted pages, database structure, audit chain and "
                    "key slots are intact.", "ok")
                return
            listed = "\n".join(f"\u2022 {p}" for p in problems[:15])
            self.maintenance_message.show_error(
                f"\u2718  {len(problems)} problem{'s' if len(problems) != 1 else ''} found. "
                f"Make no changes and restore the latest backup.\n{listed}")

        self.last_job = tasks.run_in_background(
            self, "Checking the vault", lambda _progress: session.check(), on_done=done,
            on_error=self._maintenance_error, cancellable=False, session=session,
            label="Checking every page of the vault and the audit chain\u2026")
        return self.last_job

    def _maintenance_error(self, error: BaseException) -> None:
        self.maintenance_message.show_error(messages.describe(error))

    # -- training -----------------------------------------------------------------------------
    def ask_demo(self) -> DemoDataDialog | None:
        """Open the demo-data dialog (training only)."""
        try:
            existing = self._session.store.count_cases()
        except Exception as error:
            self.demo_message.show_error(messages.describe(error))
            return None
        dialog = DemoDataDialog(existing, self)
        dialog.chosen.connect(self.generate_demo)
        self._open(dialog)
        return dialog

    def generate_demo(self, cases: int, seed: int) -> tasks.BackgroundJob:
        """Run the demo generator in the background with a cancellable progress dialog."""
        from btam_desktop.core import demo  # only loaded when someone trains

        session = self._session
        self.demo_message.clear_message()

        def done(summary: demo.DemoSummary) -> None:
            what = (f"{summary.cases:,} fictional cases, {summary.persons:,} people and "
                    f"{summary.partners} partners")
            if summary.cancelled:
                self.demo_message.show_message(
                    f"Stopped: {what} were added before Cancel (they stay in the vault).",
                    "info")
            else:
                self.demo_message.show_message(
                    f"Added {what} in {summary.seconds:,.1f} s.", "ok")

        self.last_job = tasks.run_in_background(
            self, "Generating demo data",
            lambda progress: demo.generate(session, cases, seed=seed, progress=progress),
            on_done=done, on_error=lambda e: self.demo_message.show_error(
                messages.describe(e)), session=session,
            label=f"Adding {cases:,} fictional case files (training)\u2026")
        return self.last_job

    # -- helpers ------------------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def _confirm(self, title: str, text: str, yes: str, action: Callable[[], None]
                 ) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, f"{title} - BTAM Desktop", title,
                          QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(text)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button: QAbstractButton) -> None:
            if button is yes_button:
                action()

        box.buttonClicked.connect(clicked)
        self.confirm_box = box
        box.open()
        return box

