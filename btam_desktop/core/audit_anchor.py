"""The audit trail anchored outside the database it protects.

The audit chain lives in the encrypted database, and every member (and the recovery-key
holder) holds that database's key: with the key alone one could re-hash, shorten or empty the
chain consistently. Two things the database key does not give:

1. **Member signing keys.** Every key slot holds an Ed25519 signing key, sealed under a key
   derived from the slot's own private key (:func:`keyslots.wrap_signing_key`): only whoever
   opens that slot can sign. Each audit entry is signed by the acting member's key
   (:func:`audit.append`); ``audit_signers`` maps each public key to its laptop and slot, so an
   entry in Dana's name signed with Sam's key (or an unknown key) is reported. A slot without a
   signing key (made before schema v10, or after a passphrase change) gets a new one on its
   holder's next unlock; the old public key stays listed (``replaced_at``) so older entries
   still verify. If the vault lists a different current key for a slot than the slot holds,
   someone registered a key in that member's name: reported at that member's unlock.
2. **The chains' heads, signed, outside the database**: ``audit_anchor`` in the key file (and
   so in every backup, whose header carries the key file), written at create, unlock, lock,
   backup and check. An anchor head the database no longer has (entries cut from the end, the
   chain emptied) or whose entry differs (the chain rewritten) is reported by ``btam check``,
   ``btam audit verify``, the app's Verify chain and at unlock (never blocking the unlock).
   Other laptops hold the chains too: a bundle whose chain differs from the one they already
   have is refused (:mod:`sync.payload`).

What this does not stop (docs/security.md): a member with write access to both files can
rewrite *their own* entries and re-sign the key file's anchor with their own key, or put back
an older key file; the copies in backups and on other laptops still show the difference.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from btam_desktop.core import audit, keyfile
from btam_desktop.core.db import Database
from btam_desktop.core.errors import IntegrityProblem, VaultNotFound
from btam_desktop.core.keyslots import KeySlot, unwrap_signing_key, wrap_signing_key

ANCHOR_VERSION = 1
_ANCHOR_CONTEXT = b"btam-audit-anchor/1\x00"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- signing keys -----------------------------------------------------------------------------
def register(db: Database, public_b64: str, device_id: str, slot_id: str) -> None:
    """List a signing key (call inside a transaction); other current keys of the same slot on
    the same laptop are marked replaced."""
    now = audit.utc_now()
    db.execute("UPDATE audit_signers SET replaced_at = ? WHERE device_id = ? AND slot_id = ?"
               " AND public_key != ? AND replaced_at IS NULL",
               (now, device_id, slot_id, public_b64))
    db.execute("INSERT INTO audit_signers (public_key, device_id, slot_id, registered_at)"
               " VALUES (?, ?, ?, ?) ON CONFLICT (public_key) DO UPDATE SET replaced_at = NULL,"
               " device_id = excluded.device_id",  # a restored vault's new device identity
               (public_b64, device_id, slot_id, now))


def new_signing_key(slot: KeySlot, private_raw: bytes, vault_id: str) -> tuple[KeySlot, bytes]:
    """A fresh Ed25519 key sealed into ``slot``; returns (slot, raw private key)."""
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    return wrap_signing_key(slot, private_raw, vault_id, raw), raw


def public_of(raw: bytes) -> str:
    """Base64 public key of a raw Ed25519 private key."""
    return _b64(Ed25519PrivateKey.from_private_bytes(raw).public_key().public_bytes_raw())


def prepare_signer(db: Database, keys: keyfile.KeyFile, slot: KeySlot, private_raw: bytes,
                   device_id: str) -> tuple[KeySlot | None, list[str]]:
    """At unlock: open the slot's signing key (or make one), check the vault lists it for
    this slot, and sign this connection's entries with it. Returns the slot to save when it
    changed (a new key) and the problems found (reported, never blocking)."""
    problems: list[str] = []
    try:
        raw = unwrap_signing_key(slot, private_raw, keys.vault_id)
    except ValueError:
        problems.append(
            f"the audit signing key in {slot.label!r}'s key slot does not open with that slot"
            " (replaced or damaged in the key file); a new one was made")
        raw = None
    changed: KeySlot | None = None
    current = {str(r[0]) for r in db.query(
        "SELECT public_key FROM audit_signers WHERE device_id = ? AND slot_id = ?"
        " AND replaced_at IS NULL", (device_id, slot.slot_id))}
    if raw is None:
        # A slot without a key: made before signing, or after a passphrase change. The key
        # listed until now (if any) stays, marked replaced, so its entries still verify.
        changed, raw = new_signing_key(slot, private_raw, keys.vault_id)
    else:
        public = public_of(raw)
        owner = db.query_one("SELECT device_id, slot_id, replaced_at FROM audit_signers"
                             " WHERE public_key = ?", (public,))
        if owner is not None and owner[1] != slot.slot_id:
            problems.append(
                f"the vault lists {slot.label!r}'s audit signing key under another slot:"
                " the list of signing keys was edited")
        elif owner is not None and owner[2] is not None:
            problems.append(
                f"the vault marks {slot.label!r}'s audit signing key as replaced, though"
                " their key slot still holds it: the list of signing keys was edited")
        others = current - {public}
        if others:
            problems.append(
                f"the vault lists another audit signing key for {slot.label!r} than the one"
                " in their key slot: entries in their name signed with it may be forged")
    public = public_of(raw)
    listed = db.query_one("SELECT device_id, slot_id, replaced_at FROM audit_signers"
                          " WHERE public_key = ?", (public,))
    if changed is not None or problems or listed is None or tuple(listed) != (
            device_id, slot.slot_id, None):
        with db.transaction():  # only when something changed: no write on a usual unlock
            register(db, public, device_id, slot.slot_id)
    audit.set_signer(db, raw, slot.slot_id)
    return changed, problems


# -- the anchor ------------------------------------------------------------------------------
# The laptops that wrote to the trail, found by hopping along the (device_id, device_seq)
# index: one seek per laptop. "GROUP BY device_id" walks every entry of the index instead
# (390,000 at 100,000 demo cases: 0.15-0.2 s of every unlock, lock and backup).
_DEVICES = (
    "WITH RECURSIVE devices(id) AS (SELECT (SELECT min(device_id) FROM audit)"
    " UNION ALL SELECT (SELECT min(device_id) FROM audit WHERE device_id > devices.id)"
    " FROM devices WHERE devices.id IS NOT NULL) SELECT id FROM devices WHERE id IS NOT NULL")


def heads(db: Database) -> dict[str, list[Any]]:
    """Every device chain's newest ``[device_seq, hash]``."""
    out: dict[str, list[Any]] = {}
    for (device_id,) in db.query(_DEVICES):
        row = db.query_one("SELECT device_seq, hash FROM audit WHERE device_id = ?"
                           " ORDER BY device_seq DESC LIMIT 1", (device_id,))
        if row is not None:
            out[str(device_id)] = [int(row[0]), str(row[1])]
    return out


def _message(vault_id: str, body: dict[str, Any]) -> bytes:
    signed = {"vault_id": vault_id, "heads": body["heads"], "at": body["at"]}
    return _ANCHOR_CONTEXT + json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()


def make_anchor(db: Database, vault_id: str) -> dict[str, Any] | None:
    """The signed heads of ``db``'s chains (None without a signer)."""
    signer = audit.signer_of(db)
    if signer is None:
        return None
    body: dict[str, Any] = {"v": ANCHOR_VERSION, "heads": heads(db), "at": audit.utc_now()}
    body["signer_key"] = signer.public_b64
    body["signature"] = signer.sign(_message(vault_id, body))
    return body


def with_anchor(keys: keyfile.KeyFile, db: Database) -> keyfile.KeyFile:
    """``keys`` carrying the current anchor of ``db`` (unchanged without a signer)."""
    from dataclasses import replace

    anchor = make_anchor(db, keys.vault_id)
    return keys if anchor is None else replace(keys, audit_anchor=anchor)


def save(vault_path: Path, db: Database, slot: KeySlot | None = None) -> keyfile.KeyFile:
    """Write the current anchor (and ``slot``, when its signing key is new) into the key file.

    Not under the unlock attempts' lock: a failed-unlock count written at the same moment
    could be lost from the key file, but the lockout keeps its counters in the user's record
    too (the stricter applies), and a lost anchor update leaves an older, still true, one."""
    keys = keyfile.load(Path(vault_path))
    if slot is not None:
        keys = keys.with_slot(slot)
    # An anchor that disagrees with the database is evidence: it is never written over, so
    # every later check reports the same loss (until the chain is put back from a backup).
    if keys.audit_anchor is None or not problems(db, keys):
        keys = with_anchor(keys, db)
    keyfile.save(Path(vault_path), keys)
    return keys


def against_backup(db: Database, backup_path: Path) -> tuple[list[str], list[str]]:
    """Compare the chains with the anchor a backup's header carries (no passphrase needed:
    the header is plain): a backup made before shows what was cut or rewritten since, even
    where the key file beside the vault was rewritten too. Returns (problems, notes)."""
    from btam_desktop.core import backup

    header = backup.read_header(Path(backup_path))
    name = Path(backup_path).name
    if header.vault_id != (db.meta("vault_id") or ""):
        return [f"the backup {name} is of another vault"], []
    if header.keys.audit_anchor is None:
        return [], [f"the backup {name} carries no audit anchor (made before audit anchoring)"]
    return problems(db, header.keys, source=f"the backup {name}"), []


def problems(db: Database, keys: keyfile.KeyFile | None = None, *,
             source: str = "the key file") -> list[str]:
    """What the anchor in ``keys`` (the key file's, or a backup's: ``source``) says the
    database has lost or changed (empty: nothing)."""
    if keys is None:
        try:
            keys = keyfile.load(Path(db.path))
        except (IntegrityProblem, VaultNotFound, OSError):
            return []  # no key file to compare with (check reports a missing or damaged one)
    vault_id = db.meta("vault_id") or keys.vault_id
    anchor = keys.audit_anchor
    if anchor is None:
        if db.scalar("SELECT 1 FROM audit WHERE signature IS NOT NULL AND device_id = ?"
                     " LIMIT 1", (db.meta("device_id") or "",)):
            return ["the key file holds no audit anchor though this vault's audit entries are"
                    " signed: its anchor was removed or an older key file put back"]
        return []
    found: list[str] = []
    try:
        anchored = {str(k): (int(v[0]), str(v[1])) for k, v in anchor["heads"].items()}
        signer_key, signature = str(anchor["signer_key"]), str(anchor["signature"])
        message = _message(vault_id, anchor)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return [f"{source}'s audit anchor is damaged"]
    owner = audit.signers(db).get(signer_key)
    if owner is None or not audit.signature_valid(signer_key, signature, message):
        found.append(f"{source}'s audit anchor was altered (its signature does not match a"
                     " signing key of this vault)")
    for device_id, (seq, entry_hash) in sorted(anchored.items()):
        short = device_id[:8]
        row = db.query_one("SELECT hash FROM audit WHERE device_id = ? AND device_seq = ?",
                           (device_id, seq))
        if row is None:
            top = db.scalar("SELECT max(device_seq) FROM audit WHERE device_id = ?",
                            (device_id,))
            found.append(
                f"audit chain of device {short} ends at #{int(top or 0)}, but {source}'s"
                f" anchor saw #{seq}: entries removed from the end"
                + (" (the whole chain was emptied)" if not top else ""))
        elif str(row[0]) != entry_hash:
            found.append(
                f"audit entry #{seq} of device {short} is not the one {source}'s anchor"
                " saw: the chain was rewritten")
    return found
