"""What a vault restored from a backup does about its device identity.

A backup is a copy of the laptop as it was. If the restored vault went on as the same device,
it would reuse sequence numbers, audit entry numbers and case numbers that the original laptop
already used after the backup was made (or still uses, if it is not lost): two different
bundles under one number, two audit chains with one name, two cases with one number.

So a restored vault becomes a **new device**: a new device id and device code (its case
numbers stay apart), no device keys, no team roster and no bundle history. Everything it holds
stays, including which changes it has seen. The lead approves it again with an invitation;
if the original laptop is gone for good, the lead revokes the old device. The old device id is
remembered so that members added on this laptop before the backup are still its own.
"""

from __future__ import annotations

from btam_desktop.core import audit
from btam_desktop.core.db import Database
from btam_desktop.core.ids import new_device_code, new_id

_LOCAL_TABLES = ("sync_identity", "sync_team", "sync_peers", "sync_bundles", "sync_forks",
                 "sync_invitations", "sync_requests")


def fresh_identity(db: Database) -> str:
    """Give a restored vault a new device identity (in one transaction); returns its id."""
    old = db.meta("device_id") or ""
    old_code = db.meta("device_code") or ""
    device_id = new_id()
    code = new_device_code({old_code})
    with db.transaction():
        former = [d for d in (db.meta("former_device_ids") or "").split(",") if d]
        if old:
            former.append(old)
        db.set_meta("former_device_ids", ",".join(former))
        db.set_meta("device_id", device_id)
        db.set_meta("device_code", code)
        for key in ("sync:out_seq", "sync:out_hash"):
            db.execute("DELETE FROM meta WHERE key = ?", (key,))
        for table in _LOCAL_TABLES:
            db.execute(f"DELETE FROM {table}")
        audit.append(db, device_id=device_id, hlc=db.meta("hlc_last") or "0" * 15 + ".00000",
                     member_id=None, member_name="Restore", action="vault.restore",
                     record_type="vault", record_id=db.meta("vault_id"),
                     detail={"former_device": old})
    return device_id
