"""A ``range`` with decimal steps in the form view (issue 11): a value between steps is
pointed out under the question as it is typed, and goes away on a value on a step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import load_xlsform
from btam_desktop.ui.forms import FormView
from tests.core.forms.xlsform_corpus import field_form


def test_a_value_off_the_step_is_pointed_out_inline(tmp_path: Path, show: Any,
                                                    qtbot: QtBot) -> None:
    form = load_xlsform(field_form(tmp_path / "field.xlsx"))  # confidence: 0..1 step 0.25
    view = show(FormView(form, {}))
    row = view.row("confidence")
    assert row is not None and row.editor is not None
    line = row.editor.focus_target()
    assert isinstance(line, QLineEdit)
    line.setFocus()
    qtbot.keyClicks(line, "0.3")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: "in steps of 0.25" in row.message_text())
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "0.75")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: row.message_text() == "")
    assert view.answers()["confidence"] == 0.75
