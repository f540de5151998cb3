"""Fixtures for the PDF dialog tests: the seeded Cases app of ``tests/ui/cases`` (three open
cases, one closed), and no background job left running into the next test.

The Qt warning rule, the cheap key derivation and the in-memory keyring come from
``tests/ui/conftest.py`` (this folder is below it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from btam_desktop.ui import tasks
from tests.ui.cases.conftest import CasesApp, cases_app, seeded_vault

__all__ = ["CasesApp", "cases_app", "seeded_vault"]


@pytest.fixture(autouse=True)
def _no_job_left() -> Iterator[None]:
    """A test must not leave a background job running into the next one."""
    yield
    tasks.cancel_all_and_wait(10_000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
