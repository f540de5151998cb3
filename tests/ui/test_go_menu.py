"""The Go menu lists every section of the sidebar, with Ctrl+1 ... Ctrl+9 (issue 9 walk: Audit
and Settings had fallen off the menu and had no shortcut once Referrals and Reports came in)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.controller import AppController
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import unlock


def test_every_section_is_in_the_go_menu_with_its_number(
        qtbot: QtBot, make_controller: Callable[..., AppController],
        existing_vault: Path) -> None:
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    sections = [main.nav.item(i).text() for i in range(main.nav.count())]
    entries = [a for a in main.go_menu.actions() if not a.isSeparator()][1:]  # after Ctrl+B
    assert [a.text().replace("&&", "&") for a in entries] == sections
    assert [a.shortcut().toString() for a in entries] == [
        f"Ctrl+{n}" for n in range(1, len(sections) + 1)]
    qtbot.keyClick(main, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    assert main.current_key() == "settings"
    qtbot.keyClick(main, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert main.current_key() == "audit"
