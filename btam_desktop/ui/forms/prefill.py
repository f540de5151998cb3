"""The mark on an answer that was filled in from the case (issue 9), and putting a new draft's
pre-filled answers on screen.

What is pre-filled, and from where, is decided in :mod:`btam_desktop.core.forms.prefill`;
this module only shows it: an icon and "Filled in from the case (…)" under the question, also
read out by a screen reader with the question. The mark goes as soon as the officer changes
the answer (the answer is then theirs), and it is never shown on a resumed draft or a
completed submission, which are never pre-filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QWidget

from btam_desktop.ui.widgets import muted

if TYPE_CHECKING:
    from btam_desktop.ui.forms.view import FormView

PREFILL_TEXT = "Filled in from the case"
ICON_SIZE = 14


def prefill_words(where: str) -> str:
    """"Filled in from the case (the reporting party's name); edit it if it is wrong"."""
    return f"{PREFILL_TEXT} ({where})" if where else PREFILL_TEXT


class PrefillMark(QWidget):
    """Icon and text under a pre-filled answer; ``value`` is the answer as filled in."""

    def __init__(self, where: str, value: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prefillMark")
        self.text = prefill_words(where)
        self.value = value
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        icon = QLabel(self)
        icon.setObjectName("prefillIcon")
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_FileDialogInfoView).pixmap(ICON_SIZE, ICON_SIZE))
        icon.setAccessibleName(PREFILL_TEXT)
        label = muted(self.text)
        label.setParent(self)
        label.setObjectName("prefillText")
        self.label = label
        layout.addWidget(icon)
        layout.addWidget(label, 1)
        self.setAccessibleName(self.text)
        self.setToolTip(f"{self.text}. Change the answer if it is wrong; the mark then goes.")


def mark_prefilled(view: FormView, words: Mapping[str, str]) -> list[str]:
    """Mark the rows of ``view`` (a FormView) whose answers were pre-filled; ``words``: field
    id -> where the answer came from. Returns the ids marked (a field the view shows no row
    for, a hidden one, is not)."""
    return [field_id for field_id, where in words.items() if view.mark_prefilled(field_id, where)]
