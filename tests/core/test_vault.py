"""Vault: creation, unlocking, key slots, lockout, rekey, backup/restore, keyring, privacy."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from btam_desktop.core import keyfile, keyring_store, vault
from btam_desktop.core.backup import restore as restore_backup
from btam_desktop.core.db import key_opens
from btam_desktop.core.errors import (
    AccountLocked,
    AuthError,
    IntegrityProblem,
    InvalidInput,
    PermissionDenied,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WeakPassphrase,
    WrongPassphrase,
)
from btam_desktop.core.paths import wal_paths
from btam_desktop.core.session import Session
from tests.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_refuses_existing_vault(created: tuple[Session, str], vault_path: Path) -> None:
    before = digest(vault_path)
    with pytest.raises(VaultExists):
        vault.create_vault(vault_path, member_name="Other Lead", new_passphrase=LEAD_PASS)
    assert digest(vault_path) == before


def test_files_are_owner_only(created: tuple[Session, str], vault_path: Path) -> None:
    for path in (vault_path, keyfile.keys_path_for(vault_path)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_weak_passphrases_rejected(vault_path: Path) -> None:
    for weak, rule in [("short1!", "10 characters"), ("password123", "commonly used"),
                       ("Password1234!!", "commonly used"), ("dana-reyes-2026", "your name")]:
        with pytest.raises(WeakPassphrase, match=rule):
            vault.create_vault(vault_path, member_name=LEAD, new_passphrase=weak)
    assert not vault_path.exists()


def test_first_member_must_be_lead(vault_path: Path) -> None:
    with pytest.raises(InvalidInput, match="first member of a vault is its lead"):
        vault.create_vault(vault_path, member_name=LEAD, new_passphrase=LEAD_PASS,
                           role="officer")


def test_wrong_passphrase_leaves_vault_bytes_unchanged(
    created: tuple[Session, str], vault_path: Path
) -> None:
    session, _ = created
    session.store.create_case("Something to protect")
    session.lock()
    before = {p: digest(p) for p in [vault_path, *wal_paths(vault_path)] if p.exists()}
    with pytest.raises(WrongPassphrase, match="wrong passphrase or not a BTAM vault"):
        vault.unlock(vault_path, passphrase_text="Not-The-Right-One-99")
    after = {p: digest(p) for p in [vault_path, *wal_paths(vault_path)] if p.exists()}
    assert after == before


def test_open_never_creates_a_vault(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.btam"
    with pytest.raises(VaultNotFound):
        vault.unlock(missing, passphrase_text=LEAD_PASS)
    assert not missing.exists()
    assert not keyfile.keys_path_for(missing).exists()


def test_random_file_is_not_a_vault(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.btam"
    bogus.write_bytes(os.urandom(8192))
    with pytest.raises(IntegrityProblem):  # no key file: cannot be a vault we made
        vault.unlock(bogus, passphrase_text=LEAD_PASS)
    assert bogus.stat().st_size == 8192


def test_lockout_after_five_failures(created: tuple[Session, str], vault_path: Path) -> None:
    created[0].lock()
    now = datetime.now(UTC)
    for _ in range(4):
        with pytest.raises(WrongPassphrase):
            vault.unlock(vault_path, passphrase_text="wrong-wrong-wrong", now=now)
    with pytest.raises(AccountLocked):
        vault.unlock(vault_path, passphrase_text="wrong-wrong-wrong", now=now)
    # Even the right passphrase is refused while locked...
    with pytest.raises(AccountLocked, match="try again after"):
        vault.unlock(vault_path, passphrase_text=LEAD_PASS, now=now + timedelta(minutes=9))
    # ...and accepted once the ten minutes are over.
    session, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS,
                              now=now + timedelta(minutes=11))
    session.lock()


def test_success_resets_failure_count(created: tuple[Session, str], vault_path: Path) -> None:
    created[0].lock()
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            vault.unlock(vault_path, passphrase_text="wrong-wrong-wrong")
    vault.unlock(vault_path, passphrase_text=LEAD_PASS)[0].lock()
    for _ in range(4):  # four more failures do not lock: the count started again
        with pytest.raises(WrongPassphrase):
            vault.unlock(vault_path, passphrase_text="wrong-wrong-wrong")


def test_two_members_each_with_own_passphrase(
    created: tuple[Session, str], vault_path: Path
) -> None:
    session, _ = created
    session.add_member(OFFICER, "officer", OFFICER_PASS, badge="4471")
    session.lock()
    lead, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    assert lead.member and lead.member.name == LEAD
    lead.lock()
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member="sam ortiz")
    assert officer.member and officer.member.role == "officer"
    officer.lock()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=OFFICER)
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=LEAD)
    with pytest.raises(AuthError, match="several members"):
        vault.unlock(vault_path, passphrase_text=LEAD_PASS)


def test_adding_members_never_reencrypts(created: tuple[Session, str], vault_path: Path) -> None:
    session, _ = created
    session.store.create_case("Case before member changes")
    session.lock()
    session, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    key_before = bytes(session._db_key)
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.set_passphrase(OFFICER, "Another-Long-Phrase-8")
    assert session._db_key == key_before
    # Removing a member does re-encrypt: their old copy of the key file must open nothing new.
    session.remove_member(OFFICER)
    assert session._db_key != key_before
    session.lock()
    assert not key_opens(vault_path, key_before)


def test_officer_cannot_manage_members(created: tuple[Session, str], vault_path: Path) -> None:
    session, _ = created
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.lock()
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    with pytest.raises(PermissionDenied):
        officer.add_member("Kim Park", "officer", "Kim-Park-Long-Phrase-1x")
    with pytest.raises(PermissionDenied):
        officer.set_passphrase(LEAD, "Hijacked-Passphrase-11")
    officer.set_passphrase(OFFICER, "Fresh-Officer-Phrase-3")  # their own: allowed
    officer.lock()
    vault.unlock(vault_path, passphrase_text="Fresh-Officer-Phrase-3", member=OFFICER)[0].lock()


def test_removed_member_cannot_unlock(created: tuple[Session, str], vault_path: Path) -> None:
    session, _ = created
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.remove_member(OFFICER)
    session.lock()
    with pytest.raises(AuthError):
        vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)


def test_recovery_key_unlocks_and_resets_passphrase(
    created: tuple[Session, str], vault_path: Path
) -> None:
    session, recovery = created
    session.lock()
    spaced = recovery.replace("-", " ")  # typed from paper
    rescue = vault.unlock_with_recovery(vault_path, spaced)
    assert rescue.actor_name == "Recovery key"
    rescue.set_passphrase(LEAD, "Brand-New-Lead-Phrase-5")
    rescue.lock()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    vault.unlock(vault_path, passphrase_text="Brand-New-Lead-Phrase-5")[0].lock()
    with pytest.raises(WrongPassphrase):
        vault.unlock_with_recovery(vault_path, "1" * 48)


def test_rekey_then_only_new_key_and_new_passphrase_open(
    created: tuple[Session, str], vault_path: Path
) -> None:
    session, _ = created
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    case = session.store.create_case("Survives rekey")
    old_key = bytes(session._db_key)
    session.rekey()
    session.set_passphrase(LEAD, "Rekeyed-Lead-Phrase-77")
    assert session.store.get_case(case.id).title == "Survives rekey"
    session.lock()
    assert not key_opens(vault_path, old_key)
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    lead, _ = vault.unlock(vault_path, passphrase_text="Rekeyed-Lead-Phrase-77", member=LEAD)
    assert lead.store.get_case(case.number).id == case.id
    lead.lock()
    # The officer never typed anything, yet their slot was resealed to the new key.
    vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)[0].lock()


def test_rekey_interrupted_after_file_swap_still_opens(
    created: tuple[Session, str], vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between replacing the file and rewriting the slots must not lose the vault."""
    session, _ = created
    session.store.create_case("Crash during rekey")
    calls = {"n": 0}
    real_save = keyfile.save

    def crashing_save(path: Path, keys: keyfile.KeyFile) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the final "new key only" write
            raise OSError("power cut")
        real_save(path, keys)

    monkeypatch.setattr(keyfile, "save", crashing_save)
    with pytest.raises(OSError, match="power cut"):
        session.rekey()
    monkeypatch.setattr(keyfile, "save", real_save)
    reopened, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    assert [c.title for c in reopened.store.list_cases()] == ["Crash during rekey"]
    reopened.lock()


def test_vault_and_wal_hold_no_plaintext(created: tuple[Session, str], vault_path: Path) -> None:
    session, _ = created
    secrets_written = ["Quillfeather", "Zanzibarovic", "ravenwing77", "lunchroom ultimatum",
                       "Harrowgate Middle"]
    case = session.store.create_case("Harrowgate Middle statement")
    person = session.store.add_person("Quillfeather", "Orin", aliases=["ravenwing77"])
    session.store.link_person(case.id, person.id, "person_of_concern")
    session.store.add_person("Zanzibarovic", "Mila")
    session.store.add_note(case.id, "He issued a lunchroom ultimatum to two classmates")
    session.store.add_attachment(case.id, "statement.txt", b"Quillfeather statement text")
    files = [p for p in [vault_path, *wal_paths(vault_path)] if p.exists()]
    assert any(p.name.endswith("-wal") for p in files), "WAL should exist while open"
    keys_text = keyfile.keys_path_for(vault_path).read_bytes()
    for path in files:
        data = path.read_bytes()
        for text in secrets_written:
            assert text.encode() not in data, f"{text!r} in plaintext in {path.name}"
            assert text.encode("utf-16-le") not in data
    for text in secrets_written:
        assert text.encode() not in keys_text
    session.lock()
    data = vault_path.read_bytes()
    assert not any(t.encode() in data for t in secrets_written)
    assert not data.startswith(b"SQLite format 3")


def test_locked_session_refuses_use(session: Session) -> None:
    session.lock()
    with pytest.raises(VaultLocked):
        session.store.list_cases()
    session.lock()  # twice is harmless


def test_backup_and_restore_roundtrip(session: Session, tmp_path: Path) -> None:
    case = session.store.create_case("Backed up case")
    session.store.add_note(case.id, "Note inside the backup")
    backup = tmp_path / "backup.btambak"
    session.backup(backup)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert b"Backed up case" not in backup.read_bytes()
    target = tmp_path / "restored" / "team.btam"
    restore_backup(backup, target, passphrase_text=LEAD_PASS)
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    assert restored.store.get_case(case.number).title == "Backed up case"
    assert restored.check() == []
    restored.lock()


def test_restore_is_all_or_nothing(session: Session, tmp_path: Path, vault_path: Path) -> None:
    session.store.create_case("Original")
    backup = tmp_path / "backup.btambak"
    session.backup(backup)
    session.lock()
    before = digest(vault_path)
    with pytest.raises(VaultExists):
        restore_backup(backup, vault_path, passphrase_text=LEAD_PASS)
    with pytest.raises(WrongPassphrase):
        restore_backup(backup, tmp_path / "x.btam", passphrase_text="Wrong-Phrase-000")
    assert not (tmp_path / "x.btam").exists()
    damaged = tmp_path / "damaged.btambak"
    data = bytearray(backup.read_bytes())
    data[-100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(IntegrityProblem, match="damaged"):
        restore_backup(damaged, tmp_path / "y.btam", passphrase_text=LEAD_PASS)
    truncated = tmp_path / "truncated.btambak"
    truncated.write_bytes(backup.read_bytes()[:5000])
    with pytest.raises(IntegrityProblem):
        restore_backup(truncated, tmp_path / "z.btam", passphrase_text=LEAD_PASS)
    assert not list(tmp_path.glob("[xyz].btam*"))
    assert digest(vault_path) == before
    # Replacing keeps the old vault beside the restored one.
    kept = restore_backup(backup, vault_path, passphrase_text=LEAD_PASS,
                          replace_existing=True)
    assert kept is not None and kept.exists() and digest(kept) == before


def test_integrity_check_passes_on_fresh_vault(session: Session) -> None:
    assert session.check() == []


def test_keyring_remember_and_unlock(created: tuple[Session, str], vault_path: Path) -> None:
    session, _ = created
    session.lock()
    session, private = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    assert keyring_store.available()
    assert session.remember_on_device(private)
    session.lock()
    remembered = vault.unlock_with_device_key(vault_path)
    assert remembered is not None and remembered.member and remembered.member.name == LEAD
    # A passphrase change makes the stored copy useless: ask for the passphrase again.
    remembered.set_passphrase(LEAD, "Changed-Lead-Phrase-31")
    remembered.lock()
    assert vault.unlock_with_device_key(vault_path) is None


def test_stale_keyring_entry_means_ask(created: tuple[Session, str], vault_path: Path) -> None:
    session, _ = created
    session.lock()
    keyring_store.remember(session.vault_id, session.slot_id, os.urandom(32))
    assert vault.unlock_with_device_key(vault_path) is None
    assert keyring_store.recall(session.vault_id, session.slot_id) is None  # forgotten


@pytest.mark.usefixtures("no_keyring")
def test_no_keyring_backend_reports_unavailable(
    created: tuple[Session, str], vault_path: Path
) -> None:
    session, _ = created
    assert not keyring_store.available()
    assert session.remember_on_device(b"k" * 32) is False
    session.lock()
    assert vault.unlock_with_device_key(vault_path) is None
    assert sorted(p.name for p in vault_path.parent.iterdir()) == sorted(
        [vault_path.name, vault_path.name + ".keys"])


def test_broken_keyring_means_ask(
    created: tuple[Session, str], vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring as kr

    def boom(*_: object) -> None:
        raise RuntimeError("keyring daemon crashed")

    session, _ = created
    session.lock()
    monkeypatch.setattr(kr, "get_password", boom)
    monkeypatch.setattr(kr, "set_password", boom)
    assert keyring_store.recall("v", "s") is None
    assert keyring_store.remember("v", "s", b"x") is False
    assert vault.unlock_with_device_key(vault_path) is None


def test_idle_minutes_default_and_bounds(session: Session) -> None:
    assert session.idle_minutes == 15
    session.set_setting("idle_minutes", "5")
    assert session.idle_minutes == 5
    with pytest.raises(Exception, match="between 1 and 30"):
        session.set_setting("idle_minutes", "45")


def test_member_picker_lists_names_only(created: tuple[Session, str], vault_path: Path) -> None:
    session, _ = created
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    assert sorted(s.label for s in vault.member_slots(vault_path)) == [LEAD, OFFICER]


def test_verify_passphrase_without_second_session(
    created: tuple[Session, str], vault_path: Path
) -> None:
    session, _ = created
    unlocks_before = session.store.count_audit(action="vault.unlock")
    assert session.verify_passphrase(LEAD_PASS)
    for _ in range(4):
        with pytest.raises(WrongPassphrase):
            session.verify_passphrase("not-it-at-all-1")
    with pytest.raises(AccountLocked):
        session.verify_passphrase("not-it-at-all-1")
    assert session.store.count_audit(action="vault.unlock") == unlocks_before


def test_member_slots_count_failed_attempts(
    created: tuple[Session, str], vault_path: Path
) -> None:
    created[0].lock()
    assert vault.member_slots(vault_path)[0].failed_attempts == 0
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            vault.unlock(vault_path, passphrase_text="wrong-wrong-wrong")
    assert vault.member_slots(vault_path)[0].failed_attempts == 2
    # The stricter count applies: resetting the key file's counter alone changes nothing.
    keys = keyfile.load(vault_path)
    slot = next(s for s in keys.slots if s.kind == "member")
    keyfile.save(vault_path, keys.with_slot(replace(slot, failed_attempts=0)))
    assert vault.member_slots(vault_path)[0].failed_attempts == 2
    vault.unlock(vault_path, passphrase_text=LEAD_PASS)[0].lock()
    assert vault.member_slots(vault_path)[0].failed_attempts == 0
