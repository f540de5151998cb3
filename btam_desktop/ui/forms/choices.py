"""Editors for picked answers: choice (radio buttons or a list), multi_choice (check boxes),
yes_no_unknown, rating and person.

Nothing is pre-selected: an untouched question stays unanswered. A stored value the editor
does not offer (a choice renamed in a later form version, a person since removed from the
case) is kept as it is until the officer picks something else, so opening and saving a draft
never changes answers by itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.forms import Field
from btam_desktop.ui.forms.inputs import FieldEditor

#: At most this many choices are shown as radio buttons; more become a drop-down list.
RADIO_LIMIT = 5
#: Check-box lists longer than this are laid out in two columns (less scrolling), when every
#: label is short enough for two columns to fit a narrow window.
TWO_COLUMNS_AFTER = 6
TWO_COLUMN_LABELS = 26
YES_NO_UNKNOWN = (("yes", "Yes"), ("no", "No"), ("unknown", "Unknown"))
CLEAR_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
#: Option labels longer than this wrap (a check box or radio button never wraps its own text,
#: and one long option would make the whole form wider than a laptop screen).
WRAP_AFTER = 36


# Per kind of button and application style sheet: (the first line's drop to sit level with
# the indicator, the x at which a button's own text starts).
_LABEL_PLACE: dict[tuple[type[QAbstractButton], int], tuple[int, int]] = {}


class _OptionLabel(QLabel):
    """The wrapping text of an option; clicking it clicks the option, like a button's text."""

    def __init__(self, text: str, button: QAbstractButton, parent: QWidget) -> None:
        super().__init__(text, parent)
        self._button = button
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._button.isEnabled():
            self._button.setFocus(Qt.FocusReason.MouseFocusReason)
            self._button.click()
        super().mouseReleaseEvent(event)


def option(
    kind: type[QCheckBox] | type[QRadioButton], text: str, parent: QWidget
) -> tuple[QAbstractButton, QWidget]:
    """A check box or radio button for ``text``: the button itself for a short text, or the
    button beside a wrapping label for a long one. Returns (button, widget to lay out)."""
    if len(text) <= WRAP_AFTER:
        button = kind(text, parent)
        return button, button
    box = QWidget(parent)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(0)
    button = kind(box)
    button.setAccessibleName(text)
    label = _OptionLabel(text, button, box)
    # The first line of text sits level with the indicator, and starts where a plain
    # button's text starts (the button is cut to end there): the text-less button's own
    # padding and a layout gap put wrapping options 14 px right of the short ones. Measured
    # once per kind: asking a new button for its size hint styles it there and then, which
    # for a few hundred options was a tenth of the form's build time.
    app = QApplication.instance()
    key = (kind, hash(app.styleSheet()) if isinstance(app, QApplication) else 0)
    place = _LABEL_PLACE.get(key)
    if place is None:
        drop = max(0, (button.sizeHint().height() - label.fontMetrics().height()) // 2)
        style_option = QStyleOptionButton()
        button.initStyleOption(style_option)
        contents = (QStyle.SubElement.SE_CheckBoxContents if kind is QCheckBox
                    else QStyle.SubElement.SE_RadioButtonContents)
        text_x = button.style().subElementRect(contents, style_option, button).left()
        place = (drop, text_x if text_x > 0 else button.sizeHint().width() + 8)
        _LABEL_PLACE[key] = place
    drop, text_x = place
    label.setContentsMargins(0, drop, 0, 0)
    button.setFixedWidth(text_x)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    row.addWidget(label, 1, Qt.AlignmentFlag.AlignTop)
    return button, box


def set_option_text(button: QAbstractButton, widget: QWidget, text: str) -> None:
    """Change the text of an option made by :func:`option` (only when it differs)."""
    label = widget.findChild(_OptionLabel) if widget is not button else None
    if label is not None:
        if label.text() != text:
            label.setText(text)
            button.setAccessibleName(text)
    elif button.text() != text:
        button.setText(text)


class _Combo(QComboBox):
    """A combo box that ignores the mouse wheel unless it has the focus, and asks for the
    width of its longest choice.

    Otherwise scrolling down a long form with the wheel changes whatever list happens to pass
    under the pointer, silently rewriting an answer. The width: a case person's label ("Family,
    Given (Reporting party)") is longer than the 24 characters a list starts from, and a
    chosen answer cut short ("Halloran, Declan Caoimhe (Rep") hides what was chosen. Its
    minimum stays at 24 characters, so a narrow window still lays the form out.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMaximumWidth(640)
        self._text_width: int | None = None  # of the longest choice; None: measure again
        model = self.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged,
                       model.modelReset):
            signal.connect(self._contents_changed)

    def _contents_changed(self, *_args: object) -> None:
        self._text_width = None
        self.updateGeometry()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._contents_changed()
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        base = super().sizeHint()
        if self._text_width is None:
            metrics = self.fontMetrics()
            self._text_width = max((metrics.horizontalAdvance(self.itemText(i))
                                    for i in range(self.count())), default=0)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        wanted = self.style().sizeFromContents(
            QStyle.ContentsType.CT_ComboBox, option,
            QSize(self._text_width, base.height()), self).width()
        return QSize(min(max(base.width(), wanted), self.maximumWidth()), base.height())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # let the scroll area have it


class _ButtonsEditor(FieldEditor):
    """Shared by radio choices, yes/no/unknown and rating: an exclusive group that can also be
    empty again (Delete or Backspace on an option, or the row's "Clear answer" button)."""

    clearable = True

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.buttonClicked.connect(self._clicked)
        self._names: dict[QAbstractButton, Any] = {}
        self._foreign: Any = None  # a stored value none of the buttons stands for

    def _add(self, button: QAbstractButton, name: Any) -> None:
        self.group.addButton(button)
        self._names[button] = name
        button.installEventFilter(self)

    def button_for(self, value: Any) -> QAbstractButton:
        """The button that stands for ``value`` (KeyError if none)."""
        for button, name in self._names.items():
            if name == value:
                return button
        raise KeyError(value)

    def _clicked(self, _button: QAbstractButton) -> None:
        if self._read_only:
            self._restore()
            return
        self._foreign = None
        self._edited()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in CLEAR_KEYS
            and not self._read_only
            and self.value() is not None
        ):
            self.clear()
            return True
        return super().eventFilter(watched, event)

    # Note: the checked button is found with isChecked(), not QButtonGroup.checkedButton().
    # PySide6 6.12.0 on Python 3.11 loses a reference to None each time a Qt call returns
    # None (no button checked), and this runs for every question on every key press.
    def _checked(self) -> QAbstractButton | None:
        return next((button for button in self._names if button.isChecked()), None)

    def value(self) -> Any:
        checked = self._checked()
        if checked is not None:
            return self._names[checked]
        return self._foreign

    def _show(self, value: Any) -> None:
        self._foreign = None
        target = next((b for b, n in self._names.items() if n == value), None)
        if target is not None:
            target.setChecked(True)
            return
        # An exclusive group refuses to uncheck its last button; lift that for a moment.
        self.group.setExclusive(False)
        for button in self._names:
            button.setChecked(False)
        self.group.setExclusive(True)
        if value is not None and value != "":
            self._foreign = value

    def _apply_read_only(self, read_only: bool) -> None:
        # Disabled buttons could not be focused or read by a screen reader; instead the mouse
        # passes through and a key press is undone (see _clicked).
        for button in self._names:
            button.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, read_only)
            button.setFocusPolicy(
                Qt.FocusPolicy.TabFocus if read_only else Qt.FocusPolicy.StrongFocus
            )

    def focus_target(self) -> QWidget:
        checked = self._checked()
        if checked is not None:
            return checked
        return next(iter(self._names)) if self._names else self

    def set_accessible(self, name: str, description: str) -> None:
        self.setAccessibleName(name)
        self.setAccessibleDescription(description)
        for button in self._names:
            # Each option says its own text; the description carries the question.
            button.setAccessibleDescription(f"{name}. {description}".strip(". "))


class RadioEditor(_ButtonsEditor):
    """``choice`` with at most :data:`RADIO_LIMIT` options, and ``yes_no_unknown``."""

    def __init__(
        self,
        field: Field,
        choices: Sequence[tuple[str, str]],
        *,
        horizontal: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(field, parent)
        layout: QHBoxLayout | QVBoxLayout = QHBoxLayout(self) if horizontal else QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(18 if horizontal else 6)
        self.option_widgets: dict[str, tuple[QAbstractButton, QWidget]] = {}
        for name, label in choices:
            button, widget = option(QRadioButton, label, self)
            self._add(button, name)
            self.option_widgets[name] = (button, widget)
            alignment = Qt.AlignmentFlag.AlignLeft if widget is button else Qt.AlignmentFlag(0)
            layout.addWidget(widget, 0, alignment)
        if horizontal:
            layout.addStretch(1)

    def set_choice_labels(self, labels: Mapping[str, str]) -> None:
        for name, text in labels.items():
            if name in self.option_widgets:
                set_option_text(*self.option_widgets[name], text)

    def set_available(self, names: frozenset[str]) -> None:
        current = self.value()
        for name, (_button, widget) in self.option_widgets.items():
            shown = name in names or name == current
            if widget.isHidden() == shown:
                widget.setVisible(shown)


class ComboEditor(FieldEditor):
    """``choice`` with many options, and ``person``: a drop-down list with an empty entry."""

    EMPTY = "\u2014 Not answered \u2014"

    def __init__(
        self,
        field: Field,
        choices: Sequence[tuple[str, str]],
        *,
        empty_text: str = EMPTY,
        foreign_text: str = "Not in this list: {value}",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(field, parent)
        self._foreign_text = foreign_text
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = _Combo(self)
        # Values are kept here, by index, rather than as item data: an item holding None
        # would come back through a Qt call returning None on every read (see _ButtonsEditor).
        self._values: list[Any] = [None]
        self.combo.addItem(empty_text)
        self._all = [(name, label) for name, label in choices]
        for name, label in choices:
            self.combo.addItem(label)
            self._values.append(name)
        self.combo.activated.connect(self._picked)
        layout.addWidget(self.combo)
        layout.addStretch(0)
        self.setFocusProxy(self.combo)
        self._fixed_count = len(self._values)

    def set_available(self, names: frozenset[str]) -> None:
        """Rebuild the list with only these choices (and the current answer)."""
        current = self.value()
        offered = [(n, t) for n, t in self._all if n in names or n == current]
        if [n for n, _ in offered] == self._values[1: self._fixed_count]:
            return
        with self.quiet():
            while self.combo.count() > 1:
                self.combo.removeItem(self.combo.count() - 1)
            self._values = [None]
            for name, text in offered:
                self.combo.addItem(text)
                self._values.append(name)
            self._fixed_count = len(self._values)
            self._show(current)

    def set_choice_labels(self, labels: Mapping[str, str]) -> None:
        self._all = [(n, labels.get(n, t)) for n, t in self._all]
        for index, name in enumerate(self._values[: self._fixed_count]):
            text = labels.get(name) if name is not None else None
            if text is not None and self.combo.itemText(index) != text:
                self.combo.setItemText(index, text)

    def _picked(self, _index: int) -> None:
        if self._read_only:
            return
        self._drop_foreign()
        self._edited()

    def _drop_foreign(self) -> None:
        # The "not in this list" entry only exists to keep a stored value; once the officer
        # picks something else it has no meaning.
        current = self.combo.currentIndex()
        while len(self._values) > self._fixed_count:
            last = len(self._values) - 1
            if last == current:
                break
            self.combo.removeItem(last)
            self._values.pop()

    def value(self) -> Any:
        index = self.combo.currentIndex()
        return self._values[index] if 0 <= index < len(self._values) else None

    def values(self) -> list[Any]:
        """The value of each entry, in list order (None for the empty entry)."""
        return list(self._values)

    def _show(self, value: Any) -> None:
        while len(self._values) > self._fixed_count:
            self.combo.removeItem(len(self._values) - 1)
            self._values.pop()
        if value is None or value == "":
            self.combo.setCurrentIndex(0)
            return
        if value in self._values:
            index = self._values.index(value)
        else:
            self.combo.addItem(self._foreign_text.format(value=value))
            self._values.append(value)
            index = len(self._values) - 1
        self.combo.setCurrentIndex(index)

    def _apply_read_only(self, read_only: bool) -> None:
        # A combo box has no read-only mode; disabled is the honest look for "cannot change".
        self.combo.setEnabled(not read_only)

    def focus_target(self) -> QWidget:
        return self.combo


class MultiChoiceEditor(FieldEditor):
    """``multi_choice``: one check box per option; the answer lists the checked names in the
    form's order."""

    def __init__(
        self,
        field: Field,
        choices: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        horizontal: bool = False,
    ) -> None:
        super().__init__(field, parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setHorizontalSpacing(24)
        layout.setVerticalSpacing(6)
        self.boxes: list[tuple[str, QCheckBox]] = []
        self.option_widgets: dict[str, tuple[QAbstractButton, QWidget]] = {}
        short = all(len(label) <= TWO_COLUMN_LABELS for _, label in choices)
        columns = 2 if len(choices) > TWO_COLUMNS_AFTER and short else 1
        if horizontal:  # the "horizontal" appearance: one row
            columns = max(1, len(choices))
        rows = max(1, (len(choices) + columns - 1) // columns)
        for position, (name, label) in enumerate(choices):
            button, widget = option(QCheckBox, label, self)
            assert isinstance(button, QCheckBox)
            button.clicked.connect(self._toggled)
            # Column by column, so reading order and tab order (creation order) agree. Left
            # aligned, not stretched: a click in the empty space beside a short label does not
            # tick it, so the box should not pretend to extend there.
            alignment = Qt.AlignmentFlag.AlignLeft if widget is button else Qt.AlignmentFlag(0)
            layout.addWidget(widget, position % rows, position // rows, alignment)
            self.boxes.append((name, button))
            self.option_widgets[name] = (button, widget)
        for column in range(columns):
            layout.setColumnStretch(column, 1)
        self._foreign: list[Any] = []

    def set_choice_labels(self, labels: Mapping[str, str]) -> None:
        for name, text in labels.items():
            if name in self.option_widgets:
                set_option_text(*self.option_widgets[name], text)

    def set_available(self, names: frozenset[str]) -> None:
        current = set(self.value() or ())
        for name, (_button, widget) in self.option_widgets.items():
            shown = name in names or name in current
            if widget.isHidden() == shown:
                widget.setVisible(shown)

    def box_for(self, name: str) -> QCheckBox:
        """The check box of choice ``name`` (KeyError if none)."""
        for candidate, box in self.boxes:
            if candidate == name:
                return box
        raise KeyError(name)

    def _toggled(self, _checked: bool) -> None:
        if self._read_only:
            self._restore()
            return
        self._edited()

    def value(self) -> Any:
        names: list[Any] = [name for name, box in self.boxes if box.isChecked()]
        names.extend(self._foreign)
        return names or None

    def _show(self, value: Any) -> None:
        chosen = list(value) if isinstance(value, list | tuple) else []
        known = {name for name, _ in self.boxes}
        for name, box in self.boxes:
            box.setChecked(name in chosen)
        self._foreign = [v for v in chosen if v not in known]

    def _apply_read_only(self, read_only: bool) -> None:
        for _, box in self.boxes:
            box.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, read_only)
            box.setFocusPolicy(
                Qt.FocusPolicy.TabFocus if read_only else Qt.FocusPolicy.StrongFocus
            )

    def focus_target(self) -> QWidget:
        return self.boxes[0][1] if self.boxes else self

    def set_accessible(self, name: str, description: str) -> None:
        self.setAccessibleName(name)
        self.setAccessibleDescription(description)
        for _, box in self.boxes:
            box.setAccessibleDescription(f"{name}. {description}".strip(". "))


class RatingEditor(_ButtonsEditor):
    """``rating``: one button per point of the scale, with the scale's labels under them."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        scale = field.scale
        assert scale is not None  # guaranteed by the definition's validation
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(6)
        for point in range(scale.min, scale.max + 1):
            column = QVBoxLayout()
            column.setSpacing(2)
            button = QPushButton(str(point), self)
            button.setObjectName("ratingPoint")
            button.setCheckable(True)
            text = scale.label_for(point)
            button.setAccessibleName(f"{point}: {text}" if text else str(point))
            if text:
                button.setToolTip(text)
            self._add(button, point)
            column.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
            if text:
                caption = QLabel(text, self)
                caption.setProperty("muted", True)
                caption.setWordWrap(True)
                caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                caption.setMaximumWidth(120)
                column.addWidget(caption, 0, Qt.AlignmentFlag.AlignHCenter)
            column.addStretch(1)
            layout.addLayout(column)
        layout.addStretch(1)


def yes_no_unknown(field: Field, parent: QWidget | None = None) -> RadioEditor:
    """Three radio buttons, none selected until answered."""
    return RadioEditor(field, YES_NO_UNKNOWN, horizontal=True, parent=parent)


#: Appearances that lay the options out in a row.
HORIZONTAL_APPEARANCES = frozenset({"horizontal", "horizontal-compact", "likert"})
#: At most this many options are laid out in a row; more would not fit a laptop screen.
HORIZONTAL_LIMIT = 9


def choice_editor(field: Field, parent: QWidget | None = None) -> FieldEditor:
    """Radio buttons for a short list, a drop-down list for a long one; the ``minimal``
    appearance asks for a drop-down, ``likert``/``horizontal`` for options in a row."""
    options = [(c.name, c.label) for c in field.choices]
    if field.appearance == "minimal":
        return ComboEditor(field, options, parent=parent)
    if field.appearance in HORIZONTAL_APPEARANCES and len(options) <= HORIZONTAL_LIMIT:
        return RadioEditor(field, options, horizontal=True, parent=parent)
    if len(options) <= RADIO_LIMIT:
        return RadioEditor(field, options, parent=parent)
    return ComboEditor(field, options, parent=parent)


def person_editor(
    field: Field, persons: Sequence[tuple[str, str]], parent: QWidget | None = None
) -> ComboEditor:
    """The case's persons plus "no one selected"; a stored id that is no longer on the case is
    kept and named as such."""
    return ComboEditor(
        field,
        persons,
        empty_text="\u2014 No one selected \u2014",
        foreign_text="Person no longer on this case ({value})",
        parent=parent,
    )
