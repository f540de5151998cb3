"""One question on screen: its label (with the required mark), the editor, the hint and the
inline message; plus :func:`make_editor`, which picks the editor for a field type.

Rows are keyed by their answer path (``field`` or ``repeat[i].member``), the same string the
engine uses in its problems, so the view can route each problem to its row directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from btam_desktop.core.forms import Field
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS
from btam_desktop.ui.forms.choices import (
    HORIZONTAL_APPEARANCES,
    HORIZONTAL_LIMIT,
    MultiChoiceEditor,
    RatingEditor,
    choice_editor,
    person_editor,
    yes_no_unknown,
)
from btam_desktop.ui.forms.computed import ComputedEditor
from btam_desktop.ui.forms.dates import (
    DateEditor,
    DateTimeEditor,
    MonthYearEditor,
    TimeEditor,
    YearEditor,
)
from btam_desktop.ui.forms.inputs import (
    FieldEditor,
    GeopointEditor,
    LineEditor,
    LongTextEditor,
    NumberEditor,
)
from btam_desktop.ui.forms.media import MediaEditor
from btam_desktop.ui.forms.prefill import PrefillMark
from btam_desktop.ui.forms.rank import RankEditor
from btam_desktop.ui.forms.signature import SignatureEditor
from btam_desktop.ui.widgets import MessageLabel, muted

REQUIRED_MARK = " *"
COMPUTED_HINT = "Calculated from other answers."
HIDDEN_ANSWER_TEXT = (
    "This question is hidden by another answer, but it still holds an answer that is not "
    "valid. Correct it or clear it so the form can be completed."
)

# Officers see these instead of the engine's technical wording for malformed input.
_TYPE_MESSAGES = {
    "integer": "Enter a whole number, for example 3.",
    "decimal": "Enter a number, for example 2.5.",
    "date": "Enter a real date as YYYY-MM-DD, for example 2024-03-15.",
    "time": "Enter a time as HH:MM (24-hour), for example 14:05.",
    "datetime": "Enter a date and time as YYYY-MM-DD HH:MM, for example 2024-03-15 14:05.",
    "signature": "To sign, fill in the name, the badge and the date (YYYY-MM-DD).",
}


def friendly_message(field: Field, code: str, message: str) -> str:
    """The text shown under a field for an engine problem."""
    if code == "type" and field.type in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[field.type]
    if code == "items" and field.is_repeat:
        item = (field.item_label or "item").lower()
        if field.min_items and "at least" in message:
            count = field.min_items
            return f"Add at least {count} {item if count == 1 else item + ' entries'}."
        if field.max_items is not None and "at most" in message:
            return f"Too many: at most {field.max_items} are allowed; remove some."
    return message[:1].upper() + message[1:] if message else message


def make_editor(
    field: Field, persons: Sequence[tuple[str, str]], parent: QWidget | None = None
) -> FieldEditor | None:
    """The editor for ``field`` (None for a note, which has no answer). Repeats are built by
    :class:`~btam_desktop.ui.forms.repeat.RepeatEditor`, not here."""
    if field.type == "note":
        return None
    if field.is_computed:
        return ComputedEditor(field, parent)
    kind = field.type
    editor: FieldEditor
    appearance = field.appearance
    if kind == "text" and field.text_format == "geopoint":
        editor = GeopointEditor(field, parent)
    elif kind == "text" and field.text_format in MEDIA_FORMATS:
        editor = MediaEditor(field, parent)
    elif kind == "text" and appearance != "multiline":
        editor = LineEditor(field, parent)
    elif kind in ("text", "long_text"):
        editor = LongTextEditor(field, parent)
    elif kind in ("integer", "decimal"):
        editor = NumberEditor(field, parent)
    elif kind == "date" and appearance == "month-year":
        editor = MonthYearEditor(field, parent)
    elif kind == "date" and appearance == "year":
        editor = YearEditor(field, parent)
    elif kind == "date":
        editor = DateEditor(field, parent)
    elif kind == "time":
        editor = TimeEditor(field, parent)
    elif kind == "datetime":
        editor = DateTimeEditor(field, parent)
    elif kind == "choice":
        editor = choice_editor(field, parent)
    elif kind == "multi_choice" and appearance == "rank":
        editor = RankEditor(field, parent)
    elif kind == "multi_choice":
        editor = MultiChoiceEditor(
            field, [(c.name, c.label) for c in field.choices], parent,
            horizontal=appearance in HORIZONTAL_APPEARANCES
            and len(field.choices) <= HORIZONTAL_LIMIT,
        )
    elif kind == "yes_no_unknown":
        editor = yes_no_unknown(field, parent)
    elif kind == "rating":
        editor = RatingEditor(field, parent)
    elif kind == "person":
        editor = person_editor(field, persons, parent)
    elif kind == "signature":
        editor = SignatureEditor(field, parent)
    else:
        raise ValueError(f"no editor for field type {kind!r}")
    return editor


def field_texts(field: Field) -> Iterator[str]:
    """Every text of a field that is shown (label, hint, choice labels, messages), in every
    language it is given in."""
    yield field.label
    for text in (field.hint, field.constraint_message, field.required_message):
        if text:
            yield text
    for choice in field.choices:
        yield choice.label
        yield from choice.translations.values()
    for texts in field.translations.values():
        yield from texts.values()


def has_references(field: Field) -> bool:
    """True when a shown text of ``field`` holds a ``${field}`` reference."""
    return any("${" in text for text in field_texts(field))


def _mnemonic_safe(text: str) -> str:
    # A label with a buddy treats "&" as a keyboard mnemonic and would swallow it.
    return text.replace("&", "&&")


class FieldRow(QWidget):
    """Label, editor, hint and message of one field (or the text of a note)."""

    def __init__(
        self,
        field: Field,
        make: Callable[[QWidget], FieldEditor | None],
        path: str,
        section_id: str,
        parent: QWidget | None = None,
    ) -> None:
        """``make(parent)`` builds the editor (None for a note). The row passes itself as the
        parent: widgets created straight into a styled window are styled once, while moving a
        finished widget tree under a new parent restyles all of it (a third of the build time
        of a long form, measured)."""
        super().__init__(parent)
        self.field = field
        self.path = path
        self.section_id = section_id
        self.setObjectName("fieldRow")
        self.setAccessibleName(field.label)
        self._required = field.required is True and not field.is_computed
        self._problem: tuple[str, str] | None = None  # (code, message)
        self._committed = True
        self._message: MessageLabel | None = None
        self._hidden_note: QLabel | None = None
        self._notice: QLabel | None = None
        self._prefill_mark: PrefillMark | None = None  # "Filled in from the case" (issue 9)
        self.hint_label: QLabel | None = None
        self.clear_button: QPushButton | None = None
        # The texts as shown: ${field} references filled in (see refresh_texts).
        self._label_text = field.label
        self._hint_text: str | None = field.hint
        self._choice_texts: dict[str, str] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self._layout = layout
        if field.type == "note":
            self.editor: FieldEditor | None = None
            self.label = self._note(field)
            layout.addWidget(self.label.parentWidget() or self.label)
            return

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.setSpacing(8)
        self.label = QLabel(self)
        self.label.setObjectName("fieldLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        header.addWidget(self.label, 1)
        layout.addLayout(header)
        editor = make(self)
        assert editor is not None  # only a note has no editor
        self.editor = editor
        layout.addWidget(editor)
        self.label.setBuddy(editor.focus_target())
        if editor.clearable:
            # Created after the editor, so it follows the options in the tab order.
            self.clear_button = QPushButton("Clear answer", self)
            self.clear_button.setObjectName("link")
            self.clear_button.setToolTip(
                "Make this question unanswered again (or press Delete on a selected option)"
            )
            self.clear_button.setAccessibleName(f"Clear answer: {field.label}")
            # No tab stop: one per answered choice made Tab crawl through the form; the
            # keyboard clears with Delete on the choice itself.
            self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.clear_button.clicked.connect(self._clear)
            policy = self.clear_button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # no jump in the layout when it appears
            self.clear_button.setSizePolicy(policy)
            header.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        hint_text = field.hint or editor.format_hint or (
            COMPUTED_HINT if field.is_computed else None
        )
        self._hint_text = field.hint or editor.format_hint
        if hint_text:
            self._make_hint(hint_text)
        editor.changed.connect(self._on_changed)
        editor.committed.connect(self._on_committed)
        self._update_label()
        self.update_clear_button()

    # -- construction helpers ---------------------------------------------------------------
    def _make_hint(self, text: str) -> QLabel:
        hint = muted(text)
        hint.setObjectName("fieldHint")
        hint.setTextFormat(Qt.TextFormat.PlainText)
        assert self.editor is not None
        self._layout.insertWidget(self._layout.indexOf(self.editor) + 1, hint)
        self.hint_label = hint
        return hint

    def _note(self, field: Field) -> QLabel:
        frame = QFrame(self)
        frame.setObjectName("formNote")
        box = QVBoxLayout(frame)
        box.setContentsMargins(12, 10, 12, 10)
        label = QLabel(frame)
        label.setObjectName("formNoteText")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.MarkdownText)
        label.setText(field.label)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(f"Note: {field.label}")
        box.addWidget(label)
        return label

    # -- required mark ----------------------------------------------------------------------
    @property
    def required(self) -> bool:
        return self._required

    def set_required(self, required: bool) -> None:
        """Show or hide the required mark (for ``required`` expressions, as answers change)."""
        if self.editor is None or required == self._required:
            return
        self._required = required
        self._update_label()

    @property
    def label_text(self) -> str:
        """The label as shown (references filled in, no required mark)."""
        return self._label_text

    def refresh_texts(self, fill: Callable[[str], str]) -> None:
        """Show the field's texts (``self.field``: after a language switch, the field in the
        new language) with their ``${field}`` references filled in by ``fill``. Qt is only
        called for a text that changed."""
        field = self.field
        label = fill(field.label)
        if self.editor is None:
            if label != self._label_text:
                self._label_text = label
                self.label.setText(label)
                self.label.setAccessibleName(f"Note: {label}")
            return
        hint = fill(field.hint) if field.hint else self.editor.format_hint
        changed = label != self._label_text or hint != self._hint_text
        self._label_text = label
        if hint != self._hint_text:
            self._hint_text = hint
            shown = hint or (COMPUTED_HINT if field.is_computed else None)
            if shown and self.hint_label is None:
                self._make_hint(shown)
            elif self.hint_label is not None:
                if shown:
                    self.hint_label.setText(shown)
                if self.hint_label.isHidden() == bool(shown):
                    self.hint_label.setVisible(bool(shown))
        if field.choices:
            texts = {c.name: fill(c.label) for c in field.choices}
            if texts != self._choice_texts:
                self._choice_texts = texts
                self.editor.set_choice_labels(texts)
        if changed:
            self.setAccessibleName(label)
            self._update_label()

    def _update_label(self) -> None:
        assert self.editor is not None
        text = self._label_text + (REQUIRED_MARK if self._required else "")
        self.label.setText(_mnemonic_safe(text))
        parts = []
        if self._required:
            parts.append("Required.")
        if self.field.is_computed:
            parts.append("Calculated from other answers; read-only.")
        if self._hint_text:
            parts.append(self._hint_text)
        if self._prefill_mark is not None:
            parts.append(f"{self._prefill_mark.text}.")
        description = " ".join(parts)
        self.editor.set_accessible(self._label_text, description)
        self.label.setToolTip("Required: the form cannot be completed without it"
                              if self._required else "")

    # -- clear ------------------------------------------------------------------------------
    def _clear(self) -> None:
        if self.editor is not None and not self.editor.is_read_only():
            self.editor.clear()
            self.editor.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)

    def update_clear_button(self) -> None:
        if self.clear_button is not None and self.editor is not None:
            shown = self.editor.value() is not None and not self.editor.is_read_only()
            if self.clear_button.isHidden() == shown:  # only call Qt when it changes
                self.clear_button.setVisible(shown)

    # -- messages ---------------------------------------------------------------------------
    def _on_changed(self) -> None:
        self._committed = False
        self.set_notice(None)
        if self._prefill_mark is not None:
            self.set_prefilled(None)  # changed by the officer: the answer is theirs now
        self.update_clear_button()

    @property
    def prefilled(self) -> str | None:
        """The mark's text when the answer was filled in from the case and not changed."""
        return self._prefill_mark.text if self._prefill_mark is not None else None

    def set_prefilled(self, where: str | None) -> None:
        """Mark the answer as filled in from the case (``where``: from what), or remove the
        mark (None). Changing the answer removes it too."""
        if self._prefill_mark is not None:
            self._prefill_mark.hide()
            self._prefill_mark.deleteLater()
            self._prefill_mark = None
        if where is not None and self.editor is not None:
            self._prefill_mark = PrefillMark(where, self.editor.value(), self)
            self._layout.insertWidget(self._layout.indexOf(self.editor) + 1, self._prefill_mark)
        if self.editor is not None:
            self._update_label()

    def drop_stale_prefill(self) -> None:
        """Remove the mark when the answer was replaced by code (answers kept over a lock,
        a choice filter) and is no longer the one filled in from the case."""
        if (self._prefill_mark is not None and self.editor is not None
                and self.editor.value() != self._prefill_mark.value):
            self.set_prefilled(None)

    def set_notice(self, text: str | None) -> None:
        """A plain note under the question (an answer the view cleared, and why); None
        removes it. It also goes when the officer next changes the answer."""
        if text is None:
            if self._notice is not None and not self._notice.isHidden():
                self._notice.hide()
            return
        if self._notice is None:
            self._notice = muted(text)
            self._notice.setObjectName("fieldNotice")
            self._notice.setTextFormat(Qt.TextFormat.PlainText)
            self._layout.addWidget(self._notice)
        self._notice.setText(text)
        self._notice.show()

    def notice_text(self) -> str:
        """The note shown under the question ("" when none is)."""
        if self._notice is None or self._notice.isHidden():
            return ""
        return self._notice.text()

    def _on_committed(self) -> None:
        self._committed = True
        self._refresh_message()

    def set_problem(self, code: str | None, message: str | None) -> None:
        """Show the engine's problem for this field (None: no problem)."""
        problem = None if code is None or message is None else (code, message)
        if problem == self._problem:
            return
        self._problem = problem
        self._refresh_message()

    @property
    def problem(self) -> tuple[str, str] | None:
        return self._problem

    def message_text(self) -> str:
        """The message shown right now ("" when none is)."""
        if self._message is None or self._message.isHidden():
            return ""
        return self._message.text()

    def _refresh_message(self) -> None:
        problem = self._problem
        show = problem is not None
        if (
            problem is not None
            and problem[0] == "type"
            and self.editor is not None
            and self.editor.typed
            and not self._committed
            and self.editor.contains_focus()
        ):
            # Half-typed text ("2024-0") is not wrong yet: wait until the entry is finished.
            show = False
        if not show:
            if self._message is not None and not self._message.isHidden():
                self._message.clear_message()
            return
        assert problem is not None
        if self._message is None:
            # Created on first use: most rows never show a message, and a long form builds
            # faster without a hundred hidden labels.
            self._message = MessageLabel(self)
            self._message.setObjectName("message")
            self._layout.addWidget(self._message)
        text = friendly_message(self.field, *problem)
        if self._message.text() != text or self._message.isHidden():
            self._message.show_error(text)

    def set_hidden_answer(self, shown: bool) -> None:
        """Explain why a question that is not relevant is on screen (see the view)."""
        if shown and self._hidden_note is None:
            self._hidden_note = muted(HIDDEN_ANSWER_TEXT)
            self._layout.insertWidget(1, self._hidden_note)
        if self._hidden_note is not None:
            self._hidden_note.setVisible(shown)
