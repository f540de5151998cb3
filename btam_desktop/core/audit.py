"""Append-only, hash-chained audit trail of who created, changed, viewed, exported or deleted
what, and when.

Each device keeps its own chain (``device_seq`` 1, 2, 3, ... each entry hashing the one
before), so entries from other devices can be merged by sync without re-chaining. The newest
``device_seq:hash`` of the local chain is also kept in ``meta`` so removing entries from the
end is noticed too. Details hold field names and counts, never case content.

Every append first compares the stored head with the chain's last entry: were entries cut off
the end, the new entry (an unlock's own, say) would otherwise move the head over the gap and
hide it. What is found is kept in ``meta`` (``audit_problems``) and reported by :func:`verify`
from then on, so one unlock after the cut does not paper over it.

Anyone holding the database key could still re-hash the whole chain, so (schema v10) every
entry is also signed with Ed25519 by the acting member's signing key, which only that member's
key slot opens (:mod:`audit_anchor`); ``audit_signers`` names the slot each public key belongs
to, and an entry signed with another member's key, an unknown key, or not at all after signed
entries is reported. Entries written before signing are "unsigned, legacy" (counted, not
problems). The chains' heads are also kept, signed, outside the database: in the key file,
backups and (as the chains themselves) sync bundles; :func:`verify` compares them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from btam_desktop.core.db import Database
from btam_desktop.core.ids import new_ids
from btam_desktop.core.model import AuditEntry

GENESIS = "0" * 64


def utc_now() -> str:
    """UTC time with milliseconds, ISO 8601 with a trailing Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _digest(fields: list[Any]) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Every column of ``audit`` the hash covers, in order. The others: ``seq`` (this laptop's row
# order, checked by the chain's order), ``hash`` itself, and ``signer_key``/``signature``
# (checked by the signature over ``hash``). tests/core/test_audit.py derives the columns from
# the table and fails when one is neither hashed nor listed there.
HASHED_COLUMNS = (
    "entry_id", "device_id", "device_seq", "at", "hlc", "member_id", "member_name", "action",
    "record_type", "record_id", "detail", "prev_hash",
)
UNHASHED_COLUMNS = ("seq", "hash", "signer_key", "signature")
RECOVERY_SLOT = "recovery"
_ENTRY_CONTEXT = b"btam-audit-entry/1\x00"


def _hashed_fields(row: Any) -> list[Any]:
    return [row[name] for name in HASHED_COLUMNS]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Signer:
    """The acting member's audit signing key for one open database (see audit_anchor)."""

    private: Ed25519PrivateKey
    public_b64: str
    slot_id: str

    def sign(self, message: bytes) -> str:
        """Base64 Ed25519 signature."""
        return _b64(self.private.sign(message))


# Keyed by the open Database object: a session's own connection signs with its member's key;
# the entry goes away with the connection (lock).
_signers: WeakKeyDictionary[Database, Signer] = WeakKeyDictionary()


def set_signer(db: Database, private_raw: bytes, slot_id: str) -> Signer:
    """Sign this connection's entries with ``private_raw`` (Ed25519) from now on."""
    private = Ed25519PrivateKey.from_private_bytes(private_raw)
    signer = Signer(private, _b64(private.public_key().public_bytes_raw()), slot_id)
    _signers[db] = signer
    return signer


def signer_of(db: Database) -> Signer | None:
    """The signer of this connection, if any."""
    return _signers.get(db)


def carry_signer(old: Database, new: Database) -> None:
    """The same signer for a reopened connection (rekey reopens the file)."""
    signer = _signers.get(old)
    if signer is not None:
        _signers[new] = signer


def entry_message(entry_hash: str) -> bytes:
    """What an entry's signature covers: its hash, which covers every hashed column."""
    return _ENTRY_CONTEXT + entry_hash.encode("ascii")


@functools.lru_cache(maxsize=256)
def _public_key(public_b64: str) -> Ed25519PublicKey:
    # Parsed once per key: a chain has a handful of signers and many entries.
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))


def signature_valid(public_b64: str, signature_b64: str, message: bytes) -> bool:
    """Whether ``signature_b64`` is ``public_b64``'s Ed25519 signature of ``message``."""
    try:
        _public_key(public_b64).verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def slot_of(member_id: str | None) -> str:
    """The key slot that signs an entry made by ``member_id`` (None: the recovery key)."""
    return member_id or RECOVERY_SLOT


def signers(db: Database) -> dict[str, tuple[str, str]]:
    """public key (base64) -> (device id, slot id) of every known audit signing key."""
    return {str(r[0]): (str(r[1]), str(r[2])) for r in db.query(
        "SELECT public_key, device_id, slot_id FROM audit_signers")}


def head_key(device_id: str) -> str:
    """The meta key holding a device's newest ``device_seq:hash`` (kept apart from the chain,
    so cutting entries off the end is noticed; for other laptops' chains, from their bundles)."""
    return f"audit_head:{device_id}"


def digest_of(entry: dict[str, Any]) -> str:
    """The hash an entry must carry (used to check entries arriving in bundles)."""
    return _digest(_hashed_fields(entry))


PROBLEMS_KEY = "audit_problems"
_MAX_KEPT_PROBLEMS = 100


def tail_problems(db: Database, device_id: str) -> list[str]:
    """Whether ``device_id``'s chain still ends at its recorded head (cheap: one row each);
    a difference means entries were removed from the end (or the head was edited)."""
    head = db.meta(head_key(device_id))
    if head is None:
        return []
    last = db.query_one(
        "SELECT device_seq, hash FROM audit WHERE device_id = ? ORDER BY device_seq DESC LIMIT 1",
        (device_id,),
    )
    found = "0:" + GENESIS if last is None else f"{last['device_seq']}:{last['hash']}"
    if head == found:
        return []
    return [
        f"audit chain of device {device_id[:8]} ends before its recorded head"
        f" ({head.split(':')[0]}): entries removed from the end"
    ]


def recorded_problems(db: Database) -> list[str]:
    """Problems found by earlier appends (see the module's docstring), oldest first."""
    raw = db.meta(PROBLEMS_KEY)
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return ["the record of earlier audit problems is damaged"]
    if not isinstance(data, list):
        return ["the record of earlier audit problems is damaged"]
    return [str(p) for p in data]


def _record(db: Database, problems: list[str]) -> None:
    at = utc_now()
    kept = recorded_problems(db) + [f"found {at[:19].replace('T', ' ')} UTC: {p}"
                                    for p in problems]
    db.set_meta(PROBLEMS_KEY, json.dumps(kept[-_MAX_KEPT_PROBLEMS:], ensure_ascii=False))


def append(
    db: Database,
    *,
    device_id: str,
    hlc: str,
    member_id: str | None,
    member_name: str,
    action: str,
    record_type: str | None = None,
    record_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one entry to this device's chain (call inside the operation's transaction).

    The chain's end is checked against its recorded head first; a gap is recorded for
    :func:`verify` before the new entry moves the head. (:func:`append_many` of one entry:
    one way of writing an entry, its hash and its signature.)"""
    append_many(db, device_id=device_id, member_id=member_id, member_name=member_name,
                entries=[Pending(hlc, action, record_type, record_id, detail or {})])


@dataclass(frozen=True)
class Pending:
    """One entry for :func:`append_many`: what :func:`append` takes besides who acts."""

    hlc: str
    action: str
    record_type: str | None
    record_id: str | None
    detail: dict[str, Any]


def append_many(db: Database, *, device_id: str, member_id: str | None, member_name: str,
                entries: list[Pending]) -> None:
    """:func:`append` of several entries by one member, in order: the same rows, hashes,
    chain and signatures, with one check of the chain's end, one look-up of it, one insert
    statement and one move of the recorded head instead of one of each per entry (a bulk
    write audits every record it makes)."""
    if not entries:
        return
    problems = tail_problems(db, device_id)
    if problems:
        _record(db, problems)
    last = db.query_one(
        "SELECT device_seq, hash FROM audit WHERE device_id = ? ORDER BY device_seq DESC LIMIT 1",
        (device_id,),
    )
    device_seq = 0 if last is None else int(last["device_seq"])
    prev_hash = GENESIS if last is None else str(last["hash"])
    signer = _signers.get(db)
    at = utc_now()
    rows: list[tuple[Any, ...]] = []
    for pending, entry_id in zip(entries, new_ids(len(entries)), strict=True):
        device_seq += 1
        hashed = (entry_id, device_id, device_seq, at, pending.hlc, member_id, member_name,
                  pending.action, pending.record_type, pending.record_id,
                  json.dumps(pending.detail, sort_keys=True, ensure_ascii=False), prev_hash)
        prev_hash = _digest(list(hashed))  # the order of HASHED_COLUMNS
        rows.append((*hashed, prev_hash, signer.public_b64 if signer else None,
                     signer.sign(entry_message(prev_hash)) if signer else None))
    db.executemany(
        f"INSERT INTO audit ({', '.join(HASHED_COLUMNS)}, hash, signer_key, signature)"
        f" VALUES ({', '.join('?' for _ in range(len(HASHED_COLUMNS) + 3))})", rows)
    db.set_meta(head_key(device_id), f"{device_seq}:{prev_hash}")


def _signature_problem(row: Any, where: str, keys: dict[str, tuple[str, str]]) -> str | None:
    owner = keys.get(str(row["signer_key"]))
    if owner is None:
        return f"{where}: signed with a key this vault does not know (forged or re-signed)"
    # The slot decides, not the laptop: a restored vault takes a new device identity, and a
    # member's key is listed once for the laptop that holds their slot.
    if owner[1] != slot_of(row["member_id"]):
        return (f"{where}: signed with the key of another member (slot {owner[1][:8]}), not"
                f" of {row['member_name']!r} it names: forged in their name")
    if not signature_valid(str(row["signer_key"]), str(row["signature"] or ""),
                           entry_message(str(row["hash"]))):
        return f"{where}: its signature does not match it (changed and re-hashed, or re-signed)"
    return None


def legacy_counts(db: Database) -> dict[str, int]:
    """Per device, the unsigned entries written before its chain was signed ("legacy")."""
    out: dict[str, int] = {}
    for row in db.query(
            # A restore's own entry (core/sync/restore.py) is written before anyone unlocks
            # the restored vault: unsigned, but not from before signing.
            "SELECT a.device_id, count(*) FROM audit a WHERE a.signature IS NULL"
            " AND a.action != 'vault.restore' AND NOT EXISTS"
            " (SELECT 1 FROM audit b WHERE b.device_id = a.device_id AND b.signature IS NOT"
            " NULL AND b.device_seq < a.device_seq) GROUP BY a.device_id"):
        out[str(row[0])] = int(row[1])
    return out


def notes(db: Database) -> list[str]:
    """What verify found that is not a problem: entries from before audit signing, and
    members whose signing key changed."""
    out: list[str] = []
    legacy = legacy_counts(db)
    total = sum(legacy.values())
    if total:
        out.append(
            f"{total} audit entr{'y' if total == 1 else 'ies'} from before audit signing"
            f" (unsigned, legacy) on {len(legacy)} laptop{'s' if len(legacy) != 1 else ''}:"
            " protected by the hash chain, which the signatures of the entries after them"
            " cover")
    # A second key for one member on one laptop: a passphrase change (the new slot gets a new
    # key) or a key another laptop's bundle introduced. Worth a look when nobody changed one.
    changed = db.scalar("SELECT count(*) FROM (SELECT 1 FROM audit_signers GROUP BY"
                        " device_id, slot_id HAVING count(*) > 1)")
    if changed:
        out.append(f"{changed} member{'s' if changed != 1 else ''} signed with more than one"
                   " audit key (after a passphrase change, a new key is made); if nobody"
                   " changed a passphrase, ask why")
    return out


def verify(db: Database) -> list[str]:
    """Every problem found in the chains (empty: intact). Detects edits, removals, reordering,
    entries not signed by the member they name, and reports the gaps earlier appends found at
    the end of the chain; then the anchors outside the database (the key file's signed heads)
    and the dissemination log against the export entries."""
    problems = chain_problems(db)
    from btam_desktop.core import audit_anchor, dissemination  # both build on this module

    problems.extend(audit_anchor.problems(db))
    problems.extend(dissemination.cross_check(db))
    return problems


def chain_problems(db: Database) -> list[str]:
    """The chains' own problems (hashes, order, signatures, recorded gaps)."""
    problems: list[str] = recorded_problems(db)
    keys = signers(db)
    devices = [r[0] for r in db.query("SELECT DISTINCT device_id FROM audit")]
    heads = {
        r["key"].split(":", 1)[1]: r["value"]
        for r in db.query("SELECT key, value FROM meta WHERE key LIKE 'audit_head:%'")
    }
    for device_id in sorted(set(devices) | set(heads)):
        rows = db.query(
            "SELECT * FROM audit WHERE device_id = ? ORDER BY seq", (device_id,)
        )
        expected_seq, prev_hash = 1, GENESIS
        signed_before = False
        for row in rows:
            where = f"audit entry {row['seq']} (device {device_id[:8]}, #{row['device_seq']})"
            if row["device_seq"] != expected_seq:
                problems.append(f"{where}: expected #{expected_seq}: entries removed or reordered")
            if row["prev_hash"] != prev_hash:
                problems.append(f"{where}: does not follow the entry before it")
            if _digest(_hashed_fields(row)) != row["hash"]:
                problems.append(f"{where}: content was changed after it was written")
            if row["signature"] is None and row["signer_key"] is None:
                if signed_before:
                    problems.append(f"{where}: unsigned, though entries before it are signed"
                                    " (its signature was removed, or it was inserted)")
            else:
                signed_before = True
                found = _signature_problem(row, where, keys)
                if found:
                    problems.append(found)
            expected_seq, prev_hash = int(row["device_seq"]) + 1, str(row["hash"])
        head = heads.get(device_id)
        if head is not None and head != f"{expected_seq - 1}:{prev_hash}":
            problems.append(
                f"audit chain of device {device_id[:8]} ends before its recorded head"
                f" ({head.split(':')[0]}): entries removed from the end"
            )
    return problems


def _filters(record_id: str | None, member_name: str | None,
             action: str | None) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if record_id is not None:
        where.append("record_id = ?")
        params.append(record_id)
    if member_name is not None:
        where.append("member_name = ?")
        params.append(member_name)
    if action is not None:
        if action.endswith("."):
            # A prefix as a range ("case." <= action < "case/"): the (action, seq) index
            # answers it; a case-insensitive LIKE cannot use it (0.6 s per page at 100k).
            where.append("action >= ? AND action < ?")
            params += [action, action[:-1] + chr(ord(".") + 1)]
        else:
            where.append("action = ?")
            params.append(action)
    return (" WHERE " + " AND ".join(where)) if where else "", params


def entries(
    db: Database,
    *,
    record_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    member_name: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """Newest first; optionally filtered, a page at a time."""
    where, params = _filters(record_id, member_name, action)
    sql = f"SELECT * FROM audit{where} ORDER BY seq DESC"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
    return [
        AuditEntry(
            seq=int(r["seq"]),
            at=r["at"],
            member_name=r["member_name"],
            action=r["action"],
            record_type=r["record_type"],
            record_id=r["record_id"],
            detail=json.loads(r["detail"]),
            device_id=r["device_id"],
        )
        for r in db.query(sql, params)
    ]


def count(
    db: Database,
    *,
    record_id: str | None = None,
    member_name: str | None = None,
    action: str | None = None,
) -> int:
    """Number of entries matching the filters."""
    where, params = _filters(record_id, member_name, action)
    return int(db.scalar(f"SELECT count(*) FROM audit{where}", params))
