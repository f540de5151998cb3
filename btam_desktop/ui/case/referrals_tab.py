"""The Referrals tab: the case's referral entries with the partner each went to and where it
stands (a status update is a correction of the entry: the earlier status stays on the
timeline), and the case's referrals to and from other teams with their status (sent,
received, accepted, declined); a lead on a lead laptop refers the case to another team from
here ("Refer to another team…", :class:`~btam_desktop.ui.referrals.dialogs.ReferDialog`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.model import TimelineEntry
from btam_desktop.core.session import Session
from btam_desktop.core.sync import referral
from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.labels import REFERRAL_STATUS_LABELS, label, show_datetime
from btam_desktop.ui.case.tab_base import (
    CaseTab,
    button,
    can_write,
    connect_activation,
    make_table,
    select_first,
)
from btam_desktop.ui.case.timeline_tab import entry_state, entry_state_tip, entry_style
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.labels import refers_for_team
from btam_desktop.ui.models.records import Column, RecordTableModel, RowStyle
from btam_desktop.ui.referrals.dialogs import ReferDialog

_OPEN = ("proposed", "made", "accepted")
NOT_A_LEAD_LAPTOP = ("Referrals to another team are sent by a team lead on a lead laptop of "
                     "the team (this laptop is not one, or is in no team yet)")
TEAM_STATUS = {"sent": "Sent", "received": "Received", "accepted": "Accepted",
               "declined": "Declined"}


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
        # The columns fit the tab's width (fixed widths scrolled sideways at 1024x768).
        self.column_fits = [ContentColumnFit(self.table, 3, whole=(0,), prefer=(2, 4))]
        self.layout_.addWidget(self.table, 1)
        self.teams_label = QLabel("Referrals to and from other teams")
        self.teams_label.setProperty("muted", True)
        self.teams_model: RecordTableModel[referral.Referral] = RecordTableModel((
            Column("When", lambda r: (r.created_at or "")[:10], sort_key=lambda r: r.created_at),
            Column("Direction", lambda r: "Sent to" if r.direction == "out" else "Received from"),
            Column("Team", lambda r: r.other_team_name),
            Column("Their case", lambda r: r.their_case_number),
            Column("Status", lambda r: TEAM_STATUS.get(r.status, r.status)),
            Column("Reason", lambda r: r.decision_reason or r.reason),
        ), parent=self)
        self.teams_table = make_table(self.teams_model, "Referrals to and from other teams",
                                      stretch=5)
        self.column_fits.append(ContentColumnFit(self.teams_table, 5, whole=(0,), prefer=(1, 4)))
        self.layout_.addWidget(self.teams_label)
        self.layout_.addWidget(self.teams_table, 1)
        writable = can_write(session)
        self.add_button = button("&Add referral\u2026", "Record a referral to a partner agency",
                                 self.add_referral)
        self.update_button = button("&Update status\u2026", "Record where the selected "
                                    "referral stands now (Enter)", self.update_status)
        connect_activation(self.table, self.update_status)
        self.refer_button = button("Refer to an&other team\u2026", "Send a redacted copy of "
                                   "this case to another team's leads (team leads, on a lead "
                                   "laptop)", self.refer_to_team)
        # A lead laptop of a team only (the vault role alone says "lead" on an officer's own
        # laptop too, where the core refuses): as the Referrals page decides.
        if not refers_for_team(session):
            self.refer_button.setEnabled(False)
            self.refer_button.setToolTip(NOT_A_LEAD_LAPTOP)
        for widget in (self.add_button, self.update_button):
            widget.setEnabled(writable)
            self.buttons.addWidget(widget)
        self.buttons.addWidget(self.refer_button)
        self.add_buttons()
        self.refer_dialog: ReferDialog | None = None

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
        team_refs = referral.for_case(self.session, self.case_id)
        self.teams_model.set_records(team_refs)
        self.teams_label.setVisible(bool(team_refs))
        self.teams_table.setVisible(bool(team_refs))

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

    def refer_to_team(self) -> ReferDialog | None:
        """Open "Refer to another team…" (the core checks the lead laptop and the card)."""
        try:
            case = self.session.store.get_case(self.case_id)
        except BtamError as error:
            self.message.show_error(str(error))
            return None
        dialog = ReferDialog(self.session, self.case_id, case.number, self.window(),
                             suggested=Path.home() / f"referral-{case.number}.btambundle",
                             on_sent=self._sent)
        dialog.open()
        self.refer_dialog = dialog
        return dialog

    def _sent(self, result: referral.SendResult) -> None:
        self.message.show_message(
            f"Referral saved to {result.path.name} and recorded in the dissemination log. "
            "Send the file to the other team's lead.", "ok")
        self.refresh()
