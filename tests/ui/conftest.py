"""Fixtures for the Qt tests: offscreen platform, cheap key derivation, in-memory keyring.

These tests drive real widgets offscreen with pytest-qt. Any Qt warning makes a test fail
(see ``pytest_collection_modifyitems``), so a broken layout or a bad signal connection is
caught here rather than in a patrol car.

The fixtures repeat, under the same names, what the top-level conftest provides, so that the
UI tests keep working on their own if that file changes.
"""

from __future__ import annotations

import os

# Must happen before any QApplication exists (pytest-qt creates it lazily in ``qapp``).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from btam_desktop.core import keyslots, vault
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.ui.controller import AppController

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


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict (no OS keyring in CI)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def cheap_kdf() -> KdfParams:
    """Argon2id at a test cost (the real cost would make each vault take a second)."""
    return KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1)


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyslots.KdfParams, "fresh", classmethod(lambda cls: cheap_kdf()))


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An empty in-memory keyring for every test; a real keyring is never touched."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A machine without a usable keyring backend."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("BTAM_VAULT", "BTAM_PASSPHRASE", "BTAM_NEW_PASSPHRASE", "BTAM_MEMBER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    """Where the test's vault lives (not created yet)."""
    return tmp_path / "team.btam"


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
