"""``rank`` (a ``multi_choice`` with the ``rank`` appearance): the choices as an ordered list
the officer sorts with Move up / Move down or Ctrl+Up / Ctrl+Down.

The answer is every choice name, most important first. Until the officer moves something (or
accepts the order as shown) the question stays unanswered: nothing is filled in by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.forms import Field
from btam_desktop.ui.forms.inputs import FieldEditor

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class _RankList(QListWidget):
    """The list; Ctrl+Up / Ctrl+Down move the current choice (the editor does the moving)."""

    def __init__(self, editor: RankEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editor = editor
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.key() in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
        ):
            self._editor.move_choice(-1 if event.key() == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)


class RankEditor(FieldEditor):
    """Sort the choices; the answer is the names in the order shown."""

    clearable = True

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.list = _RankList(self, self)
        self.list.setToolTip("Most important first. Ctrl+Up / Ctrl+Down move the selected choice.")
        self._labels = {c.name: c.label for c in field.choices}
        for choice in field.choices:
            self._add_item(choice.name)
        rows = max(2, len(field.choices))
        self.list.setFixedHeight(min(rows, 10) * (self.list.fontMetrics().height() + 8) + 8)
        self.list.setMaximumWidth(480)
        layout.addWidget(self.list, 1)
        buttons = QVBoxLayout()
        self.up_button = QPushButton("Move up", self)
        self.up_button.setToolTip("Move the selected choice up (Ctrl+Up)")
        self.up_button.clicked.connect(lambda: self.move_choice(-1))
        self.down_button = QPushButton("Move down", self)
        self.down_button.setToolTip("Move the selected choice down (Ctrl+Down)")
        self.down_button.clicked.connect(lambda: self.move_choice(1))
        self.accept_button = QPushButton("Keep this order", self)
        self.accept_button.setToolTip("Answer with the order as shown")
        self.accept_button.clicked.connect(self._accept)
        for button in (self.up_button, self.down_button, self.accept_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setFocusProxy(self.list)
        self._answered = False

    def _add_item(self, name: str) -> None:
        item = QListWidgetItem(self._labels.get(name, name), self.list)
        item.setData(NAME_ROLE, name)

    def order(self) -> list[str]:
        """The choice names in the order shown."""
        return [str(self.list.item(row).data(NAME_ROLE)) for row in range(self.list.count())]

    def move_choice(self, step: int) -> None:
        """Move the current choice ``step`` places (as the officer asked: emits ``changed``)."""
        if self._read_only:
            return
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self._answered = True
        self._edited()

    def _accept(self) -> None:
        if not self._read_only and not self._answered:
            self._answered = True
            self._edited()

    def value(self) -> Any:
        return self.order() if self._answered else None

    def _show(self, value: Any) -> None:
        names = [str(v) for v in value] if isinstance(value, list | tuple) else []
        order = [n for n in names] + [c.name for c in self.field.choices if c.name not in names]
        self.list.clear()
        for name in order:
            self._add_item(name)
        self._answered = bool(names)

    def set_choice_labels(self, labels: Mapping[str, str]) -> None:
        self._labels.update(labels)
        for row in range(self.list.count()):
            item = self.list.item(row)
            text = self._labels.get(str(item.data(NAME_ROLE)))
            if text is not None and item.text() != text:
                item.setText(text)

    def _apply_read_only(self, read_only: bool) -> None:
        for button in (self.up_button, self.down_button, self.accept_button):
            button.setVisible(not read_only)

    def focus_target(self) -> QWidget:
        return self.list
