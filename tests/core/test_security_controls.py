"""Security controls of the README's security model, each tried by the attack it must stop.

Each entry: control / the attack that tries it / the tests proving it holds (CLI tests of
the same control are in tests/cli/test_security_cli.py).

A1. Audit head checked before every append; a gap is kept and reported from then on.
    Attack: delete entries from the end of the audit trail, then unlock (the unlock's own entry
    used to move the head over the gap, so verify and check said OK).
    Tests: test_truncated_audit_*; cli: test_*_cut_from_the_end.

A2. The encrypted database lists the key slots it issued; rekey reseals only those (recovery
    and active members) and drops the rest; removing a member rekeys; an unlisted slot is
    refused at unlock and reported by unlock and check (exit 3).
    Attack: a member plants a slot of their own in the unauthenticated key file while still a
    member (or forges one under another member's id) and waits for "remove member, rekey".
    Tests: test_removed_member_planted_slot_*, test_rekey_never_reseals_an_unknown_slot,
    test_unknown_slot_reported_*, test_slot_with_a_members_id_*, test_old_key_file_*;
    cli: test_check_exits_3_on_a_slot_the_vault_never_issued.

A3. Failed-unlock lockout: check-and-count under an exclusive file lock, counters in the key
    file and the user's lockout record (the stricter applies), restore attempts counted.
    Attack: 20-40 parallel guesses; editing locked_until in the key file; guessing through
    restore of a backup.
    Tests: test_parallel_guesses_*, test_editing_the_key_files_counters_*,
    test_guesses_through_restore_are_counted.

A4. Passphrase strength (zxcvbn score >= 3): tests/core/test_passphrase.py.

A5. Process and memory hygiene: no core dumps or debugger attach, SQLCipher memory wiping, the
    raw key wiped on lock, stale scratch copies swept at unlock, owner-only settings file.
    Attack: a crash dump holding the key and case text; crash leftovers holding purged data.
    Tests: test_start_up_disables_core_dumps_*, test_sqlcipher_wipes_its_memory,
    test_lock_wipes_the_database_key, test_stale_scratch_copies_removed_on_unlock,
    test_settings_file_made_owner_only; cli: test_case_text_can_come_from_standard_input.

A6. Hostile files: YAML aliases refused, nesting bounded.
    Attack: "billion laughs"; 100,000-deep JSON/YAML.
    Tests: test_yaml_aliases_refused, test_billion_laughs_refused_quickly,
    test_deep_nesting_is_a_plain_refusal; cli: escapes in output, restore over another
    vault, damaged KDF fields, a 2 GB attachment.

A7. Error classification by SQLite result code: tests/core/test_db_classify.py.

A8. Attachment export as a release, recorded before the file appears.
    Attack: a busy vault left an exported file with no audit row.
    Tests: test_exported_attachment_appears_only_after_its_record; cli: test_attachment_*.

A9. PDF checks fail under CI without qpdf: tests/core/pdf/test_ci_tools.py.

A10. Audit trail anchored outside the database: entries signed by the acting member's key
    (only their slot opens it), the chains' signed heads in the key file, backups and bundles.
    Attack: with the database key, re-hash, re-sign, cut, empty the chain, list a key in
    another member's name, strip signatures, edit the key file's anchor; the same, then sync.
    Tests: tests/core/test_audit_anchor.py, tests/core/sync/test_audit_signatures.py;
    cli: test_check_exits_3_on_a_chain_cut_with_every_head_moved.

A11. Dissemination log cross-checked against the export audit entries.
    Attack: empty the log, edit a row, drop an entry's reference.
    Tests: tests/core/test_audit_anchor.py::test_*dissemination*;
    cli: test_check_exits_3_when_the_dissemination_log_is_emptied.

A12. Every audit column hashed or signed, one tamper test per column with the exact problem.
    Attack: edit one column; drop `detail` from the hashed fields.
    Tests: tests/core/test_audit.py::test_editing_*, test_every_column_is_hashed_*.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from btam_desktop.core import audit, backup, hardening, keyfile, vault
from btam_desktop.core.db import Database, key_opens
from btam_desktop.core.dissemination import Release
from btam_desktop.core.errors import (
    AccountLocked,
    AuthError,
    IntegrityProblem,
    VaultBusy,
    WrongPassphrase,
)
from btam_desktop.core.forms.documents import read_document
from btam_desktop.core.forms.errors import FormDefinitionError
from btam_desktop.core.keyslots import MEMBER, make_slot, open_keys, unwrap_private
from btam_desktop.core.ops import Operation
from btam_desktop.core.session import Session
from tests.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS


def _busy_then_locked(session: Session) -> bytes:
    for n in range(3):
        session.store.create_case(f"Case {n}")
    key = bytes(session._db_key)
    session.lock()
    return key


def _cut_audit_tail(path: Path, key: bytes, entries: int) -> None:
    db = Database.open(path, key)
    try:
        db.execute("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq DESC"
                   " LIMIT ?)", (entries,))
    finally:
        db.close()


def test_truncated_audit_detected_by_check_after_unlock(session: Session,
                                                        vault_path: Path) -> None:
    key = _busy_then_locked(session)
    _cut_audit_tail(vault_path, key, 2)
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    try:
        assert any("removed from the end" in p for p in again.audit_problems_at_unlock)
        assert any("removed from the end" in p for p in again.check())
        assert any("removed from the end" in p for p in audit.verify(again.db))
    finally:
        again.lock()


def test_truncated_audit_still_reported_after_later_unlocks(session: Session,
                                                            vault_path: Path) -> None:
    key = _busy_then_locked(session)
    _cut_audit_tail(vault_path, key, 1)
    for _ in range(2):  # someone unlocks and locks again: the gap must not be papered over
        vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)[0].lock()
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    try:
        assert any("removed from the end" in p for p in audit.verify(again.db))
    finally:
        again.lock()


# -- A2. Key slots the vault knows ----------------------------------------------------------------
PLANTED_PASS = "Quiet-Borrowed-Lantern-61"


def _plant_slot(officer: Session, slot_id: str = "planted-slot") -> None:
    """What a member can do while still a member: add a slot of their own to the key file,
    sealing the database key they hold (the key file is not authenticated)."""
    keys = keyfile.load(officer.path)
    slot, _ = make_slot(vault_id=keys.vault_id, slot_id=slot_id, kind=MEMBER, label="Spare",
                        secret=PLANTED_PASS, db_keys=[bytes(officer._db_key)])
    keyfile.save(officer.path, keys.with_slot(slot))


def _planted_slot_opens(vault_path: Path, slot_id: str = "planted-slot") -> bool:
    keys = keyfile.load(vault_path)
    slot = keys.slot(slot_id)
    if slot is None:
        return False
    private = unwrap_private(slot, PLANTED_PASS, keys.vault_id)
    return any(key_opens(vault_path, k) for k in open_keys(slot, private, keys.vault_id))


def _lead_with_officer(session: Session, vault_path: Path) -> Session:
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    session.store.create_case("Before the removal")
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    _plant_slot(officer)
    officer.lock()
    assert _planted_slot_opens(vault_path)  # the attack's premise
    return session


def test_removed_member_planted_slot_opens_nothing_after_removal(session: Session,
                                                                 vault_path: Path) -> None:
    lead = _lead_with_officer(session, vault_path)
    lead.remove_member(OFFICER)
    assert not _planted_slot_opens(vault_path)
    lead.lock()
    assert not _planted_slot_opens(vault_path)


def test_rekey_never_reseals_an_unknown_slot(session: Session, vault_path: Path) -> None:
    lead = _lead_with_officer(session, vault_path)
    lead.rekey()
    assert not _planted_slot_opens(vault_path)
    # The legitimate members still open it.
    lead.lock()
    vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)[0].lock()
    vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)[0].lock()


def test_unknown_slot_reported_by_check_and_at_unlock(session: Session,
                                                      vault_path: Path) -> None:
    lead = _lead_with_officer(session, vault_path)
    assert any("unknown key slot" in p for p in lead.check())
    lead.lock()
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    try:
        assert any("unknown key slot" in p for p in again.slot_problems_at_unlock)
    finally:
        again.lock()


def test_slot_with_a_members_id_but_another_key_is_unknown(session: Session,
                                                           vault_path: Path) -> None:
    """A planted slot cannot borrow a real member's id: the public key must match too."""
    lead = _lead_with_officer(session, vault_path)
    keys = keyfile.load(vault_path)
    officer_id = lead.find_member(OFFICER).id
    forged, _ = make_slot(vault_id=keys.vault_id, slot_id=officer_id, kind=MEMBER,
                          label=OFFICER, secret=PLANTED_PASS, db_keys=[bytes(lead._db_key)])
    keyfile.save(vault_path, keys.with_slot(forged))
    assert any("unknown key slot" in p for p in lead.check())
    lead.lock()
    with pytest.raises(IntegrityProblem, match="not issued by this vault"):
        vault.unlock(vault_path, passphrase_text=PLANTED_PASS, member=OFFICER)
    lead, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    lead.rekey()
    lead.lock()
    assert not _planted_slot_opens(vault_path, officer_id)


def test_old_key_file_of_removed_member_opens_nothing_current(session: Session,
                                                             vault_path: Path) -> None:
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    old_keys = keyfile.load(vault_path)
    session.remove_member(OFFICER)
    session.lock()
    slot = next(s for s in old_keys.slots if s.label == OFFICER)
    private = unwrap_private(slot, OFFICER_PASS, old_keys.vault_id)
    assert not any(key_opens(vault_path, k)
                   for k in open_keys(slot, private, old_keys.vault_id))


# -- A3. Failed-unlock lockout ---------------------------------------------------------------------
WRONG = "wrong-wrong-wrong"


def test_parallel_guesses_are_counted_one_at_a_time(session: Session, vault_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    session.lock()
    evaluated: list[int] = []
    real = vault.unwrap_private

    def slow_unwrap(*args: object) -> bytes:
        evaluated.append(1)
        time.sleep(0.02)  # a real Argon2id takes ~0.2 s: plenty of time to race the count
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vault, "unwrap_private", slow_unwrap)

    def guess() -> str:
        try:
            vault.unlock(vault_path, passphrase_text=WRONG, member=LEAD)
        except AuthError as exc:
            return type(exc).__name__
        return "unlocked"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda _: guess(), range(20)))
    assert "unlocked" not in outcomes
    assert len(evaluated) == vault.MAX_FAILURES, outcomes


def test_editing_the_key_files_counters_does_not_lift_a_lockout(session: Session,
                                                                vault_path: Path) -> None:
    session.lock()
    for _ in range(vault.MAX_FAILURES - 1):
        with pytest.raises(WrongPassphrase):
            vault.unlock(vault_path, passphrase_text=WRONG)
    with pytest.raises(AccountLocked):
        vault.unlock(vault_path, passphrase_text=WRONG)
    keys = keyfile.load(vault_path)
    keyfile.save(vault_path, keyfile.KeyFile(keys.vault_id, tuple(
        replace(s, failed_attempts=0, locked_until=None) for s in keys.slots)))
    with pytest.raises(AccountLocked):
        vault.unlock(vault_path, passphrase_text=LEAD_PASS)


def test_guesses_through_restore_are_counted(session: Session, tmp_path: Path) -> None:
    saved = tmp_path / "team.btambak"
    session.backup(saved)
    session.lock()
    target = tmp_path / "restored.btam"
    for _ in range(vault.MAX_FAILURES - 1):
        with pytest.raises(WrongPassphrase):
            backup.restore(saved, target, passphrase_text=WRONG)
    with pytest.raises(AccountLocked):
        backup.restore(saved, target, passphrase_text=WRONG)
    with pytest.raises(AccountLocked):
        backup.restore(saved, target, passphrase_text=LEAD_PASS)
    assert not target.exists()


# -- A5. Memory and process hygiene ----------------------------------------------------------------
_PROBE = """
import ctypes, resource, sys
{start}
libc = ctypes.CDLL(None)
print(resource.getrlimit(resource.RLIMIT_CORE)[1], libc.prctl(3, 0, 0, 0, 0))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_CORE/prctl: Linux")
@pytest.mark.parametrize("start", [
    "from btam_desktop.cli import main; main(['--version'])",
    "from btam_desktop.ui.app import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n"
    "    pass",
], ids=["cli", "app"])
def test_start_up_disables_core_dumps_and_attaching(start: str) -> None:
    """A crash dump held the raw database key, the passphrase and case text."""
    result = subprocess.run([sys.executable, "-c", _PROBE.format(start=start)],
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    hard_core_limit, dumpable = result.stdout.split()[-2:]
    assert (hard_core_limit, dumpable) == ("0", "0")


def test_sqlcipher_wipes_its_memory_when_the_department_asks(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # Off by default (it made writes 7-9x slower); BTAM_MEMORY_SECURITY=1 turns it on.
    assert str(session.db.scalar("PRAGMA cipher_memory_security")) == "0"
    monkeypatch.setenv("BTAM_MEMORY_SECURITY", "1")
    session.lock()
    again, _ = vault.unlock(session.path, passphrase_text=LEAD_PASS)
    try:
        assert str(again.db.scalar("PRAGMA cipher_memory_security")) == "1"
    finally:
        again.lock()


def test_lock_wipes_the_database_key(session: Session) -> None:
    held = session._db_key
    assert isinstance(held, bytearray) and any(held)
    session.lock()
    assert held == bytearray(len(held))


def test_stale_scratch_copies_removed_on_unlock(session: Session, vault_path: Path) -> None:
    """A crash during rekey or backup left full-size copies (with data a later purge erased)
    that nothing removed."""
    session.lock()
    old = time.time() - 3600
    stale = [vault_path.with_name(f".{vault_path.name}.{kind}-{tag}")
             for kind, tag in [("rekey", "4242"), ("backup", "0a1b2c3d"),
                               ("restoring", "9f8e7d6c"), ("creating", "deadbeef"),
                               ("rekey", "4242-wal")]]
    for leftover in stale:
        leftover.write_bytes(b"x" * 4096)
        os.utime(leftover, (old, old))
    busy = vault_path.with_name(f".{vault_path.name}.backup-live0001")
    busy.write_bytes(b"being written")
    vault.unlock(vault_path, passphrase_text=LEAD_PASS)[0].lock()
    assert [p for p in stale if p.exists()] == []
    assert busy.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_settings_file_made_owner_only(tmp_path: Path) -> None:
    settings = tmp_path / "config" / "BTAM Desktop.conf"
    hardening.owner_only(settings)
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    settings.chmod(0o644)
    hardening.owner_only(settings)
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600


# -- A6. Hostile form documents -------------------------------------------------------------
BILLION_LAUGHS = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(8))


def test_yaml_aliases_refused(tmp_path: Path) -> None:
    doc = tmp_path / "form.yaml"
    doc.write_text("title: &t Hello\nother: *t\n")
    with pytest.raises(FormDefinitionError, match="alias"):
        read_document(doc)


def test_billion_laughs_refused_quickly(tmp_path: Path) -> None:
    doc = tmp_path / "laughs.yaml"
    doc.write_text(BILLION_LAUGHS)
    started = time.monotonic()
    with pytest.raises(FormDefinitionError, match="alias"):
        read_document(doc)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(("suffix", "text"), [
    (".json", "[" * 100_000 + "]" * 100_000),
    (".yaml", "[" * 100_000 + "]" * 100_000),
    (".json", '{"a":' * 50_000 + "1" + "}" * 50_000),
])
def test_deep_nesting_is_a_plain_refusal(tmp_path: Path, suffix: str, text: str) -> None:
    doc = tmp_path / f"deep{suffix}"
    doc.write_text(text)
    with pytest.raises(FormDefinitionError, match="nested"):
        read_document(doc)


# -- A8. Attachment exports ------------------------------------------------------------------------
def test_exported_attachment_appears_only_after_its_record(
        session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy vault left an exported file with no audit row: the record must commit first."""
    case = session.store.create_case("With a statement")
    att = session.store.add_attachment(case.id, "statement.txt", b"witness statement")
    out = tmp_path / "out.txt"

    def busy(self: Operation) -> None:
        raise VaultBusy("the vault is in use by another program; try again in a moment")

    monkeypatch.setattr(Operation, "finish", busy)
    with pytest.raises(VaultBusy):
        session.store.export_attachment(
            att.id, out, Release.checked("Court clerk", "court", "subpoena 26-114"))
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.txt")] == []
