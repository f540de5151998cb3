"""The ``signature`` editor: name, badge and date."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from btam_desktop.core.forms import Field
from btam_desktop.ui.forms.dates import DateEditor
from btam_desktop.ui.forms.inputs import FieldEditor, box_layout, set_line_read_only, text_of


class SignatureEditor(FieldEditor):
    """``signature``: name, badge and date (the answer ``{name, badge, date}``).

    A partly filled signature is kept as it is (the engine reports what is missing); only a
    signature with all three parts empty is unanswered.
    """

    typed = True

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        # Name and badge side by side, the date (with its buttons) below: on one line the
        # date input was squeezed until the date itself was cut off.
        column = box_layout(self, vertical=True)
        column.setSpacing(8)
        top = QHBoxLayout()
        top.setSpacing(8)
        column.addLayout(top)
        self.name = self._part(top, "Name", f"{field.label}: name", 3)
        self.badge = self._part(top, "Badge", f"{field.label}: badge", 1)
        date_box = QWidget(self)
        date_column = box_layout(date_box, vertical=True)
        date_column.setSpacing(2)
        caption = QLabel("Date", date_box)
        date_column.addWidget(caption)
        self.date = DateEditor(field, date_box)
        self.date.line.setAccessibleName(f"{field.label}: date")
        caption.setBuddy(self.date.line)
        self.date.changed.connect(self._edited)
        self.date.committed.connect(self.committed)
        date_column.addWidget(self.date)
        column.addWidget(date_box)
        self.setFocusProxy(self.name)

    def _part(self, layout: QHBoxLayout | QVBoxLayout, caption: str, name: str,
              stretch: int) -> QLineEdit:
        box = QWidget(self)
        column = box_layout(box, vertical=True)
        column.setSpacing(2)
        label = QLabel(caption, box)
        column.addWidget(label)
        line = QLineEdit(box)
        line.setAccessibleName(name)
        label.setBuddy(line)
        line.textEdited.connect(self._edited)
        line.editingFinished.connect(self.committed)
        column.addWidget(line)
        layout.addWidget(box, stretch)
        return line

    def value(self) -> Any:
        parts = {
            "name": self.name.text(),
            "badge": self.badge.text(),
            "date": self.date.value() or "",
        }
        return parts if any(parts.values()) else None

    def _show(self, value: Any) -> None:
        parts = value if isinstance(value, dict) else {}
        self.name.setText(text_of(parts.get("name")))
        self.badge.setText(text_of(parts.get("badge")))
        self.date.set_value(parts.get("date"))

    def _apply_read_only(self, read_only: bool) -> None:
        set_line_read_only(self.name, read_only)
        set_line_read_only(self.badge, read_only)
        self.date.set_read_only(read_only)

    def focus_target(self) -> QWidget:
        return self.name

    def contains_focus(self) -> bool:
        return any(line.hasFocus() for line in (self.name, self.badge, self.date.line))

    def set_accessible(self, name: str, description: str) -> None:
        # Each part keeps its own name ("Prepared by: badge"); the group gets the label.
        self.setAccessibleName(name)
        self.setAccessibleDescription(description)
        for line in (self.name, self.badge, self.date.line):
            line.setAccessibleDescription(description)
