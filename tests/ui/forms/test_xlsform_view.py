"""The form view on forms imported from XLSForms (issue 11): hidden and metadata fields,
``${field}`` text references, languages, choice filters, appearances, rank, geopoint and
dynamic defaults in new repeat items. Driven through real widgets offscreen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition, load_xlsform
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms.choices import ComboEditor, MultiChoiceEditor, RadioEditor
from btam_desktop.ui.forms.computed import NOT_CALCULATED, ComputedEditor
from btam_desktop.ui.forms.dates import MonthYearEditor, YearEditor
from btam_desktop.ui.forms.inputs import LineEditor, LongTextEditor
from btam_desktop.ui.forms.rank import RankEditor
from tests.core.forms.xlsform_corpus import field_form


@pytest.fixture
def field(tmp_path: Path) -> FormDefinition:
    return load_xlsform(field_form(tmp_path / "field_form.xlsx"))


def _texts(widget: QWidget) -> list[str]:
    shown = [w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget)]
    shown += [w.text() for w in widget.findChildren(QLineEdit) if w.isVisibleTo(widget)]
    shown += [w.text() for w in widget.findChildren(QAbstractButton) if w.isVisibleTo(widget)]
    return shown


def _form(fields: list[dict[str, Any]], **extra: Any) -> FormDefinition:
    return FormDefinition.from_dict({
        "format": "btam-form/1", "id": "xls_view", "version": 1, "title": "XLS view",
        "sections": [{"id": "main", "title": "Main", "fields": fields}], **extra})


# -- 1. hidden fields and computed values ----------------------------------------------------

def test_hidden_and_metadata_fields_are_not_questions(
    field: FormDefinition, show: Any
) -> None:
    stamps = {"started": "2024-03-04T09:00", "device": "laptop-7", "officer": "dreyes"}
    view = show(FormView(field, stamps))
    for hidden in ("started", "ended", "day", "device", "officer", "risk"):
        assert view.row(hidden) is None, hidden
    labels = _texts(view)
    assert not {"Started", "Ended", "Day", "Device", "Officer", "Risk"} & set(labels)
    # Their values still travel with the answers (filled in by the core).
    assert {k: view.answers()[k] for k in stamps} == stamps
    assert view.row("subject_name") is not None


def test_a_shown_computed_value_that_cannot_be_calculated_says_so_plainly(
    show: Any, qtbot: QtBot
) -> None:
    form = _form([
        {"id": "total", "type": "integer", "label": "Total"},
        {"id": "parts", "type": "integer", "label": "Parts"},
        {"id": "share", "type": "decimal", "label": "Share", "calculation":
         "${total} div ${parts}"},
    ])
    view = show(FormView(form, {"total": 10, "parts": 0}))
    editor = view.editor("share")
    assert isinstance(editor, ComputedEditor)
    assert editor.line.isReadOnly()
    assert editor.line.text() == NOT_CALCULATED
    assert "cannot be calculated" in editor.line.toolTip()
    assert not any("ERROR" in t or "inf" in t.lower() or "nan" in t.lower()
                   for t in _texts(view))
    line = view.editor("parts").focus_target()
    assert isinstance(line, QLineEdit)
    line.setFocus()
    qtbot.keyClick(line, Qt.Key.Key_Backspace)
    qtbot.keyClicks(line, "4")
    qtbot.waitUntil(lambda: editor.line.text() == "2.5")
    assert editor.line.toolTip() == ""


# -- 2. ${field} references in shown texts ----------------------------------------------------

REFS = [
    {"id": "subject", "type": "text", "label": "Name"},
    {"id": "age", "type": "integer", "label": "Age of ${subject}",
     "hint": "How old ${subject} is today", "constraint": ". < 120",
     "constraint_message": "${subject} cannot be ${age}"},
    {"id": "where", "type": "choice", "label": "Where does ${subject} study?", "choices": [
        {"name": "home", "label": "At ${subject}'s home"}, {"name": "school", "label": "School"}]},
    {"id": "sum_up", "type": "note", "label": "About ${subject}, ${age}"},
    {"id": "visits", "type": "repeat", "label": "Visits", "item_label": "Visit", "fields": [
        {"id": "place", "type": "text", "label": "Place"},
        {"id": "why", "type": "text", "label": "Why did ${subject} go to ${place}?"}]},
]


def _type_into(qtbot: QtBot, view: FormView, path: str, text: str) -> None:
    editor = view.editor(path)
    assert editor is not None
    line = editor.focus_target()
    line.setFocus()
    qtbot.keyClicks(line, text)


def test_text_references_are_filled_in_live(show: Any, qtbot: QtBot) -> None:
    view = show(FormView(_form(REFS), {"visits": [{}]}))
    age = view.row("age")
    assert age is not None and age.label.text() == "Age of "
    _type_into(qtbot, view, "subject", "Alex")
    qtbot.waitUntil(lambda: age.label.text() == "Age of Alex")
    assert "How old Alex is today" in _texts(age)
    where = view.row("where")
    assert where is not None and where.label.text() == "Where does Alex study?"
    assert "At Alex's home" in _texts(where)
    note = view.row("sum_up")
    assert note is not None
    _type_into(qtbot, view, "age", "130")
    qtbot.keyClick(view.editor("age").focus_target(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: age.message_text() == "Alex cannot be 130")
    assert note.label.text() == "About Alex, 130"
    _type_into(qtbot, view, "visits[0].place", "the yard")
    why = view.row("visits[0].why")
    assert why is not None
    qtbot.waitUntil(lambda: why.label.text() == "Why did Alex go to the yard?")


# -- 4. choice filters, or_other, appearances, rank, geopoint ----------------------------------

def _pick(qtbot: QtBot, combo: QComboBox, label: str) -> None:
    combo.setFocus()
    index = combo.findText(label)
    assert index >= 0, label
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_a_filtered_choice_offers_only_what_fits_and_clears_what_no_longer_does(
    field: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = show(FormView(field, {}))
    district = view.editor("district")
    assert isinstance(district, ComboEditor)  # appearance minimal: a drop-down
    school = view.editor("school")
    assert isinstance(school, RadioEditor)
    _pick(qtbot, district.combo, "North")
    qtbot.waitUntil(lambda: not school.button_for("washington").isVisibleTo(view))
    assert school.button_for("lincoln").isVisibleTo(view)
    school.button_for("lincoln").setFocus()
    qtbot.keyClick(school.button_for("lincoln"), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.answers().get("school") == "lincoln")
    _pick(qtbot, district.combo, "South")
    qtbot.waitUntil(lambda: "school" not in view.answers())
    row = view.row("school")
    assert row is not None
    assert "Lincoln High" in row.notice_text() and "cleared" in row.notice_text()
    assert school.button_for("washington").isVisibleTo(view)
    assert not school.button_for("lincoln").isVisibleTo(view)


def test_other_reveals_a_text_box(field: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(FormView(field, {"weapons": "yes"}))
    kinds = view.editor("kinds")
    assert isinstance(kinds, MultiChoiceEditor)
    other_row = view.row("kinds_other")
    assert other_row is not None and not other_row.isVisibleTo(view)
    box = kinds.box_for("other")
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: other_row.isVisibleTo(view))


def test_appearances_pick_the_input(field: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(FormView(field, {}))
    weapons = view.editor("weapons")
    assert isinstance(weapons, RadioEditor) and isinstance(weapons.layout(), QHBoxLayout)
    assert isinstance(view.editor("notes"), LongTextEditor)
    assert type(view.editor("odd")) is LineEditor  # "spinner" means nothing here: ignored
    seen = view.editor("seen_on")
    assert isinstance(seen, MonthYearEditor)
    line = seen.focus_target()
    assert isinstance(line, QLineEdit)
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "2024-03-17")  # a day cannot be typed into a month
    qtbot.waitUntil(lambda: view.answers().get("seen_on") == "2024-03-01")
    assert line.text() == "2024-03"


def test_year_appearance_takes_a_year(show: Any, qtbot: QtBot) -> None:
    form = _form([{"id": "since", "type": "date", "label": "Since", "appearance": "year"},
                  {"id": "rate", "type": "choice", "label": "Rate", "appearance": "likert",
                   "choices": [{"name": "lo", "label": "Low"}, {"name": "hi", "label": "High"}]}])
    view = show(FormView(form, {"since": "2019-01-01"}))
    since = view.editor("since")
    assert isinstance(since, YearEditor) and since.line.text() == "2019"
    since.line.setFocus()
    since.line.selectAll()
    qtbot.keyClicks(since.line, "2021")
    qtbot.waitUntil(lambda: view.answers().get("since") == "2021-01-01")
    rate = view.editor("rate")
    assert isinstance(rate, RadioEditor) and isinstance(rate.layout(), QHBoxLayout)


def test_rank_is_an_ordered_list_moved_by_buttons_and_keys(
    field: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = show(FormView(field, {}))
    rank = view.editor("priorities")
    assert isinstance(rank, RankEditor)
    assert rank.value() is None  # untouched: unanswered
    assert rank.order() == ["firearm", "knife"]
    rank.list.setFocus()
    rank.list.setCurrentRow(0)
    qtbot.keyClick(rank.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.answers().get("priorities") == ["knife", "firearm"])
    assert rank.list.currentRow() == 1
    rank.list.setCurrentRow(1)
    qtbot.mouseClick(rank.up_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.answers().get("priorities") == ["firearm", "knife"])
    qtbot.keyClick(rank.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.answers().get("priorities") == ["knife", "firearm"])


def test_geopoint_is_typed_with_a_hint_and_checked_inline(
    field: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = show(FormView(field, {}))
    row = view.row("location")
    assert row is not None
    assert any("latitude longitude, e.g. 45.52 -122.68" in t for t in _texts(row))
    line = row.editor.focus_target() if row.editor is not None else None
    assert isinstance(line, QLineEdit)
    line.setFocus()
    qtbot.keyClicks(line, "95.1 -122.68")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: "latitude" in row.message_text().lower())
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "45.52 -122.68")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: row.message_text() == "")
    assert view.answers()["location"] == "45.52 -122.68"


# -- 5. dynamic defaults in new repeat items; computed values in summaries ---------------------

def test_a_new_repeat_item_takes_its_dynamic_defaults_from_the_answers(
    show: Any, qtbot: QtBot
) -> None:
    form = _form([
        {"id": "reporter", "type": "text", "label": "Reporter"},
        {"id": "visits", "type": "repeat", "label": "Visits", "item_label": "Visit", "fields": [
            {"id": "visitor", "type": "text", "label": "Visitor",
             "dynamic_default": "${reporter}"}]},
    ])
    view = show(FormView(form, {"reporter": "Dana Reyes"}))
    qtbot.mouseClick(view.repeat("visits").add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.answers().get("visits") == [{"visitor": "Dana Reyes"}])


def test_the_answers_summary_shows_computed_values() -> None:
    from btam_desktop.ui.case.answers_text import summarise

    form = _form([
        {"id": "count", "type": "integer", "label": "Count"},
        {"id": "double", "type": "integer", "label": "Double", "calculation": "${count} * 2"},
    ])
    assert summarise(form, {"count": 4}) == [("Count", "4"), ("Double", "8")]
