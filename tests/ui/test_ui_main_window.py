"""The main window: sections, dashboard, status bar, Lock (Ctrl+L) and idle lock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui.controller import LOCKED_BY_HAND, AppController
from btam_desktop.ui.idle import IdleWatcher
from btam_desktop.ui.main_window import SECTIONS
from btam_desktop.ui.pages import DashboardPage
from tests.ui.conftest import AGENCY, LEAD, LEAD_PASS
from tests.ui.helpers import is_deleted, main_window, unlock, unlock_window

Make = Callable[..., AppController]
SECTION_TITLES = ["Dashboard", "Cases", "People", "Partners & resources", "Sync", "Referrals",
                  "Reports", "Audit", "Settings"]


def _with_cases(path: Path) -> Path:
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS)
    store = session.store
    store.create_case("Threatening posts about the high school")
    store.create_case("Letters to the mayor's office")
    store.create_case("Workplace grievance", status="monitoring")
    session.lock()
    return path


def test_sections_and_status_bar(qtbot: QtBot, make_controller: Make,
                                 existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    assert [s.title for s in SECTIONS] == SECTION_TITLES
    assert [main.nav.item(i).text() for i in range(main.nav.count())] == SECTION_TITLES
    assert main.stack.count() == len(SECTIONS)
    assert main.current_key() == "dashboard"
    assert main.who.text() == f"{LEAD} \u00b7 Team lead"
    assert main.who.isVisible()
    for key in main.page_keys()[1:]:
        main.show_page(key)
        assert main.stack.currentWidget() is main.page(key)
        assert main.page(key).isVisible()
    # Keyboard: Ctrl+2 opens Cases, arrow keys move through the list.
    main.show_page("dashboard")
    main.nav.setFocus()
    QTest.keyClick(main.nav, Qt.Key.Key_Down)
    assert main.current_key() == "cases"
    qtbot.keyClick(main, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert main.current_key() == "people"


def test_dashboard_shows_agency_member_and_counts(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(_with_cases(existing_vault))
    main = unlock(qtbot, controller, LEAD_PASS)
    page = main.page("dashboard")
    assert isinstance(page, DashboardPage)
    assert page.agency.text() == AGENCY
    assert LEAD in page.member.text()
    assert "Team lead" in page.member.text()
    assert "4471" in page.member.text()
    assert page.cards["open"].value.text() == "2"
    assert page.cards["monitoring"].value.text() == "1"
    assert page.cards["active"].value.text() == "0"
    assert page.cards["open"].accessibleName() == "Open, not yet managed: 2"

    # A change made through the session shows up without reopening the page.
    session = controller.session
    assert session is not None
    session.store.create_case("Another report")
    assert page.cards["open"].value.text() == "3"


def test_ctrl_l_locks_and_deletes_the_main_window(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(_with_cases(existing_vault))
    main = unlock(qtbot, controller, LEAD_PASS)
    session = controller.session
    assert session is not None
    dashboard = main.page("dashboard")
    with qtbot.waitSignal(controller.locked, timeout=5000):
        qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert controller.main_window is None
    assert controller.session is None
    assert not session.is_open
    assert is_deleted(main)
    assert is_deleted(dashboard)  # the pages showing case data go too
    window = unlock_window(controller)
    assert window.message.text() == LOCKED_BY_HAND
    assert window.passphrase.text() == ""
    # And it unlocks again.
    unlock(qtbot, controller, LEAD_PASS)


def test_lock_button_locks(qtbot: QtBot, make_controller: Make, existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    with qtbot.waitSignal(controller.locked, timeout=5000):
        qtbot.mouseClick(main.lock_button, Qt.MouseButton.LeftButton)
    assert is_deleted(main)


def test_idle_lock_fires(qtbot: QtBot, make_controller: Make, existing_vault: Path) -> None:
    controller = make_controller(existing_vault, idle_ms=200)
    main = unlock(qtbot, controller, LEAD_PASS)
    session = controller.session
    assert session is not None
    assert controller.idle.is_active()
    with qtbot.waitSignal(controller.locked, timeout=5000):
        pass
    assert not session.is_open
    assert is_deleted(main)
    assert "without activity" in unlock_window(controller).message.text()
    assert not controller.idle.is_active()


def test_input_restarts_the_idle_timer(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault, idle_ms=2000)
    main = unlock(qtbot, controller, LEAD_PASS)
    idle = controller.idle
    qtbot.waitUntil(lambda: idle.remaining_ms() < 1800, timeout=5000)
    qtbot.keyClick(main.nav, Qt.Key.Key_Down)
    assert idle.remaining_ms() > 1800
    qtbot.waitUntil(lambda: idle.remaining_ms() < 1800, timeout=5000)
    qtbot.mouseClick(main.nav.viewport(), Qt.MouseButton.LeftButton)
    assert idle.remaining_ms() > 1800


def test_idle_interval_comes_from_the_vault_setting(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    session, _ = vault.unlock(existing_vault, passphrase_text=LEAD_PASS)
    session.set_setting("idle_minutes", "7")
    session.lock()
    controller = make_controller(existing_vault, idle_ms=None)
    unlock(qtbot, controller, LEAD_PASS)
    assert controller.idle.interval_ms == 7 * 60_000


def test_closing_the_main_window_locks_and_ends(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    session = controller.session
    assert session is not None
    with qtbot.waitSignal(controller.finished, timeout=5000):
        main.close()
    assert not session.is_open
    assert controller.unlock_window is None
    assert is_deleted(main)


def test_main_window_is_keyboard_reachable(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    controller = make_controller(existing_vault)
    main = main_window(controller) if controller.main_window else unlock(
        qtbot, controller, LEAD_PASS)
    assert main.lock_action.shortcut().toString() == "Ctrl+L"
    assert main.nav.accessibleName() == "Sections"
    assert main.lock_button.accessibleName() == "Lock the vault"


def test_input_after_a_long_sleep_locks_instead_of_restarting(qtbot: QtBot) -> None:
    now = [1000.0]
    watcher = IdleWatcher(60_000, clock=lambda: now[0])
    target = QLineEdit()
    qtbot.addWidget(target)
    target.show()
    watcher.start()
    try:
        qtbot.keyClicks(target, "a")
        assert watcher.is_active()
        now[0] += 3600  # the lid was closed for an hour; the monotonic timer did not run
        with qtbot.waitSignal(watcher.timed_out, timeout=1000):
            qtbot.keyClicks(target, "b")
        assert target.text() == "a"  # the waking key press went nowhere
        assert not watcher.is_active()
    finally:
        watcher.stop()


def test_escape_clears_the_unlock_field(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    window = unlock_window(make_controller(existing_vault))
    qtbot.keyClicks(window.passphrase, "half typed")
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Escape)
    assert window.passphrase.text() == ""
