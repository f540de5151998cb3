"""The lock screen says what is held for the member who unlocks: the form drafts saved and,
now, the dialogs whose typed text is held in memory (they said nothing before, so an officer
could think a half-written note was lost, or not know that closing the app loses it). Only
the kind of thing is named (the dialog's title): the lock screen is what anyone walking up
to the laptop sees, so never the typed text, the case title or a person's name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.timeline_tab import TimelineTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.helpers import unlock_window

NOTE = "Mother says he sold the air rifle last week"


def test_the_lock_screen_names_held_dialog_text_without_its_content(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    timeline.add_actions["note"].trigger()
    dialog = app.main.findChild(EntryDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClicks(dialog.summary, NOTE)
    title = dialog.windowTitle()
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        qtbot.keyClick(dialog.summary, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    shown = unlock_window(app.controller).drafts
    assert shown.isVisibleTo(shown.window())
    text = shown.text()
    assert f"\u201c{title}\u201d" in text
    assert "held until you unlock" in text and "lost if the app is closed" in text
    for secret in (NOTE, "air rifle", "Northgate", "Okafor"):
        assert secret not in text
