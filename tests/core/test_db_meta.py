"""Database.meta / set_meta: the one get/set of the vault's meta table, and the guard that no
second copy of its upsert grows back."""

from __future__ import annotations

from pathlib import Path

import pytest

import btam_desktop
from btam_desktop.core import schema
from btam_desktop.core.db import Database
from btam_desktop.core.session import Session


def _set_then_fail(db: Database) -> None:
    with db.transaction():
        db.set_meta("colour", "rolled back")
        raise RuntimeError("abort")


def test_meta_get_set_overwrite_and_missing(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "plain.db", None, create=True)
    try:
        schema.migrate(db)
        assert db.meta("nothing here") is None
        with db.transaction():
            db.set_meta("colour", "teal")
        assert db.meta("colour") == "teal"
        with db.transaction():
            db.set_meta("colour", "amber")
        assert db.meta("colour") == "amber"
        with pytest.raises(RuntimeError):
            _set_then_fail(db)
        assert db.meta("colour") == "amber"
    finally:
        db.close()


def test_settings_audit_heads_and_case_counters_use_meta(session: Session) -> None:
    session.set_setting("agency", "Harbour PD")
    assert session.db.meta("setting:agency") == "Harbour PD"
    assert session.setting("agency") == "Harbour PD"
    first = session.store.create_case("One", opened_on="2031-05-01")
    assert session.db.meta("case_seq:2031") == "1"
    assert first.number.startswith("2031-0001-")
    head = session.db.meta(f"audit_head:{session.device_id}")
    last = session.db.query_one(
        "SELECT device_seq, hash FROM audit WHERE device_id = ? ORDER BY device_seq DESC",
        (session.device_id,))
    assert head == f"{last['device_seq']}:{last['hash']}"


def test_no_second_copy_of_the_meta_upsert() -> None:
    """Only Database.set_meta (and the migrations' version stamp) write the meta table."""
    root = Path(btam_desktop.__file__).parent
    allowed = {root / "core" / "db.py", root / "core" / "schema.py"}
    copies = [str(p.relative_to(root)) for p in root.rglob("*.py")
              if p not in allowed and "INTO meta" in p.read_text(encoding="utf-8")]
    assert copies == []
