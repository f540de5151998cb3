"""The one base of the read-only table models over a list of core records (dataclasses).

The case view's tabs list a few dozen records each (persons, tasks, submissions,
attachments, history); described by :class:`Column` specs, one generic model keeps them
consistent: text, tooltips, theme colours for states (never colour alone: the text says it
too), strike-through for superseded records, sorting by a column's own key, and the record
itself under :data:`RECORD_ROLE`. The pages' tables whose cells need more than the record
(names looked up, this laptop marked: partners, persons, audit entries, the sync tables) are
subclasses that list their column :attr:`~RecordTableModel.titles` and say each cell in
their own :meth:`~RecordTableModel.data`; rows, headers and resets still live here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from btam_desktop.ui.case import colors

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role under which :meth:`RecordTableModel.data` returns the row's record."""


@dataclass(frozen=True)
class RowStyle:
    """How a row looks: ``colour`` is a theme variable ("muted", "error", "warn", "ok")."""

    colour: str | None = None
    bold: bool = False
    italic: bool = False
    strike: bool = False


PLAIN = RowStyle()


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its title and how a record shows in it."""

    title: str
    text: Callable[[T], str]
    tooltip: Callable[[T], str] | None = None
    sort_key: Callable[[T], Any] | None = None
    style: Callable[[T], RowStyle] | None = None  # overrides the row's style in this cell
    header_tip: str = ""


class RecordTableModel(QAbstractTableModel, Generic[T]):
    """Rows of records of one kind; replace them with :meth:`set_records`.

    Cells come from the ``columns`` specs, or, in a subclass without specs, from its own
    :meth:`data` under the column :attr:`titles` (such a table keeps the order it is given:
    clicking a header does not sort it).
    """

    titles: tuple[str, ...] = ()
    """Column titles of a subclass that says its cells itself (when no specs are given)."""

    def __init__(
        self,
        columns: Sequence[Column[T]] = (),
        *,
        row_style: Callable[[T], RowStyle] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._titles = [c.title for c in self._columns] or list(self.titles)
        self._rows: list[T] = []
        self._row_style = row_style
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None  # the officer's choice

    # -- content -----------------------------------------------------------------------------
    def set_records(self, records: Sequence[T]) -> None:
        """Show ``records``: in the order given, or in the column order the officer chose by
        clicking a header (a refresh must not undo that)."""
        self.beginResetModel()
        self._rows = list(records)
        if self._sorted_by is not None:
            column, order = self._sorted_by
            self._rows = [self._rows[i] for i in self._sorted_positions(column, order)]
        self.endResetModel()

    def _sorted_positions(self, column: int, order: Qt.SortOrder) -> list[int]:
        spec = self._columns[column]
        key = spec.sort_key or (lambda r: spec.text(r).casefold())
        records = self._rows
        return sorted(range(len(records)), key=lambda i: key(records[i]),
                      reverse=order == Qt.SortOrder.DescendingOrder)

    def records(self) -> list[T]:
        """The records shown, in row order."""
        return list(self._rows)

    def record(self, row: int) -> T:
        """The record in ``row``."""
        return self._rows[row]

    def _record(self, index: Index) -> T | None:
        """The record behind a valid index, else None (for a subclass's :meth:`data`)."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def clear(self) -> None:
        """Drop every record (before the window is deleted on lock)."""
        self.set_records([])

    # -- QAbstractTableModel -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._titles)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _style(self, record: T, column: Column[T]) -> RowStyle:
        if column.style is not None:
            style = column.style(record)
            if style is not PLAIN:
                return style
        return self._row_style(record) if self._row_style is not None else PLAIN

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        record = self._record(index)
        if record is None or not 0 <= index.column() < len(self._columns):
            return None
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(record) if column.tooltip else column.text(record) or None
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self._style(record, column).colour
            return colors.color(colour) if colour else None
        if role == Qt.ItemDataRole.FontRole:
            style = self._style(record, column)
            if not (style.bold or style.italic or style.strike):
                return None
            font = QFont()
            font.setBold(style.bold)
            font.setItalic(style.italic)
            font.setStrikeOut(style.strike)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._titles):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section]
        if (role == Qt.ItemDataRole.ToolTipRole and section < len(self._columns)
                and self._columns[section].header_tip):
            return self._columns[section].header_tip
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            self._sorted_by = None  # "no sort" (or no specs): the order the records came in
            return
        self._sorted_by = (column, order)
        self.layoutAboutToBeChanged.emit()
        old = list(self._rows)
        positions = self._sorted_positions(column, order)
        self._rows = [old[i] for i in positions]
        new_row = {old_row: new for new, old_row in enumerate(positions)}
        for persistent in self.persistentIndexList():
            moved = self.index(new_row[persistent.row()], persistent.column())
            self.changePersistentIndex(persistent, moved)
        self.layoutChanged.emit()
