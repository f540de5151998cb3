"""Security controls tried through the command line (see tests/core/test_security_controls.py
for the table of controls and attacks)."""

from __future__ import annotations

import hashlib
import io
import json
import sys
from pathlib import Path

import pytest

from btam_desktop.core import keyfile, vault
from btam_desktop.core.db import Database
from btam_desktop.core.errors import VaultBusy
from btam_desktop.core.keyslots import MEMBER, make_slot
from btam_desktop.core.ops import Operation
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


def test_case_text_can_come_from_standard_input(initialised: Run,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Text on the command line is readable by every local user in /proc and kept in shell
    history; '-' reads it from standard input instead."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("Threats toward a coworker\n"))
    code, out, err = initialised("case", "add", "--title", "-", "--json")
    assert code == 0, err
    number = json.loads(out)["number"]
    code, out, _ = initialised("case", "show", number, "--json")
    assert json.loads(out)["title"] == "Threats toward a coworker"
    monkeypatch.setattr(sys, "stdin", io.StringIO("x"))
    code, _, err = initialised("case", "add", "--title", "-", "--summary", "-")
    assert code == 1
    assert "only one value" in err


# -- A6. Hostile files and hostile text ------------------------------------------------------------
HOSTILE = "Harmless\x1b]0;pwned\x07\x1b[2J\u202eevil"


def test_terminal_escapes_in_titles_are_shown_escaped(initialised: Run, tmp_path: Path) -> None:
    session, _ = vault.unlock(tmp_path / "v.btam", passphrase_text=LEAD_PASS, member=LEAD)
    number = session.store.create_case(HOSTILE).number
    session.lock()
    for argv in (("case", "list"), ("case", "show", number)):
        code, out, _ = initialised(*argv)
        assert code == 0
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out, argv
        assert "\\x1b" in out and "\\u202e" in out


def test_terminal_escapes_in_form_labels_are_shown_escaped(initialised: Run,
                                                           tmp_path: Path) -> None:
    text = Path("forms/contact_log.yaml").read_text(encoding="utf-8")
    text = text.replace("id: contact_log\n", "id: hostile_log\n", 1).replace(
        "title: Contact and intervention log\n",
        'title: "Log\\e[2J\\u202eevil"\n', 1)
    form = tmp_path / "hostile_log.yaml"
    form.write_text(text, encoding="utf-8")
    code, _, err = initialised("forms", "import", str(form))
    assert code == 0, err
    for argv in (("forms", "list"), ("forms", "show", "hostile_log")):
        code, out, _ = initialised(*argv)
        assert code == 0
        assert "\x1b" not in out and "\u202e" not in out, argv
        assert "\\x1b" in out


def test_restore_over_another_vault_says_so_and_asks(initialised: Run,
                                                     tmp_path: Path) -> None:
    other_path = tmp_path / "other.btam"
    other, _ = vault.create_vault(other_path, member_name=LEAD, new_passphrase=LEAD_PASS)
    other.backup(tmp_path / "other.btambak")
    other.lock()
    code, _, err = initialised("restore", str(tmp_path / "other.btambak"), "--replace")
    assert code == 1
    assert "another vault" in err
    assert vault.unlock(tmp_path / "v.btam", passphrase_text=LEAD_PASS)[0].vault_id != \
        other.vault_id
    code, _, err = initialised("restore", str(tmp_path / "other.btambak"), "--replace",
                               "--yes-replace-other-vault")
    assert code == 0, err


@pytest.mark.parametrize(("field", "value"), [
    ("iterations", 0), ("lanes", 0), ("memory_kib", 1 << 40), ("salt", ""),
    ("memory_kib", "lots"),
])
def test_damaged_kdf_fields_are_an_integrity_problem(initialised: Run, tmp_path: Path,
                                                     field: str, value: object) -> None:
    keys_path = tmp_path / "v.btam.keys"
    data = json.loads(keys_path.read_text())
    for slot in data["slots"]:
        slot["kdf"][field] = value
    keys_path.write_text(json.dumps(data))
    code, _, err = initialised("case", "list")
    assert code == 3, err
    assert "key file" in err and "internal error" not in err


def test_huge_attachment_refused_before_it_is_read(initialised: Run, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = initialised("case", "add", "--title", "Attachments", "--json")
    number = json.loads(out)["number"]
    huge = tmp_path / "huge.bin"
    with open(huge, "wb") as handle:  # sparse: 2 GB on paper, nothing on disk
        handle.truncate(2 * 1024 ** 3)

    def no_whole_reads(self: Path) -> bytes:
        raise AssertionError(f"{self} read whole")

    monkeypatch.setattr(Path, "read_bytes", no_whole_reads)
    code, _, err = initialised("attach", "add", number, str(huge))
    assert code == 1, err
    assert "200 MB" in err


# -- A8. Attachment exports go through the release path ------------------------------------
def _attachment(initialised: Run, tmp_path: Path) -> tuple[str, str]:
    code, out, _ = initialised("case", "add", "--title", "With a statement", "--json")
    number = json.loads(out)["number"]
    (tmp_path / "statement.txt").write_text("witness statement")
    code, out, err = initialised("attach", "add", number, str(tmp_path / "statement.txt"),
                                 "--json")
    assert code == 0, err
    return number, json.loads(out)["id"]


RELEASE = ("--recipient", "ADA Kim, County Prosecutor", "--purpose", "Charging decision",
           "--legal-basis", "State code 12-34(b)")


def test_attachment_export_needs_recipient_purpose_and_basis(initialised: Run,
                                                             tmp_path: Path) -> None:
    _, att = _attachment(initialised, tmp_path)
    out = tmp_path / "out.txt"
    code, _, err = initialised("attach", "export", att, "-o", str(out))
    assert code == 1
    assert "recipient" in err and not out.exists()


def test_attachment_export_is_in_the_dissemination_log(initialised: Run,
                                                       tmp_path: Path) -> None:
    number, att = _attachment(initialised, tmp_path)
    out = tmp_path / "out.txt"
    code, _, err = initialised("attach", "export", att, "-o", str(out), *RELEASE)
    assert code == 0, err
    assert out.read_text() == "witness statement"
    code, log, _ = initialised("pdf", "log", number, "--json")
    assert code == 0
    (entry,) = json.loads(log)
    assert entry["what"] == "attachment"
    assert entry["recipient"] == "ADA Kim, County Prosecutor"
    assert entry["sha256"] == hashlib.sha256(b"witness statement").hexdigest()


def test_attachment_export_never_overwrites_without_force(initialised: Run,
                                                          tmp_path: Path) -> None:
    _, att = _attachment(initialised, tmp_path)
    out = tmp_path / "out.txt"
    out.write_text("someone else's file")
    code, _, err = initialised("attach", "export", att, "-o", str(out), *RELEASE)
    assert code == 1
    assert "already exists" in err
    assert out.read_text() == "someone else's file"
    code, _, err = initialised("attach", "export", att, "-o", str(out), "--force", *RELEASE)
    assert code == 0, err
    assert out.read_text() == "witness statement"


def test_attachment_file_appears_only_after_its_record(initialised: Run, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy vault left an exported file with no audit row: the record commits first."""
    _, att = _attachment(initialised, tmp_path)
    out = tmp_path / "out.txt"
    real = Operation.finish

    def busy(self: Operation) -> None:
        raise VaultBusy("the vault is in use by another program; try again in a moment")

    monkeypatch.setattr(Operation, "finish", busy)
    code, _, err = initialised("attach", "export", att, "-o", str(out), *RELEASE)
    monkeypatch.setattr(Operation, "finish", real)
    assert code != 0
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".out.txt")] == []


def test_every_command_warns_about_problems_found_at_unlock(initialised: Run,
                                                            tmp_path: Path) -> None:
    """Not only check: any command that unlocks says so when the key file holds a slot the
    vault never issued, or the audit trail lost entries from its end."""
    path = tmp_path / "v.btam"
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS, member=LEAD)
    keys = keyfile.load(path)
    slot, _ = make_slot(vault_id=keys.vault_id, slot_id="planted", kind=MEMBER, label="Spare",
                        secret="Quiet-Borrowed-Lantern-61", db_keys=[bytes(session._db_key)])
    session.lock()
    keyfile.save(path, keys.with_slot(slot))
    code, _, err = initialised("--member", LEAD, "case", "list")
    assert code == 0
    assert "warning" in err and "unknown key slot" in err and "btam check" in err


# -- A10/A11: the audit anchor outside the database, the dissemination log cross-check ------------
def _insider_db(vault_path: Path) -> Database:
    """The database opened with its key, as a member holding it could (no session)."""
    session, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    key = bytes(session._db_key)
    session.lock()
    return Database.open(vault_path, key)


def test_check_exits_3_on_a_chain_cut_with_every_head_moved(initialised: Run,
                                                            tmp_path: Path) -> None:
    """The cut is hidden inside the database (heads moved, recorded problems erased): only
    the key file's anchor still saw the removed entries."""
    assert initialised("case", "add", "--title", "First")[0] == 0
    db = _insider_db(tmp_path / "v.btam")
    try:
        db.execute("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq DESC"
                   " LIMIT 2)")
        top = db.query_one("SELECT device_id, device_seq, hash FROM audit ORDER BY seq DESC"
                           " LIMIT 1")
        db.set_meta(f"audit_head:{top[0]}", f"{top[1]}:{top[2]}")
    finally:
        db.close()
    code, out, err = initialised("--member", LEAD, "check")
    assert code == 3, out + err
    assert "anchor saw" in out and "entries removed from the end" in out
    code, out, _ = initialised("--member", LEAD, "audit", "verify")
    assert code == 3 and "anchor saw" in out


def test_check_exits_3_when_the_dissemination_log_is_emptied(initialised: Run,
                                                             tmp_path: Path) -> None:
    _, att = _attachment(initialised, tmp_path)
    code, _, err = initialised("attach", "export", att, "-o", str(tmp_path / "copy.txt"),
                               *RELEASE)
    assert code == 0, err
    assert initialised("--member", LEAD, "check")[0] == 0
    db = _insider_db(tmp_path / "v.btam")
    try:
        db.execute("DELETE FROM disseminations")
    finally:
        db.close()
    code, out, err = initialised("--member", LEAD, "check")
    assert code == 3, out + err
    assert "missing from the dissemination log" in out


def test_audit_verify_against_an_earlier_backup(initialised: Run, tmp_path: Path) -> None:
    backup_file = tmp_path / "monday.btambak"
    assert initialised("case", "add", "--title", "First")[0] == 0
    code, _, err = initialised("--member", LEAD, "backup", str(backup_file))
    assert code == 0, err
    code, out, _ = initialised("audit", "verify", "--against", str(backup_file))
    assert code == 0, out
    db = _insider_db(tmp_path / "v.btam")
    try:
        db.execute("DELETE FROM audit")
    finally:
        db.close()
    code, out, _ = initialised("audit", "verify", "--against", str(backup_file))
    assert code == 3, out
    assert "the backup monday.btambak's anchor saw" in out
