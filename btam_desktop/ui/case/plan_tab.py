"""The Plan & tasks tab: a summary of the newest management plan, and the case's tasks and
scheduled reviews with their due dates (overdue ones marked in words, not only colour)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from btam_desktop.core.model import Task
from btam_desktop.core.session import Session
from btam_desktop.core.submissions import Submission
from btam_desktop.ui.case.answers_text import summarise
from btam_desktop.ui.case.labels import (
    SUBMISSION_STATUS_LABELS,
    TASK_KIND_LABELS,
    label,
    show_date,
    show_datetime,
    today_iso,
)
from btam_desktop.ui.case.tab_base import (
    CaseTab,
    button,
    can_write,
    connect_activation,
    make_table,
    select_first,
)
from btam_desktop.ui.case.task_dialog import TaskDialog
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import PLAIN, Column, RecordTableModel, RowStyle

PLAN_FORM = "management_plan"
OVERDUE = RowStyle(colour="error", bold=True)
DONE = RowStyle(colour="muted")


def task_state(task: Task, today: str) -> str:
    """"Done", "Overdue" or "Open"."""
    if task.done_at:
        return f"Done {show_date(task.done_at)}"
    if task.due_on and task.due_on < today:
        return "\u26a0 Overdue"
    return "Open"


def latest_plan(submissions: list[Submission]) -> Submission | None:
    """The newest current management plan: completed ones before a draft in progress."""
    plans = [s for s in submissions if s.form_id == PLAN_FORM and s.superseded_by is None]
    if not plans:
        return None
    finished = [s for s in plans if s.status != "draft"]
    pool = finished or plans
    return max(pool, key=lambda s: (s.completed_at or s.updated_at or s.created_at))


class PlanTab(CaseTab):
    """Management plan summary, tasks and reviews."""

    title = "P&lan && tasks"

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, case_id, parent)
        self._today = today_iso()
        self._members: dict[str, str] = {}
        self.plan_box = QFrame()
        self.plan_box.setObjectName("card")
        self.plan_box.setAccessibleName("Management plan")
        self.plan_title = QLabel("Management plan")
        self.plan_title.setObjectName("subheading")
        self.plan_state = QLabel()
        self.plan_state.setTextFormat(Qt.TextFormat.PlainText)
        self.plan_state.setWordWrap(True)
        self.plan_lines = QGridLayout()
        self.plan_lines.setHorizontalSpacing(16)
        self.plan_lines.setVerticalSpacing(4)
        box = QVBoxLayout(self.plan_box)
        box.setContentsMargins(14, 10, 14, 10)
        box.addWidget(self.plan_title)
        box.addWidget(self.plan_state)
        box.addLayout(self.plan_lines)
        self.layout_.addWidget(self.plan_box)

        columns: tuple[Column[Task], ...] = (
            Column("Kind", lambda t: label(TASK_KIND_LABELS, t.kind)),
            Column("Task", lambda t: t.title),
            Column("Due", lambda t: show_date(t.due_on) or "\u2014",
                   sort_key=lambda t: t.due_on or "~"),
            Column("Assigned to", lambda t: self._members.get(t.assignee_id or "", "")),
            Column("State", lambda t: task_state(t, self._today),
                   style=self._state_style),
        )
        self.model: RecordTableModel[Task] = RecordTableModel(
            columns, row_style=lambda t: DONE if t.done_at else PLAIN, parent=self)
        self.table = make_table(self.model, "Tasks and reviews")
        # The columns fit the tab's width (a fixed 380-pixel Task column cut its titles
        # while State took 300 pixels for "Open"): kind, due date, state and assignee
        # whole, the task's title takes the rest and ends in "…" (tooltip whole).
        self.column_fit = ContentColumnFit(self.table, 1, whole=(2,), prefer=(0, 4, 3))
        self.layout_.addWidget(self.table, 1)
        writable = can_write(session)
        self.add_button = button("&Add task\u2026", "Add a task with a due date", self.add_task)
        self.review_button = button("Sched&ule review\u2026", "Schedule a case review",
                                    lambda: self.add_task("review"))
        self.done_button = button("Mark &done", "Mark the selected task or review done "
                                  "(Enter)", self.complete_task)
        connect_activation(self.table, self.complete_task)
        for widget in (self.add_button, self.review_button, self.done_button):
            widget.setEnabled(writable)
            self.buttons.addWidget(widget)
        self.add_buttons()
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    def _state_style(self, task: Task) -> RowStyle:
        if not task.done_at and task.due_on and task.due_on < self._today:
            return OVERDUE
        return PLAIN

    def load(self) -> None:
        self._today = today_iso()
        self._members = {m.id: m.name for m in self.session.members(include_inactive=True)}
        self.model.set_records(self.session.store.tasks(self.case_id))
        select_first(self.table)
        self._on_selection()
        self._show_plan()

    def _show_plan(self) -> None:
        while self.plan_lines.count():
            item = self.plan_lines.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        subs = self.session.submissions
        plan = latest_plan(subs.for_case(self.case_id))
        if plan is None:
            self.plan_state.setText("No management plan yet. Start one from the Forms tab "
                                    "(Start form \u2192 Case management plan).")
            return
        state = label(SUBMISSION_STATUS_LABELS, plan.status)
        when = show_datetime(plan.completed_at or plan.updated_at)
        self.plan_state.setText(f"{state}, {when}" + (
            " (a draft in progress)" if plan.status == "draft" else ""))
        persons = {p.person.id: p.person.display_name
                   for p in self.session.store.case_persons(self.case_id)}
        lines = summarise(subs.form_for(plan), plan.answers, limit=8, persons=persons)
        for row, (question, answer) in enumerate(lines):
            name = QLabel(question)
            name.setTextFormat(Qt.TextFormat.PlainText)
            name.setProperty("muted", True)
            name.setWordWrap(True)
            value = QLabel(answer)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.plan_lines.addWidget(name, row, 0)
            self.plan_lines.addWidget(value, row, 1)
        self.plan_lines.setColumnStretch(1, 1)

    def _on_selection(self, *_args: QItemSelection) -> None:
        task = self.selected(self.table)
        self.done_button.setEnabled(
            can_write(self.session) and task is not None and not task.done_at)

    def add_task(self, kind: str = "task") -> None:
        """Open the task dialog."""
        self.open_dialog(TaskDialog(self.session, self.case_id, self.window(), kind=kind),
                         lambda _t: self.message.show_message("Added.", "ok"))

    def complete_task(self) -> None:
        """Mark the selected task done."""
        task = self.selected(self.table)
        if task is None or task.done_at or not can_write(self.session):
            return
        self.run(lambda: self.session.store.complete_task(task.id),
                 f"\u201c{task.title}\u201d marked done.")
