"""Adding a timeline entry, or correcting one (a new entry that supersedes the original, which
stays on the timeline marked as corrected)."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from btam_desktop.core.model import TimelineEntry, sensitivity_words, suggest_sensitivity
from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import (
    RecordDialog,
    SensitivityInput,
    choice_combo,
    combo_key,
    long_text,
    refused,
)
from btam_desktop.ui.case.labels import (
    DISCIPLINE_LABELS,
    REFERRAL_STATUS_LABELS,
    entry_kind_label,
)
from btam_desktop.ui.date_input import DateInput, parse_datetime

# What each kind asks for beyond the summary, and the words of its intro.
KIND_HELP = {
    "concerning_behaviour": "What the person said or did, and the context it happened in.",
    "contact": "A contact with the person of concern, a target, a witness or a partner.",
    "intervention": "A step taken to manage the concern, and what came of it.",
    "referral": "A referral to a partner agency and where it stands.",
    "note": "Anything else worth keeping on the record.",
}
ADDABLE_KINDS = tuple(KIND_HELP)


def _short(text: str, limit: int = 60) -> str:
    """One line of ``text``, cut with "…" (the full text is in the fields)."""
    line = " ".join(text.split()) or "(empty)"
    return line if len(line) <= limit else line[:limit - 1] + "\u2026"


class EntryDialog(RecordDialog):
    """One entry of ``kind``; with ``original`` it is a correction of that entry."""

    def __init__(self, session: Session, case_id: str, kind: str, parent: QWidget, *,
                 original: TimelineEntry | None = None) -> None:
        word = entry_kind_label(kind).lower()
        title = f"Correct {word}" if original else f"Add {word}"
        super().__init__(title, parent, ok_text="Save correction" if original else "Add")
        self._session = session
        self._case_id = case_id
        self._kind = kind
        self._original = original
        original_id = original.id if original is not None else None  # ids only: re-read
        self.reopen_with(lambda again, window: EntryDialog(
            again, case_id, kind, window,
            original=again.store.get_entry(original_id) if original_id else None))
        if original is not None:
            self.set_intro("Entries are never changed. Your correction is added as a new entry; "
                           "the original stays on the timeline, marked as corrected.")
        else:
            self.set_intro(KIND_HELP.get(kind, ""))
        self.occurred = DateInput(
            original.occurred_at[:16] if original
            else QDateTime.currentDateTime().toString("yyyy-MM-ddTHH:mm"),
            with_time=True, what="date and time")
        self.summary = QLineEdit(original.summary if original else "")
        self.summary.setMaxLength(500)
        self.summary.setPlaceholderText("One line, as it should read on the timeline")
        self.details = long_text("What happened, in detail", original.details if original else "")
        self.add_row("&When:", self.occurred)
        self.add_row("&Summary:", self.summary)
        self.add_row("&Details:", self.details)
        self.context = long_text("Where, with whom, what led up to it",
                                 original.context if original else "")
        self.outcome = long_text("What came of it", original.outcome if original else "")
        if kind == "concerning_behaviour":
            self.add_row("C&ontext:", self.context)
        if kind == "intervention":
            self.add_row("&Outcome:", self.outcome)
        self.partner = choice_combo(self._partners(), original.partner_id if original else None,
                                    empty="(choose a partner)")
        self.referral_status = choice_combo(
            REFERRAL_STATUS_LABELS,
            (original.referral_status if original else None) or "made")
        if kind == "referral":
            self.add_row("&Partner:", self.partner)
            self.add_row("Referral s&tatus:", self.referral_status)
            if self.partner.count() == 1:
                self.message.show_message(
                    "No partners in the directory yet: add the agency under Partners & "
                    "resources first.", "info")
        # Tags (mental health, criminal history...) decide what a partner's copy leaves out;
        # suggested from the words and the partner while the officer writes.
        self.sensitivity = SensitivityInput(original.sensitivity if original else ())
        self.add_row("Sensiti&vity:", self.sensitivity)
        for edit in (self.summary, self.details, self.context, self.outcome):
            edit.textChanged.connect(self._suggest)
        self.partner.currentIndexChanged.connect(self._suggest)
        self._suggest()
        # A correction says why, and shows what it changes before it is saved.
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Why the entry is corrected")
        self.changes = QLabel()
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.PlainText)
        self.changes.setProperty("muted", True)
        if original is not None:
            self.add_row("&Reason:", self.reason)
            self.add_row("What changes:", self.changes)
            for edit in (self.summary, self.details, self.context, self.outcome):
                edit.textChanged.connect(self._show_changes)
            for signal in (self.occurred.edited, self.partner.currentIndexChanged,
                           self.referral_status.currentIndexChanged, self.sensitivity.changed):
                signal.connect(self._show_changes)
            self._show_changes()
        (self.summary if original is None else self.details).setFocus()

    def _partners(self) -> dict[str, str]:
        partners = self._session.store.partners()
        self._disciplines = {p.id: p.discipline for p in partners}
        self._partner_names = {p.id: p.name for p in partners}
        return {p.id: f"{p.name} ({DISCIPLINE_LABELS.get(p.discipline, p.discipline)})"
                for p in partners}

    def changed_fields(self) -> list[str]:
        """What the correction changes, one "Field: old → new" line each."""
        old = self._original
        if old is None:
            return []
        typed = parse_datetime(self.occurred.text())
        occurred = typed.strftime("%Y-%m-%d %H:%M") if typed else self.occurred.text()
        now: list[tuple[str, str, str]] = [
            ("Summary", old.summary, self.summary.text().strip()),
            ("Details", old.details, self.details.toPlainText()),
        ]
        if occurred:
            now.insert(0, ("When", old.occurred_at[:16].replace("T", " "), occurred))
        if self._kind == "concerning_behaviour":
            now.append(("Context", old.context, self.context.toPlainText()))
        if self._kind == "intervention":
            now.append(("Outcome", old.outcome, self.outcome.toPlainText()))
        if self._kind == "referral":
            now.append(("Partner", self._partner_names.get(old.partner_id or "", ""),
                        self._partner_names.get(combo_key(self.partner), "")))
            now.append(("Referral status", REFERRAL_STATUS_LABELS.get(
                old.referral_status or "", ""), self.referral_status.currentText()))
        now.append(("Sensitivity", sensitivity_words(old.sensitivity) or "none",
                    sensitivity_words(self.sensitivity.value()) or "none"))
        return [f"{name}: {_short(before)} \u2192 {_short(after)}"
                for name, before, after in now if before.strip() != after.strip()]

    def _show_changes(self) -> None:
        lines = self.changed_fields()
        self.changes.setText("\n".join(lines) if lines else "Nothing changed yet.")

    def _suggest(self) -> None:
        texts = [self.summary.text(), self.details.toPlainText()]
        if self._kind == "concerning_behaviour":
            texts.append(self.context.toPlainText())
        if self._kind == "intervention":
            texts.append(self.outcome.toPlainText())
        discipline = self._disciplines.get(combo_key(self.partner)) \
            if self._kind == "referral" else None
        self.sensitivity.suggest(suggest_sensitivity(self._kind, *texts,
                                                     discipline=discipline))

    def apply(self) -> TimelineEntry:
        summary = self.summary.text().strip()
        if not summary:
            raise refused(self, "Write a one-line summary.", self.summary)
        occurred = self.occurred.value()
        if occurred is None:
            raise refused(self, "Give the date and time it happened.", self.occurred)
        details = self.details.toPlainText()
        context = self.context.toPlainText() if self._kind == "concerning_behaviour" else ""
        outcome = self.outcome.toPlainText() if self._kind == "intervention" else ""
        partner: str | None = None
        status: str | None = None
        if self._kind == "referral":
            partner = combo_key(self.partner)
            if not partner:
                raise refused(self, "Choose the partner agency the referral went to.",
                              self.partner)
            status = combo_key(self.referral_status)
        store = self._session.store
        if self._original is not None:
            reason = self.reason.text().strip()
            changed = self.changed_fields()
            if not changed:
                raise refused(self, "Nothing is changed: correct a field, or cancel.",
                              self.details)
            # A referral moving on (made -> accepted) is news, not a mistake put right.
            status_only = all(line.startswith("Referral status:") for line in changed)
            if not reason and not status_only:
                raise refused(self, "Say why the entry is corrected.", self.reason)
            return store.correct_entry(
                self._original.id, summary=summary, occurred_at=occurred, details=details,
                context=context, outcome=outcome, partner_id=partner, referral_status=status,
                sensitivity=self.sensitivity.value(), reason=reason)
        return store.add_entry(
            self._case_id, self._kind, summary, occurred_at=occurred, details=details,
            context=context, outcome=outcome, partner_id=partner, referral_status=status,
            sensitivity=self.sensitivity.value())
