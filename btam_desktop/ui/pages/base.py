"""The base class of main-window pages, and the "coming soon" placeholder.

A page is a child of the main window, so it (and every widget showing case data in it) is
deleted with the window when the vault locks. Pages read through ``session.store`` only and
refresh when :class:`~btam_desktop.ui.session_events.SessionEvents` reports a change.

Refreshing when stale is one mechanism for every page (:meth:`Page.watch`): a change that
concerns the page marks it stale; a visible page re-reads at once, a hidden one when it is
next shown, and a page skipped while a background job held the store re-reads when the job
ends. A page says which changes concern it and what to read; the rest is here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from btam_desktop.core.ops import ChangeSummary
from btam_desktop.ui import tasks
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import heading, muted

#: Whether a change concerns a page (reading a record, action "view", never does by default).
Concerns = Callable[[ChangeSummary], bool]


def not_a_view(summary: ChangeSummary) -> bool:
    """Every change except merely reading a record."""
    return summary.action != "view"


class Page(QWidget):
    """A page in the main window; subclasses fill :attr:`body` and override :meth:`refresh`."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setAccessibleName(title)
        self.title_label = heading(title, object_name="pageTitle")
        self.body = QVBoxLayout()
        self.body.setSpacing(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(16)
        layout.addWidget(self.title_label)
        layout.addLayout(self.body, 1)
        self.stale = False
        self._concerns: Concerns | None = None

    # -- refresh when stale ---------------------------------------------------------------------
    def watch(self, events: SessionEvents, concerns: Concerns = not_a_view, *,
              stale: bool = True) -> None:
        """Refresh on the changes ``concerns`` accepts: now when visible, else when shown;
        ``stale``: read when first shown."""
        self.stale = stale
        self._concerns = concerns
        events.changed.connect(self._on_session_change)
        tasks.gate().busy_changed.connect(self._on_busy_changed)

    def _on_session_change(self, summary: ChangeSummary) -> None:
        if self._concerns is not None and self._concerns(summary):
            self.changed_elsewhere(summary)
            self.mark_stale()

    def changed_elsewhere(self, summary: ChangeSummary) -> None:
        """Hook for a page that notes something about a change besides re-reading."""

    def mark_stale(self) -> None:
        """Re-read now if the page is on screen, else when it is next shown."""
        self.stale = True
        if self.isVisible():
            self.refresh_if_free()

    def refresh_if_free(self) -> None:
        """Refresh, unless a background job holds the store (its end brings us back)."""
        if tasks.is_busy():
            self.stale = True
            return
        self.refresh()

    def _on_busy_changed(self, busy: bool) -> None:
        if not busy and self.stale and self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on changes made while another page was shown."""
        super().showEvent(event)
        if self.stale:
            self.refresh_if_free()

    def refresh(self) -> None:
        """Re-read what the page shows (called when it is shown and after changes); a page
        sets ``self.stale = False`` once it has read."""

    def teardown(self) -> None:
        """Let go of anything outside Qt's ownership before the window is deleted."""


class PlaceholderPage(Page):
    """A section that a later release fills in."""

    def __init__(self, title: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        note = muted(f"{description}\n\nThis section is coming soon.")
        note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(note)
        self.body.addStretch(1)
