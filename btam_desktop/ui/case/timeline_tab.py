"""The Timeline tab: every entry in the order it happened, filtered by type; add entries of
each kind; correct one (the correction supersedes it, the original stays, struck through and
marked "Corrected")."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelection, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QWidget,
)

from btam_desktop.core.model import ENTRY_KIND_LABELS, TimelineEntry, sensitivity_words
from btam_desktop.core.session import Session
from btam_desktop.ui import keys
from btam_desktop.ui.case.entry_dialog import ADDABLE_KINDS, EntryDialog
from btam_desktop.ui.case.labels import (
    REFERRAL_STATUS_LABELS,
    concern_label,
    entry_kind_label,
    label,
    show_datetime,
)
from btam_desktop.ui.case.tab_base import (
    CaseTab,
    button,
    can_write,
    connect_activation,
    make_table,
)
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import PLAIN, Column, RecordTableModel, RowStyle
from btam_desktop.ui.widgets import field_label, first_item_active

SUPERSEDED = RowStyle(colour="muted", strike=True)
CORRECTED_WORD = "Corrected"


def entry_state(entry: TimelineEntry) -> str:
    """"Corrected" for a superseded entry, "Correction" for its replacement."""
    if entry.superseded_by:
        return CORRECTED_WORD
    if entry.supersedes:
        return "Correction"
    return ""


def entry_state_tip(entry: TimelineEntry) -> str:
    """The record state in a sentence."""
    if entry.superseded_by:
        return "Corrected: a newer entry replaces this one, which stays on the record."
    if entry.supersedes:
        return "This entry corrects an earlier one (still shown, struck through)."
    return "The entry as first recorded."


def entry_style(entry: TimelineEntry) -> RowStyle:
    """Superseded entries are struck through and muted; concern changes stand out."""
    if entry.superseded_by:
        return SUPERSEDED
    if entry.kind == "concern_change":
        return RowStyle(bold=True)
    return PLAIN


# What the Summary and Type columns show at least before others get more room: a readable
# start of a summary, the shorter kinds whole.
SUMMARY_LEAST = "Phone check-in with the school"
TYPE_LEAST = "Intervention"
COLUMNS: tuple[Column[TimelineEntry], ...] = (
    Column("When", lambda e: show_datetime(e.occurred_at), sort_key=lambda e: e.occurred_at),
    Column("Type", lambda e: entry_kind_label(e.kind)),
    Column("Summary", lambda e: e.summary),
    Column("By", lambda e: e.author_name),
    Column("Corrections", entry_state, tooltip=entry_state_tip),
)


def describe_entry(entry: TimelineEntry, partner: str = "", reason: str = "") -> str:
    """The full text of an entry for the details pane (``reason``: why a correction was
    made)."""
    lines = [
        f"{entry_kind_label(entry.kind)} \u2014 {show_datetime(entry.occurred_at)}",
        f"Recorded by {entry.author_name} on {show_datetime(entry.recorded_at)}",
    ]
    if entry.superseded_by or entry.supersedes:
        lines.append(entry_state_tip(entry))
    if entry.supersedes and reason:
        lines.append(f"Reason for the correction: {reason}")
    if entry.sensitivity:
        # Said where the officer reads the entry: a partner's copy may leave it out.
        lines.append(f"Sensitive: {sensitivity_words(entry.sensitivity)}")
    lines += ["", entry.summary]
    if entry.kind == "concern_change" and entry.concern_to:
        lines.append(f"From {concern_label(entry.concern_from or '')} to "
                     f"{concern_label(entry.concern_to)}.")
    for title, text in (("Details", entry.details), ("Context", entry.context),
                        ("Outcome", entry.outcome)):
        if text:
            heading = "Rationale" if entry.kind == "concern_change" and title == "Details" \
                else title
            lines += ["", f"{heading}:", text]
    if entry.kind == "referral":
        lines += ["", f"Partner: {partner or '(unknown partner)'}",
                  f"Referral status: {label(REFERRAL_STATUS_LABELS, entry.referral_status)}"]
    return "\n".join(lines)


class KeepCurrentVisible(QObject):
    """Scrolls a table's current row back into view whenever the table is resized."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self._table = table
        table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On a resize, bring the current row into view (after the new size applies)."""
        if watched is self._table and event.type() == QEvent.Type.Resize:
            current = self._table.currentIndex()
            if current.isValid():
                # With self as context: dropped if the table is deleted first (a lock).
                QTimer.singleShot(0, self, lambda: self._scroll(current.row()))
        return False

    def _scroll(self, row: int) -> None:
        model = self._table.model()
        if model is not None and 0 <= row < model.rowCount():
            self._table.scrollTo(model.index(row, 0))


class TimelineTab(CaseTab):
    """The case's timeline."""

    title = "&Timeline"

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, case_id, parent)
        self._entries: list[TimelineEntry] = []
        self._partners: dict[str, str] = {}
        self._seen: set[str] | None = None  # entry ids shown so far (None: not loaded yet)
        self.kind = QComboBox()
        self.kind.addItem("All entry types", "")
        for key, text in ENTRY_KIND_LABELS.items():
            self.kind.addItem(text, key)
        self.kind.setAccessibleName("Show entry type")
        self.show_superseded = QCheckBox("Show correcte&d originals")
        self.show_superseded.setChecked(True)
        self.show_superseded.setToolTip("Entries that were corrected stay on the record, "
                                        "struck through")
        self.count = QLabel()
        self.count.setProperty("muted", True)
        filters = QHBoxLayout()
        filters.addWidget(field_label("Show typ&e:", self.kind))
        filters.addWidget(self.kind)
        filters.addWidget(self.show_superseded)
        filters.addStretch(1)
        filters.addWidget(self.count)
        self.layout_.addLayout(filters)

        self.model: RecordTableModel[TimelineEntry] = RecordTableModel(
            COLUMNS, row_style=entry_style, parent=self)
        self.table = make_table(self.model, "Timeline entries", stretch=2)
        # The selected entry stays in view when the table gets its size (a case opens with
        # the newest entry selected, before its layout is done) or the reading pane grows.
        self._keep_visible = KeepCurrentVisible(self.table)
        # The columns fit the tab's width (fixed widths left the summary 200 pixels at
        # 1024x768 beside a By column twice its names): the time whole, the summary a
        # readable start (SUMMARY_LEAST), the author next; the type and corrections share
        # the rest with the summary, which takes what is left ("…", tooltip whole).
        self.column_fit = ContentColumnFit(self.table, 2, whole=(0,), prefer=(3,),
                                           least={1: TYPE_LEAST, 2: SUMMARY_LEAST})
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Selected entry")
        self.details.setPlaceholderText("Select an entry to read it in full.")
        self.details.setTabChangesFocus(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        # Half and half to start (a long entry is read in the lower pane; the table scrolls),
        # and the officer drags the handle to change it.
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([1000, 1000])
        split.setChildrenCollapsible(False)
        split.setHandleWidth(8)
        split.handle(1).setAccessibleName("Resize the reading pane")
        split.handle(1).setToolTip("Drag to give the list or the reading pane more room")
        self.split = split
        self.layout_.addWidget(split, 1)

        writable = can_write(session)
        self.add_button = QPushButton("&Add entry")
        self.add_button.setAccessibleName("Add entry")
        self.add_button.setToolTip(keys.ADD_ENTRY.hint("Add a timeline entry"))
        menu = QMenu(self.add_button)
        self.add_actions: dict[str, QAction] = {}
        for kind in ADDABLE_KINDS:
            action = menu.addAction(f"{entry_kind_label(kind)}\u2026")
            action.triggered.connect(lambda _checked=False, k=kind: self.add_entry(k))
            self.add_actions[kind] = action
        self.add_button.setMenu(first_item_active(menu))
        self.add_button.setEnabled(writable)
        self.correct_button = button("C&orrect\u2026", "Correct the selected entry: a new "
                                     "entry replaces it, the original stays visible",
                                     self.correct_entry)
        self.correct_button.setEnabled(False)
        self._writable = writable
        self.buttons.addWidget(self.add_button)
        self.buttons.addWidget(self.correct_button)
        self.add_buttons()

        self.kind.currentIndexChanged.connect(self._apply_filter)
        self.show_superseded.toggled.connect(self._apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        connect_activation(self.table, self.details.setFocus)

    def load(self) -> None:
        store = self.session.store
        self._entries = store.timeline(self.case_id)
        self._partners = {p.id: p.name for p in store.partners()}
        self._apply_filter()

    def _own_new_entry(self) -> str | None:
        """The newest entry written by this member since the timeline was last shown (a
        concern level or status change from the header, an entry added here): the officer
        expects to see what they just did. Others' entries (a sync) move nothing."""
        seen, self._seen = self._seen, {e.id for e in self._entries}
        if seen is None:
            return None  # the first load: the newest entry is selected anyway
        member = self.session.member_id
        mine = [e for e in self._entries
                if e.id not in seen and member is not None and e.author_id == member]
        return max(mine, key=lambda e: (e.occurred_at, e.recorded_at)).id if mine else None

    def _apply_filter(self) -> None:
        kind = str(self.kind.currentData() or "")
        shown = [e for e in self._entries
                 if (not kind or e.kind == kind)
                 and (self.show_superseded.isChecked() or not e.superseded_by)]
        current = self.selected(self.table)
        wanted = [self._own_new_entry(), current.id if current is not None else None]
        self.model.set_records(shown)
        self.count.setText(f"{len(shown)} of {len(self._entries)} entries")
        ids = [e.id for e in shown]
        row = next((ids.index(w) for w in wanted if w in ids), len(shown) - 1)
        if row >= 0:
            # The newest entry (at the bottom, the table being chronological) unless the
            # officer had selected another one.
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        self._on_selection()

    def _on_selection(self, *_args: QItemSelection) -> None:
        entry = self.selected(self.table)
        if entry is None:
            self.details.clear()
            self.correct_button.setEnabled(False)
            return
        partner = self._partners.get(entry.partner_id or "", "")
        reason = self.session.store.correction_reason(entry.id) if entry.supersedes else ""
        self.details.setPlainText(describe_entry(entry, partner, reason))
        self.correct_button.setEnabled(
            self._writable and not entry.superseded_by and entry.kind != "concern_change")

    def add_entry(self, kind: str) -> None:
        """Open the dialog for a new entry of ``kind``."""
        self.open_dialog(EntryDialog(self.session, self.case_id, kind, self.window()),
                         self._select_new)

    def correct_entry(self) -> None:
        """Open the correction dialog for the selected entry."""
        entry = self.selected(self.table)
        if entry is None or entry.superseded_by:
            self.message.show_message("Select an entry that has not been corrected yet.",
                                      "info")
            return
        if entry.kind == "concern_change":
            self.message.show_message("A concern level change is corrected by changing the "
                                      "level again, with its rationale.", "info")
            return
        self.open_dialog(EntryDialog(self.session, self.case_id, entry.kind, self.window(),
                                     original=entry), self._select_new)

    def _select_new(self, entry: object) -> None:
        if not isinstance(entry, TimelineEntry):
            return
        self.refresh()
        for row, shown in enumerate(self.model.records()):
            if shown.id == entry.id:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                break
        self.message.show_message("Entry saved on the timeline.", "ok")
