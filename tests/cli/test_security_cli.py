"""Security controls tried through the command line (see tests/core/test_security_controls.py
for the table of controls and attacks)."""

from __future__ import annotations

from pathlib import Path

from btam_desktop.core import keyfile, vault
from btam_desktop.core.db import Database
from btam_desktop.core.keyslots import MEMBER, make_slot
from tests.cli.conftest import Run
from tests.conftest import LEAD, LEAD_PASS


def _cut_audit_tail(vault_path: Path, entries: int) -> None:
    session, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    key = bytes(session._db_key)
    session.lock()
    db = Database.open(vault_path, key)
    try:
        db.execute("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq DESC"
                   " LIMIT ?)", (entries,))
    finally:
        db.close()


def test_audit_verify_detects_entries_cut_from_the_end(initialised: Run,
                                                        tmp_path: Path) -> None:
    assert initialised("case", "add", "--title", "First")[0] == 0
    _cut_audit_tail(tmp_path / "v.btam", 2)
    code, out, _ = initialised("audit", "verify")
    assert code == 3, out
    assert "removed from the end" in out


def test_check_detects_entries_cut_from_the_end(initialised: Run, tmp_path: Path) -> None:
    assert initialised("case", "add", "--title", "First")[0] == 0
    _cut_audit_tail(tmp_path / "v.btam", 1)
    code, out, _ = initialised("--member", LEAD, "check")
    assert code == 3, out
    assert "removed from the end" in out


def test_check_exits_3_on_a_slot_the_vault_never_issued(initialised: Run,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "v.btam"
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS, member=LEAD)
    keys = keyfile.load(path)
    slot, _ = make_slot(vault_id=keys.vault_id, slot_id="planted", kind=MEMBER, label="Spare",
                        secret="Quiet-Borrowed-Lantern-61", db_keys=[bytes(session._db_key)])
    session.lock()
    keyfile.save(path, keys.with_slot(slot))
    code, out, err = initialised("--member", LEAD, "check")
    assert code == 3, out + err
    assert "unknown key slot" in out
    code, out, _ = initialised("--member", LEAD, "rekey")
    assert code == 0
    assert "dropped" in out
    assert keyfile.load(path).slot("planted") is None
    assert initialised("--member", LEAD, "check")[0] == 0
