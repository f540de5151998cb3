"""The Sync page's read-only tables: the team roster, the bundle history and the conflict
queue, each a :class:`~btam_desktop.ui.models.records.RecordTableModel` of what the sync core
returns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from btam_desktop.core.sync.conflicts import Conflict
from btam_desktop.core.sync.roster import Roster, RosterDevice
from btam_desktop.ui.models.records import RecordTableModel
from btam_desktop.ui.pages.audit import local_time
from btam_desktop.ui.sync import words

Index = QModelIndex | QPersistentModelIndex
TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
              Qt.ItemDataRole.AccessibleTextRole)


class RosterModel(RecordTableModel[RosterDevice]):
    """Every laptop of the team (revoked ones too); this laptop is marked in words."""

    titles = ("Laptop", "Code", "Role", "Status", "Receives")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent=parent)
        self.me = ""

    def set_roster(self, roster: Roster | None, me: str) -> None:
        """Show ``roster``'s devices; ``me`` is this laptop's device id."""
        self.me = me
        self.set_records(roster.devices if roster is not None else ())

    def device(self, row: int) -> RosterDevice:
        """The device on ``row``."""
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; this laptop's row in bold and named so."""
        device = self._record(index)
        if device is None:
            return None
        if role == Qt.ItemDataRole.FontRole and device.device_id == self.me:
            font = QFont()
            font.setBold(True)
            return font
        if role not in TEXT_ROLES:
            return None
        column = index.column()
        if column == 0:
            return device.name + (" \u2014 this laptop" if device.device_id == self.me else "")
        if column == 1:
            return device.code
        if column == 2:
            return words.DEVICE_ROLE_LABELS.get(device.role, device.role)
        if column == 3:
            return words.DEVICE_STATUS_LABELS.get(device.status, device.status)
        if column == 4:
            return "Assigned cases only" if device.scope == "assigned" else "Whole case file"
        return None


class HistoryModel(RecordTableModel[dict[str, Any]]):
    """Bundles in and out, newest first."""

    titles = ("When", "Direction", "Laptop", "Bundle", "What")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent=parent)
        self._roster: Roster | None = None
        self._me = ""

    def set_history(self, rows: list[dict[str, Any]], roster: Roster | None, me: str) -> None:
        """Replace the rows (as :func:`exchange.history` returns them)."""
        self._roster, self._me = roster, me
        self.set_records(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text (display, tooltip and accessible text alike)."""
        row = self._record(index)
        if row is None or role not in TEXT_ROLES:
            return None
        column = index.column()
        if column == 0:
            return local_time(str(row.get("at") or ""))
        if column == 1:
            return words.history_direction(row)
        if column == 2:
            return words.history_laptops(row, self._roster, self._me)
        if column == 3:
            return f"#{row.get('sequence')}"
        if column == 4:
            return words.history_counts(row)
        return None


class ConflictModel(RecordTableModel[Conflict]):
    """The conflict queue, critical ones first (the core's order)."""

    titles = ("Field", "Record", "Kind", "Value in effect", "Other value")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent=parent)
        self._records: dict[str, str] = {}

    def set_conflicts(self, items: list[Conflict], records: dict[str, str]) -> None:
        """Replace the rows; ``records`` names each record id ("Case 2026-0042-K7Q")."""
        self._records = dict(records)
        self.set_records(items)

    def conflict(self, row: int) -> Conflict:
        """The conflict on ``row``."""
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; critical ones carry a word and a sign, not only a colour."""
        item = self._record(index)
        if item is None:
            return None
        if role == Qt.ItemDataRole.FontRole and item.critical and index.column() == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role not in TEXT_ROLES:
            return None
        column = index.column()
        if column == 0:
            title = words.conflict_title(item)
            return title + (" (resolved)" if item.resolved else "")
        if column == 1:
            return self._records.get(item.record_id, item.record_id[-8:])
        if column == 2:
            return words.KIND_LABELS.get(item.kind, item.kind)
        if column in (3, 4):
            value = words.value_text(item, item.current if column == 3 else item.other)
            # The cell ends in "…" when its column is narrow: the tooltip says it all.
            if role == Qt.ItemDataRole.ToolTipRole:
                return value if len(value) <= TIP_LIMIT else value[: TIP_LIMIT - 1] + "\u2026"
            return _one_line(value)
        return None


TIP_LIMIT = 2_000  # a tooltip holds a value whole, within reason (a pasted page is not)


def _one_line(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"
