"""The `btam` CLI contract: command names, --json keys, exit codes (0/1/2/3)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from btam_desktop.cli import main
from tests.cli.conftest import Run
from tests.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS


def test_init_writes_owner_only_recovery_key_and_refuses_overwrite(
    initialised: Run, tmp_path: Path
) -> None:
    key_file = tmp_path / "recovery.txt"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len("".join(ch for ch in key_file.read_text() if ch.isdigit())) == 48
    before = hashlib.sha256((tmp_path / "v.btam").read_bytes()).hexdigest()
    code, _, err = initialised("init", "--member", "Someone Else", "--role", "lead")
    assert code == 1 and "already exists" in err
    assert hashlib.sha256((tmp_path / "v.btam").read_bytes()).hexdigest() == before


def test_init_prints_recovery_key_once_when_no_file(btam: Run) -> None:
    code, out, _ = btam("init", "--member", LEAD, "--role", "lead")
    assert code == 0
    digits = [line for line in out.splitlines() if line.strip().count("-") == 7]
    assert len(digits) == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("btam ")


def test_case_add_list_show_update_note(initialised: Run) -> None:
    code, out, _ = initialised("case", "add", "--title", "Threatening letters to clinic",
                               "--concern", "moderate", "--json")
    assert code == 0
    created = json.loads(out)
    assert set(created) == {"id", "number"}
    number = created["number"]
    code, out, _ = initialised("case", "add", "--title", "Second")
    assert code == 0 and "Created case" in out

    assert initialised("note", "add", number, "Clinic manager reports a third letter")[0] == 0
    code, out, _ = initialised("case", "list", "--search", "third letter", "--json")
    listed = json.loads(out)
    assert [c["number"] for c in listed] == [number]
    assert {"id", "number", "title", "status", "concern", "tier", "next_review"} <= set(
        listed[0])

    code, _, err = initialised("case", "update", number, "--concern", "high")
    assert code == 1 and "rationale" in err
    code, out, _ = initialised("case", "update", number, "--concern", "high", "--reason",
                               "letters now name the doctor", "--json")
    assert code == 0 and json.loads(out)["changed"] == ["concern"]

    code, out, _ = initialised("case", "show", number, "--json")
    shown = json.loads(out)
    assert shown["id"] == created["id"] and shown["number"] == number
    assert shown["concern"] == "high"
    assert [e["kind"] for e in shown["timeline"]] == ["note", "concern_change"]
    code, out, _ = initialised("case", "show", number)
    assert "Threatening letters to clinic" in out and "concern high" in out

    code, out, _ = initialised("case", "list", "--concern", "high", "--json")
    assert [c["number"] for c in json.loads(out)] == [number]
    code, out, _ = initialised("case", "history", number, "--json")
    assert json.loads(out)[0]["old"] == "moderate"


def test_overdue_listing(initialised: Run) -> None:
    initialised("case", "add", "--title", "Late", "--next-review", "2020-01-01")
    initialised("case", "add", "--title", "Later", "--next-review", "2999-01-01")
    code, out, _ = initialised("case", "list", "--overdue", "--json")
    assert [c["title"] for c in json.loads(out)] == ["Late"]


def test_wrong_passphrase_exit_2_and_file_unchanged(initialised: Run, tmp_path: Path) -> None:
    (tmp_path / "bad").write_text("Not-The-Passphrase-1\n")
    before = hashlib.sha256((tmp_path / "v.btam").read_bytes()).hexdigest()
    code, out, err = initialised("case", "list", passphrase_file="bad")
    assert code == 2
    assert "wrong passphrase or not a BTAM vault" in err
    assert out == ""
    assert hashlib.sha256((tmp_path / "v.btam").read_bytes()).hexdigest() == before


def test_invalid_input_exit_1(initialised: Run) -> None:
    assert initialised("case", "list", "--status", "bogus")[0] == 1
    assert initialised("case", "show", "2099-9999")[0] == 1
    assert initialised("case", "add", "--title", "x", "--next-review", "soon")[0] == 1


def test_members_and_member_choice(initialised: Run, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "officer-pw").write_text(OFFICER_PASS + "\n")
    code, out, err = initialised("member", "add", OFFICER, "--role", "officer",
                                 "--new-passphrase-file", str(tmp_path / "officer-pw"))
    assert code == 0, err
    code, out, _ = initialised("--member", LEAD, "member", "list", "--json")
    assert sorted((m["name"], m["role"]) for m in json.loads(out)) == [
        (LEAD, "lead"), (OFFICER, "officer")]
    # Two members: who unlocks must be said.
    code, _, err = initialised("case", "list")
    assert code == 2 and "--member" in err
    monkeypatch.setenv("BTAM_MEMBER", OFFICER)
    code, _, err = initialised("case", "list", passphrase_file="officer-pw")
    assert code == 0, err
    # The officer may not add members.
    code, _, err = initialised("member", "add", "Kim Tran", "--role", "officer",
                               "--new-passphrase-file", str(tmp_path / "officer-pw"),
                               passphrase_file="officer-pw")
    assert code == 2
    # passwd for one member
    (tmp_path / "new-pw").write_text("Officer-New-Phrase-55\n")
    code, _, err = initialised("member", "passwd", OFFICER, "--new-passphrase-file",
                               str(tmp_path / "new-pw"), passphrase_file="officer-pw")
    assert code == 0, err
    assert initialised("case", "list", passphrase_file="officer-pw")[0] == 2
    assert initialised("case", "list", passphrase_file="new-pw")[0] == 0


def test_check_and_audit_verify_detect_tampering(initialised: Run, tmp_path: Path) -> None:
    initialised("case", "add", "--title", "Audited")
    assert initialised("check")[0] == 0
    code, out, _ = initialised("audit", "--json")
    entries = json.loads(out)
    assert entries and {"at", "member", "action", "record_type", "record_id"} <= set(entries[0])
    assert entries[0]["member"] == LEAD
    assert initialised("audit", "verify")[0] == 0

    from btam_desktop.core import vault

    session, _ = vault.unlock(tmp_path / "v.btam", passphrase_text=LEAD_PASS)
    session.db.execute("UPDATE audit SET member_name = 'Nobody' WHERE seq = 2")
    session.lock()
    code, out, _ = initialised("audit", "verify")
    assert code == 3 and "changed after it was written" in out
    assert initialised("check")[0] == 3


def test_rekey_backup_restore(initialised: Run, tmp_path: Path) -> None:
    initialised("case", "add", "--title", "Keep me")
    (tmp_path / "new-pw").write_text("Rekeyed-Phrase-Lead-9\n")
    code, _, err = initialised("rekey", "--new-passphrase-file", str(tmp_path / "new-pw"))
    assert code == 0, err
    assert initialised("case", "list")[0] == 2
    code, _, _ = initialised("backup", str(tmp_path / "b.btambak"), passphrase_file="new-pw")
    assert code == 0
    restored = tmp_path / "restored.btam"
    code, _, err = initialised("--vault", str(restored), "restore", str(tmp_path / "b.btambak"),
                               passphrase_file="new-pw")
    assert code == 0, err
    code, out, _ = initialised("--vault", str(restored), "case", "list", "--json",
                               passphrase_file="new-pw")
    assert [c["title"] for c in json.loads(out)] == ["Keep me"]
    code, _, err = initialised("restore", str(tmp_path / "b.btambak"), passphrase_file="new-pw")
    assert code == 1 and "already exists" in err


def test_recovery_key_unlocks(initialised: Run, tmp_path: Path) -> None:
    code, out, err = initialised("--use-recovery-key", str(tmp_path / "recovery.txt"),
                                 "case", "list", passphrase_file=None)
    assert code == 0, err


def test_persons_tasks_partners_attachments(initialised: Run, tmp_path: Path) -> None:
    _, out, _ = initialised("case", "add", "--title", "Everything", "--json")
    number = json.loads(out)["number"]
    code, out, err = initialised("person", "add", "--family", "Marchetti", "--given", "Lio",
                                 "--alias", "lm_shadow", "--case", number, "--json")
    assert code == 0, err
    code, out, _ = initialised("case", "list", "--search", "lm_shadow", "--json")
    assert [c["number"] for c in json.loads(out)] == [number]
    code, out, _ = initialised("task", "add", number, "--title", "Review", "--due",
                               "2020-05-05", "--kind", "review", "--json")
    task_id = json.loads(out)["id"]
    code, out, _ = initialised("task", "list", "--overdue", "--json")
    assert [t["id"] for t in json.loads(out)] == [task_id]
    assert initialised("task", "done", task_id)[0] == 0
    code, out, _ = initialised("partner", "add", "Harbor Family Services", "--discipline",
                               "social_services", "--json")
    partner = json.loads(out)["id"]
    code, _, err = initialised("entry", "add", number, "--kind", "referral", "--summary",
                               "Family support referral", "--partner", partner)
    assert code == 0, err
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8fake-jpeg")
    code, out, _ = initialised("attach", "add", number, str(tmp_path / "photo.jpg"), "--json")
    att = json.loads(out)["id"]
    assert initialised("attach", "export", att, "-o", str(tmp_path / "out.jpg"),
                       "--recipient", "Det. Lee, County DA", "--purpose", "Prosecution file",
                       "--legal-basis", "Court order 26-114")[0] == 0
    assert (tmp_path / "out.jpg").read_bytes() == b"\xff\xd8fake-jpeg"


def test_trash_restore_purge(initialised: Run) -> None:
    _, out, _ = initialised("case", "add", "--title", "Bin", "--json")
    number = json.loads(out)["number"]
    assert initialised("case", "delete", number)[0] == 0
    _, out, _ = initialised("case", "trash", "--json")
    assert [c["number"] for c in json.loads(out)] == [number]
    assert initialised("case", "restore", number)[0] == 0
    assert initialised("case", "delete", number)[0] == 0
    assert initialised("case", "purge", number, "--yes")[0] == 0
    assert initialised("case", "show", number)[0] == 1


def test_passphrase_from_environment(initialised: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BTAM_PASSPHRASE", LEAD_PASS)
    assert initialised("case", "list", passphrase_file=None)[0] == 0
    monkeypatch.setenv("BTAM_PASSPHRASE", "wrong-wrong-wrong")
    assert initialised("case", "list", passphrase_file=None)[0] == 2


def test_no_passphrase_source_is_an_auth_error(initialised: Run) -> None:
    code, _, err = initialised("case", "list", passphrase_file=None)
    assert code == 2 and "no passphrase given" in err


def test_subprocess_exit_codes_and_quiet_stderr(tmp_path: Path) -> None:
    """As a real process: SQLCipher's own stderr noise is suppressed on a wrong key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BTAM_")}
    env["BTAM_VAULT"] = str(tmp_path / "p.btam")
    (tmp_path / "pw").write_text(LEAD_PASS)
    (tmp_path / "bad").write_text("Wrong-Phrase-Again-1")
    cli = [sys.executable, "-m", "btam_desktop"]
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([*cli, "--passphrase-file", str(tmp_path / "pw"), "init", "--member",
                        LEAD, "--role", "lead", "--recovery-key-file", str(tmp_path / "rk")],
                       capture_output=True, text=True, env=env, cwd=root)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*cli, "--passphrase-file", str(tmp_path / "bad"), "case", "list"],
                       capture_output=True, text=True, env=env, cwd=root)
    assert r.returncode == 2
    assert r.stderr.strip() == "btam: wrong passphrase or not a BTAM vault"


def test_remember_on_device_then_no_passphrase_needed(initialised: Run) -> None:
    code, _, err = initialised("--remember", "case", "list")
    assert code == 0 and "remembered" in err
    assert initialised("case", "list", passphrase_file=None)[0] == 0


@pytest.mark.usefixtures("no_keyring")
def test_remember_without_keyring_says_so(initialised: Run) -> None:
    code, _, err = initialised("--remember", "case", "list")
    assert code == 0 and "No usable OS keyring" in err
    assert initialised("case", "list", passphrase_file=None)[0] == 2
