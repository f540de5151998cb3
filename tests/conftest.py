"""Fixtures shared by every test: cheap key derivation, an in-memory OS keyring, fresh vaults.

Argon2id at production cost takes ~0.15 s per derivation; tests create hundreds of vaults, so
they use a cheap cost. The stored slot records its own parameters, so nothing else changes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from btam_desktop.core import keyslots, vault
from btam_desktop.core.keyslots import KdfParams
from btam_desktop.core.session import Session

LEAD = "Dana Reyes"
LEAD_PASS = "Correct-Lantern-42"
OFFICER = "Sam Ortiz"
OFFICER_PASS = "Purple-Harbor-Gate-7"


# -- unexpected errors fail the test --------------------------------------------------------
# The app catches every exception that reaches Qt's event loop (ui/errors.ErrorReporter,
# messages.describe, errors.show_error), logs it as an unexpected error with a reference and
# keeps running, so a UI test would pass over a bug the officer sees as an error dialog. Like
# Qt warnings (qt_log_level_fail), such a log line fails the test, unless the test is about
# error reporting itself (@pytest.mark.unexpected_errors_expected).
ERRORS_LOGGER = "btam_desktop.ui.errors"
EXPECTED_MARK = "unexpected_errors_expected"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{EXPECTED_MARK}: the test provokes unexpected errors on purpose")


class _UnexpectedErrors(logging.Handler):
    """Collects what ui/errors.log_exception logs for anything that is not a BtamError (an
    OSError described as a file-system problem is an expected outcome, not a bug)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("file system error"):
            self.found.append(message)


@pytest.fixture(autouse=True)
def _unexpected_errors_fail(request: pytest.FixtureRequest) -> Iterator[_UnexpectedErrors]:
    handler = _UnexpectedErrors()
    logger = logging.getLogger(ERRORS_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    if handler.found and request.node.get_closest_marker(EXPECTED_MARK) is None:
        pytest.fail("the app logged an unexpected error (shown to the officer as an error "
                    "dialog):\n" + "\n".join(handler.found), pytrace=False)


def cheap_kdf() -> KdfParams:
    """Fast parameters for tests only."""
    return KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An OS keyring stand-in: CI has no keyring daemon."""

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


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyslots.KdfParams, "fresh", classmethod(lambda cls: cheap_kdf()))


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an empty in-memory keyring (and never touches a real one)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """Simulate a machine without any usable keyring backend (headless Linux, CI)."""
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
    """Where a test's vault lives."""
    return tmp_path / "team.btam"


@pytest.fixture
def created(vault_path: Path) -> Iterator[tuple[Session, str]]:
    """A new vault with a lead; yields (session, recovery key)."""
    session, recovery = vault.create_vault(
        vault_path, member_name=LEAD, new_passphrase=LEAD_PASS, agency="Lakeside PD")
    yield session, recovery
    session.lock()


@pytest.fixture
def session(created: tuple[Session, str]) -> Session:
    """An unlocked vault session of the team lead."""
    return created[0]
