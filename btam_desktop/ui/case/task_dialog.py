"""Adding a task or scheduling a review on a case."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from btam_desktop.core.model import Task, suggest_sensitivity
from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import (
    OptionalDate,
    RecordDialog,
    SensitivityInput,
    choice_combo,
    combo_key,
    long_text,
    refused,
)
from btam_desktop.ui.case.labels import TASK_KIND_LABELS


class TaskDialog(RecordDialog):
    """A task (or review) with a due date and who does it; ``applied`` gives the Task."""

    def __init__(self, session: Session, case_id: str, parent: QWidget, *,
                 kind: str = "task") -> None:
        super().__init__("Schedule review" if kind == "review" else "Add task", parent,
                         ok_text="Add")
        self._session = session
        self._case_id = case_id
        self.reopen_with(lambda again, window: TaskDialog(again, case_id, window, kind=kind))
        self.kind = choice_combo(TASK_KIND_LABELS, kind)
        self.title = QLineEdit("Case review" if kind == "review" else "")
        self.title.setMaxLength(300)
        self.due = OptionalDate(None, "No due date")
        self.due.none.setChecked(False)
        self.due.date.setEnabled(True)
        members = {m.name: m.name for m in session.members()}
        self.assignee = choice_combo(members, session.member.name if session.member else None,
                                     empty="(nobody yet)")
        self.notes = long_text("What needs doing")
        self.add_row("&Kind:", self.kind)
        self.add_row("&Title:", self.title)
        self.add_row("&Due:", self.due)
        self.add_row("&Assigned to:", self.assignee)
        self.add_row("&Notes:", self.notes)
        # A plan item can tell as much as a timeline entry ("check the probation terms").
        self.sensitivity = SensitivityInput()
        self.add_row("Sensiti&vity:", self.sensitivity)
        self.title.textChanged.connect(self._suggest)
        self.notes.textChanged.connect(self._suggest)
        self.title.setFocus()
        self.title.selectAll()

    def _suggest(self) -> None:
        self.sensitivity.suggest(suggest_sensitivity(
            "task", self.title.text(), self.notes.toPlainText()))

    def apply(self) -> Task:
        if not self.title.text().strip():
            raise refused(self, "Say what the task is.", self.title)
        return self._session.store.add_task(
            self._case_id, self.title.text(), due_on=self.due.value(),
            kind=combo_key(self.kind), assignee=combo_key(self.assignee) or None,
            notes=self.notes.toPlainText(), sensitivity=self.sensitivity.value())
