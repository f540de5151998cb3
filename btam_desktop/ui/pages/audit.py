"""The audit page: who viewed, changed or exported what, newest first, filtered and paged,
with a "Verify chain" check. Read-only for everyone: the trail is append-only by design.

Entries show the member, the action in words, the kind of record and the details the core
records (field names and counts, never case content). Each page is one read of
:data:`PAGE_SIZE` entries with the filters applied by the core (``audit_trail(limit, offset,
member_name, action)``), and the total comes from ``count_audit``: a page of a trail of a
million entries costs one page, not the pages before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from btam_desktop.core import audit
from btam_desktop.core.errors import NotFound
from btam_desktop.core.ids import is_record_id
from btam_desktop.core.model import AuditEntry
from btam_desktop.core.session import RECOVERY_ACTOR, Session
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import RecordTableModel
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import CROSS, TICK, MessageLabel, busy, muted

PAGE_SIZE = 100

ACTION_LABELS: dict[str, str] = {
    "attachment.add": "added an attachment",
    "attachment.export": "exported an attachment",
    "bundle.export": "exported a sync bundle",
    "bundle.import": "imported a sync bundle",
    "case.assign": "assigned a member to a case",
    "case.create": "opened a case",
    "case.delete": "moved a case to the trash",
    "case.person.link": "added a person to a case",
    "case.person.unlink": "removed a person from a case",
    "case.purge": "purged a case",
    "case.restore": "restored a case from the trash",
    "case.unassign": "took a member off a case",
    "case.update": "changed a case",
    "conflict.resolve": "resolved a sync conflict",
    "demo.case": "added a demo case (training)",
    "device.keys": "made this laptop's sync keys",
    "demo.generate": "generated demo data (training)",
    "demo.person": "added a demo person (training)",
    "form.store": "stored a form definition",
    "member.add": "added a team member",
    "member.passphrase": "set a member's passphrase",
    "member.remove": "removed a team member",
    "partner.create": "added a partner",
    "partner.update": "changed a partner",
    "person.create": "added a person",
    "person.update": "changed a person",
    "setting.change": "changed a setting",
    "submission.amend": "amended a form",
    "submission.complete": "completed a form",
    "submission.create": "started a form",
    "submission.discard": "discarded a draft form",
    "submission.draft": "saved a draft form",
    "submission.review": "reviewed a form",
    "sync.fork": "found two bundles under one number (cloned laptop?)",
    "task.complete": "completed a task",
    "task.create": "added a task",
    "team.approve": "approved a laptop into the team",
    "team.create": "created the sync team",
    "team.invite": "invited a laptop into the team",
    "team.join": "joined a sync team",
    "team.request": "received a join request",
    "team.revoke": "revoked a laptop from the team",
    "team.role": "changed a laptop's team role",
    "timeline.add": "added a timeline entry",
    "timeline.correct": "corrected a timeline entry",
    "vault.backup": "backed up the vault",
    "vault.backup_cancelled": "cancelled a backup (no file written)",
    "vault.backup_failed": "tried to back up the vault (it failed, no file written)",
    "vault.check": "checked the vault's integrity",
    "vault.create": "created the vault",
    "vault.lock": "locked the vault",
    "vault.rekey": "changed the vault key",
    "vault.unlock": "unlocked the vault",
    "view": "viewed a record",
}

# Grouped for the audit page's action filter: (label, action prefix or exact action); the core
# reads an action ending in "." as a prefix.
ACTION_GROUPS: tuple[tuple[str, str], ...] = (
    ("Cases", "case."),
    ("People", "person."),
    ("Timeline", "timeline."),
    ("Tasks and reviews", "task."),
    ("Forms", "submission."),
    ("Partners", "partner."),
    ("Attachments", "attachment."),
    ("Team members", "member."),
    ("Settings", "setting."),
    ("Vault (unlock, lock, backup, check)", "vault."),
    ("Viewed records", "view"),
)

# Not "activity" on the dashboard: reading, opening the vault and autosaves would drown the
# changes a team lead wants to see there.
QUIET_ACTIONS = frozenset({"view", "vault.unlock", "vault.lock", "submission.draft"})


def action_label(action: str) -> str:
    """"changed a case" for "case.update"; an unknown action as stored."""
    return ACTION_LABELS.get(action, action.replace(".", " ").replace("_", " "))


def local_time(at: str) -> str:
    """"2026-03-31 14:05" in local time for an audit timestamp (UTC, ISO with Z)."""
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def describe(entry: AuditEntry) -> str:
    """"Dana Reyes changed a case": who did what, without any case content."""
    return f"{entry.member_name} {action_label(entry.action)}"


Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("When", "Who", "What", "Record", "Details")


def short_id(record_id: str | None) -> str:
    """The last 8 characters of an id (a UUID or a 22-character short id): its random part
    (the first ones encode the time, so ids written together would all start alike). What is
    not an id (a form id, a setting's name) is shown whole: its tail would read like an id."""
    text = record_id or ""
    return text[-8:] if is_record_id(text) else text


def _value_text(value: Any) -> str:
    text = str(value)
    return short_id(text) if is_record_id(text) else text


def _detail_text(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in sorted(detail.items()):
        if isinstance(value, list):
            value = ", ".join(_value_text(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
        else:
            value = _value_text(value)
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


class AuditTableModel(RecordTableModel[AuditEntry]):
    """One page of audit entries (read-only)."""

    titles = COLUMNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self._names: dict[str, str] = {}

    def set_entries(self, entries: list[AuditEntry], names: dict[str, str] | None = None
                    ) -> None:
        """Replace the rows; ``names`` maps record ids to what to call them (case numbers)."""
        self.beginResetModel()
        self._rows = list(entries)
        self._names = dict(names or {})
        self.endResetModel()

    def entry(self, row: int) -> AuditEntry:
        """The entry on ``row``."""
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text of a cell (display, tooltip and accessible text are the same words)."""
        entry = self._record(index)
        if entry is None:
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.AccessibleTextRole):
            return None
        column = index.column()
        if column == 0:
            return local_time(entry.at)
        if column == 1:
            return entry.member_name
        if column == 2:
            return action_label(entry.action)
        if column == 3:
            if not entry.record_type:
                return ""
            name = self._names.get(entry.record_id or "") or short_id(entry.record_id)
            return f"{entry.record_type} {name}".strip()
        if column == 4:
            return _detail_text(entry.detail)
        return None


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show: a member name and an action group (empty: all)."""

    member: str = ""
    group: str = ""


@dataclass(frozen=True)
class AuditPageData:
    """One page of the trail: its entries, which page it is, and how many match in all."""

    entries: list[AuditEntry]
    number: int
    total: int

    @property
    def first(self) -> int:
        """Position of the first entry on this page (1 = the newest matching entry)."""
        return self.number * PAGE_SIZE + 1

    @property
    def pages(self) -> int:
        """How many pages the matching entries fill (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_older(self) -> bool:
        """True when a later page exists."""
        return self.number + 1 < self.pages


def read_page(session: Session, wanted: AuditFilter, number: int, *,
              total: int | None = None) -> AuditPageData:
    """Page ``number`` (0 = newest) of the entries ``wanted`` lets through; a page past the
    end (entries purged, filters narrowed) gives the last page instead. ``total`` is the
    count from an earlier read with the same filters, if nothing was written since."""
    store = session.store
    member = wanted.member or None
    action = wanted.group or None
    if total is None:
        # A count scans the trail (the filtered columns have no index): once per filter
        # and per change, not once per page.
        total = store.count_audit(member_name=member, action=action)
    last = max(0, -(-total // PAGE_SIZE) - 1)
    number = min(max(0, number), last)
    entries = store.audit_trail(limit=PAGE_SIZE, offset=number * PAGE_SIZE,
                                member_name=member, action=action)
    return AuditPageData(entries, number, total)


class AuditPage(Page):
    """Audit entries with member and action filters, paging and the chain check."""

    def __init__(self, session: Session, events: SessionEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__("Audit", parent)
        self._session = session
        self._page = 0
        self._total: int | None = None  # None: count again on the next read
        intro = muted("Who viewed, changed or exported what, and when; newest first. Nobody "
                      "can edit or delete these entries, team leads included.")
        self.member_filter = QComboBox()
        self.member_filter.setAccessibleName("Show entries of member")
        self.action_filter = QComboBox()
        self.action_filter.setAccessibleName("Show actions")
        self.action_filter.addItem("All actions", "")
        for label, group in ACTION_GROUPS:
            self.action_filter.addItem(label, group)
        member_label = QLabel("&Member")
        member_label.setBuddy(self.member_filter)
        action_label_widget = QLabel("&Action")
        action_label_widget.setBuddy(self.action_filter)
        self.verify_button = QPushButton("Ve&rify chain")
        self.verify_button.setAccessibleName("Verify the audit chain")
        self.verify_button.setToolTip(
            "Check that no entry was changed, removed or reordered since it was written.")
        # Sized by a short text, not the longest item: at 1024 pixels the long action names
        # left "All memb" in the member filter.
        for combo in (self.member_filter, self.action_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        filters = QHBoxLayout()
        filters.addWidget(member_label)
        filters.addWidget(self.member_filter, 1)
        filters.addSpacing(12)
        filters.addWidget(action_label_widget)
        filters.addWidget(self.action_filter, 1)
        filters.addSpacing(12)
        filters.addWidget(self.verify_button)
        self.result = MessageLabel()
        self.result.setAccessibleName("Audit chain check")

        self.model = AuditTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit entries")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The columns fit the table (sized to their contents they were wider than it at
        # 1024x768: Details off the right edge, behind a sideways scroll bar): the time
        # whole, who, the record (a case number) and what next, the details take the rest.
        self.column_fit = ContentColumnFit(self.table, 4, whole=(0,), prefer=(1, 3, 2))

        self.newer_button = QPushButton("← &Newer")
        self.newer_button.setAccessibleName("Newer entries")
        self.older_button = QPushButton("&Older →")
        self.older_button.setAccessibleName("Older entries")
        self.position = QLabel()
        self.position.setAccessibleName("Entries shown")
        pager = QHBoxLayout()
        pager.addWidget(self.newer_button)
        pager.addStretch(1)
        pager.addWidget(self.position)
        pager.addStretch(1)
        pager.addWidget(self.older_button)
        self.message = MessageLabel()

        self.body.addWidget(intro)
        self.body.addLayout(filters)
        self.body.addWidget(self.result)
        self.body.addWidget(self.table, 1)
        self.body.addLayout(pager)
        self.body.addWidget(self.message)

        self.member_filter.currentIndexChanged.connect(self._filters_changed)
        self.action_filter.currentIndexChanged.connect(self._filters_changed)
        self.newer_button.clicked.connect(lambda: self._go(self._page - 1))
        self.older_button.clicked.connect(lambda: self._go(self._page + 1))
        self.verify_button.clicked.connect(self.verify)
        # Every operation appends an entry, a view too: read again when seen.
        self.watch(events, lambda _summary: True)

    # -- data -------------------------------------------------------------------------------

    def _fill_members(self) -> None:
        current = self.member_filter.currentData() or ""
        names = [m.name for m in self._session.members(include_inactive=True)]
        names.append(RECOVERY_ACTOR)
        self.member_filter.blockSignals(True)
        self.member_filter.clear()
        self.member_filter.addItem("All members", "")
        for name in names:
            self.member_filter.addItem(name, name)
        self.member_filter.setCurrentIndex(max(0, self.member_filter.findData(current)))
        self.member_filter.blockSignals(False)

    def current_filter(self) -> AuditFilter:
        """The filters chosen."""
        return AuditFilter(member=str(self.member_filter.currentData() or ""),
                           group=str(self.action_filter.currentData() or ""))

    def refresh(self) -> None:
        """Re-read the current page and the count (newest entries may have arrived)."""
        if tasks.is_busy():
            self.stale = True  # the store is in use by a background job; its end reads
            return
        self._total = None
        try:
            self._fill_members()
            self._show_page(self._page)
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self.stale = False
        self.message.clear_message()

    def _filters_changed(self) -> None:
        self._page = 0
        self.refresh()

    def _go(self, page: int) -> None:
        if page < 0 or tasks.is_busy():
            return
        try:
            self._show_page(page)
        except Exception as error:
            self.message.show_error(messages.describe(error))

    def _show_page(self, page: int) -> None:
        with busy():  # a filtered count of a long trail takes a moment
            data = read_page(self._session, self.current_filter(), page, total=self._total)
        self._page = data.number
        self._total = data.total
        self.model.set_entries(data.entries, self._case_numbers(data.entries))
        if data.entries:
            last = data.first + len(data.entries) - 1
            text = (f"Entries {data.first:,}–{last:,} of {data.total:,} "
                    f"(page {data.number + 1:,} of {data.pages:,})")
        else:
            text = "No entries match these filters"
        self.position.setText(text)
        self.newer_button.setEnabled(data.number > 0)
        self.older_button.setEnabled(data.has_older)

    @property
    def total(self) -> int:
        """How many entries match the filters (as of the last read)."""
        return self._total or 0

    def _case_numbers(self, entries: list[AuditEntry]) -> dict[str, str]:
        """Case numbers for the cases on this page (a purged case keeps only its id), and
        members by name."""
        numbers: dict[str, str] = {}
        store = self._session.store
        if any(e.record_type == "member" for e in entries):
            numbers.update({m.id: m.name for m in self._session.members(
                include_inactive=True)})
        for entry in entries:
            case_id = entry.record_id
            if entry.record_type != "case" or not case_id or case_id in numbers:
                continue
            try:
                numbers[case_id] = store.get_case(case_id).number
            except NotFound:
                numbers[case_id] = short_id(case_id)
        return numbers

    # -- verify -----------------------------------------------------------------------------
    def verify(self) -> tasks.BackgroundJob:
        """Check the hash chain in the background and show the result."""
        session = self._session
        self.result.clear_message()
        return tasks.run_in_background(
            self, "Verifying the audit chain", lambda _progress: audit.verify(session.db),
            on_done=self._show_verify, cancellable=False, session=session,
            label="Checking every audit entry against the one before it…")

    def _show_verify(self, problems: list[str]) -> None:
        now = datetime.now().strftime("%H:%M")
        if not problems:
            self.result.show_message(
                f"{TICK}  The audit chain is intact: no entry was changed, removed or "
                f"reordered (checked at {now}).", "ok")
            return
        listed = "\n".join(f"• {problem}" for problem in problems[:20])
        more = f"\n… and {len(problems) - 20} more." if len(problems) > 20 else ""
        self.result.show_error(
            f"{CROSS}  The audit chain has {len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''} (checked at {now}). Tell your team lead; "
            f"keep this laptop as it is.\n{listed}{more}")
