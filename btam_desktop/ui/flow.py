"""Layouts that fit a small screen: rows of buttons or filters that wrap to the next line
instead of being cut ("ort case repo" at 1024x768), and a grid of panels that takes as many
columns as the width allows.

:class:`FlowLayout` lays its items left to right at their size hint and starts a new row when
the next one would not fit; it reports its height for a width (``heightForWidth``), so the
layouts around it make room for the second row. An item added with ``align_right=True`` goes
to the right end of the last row (the place of a stretch in a QHBoxLayout).

:class:`ResponsiveGrid` puts its widgets in as many columns as fit at ``min_column`` pixels
each (at most ``max_columns``), re-flowed when it is resized.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QGridLayout, QLayout, QLayoutItem, QSizePolicy, QWidget


class FlowLayout(QLayout):
    """Items in rows that wrap (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None, *, spacing: int = 8,
                 row_spacing: int | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._right: set[int] = set()  # id() of items pushed to the right end
        self._spacing = spacing
        self._row_spacing = spacing if row_spacing is None else row_spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    # -- QLayout -----------------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        """Append ``item`` (QLayout.addWidget comes here)."""
        self._items.append(item)

    def add_widget(self, widget: QWidget, *, align_right: bool = False) -> None:
        """Append ``widget``; ``align_right`` puts it at the right end of its row."""
        self.addWidget(widget)
        if align_right:
            self._right.add(id(self._items[-1]))

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            item = self._items.pop(index)
            self._right.discard(id(item))
            return item
        return None

    def spacing(self) -> int:
        return self._spacing

    def setSpacing(self, spacing: int) -> None:
        self._spacing = spacing
        self.invalidate()

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        """Everything on one row."""
        width = height = 0
        for item in self._visible():
            hint = item.sizeHint()
            width += hint.width() + (self._spacing if width else 0)
            height = max(height, hint.height())
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(),
                     height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:
        """As narrow as the widest item (everything else wraps)."""
        width = height = 0
        for item in self._visible():
            hint = item.sizeHint()
            width = max(width, hint.width())
            height = max(height, hint.height())
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(),
                     height + margins.top() + margins.bottom())

    # -- arranging ---------------------------------------------------------------------------
    def _visible(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _rows(self, width: int) -> list[list[QLayoutItem]]:
        rows: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._visible():
            hint = item.sizeHint().width()
            need = hint + (self._spacing if rows[-1] else 0)
            if rows[-1] and used + need > width:
                rows.append([])
                used, need = 0, hint
            rows[-1].append(item)
            used += need
        return [row for row in rows if row]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        y = area.y()
        rows = self._rows(area.width())
        for number, row in enumerate(rows):
            height = max(item.sizeHint().height() for item in row)
            if apply:
                self._place_row(row, area, y, height)
            y += height + (self._row_spacing if number < len(rows) - 1 else 0)
        return y - area.y() + margins.top() + margins.bottom()

    def _place_row(self, row: list[QLayoutItem], area: QRect, y: int, height: int) -> None:
        left = [item for item in row if id(item) not in self._right]
        right = [item for item in row if id(item) in self._right]
        x = area.x()
        for item in left:
            hint = item.sizeHint()
            width = min(hint.width(), area.width())
            item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2),
                                   QSize(width, hint.height())))
            x += width + self._spacing
        x = area.right() + 1
        for item in reversed(right):
            hint = item.sizeHint()
            width = min(hint.width(), area.width())
            x -= width
            item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2),
                                   QSize(width, hint.height())))
            x -= self._spacing


def flow_row(*widgets: QWidget, right: tuple[QWidget, ...] = (), spacing: int = 8
             ) -> FlowLayout:
    """A FlowLayout of ``widgets``, then ``right`` at the right end of the last row."""
    layout = FlowLayout(spacing=spacing)
    for widget in widgets:
        layout.add_widget(widget)
    for widget in right:
        layout.add_widget(widget, align_right=True)
    return layout


class ResponsiveGrid(QWidget):
    """Panels in as many columns as fit (see the module docstring)."""

    def __init__(self, min_column: int, max_columns: int, parent: QWidget | None = None, *,
                 spacing: int = 12) -> None:
        super().__init__(parent)
        self.min_column = min_column
        self.max_columns = max_columns
        self._widgets: list[QWidget] = []
        self._columns = 0
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(spacing)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def add(self, widget: QWidget) -> None:
        """Append a panel."""
        self._widgets.append(widget)
        self._columns = 0  # place every panel again, the new one included
        self._reflow(self.width() or self.min_column * self.max_columns)

    def columns(self) -> int:
        """How many columns the panels are in now."""
        return self._columns

    def minimumSizeHint(self) -> QSize:
        """One column wide: the grid never forces the window wider."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.min_column), hint.height())

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._reflow(self.width())

    def _reflow(self, width: int) -> None:
        spacing = self._grid.horizontalSpacing()
        columns = max(1, min(self.max_columns, (width + spacing) // (self.min_column + spacing)))
        if columns == self._columns:
            return
        self._columns = columns
        for widget in self._widgets:
            self._grid.removeWidget(widget)
        for column in range(self.max_columns):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        for index, widget in enumerate(self._widgets):
            self._grid.addWidget(widget, index // columns, index % columns)


def labelled(label: QWidget, field: QWidget, *, spacing: int = 6) -> QWidget:
    """A label and its field kept together on one row of a :class:`FlowLayout`."""
    from PySide6.QtWidgets import QHBoxLayout

    pair = QWidget()
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(spacing)
    row.addWidget(label)
    row.addWidget(field)
    return pair
