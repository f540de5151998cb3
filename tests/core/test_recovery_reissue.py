"""The recovery key: whether it was confirmed as written down (a wizard killed on its page
leaves it unconfirmed), and a lead issuing a new one (the old one stops working)."""

from __future__ import annotations

from pathlib import Path

import pytest

from btam_desktop.core import keyfile, vault
from btam_desktop.core.errors import PermissionDenied, WrongPassphrase
from btam_desktop.core.session import Session
from tests.conftest import LEAD_PASS, OFFICER, OFFICER_PASS


def test_a_vault_made_without_the_confirmation_step_says_nothing(
    created: tuple[Session, str]
) -> None:
    session, _key = created
    # The command line shows the key and has no confirm step: nothing to nag about.
    assert session.recovery_key_confirmed


def test_the_confirmation_is_recorded_in_the_vault_and_audited(
    created: tuple[Session, str], vault_path: Path
) -> None:
    session, _key = created
    session.set_recovery_key_confirmed(False)
    session.lock()
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    assert not again.recovery_key_confirmed
    again.set_recovery_key_confirmed(True)
    assert again.recovery_key_confirmed
    actions = [r["action"] for r in again.db.query("SELECT action FROM audit ORDER BY rowid")]
    assert actions.count("recovery.confirm") == 2
    again.lock()


def test_a_new_recovery_key_replaces_the_old_one(created: tuple[Session, str],
                                                  vault_path: Path) -> None:
    session, old_key = created
    before = keyfile.load(vault_path).slot(vault.RECOVERY_SLOT_ID)
    new_key = session.reissue_recovery_key()
    assert new_key != old_key
    after = keyfile.load(vault_path).slot(vault.RECOVERY_SLOT_ID)
    assert after is not None and before is not None and after != before
    # Issued, not yet confirmed as written down.
    assert not session.recovery_key_confirmed
    actions = [r["action"] for r in session.db.query("SELECT action FROM audit")]
    assert "recovery.reissue" in actions
    session.lock()

    with pytest.raises(WrongPassphrase):
        vault.unlock_with_recovery(vault_path, old_key)
    opened = vault.unlock_with_recovery(vault_path, new_key)
    assert opened.check() == []
    opened.lock()
    # The members' passphrases are untouched.
    member, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    member.lock()


def test_the_new_recovery_key_survives_a_rekey(created: tuple[Session, str],
                                               vault_path: Path) -> None:
    session, _old = created
    new_key = session.reissue_recovery_key()
    assert session.rekey() == []  # the new slot is one the vault issued: resealed, not dropped
    session.lock()
    vault.unlock_with_recovery(vault_path, new_key).lock()


def test_only_a_lead_issues_a_recovery_key(created: tuple[Session, str],
                                           vault_path: Path) -> None:
    session, old_key = created
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.lock()
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    with pytest.raises(PermissionDenied):
        officer.reissue_recovery_key()
    officer.lock()
    vault.unlock_with_recovery(vault_path, old_key).lock()
