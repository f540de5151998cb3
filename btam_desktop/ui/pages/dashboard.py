"""The dashboard: which agency and who is signed in, and how many cases need attention."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from btam_desktop.core.model import STATUS_LABELS
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.ui import messages
from btam_desktop.ui.labels import role_label
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import MessageLabel, muted

# Which counts the dashboard shows: (key, label, filters for CaseStore.count_cases).
COUNTS: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("open", "Open cases", {"status": "open"}),
    ("active", STATUS_LABELS["active"], {"status": "active"}),
    ("monitoring", STATUS_LABELS["monitoring"], {"status": "monitoring"}),
    ("overdue", "Overdue reviews or tasks", {"overdue": True}),
)
# A change to these tables can move the counts; anything else (e.g. an audited view) cannot.
_COUNTED_TABLES = frozenset({"cases", "tasks"})


class CountCard(QFrame):
    """A big number with a caption."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.caption = caption
        self.value = QLabel("\u2013")
        self.value.setObjectName("cardValue")
        label = QLabel(caption)
        label.setObjectName("cardLabel")
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.value)
        layout.addWidget(label)
        self.setMinimumWidth(170)

    def set_count(self, count: int) -> None:
        """Show ``count``."""
        self.value.setText(str(count))
        self.setAccessibleName(f"{self.caption}: {count}")


class DashboardPage(Page):
    """Agency, the signed-in member and case counts; refreshed after every relevant change."""

    def __init__(
        self, session: Session, events: SessionEvents, parent: QWidget | None = None
    ) -> None:
        super().__init__("Dashboard", parent)
        self._session = session
        self.agency = QLabel()
        self.agency.setObjectName("pageTitle")
        self.agency.setWordWrap(True)
        self.member = muted("")
        self.member.setAccessibleName("Signed in as")
        self.message = MessageLabel()
        self.cards: dict[str, CountCard] = {}
        grid = QGridLayout()
        grid.setSpacing(12)
        for index, (key, caption, _filters) in enumerate(COUNTS):
            card = CountCard(caption)
            self.cards[key] = card
            grid.addWidget(card, index // 4, index % 4)
        self.body.addWidget(self.agency)
        self.body.addWidget(self.member)
        self.body.addSpacing(8)
        self.body.addLayout(grid)
        self.body.addWidget(self.message)
        self.body.addStretch(1)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignLeft)
        events.changed.connect(self._on_change)
        self.refresh()

    def _on_change(self, summary: ChangeSummary) -> None:
        if _COUNTED_TABLES & summary.touched.keys():
            self.refresh()

    def refresh(self) -> None:
        """Re-read agency, member and counts."""
        session = self._session
        try:
            agency = session.setting("agency")
            self.agency.setText(agency or "Agency name not set")
            self.agency.setAccessibleName(f"Agency: {agency or 'not set'}")
            who = f"Signed in as {session.actor_name} ({role_label(session.role)})"
            if session.member and session.member.badge:
                who += f", badge {session.member.badge}"
            self.member.setText(who)
            store = session.store
            for key, _caption, filters in COUNTS:
                self.cards[key].set_count(store.count_cases(**filters))
        except Exception as error:  # e.g. the vault was locked underneath us
            self.message.show_error(messages.describe(error))
            return
        self.message.clear_message()
