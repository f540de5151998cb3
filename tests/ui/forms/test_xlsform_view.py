"""The form view on forms imported from XLSForms (issue 11): hidden and metadata fields,
``${field}`` text references, languages, choice filters, appearances, rank, geopoint and
dynamic defaults in new repeat items. Driven through real widgets offscreen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition, load_xlsform
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms.computed import NOT_CALCULATED, ComputedEditor
from tests.core.forms.xlsform_corpus import field_form


@pytest.fixture
def field(tmp_path: Path) -> FormDefinition:
    return load_xlsform(field_form(tmp_path / "field_form.xlsx"))


def _texts(widget: QWidget) -> list[str]:
    shown = [w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget)]
    shown += [w.text() for w in widget.findChildren(QLineEdit) if w.isVisibleTo(widget)]
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
