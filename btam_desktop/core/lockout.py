"""The failed-unlock lockout: five wrong passphrases in a row lock that slot for ten minutes.

Check-and-count is one step under an exclusive file lock (beside the vault, and one for this
user's lockout record), so parallel guesses are evaluated one at a time: at most
:data:`MAX_FAILURES` are ever tried before the lock-out. The counters are kept in two places —
the vault's key file (seen by every OS user of the laptop) and a record in this user's data
folder (``lockout.json``), keyed by vault id and slot — and the stricter of the two applies, so
editing the key file alone lifts nothing. Guesses through ``restore`` of a backup count in the
same record.

What it cannot stop: neither place can be authenticated without a key that an attacker with
the files would also hold. Someone who can copy the key file (or a backup) guesses offline,
bounded only by Argon2id's cost and the passphrase's strength; the lockout stops guessing
through the app and the CLI on this laptop by someone who cannot, or does not, edit both
records.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from btam_desktop.core import filelock, keyfile
from btam_desktop.core.errors import AccountLocked, WrongPassphrase
from btam_desktop.core.fileio import atomic_write_text
from btam_desktop.core.paths import APP_AUTHOR, APP_NAME

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=10)
T = TypeVar("T")


def record_path() -> Path:
    """This user's lockout record."""
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "lockout.json"


def vault_lock_path(vault_path: Path) -> Path:
    """The lock file beside a vault that serialises unlock attempts."""
    return vault_path.with_name(f".{vault_path.name}.lock")


def _read_record() -> dict[str, Any]:
    try:
        data = json.loads(record_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_record(data: dict[str, Any]) -> None:
    atomic_write_text(record_path(), json.dumps(data, sort_keys=True, indent=1) + "\n")


def _parse(when: object) -> datetime | None:
    if not isinstance(when, str):
        return None
    try:
        parsed = datetime.fromisoformat(when)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _state(vault_path: Path | None, vault_id: str, slot_id: str) -> tuple[int, datetime | None]:
    """(failures, locked until): the stricter of the key file's and this user's record."""
    failures, until = 0, None
    entry = _read_record().get(f"{vault_id}:{slot_id}")
    if isinstance(entry, dict):
        value = entry.get("failed", 0)
        failures = value if isinstance(value, int) else 0
        until = _parse(entry.get("locked_until"))
    if vault_path is not None:
        try:
            slot = keyfile.load(vault_path).slot(slot_id)
        except Exception:  # a damaged key file is reported by the unlock itself
            slot = None
        if slot is not None:
            failures = max(failures, slot.failed_attempts)
            theirs = _parse(slot.locked_until)
            if theirs is not None and (until is None or theirs > until):
                until = theirs
    return failures, until


def _store(vault_path: Path | None, vault_id: str, slot_id: str, failures: int,
           until: datetime | None) -> None:
    record = _read_record()
    key = f"{vault_id}:{slot_id}"
    if failures or until:
        record[key] = {"failed": failures, "locked_until": until.isoformat() if until else None}
        _write_record(record)
    elif key in record:
        del record[key]
        _write_record(record)
    if vault_path is not None:
        try:
            keys = keyfile.load(vault_path)
        except Exception:
            return
        slot = keys.slot(slot_id)
        stamp = until.isoformat() if until else None
        if slot is not None and (slot.failed_attempts, slot.locked_until) != (failures, stamp):
            keyfile.save(vault_path, keys.with_slot(
                replace(slot, failed_attempts=failures, locked_until=stamp)))


def locked_until(vault_path: Path | None, vault_id: str, slot_id: str,
                 now: datetime) -> datetime | None:
    """When the slot's lock-out ends, or None if it is not locked at ``now``."""
    _, until = _state(vault_path, vault_id, slot_id)
    return until if until is not None and until > now else None


def _raise_locked(label: str, until: datetime) -> None:
    raise AccountLocked(label, until.astimezone().strftime("%H:%M:%S"))


def check(vault_path: Path | None, vault_id: str, slot_id: str, label: str,
          now: datetime) -> None:
    """AccountLocked while the slot is locked out."""
    until = locked_until(vault_path, vault_id, slot_id, now)
    if until is not None:
        _raise_locked(label, until)


@contextlib.contextmanager
def _locked(vault_path: Path | None) -> Iterator[None]:
    """The vault's lock (if any), then this user's record lock: always in that order."""
    with contextlib.ExitStack() as stack:
        if vault_path is not None:
            stack.enter_context(filelock.exclusive(vault_lock_path(vault_path)))
        stack.enter_context(filelock.exclusive(record_path().with_name("lockout.lock")))
        yield


def attempt(vault_path: Path | None, vault_id: str, slot_id: str, label: str,
            try_secret: Callable[[], T], now: datetime) -> T:
    """Run ``try_secret`` (which raises WrongPassphrase on a wrong secret) as one counted
    unlock attempt: refused while locked out, a failure counted, a success clearing the
    count — all under the locks, so no two attempts on this laptop overlap."""
    with _locked(vault_path):
        failures, until = _state(vault_path, vault_id, slot_id)
        if until is not None and until > now:
            _raise_locked(label, until)
        try:
            result = try_secret()
        except WrongPassphrase:
            failures += 1
            if failures >= MAX_FAILURES:
                ends = now + LOCKOUT
                _store(vault_path, vault_id, slot_id, 0, ends)
                _raise_locked(label, ends)
            _store(vault_path, vault_id, slot_id, failures, None)
            raise
        if failures or until:
            _store(vault_path, vault_id, slot_id, 0, None)
        return result
