"""The Referrals tab: the case's referral entries with the partner each went to and where it
stands. A status update is a correction of the entry (the earlier status stays on the
timeline)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from btam_desktop.core.model import TimelineEntry
from btam_desktop.core.session import Session
from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.labels import REFERRAL_STATUS_LABELS, label, show_datetime
from btam_desktop.ui.case.tab_base import (
    CaseTab,
    button,
    can_write,
    connect_activation,
    make_table,
    resize_columns,
    select_first,
)
from btam_desktop.ui.case.timeline_tab import entry_state, entry_state_tip, entry_style
from btam_desktop.ui.models.records import Column, RecordTableModel, RowStyle

_OPEN = ("proposed", "made", "accepted")


class ReferralsTab(CaseTab):
    """Referrals to partner agencies."""

    title = "&Referrals"

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, case_id, parent)
        self._partners: dict[str, str] = {}
        self._entries: list[TimelineEntry] = []
        columns: tuple[Column[TimelineEntry], ...] = (
            Column("When", lambda e: show_datetime(e.occurred_at),
                   sort_key=lambda e: e.occurred_at),
            Column("Partner", self._partner),
            Column("Status", lambda e: label(REFERRAL_STATUS_LABELS, e.referral_status),
                   style=lambda e: RowStyle(bold=e.referral_status in _OPEN)
                   if not e.superseded_by else entry_style(e)),
            Column("Summary", lambda e: e.summary),
            Column("By", lambda e: e.author_name),
            Column("Record", entry_state, tooltip=entry_state_tip),
        )
        self.model: RecordTableModel[TimelineEntry] = RecordTableModel(
            columns, row_style=entry_style, parent=self)
        self.show_history = QCheckBox("Show &earlier statuses")
        self.show_history.setToolTip("Referrals whose status was updated keep their earlier "
                                     "versions, struck through")
        self.show_history.toggled.connect(self._apply_filter)
        self.layout_.addWidget(self.show_history)
        self.table = make_table(self.model, "Referrals", stretch=3)
        resize_columns(self.table, [150, 240, 110, 0, 130, 110])
        self.layout_.addWidget(self.table, 1)
        writable = can_write(session)
        self.add_button = button("&Add referral\u2026", "Record a referral to a partner agency",
                                 self.add_referral)
        self.update_button = button("&Update status\u2026", "Record where the selected "
                                    "referral stands now (Enter)", self.update_status)
        connect_activation(self.table, self.update_status)
        for widget in (self.add_button, self.update_button):
            widget.setEnabled(writable)
            self.buttons.addWidget(widget)
        self.add_buttons()

    def _partner(self, entry: TimelineEntry) -> str:
        return self._partners.get(entry.partner_id or "", "(partner not in the directory)")

    def load(self) -> None:
        store = self.session.store
        self._partners = {p.id: p.name for p in store.partners()}
        self._entries = store.timeline(self.case_id, kinds=("referral",))
        for entry in self._entries:
            if entry.partner_id and entry.partner_id not in self._partners:
                # A partner since removed from the directory still names its old referrals.
                self._partners[entry.partner_id] = store.get_partner(entry.partner_id).name
        self._apply_filter()

    def _apply_filter(self) -> None:
        shown = [e for e in self._entries
                 if self.show_history.isChecked() or not e.superseded_by]
        self.model.set_records(shown)
        select_first(self.table)

    def add_referral(self) -> None:
        """Open the referral dialog."""
        self.open_dialog(EntryDialog(self.session, self.case_id, "referral", self.window()),
                         lambda _e: self.message.show_message("Referral recorded.", "ok"))

    def update_status(self) -> None:
        """Correct the selected referral with its new status."""
        entry = self.selected(self.table)
        if entry is None or entry.superseded_by:
            self.message.show_message("Select a current referral first.", "info")
            return
        if not can_write(self.session):
            return
        dialog = EntryDialog(self.session, self.case_id, "referral", self.window(),
                             original=entry)
        dialog.setWindowTitle("Update referral")
        dialog.referral_status.setFocus()
        self.open_dialog(dialog, lambda _e: self.message.show_message(
            "Referral status updated; the earlier status stays on the record.", "ok"))
