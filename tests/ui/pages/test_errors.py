"""The error reporter (btam_desktop.ui.errors): plain words, a reference, never case data."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core.errors import (
    DiskFull,
    InvalidInput,
    PermissionDenied,
    VaultBusy,
    VaultCorrupt,
)
from btam_desktop.ui import errors
from btam_desktop.ui.errors import ErrorReporter

# These tests provoke unexpected errors on purpose (tests/conftest.py fails others that do).
pytestmark = pytest.mark.unexpected_errors_expected

CASE_TEXT = "Jordan Example said he would bring a gun to Lakeside High"


@pytest.fixture
def reporter(qtbot: QtBot) -> Iterator[ErrorReporter]:
    made = ErrorReporter()
    yield made
    box = made.dialog
    if box is not None:
        box.close()
    made.uninstall()
    made.deleteLater()


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def _shown(box: QMessageBox) -> str:
    return " ".join((box.windowTitle(), box.text(), box.informativeText(), box.detailedText(),
                     box.accessibleDescription()))


@pytest.mark.parametrize(("error", "words"), [
    (VaultBusy("the vault is in use"), "busy"),
    (DiskFull("the disk is full"), "disk is full"),
    (VaultCorrupt("the vault file is damaged: malformed"), "damaged"),
    (PermissionDenied("only a team lead may do this"), "Only a team lead may do this."),
    (InvalidInput("a member needs a name"), "A member needs a name."),
])
def test_core_errors_have_plain_messages(error: BaseException, words: str) -> None:
    assert words in errors.plain_message(error)


def test_other_exceptions_never_show_their_message() -> None:
    for error in (KeyError(CASE_TEXT), ValueError(CASE_TEXT), RuntimeError(CASE_TEXT)):
        assert errors.plain_message(error) == errors.UNEXPECTED


def test_an_uncaught_exception_shows_type_and_reference_only(
    qtbot: QtBot, reporter: ErrorReporter, caplog: pytest.LogCaptureFixture
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    error = _raised(ValueError(CASE_TEXT))
    with qtbot.waitSignal(errors.error_events().reported, timeout=1000) as reported:
        reporter.excepthook(type(error), error, error.__traceback__)
    box = reporter.dialog
    assert box is not None and box.isVisible()
    text = _shown(box)
    assert "ValueError" in text
    assert reported.args[0] in text and reported.args[0] == reporter.last_reference
    assert "Jordan" not in text and "gun" not in text
    # The log has the reference, the type and where it happened, not the message.
    assert reporter.last_reference in caplog.text
    assert "_raised" in caplog.text
    assert "Jordan" not in caplog.text


def test_open_forms_are_asked_to_save_their_drafts_first(
    qtbot: QtBot, reporter: ErrorReporter
) -> None:
    order: list[str] = []
    errors.error_events().flush_requested.connect(lambda: order.append("signal"))
    remove = errors.add_flush_hook(lambda: order.append("hook"))

    def broken_hook() -> None:
        raise RuntimeError(CASE_TEXT)

    remove_broken = errors.add_flush_hook(broken_hook)
    errors.error_events().reported.connect(lambda *_: order.append("dialog"))
    try:
        reporter.report(_raised(ZeroDivisionError()))
    finally:
        remove()
        remove_broken()
    assert order[:3] == ["signal", "hook", "dialog"]


def test_a_burst_of_errors_gives_one_dialog(qtbot: QtBot, reporter: ErrorReporter) -> None:
    for _ in range(5):
        reporter.report(_raised(RuntimeError("paint failed")))
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    assert len(boxes) == 1
    assert "4 more problems" in boxes[0].informativeText()


def test_an_error_while_reporting_does_not_recurse(qtbot: QtBot,
                                                   reporter: ErrorReporter) -> None:
    def failing_flush() -> None:
        reporter.report(_raised(RuntimeError("inside")))  # as a failing slot would

    remove = errors.add_flush_hook(failing_flush)
    try:
        reporter.report(_raised(RuntimeError("outside")))
    finally:
        remove()
    assert reporter.dialog is not None


def test_install_replaces_and_restores_the_hooks(reporter: ErrorReporter) -> None:
    before, before_thread = sys.excepthook, threading.excepthook
    reporter.install()
    assert sys.excepthook == reporter.excepthook
    assert threading.excepthook == reporter.thread_excepthook
    reporter.uninstall()
    assert sys.excepthook is before
    assert threading.excepthook is before_thread


def test_an_exception_in_a_thread_is_reported_on_the_gui_thread(
    qtbot: QtBot, reporter: ErrorReporter
) -> None:
    reporter.install()

    def fail() -> None:
        raise OSError(CASE_TEXT)

    with qtbot.waitSignal(errors.error_events().reported, timeout=5000) as reported:
        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
    assert reported.args[1] == "OSError"
    assert reporter.dialog is not None
    assert "Jordan" not in _shown(reporter.dialog)


def test_show_error_for_expected_errors_has_no_reference(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    box = errors.show_error(InvalidInput("a partner needs a name"), window)
    assert box.text() == "A partner needs a name."
    assert "Reference" not in box.informativeText()
    box.close()
