"""The language switch in the form view (issue 11): a form with two or more languages shows a
"Form language" combo in its header; switching it shows every text (labels, choice labels,
section titles, repeat members) in that language and keeps the answers typed before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QRadioButton
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms import view as view_module


def _two_languages(form_id: str = "bilingual") -> FormDefinition:
    return FormDefinition.from_dict({
        "format": "btam-form/1", "id": form_id, "version": 1, "title": "Intake",
        "languages": ["English", "Español"], "default_language": "English",
        "sections": [{
            "id": "main", "title": "Subject",
            "translations": {"Español": {"title": "Sujeto"}},
            "fields": [
                {"id": "name", "type": "text", "label": "Name",
                 "translations": {"Español": {"label": "Nombre"}}},
                {"id": "mood", "type": "choice", "label": "Mood",
                 "translations": {"Español": {"label": "Ánimo"}},
                 "choices": [
                     {"name": "calm", "label": "Calm", "translations": {"Español": "Tranquilo"}},
                     {"name": "upset", "label": "Upset",
                      "translations": {"Español": "Alterado"}},
                 ]},
                {"id": "contacts", "type": "repeat", "label": "Contacts",
                 "translations": {"Español": {"label": "Contactos"}},
                 "fields": [
                     {"id": "who", "type": "text", "label": "Who",
                      "translations": {"Español": {"label": "Quién"}}},
                 ]},
            ],
        }],
    })


def _one_language() -> FormDefinition:
    return FormDefinition.from_dict({
        "format": "btam-form/1", "id": "plain", "version": 1, "title": "Plain",
        "sections": [{"id": "main", "title": "Main",
                      "fields": [{"id": "name", "type": "text", "label": "Name"}]}],
    })


@pytest.fixture(autouse=True)
def _forget_languages() -> Iterator[None]:
    remembered: dict[str, str] = getattr(view_module, "remembered_languages", {})
    remembered.clear()
    yield
    remembered.clear()


def _combo(view: FormView) -> QComboBox | None:
    return view.findChild(QComboBox, "formLanguage")


def _radio_texts(view: FormView) -> set[str]:
    return {b.text() for b in view.findChildren(QRadioButton)}


def test_switching_the_language_changes_the_texts_and_keeps_the_answers(
    show: Any, qtbot: QtBot
) -> None:
    view = show(FormView(_two_languages(), {"contacts": [{"who": "Ana"}]}))
    combo = _combo(view)
    assert combo is not None and combo.isVisibleTo(view)
    assert combo.accessibleName() == "Form language"
    assert combo.currentText() == "English"
    # Keyboard: a label with a unique mnemonic leads to the combo.
    label = next(lbl for lbl in view.findChildren(QLabel) if lbl.buddy() is combo)
    key = label.text()[label.text().index("&") + 1].upper()
    mnemonics = [w.text() for w in view.findChildren(QLabel) + view.findChildren(QAbstractButton)
                 if "&" in w.text().replace("&&", "")]
    assert [m for m in mnemonics if f"&{key}" in m.upper()] == [label.text()]
    qtbot.keyClick(view, getattr(Qt.Key, f"Key_{key}"), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(combo.hasFocus)
    assert view.row("name").label_text == "Name"
    assert "Calm" in _radio_texts(view)

    editor = view.editor("name")
    assert editor is not None
    name_input = editor.findChild(QLineEdit)
    assert name_input is not None
    name_input.setFocus()
    qtbot.keyClicks(name_input, "Evan")
    qtbot.waitUntil(lambda: view.answers().get("name") == "Evan")

    combo.setCurrentIndex(combo.findText("Español"))
    qtbot.waitUntil(lambda: view.row("name").label_text == "Nombre")
    assert view.shown_form.section("main").title == "Sujeto"
    assert view.row("mood").label_text == "Ánimo"
    assert {"Tranquilo", "Alterado"} <= _radio_texts(view)
    assert "Calm" not in _radio_texts(view)
    assert view.section_box("main").title.text() == "Sujeto"
    nav = view.sections_list.item(0)
    assert nav.data(Qt.ItemDataRole.ToolTipRole) == "Sujeto"
    assert view.row("contacts").label_text == "Contactos"
    member = view.row("contacts[0].who")
    assert member is not None and member.label_text == "Quién"
    assert view.answers() == {"name": "Evan", "contacts": [{"who": "Ana"}]}

    # A new repeat item comes in the chosen language too.
    view.repeat("contacts").add_item(focus=False)
    added = view.row("contacts[1].who")
    assert added is not None and added.label_text == "Quién"

    # And back.
    view.set_language("English")
    assert view.row("name").label_text == "Name"
    assert view.section_box("main").title.text() == "Subject"
    assert "Calm" in _radio_texts(view)
    assert combo.currentText() == "English"


def test_the_chosen_language_is_remembered_per_form_for_the_session(show: Any) -> None:
    first = show(FormView(_two_languages(), {}))
    combo = _combo(first)
    assert combo is not None
    combo.setCurrentIndex(combo.findText("Español"))
    again = show(FormView(_two_languages(), {}))
    again_combo = _combo(again)
    assert again_combo is not None and again_combo.currentText() == "Español"
    assert again.row("name").label_text == "Nombre"
    other = show(FormView(_two_languages("another"), {}))
    other_combo = _combo(other)
    assert other_combo is not None and other_combo.currentText() == "English"


def test_a_one_language_form_shows_no_language_combo(show: Any) -> None:
    view = show(FormView(_one_language(), {}))
    combo = _combo(view)
    assert combo is None or not combo.isVisibleTo(view)
