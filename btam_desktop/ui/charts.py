"""Small horizontal bar charts drawn with QPainter (QtCharts is not part of PySide6-Essentials).

Made to be read at a glance at arm's length and by screen readers: every bar carries its
label and its count as text (never length alone), colours come from the palette so both themes
work, and the chart's accessible description is a sentence listing every bar
(:meth:`BarChart.text_alternative`), which is also its tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

_BAR_PADDING = 6  # vertical space between bars
_GAP = 12  # between label column, bar and count
_MIN_BAR_PX = 3  # a count of 1 among thousands must still be visible


@dataclass(frozen=True)
class Bar:
    """One bar: a stable key (for tests and clicks), what it is called, and its count."""

    key: str
    label: str
    count: int


def _format_count(count: int) -> str:
    return f"{count:,}"


class BarChart(QWidget):
    """Horizontal bars with the label on the left and the count after the bar."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._bars: list[Bar] = []
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)
        self._update_text()

    # -- data ----------------------------------------------------------------------------------
    def set_bars(self, bars: Sequence[Bar]) -> None:
        """Show ``bars`` (in the given order)."""
        new = list(bars)
        if new == self._bars:
            return
        self._bars = new
        self._update_text()
        self.updateGeometry()
        self.update()

    def bars(self) -> list[Bar]:
        """The bars shown."""
        return list(self._bars)

    def count(self, key: str) -> int:
        """The count of the bar ``key`` (KeyError if there is none)."""
        for bar in self._bars:
            if bar.key == key:
                return bar.count
        raise KeyError(key)

    def text_alternative(self) -> str:
        """The chart as a sentence: "Title: Low 3, Moderate 1." (or "no data")."""
        if not self._bars:
            return f"{self.title}: no data."
        items = ", ".join(f"{bar.label} {_format_count(bar.count)}" for bar in self._bars)
        return f"{self.title}: {items}."

    def _update_text(self) -> None:
        text = self.text_alternative()
        self.setAccessibleDescription(text)
        self.setToolTip(text)

    # -- geometry ------------------------------------------------------------------------------
    def _row_height(self) -> int:
        return self.fontMetrics().height() + 2 * _BAR_PADDING

    def _label_width(self) -> int:
        metrics = self.fontMetrics()
        return max((metrics.horizontalAdvance(bar.label) for bar in self._bars), default=0)

    def _count_width(self) -> int:
        metrics = self.fontMetrics()
        return max((metrics.horizontalAdvance(_format_count(bar.count)) for bar in self._bars),
                   default=0)

    def sizeHint(self) -> QSize:
        """Wide enough for labels, a useful bar and counts; one row per bar."""
        rows = max(1, len(self._bars))
        width = self._label_width() + self._count_width() + 2 * _GAP + 160
        return QSize(width, rows * self._row_height() + 4)

    def minimumSizeHint(self) -> QSize:
        """Labels and counts always fit; the bars shrink."""
        rows = max(1, len(self._bars))
        width = self._label_width() + self._count_width() + 2 * _GAP + 40
        return QSize(width, rows * self._row_height() + 4)

    # -- drawing -------------------------------------------------------------------------------
    def bar_rect(self, index: int) -> QRectF:
        """Where bar ``index`` is drawn (for tests: longer counts get longer bars)."""
        label_w = self._label_width()
        count_w = self._count_width()
        row_h = self._row_height()
        available = max(1, self.width() - label_w - count_w - 2 * _GAP - 2)
        largest = max((bar.count for bar in self._bars), default=0)
        bar = self._bars[index]
        length = 0.0
        if largest > 0 and bar.count > 0:
            length = max(_MIN_BAR_PX, available * bar.count / largest)
        top = index * row_h + 2 + _BAR_PADDING / 2
        return QRectF(label_w + _GAP, top, length, row_h - _BAR_PADDING)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Labels, bars and counts in the palette's colours."""
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            palette = self.palette()
            text = palette.color(QPalette.ColorRole.WindowText)
            fill = palette.color(QPalette.ColorRole.Highlight)
            track = QColor(palette.color(QPalette.ColorRole.Mid))
            track.setAlpha(60)
            label_w = self._label_width()
            row_h = self._row_height()
            if not self._bars:
                painter.setPen(text)
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft
                                 | Qt.AlignmentFlag.AlignVCenter, "No data")
                return
            full_w = max(1, self.width() - label_w - self._count_width() - 2 * _GAP - 2)
            for index, bar in enumerate(self._bars):
                top = index * row_h + 2
                label_rect = QRectF(0, top, label_w, row_h)
                painter.setPen(text)
                painter.drawText(label_rect, Qt.AlignmentFlag.AlignLeft
                                 | Qt.AlignmentFlag.AlignVCenter, bar.label)
                rect = self.bar_rect(index)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(track)
                painter.drawRoundedRect(QRectF(rect.left(), rect.top(), full_w, rect.height()),
                                        3, 3)
                if rect.width() > 0:
                    painter.setBrush(fill)
                    painter.drawRoundedRect(rect, 3, 3)
                painter.setPen(text)
                count_rect = QRectF(rect.left() + rect.width() + _GAP, top,
                                    self._count_width() + 2, row_h)
                painter.drawText(count_rect, Qt.AlignmentFlag.AlignLeft
                                 | Qt.AlignmentFlag.AlignVCenter, _format_count(bar.count))
        finally:
            painter.end()
