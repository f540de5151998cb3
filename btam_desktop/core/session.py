"""An unlocked vault: the open database, who unlocked it, and the operations on the vault
itself (members, passphrases, rekey, backup, integrity check, settings).

Case data is read and written through :attr:`Session.store`; every write is an
:class:`~btam_desktop.core.ops.Operation`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from btam_desktop.core import (
    audit,
    audit_anchor,
    keyfile,
    keyring_store,
    passphrase,
    slot_registry,
)
from btam_desktop.core.db import READER_CACHE_KIB, Database
from btam_desktop.core.db import Reader as Reader  # re-exported: the type open_reader hands out
from btam_desktop.core.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    VaultBusy,
    VaultLocked,
    WeakPassphrase,
)
from btam_desktop.core.fileio import fsync_dir
from btam_desktop.core.hlc import HybridClock, Stamp
from btam_desktop.core.ids import new_id
from btam_desktop.core.keyslots import (
    MEMBER,
    KdfParams,
    KeySlot,
    make_slot,
    new_db_key,
    reseal,
)
from btam_desktop.core.model import ROLES, Member
from btam_desktop.core.ops import Listener, Operation
from btam_desktop.core.paths import wal_paths

if TYPE_CHECKING:
    from btam_desktop.core.formlib import FormLibrary
    from btam_desktop.core.store import CaseStore
    from btam_desktop.core.submissions import SubmissionStore

IDLE_DEFAULT_MINUTES = 15
IDLE_MAX_MINUTES = 30
RECOVERY_ACTOR = "Recovery key"
# Local to this vault file (each laptop's key file has its own recovery slot): "no" while a
# recovery key shown to someone was not confirmed as written down, "yes" once it was.
RECOVERY_CONFIRMED_META = "recovery_key_confirmed"


def _meta(db: Database, key: str) -> str | None:
    # Kept for Session.__init__ and Session.operation; new code calls db.meta directly.
    return db.meta(key)


def _set_meta(db: Database, key: str, value: str) -> None:
    db.set_meta(key, value)


def _wipe(buffer: bytearray) -> None:
    """Overwrite a key held in a mutable buffer (as far as Python allows: see Session)."""
    for i in range(len(buffer)):
        buffer[i] = 0


# This laptop's backup entries, newest first. "+device_id": through the audit_action index (a
# few rows), not the device's own index (every entry this laptop ever wrote: 17 ms warm,
# 0.2 s cold at 100,000 cases, read on every change while the dashboard's next steps show).
LAST_BACKUPS = (
    "SELECT action, at, member_name FROM audit WHERE action IN"
    " ('vault.backup', 'vault.backup_cancelled', 'vault.backup_failed')"
    " AND +device_id = ? ORDER BY seq DESC LIMIT 200")


class Session:
    """An unlocked vault. ``lock()`` closes it; afterwards every call raises VaultLocked."""

    def __init__(
        self,
        *,
        path: Path,
        db: Database,
        db_key: bytes,
        keys: keyfile.KeyFile,
        member: Member | None,
        slot_id: str,
    ) -> None:
        self.path = Path(path)
        self._db: Database | None = db
        # Mutable, so lock() can overwrite it. Python makes short-lived immutable copies
        # (bytes passed to SQLCipher and HPKE, hex text for PRAGMA key) that it frees but does
        # not wipe; SQLCipher's own copy is wiped by cipher_memory_security when it closes.
        self._db_key = bytearray(db_key)
        self.vault_id = keys.vault_id
        self.slot_id = slot_id
        self.member = member
        self.device_id = _meta(db, "device_id") or ""
        self.device_code = _meta(db, "device_code") or "X"
        last = _meta(db, "hlc_last")
        self.clock = HybridClock(Stamp.decode(last) if last else None)
        self._listeners: list[Listener] = []
        self._current: Operation | None = None
        self._store: CaseStore | None = None
        self._submissions: SubmissionStore | None = None
        # Read-only connections of other threads (open_reader): closed with the session.
        self._readers: weakref.WeakSet[Reader] = weakref.WeakSet()
        # Gaps at the end of this device's audit chain found before the unlock's own entry
        # (also kept in the vault and reported by audit.verify from then on).
        self.audit_problems_at_unlock: list[str] = []
        # Slots of the key file this vault never issued, found at unlock (slot_registry).
        self.slot_problems_at_unlock: list[str] = []

    # -- identity ---------------------------------------------------------------------
    @property
    def db(self) -> Database:
        """The open database; VaultLocked once the session is locked."""
        if self._db is None or self._db.closed:
            raise VaultLocked("the vault is locked")
        return self._db

    @property
    def member_id(self) -> str | None:
        """The unlocking member's id (None when unlocked with the recovery key)."""
        return self.member.id if self.member else None

    @property
    def actor_name(self) -> str:
        """Name written into the audit trail."""
        return self.member.name if self.member else RECOVERY_ACTOR

    @property
    def role(self) -> str:
        """The unlocking member's role; the recovery key acts as a team lead."""
        return self.member.role if self.member else "lead"

    @property
    def is_open(self) -> bool:
        """False after :meth:`lock`."""
        return self._db is not None and not self._db.closed

    def open_reader(self, *, cache_kib: int = READER_CACHE_KIB) -> Reader:
        """A read-only connection to this vault for reads on another thread (the Cases
        page's load) while this session's connection stays free for the UI and writes.

        It is opened with the session's key, which it does not keep; :meth:`lock` (and a
        rekey, which replaces the file) closes every reader still open, interrupting a read
        under way, after which reading through it raises VaultLocked. ``cache_kib``: its page
        cache (the dashboard's first load reads some indexes more than once)."""
        if not self.is_open:
            raise VaultLocked("the vault is locked")
        # The mutable key itself (no immutable copy left behind; only the hex text of the
        # PRAGMA is a transient copy, as for the session's own connection).
        reader = Reader(Database.open_reader(self.path, self._db_key, cache_kib=cache_kib))
        self._readers.add(reader)
        return reader

    def _close_readers(self) -> None:
        for reader in list(self._readers):
            reader.close()
        self._readers = weakref.WeakSet()

    @property
    def store(self) -> CaseStore:
        """Reading and writing the case file."""
        from btam_desktop.core.store import CaseStore

        if self._store is None:
            self._store = CaseStore(self)
        return self._store

    @property
    def submissions(self) -> SubmissionStore:
        """Form submissions and drafts."""
        from btam_desktop.core.submissions import SubmissionStore

        if self._submissions is None:
            self._submissions = SubmissionStore(self)
        return self._submissions

    @property
    def forms(self) -> FormLibrary:
        """Shipped and vault-stored form definitions."""
        return self.submissions.library

    # -- write path ---------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(summary)`` after every committed operation."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop notifying ``listener``."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @contextlib.contextmanager
    def operation(self, action: str, reason: str | None = None) -> Iterator[Operation]:
        """One transaction with change log and audit; nested calls join the outer one."""
        if self._current is not None:
            # Joining an outer operation: its reason applies, unless this step gives its own
            # (e.g. a concern change's rationale inside a bulk operation).
            outer = self._current
            previous = outer.reason
            if reason:
                outer.reason = reason
            try:
                yield outer
            finally:
                outer.reason = previous
            return
        op = Operation(self, action, reason)
        self._current = op
        try:
            with self.db.transaction():
                # Under the write lock: stamps follow commit order even with the CLI and the
                # app open on the same vault.
                stored = self.db.scalar("SELECT value FROM meta WHERE key = 'hlc_last'")
                if stored:
                    self.clock.catch_up(Stamp.decode(str(stored)))
                yield op
                op.finish()
                _set_meta(self.db, "hlc_last", self.clock.last.encode())
        finally:
            self._current = None
        if op.purged_tables:
            # The erased records' pages are zeroed in the write-ahead log; copy them over the
            # old ones in the file now rather than at some later checkpoint (best effort: a
            # reader keeping an old snapshot only delays it to the next one).
            with contextlib.suppress(VaultBusy):
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        for listener in list(self._listeners):
            listener(op.summary)

    def record_view(self, record_type: str, record_id: str) -> None:
        """Audit that the member looked at a record (who saw what)."""
        with self.operation("view") as op:
            op.audit("view", record_type, record_id)

    # -- settings -------------------------------------------------------------------------
    def setting(self, name: str, default: str = "") -> str:
        """A vault-wide setting (agency name, idle lock minutes, ...)."""
        value = self.db.meta(f"setting:{name}")
        return default if value is None else value

    def set_setting(self, name: str, value: str) -> None:
        """Change a setting (audited)."""
        if name == "idle_minutes":
            minutes = int(value)
            if not 1 <= minutes <= IDLE_MAX_MINUTES:
                raise InvalidInput(f"idle lock must be between 1 and {IDLE_MAX_MINUTES} minutes")
        with self.operation("setting.change") as op:
            self.db.set_meta(f"setting:{name}", value)
            op.audit("setting.change", "setting", name)

    @property
    def idle_minutes(self) -> int:
        """Minutes of inactivity before the app locks (1..30, default 15)."""
        try:
            value = int(self.setting("idle_minutes", str(IDLE_DEFAULT_MINUTES)))
        except ValueError:
            value = IDLE_DEFAULT_MINUTES
        return max(1, min(IDLE_MAX_MINUTES, value))

    # -- members --------------------------------------------------------------------------
    def members(self, *, include_inactive: bool = False) -> list[Member]:
        """Team members of this vault."""
        sql = "SELECT * FROM members"
        if not include_inactive:
            sql += " WHERE active = 1"
        return [
            Member(r["id"], r["name"], r["badge"], r["role"], bool(r["active"]))
            for r in self.db.query(sql + " ORDER BY name COLLATE NOCASE")
        ]

    def local_member_ids(self) -> set[str]:
        """Members added on this laptop (under its current or an earlier device identity: a
        restored vault takes a new one), as opposed to members of other laptops of the team."""
        former = [d for d in (self.db.meta("former_device_ids") or "").split(",") if d]
        devices = [self.device_id, *former]
        marks = ", ".join("?" for _ in devices)
        return {str(r[0]) for r in self.db.query(
            f"SELECT id FROM members WHERE device_id IN ({marks})", devices)}

    def find_member(self, name_or_id: str) -> Member:
        """A member by name (case-insensitive) or id."""
        wanted = name_or_id.strip().lower()
        for member in self.members(include_inactive=True):
            if member.id == name_or_id or member.name.lower() == wanted:
                return member
        raise NotFound(f"no member named {name_or_id!r}")

    def _new_slot(self, slot_id: str, kind: str, label: str, secret: str,
                  kdf: KdfParams | None) -> KeySlot:
        """A key slot of this vault opened by ``secret`` and holding the current database key
        (a new member, a changed passphrase, a new recovery key)."""
        slot, _ = make_slot(vault_id=self.vault_id, slot_id=slot_id, kind=kind, label=label,
                            secret=secret, db_keys=[bytes(self._db_key)], kdf=kdf)
        return slot

    def add_member(
        self,
        name: str,
        role: str,
        new_passphrase: str,
        *,
        badge: str = "",
        kdf: KdfParams | None = None,
    ) -> Member:
        """Add a team member with their own passphrase (team leads only)."""
        if self.role != "lead":
            raise PermissionDenied("only a team lead may add members")
        name = name.strip()
        if not name:
            raise InvalidInput("a member needs a name")
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
        if any(m.name.lower() == name.lower() for m in self.members(include_inactive=True)):
            raise InvalidInput(f"there is already a member named {name!r}")
        problems = passphrase.check(new_passphrase, name)
        if problems:
            raise WeakPassphrase(problems)
        member_id = new_id()
        keys = keyfile.load(self.path)
        slot = self._new_slot(member_id, MEMBER, name, new_passphrase, kdf)
        with self.operation("member.add") as op:
            op.require_lead()
            op.insert(
                "members",
                {
                    "name": name,
                    "badge": badge.strip(),
                    "role": role,
                    "active": 1,
                    "created_at": audit.utc_now(),
                    "device_id": self.device_id,
                },
                record_id=member_id,
            )
            op.audit("member.add", "member", member_id, role=role)
            slot_registry.register(self.db, slot)
            # The slot is written inside the transaction's scope: if saving it fails, the
            # member row rolls back too, so there is never a member who cannot unlock.
            keyfile.save(self.path, keys.with_slot(slot))
        return Member(member_id, name, badge.strip(), role)

    def remove_member(self, name_or_id: str) -> None:
        """Deactivate a member, delete their key slot and rekey (team leads only).

        The rekey matters: the removed member may have kept a copy of the key file, which
        with their passphrase yields the database key current until now. After the rekey the
        vault file is under a new key that no slot of theirs was given; what an old copy can
        still open is a copy of the vault made before (an old backup, a copied file).
        """
        if self.role != "lead":
            raise PermissionDenied("only a team lead may remove members")
        member = self.find_member(name_or_id)
        if not member.active:
            raise InvalidInput(f"{member.name} is already removed")
        leads = [m for m in self.members() if m.is_lead]
        if member.is_lead and len(leads) == 1:
            raise InvalidInput("cannot remove the only team lead")
        keys = keyfile.load(self.path)
        with self.operation("member.remove") as op:
            op.require_lead()
            op.update("members", member.id, {"active": 0})
            op.audit("member.remove", "member", member.id)
            slot_registry.unregister(self.db, member.id)
            keyfile.save(self.path, keys.without_slot(member.id))
        keyring_store.forget(self.vault_id, member.id)
        self.rekey()

    def set_passphrase(
        self, name_or_id: str, new_passphrase: str, *, kdf: KdfParams | None = None
    ) -> None:
        """Give one member a new passphrase (themselves, a team lead, or the recovery key).

        The member gets a fresh key pair, so an old copy of the key file together with the old
        passphrase opens nothing sealed after this point.
        """
        member = self.find_member(name_or_id)
        if not member.active:
            raise InvalidInput(f"{member.name} has been removed")
        if member.id != self.member_id and self.role != "lead":
            raise PermissionDenied("only a team lead may change another member's passphrase")
        problems = passphrase.check(new_passphrase, member.name)
        if problems:
            raise WeakPassphrase(problems)
        keys = keyfile.load(self.path)
        slot = self._new_slot(member.id, MEMBER, member.name, new_passphrase, kdf)
        with self.operation("member.passphrase") as op:
            op.audit("member.passphrase", "member", member.id)
            slot_registry.register(self.db, slot)
            keyfile.save(self.path, keys.with_slot(slot))
        keyring_store.forget(self.vault_id, member.id)

    def verify_passphrase(self, text: str) -> bytes:
        """Check the unlocking member's passphrase without opening a second session (before
        a passphrase change or "remember on this device"); returns the slot key. A wrong
        one counts as a failed unlock (WrongPassphrase / AccountLocked)."""
        from btam_desktop.core import vault

        return vault.check_member_passphrase(self.path, self.slot_id, text)

    # -- recovery key ---------------------------------------------------------------------------
    @property
    def recovery_key_confirmed(self) -> bool:
        """False when the vault records a recovery key shown but never confirmed as written
        down: the create-vault wizard stopped on its page (killed, the laptop died), or a new
        key was issued and not confirmed. A vault that never recorded it (made on the command
        line, which prints the key and has no confirm step) counts as confirmed."""
        return self.db.meta(RECOVERY_CONFIRMED_META) != "no"

    def set_recovery_key_confirmed(self, confirmed: bool) -> None:
        """Record whether the recovery key was confirmed as written down (audited)."""
        with self.operation("recovery.confirm") as op:
            self.db.set_meta(RECOVERY_CONFIRMED_META, "yes" if confirmed else "no")
            op.audit("recovery.confirm", "vault", self.vault_id, confirmed=confirmed)

    def reissue_recovery_key(self, *, kdf: KdfParams | None = None) -> str:
        """Replace the recovery slot with one for a new recovery key, returned once (team
        leads only; audited). The old key stops working: its slot is gone from the key file
        and from the slots the vault issued. The new key counts as unconfirmed until
        :meth:`set_recovery_key_confirmed` says it was written down.

        No rekey is needed: the old recovery key yields only the database key, which every
        member slot holds too; a lead who fears that key was read (not merely lost) rekeys
        as after removing a member.
        """
        from btam_desktop.core.keyslots import RECOVERY, new_recovery_key
        from btam_desktop.core.vault import RECOVERY_SLOT_ID

        if self.role != "lead":
            raise PermissionDenied("only a team lead may issue a new recovery key")
        key = new_recovery_key()
        keys = keyfile.load(self.path)
        slot = self._new_slot(RECOVERY_SLOT_ID, RECOVERY, RECOVERY_ACTOR, key, kdf)
        with self.operation("recovery.reissue") as op:
            op.require_lead()
            op.audit("recovery.reissue", "vault", self.vault_id)
            self.db.set_meta(RECOVERY_CONFIRMED_META, "no")
            slot_registry.register(self.db, slot)
            # Written inside the transaction's scope, as for a member's passphrase: if saving
            # the key file fails, the vault keeps listing the old slot, which still works.
            keyfile.save(self.path, keys.with_slot(slot))
        return key

    # -- remember on this device -------------------------------------------------------------
    def remember_on_device(self, private_key: bytes) -> bool:
        """Keep this member's slot key in the OS keyring; False where that is unavailable."""
        return keyring_store.remember(self.vault_id, self.slot_id, private_key)

    def forget_on_device(self) -> None:
        """Remove this member's keyring entry."""
        keyring_store.forget(self.vault_id, self.slot_id)

    # -- rekey, backup, check ----------------------------------------------------------------
    def rekey(self) -> list[str]:
        """New random database key; the file is re-encrypted and the slots the vault knows
        resealed (the recovery slot and active members'; see :mod:`slot_registry`). Any
        other slot in the key file is dropped, never resealed; returns what was dropped.

        Crash-safe order: encrypted copy under the new key -> slots sealing [new, old] ->
        replace the file -> slots sealing [new]. At every point some sealed key opens the file.
        """
        if self.role != "lead":
            raise PermissionDenied("only a team lead may rekey the vault")
        keys = keyfile.load(self.path)
        good = slot_registry.legitimate(self.db, keys)
        dropped = slot_registry.problems(self.db, keys)
        with self.operation("vault.rekey") as op:
            op.audit("vault.rekey", "vault", self.vault_id, dropped_slots=len(dropped))
        new_key = new_db_key()
        old_key = bytes(self._db_key)
        tmp = self.path.with_name(f".{self.path.name}.rekey-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        db = self.db
        # The file is replaced below: no reader may keep the old one (or its WAL) open.
        self._close_readers()
        db.export_copy(tmp, new_key)
        # replace(): the audit anchor stays in the key file (only the slots change).
        both = dataclasses.replace(
            keys, slots=tuple(reseal(s, [new_key, old_key], keys.vault_id) for s in good)
        )
        keyfile.save(self.path, both)
        db.close()
        for side in wal_paths(self.path):
            # After a clean close SQLite has removed these; stale ones must not meet new pages.
            with contextlib.suppress(FileNotFoundError):
                side.unlink()
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)
        only_new = dataclasses.replace(
            keys, slots=tuple(reseal(s, [new_key], keys.vault_id) for s in good)
        )
        keyfile.save(self.path, only_new)
        _wipe(self._db_key)
        self._db_key = bytearray(new_key)
        self._db = Database.open(self.path, new_key)
        audit.carry_signer(db, self._db)  # the member keeps signing the audit entries
        keyring_store.forget(self.vault_id, self.slot_id)
        return dropped

    def backup(self, out: Path,
               progress: Callable[[int, int], bool] | None = None) -> None:
        """Write an encrypted backup (database copy + key file) to ``out`` atomically, in the
        format of :mod:`btam_desktop.core.backup` (audited). ``progress(done, total)``: bytes
        written; False stops it (``backup.BackupCancelled``, no file, the cancel audited)."""
        from btam_desktop.core import backup

        with self.operation("vault.backup") as op:
            op.audit("vault.backup", "vault", self.vault_id)
        # The backup's key file carries the audit anchor as of this backup (audit_anchor).
        keys = audit_anchor.save(self.path, self.db)
        try:
            backup.write(self.db, bytes(self._db_key), keys, Path(out),
                         scratch_beside=self.path, progress=progress)
        except Exception as exc:
            # The entry above is inside the backup (it must be); the trail says no file was
            # left (the kind of failure only: an error's text may name a folder).
            action = ("vault.backup_cancelled" if isinstance(exc, backup.BackupCancelled)
                      else "vault.backup_failed")
            with contextlib.suppress(Exception), self.operation(action) as op:
                op.audit(action, "vault", self.vault_id, error=type(exc).__name__)
            raise

    def last_backup(self) -> tuple[str, str] | None:
        """When the last backup written on this laptop was made, and by whom (UTC ISO time,
        member name); None when there is none. A backup cancelled or failed is followed by
        its own entry saying so, and does not count."""
        undone = False
        for row in self.db.query(LAST_BACKUPS, (self.device_id,)):
            if row["action"] != "vault.backup":
                undone = True
            elif undone:
                undone = False  # the start of the one that was cancelled or failed
            else:
                return str(row["at"]), str(row["member_name"])
        return None

    def check(self) -> list[str]:
        """Integrity problems of the file, the audit chain and the key slots (empty: fine)."""
        problems: list[str] = []
        for row in self.db.query("PRAGMA cipher_integrity_check"):
            problems.append(f"encrypted page check: {row[0]}")
        result = [r[0] for r in self.db.query("PRAGMA integrity_check")]
        if result != ["ok"]:
            problems.extend(f"database structure: {r}" for r in result)
        problems.extend(audit.verify(self.db))
        keys = keyfile.load(self.path)
        if keys.vault_id != self.vault_id:
            problems.append("the key file belongs to another vault")
        # Members of other laptops arrive with bundles; only this laptop's own have slots here.
        active = {m.id for m in self.members() if m.id in self.local_member_ids()}
        slots = {s.slot_id for s in keys.slots if s.kind == MEMBER}
        for missing in sorted(active - slots):
            problems.append(f"member {missing} has no key slot")
        problems.extend(slot_registry.problems(self.db, keys))
        with self.operation("vault.check") as op:
            op.audit("vault.check", "vault", self.vault_id, problems=len(problems))
        if not problems:  # a damaged chain is never anchored over
            audit_anchor.save(self.path, self.db)
        return problems

    # -- lock -----------------------------------------------------------------------------------
    def lock(self) -> None:
        """Close the database and forget the key. Safe to call twice."""
        if self._db is not None and not self._db.closed:
            with contextlib.suppress(Exception), self.operation("vault.lock") as op:
                op.audit("vault.lock", "vault", self.vault_id)
            with contextlib.suppress(Exception):  # the heads as of this lock (audit_anchor)
                audit_anchor.save(self.path, self._db)
        self._close_readers()
        if self._db is not None:
            self._db.close()
        self._db = None
        _wipe(self._db_key)
        self._store = None
        self._submissions = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()
