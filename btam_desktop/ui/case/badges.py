"""The concern-level badge: the word, a four-step level meter and the level's colour.

Colour is never the only cue (officers with colour-blindness, a dim screen at night): the
badge always says the level in words and fills one to four bars. The colours come from the
theme (``ok``, ``warn``, ``error``), contrast-checked in both themes; "imminent" is drawn
filled so that it stands out even in greyscale.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QApplication,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from btam_desktop.ui.case import colors
from btam_desktop.ui.case.labels import concern_label, concern_rank

CONCERN_ROLE = Qt.ItemDataRole.UserRole + 20
"""Model role holding the concern key ("high") of a row, for the badge delegate."""

_THEME_COLOURS = {1: "ok", 2: "warn", 3: "error", 4: "error"}
_BARS = 4
_BAR_W = 4
_BAR_GAP = 2
_PAD_X = 8
_PAD_Y = 2


def level_colour(level: str) -> QColor:
    """The theme colour of a concern level (the muted text colour for an unknown one)."""
    return colors.color(_THEME_COLOURS.get(concern_rank(level), "muted"))


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


def badge_size(font: QFont, level: str) -> QSize:
    """The size :func:`paint_badge` needs for ``level`` in ``font``."""
    metrics = QFontMetrics(_bold(font))
    meter = _BARS * _BAR_W + (_BARS - 1) * _BAR_GAP
    width = _PAD_X * 2 + meter + 6 + metrics.horizontalAdvance(concern_label(level))
    return QSize(width, metrics.height() + 2 * _PAD_Y + 2)


def paint_badge(painter: QPainter, rect: QRect, level: str, font: QFont) -> None:
    """Draw the badge for ``level`` left-aligned and vertically centred in ``rect``."""
    size = badge_size(font, level)
    top = rect.top() + max(0, (rect.height() - size.height()) // 2)
    box = QRectF(rect.left() + 4, top, min(size.width(), rect.width() - 8), size.height())
    rank = concern_rank(level)
    colour = level_colour(level)
    filled = rank == 4
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(colour)
    if not filled:
        fill.setAlphaF(0.16)
    outline = box.adjusted(0.75, 0.75, -0.75, -0.75)
    if not filled:
        # An opaque underlay first, so the badge reads the same on a selected (highlighted)
        # row as on a plain one.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.color("base"))
        painter.drawRoundedRect(outline, 5, 5)
    painter.setPen(QPen(colour, 1.5))
    painter.setBrush(fill)
    painter.drawRoundedRect(outline, 5, 5)
    ink = colors.color("base") if filled else colour
    # The meter: one to four bars of rising height, the unfilled ones as outlines.
    bar_bottom = box.bottom() - 5
    max_height = box.height() - 10
    x = box.left() + _PAD_X
    for step in range(1, _BARS + 1):
        height = max_height * (0.4 + 0.6 * step / _BARS)
        bar = QRectF(x, bar_bottom - height, _BAR_W, height)
        painter.setPen(QPen(ink, 1))
        painter.setBrush(ink if step <= rank else Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        x += _BAR_W + _BAR_GAP
    painter.setFont(_bold(font))
    painter.setPen(ink)
    text_rect = QRectF(x + 4, box.top(), box.right() - x - 4, box.height())
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                     concern_label(level))
    painter.restore()


class ConcernDelegate(QStyledItemDelegate):
    """Paints the concern column of a table as a badge (the display text stays the word,
    for screen readers, copying and sorting)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        level = index.data(CONCERN_ROLE)
        if not level:
            super().paint(painter, option, index)
            return
        # Selection and focus background first, then the badge on top of it.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        paint_badge(painter, opt.rect, str(level), opt.font)

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        level = index.data(CONCERN_ROLE)
        if not level:
            return super().sizeHint(option, index)
        size = badge_size(option.font, str(level))
        return QSize(size.width() + 12, size.height() + 8)


class ConcernBadge(QWidget):
    """The badge as a widget, for the case header."""

    def __init__(self, level: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._level = ""
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_level(level)

    @property
    def level(self) -> str:
        """The concern key shown."""
        return self._level

    def set_level(self, level: str) -> None:
        """Show ``level``."""
        self._level = level
        text = f"Concern level: {concern_label(level)}" if level else "Concern level unknown"
        self.setAccessibleName(text)
        self.setToolTip(text)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        size = badge_size(self._font(), self._level)
        return QSize(size.width() + 8, size.height() + 4)

    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_badge(painter, self.rect(), self._level, self._font())
        painter.end()
