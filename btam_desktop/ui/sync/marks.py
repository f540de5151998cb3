""""⚠ in conflict" marks for the case header: one small button next to each field that two
laptops changed differently; pressing it (mouse, Tab then Space) opens the conflict dialog
(read-only for members who are not team leads)."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts
from btam_desktop.core.sync.conflicts import Conflict
from btam_desktop.ui import tasks
from btam_desktop.ui.sync import words
from btam_desktop.ui.sync.conflict_dialog import ConflictDialog, open_conflict

#: The header fields that get a mark of their own; conflicts of any other field share OTHER.
MARKED_FIELDS = ("title", "concern", "status", "tier", "next_review")
OTHER = "*"


class ConflictMark(QPushButton):
    """A flat "⚠ in conflict" button; hidden while its field has no open conflict."""

    def __init__(self, session: Session, field: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.field = field
        self.items: list[Conflict] = []
        self.dialog: ConflictDialog | None = None
        self.setObjectName("conflictMark")
        self.setFlat(True)
        self.setAutoDefault(False)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("padding: 2px 8px; min-height: 0px;")  # a badge, not a button row
        self.clicked.connect(lambda _checked=False: self.open_first())
        self.hide()

    def set_conflicts(self, items: list[Conflict]) -> None:
        """Show the mark for ``items`` (hide it when there are none)."""
        self.items = list(items)
        if not items:
            self.hide()
            return
        first = items[0]
        label = words.field_label(first)
        if self.field == OTHER:
            names = sorted({words.field_label(c) for c in items})
            text = f"{words.WARNING} {', '.join(names)} in conflict"
        elif self.field == "title":  # at the end of a long title: say which field
            text = f"{words.WARNING} {label} in conflict"
        else:
            text = f"{words.WARNING} in conflict"
        critical = any(c.critical for c in items)
        spoken = text.removeprefix(words.WARNING + " ") if self.field == OTHER else (
            f"{label} in conflict")
        spoken += " (critical)" if critical else ""
        spoken += ": two laptops changed it differently. Press to see both values."
        self.setText(text)
        self.setToolTip(spoken)
        self.setAccessibleName(spoken)
        self.show()

    def open_first(self) -> ConflictDialog | None:
        """The dialog for the first (most critical) conflict of this field."""
        if not self.items:
            return None
        self.dialog = open_conflict(self._session, self.items[0], self.window())
        return self.dialog


class ConflictMarks:
    """The header's marks, refilled from the conflict queue whenever the case is shown."""

    def __init__(self, session: Session, parent: QWidget) -> None:
        self._session = session
        self.marks = {name: ConflictMark(session, name, parent)
                      for name in (*MARKED_FIELDS, OTHER)}

    def mark(self, field: str) -> ConflictMark:
        """The mark of ``field`` (OTHER for the rest), to place in a layout."""
        return self.marks[field]

    def show_case(self, case_id: str) -> None:
        """Mark the fields of ``case_id`` that are in an open conflict."""
        if tasks.is_busy():
            return  # a background job holds the store; its end refreshes the header again
        try:
            items = conflicts.listing(self._session.db, record_id=case_id)
        except BtamError:
            items = []
        by_field: dict[str, list[Conflict]] = {name: [] for name in self.marks}
        for item in items:
            by_field[item.field if item.field in MARKED_FIELDS else OTHER].append(item)
        for name, mark in self.marks.items():
            mark.set_conflicts(by_field[name])
