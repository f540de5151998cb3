"""`btam device/team/bundle/conflicts`: two laptops set up a team and exchange bundles through
the command line only, with the exit codes of the CLI contract."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.cli import common, main
from btam_desktop.cli.common import safe_text
from btam_desktop.core.sync import bundle
from tests.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS

Laptop = Callable[..., tuple[int, str, str]]


@pytest.fixture
def laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[[str], Laptop]:
    """``laptop("lead")`` gives a runner of `btam` against that laptop's vault."""
    def make(name: str) -> Laptop:
        secret = LEAD_PASS if name == "lead" else OFFICER_PASS
        (tmp_path / f"{name}.pw").write_text(secret + "\n")

        def run(*argv: str) -> tuple[int, str, str]:
            code = main(["--vault", str(tmp_path / f"{name}.btam"),
                         "--passphrase-file", str(tmp_path / f"{name}.pw"), *argv])
            out, err = capsys.readouterr()
            return code, out, err

        return run

    return make


@pytest.fixture
def pair(laptop: Callable[[str], Laptop], tmp_path: Path) -> tuple[Laptop, Laptop]:
    """Two vaults, each with its own first member (a lead of its own vault)."""
    lead, officer = laptop("lead"), laptop("officer")
    assert lead("init", "--member", LEAD, "--role", "lead",
                "--recovery-key-file", str(tmp_path / "lead.rk"))[0] == 0
    assert officer("init", "--member", OFFICER, "--role", "lead",
                   "--recovery-key-file", str(tmp_path / "officer.rk"))[0] == 0
    return lead, officer


def enrol(lead: Laptop, officer: Laptop, tmp: Path) -> None:
    assert lead("team", "create", "Lakeside BTAM")[0] == 0
    assert lead("team", "invite", "-o", str(tmp / "inv.btaminvite"),
                "--invite-passphrase-file", str(tmp / "inv.txt"))[0] == 0
    assert officer("team", "join", str(tmp / "inv.btaminvite"), "--invite-passphrase-file",
                   str(tmp / "inv.txt"), "-o", str(tmp / "req.btamjoin"))[0] == 0
    code, _, err = lead("team", "approve", str(tmp / "req.btamjoin"), "--yes")
    assert code == 0, err


@pytest.fixture
def team_of_two(pair: tuple[Laptop, Laptop], tmp_path: Path) -> tuple[Laptop, Laptop]:
    enrol(*pair, tmp_path)
    return pair


def test_safe_text_escapes_control_characters() -> None:
    assert safe_text("red\x1b[31m") == "red\\x1b[31m"
    assert safe_text("a\nb\tc\r") == "a\\nb\\tc\\r"
    assert safe_text("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert safe_text("\x9b2J") == "\\x9b2J"
    assert safe_text("Café Zoë 2026-0001-K7Q") == "Café Zoë 2026-0001-K7Q"
    assert safe_text(None) == ""


def test_invite_join_approve_with_fingerprints(pair: tuple[Laptop, Laptop],
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    code, out, _ = lead("device", "show", "--json")
    assert code == 0 and json.loads(out)["team"] is None
    code, out, _ = lead("team", "create", "Lakeside BTAM", "--device-name", "Lead desk")
    assert code == 0 and "Lakeside BTAM" in out

    # The passphrase file does not exist: one is made, written owner-only, shown once.
    secret_file = tmp_path / "invite-pass.txt"
    invitation = tmp_path / "officer.btaminvite"
    code, out, _ = lead("team", "invite", "-o", str(invitation),
                        "--invite-passphrase-file", str(secret_file), "--days", "3")
    assert code == 0
    passphrase = secret_file.read_text().strip()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert out.count(passphrase) == 1
    assert "in person or by phone" in out and "never send it" in out
    assert passphrase.encode() not in invitation.read_bytes()
    # Never over an existing invitation.
    code, _, err = lead("team", "invite", "-o", str(invitation),
                        "--invite-passphrase-file", str(secret_file))
    assert code == 1 and "already exists" in err

    request = tmp_path / "officer.btamjoin"
    code, out, _ = officer("team", "join", str(invitation), "--invite-passphrase-file",
                           str(secret_file), "-o", str(request), "--device-name",
                           "Sam's laptop")
    assert code == 0
    officer_info = json.loads(officer("device", "show", "--json")[1])
    assert str(request) in out and officer_info["fingerprint"] in out

    # Without a terminal and without --yes nothing is approved, but the fingerprint is shown.
    code, out, err = lead("team", "approve", str(request))
    assert code == 1 and "--yes" in err
    assert officer_info["fingerprint"] in out and "Sam's laptop" in out
    pending = json.loads(lead("team", "requests", "--json")[1])
    assert [p["fingerprint"] for p in pending] == [officer_info["fingerprint"]]

    # In a terminal the lead is asked; "no" approves nothing.
    monkeypatch.setattr(common, "_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, out, _ = lead("team", "approve", officer_info["code"])
    assert code == 1 and "Not approved" in out
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    code, out, _ = lead("team", "approve", officer_info["code"])
    assert code == 0 and "Approved Sam's laptop" in out
    monkeypatch.setattr(common, "_interactive", lambda: False)

    code, out, _ = lead("team", "roster")
    assert code == 0 and "Lead desk (this laptop)" in out and "Sam's laptop" in out
    assert officer_info["fingerprint"] in out
    roster = json.loads(lead("team", "roster", "--json")[1])
    assert roster["version"] == 2
    assert {(d["name"], d["role"], d["this_laptop"]) for d in roster["devices"]} == {
        ("Lead desk", "lead", True), ("Sam's laptop", "member", False)}
    assert json.loads(lead("team", "requests", "--json")[1]) == []

    # Need to know, roles and revocation.
    code, out, _ = lead("team", "scope", officer_info["code"], "assigned")
    assert code == 0 and "only the cases its members are assigned to" in out
    roster = json.loads(lead("team", "roster", "--json")[1])
    assert {d["name"]: d["scope"] for d in roster["devices"]}["Sam's laptop"] == "assigned"
    code, out, _ = lead("team", "role", officer_info["code"], "lead")
    assert code == 0 and "now a lead device" in out
    code, out, _ = lead("team", "revoke", officer_info["code"], "--yes")
    assert code == 0 and "Revoked" in out
    code, _, err = officer("team", "revoke", "Lead desk")
    assert code == 2  # a laptop that is not a lead device of the team


def test_export_import_inspect_and_conflicts(team_of_two: tuple[Laptop, Laptop],
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    lead, officer = team_of_two
    code, out, _ = officer("case", "add", "--title", "Letters to the clinic", "--json")
    assert code == 0
    number = json.loads(out)["number"]

    first = tmp_path / "o1.btambundle"
    code, out, _ = officer("bundle", "export", "-o", str(first))
    assert code == 0 and "bundle #1" in out and LEAD in out and "1 case(s)" in out
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert b"Letters" not in first.read_bytes()
    # A folder named with a trailing slash is made and the file named after the laptop.
    code, out, _ = officer("bundle", "export", "-o", f"{tmp_path / 'stick'}/", "--full")
    assert code == 0 and (tmp_path / "stick").is_dir()
    assert [p.name.endswith("-00002.btambundle") for p in (tmp_path / "stick").iterdir()] == [
        True]

    # inspect reads the header only: no vault, no passphrase, never an unlock.
    def no_unlock(self: common.Context) -> None:
        raise AssertionError("inspect must not unlock")

    with monkeypatch.context() as patched:
        patched.setattr(common.Context, "unlock", no_unlock)
        code = main(["--vault", str(tmp_path / "nowhere.btam"), "bundle", "inspect",
                     str(first)])
        out = capsys.readouterr().out
        assert code == 0
        assert main(["bundle", "inspect", str(first), "--json"]) == 0
        header = json.loads(capsys.readouterr().out)
    officer_id = header["sender_device_id"]
    assert header["sequence"] == 1 and len(header["recipients"]) == 1
    assert "#1" in out and officer_id in out and "nothing was decrypted" in out

    code, out, _ = lead("bundle", "import", str(first))
    assert code == 0 and "1 new case," in out
    code, out, _ = lead("bundle", "import", str(first))
    assert code == 0 and "already imported" in out
    code, out, _ = lead("case", "show", number)
    assert code == 0 and "Letters to the clinic" in out

    # The lead's bundle brings the roster naming the officer's laptop back.
    back = tmp_path / "l1.btambundle"
    officer_code = json.loads(officer("device", "show", "--json")[1])["code"]
    code, _, err = lead("bundle", "export", "-o", str(back), "--to", officer_code)
    assert code == 0, err
    code, out, _ = officer("bundle", "import", str(back), "--json")
    assert code == 0 and json.loads(out)[0]["roster_updated"] is True
    assert json.loads(officer("device", "show", "--json")[1])["status"] == "active"

    # A real conflict: both change the title and the concern level without seeing each other.
    hostile = "Officer's title\x1b[2J\x1b]0;pwned\x07"
    assert officer("case", "update", number, "--title", hostile, "--concern", "high",
                   "--reason", "new letter")[0] == 0
    assert lead("case", "update", number, "--title", "Lead's title", "--concern",
                "moderate", "--reason", "reviewed")[0] == 0
    second = tmp_path / "o2.btambundle"
    assert officer("bundle", "export", "-o", str(second))[0] == 0
    code, out, _ = lead("bundle", "import", str(second))
    assert code == 0 and "conflict" in out

    code, out, _ = lead("conflicts", "list")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[2J" in out
    assert number in out and "title" in out and "concern" in out
    assert any(line.startswith("! ") and "concern" in line for line in out.splitlines())
    listed = json.loads(lead("conflicts", "list", "--json")[1])
    assert {c["field"] for c in listed} >= {"title", "concern"}
    concern = next(c for c in listed if c["field"] == "concern")
    assert concern["critical"] and concern["case_number"] == number

    code, out, _ = lead("conflicts", "resolve", concern["short_id"], "--keep", "incoming")
    assert code == 0 and "took the incoming value" in out
    title = next(c for c in listed if c["field"] == "title")
    code, out, _ = lead("conflicts", "resolve", title["short_id"], "--value", "Agreed title")
    assert code == 0
    code, out, _ = lead("conflicts", "list")
    assert code == 0 and "No open conflicts" in out
    assert len(json.loads(lead("conflicts", "list", "--all", "--json")[1])) >= 2
    shown = json.loads(lead("case", "show", number, "--json")[1])
    assert shown["title"] == "Agreed title" and shown["concern"] == "high"
    code, _, err = lead("conflicts", "resolve", "value:nothing-like-this", "--keep", "local")
    assert code == 1

    code, out, _ = lead("bundle", "history", "--json")
    assert code == 0 and {h["direction"] for h in json.loads(out)} == {"in", "out"}
    assert lead("bundle", "history")[0] == 0
    assert lead("bundle", "held")[1].strip() == "(none)"
    assert lead("bundle", "forks", "--json")[1].strip() == "[]"


def test_refused_tampered_and_unknown_files_set_the_exit_code(
        team_of_two: tuple[Laptop, Laptop], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = team_of_two
    assert officer("case", "add", "--title", "Sent twice")[0] == 0
    good = tmp_path / "good.btambundle"
    assert officer("bundle", "export", "-o", str(good))[0] == 0
    assert officer("case", "add", "--title", "Altered on the way")[0] == 0
    altered = tmp_path / "altered.btambundle"
    assert officer("bundle", "export", "-o", str(altered))[0] == 0
    data = bytearray(altered.read_bytes())
    data[-10] ^= 0x40  # inside the signature
    altered.write_bytes(bytes(data))
    garbage = tmp_path / "garbage.btambundle"
    garbage.write_bytes(b"PK\x03\x04 not a bundle")

    code, _, err = lead("bundle", "import", str(tmp_path / "missing.btambundle"))
    assert code == 1 and "missing.btambundle: refused: file not found" in err
    code, _, err = lead("bundle", "import", str(garbage))
    assert code == 1 and "refused: not a BTAM bundle" in err
    code, _, err = lead("bundle", "import", str(altered))
    assert code == 3 and "refused: signature does not verify" in err
    # Several files: each is tried, the exit code is the worst.
    code, out, err = lead("bundle", "import", str(garbage), str(altered), str(good))
    assert code == 3
    assert "garbage.btambundle: refused" in err and "altered.btambundle: refused" in err
    assert "good.btambundle: Bundle #1" in out
    code, out, _ = lead("bundle", "import", str(garbage), str(good), "--json")
    results = json.loads(out)
    assert code == 1 and results[0]["exit_code"] == 1 and results[1]["already_imported"]

    # A file this user may not read is a refusal, not an internal error.
    def unreadable(path: object) -> bytes:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patched:
        patched.setattr(bundle, "read_bundle_file", unreadable)
        code, _, err = lead("bundle", "import", str(good))
        assert code == 1 and "good.btambundle: refused: cannot read the file" in err
        assert main(["bundle", "inspect", str(good)]) == 1

    # inspect: a file that is not a bundle is refused (1), without any vault.
    code = main(["bundle", "inspect", str(garbage)])
    assert code == 1


def test_escapes_in_roster_names_and_imports(pair: tuple[Laptop, Laptop],
                                            tmp_path: Path) -> None:
    lead, officer = pair
    assert lead("team", "create", "Lakeside BTAM")[0] == 0
    assert lead("team", "invite", "-o", str(tmp_path / "i"), "--invite-passphrase-file",
                str(tmp_path / "p"))[0] == 0
    # Roster names refuse C0 controls; a bidi override is "printable" to Python but reorders
    # what the terminal shows, so it is escaped too.
    assert officer("team", "join", str(tmp_path / "i"), "--invite-passphrase-file",
                   str(tmp_path / "p"), "-o", str(tmp_path / "r"), "--device-name",
                   "Sam\u202eexe.pdf")[0] == 0
    code, out, _ = lead("team", "approve", str(tmp_path / "r"), "--yes")
    assert code == 0 and "\u202e" not in out and "Sam\\u202eexe.pdf" in out
    code, out, _ = lead("team", "roster")
    assert "\u202e" not in out and "Sam\\u202eexe.pdf" in out


def test_sync_commands_need_a_team_first(pair: tuple[Laptop, Laptop], tmp_path: Path) -> None:
    lead, _ = pair
    code, _, err = lead("bundle", "export", "-o", str(tmp_path / "x.btambundle"))
    assert code == 1 and "not in a team yet" in err
    code, _, err = lead("team", "roster")
    assert code == 1 and "team create" in err
    code, out, _ = lead("conflicts", "list")
    assert code == 0 and "No open conflicts" in out


def test_sync_watch_once(team_of_two: tuple[Laptop, Laptop], tmp_path: Path) -> None:
    lead, officer = team_of_two
    to_lead, to_officer = tmp_path / "to-lead", tmp_path / "to-officer"
    to_lead.mkdir()
    to_officer.mkdir()
    code, _, err = lead("sync", "watch", "--inbox", str(tmp_path / "missing"), "--outbox",
                        str(to_officer), "--once")
    assert code == 1 and "not a folder" in err
    assert officer("case", "add", "--title", "Through the folders")[0] == 0
    code, out, _ = officer("sync", "watch", "--inbox", str(to_officer), "--outbox",
                           str(to_lead), "--once", "--settle", "0")
    assert code == 0 and "Wrote btam-" in out
    (to_lead / "broken.btambundle").write_bytes(b"BTAMBNDL\x00")
    code, out, _ = lead("sync", "watch", "--inbox", str(to_lead), "--outbox",
                        str(to_officer), "--once", "--settle", "0", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["imported"][0]["created"]["cases"] == 1
    assert report["refused"] == [{"file": "broken.btambundle", "exit_code": 1,
                                  "refused": "truncated: too short to be a bundle",
                                  "tampered": False}]
    assert report["exported"]["sequence"] == 1


def test_a_damaged_join_request_is_called_a_join_request(pair: tuple[Laptop, Laptop],
                                                         tmp_path: Path) -> None:
    """Found by hand: `team approve` of a truncated or altered join request said "invitation
    refused: truncated join request", naming the wrong file to a lead who holds both."""
    lead, officer = pair
    assert lead("team", "create", "Lakeside BTAM")[0] == 0
    assert lead("team", "invite", "-o", str(tmp_path / "inv.btaminvite"),
                "--invite-passphrase-file", str(tmp_path / "inv.txt"))[0] == 0
    request = tmp_path / "req.btamjoin"
    assert officer("team", "join", str(tmp_path / "inv.btaminvite"), "--invite-passphrase-file",
                   str(tmp_path / "inv.txt"), "-o", str(request))[0] == 0
    data = request.read_bytes()
    for name, damaged in (("half", data[: len(data) // 2]), ("magic", b"XXXX" + data[4:])):
        bad = tmp_path / f"{name}.btamjoin"
        bad.write_bytes(damaged)
        code, out, err = lead("team", "approve", str(bad), "--yes")
        assert code == 1
        assert "join request refused:" in err and "invitation" not in err, err
        assert "Approved" not in out
    assert json.loads(lead("team", "requests", "--json")[1]) == []


def test_a_bundle_larger_than_a_part_is_written_in_parts(
        team_of_two: tuple[Laptop, Laptop], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from btam_desktop.core.sync import limits, payload

    lead, officer = team_of_two
    for i in range(6):
        assert officer("case", "add", "--title", f"Letters to the clinic {i}",
                       "--summary", "Repeated letters to the clinic. " * 40)[0] == 0
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", 24 * 1024)
    monkeypatch.setattr(payload, "PART_BYTES", 4 * 1024, raising=False)  # new with parts
    code, out, err = officer("bundle", "export", "-o", str(tmp_path / "o.btambundle"),
                             "--full")
    assert code == 0, err
    files = sorted(tmp_path.glob("o-part-*-of-*.btambundle"))
    count = len(files)
    assert count >= 2 and f"Written in {count} parts" in out
    assert all(str(f) in out for f in files)
    assert "Every part must be imported" in out
    assert not (tmp_path / "o.btambundle").exists()
    # Nothing over existing files: the same export again is refused before writing.
    code, _, err = officer("bundle", "export", "-o", str(tmp_path / "o.btambundle"), "--full")
    assert code == 1 and "already exists" in err
    assert sorted(tmp_path.glob("o-part-*")) == files
    code, out, err = lead("bundle", "import", *map(str, reversed(files)), "--json")
    assert code == 0, err
    assert len(json.loads(out)) == count
    code, out, _ = lead("case", "list", "--json")
    assert code == 0 and len([c for c in json.loads(out) if "clinic" in c["title"]]) == 6
    code, out, _ = officer("bundle", "export", "-o", str(tmp_path / "j.btambundle"),
                           "--full", "--json")
    assert code == 0 and len(json.loads(out)["parts"]) >= 2
