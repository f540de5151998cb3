"""The entry point: options, and the first window for a missing or existing vault."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from btam_desktop.core import paths
from btam_desktop.ui import theme
from btam_desktop.ui.app import create_application, launch, parse_args
from btam_desktop.ui.theme import ThemeMode


def test_default_vault_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BTAM_VAULT", str(tmp_path / "env.btam"))
    args, rest = parse_args([])
    assert args.vault == paths.default_vault_path() == tmp_path / "env.btam"
    assert args.theme == "system"
    assert rest == []


def test_vault_option_and_qt_options(tmp_path: Path) -> None:
    args, rest = parse_args(["--vault", str(tmp_path / "x.btam"), "--theme", "dark",
                             "-platform", "offscreen"])
    assert args.vault == tmp_path / "x.btam"
    assert args.theme == "dark"
    assert rest == ["-platform", "offscreen"]


def test_create_application_reuses_the_running_one(qapp: QApplication) -> None:
    assert create_application() is qapp


@pytest.mark.parametrize("exists", [False, True])
def test_launch_shows_the_right_first_window(
    qtbot: QtBot, qapp: QApplication, vault_path: Path, existing_vault: Path, exists: bool
) -> None:
    target = existing_vault if exists else vault_path.with_name("new.btam")
    sheet, palette = qapp.styleSheet(), qapp.palette()
    controller = launch(qapp, target, theme_mode=ThemeMode.DARK)
    try:
        # In tests there is no event loop to quit; keep app.quit() out of it.
        controller.finished.disconnect(qapp.quit)
        assert "QListWidget#nav" in qapp.styleSheet()
        if exists:
            assert controller.unlock_window is not None
            assert controller.wizard is None
        else:
            assert controller.wizard is not None
            assert controller.unlock_window is None
    finally:
        controller.shutdown()
        controller.deleteLater()
        assert controller.theme is not None
        controller.theme.deleteLater()
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
        qapp.styleHints().unsetColorScheme()
        # Delete the controller and its theme manager now, as the event loop would: a
        # window deleted later but still pending when the next test sets the application's
        # style sheet crashed Qt (the app runs an event loop between the two; tests do not).
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_start_up_reads_the_saved_theme_without_loading_the_pages() -> None:
    # The Settings page pulls in the PDF engine (a third of a second): the way to the unlock
    # window must not import it just to read one setting.
    code = ("import sys\n"
            "from btam_desktop.ui import app\n"
            "args, _ = app.parse_args([])\n"
            "app.theme_mode(args)\n"
            "print(sorted(m for m in ('btam_desktop.ui.pages.settings', 'btam_desktop.core.pdf',"
            " 'btam_desktop.ui.main_window') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "[]"


def test_the_theme_setting_is_the_one_the_settings_page_writes() -> None:
    from btam_desktop.ui.pages import settings

    assert theme.THEME_KEY == settings.THEME_KEY
