"""Background jobs (btam_desktop.ui.tasks): progress, cancel, errors, and the store gate."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from btam_desktop.core.errors import DiskFull
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.ui import errors, tasks
from btam_desktop.ui.tasks import JobProgressDialog, Progress
from tests.ui.pages.conftest import Host

MakeHost = Callable[..., Host]


def test_a_job_runs_off_the_gui_thread_and_reports_progress(
    qtbot: QtBot, host: MakeHost
) -> None:
    window = host()
    window.show()
    gui_thread = threading.get_ident()
    seen: list[int] = []
    results: list[object] = []

    def work(progress: Progress) -> str:
        seen.append(threading.get_ident())
        for done in range(1, 6):
            assert progress(done, 5)
        return "finished"

    progressed: list[tuple[int, int]] = []
    job = tasks.run_in_background(window, "Counting", work, on_done=results.append)
    job.progressed.connect(lambda done, total: progressed.append((done, total)))
    assert tasks.is_busy()
    assert job.dialog.isVisible()
    assert job.dialog.windowModality() == Qt.WindowModality.WindowModal
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert results == ["finished"]
    assert seen and seen[0] != gui_thread
    assert progressed[-1] == (5, 5)  # throttled, but the last step always arrives
    assert not tasks.is_busy()
    assert not job.running


def test_cancel_makes_progress_return_false(qtbot: QtBot, host: MakeHost) -> None:
    window = host()
    window.show()
    started = threading.Event()
    release = threading.Event()
    answers: list[bool] = []

    def work(progress: Progress) -> int:
        started.set()
        release.wait(5)
        step = 0
        while step < 1000:
            step += 1
            if not progress(step, 1000):
                answers.append(False)
                break
        return step

    results: list[int] = []
    job = tasks.run_in_background(window, "Long work", work, on_done=results.append)
    assert started.wait(5)
    cancel = job.dialog.findChild(QPushButton)
    assert cancel is not None
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert job.cancel_requested
    # Still shown (and modal) until the worker has really stopped.
    assert job.dialog.isVisible()
    assert "Cancelling" in job.dialog.labelText()
    release.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert answers == [False]
    assert results and results[0] < 1000


def test_escape_asks_to_cancel_and_does_not_hide_the_dialog(
    qtbot: QtBot, host: MakeHost
) -> None:
    window = host()
    window.show()
    release = threading.Event()
    job = tasks.run_in_background(window, "Wait", lambda progress: release.wait(5))
    qtbot.keyClick(job.dialog, Qt.Key.Key_Escape)
    assert job.cancel_requested
    assert job.dialog.isVisible()
    release.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass


def test_a_job_that_cannot_be_cancelled_has_no_cancel_button(
    qtbot: QtBot, host: MakeHost
) -> None:
    window = host()
    window.show()
    release = threading.Event()
    job = tasks.run_in_background(window, "Backup", lambda progress: release.wait(5),
                                  cancellable=False)
    assert job.dialog.findChild(QPushButton) is None
    qtbot.keyClick(job.dialog, Qt.Key.Key_Escape)
    assert not job.cancel_requested
    release.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass


def test_job_cancelled_exception(qtbot: QtBot, host: MakeHost) -> None:
    window = host()
    window.show()
    called: list[str] = []

    def work(progress: Progress) -> None:
        raise tasks.JobCancelled()

    job = tasks.run_in_background(window, "Stop", work, on_done=lambda _r: called.append("done"),
                                  on_cancelled=lambda: called.append("cancelled"))
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        pass
    assert called == ["cancelled"]


def test_an_error_comes_back_to_on_error(qtbot: QtBot, host: MakeHost) -> None:
    window = host()
    window.show()
    failures: list[BaseException] = []

    def work(progress: Progress) -> None:
        raise DiskFull("the disk is full or failing; the last change was not saved")

    job = tasks.run_in_background(window, "Write", work, on_error=failures.append)
    with qtbot.waitSignal(job.failed, timeout=5000):
        pass
    assert isinstance(failures[0], DiskFull)
    assert not tasks.is_busy()


@pytest.mark.unexpected_errors_expected  # the error dialog is what this test checks
def test_an_error_without_handler_shows_a_dialog_without_case_text(
    qtbot: QtBot, host: MakeHost, caplog: pytest.LogCaptureFixture
) -> None:
    window = host()
    window.show()
    case_text = "Threatening posts by Jordan Example about Lakeside High"

    def work(progress: Progress) -> None:
        raise KeyError(case_text)

    job = tasks.run_in_background(window, "Export", work)
    with qtbot.waitSignal(errors.error_events().reported, timeout=5000) as reported:
        pass
    assert job.error is not None
    box = window.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    shown = " ".join((box.text(), box.informativeText(), box.detailedText(),
                      box.accessibleDescription()))
    assert "Jordan" not in shown and "Lakeside" not in shown
    assert "KeyError" in shown
    reference = reported.args[0]
    assert reference in shown
    assert "Jordan" not in caplog.text  # not in the log either
    assert reference in caplog.text
    box.close()


def test_page_refreshes_wait_for_the_job_and_then_catch_up(
    qtbot: QtBot, host: MakeHost, lead: Session
) -> None:
    window = host()
    window.show()
    seen: list[ChangeSummary] = []
    window.events.changed.connect(seen.append)
    busy_states: list[bool] = []
    tasks.gate().busy_changed.connect(busy_states.append)
    committed = threading.Event()
    release = threading.Event()

    def work(progress: Progress) -> str:
        case = lead.store.create_case("Written by a background job")
        committed.set()
        release.wait(5)
        return case.id

    job = tasks.run_in_background(window, "Write", work, session=lead)
    assert committed.wait(5)
    qtbot.wait(50)  # let any (wrongly) queued refresh arrive
    assert seen == []  # muted while the job holds the connection
    release.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert [s.action for s in seen] == ["case.create"]
    assert job.result in seen[0].touched["cases"]
    assert busy_states == [True, False]


def test_many_operations_are_replayed_as_one_summary(
    qtbot: QtBot, host: MakeHost, lead: Session
) -> None:
    window = host()
    window.show()
    seen: list[ChangeSummary] = []
    window.events.changed.connect(seen.append)

    def work(progress: Progress) -> int:
        for i in range(30):
            lead.store.create_case(f"Case {i}")
            progress(i + 1, 30)
        return 30

    job = tasks.run_in_background(window, "Write", work, session=lead)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    assert len(seen) == 1
    assert len(seen[0].touched["cases"]) == 30


def test_cancel_all_and_wait_drops_callbacks(qtbot: QtBot, host: MakeHost) -> None:
    window = host()
    window.show()
    called: list[object] = []

    def work(progress: Progress) -> int:
        step = 0
        while progress(step, 10**9):
            step += 1
        return step

    job = tasks.run_in_background(window, "Endless", work, on_done=called.append)
    assert tasks.cancel_all_and_wait(5000)
    assert job.worker_ended.is_set()
    assert not tasks.is_busy()
    qtbot.wait(50)
    assert called == []  # the vault is locking: nothing may touch the pages now


def test_progress_dialog_is_a_job_progress_dialog(qtbot: QtBot, host: MakeHost) -> None:
    window = host()
    window.show()
    release = threading.Event()
    job = tasks.run_in_background(window, "Title here", lambda p: release.wait(5),
                                  label="Doing it")
    assert isinstance(job.dialog, JobProgressDialog)
    assert job.dialog.windowTitle() == "Title here"
    assert job.dialog.labelText() == "Doing it"
    release.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
