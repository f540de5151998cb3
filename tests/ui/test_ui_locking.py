"""What locks the vault besides the Lock button: Ctrl+L from any window (dialogs included),
the operating system locking its screen or going to sleep, and the idle deadline found passed
after a wake-up (before anything is painted). And who comes back where after a lock."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtDBus import QDBusConnection, QDBusMessage
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui import system_lock
from btam_desktop.ui.controller import LOCKED_BY_HAND, AppController, idle_message
from btam_desktop.ui.idle import IdleWatcher
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.pages.cases import CasesPage
from btam_desktop.ui.system_lock import (
    SCREEN_LOCKED,
    SLEEPING,
    SUSPENDED,
    SystemLockWatcher,
    bus_label,
    login_session_path,
    windows_message_reason,
)
from tests.ui.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS
from tests.ui.helpers import is_deleted, main_window, process_deletions, unlock, unlock_window

Make = Callable[..., AppController]


class Clock:
    """A wall clock the test moves forward (a laptop asleep for an hour)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class PaintCounter(QObject):
    """Counts paint events of one window and everything in it."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self.window = window
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Paint and isinstance(watched, QWidget)
                and (watched is self.window or self.window.isAncestorOf(watched))):
            self.paints += 1
        return False


@pytest.fixture
def controller_with_clock(qtbot: QtBot, existing_vault: Path) -> Iterator[tuple[AppController,
                                                                              Clock]]:
    """A started controller whose idle watcher reads a clock the test controls."""
    clock = Clock()
    controller = AppController(existing_vault, idle_ms=60_000, clock=clock)
    controller.start()
    yield controller, clock
    controller.shutdown()
    controller.deleteLater()
    process_deletions()


def _dialog(parent: QWidget, modality: Qt.WindowModality) -> tuple[QDialog, QLineEdit]:
    dialog = QDialog(parent)
    dialog.setWindowTitle("A case dialog")
    dialog.setWindowModality(modality)
    field = QLineEdit()
    QVBoxLayout(dialog).addWidget(field)
    dialog.show()
    field.setFocus()
    return dialog, field


def _with_two_cases(path: Path) -> list[str]:
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS, member=LEAD)
    ids = [session.store.create_case("Threatening posts about the high school").id,
           session.store.create_case("Letters to the mayor's office").id]
    session.lock()
    return ids


# -- Ctrl+L from anywhere --------------------------------------------------------------------
@pytest.mark.parametrize("modality", [Qt.WindowModality.WindowModal,
                                      Qt.WindowModality.ApplicationModal])
def test_ctrl_l_in_a_modal_dialog_locks_and_the_dialog_is_gone(
    qtbot: QtBot, make_controller: Make, existing_vault: Path, modality: Qt.WindowModality
) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    dialog, field = _dialog(main, modality)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    locks: list[None] = []
    controller.locked.connect(lambda: locks.append(None))
    with qtbot.waitSignal(controller.locked, timeout=5000):
        qtbot.keyClick(field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible()  # hidden at once, not one event-loop turn later
    assert field.text() == ""  # the key went nowhere else
    assert controller.session is None
    assert is_deleted(dialog)
    assert is_deleted(main)
    assert locks == [None]
    assert unlock_window(controller).message.text() == LOCKED_BY_HAND


def test_ctrl_l_in_a_message_box_locks(qtbot: QtBot, make_controller: Make,
                                       existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    box = QMessageBox(QMessageBox.Icon.Warning, "BTAM Desktop", "Discard the draft?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, main)
    box.open()
    qtbot.waitUntil(box.isActiveWindow, timeout=5000)
    with qtbot.waitSignal(controller.locked, timeout=5000):
        qtbot.keyClick(box, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not box.isVisible()
    assert is_deleted(box)


def test_ctrl_l_is_an_ordinary_key_while_locked(qtbot: QtBot, make_controller: Make,
                                                existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    unlock(qtbot, controller, LEAD_PASS)
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.lock()
    window = unlock_window(controller)
    qtbot.keyClicks(window.passphrase, "abc")
    qtbot.keyClick(window.passphrase, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.passphrase.text() == "abc"  # nothing happened, nothing was lost
    assert controller.unlock_window is window
    # And it still locks from the main window after the next unlock.
    window.passphrase.clear()
    main = unlock(qtbot, controller, LEAD_PASS)
    with qtbot.waitSignal(controller.locked, timeout=5000):
        qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


# -- the operating system ----------------------------------------------------------------------
def test_the_screen_locking_locks_the_vault(qtbot: QtBot, make_controller: Make,
                                            existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    dialog, _field = _dialog(main, Qt.WindowModality.WindowModal)
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.system_lock.announce(SCREEN_LOCKED)
    assert is_deleted(dialog)
    assert unlock_window(controller).message.text() == SCREEN_LOCKED
    # While locked, a second announcement changes nothing.
    window = unlock_window(controller)
    controller.system_lock.announce(SLEEPING)
    assert controller.unlock_window is window


def test_the_application_being_suspended_locks(qtbot: QtBot, qapp: QApplication,
                                               make_controller: Make,
                                               existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    unlock(qtbot, controller, LEAD_PASS)
    assert "application state" in controller.system_lock.sources()
    qapp.applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)
    assert controller.session is not None  # another window in front is no reason
    with qtbot.waitSignal(controller.locked, timeout=5000):
        qapp.applicationStateChanged.emit(Qt.ApplicationState.ApplicationSuspended)
    assert unlock_window(controller).message.text() == SUSPENDED


@pytest.fixture
def private_bus() -> Iterator[QDBusConnection]:
    """A D-Bus daemon of our own, playing the desktop's session bus and logind's system bus."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        if os.environ.get("CI"):
            pytest.fail("dbus-daemon is not installed; CI must install it (.ci/run: Debian's"
                        " dbus-daemon)")
        pytest.skip("dbus-daemon is not installed")
    process = subprocess.Popen([daemon, "--session", "--nofork", "--print-address=1"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        bus = QDBusConnection.connectToBus(address, "btam-test-bus")
        sender = QDBusConnection.connectToBus(address, "btam-test-sender")
        assert bus.isConnected() and sender.isConnected()
        yield sender
    finally:
        QDBusConnection.disconnectFromBus("btam-test-bus")
        QDBusConnection.disconnectFromBus("btam-test-sender")
        process.terminate()
        process.wait(10)


def _send(bus: QDBusConnection, path: str, interface: str, name: str,
          *arguments: object) -> None:
    message = QDBusMessage.createSignal(path, interface, name)
    message.setArguments(list(arguments))
    assert bus.send(message)


def test_screen_saver_and_logind_signals_over_dbus(
    qtbot: QtBot, private_bus: QDBusConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_SESSION_ID", "3")
    bus = QDBusConnection("btam-test-bus")
    watcher = SystemLockWatcher(session_bus=bus, system_bus=bus)
    try:
        watcher.start()
        sources = watcher.sources()
        assert "org.gnome.ScreenSaver at /org/gnome/ScreenSaver" in sources
        assert "logind PrepareForSleep" in sources
        assert "logind Lock at /org/freedesktop/login1/session/_33" in sources
        heard: list[str] = []
        watcher.lock_requested.connect(heard.append)
        # The screen saver going away, or the laptop waking, is no reason to lock.
        _send(private_bus, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver",
              "ActiveChanged", False)
        with qtbot.waitSignal(watcher.lock_requested, timeout=5000) as saver:
            _send(private_bus, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver",
                  "ActiveChanged", True)
        assert saver.args == [SCREEN_LOCKED]
        # logind's signals count only from logind itself.
        assert private_bus.registerService(system_lock.LOGIN1)
        with qtbot.waitSignal(watcher.lock_requested, timeout=5000) as sleep:
            _send(private_bus, system_lock.LOGIN1_PATH, "org.freedesktop.login1.Manager",
                  "PrepareForSleep", True)
        assert sleep.args == [SLEEPING]
        with qtbot.waitSignal(watcher.lock_requested, timeout=5000) as session:
            _send(private_bus, "/org/freedesktop/login1/session/_33",
                  "org.freedesktop.login1.Session", "Lock")
        assert session.args == [SCREEN_LOCKED]
        assert heard == [SCREEN_LOCKED, SLEEPING, SCREEN_LOCKED]
    finally:
        watcher.deleteLater()


def test_dbus_names_and_windows_messages() -> None:
    assert bus_label("3") == "_33"
    assert bus_label("c2") == "c2"
    assert bus_label("a-b") == "a_2db"
    assert login_session_path({"XDG_SESSION_ID": "12"}) == "/org/freedesktop/login1/session/_312"
    assert login_session_path({}) == ""
    assert windows_message_reason(system_lock.WM_WTSSESSION_CHANGE,
                                  system_lock.WTS_SESSION_LOCK) == SCREEN_LOCKED
    assert windows_message_reason(system_lock.WM_WTSSESSION_CHANGE, 0x8) is None  # unlock
    assert windows_message_reason(system_lock.WM_POWERBROADCAST,
                                  system_lock.PBT_APMSUSPEND) == SLEEPING
    assert windows_message_reason(system_lock.WM_POWERBROADCAST, 0x7) is None  # resumed


def test_the_windows_message_filter_reads_a_msg(qtbot: QtBot) -> None:
    watcher = SystemLockWatcher()
    native = system_lock._WindowsMessages(watcher)
    heard: list[str] = []
    watcher.lock_requested.connect(heard.append)
    msg = system_lock._Msg(None, system_lock.WM_POWERBROADCAST, system_lock.PBT_APMSUSPEND, 0)
    address = ctypes.addressof(msg)
    assert native.nativeEventFilter(b"windows_generic_MSG", address) == (False, 0)
    assert native.nativeEventFilter(b"xcb_generic_event_t", address) == (False, 0)
    assert heard == [SLEEPING]
    watcher.deleteLater()


# -- waking up after the deadline ------------------------------------------------------------
def test_after_a_long_sleep_the_first_repaint_locks_before_painting(
    qtbot: QtBot, controller_with_clock: tuple[AppController, Clock]
) -> None:
    controller, clock = controller_with_clock
    main = unlock(qtbot, controller, LEAD_PASS)
    counter = PaintCounter(main)
    QCoreApplication.instance().installEventFilter(counter)  # type: ignore[union-attr]
    try:
        main.update()
        qtbot.waitUntil(lambda: counter.paints > 0, timeout=5000)  # repaints do paint
        counter.paints = 0
        clock.now += 3600  # the lid was closed for an hour; the timer did not count it
        with qtbot.waitSignal(controller.locked, timeout=5000):
            main.update()  # the system asks for a repaint on waking
        assert counter.paints == 0  # the case on screen was never drawn again
        assert not main.isVisible()
        assert unlock_window(controller).message.text() == idle_message(1)
    finally:
        QCoreApplication.instance().removeEventFilter(counter)  # type: ignore[union-attr]


def test_after_a_long_sleep_it_locks_without_any_event(
    qtbot: QtBot, controller_with_clock: tuple[AppController, Clock]
) -> None:
    # Woken to the system's own lock screen: no input, no repaint of ours; the heartbeat.
    controller, clock = controller_with_clock
    unlock(qtbot, controller, LEAD_PASS)
    clock.now += 3600
    with qtbot.waitSignal(controller.locked, timeout=5000):
        pass
    assert "without activity" in unlock_window(controller).message.text()


def test_the_heartbeat_reads_the_wall_clock(qtbot: QtBot) -> None:
    clock = Clock()
    watcher = IdleWatcher(60_000, clock=clock, heartbeat_ms=20)
    watcher.start()
    try:
        qtbot.wait(60)  # a few heartbeats: nothing is due yet
        assert watcher.is_active()
        clock.now += 61
        with qtbot.waitSignal(watcher.timed_out, timeout=2000):
            pass
        assert not watcher.is_active()
    finally:
        watcher.stop()


# -- who comes back where ----------------------------------------------------------------------
def test_a_different_member_unlocking_after_a_lock_starts_fresh(
    qtbot: QtBot, make_controller: Make, two_member_vault: Path
) -> None:
    school, _mayor = _with_two_cases(two_member_vault)
    controller = make_controller(two_member_vault)
    window = unlock_window(controller)
    window.member.setCurrentIndex(window.member.findText(LEAD))
    main = unlock(qtbot, controller, LEAD_PASS)
    main.open_case(school)
    cases = main.page("cases")
    assert isinstance(cases, CasesPage)
    assert cases.current_case_view() is not None
    assert main.current_key() == "cases"
    with qtbot.waitSignal(controller.locked, timeout=5000):
        qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    window = unlock_window(controller)
    window.member.setCurrentIndex(window.member.findText(OFFICER))
    officer_main = unlock(qtbot, controller, OFFICER_PASS)
    assert controller.session is not None and controller.session.actor_name == OFFICER
    assert officer_main.current_key() == "dashboard"
    officer_cases = officer_main.page("cases")
    assert isinstance(officer_cases, CasesPage)
    assert officer_cases.case_views() == []
    place = officer_cases.place()
    assert (place["open"], place["current"], place["list"]["search"]) == ([], "", "")

    # The lead's place is gone for good: the lead too starts afresh after the officer.
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.lock()
    window = unlock_window(controller)
    window.member.setCurrentIndex(window.member.findText(LEAD))
    lead_again = unlock(qtbot, controller, LEAD_PASS)
    assert lead_again.current_key() == "dashboard"


def test_the_same_member_returns_to_the_open_case(
    qtbot: QtBot, make_controller: Make, two_member_vault: Path
) -> None:
    school, _mayor = _with_two_cases(two_member_vault)
    controller = make_controller(two_member_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    main.open_case(school)
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.lock()
    main = unlock(qtbot, controller, LEAD_PASS)
    assert isinstance(main, MainWindow)
    cases = main_window(controller).page("cases")
    assert isinstance(cases, CasesPage)
    assert main.current_key() == "cases"
    view = cases.current_case_view()
    assert view is not None and view.case_id == school
