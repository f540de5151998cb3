"""The base class of main-window pages, and the "coming soon" placeholder.

A page is a child of the main window, so it (and every widget showing case data in it) is
deleted with the window when the vault locks. Pages read through ``session.store`` only and
refresh when :class:`~btam_desktop.ui.session_events.SessionEvents` reports a change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from btam_desktop.ui.widgets import heading, muted


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

    def refresh(self) -> None:
        """Re-read what the page shows (called when it is shown and after changes)."""

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
