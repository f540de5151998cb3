"""The section list beside a form: jump to a section, see where you are.

Titles are wrapped here, line by line, instead of with the list's word-wrap mode: that mode
measures items at one width and paints them at another, and the last line of a long title
("... and suicidal thoughts") was cut off on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

TITLE_ROLE = Qt.ItemDataRole.UserRole + 1
SECTION_ROLE = Qt.ItemDataRole.UserRole
_SIDE_MARGIN = 20  # item padding and frame, left and right together
_LINE_GAP = 10  # extra height per entry, so entries do not run into each other


def wrap_words(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """Greedy word wrap of ``text`` to ``width`` pixels (a word longer than that stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and metrics.horizontalAdvance(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


class SectionNav(QListWidget):
    """One entry per section; the section id is the item's ``SECTION_ROLE`` data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formSections")
        self.setAccessibleName("Sections")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self._width = -1

    def add_section(self, section_id: str, title: str) -> QListWidgetItem:
        item = QListWidgetItem(title, self)
        item.setData(SECTION_ROLE, section_id)
        item.setData(TITLE_ROLE, title)
        item.setToolTip(title)
        self._wrap(item)
        return item

    def set_title(self, item: QListWidgetItem, title: str) -> None:
        """Show another title (the section in another language)."""
        if item.data(TITLE_ROLE) != title:
            item.setData(TITLE_ROLE, title)
            item.setToolTip(title)
            self._wrap(item)

    def select_section(self, section_id: str) -> None:
        """Mark the section as current without emitting navigation signals."""
        for row in range(self.count()):
            item = self.item(row)
            if item.data(SECTION_ROLE) == section_id:
                if self.currentItem() is not item:
                    blocked = self.blockSignals(True)
                    self.setCurrentItem(item)
                    self.blockSignals(blocked)
                return

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = self.viewport().width()
        if width != self._width:
            self._width = width
            for row in range(self.count()):
                self._wrap(self.item(row))

    def _wrap(self, item: QListWidgetItem) -> None:
        metrics = self.fontMetrics()
        width = max(80, self.viewport().width() - _SIDE_MARGIN)
        lines = wrap_words(str(item.data(TITLE_ROLE)), metrics, width)
        item.setText("\n".join(lines))
        item.setSizeHint(QSize(width, len(lines) * metrics.lineSpacing() + _LINE_GAP))
