"""Problems found at unlock (a key slot the vault never issued, entries cut from the end of
the audit trail) are shown in the app right after unlock, in plain words, without blocking."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core import keyfile, vault
from btam_desktop.core.db import Database
from btam_desktop.core.keyslots import MEMBER, make_slot
from btam_desktop.ui.controller import AppController
from tests.ui.conftest import LEAD, LEAD_PASS
from tests.ui.helpers import main_window, type_and_submit, unlock_window

Make = Callable[..., AppController]


def unlock(qtbot: QtBot, controller: AppController, passphrase: str) -> QWidget:
    """Unlock through the window (the warning may take the focus from the main window)."""
    with qtbot.waitSignal(controller.session_started, timeout=5000):
        type_and_submit(qtbot, unlock_window(controller), passphrase)
    return main_window(controller)


def _plant_slot(vault_path: Path) -> None:
    session, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    try:
        keys = keyfile.load(vault_path)
        slot, _ = make_slot(vault_id=keys.vault_id, slot_id="planted", kind=MEMBER,
                            label="Spare", secret="Planted-Spare-Lantern-77",
                            db_keys=[bytes(session._db_key)])
        keyfile.save(vault_path, keys.with_slot(slot))
    finally:
        session.lock()


def _cut_audit_tail(vault_path: Path) -> None:
    session, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    session.store.create_case("Something audited")
    key = bytes(session._db_key)
    session.lock()
    db = Database.open(vault_path, key)
    try:
        db.execute("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq DESC"
                   " LIMIT 2)")
    finally:
        db.close()


def test_an_unknown_key_slot_is_shown_after_unlock(qtbot: QtBot, make_controller: Make,
                                                   existing_vault: Path) -> None:
    _plant_slot(existing_vault)
    controller = make_controller(existing_vault)
    main = unlock(qtbot, controller, LEAD_PASS)
    qtbot.waitUntil(lambda: controller.unlock_problems is not None
                    and controller.unlock_problems.isVisible(), timeout=5000)
    box = controller.unlock_problems
    assert box is not None
    assert box.icon() == QMessageBox.Icon.Warning
    assert not box.isModal()  # nothing is blocked
    text = box.text() + box.informativeText()
    assert "This vault's key file has a key slot the vault never issued" in text
    assert "team lead" in text and "Settings \u203a Check" in text
    assert "unknown key slot" in box.detailedText()
    assert main.isVisible()


def test_entries_cut_from_the_audit_trail_are_shown_after_unlock(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    _cut_audit_tail(existing_vault)
    controller = make_controller(existing_vault)
    unlock(qtbot, controller, LEAD_PASS)
    qtbot.waitUntil(lambda: controller.unlock_problems is not None
                    and controller.unlock_problems.isVisible(), timeout=5000)
    box = controller.unlock_problems
    assert box is not None
    text = box.text() + box.informativeText()
    assert "Entries were removed from the end of the audit trail" in text
    assert "key slot" not in box.text()


def test_no_warning_for_a_sound_vault(qtbot: QtBot, make_controller: Make,
                                      existing_vault: Path) -> None:
    controller = make_controller(existing_vault)
    unlock(qtbot, controller, LEAD_PASS)
    assert controller.unlock_problems is None


def test_a_rewritten_audit_trail_is_not_called_a_cut(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    from btam_desktop.ui.controller import unlock_problems_box

    class _Session:
        def __init__(self) -> None:
            self.slot_problems_at_unlock: list[str] = []
            self.audit_problems_at_unlock = ["entry #3 is signed with a key that is not Ada's"]

    parent = QWidget()
    qtbot.addWidget(parent)
    box = unlock_problems_box(_Session(), parent)  # type: ignore[arg-type]
    assert box is not None
    assert "removed from the end" not in box.text()
    assert "rewritten or signed with a key that is not the member's" in box.text()
    assert "signed with a key that is not Ada's" in box.detailedText()
    box.close()
