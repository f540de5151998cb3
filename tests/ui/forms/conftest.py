"""Fixtures for the form view tests: any Qt warning fails the test, the shipped form pack, a
case with people on it, and showing a view as an officer would see it.

The Qt-warning check is this package's own (an autouse fixture reading pytest-qt's ``qtlog``),
so these tests stay strict even if the shared UI conftest changes. A test that expects a
warning marks it with ``qt_log_ignore`` (pytest-qt), and the check then skips it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QtMsgType
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition, FormPack
from btam_desktop.core.session import Session

FORMS_DIR = Path(__file__).resolve().parents[3] / "forms"
# Printed by Qt's offscreen platform plugin itself about window-system features it lacks;
# it says nothing about our widgets and does not occur on a real desktop.
PLATFORM_NOISE = frozenset({"This plugin does not support propagateSizeHints()"})
_BAD = {QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg}


def qt_warnings(records: Iterable[Any], *, include_ignored: bool = False) -> list[str]:
    """Messages of warning level or worse among pytest-qt's ``qtlog.records``."""
    return [
        record.message
        for record in records
        if record.type in _BAD
        and record.message not in PLATFORM_NOISE
        and (include_ignored or not getattr(record, "ignored", False))
    ]


@pytest.fixture(autouse=True)
def _no_qt_warnings(qtlog: Any) -> Iterator[None]:
    yield
    # Let pending deletions run inside the test, so their warnings are counted too.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    warnings = qt_warnings(qtlog.records)
    assert not warnings, f"Qt warnings during the test: {warnings}"


@pytest.fixture(scope="session")
def pack() -> FormPack:
    """The shipped forms."""
    return FormPack.load(FORMS_DIR)


@pytest.fixture
def threat(pack: FormPack) -> FormDefinition:
    return pack["threat_inquiry"]


@dataclass(frozen=True)
class CaseWithPeople:
    """A case with a person of concern and a potential target."""

    case_id: str
    poc: str
    target: str


@pytest.fixture
def case(session: Session) -> CaseWithPeople:
    store = session.store
    created = store.create_case("Threatening posts about the county works yard")
    poc = store.add_person("Marsh", "Evan")
    target = store.add_person("Okafor", "Lena")
    store.link_person(created.id, poc.id, "person_of_concern")
    store.link_person(created.id, target.id, "potential_target")
    return CaseWithPeople(created.id, poc.id, target.id)


@pytest.fixture
def show(qtbot: QtBot) -> Any:
    """Show a widget in its own active window (focus only moves in the active window)."""

    def shown(widget: QWidget, width: int = 1280, height: int = 820) -> QWidget:
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        widget.activateWindow()
        qtbot.waitUntil(widget.isActiveWindow, timeout=3000)
        return widget

    return shown
