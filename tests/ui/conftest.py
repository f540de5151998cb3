"""Fixtures for the Qt tests: offscreen platform, cheap key derivation, in-memory keyring.

These tests drive real widgets offscreen with pytest-qt. Any Qt warning makes a test fail
(see ``pytest_collection_modifyitems``), so a broken layout or a bad signal connection is
caught here rather than in a patrol car.

The cheap key derivation, the in-memory keyring and the isolated environment come from the
top-level ``tests/conftest.py``.
"""

from __future__ import annotations

import os

# Must happen before any QApplication exists (pytest-qt creates it lazily in ``qapp``).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui.app import MIN_POINT_SIZE
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.theme import ThemeManager, ThemeMode
from tests.conftest import MemoryKeyring, cheap_kdf

__all__ = ["MemoryKeyring", "cheap_kdf"]

LEAD = "Dana Reyes"
LEAD_PASS = "Correct-Lantern-42"
OFFICER = "Sam Ortiz"
OFFICER_PASS = "Purple-Harbor-Gate-7"
AGENCY = "Lakeside Police Department"

_HERE = Path(__file__).parent


# Warnings of Qt's offscreen platform plugin itself, about window-system features it lacks;
# they say nothing about our widgets and do not occur on a real desktop.
OFFSCREEN_PLUGIN_WARNINGS = (r"^This plugin does not support propagateSizeHints\(\)$",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every UI test fails on a Qt warning (pytest-qt's qt_log_level_fail, per test)."""
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_PLUGIN_WARNINGS))


@pytest.fixture(autouse=True)
def _own_qsettings(tmp_path: Path) -> None:
    """The unlock window remembers the last member and Settings the theme with QSettings:
    keep both out of the real user's settings, and out of the next test."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


# The keyring, key-derivation, environment and vault_path fixtures come from the top-level
# tests/conftest.py (autouse there); MemoryKeyring is re-exported for the UI tests.


@pytest.fixture
def existing_vault(vault_path: Path) -> Path:
    """A vault with one member (the lead, LEAD / LEAD_PASS); locked again."""
    session, _recovery = vault.create_vault(
        vault_path, member_name=LEAD, new_passphrase=LEAD_PASS, agency=AGENCY, badge="4471"
    )
    session.lock()
    return vault_path


@pytest.fixture
def recovery_vault(vault_path: Path) -> tuple[Path, str]:
    """A one-member vault and its recovery key."""
    session, recovery = vault.create_vault(
        vault_path, member_name=LEAD, new_passphrase=LEAD_PASS, agency=AGENCY
    )
    session.lock()
    return vault_path, recovery


@pytest.fixture
def two_member_vault(vault_path: Path) -> Path:
    """A vault with the lead and an officer."""
    session, _recovery = vault.create_vault(
        vault_path, member_name=LEAD, new_passphrase=LEAD_PASS, agency=AGENCY
    )
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.lock()
    return vault_path


@pytest.fixture
def make_controller(qtbot: QtBot) -> Iterator[Callable[..., AppController]]:
    """Build an AppController for a path and start it; every one is shut down afterwards."""
    made: list[AppController] = []

    def make(path: Path, *, idle_ms: int | None = 60_000) -> AppController:
        controller = AppController(path, idle_ms=idle_ms)
        made.append(controller)
        controller.start()
        return controller

    yield make
    for controller in made:
        controller.shutdown()
        controller.deleteLater()
    # Run the deleteLater() calls now, so no window outlives its test.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def restore_style(qapp: QApplication) -> Iterator[None]:
    """Put the application's palette, style sheet and colour scheme back after a test that
    switches themes (they are process-wide)."""
    palette, sheet = qapp.palette(), qapp.styleSheet()
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.styleHints().unsetColorScheme()


@pytest.fixture
def themed(qapp: QApplication, restore_style: None) -> Iterator[None]:
    """The app's light theme and at least its minimum font (they decide what fits)."""
    font = qapp.font()
    bigger = QFont(font)
    bigger.setPointSizeF(max(bigger.pointSizeF(), MIN_POINT_SIZE))
    qapp.setFont(bigger)
    ThemeManager(qapp, ThemeMode.LIGHT).apply()
    yield
    qapp.setFont(font)
