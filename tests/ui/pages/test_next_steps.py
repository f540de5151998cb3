"""A new vault's first dashboard shows the next steps (set the agency, add the team's members,
create a case, make a first backup), each a button that goes there; done steps are ticked,
and the panel goes when everything is done or the lead hides it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui.case.case_dialogs import NewCaseDialog
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.next_steps import BackupReminder, NextStepsPanel
from btam_desktop.ui.pages.settings import AddMemberDialog, SettingsPage
from tests.ui.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS
from tests.ui.helpers import unlock

Make = Callable[..., AppController]


def _new_vault(path: Path, agency: str = "") -> Path:
    session, _ = vault.create_vault(path, member_name=LEAD, new_passphrase=LEAD_PASS,
                                    agency=agency)
    session.lock()
    return path


def _panel(controller: AppController) -> NextStepsPanel:
    main = controller.main_window
    assert main is not None
    panel = main.page("dashboard").findChild(NextStepsPanel)
    assert panel is not None
    return panel


def test_a_new_vault_shows_next_steps_that_lead_to_the_work(
    qtbot: QtBot, make_controller: Make, vault_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    controller = make_controller(_new_vault(vault_path))
    main = unlock(qtbot, controller, LEAD_PASS)
    assert main.current_key() == "dashboard"
    panel = _panel(controller)
    assert panel.isVisible()
    assert panel.step_done() == {"agency": False, "members": False, "case": False,
                                 "backup": False}

    qtbot.mouseClick(panel.buttons["agency"], Qt.MouseButton.LeftButton)
    assert main.current_key() == "settings"
    settings = main.page("settings")
    assert isinstance(settings, SettingsPage)
    assert QApplication.focusWidget() is settings.agency

    main.show_page("dashboard")
    qtbot.mouseClick(panel.buttons["members"], Qt.MouseButton.LeftButton)
    assert any(d.isVisible() for d in main.findChildren(AddMemberDialog))
    for dialog in main.findChildren(AddMemberDialog):
        dialog.reject()

    main.show_page("dashboard")
    qtbot.mouseClick(panel.buttons["case"], Qt.MouseButton.LeftButton)
    assert main.current_key() == "cases"
    assert any(d.isVisible() for d in main.findChildren(NewCaseDialog))
    for new_case in main.findChildren(NewCaseDialog):
        new_case.reject()

    session = controller.session
    assert session is not None
    session.set_setting("agency", "Lakeside Police Department")
    session.store.create_case("Threats posted about Northgate High")
    assert panel.step_done() == {"agency": True, "members": False, "case": True,
                                 "backup": False}
    assert not panel.isHidden()
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    assert not panel.isHidden()

    # The backup step opens Settings' "Back up the vault" (its file dialog).
    asked: list[str] = []

    def where(*_args: object, **_kwargs: object) -> tuple[str, str]:
        asked.append("where?")
        return "", ""  # the officer cancels the file dialog

    monkeypatch.setattr("btam_desktop.ui.pages.settings.QFileDialog.getSaveFileName", where)
    main.show_page("dashboard")
    qtbot.mouseClick(panel.buttons["backup"], Qt.MouseButton.LeftButton)
    assert main.current_key() == "settings" and asked == ["where?"]
    session.backup(tmp_path / "first.btambak")
    # Everything done: the panel goes.
    assert panel.step_done() == {"agency": True, "members": True, "case": True,
                                 "backup": True}
    assert panel.isHidden()


def test_hidden_next_steps_stay_hidden(qtbot: QtBot, make_controller: Make,
                                       vault_path: Path) -> None:
    controller = make_controller(_new_vault(vault_path, agency="Lakeside PD"))
    unlock(qtbot, controller, LEAD_PASS)
    panel = _panel(controller)
    assert panel.step_done()["agency"]
    qtbot.mouseClick(panel.hide_button, Qt.MouseButton.LeftButton)
    assert panel.isHidden()
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.lock()
    unlock(qtbot, controller, LEAD_PASS)
    assert _panel(controller).isHidden()


def test_an_officer_sees_no_member_step(qtbot: QtBot, make_controller: Make,
                                        vault_path: Path) -> None:
    session, _ = vault.create_vault(vault_path, member_name=LEAD, new_passphrase=LEAD_PASS)
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.lock()
    controller = make_controller(vault_path)
    window = controller.unlock_window
    assert window is not None
    window.member.setCurrentIndex(window.member.findText(OFFICER))
    unlock(qtbot, controller, OFFICER_PASS)
    panel = _panel(controller)
    assert "members" not in panel.buttons
    assert not panel.isHidden()


class _EightDaysLater(date):
    @classmethod
    def today(cls) -> _EightDaysLater:
        later = date.today() + timedelta(days=8)
        return cls(later.year, later.month, later.day)


def test_a_lead_is_reminded_of_a_backup_more_than_a_week_old(
    qtbot: QtBot, make_controller: Make, vault_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _ = vault.create_vault(vault_path, member_name=LEAD, new_passphrase=LEAD_PASS,
                                    agency="Lakeside PD")
    session.backup(tmp_path / "monday.btambak")
    session.lock()
    monkeypatch.setattr("btam_desktop.ui.labels.date", _EightDaysLater)
    controller = make_controller(vault_path)
    main = unlock(qtbot, controller, LEAD_PASS)
    reminder = main.page("dashboard").findChild(BackupReminder)
    assert reminder is not None and reminder.isVisible()
    assert "was made 8 days ago" in reminder.text.text()
    asked: list[str] = []

    def where(*_args: object, **_kwargs: object) -> tuple[str, str]:
        asked.append("where?")
        return "", ""

    monkeypatch.setattr("btam_desktop.ui.pages.settings.QFileDialog.getSaveFileName", where)
    qtbot.mouseClick(reminder.button, Qt.MouseButton.LeftButton)
    assert main.current_key() == "settings" and asked == ["where?"]
    monkeypatch.setattr("btam_desktop.ui.labels.date", date)  # the backup is made today
    assert controller.session is not None
    controller.session.backup(tmp_path / "today.btambak")
    assert reminder.isHidden()


def test_no_reminder_for_a_recent_backup_or_an_officer(
    qtbot: QtBot, make_controller: Make, vault_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _ = vault.create_vault(vault_path, member_name=LEAD, new_passphrase=LEAD_PASS)
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.backup(tmp_path / "monday.btambak")
    session.lock()
    controller = make_controller(vault_path)
    main = unlock(qtbot, controller, LEAD_PASS)
    reminder = main.page("dashboard").findChild(BackupReminder)
    assert reminder is not None and reminder.isHidden()  # made today
    with qtbot.waitSignal(controller.locked, timeout=5000):
        controller.lock()
    monkeypatch.setattr("btam_desktop.ui.labels.date", _EightDaysLater)
    window = controller.unlock_window
    assert window is not None
    window.member.setCurrentIndex(window.member.findText(OFFICER))
    main = unlock(qtbot, controller, OFFICER_PASS)
    reminder = main.page("dashboard").findChild(BackupReminder)
    assert reminder is not None and reminder.isHidden()  # the lead's to do
