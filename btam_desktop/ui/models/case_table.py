"""The case table's model: every live case as a light tuple, filtered and sorted in memory.

100,000 cases are loaded once and kept as plain tuples; filtering and sorting then work on a
list of positions in plain Python (tens of milliseconds, measured in
``tests/bench/bench_case_table.py``) instead of going back to the encrypted database. The
Cases page loads them a page at a time (:meth:`CaseTableModel.begin_load`,
:meth:`~CaseTableModel.append_rows`, :meth:`~CaseTableModel.finish_load`) in the table's
default order, newest number first: in that order each page joins the bottom of the table
as it comes, so the first screen shows at once and the rest never freezes the window. A
text search asks the full-text index once per text for the matching ids. After a change,
only the touched cases are re-read (:meth:`CaseTableModel.update_cases`).

The model is flat (no proxy): a ``QSortFilterProxyModel`` would call :meth:`data` from C++
for every comparison, millions of Python calls for one sort of 100,000 rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from btam_desktop.core import queries
from btam_desktop.core.queries import CaseFilter, CaseRow
from btam_desktop.ui.case import colors
from btam_desktop.ui.case.badges import CONCERN_ROLE
from btam_desktop.ui.case.labels import concern_label, status_label, tier_label, today_iso

Index = QModelIndex | QPersistentModelIndex
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role under which every cell returns its case's id."""

# (key, title, what sorting by it means) in column order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("number", "Number", "Case number (sorted by opening date)"),
    ("title", "Title", "Case title"),
    ("status", "Status", "Status, in workflow order"),
    ("concern", "Concern", "Concern level, low to imminent"),
    ("tier", "Tier", "Prevention tier"),
    ("next_review", "Next review", "Next review date; overdue ones are marked"),
    ("assigned", "Assigned", "Team members assigned to the case"),
)
COLUMN_KEYS = tuple(key for key, _title, _tip in COLUMNS)
OVERDUE_MARK = "\u26a0"  # warning sign: overdue is said in words and a sign, not colour alone
# Up to this many changed cases are repainted in place (finding a row on screen is a scan of
# the view); a bigger batch (an import) rebuilds the view, which costs the same either way.
FEW_CHANGED = 50
# Short words for the narrow Status column (the tooltip and the filter say the full name).
SHORT_STATUS = {"open": "Open", "active": "Active", "monitoring": "Monitoring",
                "closed": "Closed"}


class CaseTableModel(QAbstractTableModel):
    """Cases as table rows; see the module docstring."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []
        self._position: dict[str, int] = {}  # case id -> index in _rows
        self._by_doc: dict[int, int] = {}  # search document (CaseRow.doc) -> index in _rows
        self._view: list[int] = []  # indexes into _rows, filtered and sorted
        self._filter = CaseFilter()
        self._matching: frozenset[int] | None = None
        self._sort_key = "number"
        self._descending = True
        self._names: dict[str, str] = {}
        self._today = today_iso()
        self._loaded = False
        self._loading = False
        self._view_behind = False  # rows appended during a load that the view does not show
        self._pending: list[int] = []  # appended rows that pass the filter, not yet shown
        self._ranks = queries.SortRanks(self._rows, self._names)

    # -- loading --------------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        """True once every live case is in (:meth:`load` or :meth:`finish_load` ran)."""
        return self._loaded

    @property
    def loading(self) -> bool:
        """True between :meth:`begin_load` and :meth:`finish_load`."""
        return self._loading

    def begin_load(self, member_names: dict[str, str]) -> None:
        """Start over with no rows; pages follow through :meth:`append_rows`."""
        self.beginResetModel()
        self._rows, self._view, self._position, self._by_doc = [], [], {}, {}
        self._names = dict(member_names)
        self._ranks = queries.SortRanks(self._rows, self._names)
        self._loaded = False
        self._loading = True
        self._view_behind = False
        self._pending = []
        self._today = today_iso()
        self.endResetModel()

    def append_rows(self, rows: Iterable[CaseRow]) -> None:
        """Add the next page of a load, which comes in list order (newest number first).

        Sorted that way (the default), the page's rows that pass the filter join the bottom
        of the table at the next :meth:`show_pending` (rows inserted, no reset: scroll
        position and selection stay; each insertion repaints the table, so the page calls it
        a few times a second, not per page); sorted another way, they are shown when the
        load finishes (or the sort or filter changes).
        """
        rows_, position, by_doc = self._rows, self._position, self._by_doc
        added: list[int] = []
        for row in rows:
            if row.id not in position:  # a case moved during the load: keep one
                # One int object for the row's place in the index and in the view (each
                # costs 28 bytes: 3 MB at 100,000 cases).
                at = len(rows_)
                position[row.id] = by_doc[row.doc] = at
                rows_.append(row)
                added.append(at)
        if not added:
            return
        if not self._in_list_order():
            self._view_behind = True
            return
        passes = queries.row_predicate(self._filter, self._today, self._matching)
        self._pending += [at for at in added if passes(rows_[at])]

    def show_pending(self) -> None:
        """Show the appended rows that wait (at the bottom, in list order)."""
        new, self._pending = self._pending, []
        if new:
            first = len(self._view)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._view.extend(new)
            self.endInsertRows()

    def finish_load(self) -> None:
        """Every page is in: sorting by any column is quick from now on."""
        self.show_pending()
        self._loading = False
        self._loaded = True
        self._ranks = queries.SortRanks(self._rows, self._names)
        if self._view_behind:
            self._view_behind = False
            self._refresh_view()

    def _in_list_order(self) -> bool:
        """Sorted as the rows are stored during a load (newest number first)."""
        return self._sort_key == "number" and self._descending

    def load(self, rows: Sequence[CaseRow], member_names: dict[str, str]) -> None:
        """Show ``rows`` (every live case) with assigned members named from ``member_names``."""
        self.beginResetModel()
        self._rows = list(rows)
        self._index_rows()
        self._names = dict(member_names)
        self._ranks = queries.SortRanks(self._rows, self._names)
        self._loaded = True
        self._loading = False
        self._view_behind = False
        self._today = today_iso()
        self._view = self._compute_view()
        self.endResetModel()

    def clear(self) -> None:
        """Forget every row (the page is torn down when the vault locks)."""
        self.beginResetModel()
        self._rows, self._view, self._position, self._by_doc = [], [], {}, {}
        self._matching = None
        self._names = {}
        self._ranks = queries.SortRanks(self._rows)
        self._loaded = False
        self._loading = False
        self._view_behind = False
        self._pending = []
        self.endResetModel()

    def _index_rows(self) -> None:
        """Each row's index by case id and by search document, for the rows as they are."""
        self._position = {row.id: i for i, row in enumerate(self._rows)}
        self._by_doc = {row.doc: i for i, row in enumerate(self._rows)}

    def _replace(self, at: int, row: CaseRow) -> None:
        """Put ``row`` in place of the row at ``at`` (the same case), its document's index
        kept in step: a new opening day gives the case a new search document."""
        old = self._rows[at].doc
        if old != row.doc:
            self._by_doc.pop(old, None)
            self._by_doc[row.doc] = at
        self._rows[at] = row

    def update_cases(self, changed: Iterable[CaseRow], gone: Collection[str] = ()) -> None:
        """Replace or add ``changed`` rows and drop the ids in ``gone`` (trashed cases).

        When no changed case enters or leaves the filter or moves in the sort order (an
        entry added, a task done), only its cells are repainted and nothing else is
        recomputed, so the member's scroll position and selection survive someone else's
        edit; otherwise the view is rebuilt.
        """
        changed = list(changed)
        if not gone and self._same_places(changed):
            for row in changed:
                self._replace(self._position[row.id], row)
            for row in changed:
                shown = self.row_of(row.id)
                if shown >= 0:
                    self.dataChanged.emit(self.index(shown, 0),
                                          self.index(shown, len(COLUMNS) - 1))
            return
        for row in changed:
            known = self._position.get(row.id)
            if known is None:
                self._position[row.id] = self._by_doc[row.doc] = len(self._rows)
                self._rows.append(row)
            else:
                self._replace(known, row)
        if gone:
            drop = {self._position[i] for i in gone if i in self._position}
            if drop:
                self._rows = [r for i, r in enumerate(self._rows) if i not in drop]
                self._index_rows()
        self._ranks = queries.SortRanks(self._rows, self._names)
        self._refresh_view()

    def _same_places(self, changed: list[CaseRow]) -> bool:
        """True when every changed row exists, passes the filter as before and sorts the
        same (so the visible order cannot change)."""
        if not changed or len(changed) > FEW_CHANGED or any(
                row.id not in self._position for row in changed):
            return False
        passes = queries.row_predicate(self._filter, self._today, self._matching)
        key = queries.sort_key(self._sort_key, self._names)
        for row in changed:
            old = self._rows[self._position[row.id]]
            if passes(old) != passes(row) or key(old) != key(row):
                return False
        return True

    def set_member_names(self, names: dict[str, str]) -> None:
        """Member id -> name for the Assigned column (members come and go)."""
        self._names = dict(names)
        self._ranks = queries.SortRanks(self._rows, self._names)
        self._refresh_view()

    # -- filtering and sorting ---------------------------------------------------------------
    def set_filter(self, flt: CaseFilter, matching: frozenset[int] | None = None) -> None:
        """Show the cases passing ``flt``; ``matching`` holds the documents the text search
        found (:func:`~btam_desktop.core.queries.matching_docs`)."""
        self._filter = flt
        self._matching = matching if flt.text.strip() else None
        self._today = today_iso()
        self.beginResetModel()
        self._view = self._compute_view()
        self.endResetModel()

    def set_matching(self, matching: frozenset[int]) -> None:
        """New text-search results for the same text (after a change to the records)."""
        if matching == self._matching:
            return
        self._matching = matching
        self._refresh_view()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._sort_key = COLUMN_KEYS[column]
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        # Remember persistent rows (selection, current) by case, not by position.
        held = [(p, self._rows[self._view[p.row()]].id) for p in persistent
                if 0 <= p.row() < len(self._view)]
        if self._view_behind:  # during a load: the rows the view left out come in now
            self._view = self._compute_view()
        else:
            self._view = self._ordered(self._view)
        if held:
            row_of = {self._rows[at].id: n for n, at in enumerate(self._view)}
            for index, case_id in held:
                self.changePersistentIndex(index, self.index(row_of[case_id], index.column()))
        self.layoutChanged.emit()

    def _ordered(self, positions: Iterable[int]) -> list[int]:
        if self._loading:
            # The rows still grow, so no ranks yet; in list order a position's order is its
            # place in the rows.
            if self._in_list_order():
                return sorted(positions)
            return queries.order(self._rows, positions, self._sort_key,
                                 descending=self._descending, member_names=self._names)
        return queries.order(self._rows, positions, self._sort_key,
                             descending=self._descending, ranks=self._ranks)

    def _compute_view(self) -> list[int]:
        self._view_behind = False
        self._pending = []  # the view computed from every row holds them
        chosen = queries.select(self._rows, self._filter, today=self._today,
                                matching=self._matching, by_doc=self._by_doc)
        return self._ordered(chosen)

    def _refresh_view(self) -> None:
        view = self._compute_view()
        if view == self._view:
            if self._view:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(self._view) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._view = view
        self.endResetModel()

    # -- reading ----------------------------------------------------------------------------------
    def total(self) -> int:
        """Every live case loaded, whatever the filter."""
        return len(self._rows)

    def case_id(self, row: int) -> str:
        """The id of the case shown in ``row``."""
        return self._rows[self._view[row]].id

    def case_row(self, row: int) -> CaseRow:
        """The tuple shown in ``row``."""
        return self._rows[self._view[row]]

    def row_of(self, case_id: str) -> int:
        """The table row showing ``case_id``, or -1 when the filter hides it."""
        at = self._position.get(case_id)
        if at is None:
            return -1
        try:
            return self._view.index(at)
        except ValueError:
            return -1

    # -- QAbstractTableModel -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._view)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Sort by: {COLUMNS[section][2]}"
        return None

    def _assigned(self, row: CaseRow) -> str:
        return ", ".join(sorted(self._names.get(m, "(former member)") for m in row.assigned))

    def _review_text(self, row: CaseRow) -> str:
        # The state first: when the column is narrow, the date is what gets cut off.
        text = row.next_review or "\u2014"
        if row.review_overdue(self._today):
            return f"{OVERDUE_MARK} overdue \u00b7 {text}"
        if row.task_overdue(self._today):
            return f"{OVERDUE_MARK} task overdue \u00b7 {text}"
        return text

    def _display(self, row: CaseRow, key: str) -> str:
        if key == "number":
            return row.number
        if key == "title":
            return row.title
        if key == "status":
            return SHORT_STATUS.get(row.status) or status_label(row.status)
        if key == "concern":
            return concern_label(row.concern)
        if key == "tier":
            return tier_label(row.tier)
        if key == "next_review":
            return self._review_text(row)
        return self._assigned(row)

    def _tooltip(self, row: CaseRow, key: str) -> str | None:
        if key == "next_review":
            if row.review_overdue(self._today):
                return f"The review was due on {row.next_review}."
            if row.task_overdue(self._today):
                return f"A task or review on this case was due on {row.task_due}."
            return "No review date set." if not row.next_review else None
        if key in ("title", "assigned"):
            return self._display(row, key) or None
        if key == "status":
            return status_label(row.status)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._view):
            return None
        row = self._rows[self._view[index.row()]]
        key = COLUMN_KEYS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(row, key)
        if role == CASE_ID_ROLE:
            return row.id
        if role == CONCERN_ROLE:
            return row.concern if key == "concern" else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        if key == "next_review" and row.overdue(self._today):
            if role == Qt.ItemDataRole.ForegroundRole:
                return colors.color("error")
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None
