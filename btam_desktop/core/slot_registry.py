"""The key slots a vault knows: kept inside the encrypted database, checked against the key
file.

The key file beside the vault is not authenticated: anyone who can write it can add a slot.
A member could add one of their own while still a member, sealing the database key they
hold; were ``rekey`` to reseal every slot in the file, that slot would receive the new key
after the member was removed. So the database (schema v6, table ``key_slots``) lists the
legitimate slots — slot id, kind and X25519 public key — and:

- ``rekey`` reseals only the recovery slot and the slots of active members that are listed
  here; any other slot is dropped from the key file, never resealed;
- unlocking through a slot that is not listed (or whose public key differs) is refused;
- unlock and ``check`` report every unknown slot (``check`` exits 3).

Vaults made before schema v6 start the list on their first unlock from the slots of active
members and the recovery slot then in the key file (trust on first use; recorded in the
audit trail).
"""

from __future__ import annotations

import base64

from btam_desktop.core import audit
from btam_desktop.core.db import Database
from btam_desktop.core.keyfile import KeyFile
from btam_desktop.core.keyslots import MEMBER, RECOVERY, KeySlot

INITIALISED_KEY = "key_slots_initialised"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def register(db: Database, slot: KeySlot) -> None:
    """List ``slot`` (or its new public key) as legitimate; call inside the transaction that
    writes it to the key file."""
    db.execute(
        "INSERT INTO key_slots (slot_id, kind, public_key, registered_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (slot_id) DO UPDATE SET kind = excluded.kind,"
        " public_key = excluded.public_key, registered_at = excluded.registered_at",
        (slot.slot_id, slot.kind, _b64(slot.public_key), audit.utc_now()),
    )


def unregister(db: Database, slot_id: str) -> None:
    """Forget a slot (a removed member's)."""
    db.execute("DELETE FROM key_slots WHERE slot_id = ?", (slot_id,))


def known(db: Database) -> dict[str, tuple[str, str]]:
    """slot id -> (kind, base64 public key) of every legitimate slot."""
    return {str(r["slot_id"]): (str(r["kind"]), str(r["public_key"]))
            for r in db.query("SELECT slot_id, kind, public_key FROM key_slots")}


def _active_members(db: Database) -> set[str]:
    return {str(r[0]) for r in db.query("SELECT id FROM members WHERE active = 1")}


def is_known(db: Database, slot: KeySlot) -> bool:
    """Whether ``slot`` is listed with this id, kind and public key."""
    entry = known(db).get(slot.slot_id)
    return entry is not None and entry == (slot.kind, _b64(slot.public_key))


def ensure_initialised(db: Database, keys: KeyFile) -> int:
    """Start the list for a vault made before schema v6 (once; inside its own transaction):
    the recovery slot and the slots of active members. Returns how many were listed."""
    if db.meta(INITIALISED_KEY) is not None:
        return 0
    active = _active_members(db)
    listed = 0
    with db.transaction():
        seen: set[str] = set()
        for slot in keys.slots:
            if slot.slot_id in seen:
                continue  # a duplicated id: only the first, as keys.slot() finds it
            seen.add(slot.slot_id)
            if (slot.kind == RECOVERY and slot.slot_id == "recovery") or (
                    slot.kind == MEMBER and slot.slot_id in active):
                register(db, slot)
                listed += 1
        db.set_meta(INITIALISED_KEY, audit.utc_now())
    return listed


def mark_initialised(db: Database) -> None:
    """For a new vault whose slots are registered as they are made."""
    db.set_meta(INITIALISED_KEY, audit.utc_now())


def legitimate(db: Database, keys: KeyFile) -> list[KeySlot]:
    """The slots of ``keys`` that may receive a database key: listed here with the same
    public key, and the recovery slot or an active member's."""
    listed = known(db)
    active = _active_members(db)
    out: list[KeySlot] = []
    seen: set[str] = set()
    for slot in keys.slots:
        if slot.slot_id in seen:
            continue
        entry = listed.get(slot.slot_id)
        if entry != (slot.kind, _b64(slot.public_key)):
            continue
        if slot.kind == MEMBER and slot.slot_id not in active:
            continue
        seen.add(slot.slot_id)
        out.append(slot)
    return out


def problems(db: Database, keys: KeyFile) -> list[str]:
    """Every slot of the key file the vault does not know (empty: all known)."""
    good = {id(s) for s in legitimate(db, keys)}
    found: list[str] = []
    for slot in keys.slots:
        if id(slot) in good:
            continue
        found.append(
            f"unknown key slot {slot.slot_id[:13]!r} (labelled {slot.label!r}) in the key"
            " file: the vault never issued it, or it belongs to a removed member; it gets no"
            " new key at the next rekey (run `btam rekey` to drop it)")
    return found
