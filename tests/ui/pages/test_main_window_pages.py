"""The pages in the real main window: registered, reachable, and safe across a lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from btam_desktop.ui import tasks
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.pages import PlaceholderPage
from btam_desktop.ui.pages.audit import AuditPage
from btam_desktop.ui.pages.dashboard import DashboardPage
from btam_desktop.ui.pages.partners import PartnersPage
from btam_desktop.ui.pages.people import PeoplePage
from btam_desktop.ui.pages.settings import SettingsPage
from btam_desktop.ui.pages.sync import SyncPage
from btam_desktop.ui.tasks import Progress
from tests.ui.helpers import is_deleted, unlock, unlock_window
from tests.ui.pages.conftest import LEAD_PASS

Make = Callable[..., AppController]


def test_every_section_has_its_page(qtbot: QtBot, make_controller: Make,
                                    existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    expected = {"dashboard": DashboardPage, "people": PeoplePage, "partners": PartnersPage,
                "sync": SyncPage, "audit": AuditPage, "settings": SettingsPage}
    for key, kind in expected.items():
        main.show_page(key)
        page = main.page(key)
        assert isinstance(page, kind), key
        assert not isinstance(page, PlaceholderPage)
        assert page.isVisible()


def test_locking_during_a_job_stops_it_before_the_vault_closes(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    session = controller.session
    assert session is not None
    main.show_page("settings")
    page = main.page("settings")
    started = threading.Event()
    closed_while_running: list[bool] = []
    done: list[object] = []

    def work(progress: Progress) -> int:
        started.set()
        step = 0
        while progress(step, 10**9):
            step += 1
            closed_while_running.append(not session.is_open)
        session.store.count_cases()  # still usable: the lock waits for this job
        return step

    job = tasks.run_in_background(page, "Long job", work, on_done=done.append,
                                  session=session)
    assert started.wait(5)
    with qtbot.waitSignal(controller.locked, timeout=10_000):
        controller.lock()
    assert job.worker_ended.is_set()
    assert not any(closed_while_running)
    assert not session.is_open
    assert is_deleted(main)
    assert done == []  # nothing delivered into the deleted window
    assert not tasks.is_busy()
    unlock_window(controller)
