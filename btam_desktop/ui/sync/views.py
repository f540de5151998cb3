"""The four tabs of the Sync page, as views: they show a :class:`SyncState` and hold the
buttons; :class:`~btam_desktop.ui.pages.sync.SyncPage` connects the buttons to the work.

Every tab scrolls on its own, so the page stays usable on a 1024x768 screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.session import Session
from btam_desktop.core.sync.conflicts import Conflict
from btam_desktop.core.sync.exchange import SUFFIX
from btam_desktop.core.sync.roster import RosterDevice
from btam_desktop.core.words import plural
from btam_desktop.ui.case.tab_base import make_table
from btam_desktop.ui.column_fit import CELL_PAD, ColumnFit
from btam_desktop.ui.labels import role_label
from btam_desktop.ui.sync import words
from btam_desktop.ui.sync.conflict_dialog import can_resolve
from btam_desktop.ui.sync.dialogs import big_code
from btam_desktop.ui.sync.models import ConflictModel, HistoryModel, RosterModel
from btam_desktop.ui.sync.state import SyncState
from btam_desktop.ui.widgets import MessageLabel, muted, tick_list

DEVICE_ROLE = Qt.ItemDataRole.UserRole


def action(text: str, name: str, tip: str = "") -> QPushButton:
    """A push button with an accessible name and a tooltip (never a default button)."""
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setAutoDefault(False)
    if tip:
        button.setToolTip(tip)
    return button


def value_label(name: str) -> QLabel:
    """A selectable value with an accessible name."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    label.setWordWrap(True)
    return label


def group(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    """A titled box and its layout."""
    box = QGroupBox(title)
    box.setAccessibleName(title)
    layout = QVBoxLayout(box)
    layout.setSpacing(8)
    return box, layout


class ScrollTab(QScrollArea):
    """A tab whose content scrolls vertically (small screens)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setAccessibleName(name)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = QWidget()
        self.content.setAutoFillBackground(False)
        self.viewport().setAutoFillBackground(False)
        self.column = QVBoxLayout(self.content)
        self.column.setContentsMargins(4, 8, 12, 8)
        self.column.setSpacing(12)
        self.setWidget(self.content)


class ExchangeTab(ScrollTab):
    """This laptop (code, fingerprint, team), team set-up, export and import."""

    def __init__(self) -> None:
        super().__init__("Send and receive")
        # -- this laptop
        box, layout = group("This laptop")
        facts = QFormLayout()
        facts.setSpacing(6)
        self.device_code = value_label("Device code")
        self.team = value_label("Team")
        self.role = value_label("This laptop's role")
        facts.addRow("Device code", self.device_code)
        facts.addRow("Team", self.team)
        facts.addRow("Role", self.role)
        self.fingerprint = big_code("", "", "This laptop's fingerprint")
        self.copy_fingerprint = action("Cop&y fingerprint", "Copy the fingerprint",
                                       "Copy the fingerprint to the clipboard")
        fingerprint_row = QHBoxLayout()
        fingerprint_row.addWidget(self.fingerprint)
        fingerprint_row.addWidget(self.copy_fingerprint, 0, Qt.AlignmentFlag.AlignTop)
        fingerprint_row.addStretch(1)
        fingerprint_note = muted("The fingerprint identifies this laptop's keys. When you "
                                 "join a team, read it out to your team lead, who compares it "
                                 "group by group.")
        layout.addLayout(facts)
        layout.addWidget(QLabel("Fingerprint"))
        layout.addLayout(fingerprint_row)
        layout.addWidget(fingerprint_note)
        self.setup_note = muted("")
        self.create_team = action("Create a tea&m\u2026", "Create a team",
                                  "Make this laptop the first lead laptop of a new team")
        self.join_team = action("&Join a team with an invitation\u2026",
                                "Join a team with an invitation",
                                "Open the invitation file your team lead gave you")
        setup = QHBoxLayout()
        setup.addWidget(self.create_team)
        setup.addWidget(self.join_team)
        setup.addStretch(1)
        layout.addWidget(self.setup_note)
        layout.addLayout(setup)
        self.column.addWidget(box)

        # -- export
        self.export_box, layout = group("Send: export a bundle")
        layout.addWidget(muted("A bundle holds this laptop's work, sealed to the laptops you "
                               "choose: only they can open it. Carry it on a USB stick, by "
                               "mail or through a shared folder."))
        self.to_all = QRadioButton("&All other laptops of the team")
        self.to_picked = QRadioButton("Only the laptops &picked below")
        self.to_all.setChecked(True)
        self.recipients_group = QButtonGroup(self)
        self.recipients_group.addButton(self.to_all)
        self.recipients_group.addButton(self.to_picked)
        self.recipients = QListWidget()
        tick_list(self.recipients)
        self.recipients.setAccessibleName("Laptops to send to")
        self.recipients.setMaximumHeight(110)
        self.recipients.setEnabled(False)
        self.since_last = QRadioButton("Since &last sync (what they have not received yet)")
        self.everything = QRadioButton("&Everything (a full copy, e.g. for a new laptop)")
        self.since_last.setChecked(True)
        self.scope_group = QButtonGroup(self)
        self.scope_group.addButton(self.since_last)
        self.scope_group.addButton(self.everything)
        self.export_button = action("E&xport bundle\u2026", "Export a bundle",
                                    "Choose where to save the bundle, then write it")
        for widget in (self.to_all, self.to_picked, self.recipients, self.since_last,
                       self.everything):
            if isinstance(widget, QRadioButton):
                widget.setAccessibleName(widget.text().replace("&", ""))
            layout.addWidget(widget)
        export_row = QHBoxLayout()
        export_row.addWidget(self.export_button)
        export_row.addStretch(1)
        layout.addLayout(export_row)
        self.export_result = MessageLabel()
        self.export_result.setAccessibleName("What was exported")
        layout.addWidget(self.export_result)
        self.column.addWidget(self.export_box)
        self.to_picked.toggled.connect(self.recipients.setEnabled)

        # -- import
        self.import_box, layout = group("Receive: import bundles")
        layout.addWidget(muted("Bundles from the other laptops of the team (files ending in "
                               f"{SUFFIX}). You can also drop them on this page. "
                               "Importing twice, or in any order, is safe."))
        self.import_button = action("&Import bundles\u2026", "Import bundles",
                                    "Choose one or more bundle files to import")
        import_row = QHBoxLayout()
        import_row.addWidget(self.import_button)
        import_row.addStretch(1)
        layout.addLayout(import_row)
        self.column.addWidget(self.import_box)
        self.watch = WatchGroup()
        self.column.addWidget(self.watch)
        self.column.addStretch(1)

    def show_state(self, session: Session, state: SyncState) -> None:
        """Fill the tab from ``state``."""
        device = state.device
        self.device_code.setText(str(device.get("code") or ""))
        fingerprint = str(device.get("fingerprint") or "")
        self.fingerprint.setText(words.fingerprint_lines(fingerprint))
        self.fingerprint.setAccessibleDescription(words.fingerprint_spoken(fingerprint))
        if state.in_team:
            self.team.setText(str(device.get("team") or ""))
            role = device.get("role")
            status = device.get("status")
            if role is None:
                text = "Joined; waiting for the lead to approve this laptop"
            else:
                text = words.DEVICE_ROLE_LABELS.get(str(role), str(role))
                if status == "revoked":
                    text += " (revoked: this laptop can no longer send or receive)"
            self.role.setText(text)
        else:
            self.team.setText("Not in a team yet")
            self.role.setText("\u2014")
        lead = session.role == "lead"
        writer = session.role in ("lead", "officer")
        self.create_team.setVisible(not state.in_team and lead)
        self.join_team.setVisible(not state.in_team and writer)
        if state.in_team:
            note = ""
        elif lead:
            note = ("This laptop is not in a team yet. As a team lead you can create one, or "
                    "join another lead's team with an invitation.")
        elif writer:
            note = ("This laptop is not in a team yet. Ask your team lead for an invitation "
                    "file and its passphrase.")
        else:
            note = (f"This laptop is not in a team yet; as {role_label(session.role).lower()}"
                    " you cannot set it up. Ask your team lead.")
        self.setup_note.setText(note)
        self.setup_note.setVisible(bool(note))
        sending = state.in_team and state.active and writer
        self.export_box.setVisible(state.in_team)
        self.import_box.setVisible(state.in_team)
        for widget in (self.export_button, self.import_button, self.to_all, self.to_picked,
                       self.since_last, self.everything):
            widget.setEnabled(sending)
        self.recipients.setEnabled(sending and self.to_picked.isChecked())
        self.watch.setVisible(state.in_team)
        self.watch.setEnabled(sending)
        self._fill_recipients(state)

    def _fill_recipients(self, state: SyncState) -> None:
        checked = set(self.picked())
        me = str(state.device.get("device_id", ""))
        self.recipients.clear()
        devices: tuple[RosterDevice, ...] = state.roster.active_devices() if state.roster else ()
        for device in devices:
            if device.device_id == me:
                continue
            name = device.name if device.code in device.name else f"{device.name} ({device.code})"
            item = QListWidgetItem(name)
            item.setData(DEVICE_ROLE, device.device_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if device.device_id in checked
                               else Qt.CheckState.Unchecked)
            self.recipients.addItem(item)

    def picked(self) -> list[str]:
        """Device ids ticked in the recipients list."""
        items = (self.recipients.item(i) for i in range(self.recipients.count()))
        return [str(item.data(DEVICE_ROLE)) for item in items
                if item.checkState() == Qt.CheckState.Checked]


class WatchGroup(QGroupBox):
    """Folder watch: inbox and outbox folders and the on/off switch (see ``watching.py``)."""

    def __init__(self) -> None:
        super().__init__("Folder watch")
        self.setAccessibleName("Folder watch")
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(muted(
            "While this laptop is unlocked, take every complete new bundle from an inbox "
            "folder and write bundles for the others to an outbox folder: a USB stick, a "
            "network share or a Syncthing folder (it may be one shared folder). Files still "
            "being copied are left until they are complete."))
        self.inbox = value_label("Inbox folder")
        self.outbox = value_label("Outbox folder")
        self.inbox_button = action("I&nbox folder\u2026", "Choose the inbox folder")
        self.outbox_button = action("&Outbox folder\u2026", "Choose the outbox folder")
        folders = QFormLayout()
        folders.setSpacing(6)
        for label, button in ((self.inbox, self.inbox_button),
                              (self.outbox, self.outbox_button)):
            row = QHBoxLayout()
            row.addWidget(button)
            row.addWidget(label, 1)
            folders.addRow(row)
        layout.addLayout(folders)
        self.switch = QCheckBox("&Watch these folders (every 30 seconds while unlocked)")
        self.switch.setAccessibleName("Watch these folders")
        self.scan_now = action("&Run a scan now", "Run a scan now")
        row = QHBoxLayout()
        row.addWidget(self.switch)
        row.addStretch(1)
        row.addWidget(self.scan_now)
        layout.addLayout(row)
        self.status = MessageLabel()
        self.status.setAccessibleName("Folder watch: last scan")
        layout.addWidget(self.status)


class HistoryTab(ScrollTab):
    """Bundles in and out; records held for a missing parent; cloned-laptop warnings."""

    def __init__(self) -> None:
        super().__init__("History")
        self.forks = MessageLabel()
        self.forks.setAccessibleName("Warnings about cloned laptops")
        self.column.addWidget(self.forks)
        self.model = HistoryModel(self)
        self.table = make_table(self.model, "Bundles sent and received", sortable=False)
        self.table.setMinimumHeight(240)
        self.empty = muted("No bundle sent or received yet.")
        self.column.addWidget(QLabel("Bundles sent and received, newest first"))
        self.column.addWidget(self.table, 1)
        self.column.addWidget(self.empty)
        self.held_box, layout = group("Held records")
        self.held = QLabel()
        self.held.setWordWrap(True)
        self.held.setTextFormat(Qt.TextFormat.PlainText)
        self.held.setAccessibleName("Held records")
        layout.addWidget(muted("Records that arrived before the record they belong to (a "
                               "timeline entry before its case). They are applied as soon "
                               "as it arrives; nothing is dropped."))
        layout.addWidget(self.held)
        self.column.addWidget(self.held_box)

    def show_state(self, session: Session, state: SyncState) -> None:
        """Fill the tab from ``state``."""
        me = session.device_id
        self.model.set_history(state.history, state.roster, me)
        fit_columns(self.table)
        self.empty.setVisible(not state.history)
        if state.forks and session.role == "lead":
            self.forks.show_error("\n".join(words.fork_warning(f, state.roster, me)
                                            for f in state.forks))
        else:
            self.forks.clear_message()
        lines = [f"\u2022 {words.held_text(item)}" for item in state.held[:50]]
        if len(state.held) > 50:
            lines.append(f"\u2026 and {len(state.held) - 50:,} more.")
        self.held.setText("\n".join(lines))
        self.held_box.setVisible(bool(state.held))


def fit_columns(table: QTableView) -> None:
    """Columns as wide as their contents (at most 360 px: long values are elided, not the
    short ones beside them); the last column takes what is left."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(header.count() - 1):
        header.resizeSection(column, min(header.sectionSize(column) + 12, 360))


FIT_ROWS = 200  # rows measured for the columns' widths (the queue is short; bounded anyway)


class ConflictColumnFit(ColumnFit):
    """The conflict queue's columns fit its width (ColumnFit, as the Cases table's): at
    1024x768 fixed widths pushed "Other value" off the side. The record shows whole; the
    field ("⚠ Critical: Concern level") and the kind too while the two values keep at least
    their headings' width, else the kind gives way first, then the field, each towards its
    heading (tooltips say them whole); the two values share the rest (Other value
    stretches), ending in "…" with the whole value in the tooltip."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table, stretch=4)

    def column_widths(self, available: int) -> dict[int, int]:
        """Field, Record, Kind and Value in effect widths (Other value takes the rest)."""
        table = self.table
        model = table.model()
        metrics = table.fontMetrics()
        bold = QFont(table.font())
        bold.setBold(True)  # critical fields are bold (ConflictModel)
        bold_metrics = QFontMetrics(bold)
        rows = min(model.rowCount(), FIT_ROWS)

        def heading(column: int) -> int:
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            return metrics.horizontalAdvance(title) + CELL_PAD

        def widest(column: int, font: QFontMetrics) -> int:
            return max([0, *(font.horizontalAdvance(str(model.index(row, column).data() or ""))
                             + CELL_PAD for row in range(rows))])

        record = max(heading(1), widest(1, metrics))
        field_want = max(heading(0), widest(0, bold_metrics))
        kind_want = max(heading(2), widest(2, metrics))
        # Each value keeps at least its heading; then the kind gives way (its tooltip says
        # it), then the field, each down to its heading.
        rest = available - record - heading(3) - heading(4)
        kind = max(heading(2), min(kind_want, rest - field_want))
        field = max(heading(0), min(field_want, rest - kind))
        share = (available - record - kind - field) // 2
        value = max(heading(3), min(max(widest(3, metrics), heading(3)), share))
        return {0: field, 1: record, 2: kind, 3: value}


class TeamTab(ScrollTab):
    """The roster; for a lead laptop: invite, approve, revoke, change a laptop's role."""

    def __init__(self) -> None:
        super().__init__("Team")
        self.note = muted("")
        self.column.addWidget(self.note)
        self.model = RosterModel(self)
        self.table = make_table(self.model, "Laptops of the team", sortable=False, stretch=0)
        self.table.setMinimumHeight(200)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.column.addWidget(self.table, 1)
        self.invite = action("I&nvite a laptop\u2026", "Invite a laptop",
                             "Write an invitation file protected by a one-time passphrase")
        self.approve = action("Appr&ove a join request\u2026", "Approve a join request",
                              "Open a join request file and compare its fingerprint")
        self.revoke = action("Revo&ke\u2026", "Revoke the selected laptop",
                             "Lost, stolen or handed back: refuse its bundles from now on")
        self.make_lead = action("Make lea&d", "Make the selected laptop a lead laptop")
        self.make_member = action("Make mem&ber", "Make the selected laptop a member laptop")
        self.scope = action("Assigned cases onl&y", "Limit the selected laptop to its cases",
                            "Need to know: the laptop receives only the cases its members are"
                            " assigned to; others are withdrawn from it")
        row = QHBoxLayout()
        for widget in (self.invite, self.approve):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.scope, self.make_lead, self.make_member, self.revoke):
            row.addWidget(widget)
        self.column.addLayout(row)
        self.pending = muted("")
        self.pending.setAccessibleName("Join requests waiting for approval")
        self.column.addWidget(self.pending)
        self.column.addStretch(1)
        self._managing = False
        self._me = ""
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)

    def show_state(self, session: Session, state: SyncState) -> None:
        """Fill the tab from ``state``."""
        selected = self.selected()
        self._me = session.device_id
        self.model.set_roster(state.roster, session.device_id)
        fit_columns(self.table)
        self._managing = session.role == "lead" and state.lead_device
        for widget in (self.invite, self.approve, self.revoke, self.make_lead,
                       self.make_member, self.scope):
            widget.setVisible(self._managing)
        if state.roster is None:
            note = "This laptop is not in a team yet (see Send and receive)."
        elif self._managing:
            note = (f"Team \u201c{state.roster.team_name}\u201d, roster version "
                    f"{state.roster.version}. Changes reach the other laptops with the next "
                    "bundle you send.")
        else:
            note = (f"Team \u201c{state.roster.team_name}\u201d. Only a team lead on a lead "
                    "laptop can invite, approve or revoke laptops.")
        self.note.setText(note)
        waiting = [f"{p['device_name']} ({p['device_code']})" for p in state.pending]
        self.pending.setText("Received, waiting for approval: " + ", ".join(waiting)
                             if waiting else "")
        self.pending.setVisible(bool(waiting))
        if selected is not None:
            for row in range(self.model.rowCount()):
                if self.model.device(row).device_id == selected.device_id:
                    self.table.selectRow(row)
        self.update_buttons()

    def selected(self) -> RosterDevice | None:
        """The laptop selected in the roster."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.device(rows[0].row()) if rows else None

    def update_buttons(self) -> None:
        """Revoke and role changes need a selected, active, other laptop."""
        device = self.selected()
        other = (device is not None and device.device_id != self._me
                 and device.status == "active")
        self.revoke.setEnabled(self._managing and other)
        self.make_lead.setEnabled(self._managing and device is not None
                                  and device.status == "active" and device.role != "lead")
        self.make_member.setEnabled(self._managing and device is not None
                                    and device.status == "active" and device.role == "lead")
        limited = device is not None and device.scope == "assigned"
        self.scope.setText("Whole case fil&e" if limited else "Assigned cases onl&y")
        self.scope.setAccessibleName("Give the selected laptop the whole case file" if limited
                                     else "Limit the selected laptop to its cases")
        self.scope.setEnabled(self._managing and other and device is not None
                              and device.role != "lead")


class ConflictsTab(ScrollTab):
    """The conflict queue: critical first; a lead resolves, others read."""

    def __init__(self) -> None:
        super().__init__("Conflicts")
        self.note = muted("")
        self.column.addWidget(self.note)
        self.model = ConflictModel(self)
        self.table: QTableView = make_table(self.model, "Conflicts", sortable=False)
        self.table.setMinimumHeight(240)
        self.column_fit = ConflictColumnFit(self.table)
        self.column.addWidget(self.table, 1)
        self.resolve = action("&Resolve\u2026", "Resolve the selected conflict",
                              "See both values side by side and decide (Enter)")
        self.show_resolved = QCheckBox("Show settled con&flicts too")
        self.show_resolved.setAccessibleName("Show settled conflicts too")
        row = QHBoxLayout()
        row.addWidget(self.resolve)
        row.addStretch(1)
        row.addWidget(self.show_resolved)
        self.column.addLayout(row)
        self.column.addStretch(1)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.update_buttons())
        self._lead = False

    def show_state(self, session: Session, state: SyncState) -> None:
        """Fill the tab from ``state``."""
        self._lead = can_resolve(session)
        selected = self.selected()
        self.model.set_conflicts(state.conflicts, state.records)
        self.column_fit.refit()
        count = state.open_conflicts
        if not state.conflicts:
            text = "No conflicts: every change that arrived could be merged."
        else:
            text = (f"{plural(count, 'conflict')} to resolve. Until a lead decides, the "
                    "value in effect is the same on every laptop and the other value is "
                    "kept aside; critical fields (concern level, status, tier, closure) are "
                    f"marked {words.WARNING} and listed first.")
        if not self._lead:
            text += (" Only a team lead can resolve conflicts, on a lead laptop of the team;"
                     " you can open one to see both values.")
        self.note.setText(text)
        self.resolve.setText("&Resolve\u2026" if self._lead else "Sho&w both values\u2026")
        self.resolve.setAccessibleName("Resolve the selected conflict" if self._lead
                                       else "Open the selected conflict (read only)")
        if selected is not None:
            for row in range(self.model.rowCount()):
                if self.model.conflict(row).id == selected.id:
                    self.table.selectRow(row)
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self.update_buttons()

    def selected(self) -> Conflict | None:
        """The conflict selected in the queue."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.conflict(rows[0].row()) if rows else None

    def update_buttons(self) -> None:
        """Resolve needs a selected conflict."""
        self.resolve.setEnabled(self.selected() is not None)
