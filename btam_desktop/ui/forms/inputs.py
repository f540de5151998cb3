"""The editor base class and the editors for typed text: text, long text, numbers.

Dates and times are in :mod:`.dates`, signatures in :mod:`.signature`, computed values in
:mod:`.computed`, picked answers in :mod:`.choices`. Every editor is a :class:`FieldEditor`.
Its :meth:`~FieldEditor.value` is exactly the ANSWERS.json value of its field type
(``docs/form-format.md``), or ``None`` when unanswered, so the view can build answers without
knowing the types.

Text the officer types is never thrown away because it does not parse yet: a half-typed date
("2024-03-1") is returned as the text it is. The engine then reports a ``type`` problem, which
the row shows once the officer leaves the field. A draft thus keeps exactly what was typed, and
only completion insists on well-formed values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from PySide6.QtCore import QEvent, QRegularExpression, Signal
from PySide6.QtGui import QFocusEvent, QRegularExpressionValidator, QTextOption
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.forms import Field
from btam_desktop.ui.widgets import repolish


class FieldEditor(QWidget):
    """Base class: one input (or group of inputs) for one field.

    ``changed`` is emitted when the officer changes the value (never by :meth:`set_value`),
    ``committed`` when they finish an entry (Enter or leaving the input), which is when
    format problems of half-typed text are worth showing.
    """

    changed = Signal()
    committed = Signal()

    #: True when the value cannot be emptied by editing (radio buttons, rating buttons); the
    #: row then offers a "Clear answer" button.
    clearable: ClassVar[bool] = False
    #: True when the value is typed character by character, so a ``type`` problem is shown
    #: only after the entry is committed, not while the officer is still typing.
    typed: ClassVar[bool] = False
    #: How to type the answer, shown under the question when the form gives no hint.
    format_hint: ClassVar[str | None] = None

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._quiet = False
        self._read_only = False
        self._frozen: Any = None  # the value a read-only editor must keep showing

    # -- value ------------------------------------------------------------------------------
    def value(self) -> Any:
        """The answer value, or None when unanswered."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show ``value`` (as stored) without emitting ``changed``."""
        with self.quiet():
            self._show(value)
        self._frozen = value

    def _restore(self) -> None:
        """Undo a change a read-only editor could not prevent (a key press on a check box)."""
        with self.quiet():
            self._show(self._frozen)

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        """Empty the answer, as the officer asked to (emits ``changed``)."""
        self.set_value(None)
        self.changed.emit()

    # -- state ------------------------------------------------------------------------------
    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Programmatic changes inside this block do not count as the officer's edits."""
        previous = self._quiet
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = previous

    def _edited(self, *_args: object) -> None:
        if not self._quiet:
            self.changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        """Show the value without allowing changes (still focusable, so it can be read)."""
        self._read_only = read_only
        self._frozen = self.value()
        self._apply_read_only(read_only)

    def is_read_only(self) -> bool:
        return self._read_only

    def _apply_read_only(self, read_only: bool) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        """The input that takes the focus when the field is jumped to."""
        return self

    def set_accessible(self, name: str, description: str) -> None:
        """Name the inputs after the field's label, so a screen reader says the question."""
        self.setAccessibleName(name)
        self.setAccessibleDescription(description)
        target = self.focus_target()
        if target is not self:
            target.setAccessibleName(name)
            target.setAccessibleDescription(description)

    def set_choice_labels(self, labels: Mapping[str, str]) -> None:
        """Show these labels for the choices (by name): a language switch or a label with a
        ``${field}`` reference. Editors without choices ignore it."""

    def set_available(self, names: frozenset[str]) -> None:
        """Offer only these choices (a ``choice_filter``); the current answer stays shown
        even when it is not among them (the view decides whether to clear it)."""

    def contains_focus(self) -> bool:
        """True when the keyboard focus is in this editor's input."""
        return self.focus_target().hasFocus()


def set_line_read_only(line: QLineEdit, read_only: bool) -> None:
    """setReadOnly, and restyle: the style rules that mark read-only text select on the
    property, and Qt does not re-apply them by itself when it changes."""
    if line.isReadOnly() != read_only:
        line.setReadOnly(read_only)
        repolish(line)


def box_layout(widget: QWidget, *, vertical: bool = False) -> QHBoxLayout | QVBoxLayout:
    layout: QHBoxLayout | QVBoxLayout = QVBoxLayout(widget) if vertical else QHBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    return layout


def text_of(value: Any) -> str:
    """Any stored value as editable text (a malformed stored value is shown, not dropped)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


# -- single-line text -------------------------------------------------------------------------


class LineEditor(FieldEditor):
    """``text``: a single-line input. Also the base of the formatted line editors."""

    typed = True
    placeholder: ClassVar[str] = ""
    pattern: ClassVar[str | None] = None  # characters allowed while typing

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        layout = box_layout(self)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(self.placeholder)
        if self.pattern is not None:
            self.line.setValidator(
                QRegularExpressionValidator(QRegularExpression(self.pattern), self.line)
            )
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self._finish)
        layout.addWidget(self.line, 1)
        self.setFocusProxy(self.line)

    def value(self) -> Any:
        text = self.line.text()
        return text if text else None

    def _show(self, value: Any) -> None:
        self.line.setText(text_of(value))

    def _apply_read_only(self, read_only: bool) -> None:
        set_line_read_only(self.line, read_only)

    def focus_target(self) -> QWidget:
        return self.line

    def _narrow(self, width: int) -> None:
        """A short input (a number, a time), kept at the left rather than centred."""
        self.line.setMaximumWidth(width)
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.setStretch(0, 0)
        layout.addStretch(1)

    def normalize(self, text: str) -> str:
        """Tidy a finished entry (e.g. ``20240131`` -> ``2024-01-31``); identity by default."""
        return text

    def _finish(self) -> None:
        if not self._read_only:
            text = self.line.text()
            tidy = self.normalize(text)
            if tidy != text:
                self.line.setText(tidy)
                self._edited()
        self.committed.emit()


class NumberEditor(LineEditor):
    """``integer`` and ``decimal``: a line edit that may stay empty (unlike a spin box, which
    always holds a number and so cannot say "unanswered")."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.decimal = field.type == "decimal"
        pattern = r"-?[0-9]{0,15}([.,][0-9]{0,15})?" if self.decimal else r"-?[0-9]{0,18}"
        self.line.setValidator(
            QRegularExpressionValidator(QRegularExpression(pattern), self.line)
        )
        self.line.setPlaceholderText("Number" if self.decimal else "Whole number")
        self._narrow(220)

    def value(self) -> Any:
        text = self.line.text().strip()
        if not text:
            return None
        try:
            if self.decimal and any(mark in text for mark in ".,"):
                return float(text.replace(",", "."))
            return int(text)
        except ValueError:
            return text  # "-" on its way to "-3": kept, reported as a type problem

    def _show(self, value: Any) -> None:
        self.line.setText(text_of(value))


# -- long text ------------------------------------------------------------------------------


class _GrowingText(QPlainTextEdit):
    """A plain-text box that grows with its text (3 to 14 lines, then it scrolls)."""

    focus_left = Signal()
    MIN_LINES = 3
    MAX_LINES = 14

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Tab moves to the next question (a form is filled by keyboard); Ctrl+Tab still works
        # in the platform's way, and officers do not need tab characters in a narrative.
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def _fit(self, *_args: object) -> None:
        lines = int(self.document().documentLayout().documentSize().height())
        shown = max(self.MIN_LINES, min(self.MAX_LINES, lines))
        margins = self.contentsMargins()
        document_margin = 2 * self.document().documentMargin()
        height = (
            shown * self.fontMetrics().lineSpacing()
            + int(document_margin)
            + margins.top()
            + margins.bottom()
            + 4
        )
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_left.emit()


class LongTextEditor(FieldEditor):
    """``long_text``: a multi-line box that grows as the officer writes."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        layout = box_layout(self)
        self.text = _GrowingText(self)
        self.text.textChanged.connect(self._edited)
        self.text.focus_left.connect(self.committed)
        layout.addWidget(self.text)
        self.setFocusProxy(self.text)

    def value(self) -> Any:
        text = self.text.toPlainText()
        return text if text else None

    def _show(self, value: Any) -> None:
        self.text.setPlainText(text_of(value))

    def _apply_read_only(self, read_only: bool) -> None:
        self.text.setReadOnly(read_only)

    def focus_target(self) -> QWidget:
        return self.text


# -- coordinates ------------------------------------------------------------------------------

GEOPOINT_HINT = "Type latitude longitude, e.g. 45.52 -122.68 (decimal degrees)."


class GeopointEditor(LineEditor):
    """``text`` with ``text_format: geopoint``: coordinates typed as "latitude longitude
    [altitude [accuracy]]" (no map: the laptop is offline). The engine checks them; the row
    shows its message once the entry is finished."""

    placeholder = "latitude longitude, e.g. 45.52 -122.68"
    pattern = r"[0-9 .,+-]{0,80}"
    format_hint: ClassVar[str] = GEOPOINT_HINT

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self._narrow(360)

    def normalize(self, text: str) -> str:
        # "45.52, -122.68" (as maps copy it) -> "45.52 -122.68"
        return " ".join(text.replace(", ", " ").split())
