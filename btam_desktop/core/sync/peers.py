"""What this laptop knows of each other laptop it exchanges bundles with: the version vector
each one acknowledged (so "since last sync" sends exactly what it has not seen), the last
sequence number received from it, and this laptop's own outgoing sequence.
"""

from __future__ import annotations

import json

from btam_desktop.core import audit
from btam_desktop.core.db import Database
from btam_desktop.core.sync.payload import Vector


def acked(db: Database, device_id: str) -> Vector:
    """The vector ``device_id`` last told us it holds (empty: it has seen nothing)."""
    text = db.scalar("SELECT acked FROM sync_peers WHERE device_id = ?", (device_id,))
    data = json.loads(text or "{}")
    return {device: (str(v[0]), int(v[1])) for device, v in data.items()}


def common_ack(db: Database, device_ids: list[str]) -> Vector:
    """What *every* recipient of one bundle has acknowledged (the element-wise minimum)."""
    vectors = [acked(db, d) for d in device_ids]
    if not vectors:
        return {}
    common: Vector = {}
    for device in set.intersection(*(set(v) for v in vectors)):
        common[device] = (min(v[device][0] for v in vectors),
                          min(v[device][1] for v in vectors))
    return common


def note_ack(db: Database, device_id: str, seen: Vector) -> None:
    """Raise what ``device_id`` is known to hold (acknowledgements never go down)."""
    current = acked(db, device_id)
    for device, (hlc, seq) in seen.items():
        old = current.get(device, ("", 0))
        current[device] = (max(old[0], hlc), max(old[1], seq))
    _upsert(db, device_id, acked=json.dumps(
        {d: [h, s] for d, (h, s) in sorted(current.items())}))


def note_received(db: Database, device_id: str, sequence: int) -> None:
    """Remember the highest bundle sequence received from ``device_id``."""
    last = int(db.scalar("SELECT last_in_seq FROM sync_peers WHERE device_id = ?",
                         (device_id,)) or 0)
    _upsert(db, device_id, last_in_seq=max(last, sequence))


def _upsert(db: Database, device_id: str, **values: object) -> None:
    db.execute(
        "INSERT INTO sync_peers (device_id, updated_at) VALUES (?, ?)"
        " ON CONFLICT (device_id) DO NOTHING", (device_id, audit.utc_now()))
    for column, value in values.items():
        assert column in ("acked", "last_in_seq")
        db.execute(f"UPDATE sync_peers SET {column} = ?, updated_at = ? WHERE device_id = ?",
                   (value, audit.utc_now(), device_id))
