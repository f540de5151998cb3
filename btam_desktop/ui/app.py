"""Entry point of the ``btam-desktop`` GUI: options, the QApplication, the theme, the flow.

    btam-desktop [--vault PATH] [--theme system|light|dark]

Qt's own options (``-platform offscreen`` ...) are passed through to Qt. Without ``--theme``
the theme chosen in Settings on this laptop is used (else the system's). The hidden option
``--quit-when-ready`` ends the program as soon as the first window has been painted: the
start-up benchmark (``tests/bench/bench_app.py``) times whole processes with it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QSettings,
    QSocketNotifier,
    Qt,
    QTimer,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from btam_desktop import __version__
from btam_desktop.core import hardening, paths
from btam_desktop.ui import errors
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.icons import app_icon
from btam_desktop.ui.theme import ThemeManager, ThemeMode, saved_theme_mode

_log = logging.getLogger(__name__)
APP_NAME = "BTAM Desktop"
# Text smaller than this is hard to read at arm's length in a moving car.
MIN_POINT_SIZE = 11.0


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    """Our options, and whatever is left for Qt."""
    parser = argparse.ArgumentParser(
        prog="btam-desktop",
        description="BTAM Desktop: offline, encrypted case files for threat assessment teams.",
    )
    parser.add_argument(
        "--vault",
        type=Path,
        default=None,
        help="the vault file (default: $BTAM_VAULT, else vault.btam in the user data folder)",
    )
    parser.add_argument(
        "--theme",
        choices=[mode.value for mode in ThemeMode],
        default=ThemeMode.SYSTEM.value,
        help="colour theme (default: as chosen in Settings, else follow the system)",
    )
    parser.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    given = list(sys.argv[1:] if argv is None else argv)
    args, rest = parser.parse_known_args(given)
    # Whether --theme was typed: if not, the choice saved in Settings wins over "system".
    args.theme_given = any(a == "--theme" or a.startswith("--theme=") for a in given)
    if args.vault is None:
        args.vault = paths.default_vault_path()
    args.vault = Path(args.vault).expanduser()
    return args, rest


def create_application(qt_args: Sequence[str] = ()) -> QApplication:
    """The QApplication (or the existing one), set up once for high DPI and readability."""
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional scaling (125 %, 150 %: common on Windows laptops) without rounding, so text
    # and icons keep their intended size. Must be set before the application exists.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(["btam-desktop", *qt_args])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(paths.APP_AUTHOR)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("btam-desktop")
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    font = app.font()
    if font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSizeF(MIN_POINT_SIZE)
        app.setFont(font)
    # Closing a window does not end the application by itself: the controller decides (a
    # lock swaps windows, and only an explicit close or Quit ends the program).
    app.setQuitOnLastWindowClosed(False)
    return app


def launch(
    app: QApplication,
    vault_path: Path,
    *,
    theme_mode: ThemeMode = ThemeMode.SYSTEM,
    idle_ms: int | None = None,
) -> AppController:
    """Apply the theme and show the first window; returns the controller (kept alive by the app).
    """
    theme = ThemeManager(app, theme_mode)
    theme.apply()
    controller = AppController(vault_path, theme=theme, idle_ms=idle_ms, parent=app)
    controller.finished.connect(app.quit)
    app.aboutToQuit.connect(controller.shutdown)
    controller.start()
    return controller


class SignalQuit(QObject):
    """SIGTERM (the OS shutting down, the officer logging out) and SIGINT (Ctrl+C) end the
    program as Quit does: open form drafts are saved, the vault locks, then the app quits.

    Python runs its signal handlers only between bytecodes, and while Qt's C++ loop waits no
    bytecode runs. So the C-level handler writes the signal's number to a socket pair
    (``signal.set_wakeup_fd``) whose other end a :class:`QSocketNotifier` watches: the loop
    wakes at once and the shutdown runs in it, as a normal turn of the loop (no polling timer
    waking a laptop on battery twice a second).

    The shutdown is the controller's, called before ``quit()``: Qt 6 ends the loop only when
    every window accepts a close, and a dialog holding typed text asks "Discard what you
    typed?" instead, which nobody answers during an OS shutdown. Typed text held in a case
    dialog (a note, a person) has no draft in the data model: it is lost, and nothing of it is
    written anywhere (the vault is the only place case data may go, and it takes only what
    the officer saved). Form drafts are saved, as on every lock.
    """

    def __init__(self, app: QApplication, controller: AppController) -> None:
        super().__init__(app)
        self._app = app
        self._controller = controller
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(),
                                                 warn_on_full_buffer=False)
        for number in (signal.SIGINT, signal.SIGTERM):
            # Nothing to do in the handler itself: the notifier below does the work. (It must
            # be set, though: the default would end the process without saving anything.)
            signal.signal(number, self._noted)
        self.received: list[int] = []
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read,
                                         self)
        self._notifier.activated.connect(self._woken)

    def _noted(self, number: int, _frame: object) -> None:
        self.received.append(number)

    def _woken(self) -> None:
        try:
            while self._reader.recv(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        _log.info("signal received: saving drafts, locking and quitting")
        self._controller.shutdown()  # saves drafts and locks; closes every window unasked
        self._app.quit()

    def close(self) -> None:
        """Give the signals back to Python's defaults (tests, or a second launch)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.default_int_handler if number == signal.SIGINT
                          else signal.SIG_DFL)
        self._reader.close()
        self._writer.close()


class _QuitWhenPainted(QObject):
    """Quits the application once the watched window has been painted (for benchmarks)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """After the first paint, quit from the event loop (not from inside the paint)."""
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # Say which window came up: the frozen build's smoke test (packaging/smoke.py)
            # checks it is the unlock window. A windowed Windows build has no stdout.
            if sys.stdout is not None and isinstance(watched, QWidget):
                print(f"ready: {watched.windowTitle()}", flush=True)
            QTimer.singleShot(0, QCoreApplication.quit)
        return False


def _quit_when_ready(app: QApplication, controller: AppController) -> None:
    window = controller.unlock_window or controller.wizard
    if window is None:
        QTimer.singleShot(0, app.quit)
        return
    watcher = _QuitWhenPainted(app)
    window.installEventFilter(watcher)
    QTimer.singleShot(10_000, app.quit)  # never hang a benchmark


def theme_mode(args: argparse.Namespace) -> ThemeMode:
    """--theme, else the choice saved in Settings on this laptop, else the system's."""
    if getattr(args, "theme_given", True):
        return ThemeMode(args.theme)
    return saved_theme_mode() or ThemeMode.SYSTEM


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop application; returns the exit status."""
    hardening.harden()  # no core dumps or debugger attach: they would hold keys and case text
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args, qt_args = parse_args(argv)
    app = create_application(qt_args)
    # The settings file names vaults and folders: owner-only (QSettings keeps the mode).
    hardening.owner_only(Path(QSettings().fileName()))
    # Uncaught exceptions become a plain dialog with a reference number, not a crash.
    errors.install(app)
    controller = launch(app, args.vault, theme_mode=theme_mode(args))
    SignalQuit(app, controller)  # a child of the app: lives as long as it
    if args.quit_when_ready:
        _quit_when_ready(app, controller)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
