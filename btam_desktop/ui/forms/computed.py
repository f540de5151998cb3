"""The read-only display of a computed field (``calculation``), updated live by the view."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from btam_desktop.core.forms import Field
from btam_desktop.core.forms.fieldtypes import not_calculated
from btam_desktop.ui.forms.inputs import FieldEditor, box_layout

NOT_CALCULATED = "\u2014"  # em dash: "nothing to show yet"
CANNOT_CALCULATE = (
    "This value cannot be calculated yet: an answer it is calculated from is missing or "
    "cannot be used (for example a division by zero)."
)


class ComputedEditor(FieldEditor):
    """A computed field: read-only, updated live from the engine's calculated values.

    It holds no answer of its own (the engine recomputes it on every evaluation), so
    :meth:`value` is always None and the view never writes it into the answers.
    """

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        layout = box_layout(self)
        self.line = QLineEdit(self)
        self.line.setReadOnly(True)
        self.line.setText(NOT_CALCULATED)
        self.line.setToolTip(CANNOT_CALCULATE)
        self.line.setMaximumWidth(360)
        layout.addWidget(self.line)
        layout.addStretch(1)
        self.setFocusProxy(self.line)
        self._shown: Any = None

    def value(self) -> Any:
        return None

    def _show(self, value: Any) -> None:
        self.show_computed(value)

    def show_computed(self, value: Any) -> None:
        """Display a calculated value (None: not calculated, e.g. inputs missing)."""
        if value == self._shown and self.line.text() != "":
            return
        self._shown = value
        text = display_value(self.field, value)
        self.line.setText(text)
        tip = CANNOT_CALCULATE if text == NOT_CALCULATED else ""
        if self.line.toolTip() != tip:
            self.line.setToolTip(tip)

    def _apply_read_only(self, read_only: bool) -> None:
        pass  # always read-only

    def focus_target(self) -> QWidget:
        return self.line


def display_value(field: Field, value: Any) -> str:
    """A value as an officer reads it (choice labels, Yes/No), for computed fields."""
    if not_calculated(value):
        return NOT_CALCULATED  # an error marker is never shown to an officer
    labels = {choice.name: choice.label for choice in field.choices}
    if field.type == "yes_no_unknown" and isinstance(value, str):
        return value.capitalize()
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
