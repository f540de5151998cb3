"""Restoring a backup in the app (ui/restore): from the first-run wizard on a new laptop, and
from the unlock window over a damaged or other vault. Before, only ``btam restore`` could, while
the app's own damaged-vault message said "Restore it from a backup"."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from btam_desktop.core import backup, vault
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.restore import CANCELLED, RECOVERY_CHOICE, RestoreDialog
from tests.ui.conftest import AGENCY, LEAD, LEAD_PASS, OFFICER, OFFICER_PASS
from tests.ui.helpers import unlock, unlock_window

Make = Callable[..., AppController]


@pytest.fixture
def backed_up(tmp_path: Path) -> tuple[Path, str]:
    """A backup of a two-member vault holding one case, and the vault's recovery key."""
    source = tmp_path / "old-laptop" / "team.btam"
    source.parent.mkdir()
    session, recovery = vault.create_vault(source, member_name=LEAD, new_passphrase=LEAD_PASS,
                                           agency=AGENCY)
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.store.create_case(title="Backed up case")
    out = tmp_path / "usb" / "lakeside.btambak"
    out.parent.mkdir()
    session.backup(out)
    session.lock()
    return out, recovery


def _restore_dialog_from_wizard(qtbot: QtBot, controller: AppController) -> RestoreDialog:
    wizard = controller.wizard
    assert wizard is not None and wizard.isVisible()
    qtbot.mouseClick(wizard.agency_page.restore_button, Qt.MouseButton.LeftButton)
    dialog = wizard.findChild(RestoreDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _fill(qtbot: QtBot, dialog: RestoreDialog, backup_file: Path, who: str,
          secret: str) -> None:
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.file.setFocus()
    qtbot.keyClicks(dialog.file, str(backup_file))
    qtbot.keyClick(dialog.file, Qt.Key.Key_Tab)  # the header is read when the field is left
    assert dialog.who.isEnabled()
    qtbot.wait(1)  # the focus moves on after the Tab
    dialog.who.setCurrentText(who)
    qtbot.keyClicks(dialog.secret, secret)


def _press_restore(qtbot: QtBot, dialog: RestoreDialog) -> None:
    # Ctrl+Enter is a window shortcut: the dialog has the keyboard again after a try.
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog.secret, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_a_new_laptop_restores_from_the_wizard_and_unlocks(
    qtbot: QtBot, make_controller: Make, vault_path: Path, backed_up: tuple[Path, str]
) -> None:
    backup_file, _ = backed_up
    controller = make_controller(vault_path)
    dialog = _restore_dialog_from_wizard(qtbot, controller)
    assert f"will be restored to {vault_path}." in dialog.where.text()
    _fill(qtbot, dialog, backup_file, OFFICER, OFFICER_PASS)
    assert [dialog.who.itemText(i) for i in range(dialog.who.count())] == [
        LEAD, OFFICER, RECOVERY_CHOICE]
    qtbot.waitUntil(dialog.who.hasFocus)  # two members: who opens it is asked next
    assert dialog.written.text().startswith("Written ")
    with qtbot.waitSignal(dialog.restored, timeout=20_000) as restored:
        _press_restore(qtbot, dialog)
    assert "Restored from lakeside.btambak." in restored.args[0]
    assert "new device" in restored.args[0]
    assert controller.wizard is None
    window = unlock_window(controller)
    assert "Restored from lakeside.btambak" in window.message.text()
    assert [window.member.itemText(i) for i in range(window.member.count())] == [LEAD, OFFICER]
    window.member.setCurrentText(OFFICER)
    main = unlock(qtbot, controller, OFFICER_PASS)
    assert main.isVisible()
    session = controller.session
    assert session is not None
    assert [c.title for c in session.store.list_cases()] == ["Backed up case"]


def test_a_wrong_passphrase_keeps_the_dialog_and_changes_nothing(
    qtbot: QtBot, make_controller: Make, tmp_path: Path, backed_up: tuple[Path, str]
) -> None:
    backup_file, _ = backed_up
    target = tmp_path / "new-laptop" / "team.btam"
    controller = make_controller(target)
    dialog = _restore_dialog_from_wizard(qtbot, controller)
    _fill(qtbot, dialog, backup_file, LEAD, "Wrong-Phrase-000")
    _press_restore(qtbot, dialog)
    qtbot.waitUntil(lambda: "Wrong passphrase for this backup" in dialog.message.text(),
                    timeout=20_000)
    assert dialog.isVisible() and controller.wizard is not None
    assert dialog.secret.text() == ""  # never kept after a try
    assert dialog.file.text() == str(backup_file) and dialog.who.currentText() == LEAD
    assert not target.parent.exists()
    # The right one then works from the same dialog.
    qtbot.keyClicks(dialog.secret, LEAD_PASS)
    with qtbot.waitSignal(dialog.restored, timeout=20_000):
        _press_restore(qtbot, dialog)
    assert vault.vault_exists(target)


def test_the_recovery_key_opens_a_backup(
    qtbot: QtBot, make_controller: Make, vault_path: Path, backed_up: tuple[Path, str]
) -> None:
    backup_file, recovery = backed_up
    controller = make_controller(vault_path)
    dialog = _restore_dialog_from_wizard(qtbot, controller)
    _fill(qtbot, dialog, backup_file, RECOVERY_CHOICE, recovery)
    assert dialog.secret.accessibleName() == "Recovery key"
    with qtbot.waitSignal(dialog.restored, timeout=20_000):
        _press_restore(qtbot, dialog)
    assert vault.vault_exists(vault_path)


def test_a_file_that_is_no_backup_is_said_before_any_passphrase(
    qtbot: QtBot, make_controller: Make, vault_path: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "holiday.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a backup" * 100)
    controller = make_controller(vault_path)
    dialog = _restore_dialog_from_wizard(qtbot, controller)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.file.setFocus()
    qtbot.keyClicks(dialog.file, str(junk))
    qtbot.keyClick(dialog.file, Qt.Key.Key_Tab)
    assert dialog.message.text()
    assert not dialog.who.isEnabled() and not dialog.secret.isEnabled()
    _press_restore(qtbot, dialog)  # nothing to restore: stays, says why
    assert dialog.isVisible() and not vault_path.exists()


def test_the_unlock_window_restores_over_the_vault_keeping_it_beside(
    qtbot: QtBot, make_controller: Make, tmp_path: Path, backed_up: tuple[Path, str]
) -> None:
    """The damaged-vault case: the backup's own vault is replaced, the old file kept."""
    backup_file, _ = backed_up
    here = tmp_path / "old-laptop" / "team.btam"  # the vault the backup was made from
    session, _ = vault.unlock(here, passphrase_text=LEAD_PASS, member=LEAD)
    session.store.create_case(title="Written after the backup")
    session.lock()
    controller = make_controller(here)
    window = unlock_window(controller)
    dialog = window.open_restore()
    assert dialog.replacing and "will be replaced" in dialog.where.text()
    _fill(qtbot, dialog, backup_file, LEAD, LEAD_PASS)
    with qtbot.waitSignal(dialog.restored, timeout=20_000) as restored:
        _press_restore(qtbot, dialog)
    kept = [p for p in here.parent.iterdir() if ".replaced-" in p.name and p.suffix != ".keys"]
    assert kept and f"kept as {kept[0].name}" in restored.args[0]
    main = unlock(qtbot, controller, LEAD_PASS)
    assert main.isVisible()
    assert controller.session is not None
    assert [c.title for c in controller.session.store.list_cases()] == ["Backed up case"]


def test_another_vault_is_replaced_only_when_the_officer_says_so(
    qtbot: QtBot, make_controller: Make, vault_path: Path, backed_up: tuple[Path, str]
) -> None:
    backup_file, _ = backed_up
    other, _ = vault.create_vault(vault_path, member_name="Riley Quinn",
                                  new_passphrase="Another-Vault-Phrase-9", agency=AGENCY)
    other.lock()
    controller = make_controller(vault_path)
    dialog = unlock_window(controller).open_restore()
    _fill(qtbot, dialog, backup_file, LEAD, LEAD_PASS)
    _press_restore(qtbot, dialog)

    def question() -> QMessageBox:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.windowTitle() == "Replace a different vault?"
        return box

    qtbot.waitUntil(lambda: question() is not None, timeout=20_000)
    qtbot.mouseClick(question().button(QMessageBox.StandardButton.No),
                     Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Nothing was changed."
    assert vault.unlock(vault_path, passphrase_text="Another-Vault-Phrase-9")[0].lock() is None
    _press_restore(qtbot, dialog)  # no passphrase typed: asked for, nothing run
    assert "Type the passphrase" in dialog.message.text()
    qtbot.keyClicks(dialog.secret, LEAD_PASS)
    _press_restore(qtbot, dialog)
    qtbot.waitUntil(lambda: question() is not None, timeout=20_000)
    qtbot.mouseClick(question().button(QMessageBox.StandardButton.Yes),
                     Qt.MouseButton.LeftButton)
    assert dialog.secret.text() == ""
    qtbot.waitUntil(dialog.secret.hasFocus)  # the box had the keyboard: back to the field
    qtbot.keyClicks(dialog.secret, LEAD_PASS)
    with qtbot.waitSignal(dialog.restored, timeout=20_000):
        _press_restore(qtbot, dialog)
    window = unlock_window(controller)
    assert [window.member.itemText(i) for i in range(window.member.count())] == [LEAD, OFFICER]


def test_a_cancelled_restore_says_nothing_was_changed(
    qtbot: QtBot, make_controller: Make, vault_path: Path, backed_up: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    backup_file, _ = backed_up

    def cancelled(*_args: object, **kwargs: object) -> None:
        progress = kwargs["progress"]
        assert callable(progress)
        raise backup.RestoreCancelled

    monkeypatch.setattr(backup, "restore", cancelled)
    controller = make_controller(vault_path)
    dialog = _restore_dialog_from_wizard(qtbot, controller)
    _fill(qtbot, dialog, backup_file, LEAD, LEAD_PASS)
    _press_restore(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.message.text() == CANCELLED, timeout=20_000)
    assert dialog.isVisible() and not vault_path.exists()


_POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="named pipes, /dev/zero")


@pytest.mark.parametrize("kind", [
    "folder", pytest.param("named pipe", marks=_POSIX_ONLY),
    pytest.param("device", marks=_POSIX_ONLY), "random bytes", "a header claiming 16 EiB",
    "a vault, not its backup"])
def test_hostile_files_are_refused_at_once_by_their_path(
    qtbot: QtBot, make_controller: Make, vault_path: Path, tmp_path: Path, kind: str,
    existing_vault: Path
) -> None:
    """Whatever is typed or chosen, the header is read within bounds (a pipe is not waited
    on, a device not read) and the message names the whole path as typed ("walk is not a
    regular file" had become "Walk is not…")."""
    made = {
        "folder": lambda p: p.mkdir(),
        "named pipe": lambda p: os.mkfifo(p),
        "random bytes": lambda p: p.write_bytes(bytes(range(256)) * 4000),
        "a header claiming 16 EiB": lambda p: p.write_bytes(backup.MAGIC + b"\xff" * 8),
    }
    path = {"device": Path("/dev/zero"), "a vault, not its backup": existing_vault}.get(
        kind, tmp_path / "walk")
    if kind in made:
        made[kind](path)
    controller = make_controller(tmp_path / "new" / "team.btam")
    dialog = _restore_dialog_from_wizard(qtbot, controller)
    assert not dialog.load_backup(path)
    text = dialog.message.text()
    expected = {"folder": f"{path} is not a regular file (a folder)",
                "named pipe": f"{path} is not a regular file (a named pipe)",
                "device": f"{path} is not a regular file (a device)",
                "random bytes": f"{path} is not a BTAM backup",
                "a header claiming 16 EiB": "The backup's header is damaged",
                "a vault, not its backup": f"{path} is not a BTAM backup"}[kind]
    assert text.startswith(expected), text
    assert not dialog.who.isEnabled() and not dialog.secret.isEnabled()
    assert not (tmp_path / "new").exists()


def test_enter_after_the_file_moves_on_to_who_opens_it(
    qtbot: QtBot, make_controller: Make, vault_path: Path, backed_up: tuple[Path, str]
) -> None:
    """Found by keyboard under Xvfb: Enter after typing the backup's name read it, then said
    "Type the passphrase…" with the passphrase field focused, and the deferred move to "Opens
    with" took the keyboard away again, so the passphrase typed next went into the list."""
    backup_file, _ = backed_up
    controller = make_controller(vault_path)
    dialog = _restore_dialog_from_wizard(qtbot, controller)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.file.setFocus()
    qtbot.keyClicks(dialog.file, str(backup_file))
    qtbot.keyClick(dialog.file, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.who.hasFocus)  # two members and the recovery key: who opens it
    assert dialog.message.text() == "" and dialog.isVisible()
    qtbot.keyClick(dialog.who, Qt.Key.Key_Tab)
    assert dialog.secret.hasFocus()
    qtbot.keyClicks(dialog.secret, LEAD_PASS)
    with qtbot.waitSignal(dialog.restored, timeout=20_000):
        qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    assert vault.vault_exists(vault_path)
