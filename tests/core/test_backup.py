"""The backup file format (core/backup.py): written and read in one place, streamed, and any
damaged or wrong-shaped file refused with a plain IntegrityProblem, never an internal error."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from btam_desktop.core import backup, filelock, keyslots, vault
from btam_desktop.core.db import Database
from btam_desktop.core.errors import IntegrityProblem, InvalidInput, VaultBusy, WrongPassphrase
from btam_desktop.core.session import LAST_BACKUPS, Session
from tests.conftest import LEAD_PASS


def _layout(path: Path) -> tuple[dict[str, Any], bytes]:
    data = path.read_bytes()
    size = int.from_bytes(data[len(backup.MAGIC):len(backup.MAGIC) + 8], "big")
    start = len(backup.MAGIC) + 8
    return json.loads(data[start:start + size]), data[start + size:]


def _assemble(header: Any, database: bytes, *, raw_header: bytes | None = None,
              declared: int | None = None) -> bytes:
    body = raw_header if raw_header is not None else json.dumps(header).encode("utf-8")
    size = len(body) if declared is None else declared
    return backup.MAGIC + size.to_bytes(8, "big") + body + database


@pytest.fixture
def written(session: Session, tmp_path: Path) -> Path:
    session.store.create_case("Backed up case")
    out = tmp_path / "good.btambak"
    session.backup(out)
    return out


@pytest.mark.parametrize("kernel", [True, False], ids=["sendfile", "through Python"])
def test_backup_round_trip_through_the_module(session: Session, written: Path,
                                              tmp_path: Path, kernel: bool,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup, "KERNEL_COPY", kernel)
    header = backup.read(written)
    assert header.vault_id == session.vault_id
    assert header.keys.vault_id == session.vault_id
    parsed, database = _layout(written)
    assert header.db_size == len(database) == parsed["db_size"]
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    target = tmp_path / "restored" / "team.btam"
    assert backup.restore(written, target, passphrase_text=LEAD_PASS) is None
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    try:
        assert [c.title for c in restored.store.list_cases()] == ["Backed up case"]
    finally:
        restored.lock()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # Besides the vault and its key file only the unlock lock file (core/lockout.py).
    assert sorted(p.name for p in target.parent.iterdir()) == [
        ".team.btam.lock", "team.btam", "team.btam.keys"]


def _shapes(header: dict[str, Any]) -> dict[str, Callable[[bytes], bytes]]:
    def with_header(change: Callable[[dict[str, Any]], Any]) -> Callable[[bytes], bytes]:
        return lambda db: _assemble(change(dict(header)), db)

    def drop(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return lambda h: {k: v for k, v in h.items() if k != key}

    def put(key: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return lambda h: {**h, key: value}

    return {
        "a JSON list": with_header(lambda h: [h]),
        "a JSON string": with_header(lambda h: "backup"),
        "null": with_header(lambda h: None),
        "no keys": with_header(drop("keys")),
        "no vault id": with_header(drop("vault_id")),
        "no size": with_header(drop("db_size")),
        "no checksum": with_header(drop("db_sha256")),
        "size as text": with_header(put("db_size", "12")),
        "size true": with_header(put("db_size", True)),
        "negative size": with_header(put("db_size", -1)),
        "checksum a number": with_header(put("db_sha256", 5)),
        "checksum not hex": with_header(put("db_sha256", "z" * 64)),
        "seal a number": with_header(put("db_mac", 5)),
        "seal not hex": with_header(put("db_mac", "z" * 64)),
        "seal too short": with_header(put("db_mac", "0" * 63)),
        "keys an object": with_header(put("keys", {"slots": []})),
        "keys not a key file": with_header(put("keys", "[1, 2]")),
        "vault id a list": with_header(put("vault_id", ["a"])),
        "created_at a number": with_header(put("created_at", 7)),
        "not JSON": lambda db: _assemble(None, db, raw_header=b"{not json"),
        "not UTF-8": lambda db: _assemble(None, db, raw_header=b"\xff\xfe{}"),
        "header length zero": lambda db: _assemble(header, db, declared=0),
        "header length huge": lambda db: _assemble(header, db, declared=1 << 40),
        "header longer than the file": lambda db: _assemble(header, b"", declared=10_000),
        "cut inside the length": lambda db: backup.MAGIC + b"\x00\x00",
        "only the magic": lambda db: backup.MAGIC,
    }


def test_wrong_shaped_headers_are_integrity_problems(written: Path, tmp_path: Path) -> None:
    header, database = _layout(written)
    for name, make in _shapes(header).items():
        bad = tmp_path / f"bad-{name.replace(' ', '-')}.btambak"
        bad.write_bytes(make(database))
        with pytest.raises(IntegrityProblem) as caught:
            backup.read(bad)
        message = str(caught.value)
        assert "backup" in message and "Traceback" not in message, name
        target = tmp_path / f"restore-{name.replace(' ', '-')}" / "team.btam"
        with pytest.raises(IntegrityProblem):
            backup.restore(bad, target, passphrase_text=LEAD_PASS)
        assert not target.parent.exists() or list(target.parent.iterdir()) == [], name


def test_unknown_format_and_not_a_backup(written: Path, tmp_path: Path) -> None:
    header, database = _layout(written)
    newer = tmp_path / "newer.btambak"
    newer.write_bytes(_assemble({**header, "format": "btam-backup/2"}, database))
    with pytest.raises(IntegrityProblem, match="unknown backup format"):
        backup.read(newer)
    other = tmp_path / "photo.jpg"
    other.write_bytes(b"\xff\xd8 not a backup at all")
    with pytest.raises(IntegrityProblem, match="not a BTAM backup"):
        backup.read(other)
    empty = tmp_path / "empty.btambak"
    empty.write_bytes(b"")
    with pytest.raises(IntegrityProblem, match="not a BTAM backup"):
        backup.read(empty)
    with pytest.raises(InvalidInput, match="no file"):
        backup.read(tmp_path / "missing.btambak")


def test_damage_in_the_database_part_is_found_while_streaming(written: Path,
                                                              tmp_path: Path) -> None:
    header, database = _layout(written)
    flipped = bytearray(database)
    flipped[len(flipped) // 2] ^= 0x01
    cases = {
        "flipped": bytes(flipped),
        "truncated": database[:-1],
        "extra bytes": database + b"\x00",
        "empty": b"",
    }
    for name, body in cases.items():
        bad = tmp_path / f"{name}.btambak"
        bad.write_bytes(_assemble(header, body))
        with pytest.raises(IntegrityProblem, match="truncated or damaged"):
            backup.read(bad)
        target = tmp_path / name / "team.btam"
        with pytest.raises(IntegrityProblem, match="truncated or damaged"):
            backup.restore(bad, target, passphrase_text=LEAD_PASS)
        assert not target.parent.exists() or list(target.parent.iterdir()) == [], name


def test_backup_and_restore_stream_instead_of_holding_the_database(
    session: Session, tmp_path: Path
) -> None:
    case = session.store.create_case("Large")
    size = 12 * 1024 * 1024
    session.store.add_attachment(case.id, "scan.bin", os.urandom(size))
    out = tmp_path / "large.btambak"
    tracemalloc.start()
    try:
        session.backup(out)
        _, backup_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        backup.read(out)
        target = tmp_path / "restored" / "team.btam"
        backup.restore(out, target, passphrase_text=LEAD_PASS)
        _, restore_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.stat().st_size > size
    assert backup_peak < size // 3, backup_peak
    assert restore_peak < size // 3, restore_peak


@contextlib.contextmanager
def _reader_on_an_old_snapshot(session: Session) -> Iterator[None]:
    """Another connection (as in another process) reading a snapshot the write-ahead log still
    holds, so the log cannot be emptied while it lasts."""
    session.store.create_case("Written before the reader began")
    reader = Database.open_reader(session.path, bytes(session._db_key))
    try:
        reader.execute("BEGIN")
        reader.scalar("SELECT count(*) FROM cases")
        session.store.create_case("Written after it began")
        yield
    finally:
        reader.close()


@pytest.mark.parametrize("old_reader", [False, True], ids=["frozen file", "export"])
def test_temporary_files_are_owner_only_and_never_reused(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_reader: bool
) -> None:
    """The backup copies the vault's file itself (no copy of it beside the vault); only when
    another reader keeps the log from being emptied is it an export into an owner-only
    temporary file, removed afterwards. Both restore."""
    modes: list[tuple[str, int]] = []
    real_export = Database.export_copy

    def watching_export(db: Database, target: Path, raw_key: bytes) -> None:
        modes.append(("export", stat.S_IMODE(Path(target).stat().st_mode)))
        real_export(db, target, raw_key)

    monkeypatch.setattr(Database, "export_copy", watching_export)
    real_open = backup._open_restored

    def watching_open(path: Path, *args: Any, **kwargs: Any) -> Any:
        modes.append(("restore", stat.S_IMODE(Path(path).stat().st_mode)))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(backup, "_open_restored", watching_open)
    old = os.umask(0o022)
    try:
        out = tmp_path / "b.btambak"
        with _reader_on_an_old_snapshot(session) if old_reader else contextlib.nullcontext():
            session.backup(out)
        target = tmp_path / "r" / "team.btam"
        backup.restore(out, target, passphrase_text=LEAD_PASS)
    finally:
        os.umask(old)
    assert modes == [*([("export", 0o600)] if old_reader else []), ("restore", 0o600)]
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    try:
        assert restored.check() == []
        assert {c.title for c in restored.store.list_cases()} == (
            {"Written before the reader began", "Written after it began"} if old_reader else set())
    finally:
        restored.lock()
    assert not [p for p in session.path.parent.iterdir() if ".backup-" in p.name]


@pytest.mark.parametrize("kernel", [True, False], ids=["sendfile", "through Python"])
def test_writes_from_elsewhere_during_the_copy_stay_out_of_it(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool
) -> None:
    """While the vault's file is copied, another connection (as in another process) changes
    every case and checkpoints: the backup is the vault as it was when the copy began, whole
    (the restored vault passes every check), and the live vault keeps the change."""
    for n in range(40):
        session.store.create_case(f"Case {n}", summary="words " * 200)
    before = {c.id: c.title for c in session.store.list_cases()}
    steps: list[int] = []

    def change_elsewhere() -> None:
        steps.append(1)
        if len(steps) != 2:  # after the first span or chunk: the change lands mid-copy
            return
        other = Database.open(session.path, bytes(session._db_key))
        try:
            other.execute("UPDATE cases SET title = title || ' (changed elsewhere)'")
            other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            other.close()

    monkeypatch.setattr(backup, "KERNEL_COPY", kernel)
    monkeypatch.setattr(backup, "SPAN", 4096)
    monkeypatch.setattr(backup, "CHUNK", 4096)
    real_send, real_copy = backup._send, backup._copy

    def send_with_a_writer(*args: Any) -> None:
        change_elsewhere()
        real_send(*args)

    class Interrupted:
        """The vault's file as the backup reads it through Python."""

        def __init__(self, source: Any) -> None:
            self.source = source

        def seek(self, at: int) -> None:
            self.source.seek(at)

        def read(self, size: int) -> bytes:
            change_elsewhere()
            return bytes(self.source.read(size))

    def copy_with_a_writer(source: Any, at: int, sink: Any, size: int, *more: Any,
                           **named: Any) -> str:
        return real_copy(Interrupted(source), at, sink, size, *more, **named)

    monkeypatch.setattr(backup, "_send", send_with_a_writer)
    if not kernel:
        monkeypatch.setattr(backup, "_copy", copy_with_a_writer)
    out = tmp_path / "during.btambak"
    session.backup(out)
    monkeypatch.undo()
    assert len(steps) > 2
    target = tmp_path / "r" / "team.btam"
    backup.restore(out, target, passphrase_text=LEAD_PASS)
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    try:
        assert restored.check() == []
        assert {c.id: c.title for c in restored.store.list_cases()} == before
    finally:
        restored.lock()
    assert all(c.title.endswith("(changed elsewhere)") for c in session.store.list_cases())


def _pages(database: bytes, raw_key: bytes) -> list[bytes]:
    """Every page of a SQLCipher 4 file decrypted with its raw key, free pages included
    (4096-byte pages; AES-256-CBC over all but the 80 reserved bytes: IV, then HMAC; page 1
    starts after its 16-byte salt)."""
    size, reserve = 4096, 80
    out = []
    for start in range(0, len(database), size):
        page = database[start:start + size]
        skip = 16 if start == 0 else 0
        iv = page[size - reserve:size - reserve + 16]
        decryptor = Cipher(algorithms.AES(raw_key), modes.CBC(iv)).decryptor()
        out.append(decryptor.update(page[skip:size - reserve]) + decryptor.finalize())
    return out


def test_a_backup_holds_nothing_of_a_purged_case_even_with_the_key(
    session: Session, tmp_path: Path
) -> None:
    """The backup copies the vault's pages as they are, free ones too: what a purge erased
    must be gone from them (SQLCipher zeroes deleted content), not merely unlinked."""
    mark = "quorvandel"
    case = session.store.create_case(f"Purged {mark}", summary=f"about {mark} " * 300)
    session.store.add_note(case.id, f"note on {mark} " * 300)
    for n in range(20):
        session.store.create_case(f"Kept {n}", summary="words " * 200)
    key = bytes(session._db_key)
    first = tmp_path / "first.btambak"
    session.backup(first)
    # The decryption reads the pages (the mark is found before the purge).
    assert any(mark.encode() in p for p in _pages(_layout(first)[1], key))
    session.store.delete_case(case.id)
    session.store.purge_case(case.id)
    out = tmp_path / "after.btambak"
    session.backup(out)
    pages = _pages(_layout(out)[1], key)
    assert any(b"Kept 7" in p for p in pages)
    assert not [n for n, p in enumerate(pages) if mark.encode() in p]


def _resealed(header: dict[str, Any], database: bytes, **changes: Any) -> bytes:
    """The backup with its header changed and its checksum made to match again, as anyone
    can do without the vault's key."""
    digest = hashlib.sha256(database).hexdigest()
    return _assemble({**header, **changes, "db_sha256": digest}, database)


def test_a_backup_changed_and_rehashed_is_refused_by_its_seal(
    session: Session, tmp_path: Path
) -> None:
    """The checksum only finds damage; the seal (made with the vault's key) finds a change:
    a page put back from an older backup of the same vault (each page still passes its own
    check), a header field changed, or the key file swapped, all with the checksum fixed."""
    case = session.store.create_case("Sealed", summary="first words")
    older = tmp_path / "older.btambak"
    session.backup(older)
    session.store.update_case(case.id, {"summary": "second words"})
    newer = tmp_path / "newer.btambak"
    session.backup(newer)
    header, database = _layout(newer)
    _, old_database = _layout(older)
    changed = [n for n in range(0, min(len(database), len(old_database)), 4096)
               if database[n:n + 4096] != old_database[n:n + 4096] and n]
    assert changed
    spliced = database[:changed[0]] + old_database[changed[0]:changed[0] + 4096] + database[
        changed[0] + 4096:]
    other_keys = json.loads(header["keys"])
    other_keys["slots"] = other_keys["slots"][:1]
    forgeries = {
        "spliced": _resealed(header, spliced),
        "created_at": _resealed(header, database, created_at="2020-01-01T00:00:00Z"),
        "keys": _resealed(header, database, keys=json.dumps(other_keys)),
    }
    for name, data in forgeries.items():
        bad = tmp_path / f"{name}.btambak"
        bad.write_bytes(data)
        backup.read(bad)  # the checksum matches: only the seal can tell
        target = tmp_path / name / "team.btam"
        with pytest.raises(IntegrityProblem, match="changed after it was written"):
            backup.restore(bad, target, passphrase_text=LEAD_PASS)
        assert not target.parent.exists() or list(target.parent.iterdir()) == [], name


def test_an_unsealed_backup_is_restored_after_checking_every_page(
    session: Session, tmp_path: Path, written: Path
) -> None:
    """Backups written before the seal existed restore as before: every page is checked, so
    damage the recomputed checksum hides is still refused."""
    header, database = _layout(written)
    unsealed = {k: v for k, v in header.items() if k != "db_mac"}
    good = tmp_path / "unsealed.btambak"
    good.write_bytes(_assemble(unsealed, database))
    target = tmp_path / "good" / "team.btam"
    backup.restore(good, target, passphrase_text=LEAD_PASS)
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    try:
        assert [c.title for c in restored.store.list_cases()] == ["Backed up case"]
    finally:
        restored.lock()
    flipped = bytearray(database)
    flipped[len(flipped) - 4096 + 100] ^= 0x01  # inside the last page's encrypted bytes
    bad = tmp_path / "flipped.btambak"
    bad.write_bytes(_resealed(unsealed, bytes(flipped)))
    target = tmp_path / "bad" / "team.btam"
    with pytest.raises(IntegrityProblem):
        backup.restore(bad, target, passphrase_text=LEAD_PASS)
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_a_file_system_refusing_the_kernel_copy_gets_the_copy_through_python(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Network shares and FUSE file systems may refuse sendfile between files, even after
    a first span went through: the backup and the restore copy again through Python."""
    for n in range(10):
        session.store.create_case(f"Case {n}", summary="words " * 200)
    real_sendfile = os.sendfile
    calls: list[int] = []

    def refusing(out_fd: int, in_fd: int, offset: int | None, count: int) -> int:
        calls.append(count)
        if len(calls) % 2 == 0:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_sendfile(out_fd, in_fd, offset, count)

    monkeypatch.setattr(backup, "KERNEL_COPY", True)
    monkeypatch.setattr(backup, "SPAN", 4096)
    monkeypatch.setattr(os, "sendfile", refusing)
    out = tmp_path / "share.btambak"
    session.backup(out)
    target = tmp_path / "r" / "team.btam"
    backup.restore(out, target, passphrase_text=LEAD_PASS)
    monkeypatch.undo()
    assert len(calls) == 4  # each copy: one span sent, then refused
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    try:
        assert restored.check() == []
        assert len(restored.store.list_cases()) == 10
    finally:
        restored.lock()


def test_the_passphrase_is_derived_while_the_database_is_copied(
    written: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The restore's key derivation (Argon2id, longer than copying a 10,000-case vault)
    runs while the database part is copied, not before it."""
    copying = threading.Event()
    real_stream, real_unwrap = backup._stream_database, keyslots.unwrap_private
    overlapped: list[bool] = []

    def stream(*args: Any) -> None:
        copying.set()
        real_stream(*args)

    def unwrap(*args: Any) -> bytes:
        overlapped.append(copying.wait(timeout=10))
        return real_unwrap(*args)

    monkeypatch.setattr(backup, "_stream_database", stream)
    monkeypatch.setattr(backup, "unwrap_private", unwrap)
    target = tmp_path / "r" / "team.btam"
    backup.restore(written, target, passphrase_text=LEAD_PASS)
    assert overlapped == [True]
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    try:
        assert [c.title for c in restored.store.list_cases()] == ["Backed up case"]
    finally:
        restored.lock()


def test_a_wrong_passphrase_is_the_error_told_even_for_a_damaged_backup(
    written: Path, tmp_path: Path
) -> None:
    header, database = _layout(written)
    damaged = tmp_path / "damaged.btambak"
    damaged.write_bytes(written.read_bytes()[:-len(database)]
                        + bytes(b ^ 0xFF for b in database[:64]) + database[64:])
    target = tmp_path / "r" / "team.btam"
    with pytest.raises(WrongPassphrase):
        backup.restore(damaged, target, passphrase_text="Wrong-Phrase-000")
    with pytest.raises(IntegrityProblem, match="damaged"):
        backup.restore(damaged, target, passphrase_text=LEAD_PASS)
    assert not target.parent.exists()  # no scratch copy, nor the folder made for it


def test_a_failed_restore_leaves_no_folder_it_made(written: Path, tmp_path: Path) -> None:
    """A wrong passphrase (or a damaged backup) changes nothing on the disk: the folders a
    restore made for the new vault go again; a folder that was there stays."""
    header, database = _layout(written)
    damaged = tmp_path / "damaged.btambak"
    damaged.write_bytes(written.read_bytes()[:-len(database)]
                        + bytes(b ^ 0xFF for b in database[:64]) + database[64:])
    target = tmp_path / "new" / "deeper" / "team.btam"
    # Told as the backup's passphrase, not "or not a BTAM vault" (the file is a backup).
    with pytest.raises(WrongPassphrase, match=r"^wrong passphrase for this backup: it opens"
                       r" with the passphrase that was valid when it was written$"):
        backup.restore(written, target, passphrase_text="Wrong-Phrase-000")
    assert not (tmp_path / "new").exists()
    with pytest.raises(IntegrityProblem):
        backup.restore(damaged, target, passphrase_text=LEAD_PASS)
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    with pytest.raises(WrongPassphrase):
        backup.restore(written, kept / "team.btam", passphrase_text="Wrong-Phrase-000")
    assert kept.is_dir() and not list(kept.iterdir())
    backup.restore(written, target, passphrase_text=LEAD_PASS)
    assert target.exists()


@pytest.mark.parametrize("kernel", [True, False], ids=["sendfile", "through Python"])
def test_a_stopped_copy_ends_at_the_next_span(
    written: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool
) -> None:
    """What a wrong passphrase does to the copy running beside it: stopped within a span."""
    monkeypatch.setattr(backup, "KERNEL_COPY", kernel)
    monkeypatch.setattr(backup, "SPAN", 4096)
    monkeypatch.setattr(backup, "CHUNK", 4096)
    size = written.stat().st_size
    assert size > 4 * 4096
    stop = threading.Event()
    real_send = backup._send

    def send_then_stop(*args: Any) -> None:
        real_send(*args)
        stop.set()

    monkeypatch.setattr(backup, "_send", send_then_stop)
    with open(written, "rb") as source, open(tmp_path / "sink", "w+b") as sink:
        if not kernel:
            source = _StopAfterFirstRead(source, stop)  # type: ignore[assignment]
        with pytest.raises(backup._Stopped):
            backup._copy(source, 0, sink, size, stop)
    assert (tmp_path / "sink").stat().st_size <= 4096


class _StopAfterFirstRead:
    def __init__(self, source: Any, stop: threading.Event) -> None:
        self.source, self.stop = source, stop

    def seek(self, at: int) -> None:
        self.source.seek(at)

    def read(self, size: int) -> bytes:
        self.stop.set()
        return bytes(self.source.read(size))


@pytest.mark.parametrize("kernel", [True, False], ids=["sendfile", "through Python"])
def test_a_restore_tells_its_progress_and_a_cancel_changes_nothing(
    written: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool
) -> None:
    """The app's progress bar and Cancel: the bytes copied, rising to the whole database part;
    a progress that says no ends the restore with nothing on the disk."""
    monkeypatch.setattr(backup, "KERNEL_COPY", kernel)
    monkeypatch.setattr(backup, "SPAN", 4096)
    monkeypatch.setattr(backup, "CHUNK", 4096)
    size = backup.read_header(written).db_size
    told: list[tuple[int, int]] = []

    def said_no_after(calls: int) -> Callable[[int, int], bool]:
        def progress(done: int, total: int) -> bool:
            told.append((done, total))
            return len(told) < calls
        return progress

    target = tmp_path / "new" / "team.btam"
    with pytest.raises(backup.RestoreCancelled, match="cancelled; nothing was changed"):
        backup.restore(written, target, passphrase_text=LEAD_PASS, progress=said_no_after(2))
    assert not (tmp_path / "new").exists()
    assert told[-1][0] < size  # stopped at the span after the "no", not at the end
    told.clear()
    backup.restore(written, target, passphrase_text=LEAD_PASS,
                   progress=said_no_after(10**9))
    done = [d for d, _ in told]
    assert {t for _, t in told} == {size}
    assert done[0] == 0 and done[-1] == size and done == sorted(done) and len(done) > 3
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS)
    try:
        assert [c.title for c in restored.store.list_cases()] == ["Backed up case"]
    finally:
        restored.lock()


def test_a_backup_tells_its_progress_and_a_cancel_writes_no_file(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings › Backup's bar and Cancel: bytes written rising to the database's size; a no
    leaves no backup (nor its temporary file) and the trail says the backup was cancelled."""
    monkeypatch.setattr(backup, "SPAN", 4096)
    session.store.create_case(title="Backed up case")
    folder = tmp_path / "usb"
    folder.mkdir()
    told: list[tuple[int, int]] = []

    def no_after_two(done: int, total: int) -> bool:
        told.append((done, total))
        return len(told) < 2

    with pytest.raises(backup.BackupCancelled, match="no backup file was written"):
        session.backup(folder / "b.btambak", no_after_two)
    assert list(folder.iterdir()) == []
    assert told[-1][0] < told[-1][1]
    actions = [r[0] for r in session.db.query(
        "SELECT action FROM audit ORDER BY seq DESC LIMIT 2")]
    assert actions == ["vault.backup_cancelled", "vault.backup"]
    told.clear()
    session.backup(folder / "b.btambak", lambda done, total: told.append((done, total)) or True)
    done = [d for d, _ in told]
    assert done[0] == 0 and done[-1] == told[0][1] and done == sorted(done) and len(done) > 3
    assert backup.read(folder / "b.btambak").vault_id == session.vault_id


def test_the_last_backup_is_the_last_one_written(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What Settings says under "Backups": none yet; then the last backup written, by whom;
    a cancelled or failed one after it does not count (each is audited as such)."""
    assert session.last_backup() is None
    with pytest.raises(backup.BackupCancelled):
        session.backup(tmp_path / "cancelled.btambak", lambda done, total: False)
    assert session.last_backup() is None
    session.backup(tmp_path / "good.btambak")
    last = session.last_backup()
    assert last is not None and last[1] == session.actor_name
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    with pytest.raises(OSError):
        session.backup(not_a_folder / "failed.btambak")
    with pytest.raises(backup.BackupCancelled):
        session.backup(tmp_path / "cancelled.btambak", lambda done, total: False)
    assert session.last_backup() == last
    actions = [r[0] for r in session.db.query(
        "SELECT action FROM audit WHERE action LIKE 'vault.backup%' ORDER BY seq")]
    assert actions == ["vault.backup", "vault.backup_cancelled", "vault.backup",
                       "vault.backup", "vault.backup_failed", "vault.backup",
                       "vault.backup_cancelled"]


HOLD_OPEN = """
import sys
from pathlib import Path
from btam_desktop.core import vault
session, _ = vault.unlock(Path(sys.argv[1]), passphrase_text=sys.argv[2])
print("open", flush=True)
sys.stdin.readline()
session.lock()
"""


def test_a_vault_open_in_another_program_is_never_replaced(
    session: Session, written: Path, vault_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restoring over a vault another window or command has open would leave that program
    writing into the renamed old file (lost to the restored one): refused, nothing changed;
    checked again just before the move (it may be opened while the copy runs)."""
    session.lock()
    before = vault_path.read_bytes()
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(vault_path), LEAD_PASS],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "open"
        with pytest.raises(VaultBusy, match="is open in another BTAM window or command"):
            backup.restore(written, vault_path, passphrase_text=LEAD_PASS,
                           replace_existing=True)
    finally:
        assert other.stdin is not None
        other.stdin.write("\n")
        other.stdin.close()
        assert other.wait(timeout=30) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("team.btam")) == [
        "team.btam", "team.btam.keys"]
    # Opened while the copy ran: refused at the move, the scratch copy removed.
    seen: list[Path] = []

    def opened_meanwhile(path: Path) -> bool:
        seen.append(path)
        return len(seen) > 1

    monkeypatch.setattr(filelock, "open_elsewhere", opened_meanwhile)
    with pytest.raises(VaultBusy):
        backup.restore(written, vault_path, passphrase_text=LEAD_PASS, replace_existing=True)
    assert len(seen) == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("team", ".team"))
                  and "lock" not in p.name) == ["team.btam", "team.btam.keys"]
    monkeypatch.undo()
    assert vault_path.read_bytes()[:100] == before[:100]
    kept = backup.restore(written, vault_path, passphrase_text=LEAD_PASS, replace_existing=True)
    assert kept is not None and kept.exists()


def test_the_last_backup_is_found_through_the_action_index(session: Session) -> None:
    """Read on every change while the dashboard's next steps show: through the audit_action
    index (a few rows), never every entry this laptop wrote (17 ms at 100,000 cases)."""
    plan = " ".join(str(r[3]) for r in session.db.query(
        "EXPLAIN QUERY PLAN " + LAST_BACKUPS, (session.device_id,)))
    assert "USING INDEX audit_action" in plan, plan
