"""Lock the vault when the operating system locks the screen or the laptop goes to sleep.

An officer who closes the lid or presses the system's own lock key (Win+L, Super+L) expects
the vault to be locked too, not merely hidden behind the system's lock screen until the idle
delay runs out. :class:`SystemLockWatcher` turns what the system tells us into one signal,
``lock_requested(message)``; the controller locks on it. Every source is optional and none
needs a new dependency:

* Qt: ``QGuiApplication.applicationStateChanged`` to ``ApplicationSuspended`` (the platforms
  that report it).
* Linux and the BSDs, over D-Bus (QtDBus, part of PySide6): logind's ``PrepareForSleep(true)``
  on the system bus and its ``Lock`` signal for this login session, and ``ActiveChanged(true)``
  of the screen savers of the common desktops (freedesktop, GNOME, Cinnamon, MATE, Xfce) on
  the session bus. Without a bus (a container, offscreen tests) there is simply no source.
* Windows: ``WM_WTSSESSION_CHANGE`` with ``WTS_SESSION_LOCK`` (after
  ``WTSRegisterSessionNotification`` for the main window) and ``WM_POWERBROADCAST`` with
  ``PBT_APMSUSPEND``, read by a native event filter with ctypes.

Sleep is caught on the way down where the system says so. Where it does not (or the signal
arrives only after the wake-up), the idle watcher's wall-clock check locks before the first
repaint after waking (see :mod:`btam_desktop.ui.idle`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import (
    SLOT,
    QAbstractNativeEventFilter,
    QByteArray,
    QCoreApplication,
    QObject,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtDBus import QDBusConnection

_log = logging.getLogger(__name__)

SCREEN_LOCKED = "Locked because the computer's screen was locked."
SLEEPING = "Locked because the computer went to sleep."
SUSPENDED = "Locked because the application was suspended."

# (D-Bus path, interface) of the screen savers that announce ActiveChanged(bool).
SCREEN_SAVERS = (
    ("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("/ScreenSaver", "org.freedesktop.ScreenSaver"),  # KDE sends it from here as well
    ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
    ("/org/cinnamon/ScreenSaver", "org.cinnamon.ScreenSaver"),
    ("/org/mate/ScreenSaver", "org.mate.ScreenSaver"),
    ("/org/xfce/ScreenSaver", "org.xfce.ScreenSaver"),
)
LOGIN1 = "org.freedesktop.login1"
LOGIN1_PATH = "/org/freedesktop/login1"

# Windows messages (winuser.h, wtsapi32.h).
WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WM_POWERBROADCAST = 0x0218
PBT_APMSUSPEND = 0x4
NOTIFY_FOR_THIS_SESSION = 0


def bus_label(text: str) -> str:
    """systemd's escaping of a name into one element of a D-Bus object path
    (``bus_label_escape``): anything but ASCII letters, and a leading digit, become ``_xx``."""
    if not text:
        return "_"
    out = []
    for index, char in enumerate(text):
        if char.isascii() and (char.isalpha() or (char.isdigit() and index > 0)):
            out.append(char)
        else:
            out.extend(f"_{byte:02x}" for byte in char.encode())
    return "".join(out)


def login_session_path(environ: dict[str, str] | None = None) -> str:
    """logind's object path of this login session ("" when XDG_SESSION_ID is not set)."""
    session_id = (os.environ if environ is None else environ).get("XDG_SESSION_ID", "")
    return f"{LOGIN1_PATH}/session/{bus_label(session_id)}" if session_id else ""


def _slot(signature: str) -> bytes:
    """Qt's SLOT() of a slot's signature (QtDBus connects by name). PySide6 wants the str
    that SLOT() returns, although its type stubs say bytes."""
    return cast(bytes, SLOT(signature))


def windows_message_reason(message: int, wparam: int) -> str | None:
    """The lock message for a Windows window message, or None when it is not a reason."""
    if message == WM_WTSSESSION_CHANGE and wparam == WTS_SESSION_LOCK:
        return SCREEN_LOCKED
    if message == WM_POWERBROADCAST and wparam == PBT_APMSUSPEND:
        return SLEEPING
    return None


class _Msg(ctypes.Structure):
    """The head of Windows' MSG structure (hwnd, message, wParam, lParam): all we read."""

    _fields_ = (
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
    )


class _WindowsMessages(QAbstractNativeEventFilter):
    """Reads the window messages Qt receives on Windows; never consumes one."""

    def __init__(self, watcher: SystemLockWatcher) -> None:
        super().__init__()
        self._watcher = watcher

    def nativeEventFilter(self, eventType: QByteArray | bytes | bytearray | memoryview,
                          message: int) -> object:
        """Announce a screen lock or a suspend; let Qt handle the message as usual."""
        kind = eventType.data() if isinstance(eventType, QByteArray) else bytes(eventType)
        if kind == b"windows_generic_MSG" and message:
            msg = _Msg.from_address(int(message))
            reason = windows_message_reason(int(msg.message), int(msg.wParam or 0))
            if reason is not None:
                self._watcher.announce(reason)
        return False, 0


class SystemLockWatcher(QObject):
    """``lock_requested(message)`` when the system locks the screen or goes to sleep.

    :meth:`start` connects every source the platform has (once; later calls do nothing).
    The buses can be given for tests (a private ``dbus-daemon``); by default the session and
    system buses are used when they exist.
    """

    lock_requested = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        session_bus: QDBusConnection | None = None,
        system_bus: QDBusConnection | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_bus = session_bus
        self._system_bus = system_bus
        self._started = False
        self._sources: list[str] = []
        self._native: _WindowsMessages | None = None
        self._registered: set[int] = set()

    def sources(self) -> list[str]:
        """What is being watched, for the log and for tests."""
        return list(self._sources)

    def start(self) -> None:
        """Connect to whatever the platform offers (safe to call again)."""
        if self._started:
            return
        self._started = True
        app = QCoreApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._on_state)
            self._sources.append("application state")
        if sys.platform == "win32":
            self._start_windows(app)
        elif sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
            self._start_dbus()
        _log.info("locking with the system on: %s", ", ".join(self._sources) or "nothing")

    # -- sources --------------------------------------------------------------------------------
    def _start_dbus(self) -> None:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # a PySide6 build without QtDBus
            return
        session = self._session_bus or QDBusConnection.sessionBus()
        system = self._system_bus or QDBusConnection.systemBus()
        if session.isConnected():
            for path, interface in SCREEN_SAVERS:
                if session.connect("", path, interface, "ActiveChanged", self,
                                   _slot("_screen_saver_active(bool)")):
                    self._sources.append(f"{interface} at {path}")
        if system.isConnected():
            if system.connect(LOGIN1, LOGIN1_PATH, f"{LOGIN1}.Manager", "PrepareForSleep",
                              self, _slot("_prepare_for_sleep(bool)")):
                self._sources.append("logind PrepareForSleep")
            # Without the session's own path, any session's Lock locks us too: more locking
            # than needed is the safe side.
            path = login_session_path()
            if system.connect(LOGIN1, path, f"{LOGIN1}.Session", "Lock", self,
                              _slot("_session_locked()")):
                self._sources.append(f"logind Lock at {path or 'any session'}")

    def _start_windows(self, app: QCoreApplication | None) -> None:
        if app is None:
            return
        self._native = _WindowsMessages(self)
        app.installNativeEventFilter(self._native)
        self._sources.append("Windows power and session messages")

    def watch_window(self, window: QWidget) -> None:
        """Windows: ask for session (lock) messages to ``window``; elsewhere nothing."""
        if sys.platform != "win32" or self._native is None:
            return
        hwnd = int(window.winId())
        with contextlib.suppress(OSError, AttributeError):
            if ctypes.windll.wtsapi32.WTSRegisterSessionNotification(
                    ctypes.c_void_p(hwnd), NOTIFY_FOR_THIS_SESSION):
                self._registered.add(hwnd)
                return
        _log.warning("session lock notifications are not available")

    def unwatch_window(self, window: QWidget) -> None:
        """Undo :meth:`watch_window` (before the window is destroyed)."""
        if sys.platform != "win32":
            return
        hwnd = int(window.winId())
        if hwnd in self._registered:
            self._registered.discard(hwnd)
            with contextlib.suppress(OSError, AttributeError):
                ctypes.windll.wtsapi32.WTSUnRegisterSessionNotification(ctypes.c_void_p(hwnd))

    # -- reactions ------------------------------------------------------------------------------
    def announce(self, message: str) -> None:
        """Ask for the lock (also what the sources call)."""
        _log.info("the system asks for a lock: %s", message)
        self.lock_requested.emit(message)

    def _on_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended:
            self.announce(SUSPENDED)

    @Slot(bool)
    def _screen_saver_active(self, active: bool) -> None:
        if active:
            self.announce(SCREEN_LOCKED)

    @Slot(bool)
    def _prepare_for_sleep(self, sleeping: bool) -> None:
        if sleeping:
            self.announce(SLEEPING)

    @Slot()
    def _session_locked(self) -> None:
        self.announce(SCREEN_LOCKED)
