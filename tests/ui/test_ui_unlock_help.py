"""Help while typing the passphrase: show it, a Caps Lock warning, attempts left."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.ui.controller import AppController
from btam_desktop.ui.unlock import CAPS_LOCK_WARNING
from tests.ui.helpers import type_and_submit, unlock_window

Make = Callable[..., AppController]
SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_show_passphrase_toggle_switches_the_echo_mode(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    window = unlock_window(make_controller(existing_vault))
    toggle = window.show_passphrase
    assert toggle.accessibleName() == "Show passphrase"
    assert toggle.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert window.passphrase.echoMode() == QLineEdit.EchoMode.Password
    # Keyboard reachable: Tab from the passphrase field, then Space.
    qtbot.waitUntil(window.passphrase.hasFocus, timeout=5000)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Tab)
    qtbot.waitUntil(toggle.hasFocus, timeout=5000)
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    qtbot.waitUntil(toggle.isChecked, timeout=5000)
    assert window.passphrase.echoMode() == QLineEdit.EchoMode.Normal
    toggle.setChecked(False)
    assert window.passphrase.echoMode() == QLineEdit.EchoMode.Password


def test_caps_lock_warning_is_guessed_from_typed_letters(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    window = unlock_window(make_controller(existing_vault))
    warning = window.caps_warning
    assert warning.text() == CAPS_LOCK_WARNING == "\u26a0 Caps Lock may be on"
    assert not warning.isVisible()
    qtbot.keyClick(window.passphrase, "a")  # lower case, no Shift: nothing to say
    assert not warning.isVisible()
    qtbot.keyClick(window.passphrase, "A", SHIFT)  # upper case with Shift: fine
    assert not warning.isVisible()
    qtbot.keyClick(window.passphrase, "A")  # upper case without Shift
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    qtbot.keyClick(window.passphrase, "1")  # not a letter: tells nothing
    assert warning.isVisible()
    qtbot.keyClick(window.passphrase, "b")  # lower case without Shift: Caps Lock is off
    qtbot.waitUntil(lambda: not warning.isVisible(), timeout=5000)
    qtbot.keyClick(window.passphrase, "b", SHIFT)  # lower case with Shift
    qtbot.waitUntil(warning.isVisible, timeout=5000)


def test_a_wrong_passphrase_on_a_vault_says_attempts_left(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    window = unlock_window(make_controller(existing_vault))
    for _ in range(3):
        type_and_submit(qtbot, window, "Not-The-Passphrase-1")
    text = window.message.text()
    assert text == "Wrong passphrase. 2 attempts left before a 10-minute lock."
    assert "not a BTAM vault" not in text
