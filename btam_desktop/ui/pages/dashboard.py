"""The dashboard: who is signed in, the caseload at a glance, and the work that is due.

* first, three panels that lead to the work: "Needs attention now" (cases not closed of
  imminent or high concern, and overdue cases; links above the list open each group in
  Cases), "My caseload" (cases not closed assigned to me; its link opens Cases with "Assigned
  to me") and "Since you last signed in" (cases newly assigned to me and changes by others on
  my cases since my previous unlock: case number, field names and who, never content; at
  most :data:`SINCE_ROWS` rows and "and N more");
* counts (open, active, monitoring, overdue) and two bar charts: the open caseload by concern
  level and by status;
* short clickable lists: overdue reviews and tasks, reviews and tasks due in the next 14 days
  (today included), my tasks;
* recent activity: who did what (from the audit trail; never case content).

A click (or Enter) on a case asks the main window to open it: ``MainWindow.open_case`` when
the window has one, else the ``open_case_requested(case_id)`` signal.

Cost. The page reads only when it is visible; while hidden, a change just marks it stale and
it re-reads when shown. Each list reads only the rows it shows, so the page costs about the
same with 30 overdue items as with 30,000. The counts of overdue and upcoming work are exact
``count(*)`` queries over the partial index of open tasks (tens of milliseconds at 100,000
cases). "My tasks" is counted exactly over the open-tasks-by-assignee index; its list reads
the first dated tasks, then undated ones if room is left.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, cast

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core import queries
from btam_desktop.core.model import CONCERN_LEVELS, STATUS_LABELS, AuditEntry, Case, Task
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter
from btam_desktop.core.session import Session
from btam_desktop.core.store import CaseStore
from btam_desktop.core.sync import conflicts as sync_conflicts
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.charts import Bar, BarChart
from btam_desktop.ui.flow import FlowLayout, ResponsiveGrid
from btam_desktop.ui.labels import leads_team, team_role_label
from btam_desktop.ui.pages.audit import QUIET_ACTIONS, action_label, describe, local_time
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import MessageLabel, muted

OPEN_STATUSES = ("open", "active", "monitoring")
CONCERN_LABELS = {"low": "Low", "moderate": "Moderate", "high": "High", "imminent": "Imminent"}
UPCOMING_DAYS = 14
# Reviews and tasks alike, as in the overdue panel next to it: the count is then one exact
# count(*) (the core's open-task queries have no "kind" filter; counting reviews alone would
# mean reading every task of the two weeks, some 14,000 at 100,000 cases).
UPCOMING_TITLE = f"Reviews and tasks in the next {UPCOMING_DAYS} days"
LIST_ROWS = 4
# A panel's least width: two side by side at 1024x768 with the sidebar open, three at 1366.
# At 220 three fitted at 1024, and their lists cut case titles to three letters ("Let...").
PANEL_WIDTH = 300
ACTIVITY_ROWS = 4
EARLIEST = "0001-01-01"  # "due from" this date: every dated task, no undated one
# Recent activity skips reading and unlocking (QUIET_ACTIONS); it reads the trail a page at a
# time, at most this many pages, so a morning of case views cannot make the page slow.
ACTIVITY_PAGE = 50
ACTIVITY_PAGES = 4
CASE_ROLE = Qt.ItemDataRole.UserRole
ATTENTION_ROWS = 5  # rows the attention list reads (and shows without scrolling)
MY_CASES_ROWS = 5
SINCE_ROWS = 20  # "Since you last signed in" lists at most this many, then "and N more"
SINCE_VISIBLE = 5  # ... showing this many at a time (the list scrolls)
# The links above "Needs attention now": (key, caption, what it opens).
ATTENTION_LINKS: tuple[tuple[str, str, CaseFilter], ...] = (
    ("imminent", "Imminent", CaseFilter(status=NOT_CLOSED, concern="imminent")),
    ("high", "High", CaseFilter(status=NOT_CLOSED, concern="high")),
    ("overdue", "Overdue", CaseFilter(status=NOT_CLOSED, overdue=True)),
)
REASON_WORDS = {"imminent": "Imminent concern", "high": "High concern",
                "overdue": "Review or task overdue"}

# Which counts the cards show: (key, caption).
COUNTS: tuple[tuple[str, str], ...] = (
    ("open", "Open, not yet managed"),
    ("active", STATUS_LABELS["active"]),
    ("monitoring", STATUS_LABELS["monitoring"]),
    ("overdue", "Cases overdue"),
)
# What each card opens: the Cases list filtered to exactly the cases it counts.
CARD_FILTERS: dict[str, CaseFilter] = {
    "open": CaseFilter(status="open"),
    "active": CaseFilter(status="active"),
    "monitoring": CaseFilter(status="monitoring"),
    "overdue": CaseFilter(status=NOT_CLOSED, overdue=True),
}
CARD_TIPS = {
    "overdue": "Cases not closed whose review date or an open task is past due (a case "
               "with several late tasks counts once); opens them in Cases",
}


def open_case(widget: QWidget, case_id: str) -> bool:
    """Ask the main window to open a case; False when it has no ``open_case`` (yet)."""
    opener = getattr(widget.window(), "open_case", None)
    if callable(opener):
        opener(case_id)
        return True
    return False


def due_phrase(due_on: str | None, today: date, *, with_date: bool = True) -> str:
    """"due today", "due in 3 days", "5 days overdue" (and the date, unless told not to)."""
    if not due_on:
        return "no due date"
    try:
        due = date.fromisoformat(due_on)
    except ValueError:
        return f"due {due_on}"
    days = (due - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    suffix = f" ({due_on})" if with_date else ""
    if days > 1:
        return f"due in {days} days{suffix}"
    late = -days
    return f"{late} day{'s' if late != 1 else ''} overdue{suffix}"


def activity_time(at: str, today: date) -> str:
    """"14:05" for today, "Mon 23 Nov 14:05" before (local time)."""
    stamp = local_time(at)
    day, _, clock = stamp.partition(" ")
    if day == today.isoformat():
        return clock
    try:
        return f"{date.fromisoformat(day).strftime('%a %d %b')} {clock}"
    except ValueError:
        return stamp


@dataclass
class DashboardData:
    """Everything the dashboard shows, read in one go (see :func:`load`)."""

    agency: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    by_concern: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    overdue: list[tuple[Task, Case]] = field(default_factory=list)
    upcoming: list[tuple[Task, Case]] = field(default_factory=list)
    upcoming_total: int = 0
    mine: list[tuple[Task, Case]] = field(default_factory=list)
    mine_total: int = 0
    mine_capped: bool = False  # mine_total is a lower bound (never now: it is exact)
    activity: list[AuditEntry] = field(default_factory=list)
    conflicts: int = 0  # sync conflicts waiting for a lead (counted for leads only)
    overdue_tasks: int = 0  # open tasks past due, in any case (closed ones too)
    attention: list[queries.AttentionCase] = field(default_factory=list)
    attention_counts: dict[str, int] = field(default_factory=dict)
    my_cases: list[queries.MyCase] = field(default_factory=list)
    my_cases_total: int = 0
    first_sign_in: bool = True  # no earlier unlock of this member: nothing to compare with
    since: list[queries.SinceChange] = field(default_factory=list)


# A connection to the vault: the session's own or a reader's (Session.open_reader). The UI
# names no database type (tests/ui/test_ui_layering.py): it only hands one to the core.
Connection = Any


def load(session: Session, today: date | None = None, *,
         reads: Connection | None = None) -> DashboardData:
    """Read the dashboard's numbers and lists through the store; ``reads``: another
    connection to read through than the session's own (a reader on a worker thread, see
    :class:`FirstLoad`; only the session's member, role and path are used then)."""
    today = today or date.today()
    db = reads if reads is not None else session.db
    data = DashboardData()
    for part in READS:
        part(session, today, db, data)
    return _finish(data)


def _store(session: Session, db: Connection) -> CaseStore:
    """The session's store, or a store reading through ``db`` (CaseStore reads through its
    ``.db`` alone)."""
    return session.store if db is session.db else CaseStore(cast(Session, _Reads(db)))


def _read_focus(session: Session, today: date, db: Connection, data: DashboardData) -> None:
    """The agency, the cards and charts, "Needs attention now" and "Since you last signed
    in" (one of the two halves of :func:`load`; each fills fields of its own)."""
    # The agency as Session.setting reads it, from this connection.
    data.agency = db.meta("setting:agency") or ""
    # Status x concern counts: one walk of the (status, concern) index.
    counts = queries.case_counts(db)
    for status in OPEN_STATUSES:
        data.by_status[status] = 0
        for concern in CONCERN_LEVELS:
            count = counts.get((status, concern), 0)
            data.by_status[status] += count
            data.by_concern[concern] = data.by_concern.get(concern, 0) + count
    data.closed = sum(n for (status, _concern), n in counts.items() if status == "closed")
    iso_today = today.isoformat()
    data.attention_counts = queries.attention_counts(db, iso_today)
    data.attention = queries.attention_cases(db, iso_today, ATTENTION_ROWS)
    if session.member_id:
        since = queries.previous_unlock_hlc(db, session.member_id)
        data.first_sign_in = since is None
        if since is not None:
            data.since = queries.changes_since(db, session.member_id, since)


def _read_work(session: Session, today: date, db: Connection, data: DashboardData) -> None:
    """The overdue, upcoming and my tasks, "My caseload", recent activity and the conflicts
    (the other half of :func:`load`)."""
    store = _store(session, db)
    iso_today = today.isoformat()
    # Exact counts, and only the rows the lists show: the backlog itself is never read.
    data.overdue_tasks = store.count_open_tasks(due_before=iso_today)
    overdue = store.open_tasks(due_before=iso_today, limit=LIST_ROWS)
    horizon = (today + timedelta(days=UPCOMING_DAYS)).isoformat()
    upcoming = store.open_tasks(due_from=iso_today, due_before=horizon, limit=LIST_ROWS)
    data.upcoming_total = store.count_open_tasks(due_from=iso_today, due_before=horizon)

    cases: dict[str, Case] = {}

    def with_case(items: list[Task]) -> list[tuple[Task, Case]]:
        result = []
        for task in items[:LIST_ROWS]:
            if task.case_id not in cases:
                cases[task.case_id] = store.get_case(task.case_id)
            result.append((task, cases[task.case_id]))
        return result

    data.overdue = with_case(overdue)
    data.upcoming = with_case(upcoming)
    if session.member_id:
        # The next due date first, undated tasks after them (the core puts those first):
        # the first dated ones, then undated ones if room is left; only the shown rows are
        # read (not a thousand tasks to sort them here).
        mine = store.open_tasks(assignee_id=session.member_id, due_from=EARLIEST,
                                limit=LIST_ROWS)
        if len(mine) < LIST_ROWS:
            mine += [t for t in store.open_tasks(assignee_id=session.member_id,
                                                 limit=LIST_ROWS) if t.due_on is None]
        # Exact: the vault indexes open tasks by assignee (schema v4).
        data.mine_total = store.count_open_tasks(assignee_id=session.member_id)
        data.mine_capped = False
        data.mine = with_case(mine)
        data.my_cases_total, data.my_cases = queries.my_caseload(
            db, session.member_id, MY_CASES_ROWS)
    data.activity = _recent_activity(store)
    if session.role == "lead":
        data.conflicts = sync_conflicts.open_count(db)


READS = (_read_focus, _read_work)
"""The dashboard's reads, in two halves that each fill fields of their own."""


def _finish(data: DashboardData) -> DashboardData:
    """What needs both halves: the cards' counts."""
    data.counts.update(data.by_status)
    # "Cases overdue": cases, not tasks, the number the Cases page shows with "Overdue" and
    # "Not closed", as the "Overdue" link; counted once for both.
    data.counts["overdue"] = data.attention_counts["overdue"]
    return data


def _recent_activity(store: CaseStore) -> list[AuditEntry]:
    """The newest entries that are not :data:`QUIET_ACTIONS`, a page of the trail at a time."""
    found: list[AuditEntry] = []
    for page in range(ACTIVITY_PAGES):
        entries = store.audit_trail(limit=ACTIVITY_PAGE, offset=page * ACTIVITY_PAGE)
        found += [e for e in entries if e.action not in QUIET_ACTIONS]
        if len(found) >= ACTIVITY_ROWS or len(entries) < ACTIVITY_PAGE:
            break
    return found[:ACTIVITY_ROWS]


@dataclass
class _Reads:
    """What a :class:`CaseStore` needs to read: a connection."""

    db: Connection


class FirstLoad:
    """The dashboard's first read after an unlock, on a worker thread through a read-only
    connection of its own, while the GUI thread builds the main window (issue 12: unlock ->
    dashboard painted). The page takes the result before it is first shown
    (:meth:`DashboardPage.refresh`), so its first paint has every number; should the read
    fail (the vault locked meanwhile), the page reads on its own connection as usual.

    The reads are :func:`load`'s, in a snapshot taken after the unlock's own audit entry (so
    "Since you last signed in" compares with the sign-in before this one). One thread, not
    one per half of the reads: two connections decrypt the same index pages twice, which
    costs more than it saves once the laptop's second core is busy. No Qt object is touched
    off the GUI thread."""

    # The probes of the late tasks and of a member's cases walk the live-cases index more
    # than once: a cache that holds it (the connection closes when the read is done).
    CACHE_KIB = 65_536
    # Taken later than this after the unlock, the data is read again instead.
    FRESH_S = 60.0

    def __init__(self, session: Session, today: date | None = None) -> None:
        self._started = time.monotonic()
        self._data: DashboardData | None = None
        self._reader = session.open_reader(cache_kib=self.CACHE_KIB)
        self._thread = threading.Thread(target=self._run, args=(session, today),
                                        name="dashboard-first-load", daemon=True)
        self._thread.start()

    def _run(self, session: Session, today: date | None) -> None:
        try:
            with self._reader.use() as db:
                self._data = load(session, today, reads=db)
        except Exception:  # the page reads again on its own connection
            self._data = None
        finally:
            self._reader.close()  # no read snapshot kept open (it would hold the WAL)

    def take(self, timeout_s: float = 30.0) -> DashboardData | None:
        """The data read (waiting for it), or None if the read failed, took too long or is
        no longer fresh (the page was first shown long after the unlock)."""
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self.drop()  # interrupts it; the page reads on its own connection
            return None
        if time.monotonic() - self._started > self.FRESH_S:
            return None
        return self._data

    def drop(self) -> None:
        """Not wanted any more (something changed): stop the read if it is under way."""
        self._reader.close()


# The first load of each unlocked session, started by the controller before the main window
# is built and taken by that session's dashboard page (weakly held: a session that locks
# before its page is built leaves nothing behind).
_first_loads: weakref.WeakKeyDictionary[Session, FirstLoad] = weakref.WeakKeyDictionary()


def start_first_load(session: Session) -> None:
    """Start reading ``session``'s dashboard on a worker thread (see :class:`FirstLoad`);
    the :class:`DashboardPage` made next for this session takes it."""
    _first_loads[session] = FirstLoad(session)


class CountCard(QFrame):
    """A big number with a caption; a click, Enter or Space on it emits ``activated`` (the
    dashboard opens the cases it counts)."""

    activated = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.caption = caption
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.value = QLabel("\u2013")
        self.value.setObjectName("cardValue")
        label = QLabel(caption)
        label.setObjectName("cardLabel")
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.addWidget(self.value)
        layout.addWidget(label)
        self.setMinimumWidth(150)

    def set_count(self, count: int) -> None:
        """Show ``count`` (with thousands separators)."""
        text = f"{count:,}"
        self.value.setText(text)
        self.setAccessibleName(f"{self.caption}: {text}")
        self.setAccessibleDescription("Opens these cases in the Cases section")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click opens what the card counts."""
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.activated.emit()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter or Space opens what the card counts."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit()
            return
        super().keyPressEvent(event)


class Section(QFrame):
    """A titled panel (heading, content, an optional footnote)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.heading = QLabel(title)
        self.heading.setObjectName("sectionTitle")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.footnote = muted("")
        self.footnote.hide()
        self.content = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(4)
        layout.addWidget(self.heading)
        layout.addLayout(self.content)
        layout.addWidget(self.footnote)
        layout.addStretch(1)  # panels side by side line up at the top

    def set_footnote(self, text: str) -> None:
        """Show (or with "" hide) a line under the content."""
        self.footnote.setText(text)
        self.footnote.setVisible(bool(text))


class TwoLineDelegate(QStyledItemDelegate):
    """Draws an item's text ("first\nsecond") as a bold first line and a muted second line,
    each cut off with an ellipsis, so rows of two lines read apart at a glance."""

    PADDING = 4

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
                 ) -> QSize:
        """Two lines and a little air."""
        metrics = option.fontMetrics
        return QSize(200, 2 * metrics.lineSpacing() + 2 * self.PADDING + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        """Selection and focus as the style draws them, then the two lines."""
        view = QStyleOptionViewItem(option)
        self.initStyleOption(view, index)
        text = view.text
        view.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, view, painter, widget)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        strong = palette.color(QPalette.ColorRole.HighlightedText if selected
                               else QPalette.ColorRole.Text)
        soft = strong if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        rect = self._text_rect(option.rect)
        line = option.fontMetrics.lineSpacing()
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.save()
        for n, (shown, bold) in enumerate(self._lines(text, int(rect.width()), option.font)):
            font = QFont(option.font)
            font.setBold(bold)
            painter.setFont(font)
            painter.setPen(strong if bold or n == 0 else soft)
            painter.drawText(QRectF(rect.left(), rect.top() + n * line, rect.width(), line),
                             left, shown)
        painter.restore()

    def _text_rect(self, rect: QRect) -> QRectF:
        return QRectF(rect.adjusted(self.PADDING + 2, self.PADDING, -self.PADDING, 0))

    @staticmethod
    def _lines(text: str, width: int, font: QFont) -> list[tuple[str, bool]]:
        """The lines drawn for ``text`` in ``width`` pixels: (text, bold).

        "first\nsecond": the first bold, the second plain, each cut with an ellipsis. A
        single line (a list's "Nothing new on your cases.") wraps onto the second line
        instead: in a narrow panel it was cut short."""
        # initStyleOption turns "\n" into U+2028 (line separator); accept both.
        first, _, second = text.replace("\u2028", "\n").partition("\n")
        elide = Qt.TextElideMode.ElideRight
        plain = QFontMetrics(font)
        if second:
            bold = QFont(font)
            bold.setBold(True)
            return [(QFontMetrics(bold).elidedText(first, elide, width), True),
                    (plain.elidedText(second, elide, width), False)]
        words = first.split(" ")
        head = words[0]
        for at in range(1, len(words)):
            longer = " ".join(words[:at + 1])
            if plain.horizontalAdvance(longer) > width:
                rest = " ".join(words[at:])
                return [(head, False), (plain.elidedText(rest, elide, width), False)]
            head = longer
        return [(plain.elidedText(head, elide, width), False)]

    def shown_lines(self, view: QListWidget, index: QModelIndex) -> list[str]:
        """The lines as drawn now for the row ``index`` of ``view`` (cut ones end in "…")."""
        rect = self._text_rect(view.visualRect(index))
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        return [shown for shown, _bold in self._lines(text, int(rect.width()), view.font())]


def _fit_rows(widget: QListWidget, rows: int) -> None:
    """Make a list exactly ``rows`` items tall (at least one), so panels do not scroll."""
    rows = max(1, min(rows, widget.count()))
    height = widget.sizeHintForRow(0) if widget.count() else 28
    widget.setFixedHeight(rows * max(height, 1) + 2 * widget.frameWidth() + 2)


class CaseList(QListWidget):
    """A short list of due work; activating an entry (click, Enter) opens its case."""

    case_activated = Signal(str)

    def __init__(self, name: str, empty_text: str, parent: QWidget | None = None, *,
                 rows: int = LIST_ROWS) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.empty_text = empty_text
        self.rows = rows
        self.setUniformItemSizes(True)
        self.setItemDelegate(TwoLineDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)

    def set_entries(self, entries: list[tuple[str, str, str]]) -> None:
        """Rows of (case id, text, accessible text); a placeholder row when empty."""
        self.clear()
        for case_id, text, spoken in entries:
            item = QListWidgetItem(text)
            item.setData(CASE_ROLE, case_id)
            item.setToolTip(spoken)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
            self.addItem(item)
        if not entries:
            item = QListWidgetItem(self.empty_text)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)
        _fit_rows(self, self.rows)

    def case_ids(self) -> list[str]:
        """The case of each row (empty rows skipped)."""
        ids = (self.item(i).data(CASE_ROLE) for i in range(self.count()))
        return [str(case_id) for case_id in ids if case_id]

    def _activated(self, item: QListWidgetItem) -> None:
        case_id = item.data(CASE_ROLE)
        if case_id:
            self.case_activated.emit(str(case_id))


def _task_entry(task: Task, case: Case, today: date) -> tuple[str, str, str]:
    # Two lines: what is due and how late first, then which case; a narrow column cuts off
    # the end of the title, never the deadline.
    what = "Review" if task.kind == "review" else task.title
    due = due_phrase(task.due_on, today, with_date=False)
    text = f"{due} \u00b7 {what}\n{case.number}  {case.title}"
    spoken = f"{what}, {due_phrase(task.due_on, today)}: case {case.number}, {case.title}"
    return case.id, text, spoken


def _attention_entry(case: queries.AttentionCase, today: date) -> tuple[str, str, str]:
    why = REASON_WORDS[case.reason]
    if case.next_review:
        why += f" \u00b7 review {due_phrase(case.next_review, today, with_date=False)}"
    # The title first and whole-width (what an officer reads first), the number leading the
    # second line: "number  title" on one line left a narrow panel three letters of title.
    text = f"{case.title}\n{case.number} \u00b7 {why}"
    return case.id, text, f"{why}: case {case.number}, {case.title}"


def _my_case_entry(case: queries.MyCase, today: date) -> tuple[str, str, str]:
    facts = f"{CONCERN_LABELS.get(case.concern, case.concern)} \u00b7 " \
            f"{STATUS_LABELS.get(case.status, case.status)}"
    if case.next_review:
        facts += f" \u00b7 review {due_phrase(case.next_review, today, with_date=False)}"
    return case.id, f"{case.title}\n{case.number} \u00b7 {facts}", \
        f"Case {case.number}, {case.title}: {facts}"


def _since_entry(change: queries.SinceChange) -> tuple[str, str, str]:
    # Field names and kinds of record only: the change log's values never reach the screen.
    what = ", ".join(change.what)
    text = f"{change.number}  by {change.who}\n{what}"
    return change.case_id, text, f"Case {change.number}: {what}, by {change.who}"


class LinkButton(QPushButton):
    """A button that reads as a link (the dashboard's "Imminent 3", "Assigned to me 12").

    Styled by the theme's ``QPushButton#link`` rules (underlined, the link colour, and on
    focus the theme's contrast-tested ring: its own style sheet drew a one-pixel dotted line
    that the night theme all but hid). Enter activates it as Space does: outside a dialog a
    push button ignores Enter, and officers press Enter by reflex.
    """

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("link")
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter (either key) clicks, as Space does."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.click()
            return
        super().keyPressEvent(event)


class DashboardPage(Page):
    """Caseload, due work and recent activity; re-read after every relevant change."""

    open_case_requested = Signal(str)
    conflicts_requested = Signal()  # when the window has no show_conflicts()
    cases_requested = Signal(object)  # CaseFilter, when the window has no show_cases()

    def __init__(
        self, session: Session, events: SessionEvents, parent: QWidget | None = None
    ) -> None:
        super().__init__("Dashboard", parent)
        self._session = session
        # The read started at unlock (start_first_load), taken when the page is first shown.
        self._first_load: FirstLoad | None = (
            _first_loads.pop(session, None) if session is not None else None)
        self.data = DashboardData()
        self.agency = QLabel()
        font = self.agency.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.agency.setFont(font)
        self.member = muted("")
        self.member.setAccessibleName("Signed in as")
        self.message = MessageLabel()
        # Leads: "3 conflicts to resolve" opens the Sync page's queue (hidden when none).
        self.conflicts_button = QPushButton()
        self.conflicts_button.setObjectName("conflictsLink")
        self.conflicts_button.setToolTip("Open the conflict queue on the Sync page")
        self.conflicts_button.clicked.connect(self._open_conflicts)
        self.conflicts_button.hide()

        # First: what needs attention now, my caseload, and what changed since I last
        # signed in (two or three side by side, one under the other on a narrow window).
        self.attention_list = CaseList("Needs attention now", "Nothing needs attention now.",
                                       rows=ATTENTION_ROWS)
        self.attention_section = self._section("Needs attention now", self.attention_list)
        self.attention_links: dict[str, QPushButton] = {}
        links = FlowLayout()
        for key, caption, flt in ATTENTION_LINKS:
            link = self._link(caption, flt)
            self.attention_links[key] = link
            links.add_widget(link)
        self.attention_section.content.insertLayout(0, links)
        self.my_cases_list = CaseList("My caseload", "No open cases assigned to you.",
                                      rows=MY_CASES_ROWS)
        self.my_cases_section = self._section("My caseload", self.my_cases_list)
        self.my_cases_link = self._link("Assigned to me", CaseFilter(status=NOT_CLOSED))
        self.my_cases_section.content.insertWidget(0, self.my_cases_link)
        self.since_list = CaseList("Since you last signed in", "Nothing new on your cases.",
                                   rows=SINCE_VISIBLE)
        self.since_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.since_section = self._section("Since you last signed in", self.since_list)
        for case_list in (self.attention_list, self.my_cases_list, self.since_list):
            case_list.case_activated.connect(self._open_case)
        focus = ResponsiveGrid(PANEL_WIDTH, 3)
        for section in (self.attention_section, self.my_cases_section, self.since_section):
            focus.add(section)

        self.cards: dict[str, CountCard] = {}
        # Panels take as many columns as the width allows (two on a 1024-pixel screen with
        # the sidebar open), so nothing is cut at the right.
        cards = ResponsiveGrid(150, len(COUNTS))
        for key, caption in COUNTS:
            card = CountCard(caption)
            card.setToolTip(CARD_TIPS.get(key, f"{caption}: opens these cases in Cases"))
            card.activated.connect(lambda key=key: self.open_cases(CARD_FILTERS[key]))
            self.cards[key] = card
            cards.add(card)

        self.overdue_list = CaseList("Overdue reviews and tasks", "Nothing is overdue.")
        self.upcoming_list = CaseList(UPCOMING_TITLE,
                                      f"Nothing is due in the next {UPCOMING_DAYS} days.")
        self.my_list = CaseList("My tasks", "No open tasks assigned to you.")
        self.overdue_section = self._section("Overdue reviews and tasks", self.overdue_list)
        self.upcoming_section = self._section(UPCOMING_TITLE, self.upcoming_list)
        self.my_section = self._section("My tasks", self.my_list)
        for case_list in (self.overdue_list, self.upcoming_list, self.my_list):
            case_list.case_activated.connect(self._open_case)
        lists = ResponsiveGrid(PANEL_WIDTH, 3)
        for section in (self.overdue_section, self.upcoming_section, self.my_section):
            lists.add(section)

        self.concern_chart = BarChart("Open caseload by concern level")
        self.status_chart = BarChart("Open caseload by status")
        self.concern_section = self._section("Open caseload by concern level",
                                             self.concern_chart)
        self.status_section = self._section("Open caseload by status", self.status_chart)
        self.activity = QListWidget()
        self.activity.setAccessibleName("Recent activity")
        self.activity.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.activity.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.activity.setItemDelegate(TwoLineDelegate(self.activity))
        self.activity.setUniformItemSizes(True)
        self.activity.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.activity_section = self._section("Recent activity", self.activity)
        charts = ResponsiveGrid(PANEL_WIDTH, 3)
        for section in (self.concern_section, self.status_section, self.activity_section):
            charts.add(section)

        header = QHBoxLayout()
        header.setSpacing(16)
        header.addWidget(self.agency)
        header.addWidget(self.member, 1)
        header.addWidget(self.conflicts_button)
        content = QWidget()
        column = QVBoxLayout(content)
        self.content_column = column
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(12)
        column.addLayout(header)
        column.addWidget(self.message)
        column.addWidget(focus)
        column.addWidget(cards)
        column.addWidget(lists)
        column.addWidget(charts)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("dashboardScroll")
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The scroll area paints the window colour, not the base colour, behind the cards.
        scroll.viewport().setAutoFillBackground(False)
        content.setAutoFillBackground(False)
        self.body.addWidget(scroll, 1)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignLeft)
        # Tab as the screen reads: the links above a list before it (they were made after
        # it, and Tab went to the list first and back up to the links).
        chain = [*self.attention_links.values(), self.attention_list, self.my_cases_link,
                 self.my_cases_list]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.watch(events)  # every change but a view; see Page.watch

    def _link(self, caption: str, flt: CaseFilter) -> QPushButton:
        """A button "caption: n" that opens the Cases list filtered as ``flt`` (n is set by
        :meth:`_show`; for "Assigned to me" the signed-in member is added then)."""
        link = LinkButton(caption)
        link.setProperty("caption", caption)
        link.setToolTip(f"{caption}: opens these cases in Cases")
        link.clicked.connect(lambda _checked=False, link=link, flt=flt: self.open_cases(
            replace(flt, assigned_to=self._session.member_id or "")
            if link is self.my_cases_link else flt))
        return link

    @staticmethod
    def _section(title: str, widget: QWidget) -> Section:
        section = Section(title)
        section.content.addWidget(widget)
        return section

    # -- refreshing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read everything (skipped while a background job holds the store).

        Right after an unlock the first read is under way on a worker thread (FirstLoad):
        while the page is not yet shown it is left to run (the main window is still being
        built), and the page takes its result when it is shown, before its first paint."""
        if tasks.is_busy():
            self.stale = True
            return
        session = self._session
        first, data = self._first_load, None
        if first is not None:
            if not self.isVisible():
                self.stale = True
                return
            self._first_load = None
            data = first.take()
        try:
            if data is None:
                data = load(session)
        except Exception as error:  # e.g. the vault was locked underneath us
            self.message.show_error(messages.describe(error))
            return
        self.stale = False
        self.message.clear_message()
        self.data = data
        self._show(data)

    def mark_stale(self) -> None:
        """A change: the first load (read before it) is not shown; read again."""
        self._drop_first_load()
        super().mark_stale()

    def teardown(self) -> None:
        """The window goes (a lock): stop a first load still under way."""
        self._drop_first_load()
        super().teardown()

    def _drop_first_load(self) -> None:
        first, self._first_load = self._first_load, None
        if first is not None:
            first.drop()

    def _show(self, data: DashboardData) -> None:
        session = self._session
        self.agency.setText(data.agency or "Agency name not set")
        self.agency.setAccessibleName(f"Agency: {data.agency or 'not set'}")
        who = f"Signed in as {session.actor_name} ({team_role_label(session)})"
        if session.member and session.member.badge:
            who += f", badge {session.member.badge}"
        self.member.setText(who)
        for key, _caption in COUNTS:
            self.cards[key].set_count(data.counts.get(key, 0))
        # Counted where the vault role is lead; told only on a lead laptop of the team (every
        # officer's vault has a lead of its own; the roster is read here, on the UI thread).
        count = data.conflicts if data.conflicts and leads_team(session) else 0
        text = f"\u26a0 {count:,} conflict{'s' if count != 1 else ''} to resolve"
        self.conflicts_button.setText(text)
        self.conflicts_button.setAccessibleName(f"{text[2:]}: open the conflict queue")
        self.conflicts_button.setVisible(count > 0)

        self.concern_chart.set_bars([Bar(c, CONCERN_LABELS[c], data.by_concern.get(c, 0))
                                     for c in CONCERN_LEVELS])
        self.status_chart.set_bars([Bar(s, STATUS_LABELS[s], data.by_status.get(s, 0))
                                    for s in OPEN_STATUSES])
        total_open = sum(data.by_status.values())
        self.status_section.set_footnote(
            f"{total_open:,} open in all; {data.closed:,} closed cases not shown.")
        self.concern_section.set_footnote(f"{total_open:,} open cases.")

        today = date.today()
        self._show_focus(data, today)
        self.overdue_list.set_entries([_task_entry(t, c, today) for t, c in data.overdue])
        overdue_total = data.overdue_tasks
        self.overdue_section.set_footnote(self._more(len(data.overdue), overdue_total,
                                                     "oldest first"))
        self.upcoming_list.set_entries([_task_entry(t, c, today) for t, c in data.upcoming])
        self.upcoming_section.set_footnote(
            self._more(len(data.upcoming), data.upcoming_total, "soonest first"))
        if session.member_id:
            self.my_list.empty_text = "No open tasks assigned to you."
        else:
            self.my_list.empty_text = "Unlocked with the recovery key: no tasks of your own."
        self.my_list.set_entries([_task_entry(t, c, today) for t, c in data.mine])
        self.my_section.set_footnote(self._more(len(data.mine), data.mine_total,
                                                "next due first", capped=data.mine_capped))

        self.activity.clear()
        for entry in data.activity:
            item = QListWidgetItem(f"{entry.member_name}, {activity_time(entry.at, today)}\n"
                                   f"{action_label(entry.action)}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{describe(entry)}, {activity_time(entry.at, today)}")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.activity.addItem(item)
        if not data.activity:
            self.activity.addItem("No activity yet.")
        _fit_rows(self.activity, ACTIVITY_ROWS)

    def _show_focus(self, data: DashboardData, today: date) -> None:
        """The three panels at the top."""
        counts = data.attention_counts
        for key, caption, _flt in ATTENTION_LINKS:
            link = self.attention_links[key]
            link.setText(f"{caption} {counts.get(key, 0):,}")
            link.setAccessibleName(f"{caption}: {counts.get(key, 0):,} cases; open in Cases")
        self.attention_list.set_entries([_attention_entry(c, today) for c in data.attention])
        total = counts.get("total", 0)
        self.attention_section.set_footnote(
            f"{len(data.attention)} of {total:,} shown (a case counts once)."
            if total > len(data.attention) else "")

        mine = self._session.member_id is not None
        self.my_cases_section.setVisible(mine)
        self.my_cases_link.setText(f"Assigned to me {data.my_cases_total:,}")
        self.my_cases_link.setAccessibleName(
            f"Assigned to me: {data.my_cases_total:,} cases not closed; open in Cases")
        self.my_cases_list.set_entries([_my_case_entry(c, today) for c in data.my_cases])
        self.my_cases_section.set_footnote(
            self._more(len(data.my_cases), data.my_cases_total, "most pressing first"))

        if data.first_sign_in:
            self.since_list.empty_text = "Nothing to compare yet."
        else:
            self.since_list.empty_text = "Nothing new on your cases."
        shown = data.since[:SINCE_ROWS]
        self.since_list.set_entries([_since_entry(c) for c in shown])
        more = len(data.since) - len(shown)
        if data.first_sign_in:
            self.since_section.set_footnote("Your first sign-in on this vault.")
        else:
            self.since_section.set_footnote(f"and {more:,} more" if more > 0 else "")
        self.since_section.setVisible(mine)

    @staticmethod
    def _more(shown: int, total: int, order: str, *, capped: bool = False) -> str:
        if total <= shown:
            return ""
        of = f"more than {total:,}" if capped else f"{total:,}"
        return f"{shown} of {of} shown, {order}; all in Cases."

    def _open_conflicts(self) -> None:
        opener = getattr(self.window(), "show_conflicts", None)
        if callable(opener):
            opener()
        else:
            self.conflicts_requested.emit()

    def open_cases(self, flt: CaseFilter) -> None:
        """Show the Cases list filtered as ``flt`` (a tile was activated)."""
        opener = getattr(self.window(), "show_cases", None)
        if callable(opener):
            opener(flt)
        else:
            self.cases_requested.emit(flt)

    def _open_case(self, case_id: str) -> None:
        if not open_case(self, case_id):
            self.open_case_requested.emit(case_id)


class _NoEvents(QObject):
    """Stands in for SessionEvents on the warm-up page: nothing ever changes."""

    changed = Signal(object)


def warm_up() -> None:
    """Build a dashboard page without a session, render it off screen once and drop it.

    Qt's first use of each widget class, style rule and font the page needs (some 50-100 ms
    on a 2-core laptop) is then paid while the member types the passphrase, not between
    Enter and the first paint. Nothing is read from any vault and nothing is shown."""
    events = _NoEvents()
    page = DashboardPage(cast(Session, None), cast(SessionEvents, events))
    events.setParent(page)
    page.resize(900, 700)
    page.grab()
    page.deleteLater()
