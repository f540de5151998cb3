"""Dialogs that create a case or change its header: concern level (with a written rationale),
status, prevention tier, next review date and who is assigned."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit, QVBoxLayout, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.model import STATUS_LABELS, Case
from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import (
    OptionalDate,
    RecordDialog,
    choice_combo,
    combo_key,
    long_text,
    refused,
)
from btam_desktop.ui.case.labels import CONCERN_LABELS, TIER_LABELS, concern_label


class NewCaseDialog(RecordDialog):
    """Title, concern level, tier and next review of a new case; ``applied`` gives the Case."""

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__("New case", parent, ok_text="Create case")
        self._session = session
        self.reopen_with(NewCaseDialog)
        self.set_intro("Open a case file. You can add people, the timeline and forms next.")
        self.title = QLineEdit()
        self.title.setMaxLength(200)
        self.title.setPlaceholderText("What was reported, e.g. \u201cThreats posted about "
                                      "Northgate High\u201d")
        # The officer chooses the level: a preselected "Low" was saved unread.
        self.concern = choice_combo(CONCERN_LABELS, empty="Choose a level\u2026")
        self.tier = choice_combo(TIER_LABELS, "universal")
        self.review = OptionalDate(None, "No review date yet")
        self.review.none.setChecked(False)
        self.add_row("&Title:", self.title)
        self.add_row("&Concern level:", self.concern)
        self.add_row("T&ier:", self.tier)
        self.add_row("Next &review:", self.review)
        self.title.setFocus()

    def apply(self) -> Case:
        if not self.title.text().strip():
            raise refused(self, "Give the case a title.", self.title)
        if not combo_key(self.concern):
            raise refused(self, "Choose the concern level.", self.concern)
        store = self._session.store
        case = store.create_case(
            self.title.text(), concern=combo_key(self.concern), tier=combo_key(self.tier),
            next_review=self.review.value())
        # The officer who opens a case works it (a lead can reassign it in the header).
        if self._session.member_id is not None:
            try:
                store.assign(case.id, self._session.actor_name)
            except BtamError:  # the case exists; the header shows no one assigned
                pass
            else:
                case = store.get_case(case.id)
        return case


class ConcernDialog(RecordDialog):
    """A new concern level, refused without a written rationale (it goes on the timeline)."""

    def __init__(self, session: Session, case: Case, parent: QWidget) -> None:
        super().__init__("Change concern level", parent, ok_text="Change level")
        self._session = session
        case_id = case.id  # ids only: the case is read again
        self.reopen_with(lambda again, window: ConcernDialog(
            again, again.store.get_case(case_id), window))
        self._case = case
        self.set_intro(
            f"The concern level is {concern_label(case.concern)}. A change needs a written "
            "rationale: it is recorded on the timeline with your name.")
        self.level = choice_combo(CONCERN_LABELS, case.concern)
        self.rationale = long_text("What changed, and what the new level rests on")
        self.add_row("New &level:", self.level)
        self.add_row("&Rationale:", self.rationale)
        self.level.setFocus()

    def apply(self) -> list[str]:
        level = combo_key(self.level)
        if level == self._case.concern:
            raise refused(self, "Choose a different level, or cancel.", self.level)
        if not self.rationale.toPlainText().strip():
            raise refused(self, "Write the rationale for the new concern level; it is "
                                "required and goes on the timeline.", self.rationale)
        return self._session.store.update_case(
            self._case.id, {"concern": level}, reason=self.rationale.toPlainText())


class StatusDialog(RecordDialog):
    """A new status; closing asks for the closure reason."""

    def __init__(self, session: Session, case: Case, parent: QWidget) -> None:
        super().__init__("Change status", parent, ok_text="Change status")
        self._session = session
        case_id = case.id  # ids only: the case is read again
        self.reopen_with(lambda again, window: StatusDialog(
            again, again.store.get_case(case_id), window))
        self._case = case
        self.status = choice_combo(STATUS_LABELS, case.status)
        self.closure = long_text("Why the case is closed (needed to close it)",
                                 case.closure_reason)
        self.add_row("&Status:", self.status)
        self.add_row("&Closure reason:", self.closure)
        self.status.currentIndexChanged.connect(self._sync)
        self._sync()
        self.status.setFocus()

    def _sync(self) -> None:
        self.closure.setEnabled(combo_key(self.status) == "closed")

    def apply(self) -> list[str]:
        status = combo_key(self.status)
        values: dict[str, str] = {"status": status}
        if status == "closed":
            if not self.closure.toPlainText().strip():
                raise refused(self, "Write why the case is closed.", self.closure)
            values["closure_reason"] = self.closure.toPlainText()
        return self._session.store.update_case(self._case.id, values)


class TierDialog(RecordDialog):
    """A new prevention tier."""

    def __init__(self, session: Session, case: Case, parent: QWidget) -> None:
        super().__init__("Change prevention tier", parent, ok_text="Change tier")
        self._session = session
        case_id = case.id  # ids only: the case is read again
        self.reopen_with(lambda again, window: TierDialog(
            again, again.store.get_case(case_id), window))
        self._case = case
        self.tier = choice_combo(TIER_LABELS, case.tier)
        self.add_row("&Tier:", self.tier)
        self.tier.setFocus()

    def apply(self) -> list[str]:
        return self._session.store.update_case(self._case.id, {"tier": combo_key(self.tier)})


class ReviewDateDialog(RecordDialog):
    """The next review date (or none)."""

    def __init__(self, session: Session, case: Case, parent: QWidget) -> None:
        super().__init__("Next review", parent, ok_text="Set date")
        self._session = session
        case_id = case.id  # ids only: the case is read again
        self.reopen_with(lambda again, window: ReviewDateDialog(
            again, again.store.get_case(case_id), window))
        self._case = case
        self.review = OptionalDate(case.next_review, "No review date")
        self.add_row("Next &review:", self.review)
        self.review.setFocus()

    def apply(self) -> list[str]:
        return self._session.store.update_case(self._case.id,
                                               {"next_review": self.review.value()})


class AssignDialog(RecordDialog):
    """Tick the team members working the case."""

    def __init__(self, session: Session, case: Case, parent: QWidget) -> None:
        super().__init__("Assigned members", parent, ok_text="Save")
        self._session = session
        case_id = case.id  # ids only: the case is read again
        self.reopen_with(lambda again, window: AssignDialog(
            again, again.store.get_case(case_id), window))
        self._case = case
        self.set_intro("Who works this case. Members see it under \u201cAssigned to me\u201d.")
        box = QWidget()
        box.setAccessibleName("Team members")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for member in session.members():
            check = QCheckBox(member.name)
            check.setChecked(member.name in case.assigned)
            layout.addWidget(check)
            self.boxes[member.name] = check
        self.form.addRow(box)
        if self.boxes:
            next(iter(self.boxes.values())).setFocus()

    def apply(self) -> list[str]:
        store = self._session.store
        changed: list[str] = []
        for name, check in self.boxes.items():
            was = name in self._case.assigned
            if check.isChecked() and not was:
                store.assign(self._case.id, name)
                changed.append(name)
            elif was and not check.isChecked():
                store.unassign(self._case.id, name)
                changed.append(name)
        return changed
