"""Signatures on a lead's changes: who made a purge, a resolution or a review, proven.

A purge, a conflict resolution or a form review counts on another laptop only when a lead
laptop of the team made it (core/sync/merge.py). Bundles are relayed (A -> B -> C), and the
bundle's signature is the *sender's*: it cannot vouch for the device id written on a change
that the sender only passes on. So the laptop that makes such a change signs it with its
roster device key (Ed25519, the key that signs its bundles and rosters), over the change's
own id, table, record, field, value, stamp, device and the changes it resolves; the signature
travels with the change (``changes.sig``, the twelfth item of a bundle's change row) and with
the tombstone a purge leaves (``tombstones.change_id`` and ``sig``: the purge change's id and
signature). A receiver checks it with the ``sign_public`` its roster lists for the change's
device. docs/bundle-format.md, "Who made a lead's change", is the reference.

Which changes are signed is decided by their fields alone (:func:`is_lead_kind`), so a writer
needs no roster: every purge, every resolution (``__resolve__`` or ``resolves``), and every
change of a form's ``status``, ``reviewed_at`` or ``reviewed_by`` (which of the status changes
is a review is the receiver's call; signing the others costs a signature and harms nothing).
A laptop signs them whenever it has a device key, in a team or not (a vault that later creates
a team signs its earlier ones then: :func:`sign_own_unsigned`); without a key, ``sig`` is NULL.
"""

from __future__ import annotations

import binascii
import json
from base64 import b64decode, b64encode
from typing import TYPE_CHECKING

from btam_desktop.core.sync.identity import SIGNATURE_BYTES, DeviceKeys, canonical_json

if TYPE_CHECKING:
    from btam_desktop.core.db import Database
    from btam_desktop.core.ops import RemoteChange
    from btam_desktop.core.sync.identity import DevicePublic

# Domain separation: the same device key signs bundles, rosters and join requests.
CONTEXT = b"btam-change-signature/1\x00"
PURGED = "__purged__"  # as ops.PURGED / ops.RESOLVED (not imported: ops imports this module)
RESOLVED = "__resolve__"
REVIEW_FIELDS = frozenset({"status", "reviewed_at", "reviewed_by"})
# The text of a signature: standard base64 of 64 bytes is 88 characters ending in "==".
SIG_CHARS = 88


class MalformedSignature(ValueError):
    """A signature that is not base64 of 64 bytes (the bundle is refused as hostile)."""


def is_lead_kind(table: str, field_name: str, resolves: tuple[str, ...] | list[str] | None
                 ) -> bool:
    """Whether a change of this shape is signed by the laptop that makes it."""
    return (field_name in (PURGED, RESOLVED) or bool(resolves)
            or (table == "submissions" and field_name in REVIEW_FIELDS))


def message(change_id: str, table: str, record_id: str, field_name: str, value: str | None,
            hlc: str, device_id: str, resolves: tuple[str, ...] | list[str] | None) -> bytes:
    """The exact bytes signed: context + canonical JSON of the change's identifying fields
    (a list: no field can be read as another)."""
    return CONTEXT + canonical_json([change_id, table, record_id, field_name, value, hlc,
                                     device_id, list(resolves or ())])


def change_message(change: RemoteChange) -> bytes:
    """:func:`message` of a change as it travels."""
    return message(change.change_id, change.table, change.record_id, change.field,
                   change.value, change.hlc, change.device_id, change.resolves)


def sign(keys: DeviceKeys, data: bytes) -> str:
    """The signature as stored and sent (base64 text)."""
    return b64encode(keys.sign(data)).decode("ascii")


def decode(text: object) -> bytes:
    """A signature from a bundle: exactly base64 of 64 bytes, else MalformedSignature."""
    if not isinstance(text, str) or len(text) != SIG_CHARS:
        raise MalformedSignature("a change's signature is malformed")
    try:
        raw = b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise MalformedSignature("a change's signature is malformed") from None
    if len(raw) != SIGNATURE_BYTES:
        raise MalformedSignature("a change's signature is malformed")
    return raw


def verifies(public: DevicePublic, change: RemoteChange) -> bool:
    """Whether the change carries a signature by ``public``'s device of exactly itself."""
    if change.sig is None or public.device_id != change.device_id:
        return False
    try:
        raw = decode(change.sig)
    except MalformedSignature:
        return False  # refused by payload.parse already; never trusted here
    return public.verify(raw, change_message(change))


def purge_value() -> str:
    """The value every purge change carries (ops logs ``encode_value(None)``): what a
    tombstone's purge change is checked with."""
    return "null"


def stored_keys(db: Database, device_id: str) -> DeviceKeys | None:
    """This laptop's device keys if it has made them (never makes them: a write does not
    open an operation of its own), None otherwise or when they are another device's."""
    text = db.scalar("SELECT keys FROM sync_identity WHERE id = 1")
    if text is None:
        return None
    keys = DeviceKeys.from_json(json.loads(text))
    return keys if keys.device_id == device_id else None


def sign_own_unsigned(db: Database, keys: DeviceKeys) -> int:
    """Sign this laptop's own lead-kind changes and tombstones that were written unsigned
    (made before it had a device key: a vault with no team that now creates one and becomes
    its lead). Returns how many were signed."""
    signed = 0
    rows = db.query(
        "SELECT seq, change_id, tbl, record_id, field, value, hlc, resolves FROM changes"
        " WHERE device_id = ? AND sig IS NULL AND (field IN (?, ?) OR resolves IS NOT NULL"
        " OR (tbl = 'submissions' AND field IN ('status', 'reviewed_at', 'reviewed_by')))",
        (keys.device_id, PURGED, RESOLVED))
    for row in rows:
        resolves = json.loads(row["resolves"]) if row["resolves"] else []
        sig = sign(keys, message(row["change_id"], row["tbl"], row["record_id"], row["field"],
                                 row["value"], row["hlc"], keys.device_id, resolves))
        db.execute("UPDATE changes SET sig = ? WHERE seq = ?", (sig, row["seq"]))
        signed += 1
    # A tombstone of this laptop's own purge: its purge change is still in the log.
    for row in db.query(
            "SELECT t.record_id, c.change_id, c.sig FROM tombstones t JOIN changes c"
            " ON c.record_id = t.record_id AND c.field = ? AND c.hlc = t.hlc"
            " AND c.device_id = t.device_id WHERE t.device_id = ? AND t.sig IS NULL",
            (PURGED, keys.device_id)):
        db.execute("UPDATE tombstones SET change_id = ?, sig = ? WHERE record_id = ?",
                   (row["change_id"], row["sig"], row["record_id"]))
    return signed
