"""Creating a vault: the first member, change row and audit entry are written by the normal
Operation path; the database is built owner-only under a temporary name and moved into place,
and an interrupted creation leaves nothing behind."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core import audit, keyfile, schema, vault
from btam_desktop.core.db import Database
from btam_desktop.core.errors import VaultNotFound
from btam_desktop.core.ops import change_value
from tests.conftest import OFFICER, OFFICER_PASS

NAME = "Zoë Müller"
PASS = "Correct-Lantern-42"


def test_first_member_change_row_and_audit_entry_come_from_the_write_path(
    vault_path: Path,
) -> None:
    session, _ = vault.create_vault(vault_path, member_name=NAME, new_passphrase=PASS,
                                    badge=" 4471 ", agency="Lakeside PD")
    try:
        member = session.member
        assert member is not None
        first = session.db.query("SELECT * FROM change_log ORDER BY seq")
        assert len(first) == 1
        row = first[0]
        assert (row["tbl"], row["record_id"], row["field"]) == ("members", member.id, "*")
        assert (row["base_hlc"], row["reason"]) == (None, None)
        assert (row["device_id"], row["member_id"]) == (session.device_id, member.id)
        stored = session.db.query_one("SELECT * FROM members WHERE id = ?", (member.id,))
        # Read as every reader does: a compact insert change is the record as stored.
        logged = change_value(session.db, "members", member.id, "*", row["value"])
        assert logged is not None
        value = json.loads(logged)
        assert value == {k: stored[k] for k in value}
        assert value["badge"] == "4471" and value["role"] == "lead"
        assert stored["updated_hlc"] == row["hlc"]
        # The same text form as every other change row (not ASCII-escaped by hand).
        assert NAME in logged
        # The same shape as a member added later through Session.add_member.
        other = session.add_member(OFFICER, "officer", OFFICER_PASS)
        added = session.db.query_one(
            "SELECT value FROM change_log WHERE record_id = ? AND field = '*'", (other.id,))
        assert set(json.loads(change_value(session.db, "members", other.id, "*",
                                           added["value"]) or "")) == set(value)

        entries = session.db.query("SELECT * FROM audit ORDER BY seq")
        create = entries[0]
        assert (create["action"], create["record_type"], create["record_id"]) == (
            "vault.create", "vault", session.vault_id)
        assert (create["device_seq"], create["member_id"], create["member_name"]) == (
            1, member.id, NAME)
        assert json.loads(create["detail"]) == {}
        assert create["hlc"] == row["hlc"]
        assert audit.verify(session.db) == []
        assert session.setting("agency") == "Lakeside PD"
        assert session.db.scalar("SELECT value FROM meta WHERE key = 'hlc_last'") >= row["hlc"]
        assert session.check() == []
    finally:
        session.lock()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("where", ["migrate", "audit", "key file", "move"])
def test_interrupted_creation_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    directory = tmp_path / "vaults"
    directory.mkdir()
    path = directory / "team.btam"

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError("interrupted")

    if where == "migrate":
        monkeypatch.setattr(schema, "migrate", fail)
    elif where == "audit":
        monkeypatch.setattr(audit, "append", fail)
    elif where == "key file":
        monkeypatch.setattr(keyfile, "save", fail)
    else:
        monkeypatch.setattr(vault.os, "replace", fail)
    with pytest.raises(OSError, match="interrupted"):
        vault.create_vault(path, member_name=NAME, new_passphrase=PASS)
    monkeypatch.undo()
    assert _leftovers(directory) == []
    assert not vault.vault_exists(path)
    with pytest.raises(VaultNotFound):
        vault.unlock(path, passphrase_text=PASS)
    # And a second try then succeeds.
    session, _ = vault.create_vault(path, member_name=NAME, new_passphrase=PASS)
    session.lock()
    assert _leftovers(directory) == ["team.btam", "team.btam.keys"]


def test_database_is_owner_only_from_its_first_byte(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[int] = []
    real_migrate = schema.migrate

    def watching_migrate(db: Database) -> tuple[int, int]:
        modes.append(stat.S_IMODE(db.path.stat().st_mode))
        return real_migrate(db)

    monkeypatch.setattr(schema, "migrate", watching_migrate)
    old = os.umask(0o022)  # the usual default: files readable by everyone unless made 0600
    try:
        session, _ = vault.create_vault(vault_path, member_name=NAME, new_passphrase=PASS)
    finally:
        os.umask(old)
    session.lock()
    assert modes and modes[0] == 0o600
    assert stat.S_IMODE(vault_path.stat().st_mode) == 0o600
