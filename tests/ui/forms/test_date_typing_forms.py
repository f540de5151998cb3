"""Date and date-time questions of a form take the laptop's short form too, tidied to ISO
when the entry is finished (they took only ISO, and "/" could not even be typed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.forms import FormView

FORM = FormDefinition.from_dict({
    "format": "btam-form/1", "id": "dates", "version": 1, "title": "Dates",
    "sections": [{"id": "main", "title": "Main", "fields": [
        {"id": "born", "type": "date", "label": "Date of birth"},
        {"id": "seen", "type": "datetime", "label": "Seen at"},
    ]}],
})


@pytest.fixture
def british() -> Iterator[None]:
    before = QLocale()
    QLocale.setDefault(QLocale("en_GB"))
    yield
    QLocale.setDefault(before)


def test_short_local_dates_are_tidied_to_iso(show: Any, qtbot: QtBot, british: None) -> None:
    view = show(FormView(FORM, {}))
    for path, typed in (("born", "17/05/1980"), ("seen", "04/03/2024 14:05")):
        editor = view.editor(path)
        assert editor is not None
        target = editor.focus_target()
        target.setFocus()
        qtbot.keyClicks(target, typed)
        qtbot.keyClick(target, Qt.Key.Key_Return)
    assert view.answers() == {"born": "1980-05-17", "seen": "2024-03-04T14:05"}
