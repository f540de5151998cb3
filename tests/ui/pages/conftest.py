"""Fixtures for the page tests: a session with a few cases, and a host window for a page.

Pages are built on their own inside :class:`Host`, a stand-in for the main window that has
what pages and background jobs look for (``events``); the full main window is tested through
the controller in ``test_main_window_pages.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.core.session import Session
from btam_desktop.ui import tasks
from btam_desktop.ui.session_events import SessionEvents
from tests.ui.conftest import AGENCY, LEAD, LEAD_PASS, OFFICER, OFFICER_PASS

__all__ = ["AGENCY", "LEAD", "LEAD_PASS", "OFFICER", "OFFICER_PASS", "Host", "days"]


def days(offset: int) -> str:
    """The ISO date ``offset`` days from today."""
    return (date.today() + timedelta(days=offset)).isoformat()


class Host(QWidget):
    """Plays the main window for one page: owns the SessionEvents, shows the page."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.events = SessionEvents(session, self)
        self.resize(1200, 800)
        self._layout = QVBoxLayout(self)

    def put(self, page: QWidget) -> QWidget:
        """Show ``page`` in the window."""
        self._layout.addWidget(page)
        self.show()
        return page


@pytest.fixture(autouse=True)
def _own_qsettings(tmp_path: Path) -> None:
    """The theme choice is saved with QSettings: keep it out of the real user's settings."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def _no_job_left() -> Iterator[None]:
    """A test must not leave a background job running into the next one."""
    yield
    tasks.cancel_all_and_wait(10_000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def lead(vault_path: Path) -> Iterator[Session]:
    """A vault with the lead (signed in) and an officer."""
    session, _recovery = vault.create_vault(
        vault_path, member_name=LEAD, new_passphrase=LEAD_PASS, agency=AGENCY, badge="4471")
    session.add_member(OFFICER, "officer", OFFICER_PASS, badge="5120")
    yield session
    session.lock()


@pytest.fixture
def host(qtbot: QtBot, lead: Session) -> Callable[..., Host]:
    """Make a host window for a session (kept alive, and closed, with the test)."""
    made: list[Host] = []  # qtbot holds widgets weakly

    def make(session: Session | None = None) -> Host:
        window = Host(session or lead)
        qtbot.addWidget(window)
        made.append(window)
        return window

    return make
