"""The completion summary: what still stops a form from being completed, as a list an officer
can walk with the keyboard. Activating an entry (click, Enter) jumps to the question.

It appears when Complete is pressed and the engine still reports problems, then follows the
answers live, so the officer sees the list shrink as they work through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.forms import AnswerProblem
from btam_desktop.core.words import plural

PATH_ROLE = Qt.ItemDataRole.UserRole


class CompletionSummary(QFrame):
    """A heading and the list of problems; ``problemActivated(path)`` on click or Enter."""

    problemActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("completionSummary")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Answers needed before completing")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        header = QHBoxLayout()
        self.heading = QLabel(self)
        self.heading.setObjectName("summaryHeading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        header.addWidget(self.heading, 1)
        self.close_button = QPushButton("Hide list", self)
        self.close_button.setToolTip("Hide this list (Complete shows it again)")
        self.close_button.clicked.connect(self.hide)
        header.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)
        self.list = QListWidget(self)
        self.list.setObjectName("completionProblems")
        self.list.setAccessibleName("Answers needed")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout.addWidget(self.list)
        self.hide()

    def set_problems(
        self, problems: Sequence[AnswerProblem], describe: Callable[[AnswerProblem], str]
    ) -> None:
        """Fill the list; ``describe`` turns a problem into "Section › Question: message"."""
        self.list.clear()
        for problem in problems:
            item = QListWidgetItem(describe(problem))
            item.setData(PATH_ROLE, problem.path)
            item.setToolTip("Press Enter or click to go to this question")
            self.list.addItem(item)
        if problems:
            self.heading.setText(
                f"{plural(len(problems), 'answer')} needed before this form can be completed. "
                "Select one to go to the question."
            )
        else:
            self.heading.setText(
                "Everything needed is answered. Press Complete (Ctrl+Enter) to finish the form."
            )
        # About eight entries without scrolling; more would push the form off a laptop screen.
        rows = max(1, min(8, len(problems)))
        line = self.list.fontMetrics().lineSpacing() + 10
        self.list.setFixedHeight(rows * line + 2 * self.list.frameWidth() + 4)
        self.list.setVisible(bool(problems))

    def paths(self) -> list[str]:
        """Problem paths in list order (for tests)."""
        return [
            str(self.list.item(i).data(PATH_ROLE)) for i in range(self.list.count())
        ]

    def _activated(self, item: QListWidgetItem) -> None:
        self.problemActivated.emit(str(item.data(PATH_ROLE)))
