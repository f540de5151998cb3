"""Next steps on a new vault's first dashboard: set the agency, add the team's members, create
a case, make a first backup. Each is a button that goes there; a done step is ticked; the
panel goes away when every step is done, or when the member hides it (remembered on this
laptop, per vault, in the user's Qt settings: a display preference, nothing about a case).

A separate widget put at the top of the Dashboard page by :func:`attach` (the controller calls
it when the main window is built), so the dashboard's own painting is untouched. It reads
four things through the session (the agency setting, the members, whether any case exists,
the last backup) and again after every committed change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core import queries
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.ui.labels import BACKUP_STALE_DAYS, backup_age

if TYPE_CHECKING:
    from btam_desktop.ui.main_window import MainWindow

HIDDEN_GROUP = "dashboard/next-steps-hidden"
DONE_MARK = "\u2714"
TODO_MARK = "\u2022"
#: (key, what to do, button text, for team leads only)
STEPS = (
    ("agency", "Set your agency's name: it is printed on every PDF.", "Set the agency name",
     True),
    ("members", "Add the team members who share this laptop, each with their own "
     "passphrase.", "Add a team member\u2026", True),
    ("case", "Create the first case.", "Create a case\u2026", False),
    # A department without IT staff has no one else to think of it (Settings › Backups says
    # the last backup's age from then on).
    ("backup", "Back up the vault to a USB stick kept away from this laptop.",
     "Back up the vault\u2026", True),
)


class _DashboardCard(QFrame):
    """A card at the top of the dashboard that reads the session again after every committed
    change (:meth:`refresh`)."""

    def __init__(self, session: Session, window: MainWindow, name: str,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self._session = session
        self._window = window
        self.setObjectName("card")
        self.setAccessibleName(name)

    def refresh(self) -> None:
        """Read what the card shows again."""
        raise NotImplementedError

    def on_change(self, summary: ChangeSummary) -> None:
        """After a committed change that may change what the card shows."""
        if summary.action != "view":
            self.refresh()


class NextStepsPanel(_DashboardCard):
    """What to do first in a new vault (see the module docstring)."""

    def __init__(self, session: Session, window: MainWindow,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, window, "Next steps", parent)
        heading = QLabel("Next steps")
        heading.setObjectName("sectionTitle")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.hide_button = QPushButton("Hide these steps")
        self.hide_button.setToolTip("Do not show the next steps again for this vault on this "
                                    "laptop")
        self.hide_button.clicked.connect(self.hide_for_good)
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(self.hide_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        self.marks: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        lead = session.role == "lead"
        for key, text, button_text, leads_only in STEPS:
            if leads_only and not lead:
                continue  # only a lead can do it: nothing for an officer to act on
            mark = QLabel(TODO_MARK)
            mark.setFixedWidth(20)
            label = QLabel(text)
            label.setWordWrap(True)
            button = QPushButton(button_text)
            button.setAccessibleName(button_text.rstrip("\u2026"))
            button.clicked.connect(lambda _checked=False, key=key: self.go(key))
            row = QHBoxLayout()
            row.addWidget(mark)
            row.addWidget(label, 1)
            row.addWidget(button)
            layout.addLayout(row)
            self.marks[key] = mark
            self.buttons[key] = button
        self.refresh()

    # -- state --------------------------------------------------------------------------------
    def _settings_key(self) -> str:
        return f"{HIDDEN_GROUP}/{self._session.vault_id}"

    def hidden_for_good(self) -> bool:
        """True once the member chose "Hide these steps" for this vault on this laptop."""
        return bool(QSettings().value(self._settings_key(), False, type=bool))

    def step_done(self) -> dict[str, bool]:
        """Each shown step, and whether it is done."""
        done = {}
        for key in self.buttons:
            if key == "agency":
                done[key] = bool(self._session.setting("agency").strip())
            elif key == "members":
                done[key] = len(self._session.members()) > 1
            elif key == "case":
                done[key] = queries.any_live_case(self._session.db)
            elif key == "backup":
                done[key] = self._session.last_backup() is not None
        return done

    def refresh(self) -> None:
        """Tick what is done; hide the panel when all is done or it was hidden."""
        if self.hidden_for_good():
            self.setVisible(False)
            return
        try:
            done = self.step_done()
        except Exception:  # the vault is locking underneath: nothing to show
            self.setVisible(False)
            return
        for key, is_done in done.items():
            self.marks[key].setText(DONE_MARK if is_done else TODO_MARK)
            self.marks[key].setAccessibleName("Done" if is_done else "To do")
            # A done step needs no button (a greyed one reads as "cannot"); more members
            # can always be added.
            self.buttons[key].setVisible(not is_done or key == "members")
        self.setVisible(bool(done) and not all(done.values()))

    def hide_for_good(self) -> None:
        """Hide the panel for this vault on this laptop."""
        settings = QSettings()
        settings.setValue(self._settings_key(), True)
        settings.sync()
        self.setVisible(False)

    # -- going there ----------------------------------------------------------------------------
    def go(self, key: str) -> None:
        """Take the member to where the step is done."""
        from btam_desktop.ui.pages.settings import SettingsPage

        window = self._window
        if key == "case":
            window.new_case()
            return
        window.show_page("settings")
        page = window.page("settings")
        if not isinstance(page, SettingsPage):
            return
        if key == "agency":
            page.agency.setFocus(Qt.FocusReason.OtherFocusReason)
            page.agency.selectAll()
        elif key == "members":
            page.add_member()
        elif key == "backup":
            page.choose_backup()


class BackupReminder(_DashboardCard):
    """On a lead's dashboard while the last backup written on this laptop is more than a week
    old: how old, and "Back up now…" (to Settings' backup). Goes once a backup is written.
    A first backup is the next steps' last step; Settings › Backups says the age always."""

    def __init__(self, session: Session, window: MainWindow,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, window, "Backup reminder", parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.button = QPushButton("Back &up now\u2026")
        self.button.setAccessibleName("Back up now")
        self.button.clicked.connect(self.go)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.refresh()

    def refresh(self) -> None:
        """Shown for a lead while the last backup is more than BACKUP_STALE_DAYS old."""
        try:
            age = backup_age(self._session) if self._session.role == "lead" else None
        except Exception:  # the vault is locking underneath: nothing to show
            age = None
        if age is None or age[1] <= BACKUP_STALE_DAYS:
            self.setVisible(False)
            return
        shown, days, _member = age
        self.text.setText(
            f"The last backup of this vault on this laptop was made {days} days ago "
            f"({shown[:10]}). A lost or broken laptop would take everything since with it.")
        self.setVisible(True)

    def go(self) -> None:
        """To Settings, where the backup is asked for."""
        from btam_desktop.ui.pages.settings import SettingsPage

        self._window.show_page("settings")
        page = self._window.page("settings")
        if isinstance(page, SettingsPage):
            page.choose_backup()


def attach(window: MainWindow, session: Session) -> NextStepsPanel | None:
    """Put the panel (and the backup reminder) at the top of the window's Dashboard page
    (None if there is no place)."""
    page = window.page("dashboard")
    column = getattr(page, "content_column", None)
    if not isinstance(column, QVBoxLayout):
        return None
    panel = NextStepsPanel(session, window)
    reminder = BackupReminder(session, window)
    # Under the header and its message, above "Needs attention now".
    column.insertWidget(min(2, column.count()), panel)
    column.insertWidget(min(3, column.count()), reminder)
    window.events.changed.connect(panel.on_change)
    window.events.changed.connect(reminder.on_change)
    return panel
