"""The case header: number, title, concern badge, status, tier, next review, who is assigned,
and the buttons that change them (each opens its dialog; the concern level's asks for a
written rationale), and "Export case report…" (the case view runs it: ``export_requested``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.model import Case
from btam_desktop.core.session import Session
from btam_desktop.ui import keys
from btam_desktop.ui.case import colors
from btam_desktop.ui.case.badges import ConcernBadge
from btam_desktop.ui.case.case_dialogs import (
    AssignDialog,
    ConcernDialog,
    ReviewDateDialog,
    StatusDialog,
    TierDialog,
)
from btam_desktop.ui.case.dialog_base import RecordDialog
from btam_desktop.ui.case.labels import status_label, tier_label, today_iso
from btam_desktop.ui.case.tab_base import button, can_write
from btam_desktop.ui.flow import flow_row
from btam_desktop.ui.sync.marks import OTHER, ConflictMarks
from btam_desktop.ui.widgets import ThemeStyle, theme_style

OVERDUE_MARK = "\u26a0"


def _value_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class FoldingLabel(QLabel):
    """A value shown on one line, or folded on two lines at a break chosen here
    ("2026-10-31" over "⚠ overdue", "Active" over "management"), never cut.

    Word wrap would not do: a wrapped QLabel asks for less than one line's width, so the
    facts grid folded "Active management" even with room to spare, and wrapped "⚠ overdue"
    between its sign and word. The header folds it (:meth:`set_folded`) when the facts do
    not fit on one line; folded, it asks only for the folded text's width. Should a layout
    still give it less than one line's width, it shows the folded text."""

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._wide = ""
        self._narrow = ""
        self._folded = False

    def set_value(self, wide: str, narrow: str | None = None) -> None:
        """Show ``wide`` on one line, or ``narrow`` (with a newline) when it does not fit."""
        self._wide = wide
        self._narrow = narrow if narrow is not None else wide
        self.updateGeometry()
        self._fold()

    def set_folded(self, folded: bool) -> None:
        """Ask for the folded text's room (True) or the one-line text's."""
        if folded != self._folded:
            self._folded = folded
            self.updateGeometry()
            self._fold()

    def wide_width(self) -> int:
        """The width the value needs on one line."""
        return self._size(self._wide).width()

    def _size(self, text: str) -> QSize:
        margins = self.contentsMargins()
        size = self.fontMetrics().size(0, text or " ")
        return QSize(size.width() + margins.left() + margins.right() + 2 * self.margin(),
                     size.height() + margins.top() + margins.bottom() + 2 * self.margin())

    def sizeHint(self) -> QSize:
        """The one-line text's size, or the folded one's when folded."""
        return self._size(self._narrow if self._folded else self._wide)

    def minimumSizeHint(self) -> QSize:
        """The folded text's size."""
        return self._size(self._narrow)

    def hasHeightForWidth(self) -> bool:
        """Folded, the value is taller."""
        return True

    def heightForWidth(self, width: int) -> int:
        """One line's height when the one-line text fits ``width``, else the folded one's."""
        return self._size(self._narrow if self._folded or width < self.wide_width()
                          else self._wide).height()

    def _fold(self) -> None:
        text = self._narrow if self._folded or self.width() < self.wide_width() \
            else self._wide
        if text != self.text():
            super().setText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Fold or unfold for the new width."""
        super().resizeEvent(event)
        self._fold()

    def changeEvent(self, event: QEvent) -> None:
        """A font or style change (the overdue review is bold) changes what fits."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()
            self._fold()


class CaseHeader(QWidget):
    """What the case is and where it stands; buttons to change it."""

    export_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._case: Case | None = None
        self._overdue = False
        self._review_style: ThemeStyle | None = None
        self.number = _value_label()
        self.number.setObjectName("caseNumber")
        self.number.setProperty("muted", True)
        self.title = _value_label()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.badge = ConcernBadge()
        self.trash_note = QLabel("This case is in the trash: restore it to change it.")
        self.trash_note.setObjectName("message")
        self.trash_note.setProperty("kind", "error")
        self.trash_note.hide()
        # On a narrow window the facts give way by folding, never by being cut (beside them
        # "Export case report…" keeps its whole text).
        self.status = FoldingLabel()
        self.tier = _value_label()
        self.review = FoldingLabel()
        self.assigned = _value_label()
        self.assigned.setWordWrap(True)
        self.opened = _value_label()
        # "⚠ in conflict" next to each field two laptops changed differently (sync).
        self.conflict_marks = ConflictMarks(session, self)

        # Number, level and title on one line: the tabs below get the height.
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.number, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.conflict_marks.mark("concern"), 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.title, 1)
        top.addWidget(self.conflict_marks.mark("title"), 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.conflict_marks.mark(OTHER), 0, Qt.AlignmentFlag.AlignVCenter)
        facts = QGridLayout()
        self._facts = facts
        self._captions: list[QLabel] = []
        facts.setHorizontalSpacing(10)
        facts.setVerticalSpacing(2)
        for column, (caption, value) in enumerate((
                ("Status", self.status), ("Tier", self.tier), ("Next review", self.review),
                ("Opened", self.opened), ("Assigned", self.assigned))):
            name = QLabel(caption)
            self._captions.append(name)
            name.setProperty("muted", True)
            name.setBuddy(value)
            value.setAccessibleName(caption)
            facts.addWidget(name, 0, column)
            facts.addWidget(value, 1, column)
        for column, field in enumerate(("status", "tier", "next_review")):
            facts.addWidget(self.conflict_marks.mark(field), 2, column,
                            Qt.AlignmentFlag.AlignLeft)
        facts.setColumnStretch(4, 1)

        self.concern_button = button("&Concern level\u2026", keys.CONCERN.hint(
            "Change the concern level; needs a written rationale"), self.change_concern)
        # An action, not the button's shortcut: that would replace its Alt+C.
        keys.bind(self, keys.CONCERN, self.concern_button.click)
        self.status_button = self._button("&Status\u2026", "Change the status, or close the "
                                          "case", self.change_status)
        self.tier_button = self._button("T&ier\u2026", "Change the prevention tier",
                                        self.change_tier)
        self.review_button = self._button("Revie&w date\u2026", "Set the next review date",
                                          self.change_review)
        self.assign_button = self._button("Assig&n\u2026", "Choose the team members working "
                                          "this case", self.change_assignment)
        # Every role may export (the core records it); the shortcut is the case view's.
        self.export_button = button(
            "Export case report\u2026", "Export the case report as a PDF; asks to whom, why "
            "and on what legal basis, and records it in the dissemination log (Ctrl+P)",
            self.export_requested.emit, name="Export case report")
        # Export sits at the end of the facts (one row less for the tabs below); the buttons
        # that change the case wrap to a second row on a narrow screen instead of being cut.
        facts.addWidget(self.export_button, 0, 5, 2, 1, Qt.AlignmentFlag.AlignRight
                        | Qt.AlignmentFlag.AlignVCenter)
        actions = flow_row(self.concern_button, self.status_button, self.tier_button,
                           self.review_button, self.assign_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.trash_note)
        layout.addLayout(facts)
        layout.addSpacing(4)
        layout.addLayout(actions)
        self.setAccessibleName("Case header")

    def _fit_facts(self) -> None:
        """Fold Status and Next review on two lines when the facts and "Export case report…"
        do not fit the header's width on one line each (found at 1024x768 with an overdue
        review: the export button read "port case report", the review "⚠ ove"). Assigned
        wraps between names as before; it is counted at its longest name."""
        status, tier, review, opened, assigned = self._captions
        names = self.assigned.text().split(", ")
        metrics = self.assigned.fontMetrics()
        needed = (max(status.sizeHint().width(), self.status.wide_width())
                  + max(tier.sizeHint().width(), self.tier.sizeHint().width())
                  + max(review.sizeHint().width(), self.review.wide_width())
                  + max(opened.sizeHint().width(), self.opened.sizeHint().width())
                  + max([assigned.sizeHint().width(),
                         *(metrics.horizontalAdvance(f"{name},") for name in names)])
                  + 5 * self._facts.horizontalSpacing()
                  + self.export_button.sizeHint().width())
        fold = needed > self.width()
        self.status.set_folded(fold)
        self.review.set_folded(fold)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Fold the facts or not for the new width (:meth:`_fit_facts`)."""
        super().resizeEvent(event)
        self._fit_facts()

    def _button(self, text: str, tip: str, slot: Callable[[], object],
                keys: str = "") -> QWidget:
        widget = button(text, tip, slot)
        if keys:
            widget.setShortcut(keys)
        return widget

    @property
    def case(self) -> Case | None:
        """The case shown."""
        return self._case

    def _task_overdue(self, case_id: str) -> bool:
        today = today_iso()
        try:
            return any(t.due_on and not t.done_at and t.due_on < today
                       for t in self._session.store.tasks(case_id))
        except BtamError:
            return False  # the header still shows the case; the tab says what went wrong

    def _review_sheet(self) -> str:
        return f"color: {colors.color('error').name()}; font-weight: 600;" \
            if self._overdue else ""

    def show_case(self, case: Case) -> None:
        """Fill the header from ``case``."""
        self._case = case
        self.number.setText(case.number)
        self.number.setAccessibleName(f"Case number {case.number}")
        self.title.setText(case.title)
        self.title.setAccessibleName(f"Case title: {case.title}")
        self.badge.set_level(case.concern)
        status = status_label(case.status)
        self.status.set_value(status, status.replace(" ", "\n", 1))
        self.tier.setText(tier_label(case.tier))
        overdue = bool(case.next_review) and case.status != "closed" and (
            str(case.next_review) < today_iso())
        review = case.next_review or "not set"
        # Says what the Cases list and its Overdue filter say: an overdue task counts too.
        task_late = not overdue and case.status != "closed" and self._task_overdue(case.id)
        late = ""
        if overdue:
            late = f"{OVERDUE_MARK} overdue"
        elif task_late:
            late = f"{OVERDUE_MARK} task overdue"
        if overdue or task_late:
            self.review.set_value(f"{review}  {late}", f"{review}\n{late}")
        else:
            self.review.set_value(review)
        # The theme's error colour, read again at every theme switch (ThemeStyle).
        self._overdue = overdue or task_late
        if self._review_style is None:
            self._review_style = theme_style(self.review, self._review_sheet)
        self._review_style.update(self.review)
        self.opened.setText(case.opened_on)
        self.assigned.setText(", ".join(case.assigned) or "nobody yet")
        self._fit_facts()
        writable = can_write(self._session) and not case.deleted_at
        self.trash_note.setVisible(bool(case.deleted_at))
        self.conflict_marks.show_case(case.id)
        for widget in (self.concern_button, self.status_button, self.tier_button,
                       self.review_button, self.assign_button):
            widget.setEnabled(writable)

    # -- changes ------------------------------------------------------------------------------
    def _open(self, dialog: RecordDialog) -> RecordDialog:
        dialog.open()
        return dialog

    def change_concern(self) -> RecordDialog | None:
        """The concern level dialog (requires a rationale)."""
        if self._case is None:
            return None
        return self._open(ConcernDialog(self._session, self._case, self.window()))

    def change_status(self) -> RecordDialog | None:
        """The status dialog."""
        if self._case is None:
            return None
        return self._open(StatusDialog(self._session, self._case, self.window()))

    def change_tier(self) -> RecordDialog | None:
        """The tier dialog."""
        if self._case is None:
            return None
        return self._open(TierDialog(self._session, self._case, self.window()))

    def change_review(self) -> RecordDialog | None:
        """The review date dialog."""
        if self._case is None:
            return None
        return self._open(ReviewDateDialog(self._session, self._case, self.window()))

    def change_assignment(self) -> RecordDialog | None:
        """The assignment dialog."""
        if self._case is None:
            return None
        return self._open(AssignDialog(self._session, self._case, self.window()))
