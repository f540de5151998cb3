"""Table columns that fit the table's width: no sideways scrolling on a small screen.

:class:`ColumnFit` watches a table's viewport and font and sets its column widths again when
either changes, from :meth:`ColumnFit.column_widths` (a subclass says how its columns give
way: the Cases table, the Sync › Conflicts queue; :class:`ContentColumnFit` sizes them from
their cells, for the case's History & audit tab). One column stretches and takes the rest;
texts too long for their column end in "…" (the table's elide mode) and the model's tooltip
says them whole. The officer can still drag a column wider; the next resize fits again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics
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


FIT_ROWS = 200  # rows measured for a column's width (bounded however long the table)
HEADING_ROOM = 20  # a heading's margins and room beside its text (the sort arrow's, mostly)


def _advance(metrics: QFontMetrics, index: QModelIndex) -> int:
    """How wide a cell's text is drawn: in the model's own font where it gives one (a bold
    status), else the table's."""
    text = str(index.data() or "")
    font = index.data(Qt.ItemDataRole.FontRole)
    if isinstance(font, QFont):
        return QFontMetrics(font).horizontalAdvance(text)
    return metrics.horizontalAdvance(text)


class ContentColumnFit(ColumnFit):
    """Widths from the cells themselves, for a table of records (the case's History & audit
    tab). Columns in ``whole`` (a time) show their widest text whole. Every other column
    keeps at least its heading's width (and ``least``'s, a text it should show before the
    others get more); then the ``prefer`` columns (short texts: a name, a kind), in that
    order, get their widest text; then the rest is shared evenly by the others, short texts
    whole, long ones cut to the same width ("…", the model's tooltip says them whole).
    Column ``stretch`` takes what is left when everything fits. When even the headings do
    not fit, the ``drop`` columns are hidden, in that order, until they do (shown again on
    a wider table). Refits when the rows change."""

    _whole: tuple[int, ...] = ()
    _prefer: tuple[int, ...] = ()
    _least_texts: dict[int, str] = {}  # noqa: RUF012 (replaced per instance, never mutated)
    _drop: tuple[int, ...] = ()

    def __init__(self, table: QTableView, stretch: int, *, whole: tuple[int, ...] = (),
                 prefer: tuple[int, ...] = (), least: dict[int, str] | None = None,
                 drop: tuple[int, ...] = ()) -> None:
        self._drop = drop
        super().__init__(table, stretch)
        self._whole = whole
        self._prefer = prefer
        self._least_texts = dict(least or {})
        self.refit()
        model = table.model()
        model.modelReset.connect(self.refit)
        model.rowsInserted.connect(self.refit)
        model.layoutChanged.connect(self.refit)

    def column_widths(self, available: int) -> dict[int, int]:
        """Whole columns at their widest text; the preferred ones next; the others filled
        evenly up to theirs."""
        table = self.table
        model = table.model()
        metrics = table.fontMetrics()
        heading_metrics = table.horizontalHeader().fontMetrics()
        rows = min(model.rowCount(), FIT_ROWS)
        widths: dict[int, int] = {}
        wants: dict[int, int] = {}
        leasts: dict[int, int] = {}
        for column in range(model.columnCount()):
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            heading = heading_metrics.horizontalAdvance(title) + HEADING_ROOM
            widest = max([0, *(_advance(metrics, model.index(row, column)) + CELL_PAD
                               for row in range(rows))])
            want = max(heading, widest)
            if column in self._whole:
                widths[column] = want
                continue
            wants[column] = want
            least = self._least_texts.get(column)
            leasts[column] = min(want, max(heading, metrics.horizontalAdvance(least) + CELL_PAD
                                           if least else 0))
        left = available - sum(widths.values()) - sum(leasts.values())
        hidden: list[int] = []
        for column in self._drop:
            if left >= 0:
                break
            left += widths.pop(column, 0) + leasts.pop(column, 0)
            wants.pop(column, None)
            hidden.append(column)
        for column in self._prefer:
            if column in hidden:
                continue
            extra = max(0, min(wants[column] - leasts[column], left))
            widths[column] = leasts[column] + extra
            left -= extra
        # Fill evenly: the column wanting least first, each up to its want or a fair share
        # of what is left (never below its least), so short texts stay whole.
        pending = sorted((c for c in wants if c not in self._prefer),
                         key=lambda c: wants[c] - leasts[c])
        for done, column in enumerate(pending):
            fair = max(0, left) // (len(pending) - done)
            extra = min(wants[column] - leasts[column], fair)
            widths[column] = leasts[column] + extra
            left -= extra
        return {**widths, **dict.fromkeys(hidden, 0)}
