"""The create-vault wizard, driven page by page with the keyboard and the mouse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWizard
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.wizard import (
    RULE_COMMON,
    RULE_LENGTH,
    RULE_MATCH,
    RULE_NAME,
    RULE_REPEAT,
    CreateVaultWizard,
)
from tests.ui.conftest import AGENCY, LEAD, LEAD_PASS
from tests.ui.helpers import is_deleted, main_window

Make = Callable[..., AppController]


def _button(wizard: CreateVaultWizard, which: QWizard.WizardButton) -> QPushButton:
    button = wizard.button(which)
    assert isinstance(button, QPushButton)
    return button


def _click(qtbot: QtBot, wizard: CreateVaultWizard, which: QWizard.WizardButton) -> None:
    button = _button(wizard, which)
    assert button.isVisible(), f"{button.text()} is hidden"
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _to_passphrase_page(qtbot: QtBot, wizard: CreateVaultWizard) -> None:
    qtbot.keyClicks(wizard.agency_page.agency, AGENCY)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.member_page
    qtbot.keyClicks(wizard.member_page.name, LEAD)
    qtbot.keyClicks(wizard.member_page.badge, "4471")
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.passphrase_page


def _commit_passphrase(qtbot: QtBot, wizard: CreateVaultWizard) -> None:
    page = wizard.passphrase_page
    qtbot.keyClicks(page.passphrase, LEAD_PASS)
    qtbot.keyClicks(page.confirm, LEAD_PASS)
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    assert wizard.currentPage() is wizard.recovery_page


def _shown_last_group(wizard: CreateVaultWizard) -> str:
    """The last group of the key as the officer sees it on screen."""
    return wizard.recovery_page.key_label.text().split()[-1]


def _wizard(controller: AppController) -> CreateVaultWizard:
    wizard = controller.wizard
    assert wizard is not None
    assert wizard.isVisible()
    return wizard


def test_no_vault_shows_the_wizard(make_controller: Make, vault_path: Path) -> None:
    controller = make_controller(vault_path)
    _wizard(controller)
    assert controller.unlock_window is None
    assert not vault_path.exists()


def test_wizard_creates_the_vault_and_opens_the_main_window(
    qtbot: QtBot, make_controller: Make, vault_path: Path
) -> None:
    controller = make_controller(vault_path)
    wizard = _wizard(controller)
    next_button = _button(wizard, QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # the agency name is required
    _to_passphrase_page(qtbot, wizard)
    assert not vault_path.exists()  # nothing is written before "Create vault"
    _commit_passphrase(qtbot, wizard)
    assert vault_path.exists()

    recovery = wizard.recovery_page
    key_text = recovery.key_label.text()
    assert len("".join(ch for ch in key_text if ch.isdigit())) == 48
    assert recovery.key_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert wizard.passphrase_page.passphrase.text() == ""  # not left in the widget

    with qtbot.waitSignal(controller.session_started, timeout=5000) as started:
        qtbot.mouseClick(recovery.confirm, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(recovery.last_group, _shown_last_group(wizard))
        _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    session = started.args[0]
    assert session.member.name == LEAD
    assert session.member.badge == "4471"
    assert session.role == "lead"
    assert session.setting("agency") == AGENCY
    window = main_window(controller)
    qtbot.waitUntil(lambda: is_deleted(wizard), timeout=5000)  # once the main window painted
    assert "Welcome" in window.statusBar().currentMessage()

    # The new vault opens with the chosen passphrase, and only with it.
    controller.shutdown()
    reopened, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    reopened.lock()


def test_rules_are_ticked_live_as_the_officer_types(
    qtbot: QtBot, make_controller: Make, vault_path: Path
) -> None:
    controller = make_controller(vault_path)
    wizard = _wizard(controller)
    _to_passphrase_page(qtbot, wizard)
    page = wizard.passphrase_page
    rules = page.rules
    commit = _button(wizard, QWizard.WizardButton.CommitButton)
    assert {rules.state(r) for r in rules.rules()} == {"pending"}  # nothing judged yet
    assert not commit.isEnabled()

    qtbot.keyClicks(page.passphrase, "dana")
    assert rules.state(RULE_LENGTH) == "unmet"
    assert rules.state(RULE_NAME) == "unmet"  # contains the member's first name
    assert rules.state(RULE_COMMON) == "met"

    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, "password2024!")
    assert rules.state(RULE_LENGTH) == "met"
    assert rules.state(RULE_COMMON) == "unmet"
    assert rules.state(RULE_NAME) == "met"

    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, "zzzzzzzzzzzz")
    assert rules.state(RULE_REPEAT) == "unmet"

    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, LEAD_PASS)
    for rule in (RULE_LENGTH, RULE_COMMON, RULE_REPEAT, RULE_NAME):
        assert rules.state(rule) == "met", rule
    assert rules.state(RULE_MATCH) == "pending"
    assert not commit.isEnabled()  # no confirmation yet

    qtbot.keyClicks(page.confirm, LEAD_PASS[:-1])
    assert rules.state(RULE_MATCH) == "unmet"
    assert not commit.isEnabled()
    qtbot.keyClicks(page.confirm, LEAD_PASS[-1])
    assert rules.state(RULE_MATCH) == "met"
    assert commit.isEnabled()
    assert page.passphrase.echoMode() == page.passphrase.EchoMode.Password
    assert page.confirm.echoMode() == page.confirm.EchoMode.Password


def test_recovery_confirmation_is_required_before_finish(
    qtbot: QtBot, make_controller: Make, vault_path: Path
) -> None:
    controller = make_controller(vault_path)
    wizard = _wizard(controller)
    _to_passphrase_page(qtbot, wizard)
    _commit_passphrase(qtbot, wizard)
    recovery = wizard.recovery_page
    finish = _button(wizard, QWizard.WizardButton.FinishButton)
    last = _shown_last_group(wizard)

    assert not finish.isEnabled()
    qtbot.keyClicks(recovery.last_group, last)
    assert not finish.isEnabled()  # the box is not ticked
    qtbot.mouseClick(recovery.confirm, Qt.MouseButton.LeftButton)
    assert finish.isEnabled()
    recovery.last_group.clear()
    wrong = "000000" if last != "000000" else "111111"
    qtbot.keyClicks(recovery.last_group, wrong)
    assert not finish.isEnabled()  # the wrong group
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert wizard.isVisible()
    assert controller.main_window is None

    # Escape does not abandon the only showing of the recovery key.
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.isVisible()
    assert recovery.message.isVisible()
    assert "recovery key" in recovery.message.text()
    assert not _button(wizard, QWizard.WizardButton.CancelButton).isVisible()
    assert not _button(wizard, QWizard.WizardButton.BackButton).isEnabled() or not _button(
        wizard, QWizard.WizardButton.BackButton
    ).isVisible()

    recovery.last_group.clear()
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        qtbot.keyClicks(recovery.last_group, last)
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    main_window(controller)


def test_escape_on_the_first_page_cancels_and_writes_nothing(
    qtbot: QtBot, make_controller: Make, vault_path: Path
) -> None:
    controller = make_controller(vault_path)
    wizard = _wizard(controller)
    with qtbot.waitSignal(controller.finished, timeout=5000):
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not vault.vault_exists(vault_path)
    assert list(vault_path.parent.iterdir()) == [] or all(
        not p.name.startswith(vault_path.name) for p in vault_path.parent.iterdir()
    )


def test_a_vault_that_appeared_meanwhile_is_not_overwritten(
    qtbot: QtBot, make_controller: Make, vault_path: Path
) -> None:
    controller = make_controller(vault_path)
    wizard = _wizard(controller)
    _to_passphrase_page(qtbot, wizard)
    # Another window created a vault at the same path while this wizard was open.
    other, _ = vault.create_vault(vault_path, member_name="Someone Else",
                                  new_passphrase="Granite-Orchard-81")
    other.lock()
    before = vault_path.read_bytes()
    page = wizard.passphrase_page
    qtbot.keyClicks(page.passphrase, LEAD_PASS)
    qtbot.keyClicks(page.confirm, LEAD_PASS)
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    assert wizard.currentPage() is page
    assert page.message.isVisible()
    assert "already exists" in page.message.text()
    assert "Traceback" not in page.message.text()
    assert vault_path.read_bytes() == before
