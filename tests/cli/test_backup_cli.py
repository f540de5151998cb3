"""`btam restore` of a backup whose header has the wrong shape: exit 3 with a plain message
(it was an internal error, exit 70, for a header that was valid JSON but not an object)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from btam_desktop.core import backup
from tests.cli.conftest import Run


@pytest.mark.parametrize("shape", ["list", "no keys", "size as text"])
def test_restore_of_a_wrong_shaped_header_exits_3(initialised: Run, tmp_path: Path,
                                                  shape: str) -> None:
    good = tmp_path / "b.btambak"
    assert initialised("backup", str(good))[0] == 0
    data = good.read_bytes()
    start = len(backup.MAGIC) + 8
    size = int.from_bytes(data[len(backup.MAGIC):start], "big")
    header = json.loads(data[start:start + size])
    changed: object = {
        "list": [header],
        "no keys": {k: v for k, v in header.items() if k != "keys"},
        "size as text": {**header, "db_size": str(header["db_size"])},
    }[shape]
    body = json.dumps(changed).encode()
    bad = tmp_path / "bad.btambak"
    bad.write_bytes(backup.MAGIC + len(body).to_bytes(8, "big") + body + data[start + size:])
    restored = tmp_path / "restored.btam"
    code, _, err = initialised("--vault", str(restored), "restore", str(bad))
    assert code == 3, err
    assert "internal error" not in err and "header is damaged" in err
    assert not restored.exists()


@pytest.mark.parametrize("damage", ["garbage", "cut page"])
def test_restore_of_a_damaged_database_inside_a_valid_backup_exits_3(
        initialised: Run, tmp_path: Path, damage: str) -> None:
    """The header is whole and its checksum matches the bytes after it, but those bytes are
    not a sound database (the backup was made of a damaged vault, or rebuilt): a plain
    integrity problem, never an internal error, and nothing restored."""
    import hashlib

    good = tmp_path / "b.btambak"
    assert initialised("backup", str(good))[0] == 0
    data = good.read_bytes()
    start = len(backup.MAGIC) + 8
    size = int.from_bytes(data[len(backup.MAGIC):start], "big")
    header = json.loads(data[start:start + size])
    database = bytearray(data[start + size:])
    if damage == "garbage":
        database = bytearray(b"\x00" * len(database))
    else:
        database[5000:5100] = b"\xff" * 100  # inside the second page
    header["db_sha256"] = hashlib.sha256(database).hexdigest()
    body = json.dumps(header, sort_keys=True).encode()
    bad = tmp_path / "bad.btambak"
    bad.write_bytes(backup.MAGIC + len(body).to_bytes(8, "big") + body + bytes(database))
    restored = tmp_path / "restored.btam"
    code, _, err = initialised("--vault", str(restored), "restore", str(bad))
    assert code == 3, err
    assert "internal error" not in err
    assert not restored.exists()


@pytest.mark.parametrize("where", ["header", "key file in the header"])
def test_restore_of_deeply_nested_json_exits_3(initialised: Run, tmp_path: Path,
                                               where: str) -> None:
    good = tmp_path / "b.btambak"
    assert initialised("backup", str(good))[0] == 0
    data = good.read_bytes()
    start = len(backup.MAGIC) + 8
    size = int.from_bytes(data[len(backup.MAGIC):start], "big")
    header = json.loads(data[start:start + size])
    deep = "[" * 100_000 + "]" * 100_000
    if where == "header":
        body = deep.encode()
    else:
        body = json.dumps({**header, "keys": deep}, sort_keys=True).encode()
    bad = tmp_path / "bad.btambak"
    bad.write_bytes(backup.MAGIC + len(body).to_bytes(8, "big") + body + data[start + size:])
    restored = tmp_path / "restored.btam"
    code, _, err = initialised("--vault", str(restored), "restore", str(bad))
    assert code == 3, err
    assert "internal error" not in err and "damaged" in err
    assert not restored.exists()


def test_backup_never_writes_over_an_existing_file_unless_forced(initialised: Run,
                                                                 tmp_path: Path) -> None:
    """A second `btam backup` to the same name must not replace last week's backup (maybe
    the only good one) without being told: it refuses before unlocking (nothing audited)."""
    older = tmp_path / "weekly.btambak"
    assert initialised("backup", str(older))[0] == 0
    kept = older.read_bytes()
    code, _, err = initialised("backup", str(older))
    assert code == 1, err  # a usage refusal, as for PDFs
    assert "already exists" in err and "--force" in err
    assert older.read_bytes() == kept
    code, _, err = initialised("backup", "--force", str(older))
    assert code == 0, err
    assert older.read_bytes() != kept
    assert backup.read(older).vault_id == backup.read_header(older).vault_id


def test_backup_and_restore_in_a_terminal_say_how_far_they_are(
    initialised: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a USB stick a large vault takes a minute: a terminal sees the percentage rise to
    100 and the result on a line of its own; a script (no terminal, or --json) sees none."""
    made = tmp_path / "b.btambak"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = initialised("backup", str(made))
    assert code == 0, err
    assert err.split("\r")[-1] == "Backing up: 100 %\n" and out.startswith("Encrypted backup")
    code, out, err = initialised("--vault", str(tmp_path / "one.btam"), "restore", str(made))
    assert code == 0, err
    steps = err.split("\r")
    assert steps[1] == "Restoring: 0 %" and steps[-1] == "Restoring: 100 %\n"
    assert out.startswith("Restored ")
    code, out, err = initialised("--vault", str(tmp_path / "two.btam"), "restore", "--json",
                                 str(made))
    assert code == 0 and "Restoring" not in err
