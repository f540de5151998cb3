"""Core change notifications as a Qt signal, so pages can refresh after any committed write.

One subscription per session. Widgets connect to :attr:`SessionEvents.changed`; Qt drops the
connection when a widget is deleted, so a page never has to unsubscribe from the core itself.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session


class SessionEvents(QObject):
    """Re-emits the session's ``ChangeSummary`` after every committed operation."""

    changed = Signal(object)  # ChangeSummary

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session: Session | None = session
        session.subscribe(self._on_change)

    def _on_change(self, summary: ChangeSummary) -> None:
        self.changed.emit(summary)

    def detach(self) -> None:
        """Stop listening (before the window goes away; safe to call twice)."""
        if self._session is not None:
            self._session.unsubscribe(self._on_change)
            self._session = None
