"""Table columns that fit the table's width: no sideways scrolling on a small screen.

:class:`ColumnFit` watches a table's viewport and font and sets its column widths again when
either changes, from :meth:`ColumnFit.column_widths` (a subclass says how its columns give
way: the Cases table, the Sync › Conflicts queue). One column stretches and takes the rest;
texts too long for their column end in "…" (the table's elide mode) and the model's tooltip
says them whole. The officer can still drag a column wider; the next resize fits again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QHeaderView, QTableView

CELL_PAD = 16  # the item's text margins and the grid line


class ColumnFit(QObject):
    """Sizes ``table``'s columns to its viewport's width whenever that changes.

    Subclasses implement :meth:`column_widths`; column ``stretch`` takes what the others
    leave. Call :meth:`refit` when the rows change and the widths depend on them."""

    def __init__(self, table: QTableView, stretch: int) -> None:
        super().__init__(table)
        self._table = table
        self._stretch = stretch
        self._width = -1
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setWordWrap(False)
        # The viewport's size, not the table's: a vertical scroll bar appearing narrows it.
        self._viewport = table.viewport()
        self._viewport.installEventFilter(self)
        table.installEventFilter(self)
        self.fit()

    @property
    def table(self) -> QTableView:
        """The table whose columns are fitted."""
        return self._table

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Fit again when the viewport's size or the table's font changes."""
        kind = event.type()
        if kind == QEvent.Type.Resize and watched is self._viewport:
            self.fit()
        elif kind in (QEvent.Type.FontChange, QEvent.Type.StyleChange) \
                and watched is self._table:
            self.refit()
        return False

    def column_widths(self, available: int) -> dict[int, int]:
        """Column -> width for a viewport ``available`` pixels wide (0: hidden). The stretch
        column's entry, if any, is ignored: it takes what is left."""
        raise NotImplementedError

    def refit(self) -> None:
        """Fit again even if the width did not change (the rows or the font did)."""
        self._width = -1
        self.fit()

    def fit(self) -> None:
        """Apply :meth:`column_widths` for the viewport's current width."""
        table = self._table
        available = table.viewport().width()
        if available == self._width or table.model() is None:
            return
        self._width = available
        for column, width in self.column_widths(available).items():
            table.setColumnHidden(column, width == 0)
            if column != self._stretch and width:
                table.setColumnWidth(column, width)
