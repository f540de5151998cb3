"""The read-only form shows which section is on screen (issue 9, smaller things): scrolling
a completed form with the mouse or the scroll bar moves the section list's mark, and the
mark keeps the highlight colours when the list does not have the focus."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.forms import FormView
from btam_desktop.ui.forms.nav import SECTION_ROLE
from btam_desktop.ui.forms.style import FORM_STYLE


def _current(view: FormView) -> str:
    item = view.sections_list.currentItem()
    return str(item.data(SECTION_ROLE)) if item is not None else ""


def test_scrolling_a_read_only_form_marks_the_section_on_screen(
        threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    view = show(FormView(threat, {}), 1280, 700)
    view.set_read_only(True)
    sections = [s.id for s in threat.sections]
    bar = view.scroll_area.verticalScrollBar()
    target = sections[len(sections) // 2]
    bar.setValue(view.section_box(target).pos().y())
    qtbot.waitUntil(lambda: _current(view) == target, timeout=3000)
    bar.setValue(0)
    qtbot.waitUntil(lambda: _current(view) == sections[0], timeout=3000)
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: _current(view) not in (sections[0], target), timeout=3000)


def test_the_current_section_keeps_its_highlight_without_focus() -> None:
    assert "QListWidget#formSections::item:selected:!active" in FORM_STYLE
    assert "QListWidget#formSections::item:selected:disabled" in FORM_STYLE
