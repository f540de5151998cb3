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
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from btam_desktop.core.db import Database
from btam_desktop.core.ids import new_id
from btam_desktop.core.model import AuditEntry

GENESIS = "0" * 64


def utc_now() -> str:
    """UTC time with milliseconds, ISO 8601 with a trailing Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _digest(fields: list[Any]) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hashed_fields(row: Any) -> list[Any]:
    return [
        row["entry_id"],
        row["device_id"],
        row["device_seq"],
        row["at"],
        row["hlc"],
        row["member_id"],
        row["member_name"],
        row["action"],
        row["record_type"],
        row["record_id"],
        row["detail"],
        row["prev_hash"],
    ]


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
    :func:`verify` before the new entry moves the head."""
    problems = tail_problems(db, device_id)
    if problems:
        _record(db, problems)
    last = db.query_one(
        "SELECT device_seq, hash FROM audit WHERE device_id = ? ORDER BY device_seq DESC LIMIT 1",
        (device_id,),
    )
    device_seq = 1 if last is None else int(last["device_seq"]) + 1
    prev_hash = GENESIS if last is None else str(last["hash"])
    row = {
        "entry_id": new_id(),
        "device_id": device_id,
        "device_seq": device_seq,
        "at": utc_now(),
        "hlc": hlc,
        "member_id": member_id,
        "member_name": member_name,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "detail": json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
        "prev_hash": prev_hash,
    }
    row["hash"] = _digest(_hashed_fields(row))
    db.execute(
        "INSERT INTO audit (entry_id, device_id, device_seq, at, hlc, member_id, member_name,"
        " action, record_type, record_id, detail, prev_hash, hash) VALUES (:entry_id,"
        " :device_id, :device_seq, :at, :hlc, :member_id, :member_name, :action, :record_type,"
        " :record_id, :detail, :prev_hash, :hash)",
        row,
    )
    db.set_meta(head_key(device_id), f"{device_seq}:{row['hash']}")


def verify(db: Database) -> list[str]:
    """Every problem found in the chains (empty: intact). Detects edits, removals, reordering,
    and reports the gaps earlier appends found at the end of the chain."""
    problems: list[str] = recorded_problems(db)
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
        for row in rows:
            where = f"audit entry {row['seq']} (device {device_id[:8]}, #{row['device_seq']})"
            if row["device_seq"] != expected_seq:
                problems.append(f"{where}: expected #{expected_seq}: entries removed or reordered")
            if row["prev_hash"] != prev_hash:
                problems.append(f"{where}: does not follow the entry before it")
            if _digest(_hashed_fields(row)) != row["hash"]:
                problems.append(f"{where}: content was changed after it was written")
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
