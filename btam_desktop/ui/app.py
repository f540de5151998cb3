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
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from btam_desktop import __version__
from btam_desktop.core import hardening, paths
from btam_desktop.ui import errors
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.icons import app_icon
from btam_desktop.ui.theme import ThemeManager, ThemeMode, saved_theme_mode

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


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C or a polite kill quits through Qt, so ``aboutToQuit`` still locks the vault."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: app.quit())
    # Python runs signal handlers only between bytecodes; while Qt's C++ loop waits, wake the
    # interpreter now and then so the handler gets its turn.
    heartbeat = QTimer(app)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(500)


class _QuitWhenPainted(QObject):
    """Quits the application once the watched window has been painted (for benchmarks)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """After the first paint, quit from the event loop (not from inside the paint)."""
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
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
    _quit_on_signals(app)
    # Uncaught exceptions become a plain dialog with a reference number, not a crash.
    errors.install(app)
    controller = launch(app, args.vault, theme_mode=theme_mode(args))
    if args.quit_when_ready:
        _quit_when_ready(app, controller)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
