"""The Cases section: the case list (search, filters, sortable table) and the open cases, each
in its own tab next to the list.

Keyboard: Ctrl+F search, Ctrl+N new case, Enter or a double-click opens the selected case,
Down in the search box goes to the first case found and Enter there opens the one case found,
Esc or Alt+Left goes back to the list, Ctrl+W closes a case, Ctrl+Tab moves between tabs.
Shift/Ctrl+click or Shift+arrows select several cases; Ctrl+Shift+P exports their case reports
(one Release dialog, one PDF per case, each recorded in its case's dissemination log).

The list is a :class:`~btam_desktop.ui.models.case_table.CaseTableModel`: every live case as a
light tuple, loaded when the page is first shown, then kept current from the session's change
notifications (only the touched cases are re-read). The load paints the first page of cases
at once from the session's connection, then a worker thread
(:class:`~btam_desktop.ui.models.case_loader.CaseLoader`) reads the rest a page at a time
through a read-only connection of its own and hands each page to the table, so the window
never waits for a read. Filters, searches and sorting work meanwhile on the rows in so far
(the load reads every live case whatever the filter, so a new filter or search does not
restart it); changes committed meanwhile are applied when it ends; leaving the page pauses it
(it goes on from where it was when the page is shown again), and a lock, a new load or
quitting stops it. Text search uses
the core's full-text index (names, aliases, notes, titles, forms) ~200 ms after the last key press.
"""

from __future__ import annotations

import gc
import time
from collections import OrderedDict
from dataclasses import replace
from itertools import pairwise
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core import queries
from btam_desktop.core.errors import BtamError
from btam_desktop.core.model import STATUS_LABELS, Case
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter, CaseRow
from btam_desktop.core.session import Session
from btam_desktop.ui import keys, messages, tasks
from btam_desktop.ui.case.badges import ConcernDelegate, badge_size
from btam_desktop.ui.case.case_dialogs import NewCaseDialog
from btam_desktop.ui.case.dialog_base import choice_combo, combo_key
from btam_desktop.ui.case.labels import CONCERN_LABELS, TIER_LABELS
from btam_desktop.ui.case.tab_base import ROW_HEIGHT, can_write
from btam_desktop.ui.column_fit import CELL_PAD, ColumnFit
from btam_desktop.ui.flow import FlowLayout, labelled
from btam_desktop.ui.models.case_loader import CaseLoader
from btam_desktop.ui.models.case_table import COLUMN_KEYS, SHORT_STATUS, CaseTableModel
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.pages.case_view import SHARED_TABLES, CaseView, tab_text
from btam_desktop.ui.pdf.exports import (
    export_case_report_dialog,
    export_case_reports_dialog,
    outcome_box,
)
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import MessageLabel, busy, field_label

SEARCH_DELAY_MS = 200
CHANGE_DELAY_MS = 50  # coalesce a burst of commits (an import, a demo batch) into one update
FULL_RELOAD_AFTER = 5_000  # touched cases beyond which re-reading everything is cheaper
SEARCH_CACHE = 16
FIRST_PAGE = 100  # cases read before the first paint: a screenful even with a filter on
LOAD_PAGE = 1_000  # cases the worker reads and hands over at a time after it
BUSY_RETRY_MS = 100  # a background job (a rekey may replace the file): the load waits
SHOW_EVERY_S = 1.0  # the count (and rows someone could see) are brought up to date this often
MIN_WORD = 2  # one-letter prefixes match nearly every record: too slow to be worth it
# Column widths come from the font (ColumnFit): the texts each column must show whole, and
# for the two that may be cut ("…", the tooltip says it all) the text they show when there
# is room. The title takes the rest, down to the width of TITLE_LEAST.
WHOLE_TEXTS = {"number": ("2026-0000-WWW",), "status": tuple(SHORT_STATUS.values()),
               "tier": tuple(TIER_LABELS.values())}
ROOMY_TEXTS = {"next_review": "\u26a0 task overdue \u00b7 2026-12-09",
               "assigned": "Dana Reyes, Sam Ortiz"}
# The title's share before the cut columns get their full text, and its least (a few words).
TITLE_ROOMY = "Student posted photo of weapon with caption"
TITLE_LEAST = "Student posted photo"
SORT_ARROW = 28  # the sorted column's heading: room for the sort indicator beside its text
HEADING_MARGINS = 10  # any other heading: the section's margins beside its text


class CaseColumnFit(ColumnFit):
    """Sizes the Cases table's columns to its width whenever that changes (ColumnFit).

    Before, fixed widths (1,110 pixels) made the table scroll sideways at 1366 pixels wide
    with "Assigned" cut off. Now, in order of what gives way first as the table narrows:
    the title shrinks to TITLE_ROOMY's width; Next review and Assigned shrink towards their
    headings (their cells end in "…", the tooltip has the whole text); the title shrinks to
    TITLE_LEAST's; then the Tier column is hidden (the case header and the Tier filter
    still say it) rather than pushing columns off the side. The title takes what is left.
    Only the sorted column's heading keeps room for the sort arrow (the only one drawing
    it): at 1024x768 that room in Next review and Assigned cost the title "Client threate…".
    The officer can still drag a column wider; the next resize of the window fits again.
    """

    def __init__(self, table: QTableView) -> None:
        super().__init__(table, COLUMN_KEYS.index("title"))
        # The arrow's room moves with the sort: fit again.
        table.horizontalHeader().sortIndicatorChanged.connect(
            lambda _column, _order: self.refit())

    def column_widths(self, available: int) -> dict[int, int]:
        """:meth:`widths` by column index."""
        return {COLUMN_KEYS.index(key): width for key, width in self.widths(available).items()}

    def widths(self, available: int) -> dict[str, int]:
        """Column key -> width for a viewport ``available`` pixels wide (0: hidden; the
        title's is what is left for it)."""
        table = self._table
        metrics = table.fontMetrics()
        bold = QFont(table.font())
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)
        titles = {key: str(table.model().headerData(COLUMN_KEYS.index(key),
                                                    Qt.Orientation.Horizontal))
                  for key in COLUMN_KEYS}

        header = table.horizontalHeader()
        sorted_column = header.sortIndicatorSection() if header.isSortIndicatorShown() else -1

        def heading(key: str) -> int:
            room = SORT_ARROW if COLUMN_KEYS.index(key) == sorted_column else HEADING_MARGINS
            return metrics.horizontalAdvance(titles[key]) + room

        fixed = {key: max(heading(key), *(metrics.horizontalAdvance(t) + CELL_PAD
                                          for t in texts))
                 for key, texts in WHOLE_TEXTS.items()}
        fixed["concern"] = max(heading("concern"), *(badge_size(table.font(), level).width() + 12
                                                     for level in CONCERN_LABELS))
        roomy = {key: max(heading(key), bold_metrics.horizontalAdvance(text) + CELL_PAD)
                 for key, text in ROOMY_TEXTS.items()}
        least = {key: heading(key) for key in ROOMY_TEXTS}
        title_roomy = metrics.horizontalAdvance(TITLE_ROOMY) + CELL_PAD
        title_min = metrics.horizontalAdvance(TITLE_LEAST) + CELL_PAD
        widths = {**fixed, **roomy}
        # What Next review and Assigned get while the title keeps its roomy width: they give
        # way in proportion, down to their headings.
        room = available - sum(fixed.values()) - title_roomy
        most, fewest = sum(roomy.values()), sum(least.values())
        if room < most:
            share = max(0.0, (room - fewest) / (most - fewest)) if most > fewest else 0.0
            for key in roomy:
                widths[key] = least[key] + int((roomy[key] - least[key]) * share)
        if available - sum(widths.values()) < title_min:
            widths["tier"] = 0
        widths["title"] = max(title_min, available - sum(widths.values()))
        return widths


class CaseList(QWidget):
    """Search box, filters, count and the case table."""

    load_finished = Signal()
    """Every live case is in the table (emitted once per :meth:`load`)."""
    open_requested = Signal(str)
    """Enter in the search box found exactly one case: open it (case id)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._load_after: tuple[str, str] | None = None  # (opened_on, number) of the last
        self._load_expected = 0
        self._load_touched: set[str] = set()  # cases changed while loading: re-read after
        self._load_shown_at = 0.0  # when read rows last joined the table
        self._gc_paused = False  # the load turned Python's cyclic collector off
        self._loader: CaseLoader | None = None  # the worker reading the rest, while it runs
        self._loaders = 0  # generations handed out (signals of an older one are ignored)
        self._load_timer = QTimer(self)  # starts the worker once the first page is painted
        self._load_timer.setSingleShot(True)
        self._load_timer.timeout.connect(self._start_loader)
        app = QApplication.instance()
        if app is not None:  # the thread must end before Qt deletes its object at exit
            app.aboutToQuit.connect(self._stop_loader)
        self._searches: OrderedDict[str, frozenset[int]] = OrderedDict()
        self._enter_waits = False  # Enter in the search box before the load showed a match
        self._held: tuple[str, bool] | None = None  # (case, selected) across a model reset
        self.search_stale = False  # records changed since the text was last searched
        self.model = CaseTableModel(self)

        self.search = QLineEdit()
        self.search.setAccessibleName("Search cases")
        self.search.setPlaceholderText("Search names, aliases, notes, titles, numbers\u2026")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(keys.SEARCH.hint("Search every case") + ". Every word must "
                               "appear somewhere in the case; the last word may be the "
                               "start of a word. A whole case number (2026-0109) finds "
                               "that case.")
        self.status = choice_combo({NOT_CLOSED: "Not closed", **STATUS_LABELS}, NOT_CLOSED,
                                   empty="Any status")
        self.status.setCurrentIndex(self.status.findData(NOT_CLOSED))
        self.concern = choice_combo(CONCERN_LABELS, empty="Any concern")
        self.tier = choice_combo(TIER_LABELS, empty="Any tier")
        self.overdue = QCheckBox("&Overdue")
        self.overdue.setToolTip("Only cases whose review date or an open task is past due")
        self.mine = QCheckBox("Assigned to &me")
        self.mine.setToolTip("Only cases you are assigned to")
        self.mine.setVisible(session.member_id is not None)
        self.clear_button = QPushButton("C&lear filters")
        self.clear_button.setToolTip("Show every case that is not closed")
        self.clear_button.clicked.connect(self.clear_filters)
        for combo, name in ((self.status, "Status filter"), (self.concern, "Concern filter"),
                            (self.tier, "Tier filter")):
            combo.setAccessibleName(name)

        self.count = QLabel()
        self.count.setAccessibleName("Cases shown")
        self.message = MessageLabel()
        self.table = self._make_table()

        self.new_button = QPushButton("&New case\u2026")
        self.new_button.setObjectName("primary")
        self.new_button.setToolTip(keys.NEW_CASE.hint("Open a new case file"))
        self.new_button.setAccessibleName("New case")
        self.new_button.setEnabled(can_write(session))
        self.export_button = QPushButton("E&xport case reports\u2026")
        self.export_button.setAccessibleName("Export case reports")
        self.export_button.setToolTip(
            "Export the case reports of the selected cases as PDFs, one per case "
            f"({keys.BATCH_EXPORT.label()}). Shift+click or Ctrl+click selects several.")
        self.export_button.setEnabled(False)
        # Window-wide on the list only: in an open case Ctrl+P and its own actions apply.
        self.export_action = keys.bind(self, keys.BATCH_EXPORT, lambda: None,
                                       text="Export case reports")  # CasesPage connects it
        search_row = QHBoxLayout()
        search_row.addWidget(field_label("&Search:", self.search))
        search_row.addWidget(self.search, 1)
        search_row.addSpacing(12)
        search_row.addWidget(self.new_button)
        # The filters wrap to a second row on a narrow screen instead of being cut; each
        # label stays with its drop-down.
        filters = FlowLayout(spacing=12, row_spacing=6)
        for text, combo in (("S&tatus:", self.status), ("&Concern:", self.concern),
                            ("T&ier:", self.tier)):
            filters.add_widget(labelled(field_label(text, combo), combo))
        filters.add_widget(self.overdue)
        filters.add_widget(self.mine)
        self.count.setWordWrap(True)
        count_row = QHBoxLayout()
        count_row.addWidget(self.count, 1)
        count_row.addWidget(self.clear_button)
        count_row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(search_row)
        layout.addLayout(filters)
        layout.addLayout(count_row)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        # Tab follows the screen: search, New case, the filters left to right, the table.
        chain = [self.search, self.new_button, self.status, self.concern, self.tier,
                 self.overdue, self.mine, self.clear_button, self.export_button, self.table]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._search_now)
        self.search.textChanged.connect(self._forget_enter)
        self.search.installEventFilter(self)
        for combo in (self.status, self.concern, self.tier):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.overdue.toggled.connect(self.apply_filter)
        self.mine.toggled.connect(self.apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # A reset (filter, search again, the load's end) must not lose the row the officer
        # chose: Enter would then open nothing.
        self.model.modelAboutToBeReset.connect(self._hold_current)
        self.model.modelReset.connect(self._restore_current)
        self.model.modelReset.connect(self._selection_changed)
        self.model.rowsInserted.connect(self._rows_joined)

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName("Cases")
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        # Several cases can be selected for a batch export; Enter opens the current one.
        table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)
        table.setItemDelegateForColumn(COLUMN_KEYS.index("concern"), ConcernDelegate(table))
        # Fixed row heights: the view then never measures 100,000 rows.
        vertical = table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The columns fit the table's width (no sideways scrolling at 1366 or 1024 pixels):
        # the title stretches and long ones end in "…" (see ColumnFit).
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.column_fit = CaseColumnFit(table)
        header.setSortIndicator(COLUMN_KEYS.index("number"), Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        # Sorting without a mouse (a header is clicked, never focused): the current cell's
        # column, chosen with Left and Right; the same column again reverses the order.
        keys.bind(table, keys.SORT, self.sort_by_current_column,
                  context=Qt.ShortcutContext.WidgetShortcut, text="Sort by this column")
        return table

    def sort_by_current_column(self) -> None:
        """Sort by the current cell's column (ascending; the sorted column: reversed),
        keeping the current case in view."""
        table = self.table
        header = table.horizontalHeader()
        current = table.currentIndex()
        column = current.column() if current.isValid() else header.sortIndicatorSection()
        if column < 0 or table.isColumnHidden(column):
            return
        order = Qt.SortOrder.AscendingOrder
        if column == header.sortIndicatorSection():
            order = Qt.SortOrder.DescendingOrder \
                if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder \
                else Qt.SortOrder.AscendingOrder
        table.sortByColumn(column, order)
        if table.currentIndex().isValid():
            table.scrollTo(table.currentIndex())

    # -- loading --------------------------------------------------------------------------------
    def member_names(self) -> dict[str, str]:
        """Member id -> name, removed members included (they may still be assigned)."""
        return {m.id: m.name for m in self._session.members(include_inactive=True)}

    def load(self) -> None:
        """Show the first page of cases now and have a worker read the rest (see the module
        docstring); :attr:`load_finished` says when all are in."""
        self._stop_loader()
        self._load_timer.stop()
        self._load_after = None
        self._load_touched.clear()
        self._load_expected = 0  # the worker counts them first
        self._pause_gc()
        self.model.begin_load(self.member_names())
        self.apply_filter()
        # The first screenful from the session's connection, before the first paint.
        rows = queries.case_rows_page(self._session.db, None, FIRST_PAGE)
        self._take_rows(rows)
        self._load_shown_at = time.monotonic()
        self.model.show_pending()
        if len(rows) < FIRST_PAGE:
            self._finish_load()
            return
        self._show_count()
        self._load_timer.start(0)  # the worker after the first paint, not before it

    def _pause_gc(self) -> None:
        # 100,000 rows (tuples the cyclic collector tracks) arrive in two seconds: each full
        # collection meanwhile walked all of them (up to 0.3 s, holding the interpreter the
        # window needs), two fifths of the load's time. No cycles are made here, so it
        # pauses until the end.
        if gc.isenabled():
            gc.disable()
            self._gc_paused = True

    def _take_rows(self, rows: list[CaseRow]) -> None:
        self.model.append_rows(rows)
        if rows:
            self._load_after = (rows[-1].opened_on, rows[-1].number)

    def _start_loader(self) -> None:
        """Start (or, after a pause, resume) the worker from the last row read."""
        if self._loader is not None or not self.model.loading:
            return
        if not self._session.is_open:
            self._resume_gc(keep_rows=False)
            return
        if tasks.is_busy():  # a job may replace the file (rekey): start after it
            self._load_timer.start(BUSY_RETRY_MS)
            return
        try:
            reader = self._session.open_reader()
        except BtamError as error:
            self._give_up_load(error)
            return
        self._pause_gc()
        self._loaders += 1
        loader = CaseLoader(reader, self._load_after, LOAD_PAGE, self._loaders)
        queued = Qt.ConnectionType.QueuedConnection
        loader.counted.connect(self._counted, queued)
        loader.rows_read.connect(self._rows_read, queued)
        loader.all_read.connect(self._all_read, queued)
        loader.failed.connect(self._load_failed, queued)
        self._loader = loader
        loader.start()

    def _stop_loader(self) -> None:
        """Stop the worker (its connection closed); the rows read so far stay."""
        self._load_timer.stop()
        loader, self._loader = self._loader, None
        if loader is not None:
            loader.cancel()

    def pause_load(self) -> None:
        """The page is left during the load: stop reading until :meth:`resume_load`."""
        if self.model.loading and (self._loader is not None or self._load_timer.isActive()):
            self._stop_loader()
            self._resume_gc(keep_rows=False)

    def resume_load(self) -> None:
        """The page is shown again: go on reading from where the load stopped."""
        if self.model.loading and self._loader is None and not self._load_timer.isActive():
            self._start_loader()

    def _current(self, generation: int) -> CaseLoader | None:
        """The running worker if a signal comes from it (a stopped one's late pages and
        counts are ignored)."""
        loader = self._loader
        return loader if loader is not None and loader.generation == generation else None

    def _counted(self, generation: int, total: int) -> None:
        if self._current(generation):
            self._load_expected = total
            self._show_count()

    def _rows_read(self, generation: int, rows: list[CaseRow]) -> None:
        if not self._current(generation):
            return
        self._take_rows(rows)
        # Each insertion repaints the whole table (100-150 ms at 100,000 cases on a loaded
        # 2-core machine, most of it drawing the visible rows again): rows join at once
        # only while the table shows less than two screenfuls (a search whose matches are
        # still coming), at the count's pace when the member has scrolled to its end, and
        # otherwise, nobody being able to see them yet, when the load ends.
        shown = self.model.rowCount()
        height = self.table.viewport().height()
        screen = max(1, height // ROW_HEIGHT + 1)
        now = time.monotonic()
        due = now - self._load_shown_at >= SHOW_EVERY_S
        # The last row on screen, from the header (the scroll bar's range is updated later,
        # at the next layout); -1: the rows end above the bottom of the table.
        bottom = self.table.rowAt(height - 1)
        at_end = bottom < 0 or bottom >= shown - screen
        if shown < 2 * screen or (due and at_end):
            self.model.show_pending()
        if due:
            # The count once a second, not per page (a new text lays the page out again:
            # the filters wrap).
            self._load_shown_at = now
            self._show_count()

    def _all_read(self, generation: int) -> None:
        loader = self._current(generation)
        if loader is None:
            return
        self._loader = None
        loader.wait()  # it is closing its connection: a moment
        self._finish_load()

    def _load_failed(self, generation: int, error: Exception) -> None:
        loader = self._current(generation)
        if loader is None:
            return
        self._loader = None
        loader.wait()
        if loader.lost_reader and self._session.is_open:
            # Its connection was closed under it (a rekey replaced the file): go on.
            self._load_timer.start(BUSY_RETRY_MS)
            return
        if not isinstance(error, BtamError):
            self._give_up_load(None)
            raise error  # a bug: reported as any other on the GUI thread
        self._give_up_load(error)

    def _give_up_load(self, error: BtamError | None) -> None:
        """What was read stays usable; the message says why the rest is not there."""
        self._resume_gc(keep_rows=False)
        self.model.finish_load()
        self._show_count()
        if error is not None:
            self.message.show_error(messages.describe(error))

    def _resume_gc(self, *, keep_rows: bool) -> None:
        """Turn the collector back on; with ``keep_rows`` the objects alive now (the rows)
        are set aside from its future walks (``gc.freeze``) until the vault locks."""
        if self._gc_paused:
            self._gc_paused = False
            if keep_rows:
                gc.freeze()
            gc.enable()

    def _finish_load(self) -> None:
        self._resume_gc(keep_rows=True)
        selected = self.selected_case_id()
        self.model.finish_load()
        touched, self._load_touched = self._load_touched, set()
        if touched:
            rows = queries.case_rows(self._session.db, touched)
            self.model.update_cases(rows, touched - {row.id for row in rows})
        if selected:
            self.select_case(selected)
        self._show_count()
        self.load_finished.emit()

    def current_filter(self) -> CaseFilter:
        """The filter the controls describe."""
        return CaseFilter(
            text=self.search.text().strip(), status=combo_key(self.status),
            concern=combo_key(self.concern), tier=combo_key(self.tier),
            overdue=self.overdue.isChecked(),
            assigned_to=(self._session.member_id or "") if self.mine.isChecked() else "")

    def _search(self, text: str) -> frozenset[int] | None:
        """The search documents of the cases matching ``text`` (cached); None when no word
        is long enough."""
        words = [w for w in text.split() if w]
        if not any(len(w) >= MIN_WORD for w in words):
            return None
        if text in self._searches:
            self._searches.move_to_end(text)
            return self._searches[text]
        with busy():
            found = queries.matching_docs(self._session.db, text)
        self._searches[text] = found
        while len(self._searches) > SEARCH_CACHE:
            self._searches.popitem(last=False)
        return found

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down (or Page Down) in the search box: to the first case found."""
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            self._to_table()
            return True
        return super().eventFilter(watched, event)

    def _search_if_typed(self) -> None:
        """Search now for what was typed if the pause after typing has not come yet."""
        if self._search_timer.isActive():
            self._search_timer.stop()
            self.apply_filter()

    def _to_table(self) -> None:
        """Into the table at its first row (the current row if one is chosen)."""
        self._search_if_typed()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.model.rowCount() and not self.selected_case_id():
            self.table.selectRow(0)

    def _search_now(self) -> None:
        """Enter in the search box: the one case found opens; with several, the first row
        is chosen in the table. During the load, a search that has shown nothing yet waits
        for its first row."""
        self._search_timer.stop()
        self.apply_filter()
        self._enter_waits = False
        shown = self.model.rowCount()
        if shown == 1 and (not self.model.loading or self._only_match()):
            self.open_requested.emit(self.model.case_id(0))
        elif shown:
            self._to_table()
        elif self.model.loading and self.search.text().strip():
            self._enter_waits = True

    def _only_match(self) -> bool:
        """The search found a single case (whatever the load has shown yet)."""
        text = self.search.text().strip()
        return len(self._searches.get(text, ())) == 1

    def _forget_enter(self) -> None:
        self._enter_waits = False

    def _rows_joined(self, *_args: object) -> None:
        """Rows of the load joined the table: an Enter that waited for them acts now."""
        if not (self._enter_waits and self.model.rowCount()):
            return
        self._enter_waits = False
        if self._only_match():
            self.open_requested.emit(self.model.case_id(0))
        elif self.search.hasFocus():
            self._to_table()

    def _hold_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid() and 0 <= index.row() < self.model.rowCount():
            selected = self.table.selectionModel().isRowSelected(index.row())
            self._held = (self.model.case_id(index.row()), selected)
        else:
            self._held = None

    def _restore_current(self) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        row = self.model.row_of(held[0])
        if row < 0:
            return
        if held[1]:
            self.table.selectRow(row)
        else:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def apply_filter(self) -> None:
        """Show the cases the controls ask for, keeping the selected case selected."""
        self._search_timer.stop()
        if not (self.model.loaded or self.model.loading):
            return
        flt = self.current_filter()
        matching: frozenset[int] | None = None
        hint = ""
        if flt.text:
            try:
                matching = self._search(flt.text)
            except BtamError as error:
                self.message.show_error(messages.describe(error))
                return
            if matching is None:
                hint = "Type at least two letters of a word to search."
                flt = replace(flt, text="")
        selected = self.selected_case_id()
        self.search_stale = False
        self.model.set_filter(flt, matching)
        self._show_count(hint)
        if selected:
            self.select_case(selected)

    def _show_count(self, hint: str = "") -> None:
        shown, total = self.model.rowCount(), self.model.total()
        if self.model.loading:
            expected = max(self._load_expected, total)
            read = f"{total:,} of {expected:,}" if self._load_expected else f"{total:,}"
            text = f"{shown:,} cases shown; loading the rest ({read} read)\u2026"
        elif total == 0:
            text = "No cases yet. Press Ctrl+N to open the first one."
        elif shown == 0:
            text = "No cases match. Change the search or the filters (Clear filters shows " \
                   "every open case)."
        else:
            text = f"{shown:,} of {total:,} cases"
        self.count.setText(f"{text}  {hint}".strip())
        self.message.clear_message()

    def set_filter(self, flt: CaseFilter) -> None:
        """Show the cases ``flt`` describes (the dashboard's tiles lead here); the search
        box is emptied."""
        widgets = (self.status, self.concern, self.tier, self.overdue, self.mine)
        for widget in widgets:
            widget.blockSignals(True)
        self.status.setCurrentIndex(max(0, self.status.findData(flt.status or "")))
        self.concern.setCurrentIndex(max(0, self.concern.findData(flt.concern or "")))
        self.tier.setCurrentIndex(max(0, self.tier.findData(flt.tier or "")))
        self.overdue.setChecked(flt.overdue)
        self.mine.setChecked(bool(flt.assigned_to) and self._session.member_id is not None)
        for widget in widgets:
            widget.blockSignals(False)
        self.search.blockSignals(True)
        self.search.setText(flt.text)
        self.search.blockSignals(False)
        self.apply_filter()

    def clear_filters(self) -> None:
        """Back to every case that is not closed."""
        for widget in (self.status, self.concern, self.tier, self.overdue, self.mine):
            widget.blockSignals(True)
        self.status.setCurrentIndex(self.status.findData(NOT_CLOSED))
        self.concern.setCurrentIndex(0)
        self.tier.setCurrentIndex(0)
        self.overdue.setChecked(False)
        self.mine.setChecked(False)
        for widget in (self.status, self.concern, self.tier, self.overdue, self.mine):
            widget.blockSignals(False)
        self.search.clear()
        self.apply_filter()

    # -- changes --------------------------------------------------------------------------------
    def apply_changes(self, touched: dict[str, set[str]], cases: set[str]) -> None:
        """Bring the rows of ``cases`` up to date after a committed change."""
        if self.model.loading:
            self._searches.clear()
            self._load_touched.update(cases)  # re-read when the load ends
            return
        if not self.model.loaded:
            return
        self._searches.clear()  # any write may change what a search finds
        if "members" in touched:
            self.model.set_member_names(self.member_names())
        if len(cases) > FULL_RELOAD_AFTER:
            self.load()
            return
        if cases:
            rows = queries.case_rows(self._session.db, cases)
            gone = cases - {row.id for row in rows}
            selected = self.selected_case_id()
            self.model.update_cases(rows, gone)
            if selected:
                self.select_case(selected)
        if self.search.text().strip():
            self.search_stale = True
            if self.isVisible() and QApplication.activeModalWidget() is None:
                self.rerun_search()
        self._show_count()

    def rerun_search(self) -> None:
        """Search again for the same text after records changed.

        Deferred while the list is hidden or a dialog is open: a form autosaving twice a
        second must not re-run a search of 100,000 cases behind the officer's back.
        """
        self.search_stale = False
        text = self.search.text().strip()
        matching = self._search(text) if text else None
        if matching is not None:
            self.model.set_matching(matching)
            self._show_count()

    # -- selection ------------------------------------------------------------------------------
    def selected_case_id(self) -> str:
        """The id of the selected case, or ""."""
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return ""
        return self.model.case_id(index.row())

    def selected_cases(self) -> list[tuple[str, str]]:
        """(id, number) of every selected case, in the order the table shows them."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [(row.id, row.number) for row in (self.model.case_row(r) for r in rows)]

    def _selection_changed(self, *_args: object) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.export_button.setEnabled(count > 0)
        self.export_button.setAccessibleDescription(
            f"{count} case{'' if count == 1 else 's'} selected")

    def select_case(self, case_id: str) -> bool:
        """Select ``case_id`` if the filter shows it."""
        row = self.model.row_of(case_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def state(self) -> dict[str, Any]:
        """What the officer set the list to: search text, filters, sort, the selected case.
        Held in memory only across a lock, like a dialog's typing (see ui.held)."""
        header = self.table.horizontalHeader()
        return {"search": self.search.text(),
                "filters": [c.currentIndex() for c in (self.status, self.concern, self.tier)],
                "overdue": self.overdue.isChecked(), "mine": self.mine.isChecked(),
                "sort": [header.sortIndicatorSection(), header.sortIndicatorOrder().value],
                "selected": self.selected_case_id()}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Put back what :meth:`state` gave; the selected case once the rows are in."""
        for combo, index in zip((self.status, self.concern, self.tier),
                                state.get("filters", []), strict=False):
            if isinstance(index, int) and 0 <= index < combo.count():
                combo.setCurrentIndex(index)
        self.overdue.setChecked(bool(state.get("overdue")))
        self.mine.setChecked(bool(state.get("mine")))
        sort = state.get("sort")
        if isinstance(sort, list) and len(sort) == 2 and 0 <= sort[0] < len(COLUMN_KEYS):
            self.table.sortByColumn(int(sort[0]), Qt.SortOrder(int(sort[1])))
        text = str(state.get("search") or "")
        if text:
            self.search.setText(text)
            self.apply_filter()  # now, not after the typing delay
        selected = str(state.get("selected") or "")
        if not selected:
            return
        if self.model.loaded:
            self.select_case(selected)
            return

        def select_when_loaded() -> None:
            self.load_finished.disconnect(select_when_loaded)
            self.select_case(selected)

        self.load_finished.connect(select_when_loaded)

    def teardown(self) -> None:
        """Forget the rows and searches, stop a load (the vault is locking)."""
        self._stop_loader()
        self._load_touched.clear()
        self._resume_gc(keep_rows=False)
        gc.unfreeze()  # what the last load set aside is collected as usual again
        self._search_timer.stop()
        self._searches.clear()
        self.model.clear()


class CaseTabBar(QTabBar):
    """The Cases tab bar: when open cases do not fit, their titles are cut short first (the
    number stays readable while there is room for it) and "All cases" is never cut."""

    def _is_list(self, index: int) -> bool:
        return self.tabToolTip(index) == keys.BACK.hint("The case list")

    def _number_width(self, index: int) -> int:
        """The tab's width with its title cut down to "…" after the case number."""
        least = super().minimumTabSizeHint(index)
        metrics = self.fontMetrics()
        text = self.tabText(index).replace("&&", "&")
        number = text.partition(" \u00b7 ")[0] + "\u2026"
        cut = metrics.elidedText(text, Qt.TextElideMode.ElideRight,
                                 metrics.horizontalAdvance(text[:3] + "\u2026"))
        extra = metrics.horizontalAdvance(number) - metrics.horizontalAdvance(cut)
        return min(self.tabSizeHint(index).width(), least.width() + max(0, extra))

    def minimumTabSizeHint(self, index: int) -> QSize:
        """"All cases" at full size; a case tab wide enough for its number (or, with too many
        cases open for that, as narrow as Qt allows)."""
        if self._is_list(index):
            return self.tabSizeHint(index)
        least = super().minimumTabSizeHint(index)
        needed = sum(self.tabSizeHint(i).width() if self._is_list(i) else self._number_width(i)
                     for i in range(self.count()))
        if needed > self.width():
            return least
        return QSize(self._number_width(index), least.height())


def case_tip(case: Case) -> str:
    """An open case's tab tooltip."""
    return keys.CLOSE_CASE.hint(f"{case.number}: {case.title}; close")


class CasesPage(Page):
    """The Cases section: the list tab and one tab per open case."""

    def __init__(self, session: Session, events: SessionEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__("Cases", parent)
        self._session = session
        self._touched: dict[str, set[str]] = {}
        # No page heading: the navigation says "Cases" and the tab bar which case is open,
        # and every line of a laptop screen is worth a table row.
        self.title_label.hide()
        self.list = CaseList(session)
        self.tabs = QTabWidget()
        self.tabs.setTabBar(CaseTabBar(self.tabs))
        self.tabs.setAccessibleName("Case list and open cases")
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        # Open cases share the bar's width (their titles cut short, the full title in the
        # tooltip) instead of scrolling "All cases" out of view on a small screen.
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.addTab(self.list, "All cases")
        self.tabs.tabBar().setTabButton(0, QTabBar.ButtonPosition.RightSide, None)
        self.tabs.tabBar().setTabToolTip(0, keys.BACK.hint("The case list"))
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.list.new_button.clicked.connect(self.new_case)
        self.list.export_button.clicked.connect(self.export_selected)
        self.list.export_action.triggered.connect(self.export_selected)
        self.export_dialog: QDialog | None = None
        self.body.addWidget(self.tabs, 1)
        self.layout().setContentsMargins(20, 14, 20, 14)  # type: ignore[union-attr]

        self.list.table.activated.connect(self._open_index)
        self.list.open_requested.connect(self.open_case)
        self._actions()
        self._change_timer = QTimer(self)
        self._change_timer.setSingleShot(True)
        self._change_timer.setInterval(CHANGE_DELAY_MS)
        self._change_timer.timeout.connect(self._apply_changes)
        events.changed.connect(self._on_change)

    def _actions(self) -> None:
        # Window-wide while this page is on screen (Qt ignores the shortcuts of a hidden
        # widget's actions) and a case is shown: wherever the focus is, the sidebar and the
        # tab bar included. Ctrl+N and Ctrl+F are the main window's (from any section).
        window = Qt.ShortcutContext.WindowShortcut
        self.back_action = keys.bind(self, keys.BACK, self.show_list, context=window,
                                     text="Back to the case list")
        self.close_action = keys.bind(self, keys.CLOSE_CASE, self.close_current,
                                      context=window, text="Close case")
        self._update_case_actions()

    def _update_case_actions(self) -> None:
        shown = self.current_case_view() is not None
        self.back_action.setEnabled(shown)
        self.close_action.setEnabled(shown)

    def close_current(self) -> None:
        """Ctrl+W: close the case on screen."""
        view = self.current_case_view()
        if view is not None:
            self.close_case(view.case_id)

    # -- page -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Load the list the first time the page is shown."""
        try:
            if not (self.list.model.loaded or self.list.model.loading):
                self.list.load()
            elif self.list.model.loading:
                self.list.resume_load()  # paused when the page was left
            elif self.list.search_stale and self.tabs.currentIndex() == 0:
                self.list.rerun_search()
        except BtamError as error:
            self.list.message.show_error(messages.describe(error))

    def hideEvent(self, event: QHideEvent) -> None:
        """Another section is shown: the list's load pauses (not when the window is
        minimised: the member comes back to it)."""
        super().hideEvent(event)
        if not event.spontaneous():
            self.list.pause_load()

    def _on_tab_changed(self, index: int) -> None:
        self._update_case_actions()
        if index == 0 and self.list.search_stale and self.list.model.loaded:
            self.list.rerun_search()

    def teardown(self) -> None:
        """Save open drafts, then drop every row and case (the vault is locking)."""
        self._change_timer.stop()
        self._touched.clear()
        for view in self.case_views():
            view.teardown()
        self.list.teardown()

    # -- list -----------------------------------------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: to the list, cursor in the search box."""
        self.show_list()
        self.list.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.list.search.selectAll()

    def show_list(self) -> None:
        """Bring the case list to the front."""
        self.tabs.setCurrentIndex(0)
        self.refresh()
        self.list.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_filtered(self, flt: CaseFilter) -> None:
        """The case list with the filters set to ``flt`` (loaded first if need be)."""
        self.tabs.setCurrentIndex(0)
        self.refresh()
        self.list.set_filter(flt)
        self.list.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def new_case(self) -> NewCaseDialog | None:
        """Ctrl+N: the new-case dialog; the new case opens when it is created."""
        if not can_write(self._session):
            return None
        dialog = NewCaseDialog(self._session, self.window())
        dialog.applied.connect(self._created)
        dialog.open()
        return dialog

    def export_selected(self) -> QDialog | None:
        """Ctrl+Shift+P: the case reports of the selected cases (one case: a file to name,
        several: a folder, one PDF per case named by its number)."""
        cases = self.list.selected_cases()
        if not cases:
            self.list.message.show_message(
                "Select the cases to export first (Shift+click or Ctrl+click selects "
                "several).", "info")
            return None

        def show(text: str, kind: str) -> None:
            # A box, not the list's message line: the list re-reads the exported cases
            # right after the job, which clears that line.
            outcome_box(self.window(), "Case reports exported", text, kind)

        if len(cases) == 1:
            try:
                case = self._session.store.get_case(cases[0][0])
            except BtamError as error:
                self.list.message.show_error(messages.describe(error))
                return None
            self.export_dialog = export_case_report_dialog(self, self._session, case, show)
        else:
            self.export_dialog = export_case_reports_dialog(self, self._session, cases, show)
        return self.export_dialog

    def _created(self, case: Any) -> None:
        if isinstance(case, Case):
            self.open_case(case.id)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_case(self.list.model.case_id(index.row()))

    # -- open cases -----------------------------------------------------------------------------
    def case_views(self) -> list[CaseView]:
        """The open cases, in tab order."""
        views = []
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, CaseView):
                views.append(widget)
        return views

    def case_view(self, case_id: str) -> CaseView | None:
        """The open view of ``case_id``."""
        return next((v for v in self.case_views() if v.case_id == case_id), None)

    def current_case_view(self) -> CaseView | None:
        """The case on screen, if any."""
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, CaseView) else None

    def open_case(self, case_id: str) -> CaseView | None:
        """Show ``case_id`` (opening it, which is audited, unless it is open already)."""
        view = self.case_view(case_id)
        if view is None:
            try:
                view = CaseView(self._session, case_id)
            except BtamError as error:
                self.list.message.show_error(messages.describe(error))
                return None
            view.case_changed.connect(lambda case, v=view: self._retitle(v, case))
            case = view.case
            index = self.tabs.addTab(view, tab_text(case) if case else "Case")
            if case is not None:
                self.tabs.setTabToolTip(index, case_tip(case))
        self.tabs.setCurrentWidget(view)
        view.tabs.currentWidget().setFocus(Qt.FocusReason.OtherFocusReason)
        return view

    def _retitle(self, view: CaseView, case: Case) -> None:
        index = self.tabs.indexOf(view)
        if index >= 0:
            self.tabs.setTabText(index, tab_text(case))
            self.tabs.setTabToolTip(index, case_tip(case))

    def _close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, CaseView):
            self.close_case(widget.case_id)

    def close_case(self, case_id: str) -> None:
        """Close an open case (its drafts are saved first) and go back to the list."""
        view = self.case_view(case_id)
        if view is None:
            return
        view.teardown()
        self.tabs.removeTab(self.tabs.indexOf(view))
        view.deleteLater()
        self.show_list()
        self.list.select_case(case_id)

    # -- where the member was (kept by the controller across a lock: ids only) -----------------
    def place(self) -> dict[str, Any]:
        """The open cases, the one on screen and the list's search, filters, sort and
        selection (the search text is held in memory only, as a dialog's typing is)."""
        current = self.current_case_view()
        return {"open": [v.case_id for v in self.case_views()],
                "current": current.case_id if current else "",
                "list": self.list.state()}

    def restore_place(self, place: dict[str, Any]) -> None:
        """Reopen the cases of :meth:`place` (each reopening is audited as a view) and set
        the list as it was."""
        listed = place.get("list")
        if isinstance(listed, dict):
            self.list.restore_state(listed)
        for case_id in place.get("open", []):
            self.open_case(str(case_id))
        current = str(place.get("current") or "")
        if current:
            self.open_case(current)
        else:
            self.show_list()

    # -- change notifications -----------------------------------------------------------------
    def _on_change(self, summary: ChangeSummary) -> None:
        if not summary.touched:
            return  # an audited view or a lock: nothing shown changed
        for table, ids in summary.touched.items():
            self._touched.setdefault(table, set()).update(ids)
        self._change_timer.start()

    def _apply_changes(self) -> None:
        touched, self._touched = self._touched, {}
        if not touched or not self._session.is_open:
            return
        try:
            cases = queries.case_ids_touched(self._session.db, touched)
            self.list.apply_changes(touched, cases)
            shared = bool(SHARED_TABLES & touched.keys())
            for view in self.case_views():
                if shared or view.case_id in cases:
                    view.reload(frozenset(touched))
        except BtamError as error:
            self.list.message.show_error(messages.describe(error))
