"""A repeat inside a repeat in the form view (issue 11): each item has its own list with Add
and Remove, answers nest as the engine expects, problems show under the inner question,
and renumbering an outer item renames the inner paths."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms.repeat import RepeatEditor
from tests.core.forms.test_forms_nested_repeats import NESTED

ANSWERS: dict[str, Any] = {"address": "1 Main St", "people": [
    {"name": "Ana", "has_contacts": "yes", "contacts": [{"contact_name": "Bo"}]},
    {"name": "Dee", "has_contacts": "yes", "contacts": [{"contact_name": "Eve"}]},
]}


def _inner(view: FormView, outer: int) -> RepeatEditor:
    row = view.row(f"people[{outer}].contacts")
    assert row is not None and isinstance(row.editor, RepeatEditor)
    return row.editor


def test_inner_lists_show_add_and_nest_their_answers(show: Any, qtbot: QtBot) -> None:
    view = show(FormView(FormDefinition.from_dict(NESTED), ANSWERS))
    bo = view.row("people[0].contacts[0].contact_name")
    assert bo is not None and bo.editor is not None and bo.editor.value() == "Bo"
    computed = view.row("people[0].contacts[0].label_for")
    assert computed is not None
    qtbot.waitUntil(lambda: "Ana/Bo" in computed.editor.focus_target().text())  # type: ignore
    inner = _inner(view, 0)
    with qtbot.waitSignal(view.answersChanged, timeout=3000):
        panel = inner.add_item()
    assert panel is not None
    line = view.editor("people[0].contacts[1].contact_name")
    assert line is not None
    target = line.focus_target()
    assert isinstance(target, QLineEdit)
    target.setFocus()
    qtbot.keyClicks(target, "Cy")
    note = view.editor("people[0].contacts[1].contact_note")
    assert note is not None
    note_line = note.focus_target()
    assert isinstance(note_line, QLineEdit)
    note_line.setFocus()
    qtbot.keyClicks(note_line, "a note far too long")
    qtbot.keyClick(note_line, Qt.Key.Key_Tab)
    note_row = view.row("people[0].contacts[1].contact_note")
    assert note_row is not None
    qtbot.waitUntil(lambda: "note about Ana" in note_row.message_text(), timeout=3000)
    answers = view.answers()
    assert answers["people"][0]["contacts"] == [
        {"contact_name": "Bo"}, {"contact_name": "Cy", "contact_note": "a note far too long"}]
    assert answers["people"][1]["contacts"] == [{"contact_name": "Eve"}]


def test_removing_an_outer_item_renames_the_inner_paths(show: Any, qtbot: QtBot) -> None:
    view = show(FormView(FormDefinition.from_dict(NESTED), ANSWERS))
    view.repeat("people").remove_item(0)
    eve = view.row("people[0].contacts[0].contact_name")
    assert eve is not None and eve.editor is not None and eve.editor.value() == "Eve"
    assert view.row("people[1].contacts[0].contact_name") is None


def test_an_inner_list_hidden_by_its_condition_and_read_only(show: Any, qtbot: QtBot) -> None:
    answers = {**ANSWERS, "people": [{"name": "Ana", "has_contacts": "no"}]}
    view = show(FormView(FormDefinition.from_dict(NESTED), answers))
    row = view.row("people[0].contacts")
    assert row is not None
    qtbot.waitUntil(lambda: row.isHidden())
    view.set_read_only(True)
    assert not view.repeat("people").add_button.isVisible()


def test_inner_texts_are_filled_in_from_their_items(show: Any) -> None:
    spec = copy.deepcopy(NESTED)
    inner = spec["sections"][0]["fields"][1]["fields"][3]["fields"]  # type: ignore[index]
    inner[1]["label"] = "Note about ${contact_name} for ${name}"
    view = show(FormView(FormDefinition.from_dict(spec), ANSWERS))
    label = view.row("people[1].contacts")
    assert label is not None
    assert any("Contacts of Dee" in text for text in _label_texts(label))
    note = view.row("people[1].contacts[0].contact_note")
    assert note is not None
    assert any("Note about Eve for Dee" in text for text in _label_texts(note))


def _label_texts(widget: Any) -> list[str]:
    from PySide6.QtWidgets import QLabel

    return [w.text() for w in widget.findChildren(QLabel)]


def test_the_completion_summary_names_every_list_on_the_way(show: Any) -> None:
    from btam_desktop.core.forms import AnswerProblem

    view = show(FormView(FormDefinition.from_dict(NESTED), ANSWERS))
    problem = AnswerProblem("contact_name", "people[1].contacts[0].contact_name",
                            "this field is required", "required")
    assert view.describe_problem(problem) == (
        "Household \u203a People \u203a Person 2 \u203a Contacts of Dee \u203a Contact 1 "
        "\u203a Contact name: not answered yet")
