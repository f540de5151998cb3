"""Repeat groups: a list of item panels ("Witness 1", "Witness 2", ...) with Add and Remove.

The answer is a list of item objects (member id -> value), in panel order; an added item
counts even while it is still empty (``{}``), exactly as the engine counts items. ``max_items``
disables Add, ``min_items`` disables Remove once the list is down to the minimum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.forms import Field, FormDefinition, ItemState, new_item
from btam_desktop.core.forms.fieldtypes import is_empty
from btam_desktop.ui.forms.computed import ComputedEditor
from btam_desktop.ui.forms.inputs import FieldEditor
from btam_desktop.ui.forms.paths import member_path
from btam_desktop.ui.forms.row import FieldRow, make_editor
from btam_desktop.ui.widgets import muted


def _lower_first(text: str) -> str:
    # "Possible target" -> "possible target", but keep "CAD number" as written.
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def focusable_in(container: QWidget) -> list[QWidget]:
    """Focusable widgets inside ``container``, in focus-chain (creation) order."""
    found: list[QWidget] = []
    widget = container.nextInFocusChain()
    while widget is not container and widget is not None:
        if container.isAncestorOf(widget) and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found.append(widget)
        widget = widget.nextInFocusChain()
        if widget is container.window():
            break
    return found


def _maker(
    field: Field, persons: Sequence[tuple[str, str]], form: FormDefinition | None = None,
    section_id: str = "",
) -> Callable[[QWidget], FieldEditor | None]:
    def make(parent: QWidget) -> FieldEditor | None:
        if field.is_repeat and form is not None:
            # A repeat inside this item: its own list of items, Add and Remove.
            return RepeatEditor(field, form, persons, section_id, parent)
        return make_editor(field, persons, parent)

    return make


class ItemPanel(QFrame):
    """One item of a repeat: a title, a Remove button and a row per member."""

    def __init__(
        self,
        repeat: Field,
        index: int,
        persons: Sequence[tuple[str, str]],
        section_id: str,
        parent: QWidget | None = None,
        *,
        form: FormDefinition | None = None,
        prefix: str = "",
    ) -> None:
        super().__init__(parent)
        self.repeat = repeat
        #: Path of the item this repeat is inside (``outer[0].``; "" at the top level).
        self.prefix = prefix
        self.setObjectName("repeatItem")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 14)
        layout.setSpacing(14)
        header = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("repeatItemTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        header.addWidget(self.title, 1)
        layout.addLayout(header)
        self.rows: dict[str, FieldRow] = {}
        for member in repeat.fields:
            if member.hidden:
                continue  # computed or metadata: never a question
            row = FieldRow(member, _maker(member, persons, form, section_id), "", section_id,
                           self)
            layout.addWidget(row)
            self.rows[member.id] = row
        # Created after the members so that Tab reaches it after the item's questions.
        self.remove_button = QPushButton("Remove", self)
        header.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        self.extra: dict[str, Any] = {}  # keys of a stored item this form does not know
        self.index = -1
        self.set_index(index)

    @property
    def item_label(self) -> str:
        return self.repeat.item_label or "Item"

    def set_repeat(self, repeat: Field) -> None:
        """Show ``repeat`` (the same repeat in another language): the item's title."""
        self.repeat = repeat
        index, self.index = self.index, -1
        self.set_index(index)

    def set_index(self, index: int, *, force: bool = False) -> None:
        """Renumber the panel (after an earlier item was removed, or the item it is inside
        was: ``force``)."""
        if index == self.index and not force:
            return
        self.index = index
        name = f"{self.item_label} {index + 1}"
        self.title.setText(name)
        self.setAccessibleName(name)
        self.remove_button.setAccessibleName(f"Remove {_lower_first(name)}")
        self.remove_button.setToolTip(f"Remove {_lower_first(name)} and its answers")
        for member_id, row in self.rows.items():
            row.path = self.prefix + member_path(self.repeat.id, index, member_id)
            if isinstance(row.editor, RepeatEditor):
                row.editor.set_prefix(f"{self.prefix}{self.repeat.id}[{index}].")

    def editors(self) -> Iterator[FieldEditor]:
        for row in self.rows.values():
            if row.editor is not None:
                yield row.editor

    def value(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for member_id, row in self.rows.items():
            editor = row.editor
            if editor is None or isinstance(editor, ComputedEditor):
                continue
            value = editor.value()
            if not is_empty(value):
                item[member_id] = value
        for key, value in self.extra.items():
            item.setdefault(key, value)
        return item

    def set_value(self, item: dict[str, Any]) -> None:
        known = {member.id for member in self.repeat.fields}
        self.extra = {k: v for k, v in item.items() if k not in known}
        for member_id, row in self.rows.items():
            if row.editor is not None and not isinstance(row.editor, ComputedEditor):
                row.editor.set_value(item.get(member_id))
                row.update_clear_button()

    def first_input(self) -> QWidget:
        for row in self.rows.values():
            if row.editor is not None and not row.isHidden():
                return row.editor.focus_target()
        return self.remove_button


class RepeatEditor(FieldEditor):
    """A repeat field: its items and the Add button."""

    def __init__(
        self,
        field: Field,
        form: FormDefinition,
        persons: Sequence[tuple[str, str]],
        section_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(field, parent)
        self.form = form
        #: Path of the item this repeat is inside (``outer[0].``; "" at the top level).
        self.prefix = ""
        self.persons = list(persons)
        self.section_id = section_id
        self.items: list[ItemPanel] = []
        #: The form's current answers, for the dynamic defaults of a new item (set by the view).
        self.answers_source: Callable[[], Mapping[str, Any]] | None = None
        self._item_states: tuple[ItemState, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self._items_box = QVBoxLayout()
        self._items_box.setSpacing(10)
        layout.addLayout(self._items_box)
        footer = QHBoxLayout()
        self.add_button = QPushButton(self)
        self._set_add_texts()
        self.add_button.clicked.connect(self._add_clicked)
        footer.addWidget(self.add_button)
        self.count_label = muted("")
        footer.addWidget(self.count_label, 1)
        layout.addLayout(footer)
        self._update_limits()

    def _set_add_texts(self) -> None:
        field = self.field
        label = _lower_first(field.item_label or "item")
        self.add_button.setText(f"Add {label}")
        self.add_button.setToolTip(f"Add another {label} to \u201c{field.label}\u201d")
        self.add_button.setAccessibleName(f"Add {label}: {field.label}")

    # -- value ------------------------------------------------------------------------------
    def value(self) -> Any:
        items = [panel.value() for panel in self.items]
        return items or None

    def _show(self, value: Any) -> None:
        items = value if isinstance(value, list) else []
        while len(self.items) > len(items):
            self._drop(len(self.items) - 1)
        while len(self.items) < len(items):
            self._append()
        for panel, item in zip(self.items, items, strict=True):
            panel.set_value(item if isinstance(item, dict) else {})
        self._update_limits()

    # -- items ------------------------------------------------------------------------------
    def set_prefix(self, prefix: str) -> None:
        """The path of the item this repeat is inside changed (renumbered): rename rows."""
        if prefix == self.prefix:
            return
        self.prefix = prefix
        for panel in self.items:
            panel.prefix = prefix
            panel.set_index(panel.index, force=True)

    def _append(self) -> ItemPanel:
        panel = ItemPanel(self.field, len(self.items), self.persons, self.section_id, self,
                          form=self.form, prefix=self.prefix)
        panel.remove_button.clicked.connect(lambda: self.remove_item(panel.index))
        for editor in panel.editors():
            editor.changed.connect(self._edited)
            if isinstance(editor, RepeatEditor):
                editor.answers_source = self.answers_source
        if self._read_only:
            self._set_panel_read_only(panel, True)
        self._items_box.addWidget(panel)
        # A layout only shows a widget added to a visible parent later, from the event loop;
        # show it now so that focusing its first input works straight away.
        panel.show()
        self.items.append(panel)
        return panel

    def _drop(self, index: int) -> None:
        panel = self.items.pop(index)
        self._items_box.removeWidget(panel)
        panel.hide()
        panel.setParent(None)
        panel.deleteLater()
        for position, other in enumerate(self.items):
            other.set_index(position)

    def _add_clicked(self) -> None:
        self.add_item()

    def can_add(self) -> bool:
        limit = self.field.max_items
        return not self._read_only and (limit is None or len(self.items) < limit)

    def can_remove(self) -> bool:
        low = self.field.min_items or 0
        return not self._read_only and len(self.items) > low

    def add_item(self, *, focus: bool = True) -> ItemPanel | None:
        """Add an item with the members' defaults, as the officer asked (emits ``changed``)."""
        if not self.can_add():
            return None
        panel = self._append()
        answers = self.answers_source() if self.answers_source is not None else {}
        panel.set_value(new_item(self.form, self.field.id, answers))
        self._fix_tab_order(panel)
        self._update_limits()
        self._edited()
        if focus:
            panel.first_input().setFocus(Qt.FocusReason.OtherFocusReason)
        return panel

    def remove_item(self, index: int) -> None:
        """Remove item ``index`` and its answers (emits ``changed``)."""
        if not self.can_remove() or not 0 <= index < len(self.items):
            return
        focus = QApplication.focusWidget()
        had_focus = focus is not None and self.items[index].isAncestorOf(focus)
        self._drop(index)
        self._update_limits()
        self._edited()
        if had_focus:
            # Keep the keyboard where the officer was: the next item, else the previous one,
            # else the Add button (focus on a deleted widget would otherwise jump away).
            if self.items:
                target = self.items[min(index, len(self.items) - 1)].remove_button
            else:
                target = self.add_button
            if target.isEnabled():
                target.setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fix_tab_order(self, panel: ItemPanel) -> None:
        # New widgets join the end of the window's focus chain; move them to just before the
        # Add button so Tab goes through the items in the order they are shown.
        anchor = self.add_button.previousInFocusChain()
        while anchor is not None and (
            anchor is panel
            or panel.isAncestorOf(anchor)
            or not anchor.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            if anchor is self.window():
                return
            anchor = anchor.previousInFocusChain()
        if anchor is None:
            return
        previous = anchor
        for widget in focusable_in(panel):
            QWidget.setTabOrder(previous, widget)
            previous = widget

    def _update_limits(self) -> None:
        field = self.field
        count = len(self.items)
        self.add_button.setEnabled(self.can_add())
        self.add_button.setVisible(not self._read_only)
        removable = self.can_remove()
        for panel in self.items:
            panel.remove_button.setVisible(not self._read_only)
            panel.remove_button.setEnabled(removable)
        parts = [f"{count} {'item' if count == 1 else 'items'}"]
        if field.min_items:
            parts.append(f"at least {field.min_items} needed")
        if field.max_items is not None:
            parts.append(f"at most {field.max_items}")
            if count >= field.max_items and not self._read_only:
                parts.append("the limit is reached")
        self.count_label.setText(" \u00b7 ".join(parts))

    # -- state from the engine -------------------------------------------------------------
    def apply_state(self, states: tuple[ItemState, ...], revealed: set[str]) -> None:
        """Show each item's relevant members and computed values."""
        self._item_states = states
        for index, panel in enumerate(self.items):
            state = states[index] if index < len(states) else None
            for member_id, row in panel.rows.items():
                relevant = state.relevant.get(member_id, False) if state is not None else True
                shown = relevant or row.path in revealed
                if row.isHidden() == shown:
                    row.setVisible(shown)
                row.set_hidden_answer(shown and not relevant)
                if isinstance(row.editor, ComputedEditor):
                    value = state.calculated.get(member_id) if state is not None else None
                    row.editor.show_computed(value)
                elif isinstance(row.editor, RepeatEditor):
                    inner = state.items.get(member_id, ()) if state is not None else ()
                    row.editor.apply_state(inner, revealed)

    def set_field(self, field: Field, form: FormDefinition) -> None:
        """Show ``field`` (the same repeat in another language): item titles, the Add button
        and the members' fields; new items are made from it."""
        self.field = field
        self.form = form
        self._set_add_texts()
        members = {member.id: member for member in field.fields}
        for panel in self.items:
            panel.set_repeat(field)
            for member_id, row in panel.rows.items():
                row.field = members.get(member_id, row.field)
                if isinstance(row.editor, RepeatEditor):
                    row.editor.set_field(row.field, form)

    def rows(self) -> Iterator[FieldRow]:
        """Every member row of every item, rows of a repeat inside an item included."""
        for panel in self.items:
            for row in panel.rows.values():
                yield row
                if isinstance(row.editor, RepeatEditor):
                    yield from row.editor.rows()

    # -- FieldEditor ------------------------------------------------------------------------
    def _set_panel_read_only(self, panel: ItemPanel, read_only: bool) -> None:
        for row in panel.rows.values():
            if row.editor is not None:
                row.editor.set_read_only(read_only or row.field.read_only)
                row.update_clear_button()

    def _apply_read_only(self, read_only: bool) -> None:
        for panel in self.items:
            self._set_panel_read_only(panel, read_only)
        self._update_limits()

    def focus_target(self) -> QWidget:
        if self.items:
            return self.items[0].first_input()
        return self.add_button
