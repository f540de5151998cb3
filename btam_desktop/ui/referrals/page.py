"""The Referrals page: work with other teams (each with its own vault and roster).

Two tabs (each fits a 1024x768 screen):

* **Contact cards**: save our team's card for another team (its fingerprint shown in groups to
  read aloud), import another team's card (its fingerprint shown and a box to tick once it was
  compared by phone), the cards held with their expiry and state, and Withdraw.
* **Referrals**: referrals sent and received with their status (sent, received, accepted,
  declined); import a referral or an acknowledgement; accept a received referral as a new case
  of ours, or decline it with a reason; save the acknowledgement for the other team.

Referring a case starts from the case ("Refer to another team…" on its Referrals tab). Files
are read and written in background jobs (:mod:`btam_desktop.ui.tasks`); all through the core.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.errors import BtamError
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.core.sync import card as card_mod
from btam_desktop.core.sync import referral
from btam_desktop.core.sync.card import ContactCard, HeldCard
from btam_desktop.core.words import plural
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case.dialog_base import RecordDialog
from btam_desktop.ui.case.tab_base import (
    button,
    confirm,
    connect_activation,
    make_table,
    select_first,
)
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.flow import flow_row
from btam_desktop.ui.labels import refers_for_team
from btam_desktop.ui.models.records import Column, RecordTableModel, RowStyle
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.referrals.dialogs import DeclineDialog, ImportCardDialog
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.sync import words
from btam_desktop.ui.sync.dialogs import ask_save_path, big_code
from btam_desktop.ui.widgets import MessageLabel, muted

INTRO = ("Refer cases to other teams and receive theirs. Each team keeps its own vault: a "
         "referral is an encrypted file for the other team's leads, and nothing from it "
         "enters this vault until a lead accepts it.")
TAB_TITLES = ("&Contact cards", "&Referrals")
STATUS_WORDS = {"sent": "Sent", "received": "To decide",
                "accepted": "Accepted", "declined": "Declined"}
STATE_WORDS = {"active": "Active", "expired": "Expired", "withdrawn": "Withdrawn"}
NOT_LEAD = ("Referrals between teams are a team lead's work, on a lead laptop of a team "
            "(see Sync). You can read the list here.")


def counts_text(counts: dict[str, int]) -> str:
    """"2 people, 3 timeline entries, 1 form" from a referral's counts."""
    return ", ".join([plural(int(counts.get("people", 0)), "person", "people"),
                      plural(int(counts.get("entries", 0)), "timeline entry",
                                   "timeline entries"),
                      plural(int(counts.get("forms", 0)), "form")])


def _date(text: str | None) -> str:
    return (text or "")[:10]


class ReferralsPage(Page):
    """Contact cards and referrals between teams; see the module docstring."""

    def __init__(self, session: Session, events: SessionEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__("Referrals between teams", parent)
        self._session = session
        self._stale = True
        self.folder = Path.home()
        self.dialog: QWidget | None = None  # the last dialog opened (tests look at it)
        self.last_job: tasks.BackgroundJob | None = None
        self.message = MessageLabel()
        intro = muted(INTRO)
        intro.setMaximumWidth(900)
        self.body.addWidget(intro)
        self.body.addWidget(self.message)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Referral sections")
        self.tabs.setDocumentMode(True)
        self.body.addWidget(self.tabs, 1)

        # -- contact cards --
        cards_tab = QWidget()
        cards = QVBoxLayout(cards_tab)
        cards.setContentsMargins(0, 10, 0, 0)
        self.own_fingerprint = big_code("", "", "Our card's fingerprint")
        self.own_fingerprint.hide()
        self.own_about = muted("Save our team's card and hand it to the other team's lead; "
                               "read them its fingerprint by phone when they import it.")
        self.save_card_button = button("&Save our card\u2026", "Write our team's contact "
                                       "card to a file for another team", self.choose_save_card)
        self.import_card_button = button("&Import a card\u2026", "Import another team's "
                                         "contact card after comparing its fingerprint",
                                         self.choose_import_card)
        self.withdraw_button = button("&Withdraw\u2026", "Stop trusting the selected team's "
                                      "card here", self.withdraw_selected)
        cards.addWidget(self.own_about)
        cards.addWidget(self.own_fingerprint)
        self.cards_model: RecordTableModel[HeldCard] = RecordTableModel((
            Column("Team", lambda h: h.card.team_name),
            Column("Agency", lambda h: h.card.agency),
            Column("Fingerprint", lambda h: h.card.fingerprint()),
            Column("Expires", lambda h: _date(h.card.expires_at)),
            Column("State", lambda h: STATE_WORDS.get(h.state(), h.state()),
                   style=lambda h: RowStyle(bold=h.state() != "active")),
        ), parent=self)
        self.cards_table = make_table(self.cards_model, "Other teams' cards", stretch=1)
        # The columns fit the page's width (fixed widths scrolled sideways at 1024x768):
        # the fingerprint (read out by phone) and the expiry whole, then team and state.
        self.cards_fit = ContentColumnFit(self.cards_table, 1, whole=(2, 3), prefer=(0, 4))
        cards.addWidget(self.cards_table, 1)
        # Wraps to a second row on a narrow screen instead of cutting the button texts.
        cards.addLayout(flow_row(self.save_card_button, self.import_card_button,
                                 self.withdraw_button, spacing=8))
        self.tabs.addTab(cards_tab, TAB_TITLES[0])

        # -- referrals --
        refs_tab = QWidget()
        refs = QVBoxLayout(refs_tab)
        refs.setContentsMargins(0, 10, 0, 0)
        self.refs_model: RecordTableModel[referral.Referral] = RecordTableModel((
            Column("When", lambda r: _date(r.created_at), sort_key=lambda r: r.created_at),
            Column("Direction", lambda r: "Sent" if r.direction == "out" else "Received"),
            Column("Team", lambda r: r.other_team_name),
            Column("Our case", lambda r: r.case_number or ""),
            Column("Their case", lambda r: r.their_case_number),
            Column("Status", lambda r: STATUS_WORDS.get(r.status, r.status),
                   style=lambda r: RowStyle(bold=r.status == "received")),
            Column("Reason", lambda r: r.decision_reason or r.reason),
        ), parent=self)
        self.refs_table = make_table(self.refs_model, "Referrals", stretch=6)
        # Fixed widths left the reason 32 pixels at 1024x768 (its heading cut): the date and
        # case numbers whole, then direction, status and team; the reason takes the rest.
        self.refs_fit = ContentColumnFit(self.refs_table, 6, whole=(0, 3, 4),
                                         prefer=(1, 5, 2))
        connect_activation(self.refs_table, self.accept_selected)
        refs.addWidget(self.refs_table, 1)
        self.import_button = button("I&mport a file\u2026",
                                    "Open a referral or acknowledgement file from another team",
                                    self.choose_import)
        self.accept_button = button("&Accept\u2026", "Accept the selected referral as a new "
                                    "case (Enter)", self.accept_selected)
        self.decline_button = button("&Decline\u2026", "Decline the selected referral with a "
                                     "reason", self.decline_selected)
        self.ack_button = button("Save ac&knowledgement\u2026", "Write the answer to the "
                                 "selected referral for the other team", self.choose_save_ack)
        refs.addLayout(flow_row(self.import_button, self.accept_button, self.decline_button,
                                self.ack_button, spacing=8))
        self.tabs.addTab(refs_tab, TAB_TITLES[1])
        events.changed.connect(self._on_change)

    # -- reading ------------------------------------------------------------------------------
    def _on_change(self, summary: ChangeSummary) -> None:
        if summary.action == "view":
            return
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on changes made while another page was shown."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def is_lead_device(self) -> bool:
        """True on a lead laptop of a team, signed in as a lead (who may do referrals)."""
        return refers_for_team(self._session)

    def refresh(self) -> None:
        """Re-read the cards and the referrals."""
        if tasks.is_busy():
            self._stale = True
            return
        try:
            held = card_mod.cards(self._session)
            refs = referral.list_referrals(self._session)
            lead = self.is_lead_device()
        except (BtamError, OSError) as error:
            self.message.show_error(messages.describe(error))
            return
        self._stale = False
        self.cards_model.set_records(held)
        self.refs_model.set_records(refs)
        select_first(self.cards_table)
        select_first(self.refs_table)
        for widget in (self.save_card_button, self.import_card_button, self.withdraw_button,
                       self.import_button, self.accept_button, self.decline_button,
                       self.ack_button):
            widget.setEnabled(lead)
        if not lead:
            self.message.show_message(NOT_LEAD, "info")

    def selected_card(self) -> HeldCard | None:
        """The card of the selected row."""
        rows = self.cards_table.selectionModel().selectedRows()
        return self.cards_model.record(rows[0].row()) if rows else None

    def selected_referral(self) -> referral.Referral | None:
        """The referral of the selected row."""
        rows = self.refs_table.selectionModel().selectedRows()
        return self.refs_model.record(rows[0].row()) if rows else None

    def _show_dialog(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        if isinstance(dialog, (RecordDialog, QMessageBox)) and not dialog.isVisible():
            dialog.open()
        return dialog

    def _job(self, title: str, label: str, work: Callable[[], Any],
             done: Callable[[Any], None]) -> tasks.BackgroundJob:
        self.message.clear_message()
        self.last_job = tasks.run_in_background(
            self, title, lambda _progress: work(), on_done=done,
            on_error=lambda error: self.message.show_error(messages.describe(error)),
            cancellable=False, session=self._session, label=label)
        return self.last_job

    # -- our card -----------------------------------------------------------------------------
    def choose_save_card(self) -> tasks.BackgroundJob | None:
        """Ask where, then write our card."""
        path = ask_save_path(self, "Save our contact card", self.folder / "our-team.btamcard",
                             card_mod.SUFFIX, "BTAM contact cards")
        return self.save_card(path) if path is not None else None

    def save_card(self, path: Path, *, overwrite: bool = True) -> tasks.BackgroundJob:
        """Write our card (a file dialog already asked before replacing a file)."""
        session = self._session

        def done(card: ContactCard) -> None:
            self.folder = path.parent
            fingerprint = card.fingerprint()
            self.own_fingerprint.setText(words.fingerprint_lines(fingerprint))
            self.own_fingerprint.setAccessibleDescription(words.fingerprint_spoken(fingerprint))
            self.own_fingerprint.show()
            self.own_about.setText(
                f"Our card was saved to {path.name} (valid until {_date(card.expires_at)}). "
                "When the other team's lead calls, read out this fingerprint group by group:")
            self.message.show_message("Our contact card was saved.", "ok")

        return self._job("Saving our contact card", "Signing our team's card\u2026",
                         lambda: card_mod.write_own_card(session, path, overwrite=overwrite),
                         done)

    # -- other teams' cards -------------------------------------------------------------------
    def choose_import_card(self) -> QWidget | None:
        """Pick a card file, then show its fingerprint to compare."""
        name, _filter = QFileDialog.getOpenFileName(
            self, "Import a contact card", str(self.folder),
            f"BTAM contact cards (*{card_mod.SUFFIX});;All files (*)")
        return self.import_card_file(Path(name)) if name else None

    def import_card_file(self, path: Path) -> QWidget | None:
        """Read the card (a small file: at most 64 KB) and ask to compare its fingerprint."""
        try:
            card = card_mod.read_card_file(path)
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return None
        dialog = ImportCardDialog(self._session, card, self.window())
        dialog.applied.connect(lambda result: self._card_imported(card, str(result)))
        return self._show_dialog(dialog)

    def _card_imported(self, card: ContactCard, result: str) -> None:
        said = {"imported": "imported", "replaced": "imported; it replaces the card held",
                "unchanged": "already held"}.get(result, result)
        self.message.show_message(f"The card of {card.team_name} was {said}.", "ok")
        self.refresh()

    def withdraw_selected(self) -> QMessageBox | None:
        """Ask, then withdraw the selected team's card."""
        held = self.selected_card()
        if held is None:
            self.message.show_message("Select a team's card first.", "info")
            return None
        name = held.card.team_name
        box = confirm(self, "Withdraw the card",
                      f"Withdraw the card of {name}? Referrals and acknowledgements from "
                      "them are refused from now on and nothing can be sent to them, until "
                      "you import a new card of theirs.", "&Withdraw",
                      lambda: self._withdraw(held))
        self.dialog = box
        return box

    def _withdraw(self, held: HeldCard) -> None:
        try:
            card_mod.withdraw_card(self._session, held.card.team_id)
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return
        self.message.show_message(f"The card of {held.card.team_name} was withdrawn.", "ok")
        self.refresh()

    # -- referrals ----------------------------------------------------------------------------
    def choose_import(self) -> tasks.BackgroundJob | None:
        """Pick a referral or acknowledgement file, then import it."""
        name, _filter = QFileDialog.getOpenFileName(
            self, "Import a referral or acknowledgement", str(self.folder),
            f"Referral files (*{referral.SUFFIX});;All files (*)")
        return self.import_path(Path(name)) if name else None

    def import_path(self, path: Path) -> tasks.BackgroundJob:
        """Check and record the file in the background; say what it was or why refused."""
        session = self._session

        def done(result: referral.ImportResult) -> None:
            self.folder = path.parent
            if result.kind == "referral":
                text = (f"A referral from {result.team_name} was received "
                        f"({counts_text(result.counts)}). Select it and Accept or "
                        "Decline.")
            elif result.status == "accepted":
                text = (f"{result.team_name} accepted the referral as their case "
                        f"{result.case_number}.")
            else:
                text = f"{result.team_name} declined the referral."
            self.message.show_message(text, "ok")
            self.tabs.setCurrentIndex(1)
            self.refresh()

        return self._job("Importing a referral file", "Checking the file and its "
                         "signature\u2026", lambda: referral.import_file(session, path), done)

    def _received(self) -> referral.Referral | None:
        ref = self.selected_referral()
        if ref is None or ref.direction != "in" or ref.status != "received":
            self.message.show_message("Select a received referral that is still to decide.",
                                      "info")
            return None
        return ref

    def accept_selected(self) -> QMessageBox | None:
        """Show what the referral holds and ask before creating the case."""
        ref = self._received()
        if ref is None:
            return None
        try:
            preview = referral.incoming_preview(self._session, ref.referral_id)
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return None
        case = preview["case"]
        box = confirm(
            self, "Accept the referral",
            f"Accept the referral from {ref.other_team_name} as a new case of ours?\n\n"
            f"Their case {case['number']}: {case['title']}\nConcern level: {case['concern']}"
            f"\nReason: {ref.reason}\nLegal basis: {ref.legal_basis}\n"
            f"It holds {counts_text(ref.counts)}.\n\nThe new case gets its own number "
            "and a note linking it to theirs.", "&Accept as a new case",
            lambda: self.accept_referral(ref.referral_id))
        self.dialog = box
        return box

    def accept_referral(self, referral_id: str) -> tasks.BackgroundJob:
        """Accept in the background; say which case it became."""
        session = self._session

        def done(case: Any) -> None:
            self.message.show_message(
                f"Accepted as case {case.number}. Save the acknowledgement and send it to "
                "the referring team.", "ok")
            self.refresh()

        return self._job("Accepting the referral", "Creating the case\u2026",
                         lambda: referral.accept(session, referral_id), done)

    def decline_selected(self) -> QWidget | None:
        """Ask for the reason, then decline."""
        ref = self._received()
        if ref is None:
            return None
        dialog = DeclineDialog(self._session, ref, self.window())
        dialog.applied.connect(self._declined)
        return self._show_dialog(dialog)

    def _declined(self, _result: object) -> None:
        self.message.show_message(
            "Declined. Save the acknowledgement and send it to the referring team.", "ok")
        self.refresh()

    def choose_save_ack(self) -> tasks.BackgroundJob | None:
        """Ask where, then write the acknowledgement of the selected decided referral."""
        ref = self.selected_referral()
        if ref is None or ref.direction != "in" or ref.status not in ("accepted",
                                                                      "declined"):
            self.message.show_message("Select a received referral you accepted or "
                                      "declined.", "info")
            return None
        path = ask_save_path(self, "Save the acknowledgement",
                             self.folder / f"ack-{ref.referral_id[:8]}{referral.SUFFIX}",
                             referral.SUFFIX, "Referral files")
        return self.save_ack(ref.referral_id, path) if path is not None else None

    def save_ack(self, referral_id: str, path: Path, *, overwrite: bool = True
                 ) -> tasks.BackgroundJob:
        """Write the acknowledgement in the background."""
        session = self._session

        def done(out: Path) -> None:
            self.folder = out.parent
            self.message.show_message(f"The acknowledgement was saved to {out.name}; send "
                                      "it to the referring team.", "ok")

        return self._job("Saving the acknowledgement", "Encrypting the answer\u2026",
                         lambda: referral.write_ack(session, referral_id, path,
                                                    overwrite=overwrite), done)
