"""Creating and unlocking vaults: the SQLCipher file plus its key file (backups and restoring
them: :mod:`btam_desktop.core.backup`).

A failed open never creates, repairs or replaces anything: a wrong passphrase changes no byte
of the database (only the key file's failed-unlock counter), and a missing or damaged file is
reported, not rebuilt.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from btam_desktop.core import (
    audit,
    audit_anchor,
    handed,
    keyfile,
    keyring_store,
    lockout,
    passphrase,
    schema,
    slot_registry,
)
from btam_desktop.core.db import Database, key_opens
from btam_desktop.core.errors import (
    AuthError,
    IntegrityProblem,
    InvalidInput,
    VaultExists,
    VaultNotFound,
    WeakPassphrase,
    WrongPassphrase,
)
from btam_desktop.core.fileio import fsync_dir
from btam_desktop.core.ids import new_device_code, new_id
from btam_desktop.core.keyslots import (
    MEMBER,
    RECOVERY,
    KdfParams,
    KeySlot,
    make_slot,
    new_db_key,
    new_recovery_key,
    normalise_recovery_key,
    open_keys,
    unwrap_private,
)
from btam_desktop.core.model import Member
from btam_desktop.core.paths import wal_paths
from btam_desktop.core.session import Session

MAX_FAILURES = lockout.MAX_FAILURES
LOCKOUT = lockout.LOCKOUT
RECOVERY_SLOT_ID = "recovery"


@dataclass(frozen=True)
class SlotInfo:
    """What the unlock screen may show before unlocking: a member's name and lock state.

    ``failed_attempts`` counts wrong passphrases in a row since the last success or lock-out,
    the same (stricter) number the lockout itself goes by."""

    slot_id: str
    label: str
    locked_until: str | None
    failed_attempts: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def vault_exists(path: Path) -> bool:
    """True when a vault file (or its key file) is at ``path``."""
    path = Path(path)
    return path.exists() or keyfile.keys_path_for(path).exists()


def member_slots(path: Path) -> list[SlotInfo]:
    """Members who can unlock ``path`` (for the member picker)."""
    keys = keyfile.load(Path(path))
    now = _now()
    out = []
    for s in keys.slots:
        if s.kind == MEMBER:
            until = lockout.locked_until(Path(path), keys.vault_id, s.slot_id, now)
            out.append(SlotInfo(s.slot_id, s.label, until.isoformat() if until else None,
                                _failed_attempts(Path(path), keys.vault_id, s.slot_id)))
    return out


def _failed_attempts(path: Path, vault_id: str, slot_id: str) -> int:
    """Wrong passphrases in a row for a slot, as the lockout counts them: the stricter of the
    key file's count and this user's record. Read only."""
    failures, _ = lockout._state(path, vault_id, slot_id)
    return failures


def create_vault(
    path: Path,
    *,
    member_name: str,
    new_passphrase: str,
    role: str = "lead",
    badge: str = "",
    agency: str = "",
    kdf: KdfParams | None = None,
) -> tuple[Session, str]:
    """Make a new vault with its first member (a team lead); returns (session, recovery key).

    The recovery key is returned once and never stored in the clear: show it, have it written
    down, forget it.
    """
    path = Path(path)
    if vault_exists(path):
        raise VaultExists(f"a vault already exists at {path}; it was not touched")
    member_name = member_name.strip()
    if not member_name:
        raise InvalidInput("the first member needs a name")
    if role != "lead":
        raise InvalidInput(
            "the first member of a vault is its lead, on an officer's own laptop too (what"
            " the laptop may do in a team is the team lead's roster, not this role)")
    problems = passphrase.check(new_passphrase, member_name)
    if problems:
        raise WeakPassphrase(problems)
    path.parent.mkdir(parents=True, exist_ok=True)

    vault_id, member_id, device_id = new_id(), new_id(), new_id()
    db_key = new_db_key()
    recovery_key = new_recovery_key()
    member_slot, member_private = make_slot(
        vault_id=vault_id, slot_id=member_id, kind=MEMBER, label=member_name,
        secret=new_passphrase, db_keys=[db_key], kdf=kdf,
    )
    recovery_slot, recovery_private = make_slot(
        vault_id=vault_id, slot_id=RECOVERY_SLOT_ID, kind=RECOVERY, label="Recovery key",
        secret=recovery_key, db_keys=[db_key], kdf=kdf,
    )
    # Each slot's audit signing key, sealed under the slot's own key (audit_anchor).
    member_slot, member_signing = audit_anchor.new_signing_key(
        member_slot, member_private, vault_id)
    recovery_slot, recovery_signing = audit_anchor.new_signing_key(
        recovery_slot, recovery_private, vault_id)
    signing = {member_id: member_signing, RECOVERY_SLOT_ID: recovery_signing}
    keys = keyfile.KeyFile(vault_id, (member_slot, recovery_slot))

    # Build the database under a temporary name (owner-only from its first byte), then move it
    # into place, so an interrupted creation never leaves a half-made vault at the real path
    # and leaves no temporary file behind either.
    tmp = path.with_name(f".{path.name}.creating-{secrets.token_hex(4)}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    member = Member(member_id, member_name, badge.strip(), role)
    try:
        keys = _build_first_database(tmp, db_key, keys, member, device_id=device_id,
                                     agency=agency, signing=signing)
        keyfile.save(path, keys)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        for leftover in (tmp, *wal_paths(tmp)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        if not path.exists():
            with contextlib.suppress(FileNotFoundError):
                keyfile.keys_path_for(path).unlink()
        raise
    opened = Database.open(path, db_key)
    audit.set_signer(opened, member_signing, member_id)
    session = Session(
        path=path, db=opened, db_key=db_key, keys=keys, member=member, slot_id=member_id,
    )
    return session, recovery_key


def _build_first_database(tmp: Path, db_key: bytes, keys: keyfile.KeyFile, member: Member, *,
                          device_id: str, agency: str,
                          signing: dict[str, bytes]) -> keyfile.KeyFile:
    """Schema and identity of a new vault in ``tmp``, then its first member, change row and
    audit entry written by the normal :class:`~btam_desktop.core.ops.Operation` path (signed
    by the member); returns ``keys`` carrying the audit anchor."""
    db = Database.open(tmp, db_key, create=True)
    try:
        schema.migrate(db)
        with db.transaction():
            for key, value in {
                "vault_id": keys.vault_id,
                "device_id": device_id,
                "device_code": new_device_code(),
                "created_at": audit.utc_now(),
                "setting:agency": agency.strip(),
            }.items():
                db.set_meta(key, value)
            for slot in keys.slots:
                slot_registry.register(db, slot)
                audit_anchor.register(db, audit_anchor.public_of(signing[slot.slot_id]),
                                      device_id, slot.slot_id)
            slot_registry.mark_initialised(db)
        audit.set_signer(db, signing[member.id], member.id)
        building = Session(path=tmp, db=db, db_key=db_key, keys=keys, member=member,
                           slot_id=member.id)
        with building.operation("vault.create") as op:
            op.insert("members", {
                "name": member.name, "badge": member.badge, "role": member.role, "active": 1,
                "created_at": audit.utc_now(), "device_id": device_id,
            }, record_id=member.id)
            op.audit("vault.create", "vault", keys.vault_id)
        return audit_anchor.with_anchor(keys, db)
    finally:
        db.close()  # not building.lock(): that would audit a lock of a vault not yet made


def pick_slot(keys: keyfile.KeyFile, member: str | None) -> KeySlot:
    """The member slot of ``keys`` named by ``member`` (name or id), or the only one."""
    slots = [s for s in keys.slots if s.kind == MEMBER]
    if member:
        wanted = member.strip().lower()
        for slot in slots:
            if slot.slot_id == member or slot.label.lower() == wanted:
                return slot
        raise AuthError(f"no member named {member!r} can unlock this vault")
    if len(slots) == 1:
        return slots[0]
    raise AuthError(
        "this vault has several members: say who you are with --member NAME (or BTAM_MEMBER)"
    )


def open_database(path: Path, keys: keyfile.KeyFile, slot: KeySlot, private: bytes) -> tuple[
    Database, bytes
]:
    """Open ``path`` with a database key sealed in ``slot``; returns (database, raw key)."""
    try:
        handed.check_regular(path)  # SQLite's error for a pipe or device said nothing useful
    except handed.HandedFileRefused as exc:
        raise IntegrityProblem(f"the vault {exc}") from None
    candidates = open_keys(slot, private, keys.vault_id)
    for candidate in candidates:
        if key_opens(path, candidate):
            return Database.open(path, candidate), candidate
    raise IntegrityProblem(
        "the key file does not match the vault file (were they copied from different places?)"
    )


SCRATCH_KINDS = ("rekey", "backup", "restoring", "creating")
STALE_AFTER = timedelta(minutes=15)


def sweep_stale_scratch(path: Path, now: datetime | None = None) -> list[Path]:
    """Remove full-size encrypted copies a crash left beside the vault
    (``.<vault>.rekey-*``, ``.backup-*``, ``.restoring-*``, ``.creating-*`` and their SQLite
    side files) untouched for :data:`STALE_AFTER`: they hold data a later purge erased. A copy
    being written is touched all the time, so it is never taken for a stale one."""
    path = Path(path)
    limit = (now or _now()) - STALE_AFTER
    removed: list[Path] = []
    for kind in SCRATCH_KINDS:
        for leftover in path.parent.glob(f".{glob.escape(path.name)}.{kind}-*"):
            try:
                changed = datetime.fromtimestamp(leftover.stat().st_mtime, UTC)
                if changed < limit and leftover.is_file():
                    leftover.unlink()
                    removed.append(leftover)
            except OSError:
                continue
    return removed


def _finish_unlock(
    path: Path, keys: keyfile.KeyFile, slot: KeySlot, private: bytes, *, via: str
) -> Session:
    db, db_key = open_database(path, keys, slot, private)
    try:
        schema.migrate(db)
        member: Member | None = None
        if slot.kind == MEMBER:
            row = db.query_one("SELECT * FROM members WHERE id = ?", (slot.slot_id,))
            if row is None or not row["active"]:
                raise AuthError(f"{slot.label} is no longer a member of this team")
            member = Member(row["id"], row["name"], row["badge"], row["role"], True)
        slot_registry.ensure_initialised(db, keys)
        if not slot_registry.is_known(db, slot):
            raise IntegrityProblem(
                f"the key slot {slot.label!r} was not issued by this vault (or belongs to a"
                " removed member): it is not allowed to unlock; a team lead should run"
                " `btam check`")
        slot_problems = slot_registry.problems(db, keys)
        device_id = db.meta("device_id") or ""
        # Before the unlock's own entry moves the head: was anything cut off the chain's
        # end, or does the key file's anchor see entries the database no longer has?
        audit_problems = audit.tail_problems(db, device_id) + audit_anchor.problems(db, keys)
        new_slot, signing_problems = audit_anchor.prepare_signer(
            db, keys, slot, private, device_id)
    except BaseException:
        db.close()
        raise
    session = Session(
        path=path, db=db, db_key=db_key, keys=keys, member=member, slot_id=slot.slot_id
    )
    session.audit_problems_at_unlock = audit_problems + signing_problems
    session.slot_problems_at_unlock = slot_problems
    with session.operation("vault.unlock") as op:
        op.audit("vault.unlock", "vault", keys.vault_id, via=via)
    # The heads as of this unlock, signed, into the key file (and the slot's new signing key).
    try:
        audit_anchor.save(path, db, new_slot)
    except OSError as exc:  # reported, never blocking: the vault itself opened fine
        session.audit_problems_at_unlock.append(
            f"the audit anchor could not be written to the key file ({exc.strerror or exc})")
    sweep_stale_scratch(path)
    return session


def _attempt(path: Path, keys: keyfile.KeyFile, slot: KeySlot, secret: str, now: datetime,
             normalise: Callable[[str], str] = str) -> bytes:
    """One unlock attempt on ``slot``: refused while locked out; a failure counts towards the
    lockout, a success clears the count (:mod:`lockout`, under a file lock so parallel
    guesses are evaluated one at a time). Returns the slot's private key."""
    return lockout.attempt(
        path, keys.vault_id, slot.slot_id, slot.label,
        lambda: unwrap_private(slot, normalise(secret), keys.vault_id), now)


def warm_up() -> None:
    """Set up what an unlock uses for the first time in the process, before it is needed:
    the X25519 key of the member's slot is the first use of OpenSSL's backend (its import
    and set-up, 10-20 ms right after the key derivation). The app calls this while the
    member types the passphrase; no key of any vault is involved."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    X25519PrivateKey.generate()


def unlock(
    path: Path, *, passphrase_text: str, member: str | None = None, now: datetime | None = None
) -> tuple[Session, bytes]:
    """Unlock as a member; returns the session and the slot key (for "remember on device")."""
    path = Path(path)
    keys = keyfile.load(path)
    slot = pick_slot(keys, member)
    private = _attempt(path, keys, slot, passphrase_text, now or _now())
    return _finish_unlock(path, keys, slot, private, via="passphrase"), private


def check_member_passphrase(path: Path, slot_id: str, passphrase_text: str,
                            now: datetime | None = None) -> bytes:
    """The slot key of ``slot_id`` if ``passphrase_text`` opens it; failures count towards the
    lockout like failed unlocks."""
    path = Path(path)
    keys = keyfile.load(path)
    slot = keys.slot(slot_id)
    if slot is None:
        raise AuthError("this member can no longer unlock the vault")
    return _attempt(path, keys, slot, passphrase_text, now or _now())


def unlock_with_recovery(path: Path, recovery_key: str, now: datetime | None = None) -> Session:
    """Unlock with the paper recovery key (acts as a team lead; audited as 'Recovery key')."""
    path = Path(path)
    keys = keyfile.load(path)
    slot = keys.slot(RECOVERY_SLOT_ID)
    if slot is None:
        raise IntegrityProblem("this vault has no recovery slot")
    try:
        private = _attempt(path, keys, slot, recovery_key, now or _now(),
                           normalise=normalise_recovery_key)
    except WrongPassphrase:
        raise WrongPassphrase("wrong recovery key or not a BTAM vault") from None
    return _finish_unlock(path, keys, slot, private, via="recovery key")


def unlock_with_device_key(path: Path, member: str | None = None) -> Session | None:
    """Unlock with the key remembered in the OS keyring; None means "ask for the passphrase"."""
    path = Path(path)
    try:
        keys = keyfile.load(path)
        slot = pick_slot(keys, member)
    except (AuthError, IntegrityProblem, VaultNotFound):
        return None
    private = keyring_store.recall(keys.vault_id, slot.slot_id)
    if private is None:
        return None
    try:
        lockout.check(path, keys.vault_id, slot.slot_id, slot.label, _now())
        return _finish_unlock(path, keys, slot, private, via="device keyring")
    except WrongPassphrase:
        keyring_store.forget(keys.vault_id, slot.slot_id)  # stale entry (passphrase changed)
        return None
