"""Health of the Qt layer under the form view: Qt warnings are seen (so the other tests
really fail on them), a deleted view leaves nothing behind that could fire later, and typing
does not wear away Python's reference counts.

PySide6 6.12.0 on CPython 3.11 loses a reference to ``None`` each time a Qt call returns
``None`` (every void method, every getter that finds nothing) and to ``True``/``False`` on each
``Signal.emit``. CPython 3.11 aborts the process when one of those counts reaches zero
("Fatal Python error: none_dealloc"), after some tens of thousands of such calls. 6.11.3 does
not do this, nor does CPython 3.12+ (where these objects are immortal). The form view keeps
such calls out of its per-key-press path; the environment check below is expected to fail on
exactly the broken combination, so the problem stays visible in every test run until the
dependency is pinned.
"""

from __future__ import annotations

import sys
from typing import Any

import PySide6
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, qWarning
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core.forms import FormDefinition
from btam_desktop.ui.forms import FormView

from .conftest import qt_warnings


@pytest.mark.qt_log_ignore("^form self-test:")
def test_qt_warnings_are_recorded(qtlog: Any) -> None:
    qWarning("form self-test: a layout warning")
    # Marked as expected here, so the autouse check lets it pass; unmarked, it would fail.
    assert qt_warnings(qtlog.records) == []
    assert qt_warnings(qtlog.records, include_ignored=True) == [
        "form self-test: a layout warning"]


def test_a_deleted_view_is_not_called_back(
    threat: FormDefinition, show: Any, qtbot: QtBot
) -> None:
    view = FormView(threat, {})
    view.show()
    qtbot.waitExposed(view)
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    other = show(QLineEdit())
    other.setFocus()  # application-wide focus signal: must not reach the deleted view
    qtbot.waitUntil(other.hasFocus, timeout=2000)


BROKEN_PYSIDE = sys.version_info < (3, 12) and PySide6.__version__ == "6.12.0"


@pytest.mark.xfail(
    BROKEN_PYSIDE,
    strict=True,
    reason="PySide6 6.12.0 on CPython 3.11 drops a reference to None on every void Qt call "
    "and the process aborts after enough of them; pin PySide6-Essentials<6.12 (6.11.3 is "
    "fine) or run on CPython 3.12+",
)
def test_qt_calls_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for number in range(100):
        label.setText(str(number))  # a void call: returns None
    assert sys.getrefcount(None) - before > -50


def test_a_change_costs_no_references(threat: FormDefinition, show: Any, qtbot: QtBot) -> None:
    """Whatever the PySide version: one change on the largest form makes no Qt call that
    returns None (such calls used to run once per question on every key press)."""
    view = show(FormView(threat, {"weapons_access": "yes", "weapons": [{}]}))
    view._on_edited()  # the first update may show or hide things
    before = sys.getrefcount(None)
    for _ in range(20):
        view._on_edited()
    assert sys.getrefcount(None) - before >= 0 or sys.version_info >= (3, 12)
