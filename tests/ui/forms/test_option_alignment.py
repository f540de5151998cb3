"""A long option (one whose text wraps) starts its text where a short option's text starts:
in the keyboard walk the wrapping labels sat about 14 pixels further right than the short
ones above and below them, so a list of options looked ragged."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms.choices import WRAP_AFTER
from btam_desktop.ui.theme import ThemeManager, ThemeMode

LONG = ("Collateral contact with a family member, an employer, a friend or another person "
        "around the person of concern")
CHOICES = [{"name": "short", "label": "Phone call"}, {"name": "long", "label": LONG},
           {"name": "other", "label": "Other"}]
FORM = FormDefinition.from_dict({
    "format": "btam-form/1", "id": "options", "version": 1, "title": "Options",
    "sections": [{"id": "main", "title": "Main", "fields": [
        {"id": "one", "type": "choice", "label": "One", "choices": CHOICES},
        {"id": "many", "type": "multi_choice", "label": "Many", "choices": CHOICES},
    ]}],
})


def text_left(image: QImage, band: QRect) -> int:
    """Where the text starts in the rows ``band`` of ``image``: the indicator is the first run
    of columns with ink in them, the text the next one after a gap."""
    background = image.pixelColor(image.width() - 2, band.top() + 1)

    def inked(x: int) -> bool:
        for y in range(band.top(), band.bottom() + 1):
            pixel = image.pixelColor(x, y)
            if abs(pixel.lightness() - background.lightness()) > 60:
                return True
        return False

    columns = [inked(x) for x in range(image.width())]
    first = columns.index(True)
    gap = columns.index(False, first)
    return columns.index(True, gap)



@pytest.mark.parametrize("mode", [ThemeMode.LIGHT, ThemeMode.DARK])
@pytest.mark.parametrize("field_id", ["one", "many"])
def test_long_and_short_options_start_their_text_in_line(
        qtbot: QtBot, qapp: QApplication, restore_style: None, field_id: str,
        mode: ThemeMode) -> None:
    assert len(LONG) > WRAP_AFTER
    manager = ThemeManager(qapp, mode)
    manager.apply()
    view = FormView(FORM, {})
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    editor = view.editor(field_id)
    assert editor is not None
    widgets = editor.option_widgets  # type: ignore[attr-defined]
    image = editor.grab().toImage()
    assert image.devicePixelRatio() == 1
    lefts = {}
    for name in ("short", "long", "other"):
        widget = widgets[name][1]
        top = widget.mapTo(editor, QPoint(0, 0)).y()
        # A wrapped option: its first line (the second starts where the first does).
        height = widget.height() if widget is widgets[name][0] else \
            widgets[name][0].height()
        lefts[name] = text_left(image, QRect(0, top, image.width(), height))
    assert widgets["long"][0] is not widgets["long"][1]  # the long one wraps
    assert abs(lefts["long"] - lefts["short"]) <= 1, lefts
    assert abs(lefts["short"] - lefts["other"]) <= 1, lefts  # the letters' own side bearings
    manager.deleteLater()
