"""FormView: renders any form definition for filling in, with live skip logic and checks.

The view holds no database code: it takes answers, gives answers (``answersChanged``), and asks
its host to save (``saveRequested``) or complete (``completeRequested``).
:class:`~btam_desktop.ui.forms.autosave.DraftController` connects it to the vault.

On every change the view asks the engine, never deciding rules itself:

* ``evaluate(form, answers)`` for relevance (questions and sections appear and disappear) and
  computed values. A hidden question keeps its answer, as the engine does.
* ``validate_answers(form, answers, complete=True)``: ``constraint``, ``type`` and ``person``
  problems are shown under their question; ``required`` problems feed the header's count and,
  once Complete was pressed, the completion summary.

Answers are exactly the ANSWERS.json shapes (``docs/form-format.md``); unanswered questions are
left out; keys the view has no input for (ids from another form version, stored computed
values) are passed through untouched, so opening and saving a draft never loses anything.

Questions below the first screen are built after the first paint (issue 12: the largest
form took 340-420 ms to appear): the view builds the questions whose estimated height fills
the screen, shows them, and builds the rest between events, ``BUILD_TURN_S`` of questions
at a time, in form order. Until a question is built its answer is kept as given and reported
by :meth:`FormView.answers`; anything that needs a row builds its section (and everything
before it) first (``row``/``editor``/``repeat``/``section_box``, ``focus_field``, a section
chosen in the list, Tab, scrolling to the end, the completion summary, a change a choice
filter there depends on; a pre-fill mark waits for its row), so Tab order, "go to question",
messages, skip logic and accessible names are the same as before.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.forms import (
    AnswerProblem,
    Field,
    FormDefinition,
    FormState,
    Section,
    evaluate,
    validate_answers,
)
from btam_desktop.core.forms.answers import available_choices, shown_text
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS, is_empty
from btam_desktop.core.words import plural
from btam_desktop.ui import keys
from btam_desktop.ui.forms.computed import ComputedEditor
from btam_desktop.ui.forms.focus import FocusWatcher
from btam_desktop.ui.forms.guidance import GuidancePanel
from btam_desktop.ui.forms.inputs import FieldEditor
from btam_desktop.ui.forms.media import AttachmentSource, MediaEditor
from btam_desktop.ui.forms.nav import SECTION_ROLE, SectionNav
from btam_desktop.ui.forms.paths import parse_path, without_path
from btam_desktop.ui.forms.repeat import RepeatEditor, focusable_in
from btam_desktop.ui.forms.row import FieldRow, friendly_message, has_references, make_editor
from btam_desktop.ui.forms.style import FORM_STYLE
from btam_desktop.ui.forms.summary import CompletionSummary
from btam_desktop.ui.widgets import MessageLabel, muted

STATUS_LABELS = {"draft": "Draft", "complete": "Complete", "reviewed": "Reviewed"}
#: Problem codes shown under the question as the officer types.
INLINE_CODES = frozenset({"constraint", "type", "person", "attachment"})
#: Problem codes that mean "still missing" rather than "wrong".
MISSING_CODES = frozenset({"required", "items"})
#: Initial widths of the section list, the questions and the guidance panel.
PANE_WIDTHS = (210, 720, 320)
#: Narrowest the questions column may get before the side panels fold away.
MIN_FORM_WIDTH = 520
#: The language last chosen for each form id, for the rest of the session (memory only).
remembered_languages: dict[str, str] = {}
#: Screen height assumed when no screen is known: the sections built before the first paint
#: are those whose estimated height fills this (see ``estimated_height``).
DEFAULT_SCREEN_HEIGHT = 1080
#: How long one turn of the event loop may build sections after the first paint (seconds).
BUILD_TURN_S = 0.015


def estimated_height(field: Field) -> int:
    """A rough height in pixels of the row of ``field`` (label, editor, hint), erring high:
    only used to decide how many sections fill the first screen."""
    if field.type == "note":
        return 70
    if field.is_repeat:
        return 130
    if field.type == "long_text" or field.appearance == "multiline":
        return 150
    if field.type == "multi_choice":
        count = len(field.choices)
        return 40 + 30 * (count if count <= 6 else (count + 1) // 2)
    if field.type == "choice" and len(field.choices) <= 5:
        return 40 + 30 * len(field.choices)
    return 80


def has_row(field: Field) -> bool:
    """Whether the view shows a row for ``field`` (computed and metadata fields it does not)."""
    return not field.hidden or field.is_repeat


def has_input(field: Field) -> bool:
    """Whether the row of ``field`` takes an answer (notes and calculations do not)."""
    return has_row(field) and field.type != "note" and not field.is_computed


class SectionBox(QFrame):
    """A titled group of rows."""

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.setObjectName("formSection")
        self.setAccessibleName(section.title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 20)
        layout.setSpacing(18)
        self.title = QLabel(section.title, self)
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.title)
        self.rows_layout = layout

    def set_section(self, section: Section) -> None:
        """Show ``section`` (the same section in another language)."""
        self.section = section
        if self.title.text() != section.title:
            self.title.setText(section.title)
            self.setAccessibleName(section.title)


class FormView(QWidget):
    """Fill in one form. See the module docstring for the contract.

    Signals: ``answersChanged(dict)`` after each change the officer makes (not after
    :meth:`set_answers`), ``saveRequested()`` for Ctrl+S / Save now, and
    ``completeRequested(dict)`` when Complete is chosen and the engine finds nothing missing.
    """

    answersChanged = Signal(dict)
    saveRequested = Signal()
    completeRequested = Signal(dict)
    #: Build the sections below the first screen by themselves after the first paint (tests
    #: turn it off to see what happens before that; everything still builds on demand).
    build_in_background = True

    def __init__(
        self,
        form: FormDefinition,
        answers: Mapping[str, Any],
        *,
        persons: Sequence[tuple[str, str]] = (),
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = form
        #: The form as shown: ``form`` in the chosen language (same ids and rules).
        self.shown_form = form
        # Fields whose shown texts hold ${field} references: refreshed on every change.
        self._referring = frozenset(f.id for f in form.iter_fields() if has_references(f))
        # Choice fields with a choice_filter: their options follow the other answers.
        self._filtered = frozenset(f.id for f in form.iter_fields() if f.choice_filter)
        # What each filtered row was last told to offer (and which editor was told: repeat
        # items come and go under the same path).
        self._offered: dict[str, frozenset[str]] = {}
        self._offered_to: dict[str, FieldEditor] = {}
        self._persons = list(persons)
        # Without the case's persons the view cannot judge person answers; the store will.
        self._person_ids: list[str] | None = [pid for pid, _ in persons] or None
        self._read_only = read_only
        self._status = "draft"
        self._extra: dict[str, Any] = {}
        self._rows: dict[str, FieldRow] = {}
        self._repeats: dict[str, RepeatEditor] = {}
        self._sections: dict[str, SectionBox] = {}
        # Sections not built yet, or not all of them (a suffix of the form's, in form order;
        # the first may be half built: its fields from _next_field on are not), and the
        # answers of their questions, kept as given until their rows exist.
        self._pending: list[Section] = []
        self._next_field = 0
        self._pending_answers: dict[str, Any] = {}
        # "Filled in from the case" marks of questions not built yet: (where, the answer as
        # it was when marked); shown when built if the answer is still that one.
        self._pending_marks: dict[str, tuple[str, Any]] = {}
        #: Every field with a row, in form order (built or not).
        self._row_ids = [f.id for s in form.sections for f in s.fields if has_row(f)]
        self._section_of = {f.id: s.id for s in form.sections for f in s.fields}
        #: Where file questions store their files (set by the host: set_attachment_source).
        self.attachment_source: AttachmentSource | None = None
        self._has_media = any(f.text_format in MEDIA_FORMATS for f in form.iter_fields())
        self._nav_items: dict[str, QListWidgetItem] = {}
        self._revealed: set[str] = set()
        self._problems: list[AnswerProblem] = []
        self._state: FormState | None = None
        self._shown_once = False
        #: Ask before completing (Complete… promises it); a host with its own confirmation
        #: (an amendment: reason and Save amendment) turns it off.
        self.confirm_complete = True
        self.complete_box: CompleteQuestion | None = None
        self.setObjectName("formView")
        self.setAccessibleName(form.title)
        self.setStyleSheet(FORM_STYLE)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        self._initial_answers = answers
        self._build_header(layout)
        self.summary = CompletionSummary(self)
        self.summary.problemActivated.connect(self.focus_field)
        layout.addWidget(self.summary)
        self.save_message = MessageLabel(self)
        layout.addWidget(self.save_message)
        self._build_body(layout)
        self._build_shortcuts()
        self.language = form.default_language or (form.languages[0] if form.languages else "")

        # Focus moved by code (a new repeat item, a removed one, the summary) does not scroll
        # by itself; this timer waits for the layout to place the widget, then shows it.
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(0)
        self._scroll_timer.timeout.connect(self._ensure_focus_visible)
        # Builds the sections left for after the first paint, between events.
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.setInterval(0)
        self._build_timer.timeout.connect(self._build_next)

        self.set_answers(answers)
        del self._initial_answers
        self.set_read_only(read_only)
        remembered = remembered_languages.get(form.id)
        if remembered and remembered != self.language and remembered in form.languages:
            self.set_language(remembered)
        FocusWatcher.watch(self._on_focus_changed)

    # -- construction -------------------------------------------------------------------------
    def _build_header(self, layout: QVBoxLayout) -> None:
        header = QHBoxLayout()
        header.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title_label = QLabel(self.form.title, self)
        self.title_label.setObjectName("formTitle")
        self.title_label.setWordWrap(True)
        titles.addWidget(self.title_label)
        self.meta_label = muted("")
        self.meta_label.setObjectName("formMeta")
        titles.addWidget(self.meta_label)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("formProgress")
        self.progress_label.setWordWrap(True)
        titles.addWidget(self.progress_label)
        header.addLayout(titles, 1)
        self._build_language(header)
        self.save_button = QPushButton("Save now", self)
        self.save_button.setToolTip(
            "Save the draft now (Ctrl+S). Drafts also save by themselves within a second "
            "of every change."
        )
        self.save_button.clicked.connect(self.saveRequested)
        header.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        self.complete_button = QPushButton("Complete\u2026", self)
        self.complete_button.setObjectName("primary")
        self.complete_button.setToolTip(
            "Complete the form (Ctrl+Enter). Lists anything still missing first."
        )
        self.complete_button.clicked.connect(self.request_complete)
        header.addWidget(self.complete_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)

    def _build_language(self, header: QHBoxLayout) -> None:
        """The language combo: only for a form with two or more languages."""
        self.language_combo: QComboBox | None = None
        languages = list(self.form.languages)
        if len(languages) < 2:
            return
        box = QHBoxLayout()
        box.setSpacing(6)
        label = QLabel("&Language:", self)
        combo = QComboBox(self)
        combo.setObjectName("formLanguage")
        combo.setAccessibleName("Form language")
        combo.setToolTip("Show the form's questions and options in another language. "
                         "The answers stay as they are.")
        combo.addItems(languages)
        default = self.form.default_language or languages[0]
        if default in languages:
            combo.setCurrentIndex(languages.index(default))
        label.setBuddy(combo)
        combo.currentTextChanged.connect(self._language_picked)
        box.addWidget(label)
        box.addWidget(combo)
        header.addLayout(box)
        header.setAlignment(box, Qt.AlignmentFlag.AlignTop)
        self.language_combo = combo

    def _language_picked(self, language: str) -> None:
        if language:
            self.set_language(language)

    def set_language(self, language: str) -> None:
        """Show every text in ``language`` (ids, rules and answers are unchanged); the choice
        is remembered for this form id for the rest of the session."""
        if language not in self.form.languages:
            return
        remembered_languages[self.form.id] = language
        combo = self.language_combo
        if combo is not None and combo.currentText() != language:
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(combo.findText(language))
            combo.blockSignals(blocked)
        if language == self.language:
            return
        self.language = language
        old_title = self.shown_form.title
        form = self.form.in_language(language)
        self.shown_form = form
        fields = form.fields_by_id
        for row in self._built_rows():
            row.field = fields.get(row.field.id, row.field)
        for repeat in self._repeats.values():
            repeat.set_field(fields.get(repeat.field.id, repeat.field), form)
        for section in form.sections:
            box = self._sections.get(section.id)
            if box is not None:
                box.set_section(section)
            item = self._nav_items.get(section.id)
            if item is not None:
                self.sections_list.set_title(item, section.title)
        self.guidance.set_form(form)
        if self.title_label.text() != form.title:
            self.title_label.setText(form.title)
            self.setAccessibleName(form.title)
        window = self.window()
        if window is not self and old_title != form.title and old_title in window.windowTitle():
            window.setWindowTitle(window.windowTitle().replace(old_title, form.title, 1))
        self._refresh(self.answers(), all_texts=True)

    def _build_body(self, layout: QVBoxLayout) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(True)
        self.sections_list = SectionNav(self.splitter)
        self.sections_list.setToolTip(
            "Jump to a section (Ctrl+J). Arrow keys scroll, Enter goes to its first question."
        )
        self.sections_list.itemActivated.connect(self._section_activated)
        self.sections_list.itemClicked.connect(self._section_activated)
        self.sections_list.currentItemChanged.connect(self._section_browsed)

        self.scroll_area = QScrollArea(self.splitter)
        self.scroll_area.setObjectName("formScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.content = QWidget()
        self.content.setObjectName("formContent")
        # Into the scroll area first, then filled: see FieldRow on the cost of reparenting.
        self.scroll_area.setWidget(self.content)
        # The section list marks the section on screen when the form is scrolled without
        # moving the focus (a read-only form is mostly read with the wheel; issue 9).
        self.scroll_area.verticalScrollBar().valueChanged.connect(self._scrolled)
        # Every pane exists before the questions are built: a widget added to a splitter
        # makes it measure all its panes, which polished the whole form early (50 ms).
        self.guidance = GuidancePanel(self.form, self.splitter)
        self.guidance.browser.setTabChangesFocus(True)
        self.splitter.addWidget(self.sections_list)
        self.splitter.addWidget(self.scroll_area)
        self.splitter.addWidget(self.guidance)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes(list(PANE_WIDTHS))
        self._panes_for: int | None = None
        self._guidance_wanted = True
        layout.addWidget(self.splitter, 1)

        content_layout = QVBoxLayout(self.content)
        content_layout.setContentsMargins(4, 4, 12, 24)
        content_layout.setSpacing(16)
        content_layout.addStretch(1)
        # The questions that fill the first screen now; the rest after the first paint.
        screen = QGuiApplication.primaryScreen()
        budget = screen.availableGeometry().height() if screen is not None else 0
        budget = budget or DEFAULT_SCREEN_HEIGHT
        state = evaluate(self.form, self._initial_answers)
        for section in self.form.sections:
            self._nav_items[section.id] = self.sections_list.add_section(
                section.id, section.title
            )
            if budget <= 0:
                self._pending.append(section)
                continue
            box = self._add_box(section)
            shown = state.sections.get(section.id, False)
            budget -= 60 if shown else 0
            for index, field in enumerate(section.fields):
                if budget <= 0:  # the rest of this section after the first paint
                    self._pending.append(section)
                    self._next_field = index
                    break
                if has_row(field):
                    self._add_row(field, section, box)
                    if shown and state.fields.get(field.id, False):
                        budget -= estimated_height(field)
        self._guidance_after_questions()

    def _add_box(self, section: Section) -> SectionBox:
        """The box of ``section`` (the next one in form order), empty."""
        box = SectionBox(section, self.content)
        if self.shown_form is not self.form:
            box.set_section(self.shown_form.section(section.id))
        content_layout = self.content.layout()
        assert isinstance(content_layout, QVBoxLayout)
        content_layout.insertWidget(content_layout.count() - 1, box)  # before the stretch
        self._sections[section.id] = box
        return box

    def _add_row(self, field: Field, section: Section, box: SectionBox) -> FieldRow:
        """The row of ``field`` (the next one in form order), at the end of ``box``."""
        row = self._make_row(field, section.id, box)
        if box.isVisible():
            # Added to a box on screen it would show itself from the event loop, skip logic
            # or not: hidden until _apply_visibility shows it (as it does with every row).
            row.hide()
        box.rows_layout.addWidget(row)
        self._rows[field.id] = row
        return row

    def _unbuilt_fields(self) -> Iterator[Field]:
        """The top-level fields whose rows are not built yet (rows or not), in form order."""
        for index, section in enumerate(self._pending):
            yield from section.fields[self._next_field if index == 0 else 0:]

    def _build_pending(self, count: int | None = None, *, refresh: bool = True,
                       seconds: float | None = None) -> None:
        """Finish the next ``count`` sections not (all) built yet (all of them with None),
        or with ``seconds`` build questions for that long (at least one), and give the new
        rows everything the others have: answers, language, read-only, the attachment
        source, tab order and the engine's state."""
        if not self._pending:
            return
        self._build_timer.stop()
        start = time.perf_counter()
        new_rows: list[FieldRow] = []
        finished = 0
        while self._pending and (count is None or finished < count):
            section = self._pending[0]
            box = self._sections.get(section.id)
            if box is None:
                box = self._add_box(section)
            fields = section.fields
            while self._next_field < len(fields):
                field = fields[self._next_field]
                self._next_field += 1
                if has_row(field):
                    new_rows.append(self._add_row(field, section, box))
                    if seconds is not None and time.perf_counter() - start >= seconds:
                        break
            if self._next_field >= len(fields):
                self._pending.pop(0)
                self._next_field = 0
                finished += 1
            if seconds is not None and time.perf_counter() - start >= seconds:
                break
        self._after_questions(new_rows)
        form = self.shown_form
        for row in new_rows:
            if form is not self.form:
                row.field = form.fields_by_id.get(row.field.id, row.field)
                repeat = self._repeats.get(row.field.id)
                if repeat is not None:
                    repeat.set_field(row.field, form)
            editor = row.editor
            mark = self._pending_marks.pop(row.field.id, None)
            if editor is not None and not isinstance(editor, ComputedEditor):
                value = self._pending_answers.pop(row.field.id, None)
                editor.set_value(value)
                if mark is not None and value == mark[1]:
                    row.set_prefilled(mark[0])
            if editor is not None:
                editor.set_read_only(self._read_only or row.field.read_only)
                row.update_clear_button()
            repeat = self._repeats.get(row.field.id)
            if repeat is not None:
                repeat.set_read_only(self._read_only)
            if isinstance(editor, MediaEditor) and self.attachment_source is not None:
                editor.refresh()
        if refresh:
            self._refresh(self.answers(), all_texts=form is not self.form)
            if self.isVisible():
                # Asked for now (a question to go to, a section's place): placed now, and the
                # scroll area told how tall the form has grown.
                for _ in range(2):  # the content's own request, then the one it posts up
                    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                if self._pending and self.build_in_background:
                    self._build_timer.start()

    def _build_next(self) -> None:
        # Sections for up to BUILD_TURN_S per turn, shown (styled) within that time too: each
        # turn also lays out the form, so one section per turn costs more in all; much
        # longer and a key pressed meanwhile would wait.
        if not self.isVisible():
            return
        self._build_pending(None, refresh=False, seconds=BUILD_TURN_S)
        self._refresh(self.answers(), all_texts=self.shown_form is not self.form)
        if self._pending and self.build_in_background:
            self._build_timer.start()

    def _build_through(self, section_id: str) -> None:
        """Build every section up to ``section_id`` (sections are built in form order)."""
        if any(s.id == section_id for s in self._pending):
            ids = [s.id for s in self._pending]
            self._build_pending(ids.index(section_id) + 1)

    def _build_all(self) -> None:
        self._build_pending(None)

    def all_built(self) -> bool:
        """Whether every section's questions exist (they are built after the first paint)."""
        return not self._pending

    def _after_questions(self, rows: Sequence[FieldRow]) -> None:
        # Questions built after the others join the end of the window's focus chain: move
        # them to just after the last question built before (just before the guidance
        # text), so Tab still follows the form.
        if not rows:
            return
        browser = self.guidance.browser
        anchor = browser.previousInFocusChain()
        window = self.window()
        while anchor is not None and not (
            self.content.isAncestorOf(anchor)
            and not any(row is anchor or row.isAncestorOf(anchor) for row in rows)
            and anchor.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            if anchor is window or anchor is browser:
                return
            anchor = anchor.previousInFocusChain()
        if anchor is None:
            return
        previous = anchor
        for row in rows:
            for widget in focusable_in(row):
                QWidget.setTabOrder(previous, widget)
                previous = widget

    def _guidance_after_questions(self) -> None:
        # The guidance text was created before the questions; Tab reaches it after them. The
        # questions were the last widgets created, so they end the window's focus chain: the
        # last question is found by walking back a few steps from there.
        browser = self.guidance.browser
        widget = self.window().previousInFocusChain()
        while widget is not None and widget is not browser and widget is not self.window():
            if self.content.isAncestorOf(widget) and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                QWidget.setTabOrder(widget, browser)
                return
            widget = widget.previousInFocusChain()

    def _make_row(self, field: Field, section_id: str, parent: QWidget) -> FieldRow:
        def make(row: QWidget) -> FieldEditor | None:
            if field.is_repeat:
                repeat = RepeatEditor(field, self.form, self._persons, section_id, row)
                repeat.answers_source = self.answers
                self._repeats[field.id] = repeat
                return repeat
            return make_editor(field, self._persons, row)

        row = FieldRow(field, make, field.id, section_id, parent)
        if row.editor is not None:
            row.editor.changed.connect(self._on_edited)
        return row

    def _build_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self._save_shortcut = keys.bind(self, keys.FORM_SAVE, self.saveRequested.emit,
                                        context=context)
        self._complete_shortcut = keys.bind(self, keys.FORM_COMPLETE, self._complete_keys,
                                            context=context)
        keys.bind(self, keys.FORM_SECTIONS, self._focus_sections, context=context)
        keys.bind(self, keys.FORM_GUIDANCE, self.toggle_guidance, context=context)

    # -- answers ------------------------------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        """The answers as ANSWERS.json: form order, unanswered questions left out."""
        result: dict[str, Any] = {}
        for field_id in self._row_ids:
            row = self._rows.get(field_id)
            if row is None:  # in a section not built yet: the answer as given
                if field_id in self._pending_answers:
                    value = copy.deepcopy(self._pending_answers[field_id])
                    if not is_empty(value):
                        result[field_id] = value
                continue
            editor = row.editor
            if editor is None or isinstance(editor, ComputedEditor):
                continue
            value = editor.value()
            if not is_empty(value):
                result[field_id] = value
        for key, value in self._extra.items():
            result.setdefault(key, copy.deepcopy(value))
        return result

    def set_answers(self, answers: Mapping[str, Any]) -> None:
        """Show ``answers`` (replacing what is shown); does not emit ``answersChanged``."""
        editable = set()
        for field_id, row in self._rows.items():
            editor = row.editor
            if editor is None or isinstance(editor, ComputedEditor):
                continue
            editable.add(field_id)
            editor.set_value(copy.deepcopy(answers.get(field_id)))
            if editor.is_read_only():
                editor.set_read_only(True)  # re-freeze on the new value
            row.update_clear_button()
            row.drop_stale_prefill()
        self._pending_answers = {}
        for field in self._unbuilt_fields():
            if has_input(field):
                editable.add(field.id)
                if field.id in answers:
                    self._pending_answers[field.id] = copy.deepcopy(answers[field.id])
        self._extra = {k: copy.deepcopy(v) for k, v in answers.items() if k not in editable}
        self._revealed.clear()
        self._refresh(self.answers())

    def _on_edited(self) -> None:
        if self._filtered and self._pending:
            # A choice filter in a section not built yet may now offer less: its answer is
            # cleared with a note, which needs its row.
            pending = {s.id for s in self._pending}
            if any(self._section_of.get(f) in pending for f in self._filtered):
                self._build_all()
        answers = self.answers()
        # An answer a choice filter no longer offers is cleared (with a note under it); a
        # cleared answer may in turn narrow another list, hence the few rounds.
        for _ in range(len(self._filtered)):
            if not self._drop_unavailable(answers):
                break
            answers = self.answers()
        self._refresh(answers)
        self.answersChanged.emit(answers)

    # -- engine -------------------------------------------------------------------------------
    def _validate(self, answers: Mapping[str, Any]) -> list[AnswerProblem]:
        source = self.attachment_source if self._has_media else None
        return validate_answers(self.shown_form, answers, True, person_ids=self._person_ids,
                                attachment_ids=None if source is None else source.names)

    def _refresh(self, answers: dict[str, Any], *, all_texts: bool = False) -> None:
        state = evaluate(self.shown_form, answers)
        problems = self._validate(answers)
        self._state = state
        self._problems = problems
        inline: dict[str, AnswerProblem] = {}
        for problem in problems:
            if problem.code in INLINE_CODES:
                inline.setdefault(problem.path, problem)
        self._revealed = {
            path for path in self._revealed if path in inline or self._path_has_focus(path)
        }
        self._apply_visibility(state)
        self._refresh_texts(answers, everything=all_texts)
        self._apply_filters(answers)
        for row in self._built_rows():
            shown = inline.get(row.path)
            if shown is None:
                row.set_problem(None, None)
            else:
                row.set_problem(shown.code, shown.message)
        self._update_required(answers, {p.path for p in problems if p.code == "required"})
        self._update_progress(problems)
        if self.summary.isVisibleTo(self):
            self.summary.set_problems(problems, self.describe_problem)

    def _offers(self, row: FieldRow, answers: Mapping[str, Any]) -> frozenset[str]:
        parsed = parse_path(row.path)
        item = parsed.index if parsed is not None else None
        path = row.path if parsed is None else None
        return frozenset(
            c.name for c in available_choices(self.shown_form, row.field.id, answers,
                                              item=item, path=path)
        )

    def _drop_unavailable(self, answers: Mapping[str, Any]) -> bool:
        """Clear answers of filtered choices that are no longer offered; True if any was."""
        dropped = False
        for row in self._built_rows():
            editor = row.editor
            if row.field.id not in self._filtered or editor is None or editor.is_read_only():
                continue
            value = editor.value()
            if value is None:
                continue
            offered = self._offers(row, answers)
            chosen = value if isinstance(value, list) else [value]
            gone = [v for v in chosen if v not in offered]
            if not gone:
                continue
            kept = [v for v in chosen if v in offered]
            editor.set_value((kept or None) if isinstance(value, list) else None)
            labels = {c.name: c.label for c in row.field.choices}
            names = ", ".join(f"\u201c{labels.get(str(v), str(v))}\u201d" for v in gone)
            row.set_notice(
                f"{names} {'was' if len(gone) == 1 else 'were'} cleared: not offered for the "
                "answers given above any more."
            )
            row.update_clear_button()
            row.drop_stale_prefill()
            dropped = True
        return dropped

    def _apply_filters(self, answers: Mapping[str, Any]) -> None:
        if not self._filtered:
            return
        for row in self._built_rows():
            if row.field.id in self._filtered and row.editor is not None:
                offered = self._offers(row, answers)
                if self._offered.get(row.path) != offered or row.editor is not self._offered_to.get(
                    row.path
                ):
                    self._offered[row.path] = offered
                    self._offered_to[row.path] = row.editor
                    row.editor.set_available(offered)

    def _refresh_texts(self, answers: Mapping[str, Any], *, everything: bool = False) -> None:
        """Fill in the ``${field}`` references of shown texts from ``answers`` (every row's
        texts with ``everything``: after a language switch)."""
        if not self._referring and not everything:
            return
        form = self.shown_form
        for row in self._built_rows():
            if not everything and row.field.id not in self._referring:
                continue
            parsed = parse_path(row.path)
            item = parsed.index if parsed is not None else None
            # A member of a repeat inside a repeat: its whole path finds its item.
            path = row.path if parsed is None else None

            def fill(text: str, field_id: str = row.field.id, item: int | None = item,
                     path: str | None = path) -> str:
                return shown_text(form, text, answers, field_id=field_id, item=item,
                                  path=path)

            row.refresh_texts(fill)

    def _apply_visibility(self, state: FormState) -> None:
        revealed = self._revealed
        revealed_fields = {path.split("[", 1)[0] for path in revealed}
        for section in self.form.sections:
            section_id = section.id
            relevant = state.sections.get(section_id, False)
            shown = (relevant or any(
                f.id in revealed_fields for f in section.fields
            )) and any(has_row(f) for f in section.fields)
            box = self._sections.get(section_id)
            if box is not None and box.isHidden() == shown:
                box.setVisible(shown)
            item = self._nav_items[section_id]
            if item.isHidden() == shown:
                item.setHidden(not shown)
        for field_id, row in self._rows.items():
            relevant = state.fields.get(field_id, False)
            shown = relevant or field_id in revealed_fields
            if row.isHidden() == shown:
                row.setVisible(shown)
            if not row.field.is_repeat:
                row.set_hidden_answer(shown and not relevant)
            if isinstance(row.editor, ComputedEditor):
                row.editor.show_computed(state.calculated.get(field_id))
        for repeat_id, repeat in self._repeats.items():
            repeat.apply_state(state.items.get(repeat_id, ()), revealed)

    def _update_required(self, answers: dict[str, Any], missing: set[str]) -> None:
        # The engine reports an expression-required field only while it is empty. For one
        # that is filled in, ask about a copy of the answers without it, so the required mark
        # does not vanish the moment the officer starts typing.
        for row in self._built_rows():
            rule = row.field.required
            if rule is True or rule is False or row.editor is None:
                continue
            if row.path in missing:
                row.set_required(True)
            elif is_empty(row.editor.value()) or row.isHidden():
                row.set_required(False)
            else:
                blank = without_path(answers, row.path)
                row.set_required(
                    any(p.path == row.path and p.code == "required" for p in self._validate(blank))
                )

    def _update_progress(self, problems: Sequence[AnswerProblem]) -> None:
        missing = sum(1 for p in problems if p.code in MISSING_CODES)
        wrong = len(problems) - missing
        if self._read_only:
            text = ""
        elif not problems:
            text = "All required answers are given."
        else:
            parts = []
            if missing:
                parts.append(f"{plural(missing, 'required answer')} missing")
            if wrong:
                parts.append(f"{plural(wrong, 'answer')} to correct")
            text = " \u00b7 ".join(parts) + "  (* marks a required question)"
        if self.progress_label.text() != text:
            self.progress_label.setText(text)

    # -- rows and paths -----------------------------------------------------------------------
    def rows(self) -> Iterator[FieldRow]:
        """Every row, repeat members included (in form order)."""
        self._build_all()
        return self._built_rows()

    def _built_rows(self) -> Iterator[FieldRow]:
        """The rows built so far, repeat members included (in form order)."""
        for field_id, row in self._rows.items():
            yield row
            repeat = self._repeats.get(field_id)
            if repeat is not None:
                yield from repeat.rows()

    def row(self, path: str) -> FieldRow | None:
        """The row of a field path (``field`` or ``repeat[i].member``), its section built
        first if it was not yet."""
        parsed = parse_path(path)
        if parsed is None:
            self._build_all()
        else:
            self._build_through(self._section_of.get(parsed.field_id, ""))
        return self._built_row(path)

    def mark_prefilled(self, field_id: str, where: str) -> bool:
        """Mark the answer of ``field_id`` as filled in from the case (``where``: from what);
        False if the view shows no answer for it. A question not built yet is marked when it
        is, unless its answer was replaced meanwhile."""
        row = self._rows.get(field_id)
        if row is None and any(f.id == field_id for f in self._unbuilt_fields()):
            field = self.form.fields_by_id[field_id]
            if not has_row(field) or field.type == "note":
                return False
            self._pending_marks[field_id] = (where,
                                             copy.deepcopy(self._pending_answers.get(field_id)))
            return True
        row = self.row(field_id)
        if row is None or row.editor is None:
            return False
        row.set_prefilled(where)
        return True

    def _built_row(self, path: str) -> FieldRow | None:
        """The row of a field path among the rows built so far (never builds one)."""
        parsed = parse_path(path)
        if parsed is None:
            # A member of a repeat inside a repeat ("outer[0].inner[1].member").
            return next((row for row in self._built_rows() if row.path == path), None)
        if parsed.member is None:
            return self._rows.get(parsed.field_id)
        repeat = self._repeats.get(parsed.field_id)
        if repeat is None or parsed.index is None or not 0 <= parsed.index < len(repeat.items):
            return None
        return repeat.items[parsed.index].rows.get(parsed.member)

    def set_attachment_source(self, source: AttachmentSource | None) -> None:
        """Where file questions store their files (the case's attachments; the host knows
        the session, the view does not) and the names they show."""
        self.attachment_source = source
        if self._has_media:
            for row in self._built_rows():
                if isinstance(row.editor, MediaEditor):
                    row.editor.refresh()

    def editor(self, path: str) -> FieldEditor | None:
        """The editor of a field path (for hosts and tests)."""
        row = self.row(path)
        return None if row is None else row.editor

    def repeat(self, field_id: str) -> RepeatEditor:
        """The editor of a repeat field."""
        self._build_through(self._section_of.get(field_id, ""))
        return self._repeats[field_id]

    def section_box(self, section_id: str) -> SectionBox:
        self._build_through(section_id)
        return self._sections[section_id]

    def _path_has_focus(self, path: str) -> bool:
        row = self._built_row(path)  # a row not built yet has no focus
        focus = QApplication.focusWidget()
        return row is not None and focus is not None and row.isAncestorOf(focus)

    def _row_of(self, widget: QWidget | None) -> FieldRow | None:
        while widget is not None and widget is not self:
            if isinstance(widget, FieldRow):
                return widget
            widget = widget.parentWidget()
        return None

    def describe_problem(self, problem: AnswerProblem) -> str:
        """"Section › Question: message", as the completion summary lists it."""
        row = self.row(problem.path)
        parts: list[str] = []
        parsed = parse_path(problem.path)
        top = self._rows.get(parsed.field_id) if parsed is not None else None
        if top is not None:
            parts.append(self.form.section(top.section_id).title)
            if parsed is not None and parsed.index is not None:
                repeat = top.field
                parts.append(repeat.label)
                parts.append(f"{repeat.item_label or 'Item'} {parsed.index + 1}")
        elif parsed is None and row is not None:
            # A member of a repeat inside a repeat: every list and item on the way.
            parts.append(self.form.section(row.section_id).title)
            prefix = ""
            for name, index in re.findall(r"([a-z][a-z0-9_]*)\[([0-9]+)\]", problem.path):
                inner = self.shown_form.fields_by_id.get(name)
                holder = self.row(prefix + name)  # its label as shown (${field} filled in)
                if inner is not None:
                    parts.append(holder.label_text if holder is not None else inner.label)
                    parts.append(f"{inner.item_label or 'Item'} {int(index) + 1}")
                prefix += f"{name}[{index}]."
        field = row.field if row is not None else None
        if field is not None and row is not None:
            parts.append(row.label_text)
            if problem.code == "required":
                message = problem.message if field.required_message else "not answered yet"
            else:
                message = friendly_message(field, problem.code, problem.message)
        else:
            message = problem.message
        where = " \u203a ".join(parts)
        return f"{where}: {message}" if where else message

    # -- focus and navigation -----------------------------------------------------------------
    def focus_field(self, path: str) -> bool:
        """Scroll to the question at ``path`` and put the keyboard focus in it.

        A question hidden by skip logic is shown for the moment if it holds an answer the
        engine rejects: otherwise the officer could not correct it and never complete.
        """
        parsed = parse_path(path)
        if parsed is None or parsed.field_id not in self._section_of:
            return False
        row = self.row(path)  # builds its section (and those before it) if need be
        if parsed.field_id not in self._rows:
            return False
        target: QWidget
        if row is None:
            # "repeat[i]" or an item that no longer exists: go to the repeat itself.
            row = self._rows[parsed.field_id]
        if self._state is not None and not self._row_is_relevant(row):
            self._revealed.add(row.path)
            self._apply_visibility(self._state)
        target = row.editor.focus_target() if row.editor is not None else row
        content_layout = self.content.layout()
        if content_layout is not None:
            content_layout.activate()
        self.scroll_area.ensureWidgetVisible(row, 40, 80)
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        section = self.shown_form.section(row.section_id)
        self.guidance.show_field(row.field, section)
        return True

    def _row_is_relevant(self, row: FieldRow) -> bool:
        state = self._state
        if state is None:
            return True
        parsed = parse_path(row.path)
        if parsed is None:
            return True
        if parsed.member is None:
            return state.fields.get(parsed.field_id, False)
        items = state.items.get(parsed.field_id, ())
        if parsed.index is None or parsed.index >= len(items):
            return False
        return items[parsed.index].relevant.get(parsed.member, False)

    def focus_first(self) -> None:
        """Put the focus in the first visible question."""
        while True:
            for row in self._rows.values():
                if row.editor is not None and not row.isHidden():
                    self.focus_field(row.path)
                    return
            if not self._pending:
                return
            self._build_pending(1)  # every question built so far is hidden

    def _focus_sections(self) -> None:
        self.sections_list.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def jump_to_section(self, section_id: str, *, focus: bool = True) -> None:
        """Scroll a section to the top; with ``focus``, into its first question."""
        self._build_through(section_id)
        box = self._sections[section_id]
        self.scroll_area.verticalScrollBar().setValue(box.pos().y())
        self.sections_list.select_section(section_id)
        self.guidance.show_section(box.section)
        if focus:
            for field in box.section.fields:
                row = self._rows.get(field.id)
                if row is not None and row.editor is not None and not row.isHidden():
                    self.focus_field(row.path)
                    return

    def _scrolled(self, value: int) -> None:
        if self._pending:
            bar = self.scroll_area.verticalScrollBar()
            if value >= bar.maximum():
                # Scrolled to the end of the questions built so far (the scroll bar dragged
                # down, Ctrl+End): the rest now, and the end of the form stays the end.
                self._build_all()
                if value != bar.maximum():
                    bar.setValue(bar.maximum())
                    return  # this method ran again for the new value
            elif value >= bar.maximum() - self.scroll_area.viewport().height():
                # Near it (the wheel): the next section now, not all of them.
                self._build_pending(1)
        focus = QApplication.focusWidget()
        if not self._read_only and focus is not None and self.content.isAncestorOf(focus):
            return  # editing: the focused question's section is the current one
        on_screen = ""
        for section_id, box in self._sections.items():
            if box.isHidden():
                continue
            if box.pos().y() > value + 40:
                break
            on_screen = section_id
        if on_screen:
            self.sections_list.select_section(on_screen)

    def _section_activated(self, item: QListWidgetItem) -> None:
        self.jump_to_section(str(item.data(SECTION_ROLE)), focus=True)

    def _section_browsed(self, current: QListWidgetItem | None, _: object) -> None:
        if current is not None and self.sections_list.hasFocus():
            self.jump_to_section(str(current.data(SECTION_ROLE)), focus=False)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not self.isAncestorOf(new):
            return
        if self._revealed and self._state is not None:
            before = set(self._revealed)
            inline = {p.path for p in self._problems if p.code in INLINE_CODES}
            self._revealed = {p for p in before if p in inline or self._path_has_focus(p)}
            if self._revealed != before:
                self._apply_visibility(self._state)
        row = self._row_of(new)
        if row is None:
            return
        if self.content.isAncestorOf(new):
            self._scroll_timer.start()
        section = self.shown_form.section(row.section_id)
        self.guidance.show_field(row.field, section)
        self.sections_list.select_section(section.id)

    def _ensure_focus_visible(self) -> None:
        focus = QApplication.focusWidget()
        if focus is not None and self.content.isAncestorOf(focus):
            self.scroll_area.ensureWidgetVisible(focus, 40, 60)

    def toggle_guidance(self) -> None:
        """Show or hide the guidance panel (F1)."""
        self._guidance_wanted = not self.guidance_shown()
        self._fit_panes(force=True)

    def guidance_shown(self) -> bool:
        return self.splitter.sizes()[2] > 0 and self.guidance.isVisible()

    def _fit_panes(self, *, force: bool = False) -> None:
        # The questions get the room first. On a narrow window the guidance panel folds away
        # (F1 brings it back) and then the section list, rather than squeezing the questions
        # until their labels wrap word by word.
        width = self.splitter.width()
        if width <= 0 or (width == self._panes_for and not force):
            return
        self._panes_for = width
        nav, _, guide = PANE_WIDTHS
        show_nav = width >= nav + MIN_FORM_WIDTH
        show_guide = self._guidance_wanted and width >= nav * show_nav + guide + MIN_FORM_WIDTH
        if self._guidance_wanted and not show_guide and force:
            show_guide = True  # asked for with F1: give it room at the list's expense
            show_nav = width >= nav + guide + MIN_FORM_WIDTH
        sizes = [nav if show_nav else 0, 0, guide if show_guide else 0]
        sizes[1] = max(1, width - sizes[0] - sizes[2])
        self.splitter.setSizes(sizes)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab (called up the parents from the focused widget): when the focus
        would leave the questions built so far (Tab from the last, Shift+Tab from the
        guidance text), every question is built first, so Tab never skips one."""
        if self._pending and self._tab_leaves_built(next):
            self._build_all()
        return super().focusNextPrevChild(next)

    def _tab_leaves_built(self, forward: bool) -> bool:
        focus = QApplication.focusWidget()
        if focus is None:
            return True
        if not forward:
            return focus is self.guidance or self.guidance.isAncestorOf(focus)
        if not self.content.isAncestorOf(focus):
            return False  # the header, the section list: on to them or the first questions
        widget = focus.nextInFocusChain()
        while widget is not None and widget is not focus:
            if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled()
                    and widget.isVisibleTo(self)):
                return not self.content.isAncestorOf(widget)
            widget = widget.nextInFocusChain()
        return True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_panes()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending and self.build_in_background:
            self._build_timer.start()  # after the first paint, which is already queued
        if not self._shown_once:
            self._shown_once = True
            if not self._read_only:
                self.focus_first()

    # -- completing ---------------------------------------------------------------------------
    def request_complete(self) -> bool:
        """Complete, as the officer asked (Complete… or Ctrl+Enter): the summary if anything
        is missing, otherwise the confirmation (window-modal, ``open()``: never a nested event
        loop) whose Complete emits ``completeRequested``. True when it was emitted here (no
        confirmation asked)."""
        if self._read_only:
            return False
        answers = self.answers()
        problems = self._validate(answers)
        if problems:
            self.show_problems(problems)
            return False
        self.summary.hide()
        if not self.confirm_complete:
            self.completeRequested.emit(answers)
            return True
        if self.complete_box is not None:  # asked twice: the one question is still open
            self.complete_box.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        box = CompleteQuestion(self.form.title, self)
        box.complete_button.clicked.connect(self._complete_confirmed)
        box.finished.connect(self._complete_box_closed)
        self.complete_box = box
        box.open()
        return False

    def _complete_keys(self) -> None:
        # Ctrl+Enter asks; pressed again while the question is open, it answers Complete.
        if self.complete_box is not None:
            self.complete_box.complete_button.click()
        else:
            self.request_complete()

    def _complete_confirmed(self) -> None:
        if self._read_only:
            return
        answers = self.answers()
        problems = self._validate(answers)
        if problems:  # cannot change under a window-modal question, but never complete them
            self.show_problems(problems)
            return
        self.completeRequested.emit(answers)

    def _complete_box_closed(self, _result: int) -> None:
        self.complete_box = None

    def show_problems(self, problems: Sequence[AnswerProblem]) -> None:
        """Show the completion summary with ``problems`` and put the focus on it."""
        # Every section first: the summary names each question as its row shows it, and a
        # row built while the summary is filled would refresh the summary within itself.
        self._build_all()
        self.summary.set_problems(problems, self.describe_problem)
        self.summary.show()
        if problems:
            self.summary.list.setCurrentRow(0)
            self.summary.list.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- state shown in the header -------------------------------------------------------------
    def set_status(self, status: str) -> None:
        """"draft", "complete" or "reviewed" (shown next to the version)."""
        self._status = status
        self._update_meta()

    def status(self) -> str:
        return self._status

    def _update_meta(self, saved: str = "") -> None:
        label = STATUS_LABELS.get(self._status, self._status.capitalize())
        parts = [f"Version {self.form.version}", label]
        if saved:
            parts.append(saved)
        self.meta_label.setText(" \u00b7 ".join(parts))

    def set_save_state(self, text: str, *, error: bool = False) -> None:
        """Show how saving went: "Saved 14:05" in the header, or an error message."""
        if error:
            self.save_message.show_error(text)
        else:
            self.save_message.clear_message()
            self._update_meta(text)

    def is_read_only(self) -> bool:
        return self._read_only

    def set_read_only(self, read_only: bool) -> None:
        """Show the answers without allowing changes (a completed form)."""
        self._read_only = read_only
        for row in self._built_rows():
            if row.editor is not None:
                row.editor.set_read_only(read_only or row.field.read_only)
                row.update_clear_button()
        for repeat in self._repeats.values():
            repeat.set_read_only(read_only)
        self.save_button.setVisible(not read_only)
        self.complete_button.setVisible(not read_only)
        self._save_shortcut.setEnabled(not read_only)
        self._complete_shortcut.setEnabled(not read_only)
        if read_only:
            self.summary.hide()
        self._update_meta()
        self._update_progress(self._problems)


class CompleteQuestion(QMessageBox):
    """"Complete this form?": Complete, or Keep editing (the default, so a stray Enter completes
    nothing); Ctrl+Enter, the keys that asked, answers Complete."""

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(QMessageBox.Icon.Question, "Complete the form?",
                         f"Complete \u201c{title}\u201d? A completed form can no longer be "
                         "edited here; a later change is an amendment with a reason, and the "
                         "completed version stays readable.",
                         QMessageBox.StandardButton.NoButton, parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.complete_button = self.addButton("&Complete", QMessageBox.ButtonRole.AcceptRole)
        self.keep_button = self.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        self.complete_button.setToolTip("Complete the form (Ctrl+Enter)")
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Enter (either Enter key) completes; everything else as a message box does."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
                event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
                == Qt.KeyboardModifier.ControlModifier):
            if not event.isAutoRepeat():
                self.complete_button.click()
            return
        super().keyPressEvent(event)
