"""Steps the UI tests share: typing into the unlock window, finding the deleted main window."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from btam_desktop.ui.controller import AppController
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.unlock import UnlockWindow


def unlock_window(controller: AppController) -> UnlockWindow:
    """The controller's unlock window, which must be showing."""
    window = controller.unlock_window
    assert window is not None
    assert window.isVisible()
    return window


def main_window(controller: AppController) -> MainWindow:
    """The controller's main window, which must be showing."""
    window = controller.main_window
    assert window is not None
    assert window.isVisible()
    return window


def type_and_submit(qtbot: QtBot, window: UnlockWindow, passphrase: str) -> None:
    """Type a passphrase and press Enter, as an officer would."""
    qtbot.keyClicks(window.passphrase, passphrase)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)


def unlock(qtbot: QtBot, controller: AppController, passphrase: str) -> MainWindow:
    """Unlock through the window and return the main window."""
    window = unlock_window(controller)
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        type_and_submit(qtbot, window, passphrase)
    main = main_window(controller)
    # Window shortcuts (Ctrl+L) only work in the active window; activation is asynchronous.
    qtbot.waitUntil(main.isActiveWindow, timeout=5000)
    return main


def process_deletions() -> None:
    """Run pending deleteLater() calls now."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def is_deleted(widget: QWidget) -> bool:
    """True once the C++ widget is gone (not merely hidden)."""
    process_deletions()
    return not isValid(widget)
