"""Several laptops' vaults in one test, and a way to carry changes between them.

``relay`` moves a payload from one vault to another the way a bundle does, minus the
encryption (tested on its own and end to end in test_exchange.py): what ``src`` holds that
``dst`` has not acknowledged, through JSON, checked, applied in one operation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core import schema, vault
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, payload, peers, team
from btam_desktop.core.sync.merge import MergeReport

PASS = "Correct-Lantern-42"
# Tables whose rows must end identical on every laptop; columns that are local by nature
# (wall-clock update times) are left out.
SYNCED = ("members", "cases", "case_assignments", "persons", "case_persons", "partners",
          "timeline", "tasks", "submissions", "disseminations", "attachments")
LOCAL_COLUMNS = {"updated_at", "ins_actor"}  # ins_actor names a local change_actors row


def relay(src: Session, dst: Session, *, full: bool = False) -> MergeReport:
    """Carry what ``dst`` has not acknowledged from ``src`` to ``dst``."""
    ack = {} if full else peers.acked(src.db, dst.device_id)
    doc = payload.collect(src.db, device_id=src.device_id, ack=ack, roster=None)
    parsed = payload.parse(json.loads(json.dumps(doc)))
    with dst.operation("bundle.import") as op:
        report, _ = payload.apply(op, parsed, local_device=dst.device_id,
                                  sender=src.device_id)
        peers.note_ack(dst.db, src.device_id, parsed.seen)
    # What dst now holds reaches src with dst's next bundle; the tests model that explicitly
    # by relaying back, except for this acknowledgement of what src itself sent.
    return report


def snapshot(session: Session) -> dict[str, Any]:
    """Everything that must converge, in a comparable form."""
    db = session.db
    out: dict[str, Any] = {}
    for table in SYNCED:
        rows = []
        for row in db.query(f"SELECT * FROM {table} ORDER BY id"):
            item = {k: row[k] for k in row.keys() if k not in LOCAL_COLUMNS}  # noqa: SIM118
            if "content" in item and item["content"] is not None:
                item["content"] = bytes(item["content"]).hex()
            rows.append(item)
        out[table] = rows
    out["form_definitions"] = [tuple(r) for r in db.query(
        "SELECT form_id, version, sha256 FROM form_definitions ORDER BY form_id, version")]
    out["tombstones"] = [r[0] for r in db.query(
        "SELECT record_id FROM tombstones ORDER BY record_id")]
    out["changes"] = [r[0] for r in db.query("SELECT change_id FROM change_log ORDER BY change_id")]
    out["audit"] = [tuple(r) for r in db.query(
        "SELECT entry_id, hash FROM audit WHERE action NOT IN ('bundle.import', 'view')"
        " AND device_id != '' ORDER BY entry_id")]
    out["conflicts"] = [tuple(r) for r in db.query(
        "SELECT id, kind, tbl, record_id, field, winner_change_id, critical,"
        " resolved_change_id FROM conflicts ORDER BY id")]
    out["pending"] = [r[0] for r in db.query("SELECT change_id FROM sync_pending ORDER BY 1")]
    return out


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[Callable[[str], Session]]:
    """``laptops("A")`` opens a new vault for laptop A (its own lead), locked at the end."""
    opened: list[Session] = []

    def make(name: str) -> Session:
        session, _ = vault.create_vault(tmp_path / f"{name}.btam", member_name=f"Lead {name}",
                                        new_passphrase=PASS, agency="Lakeside PD")
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.lock()


def open_sent(receiver: Session, sender: Session, path: Path) -> tuple[bundle.BundleHeader,
                                                                      dict[str, Any]]:
    """A bundle ``sender`` wrote for ``receiver``, opened as the receiver opens it (header,
    payload): for tests that read or forge what a bundle holds."""
    public = team.require_roster(receiver).device(sender.device_id)
    assert public is not None
    return bundle.open_bundle(path.read_bytes(), sender_public=public.public,
                              me=team.device_keys(receiver), max_schema=schema.LATEST)

