"""A vault restored from a backup becomes a new device, so it never forks its own history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.core import audit, backup, vault
from btam_desktop.core.session import Session
from btam_desktop.core.sync import exchange, team
from btam_desktop.core.sync.bundle import BundleRefused

from .conftest import PASS
from .test_exchange import enrol

Laptops = Callable[[str], Session]


def test_a_restored_vault_is_a_new_device_that_must_rejoin(laptops: Laptops,
                                                            tmp_path: Path) -> None:
    lead, b = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, b, tmp_path)
    case = b.store.create_case("Made before the backup", concern="low")
    b.backup(tmp_path / "b.btambak")
    old_id, old_code = b.device_id, b.device_code
    # The original laptop goes on working and sending after the backup was made.
    b.store.create_case("Made after the backup", concern="low")
    exchange.import_file(lead, _export(b, tmp_path / "from-original.btambundle"))

    backup.restore(tmp_path / "b.btambak", tmp_path / "restored.btam", passphrase_text=PASS,
                   member="Lead B")
    restored, _ = vault.unlock(tmp_path / "restored.btam", passphrase_text=PASS,
                               member="Lead B")
    try:
        assert restored.device_id != old_id and restored.device_code != old_code
        assert team.roster(restored) is None  # must be approved again
        assert restored.store.get_case(case.number).title == "Made before the backup"
        assert restored.check() == []  # its own members are still its own
        assert audit.verify(restored.db) == []
        new_case = restored.store.create_case("After restore", concern="low")
        assert new_case.number.endswith(restored.device_code)
        # Rejoining: the lead approves it as a new laptop and its bundles are accepted.
        enrol(lead, restored, tmp_path)
        summary = exchange.import_file(lead, _export(restored, tmp_path / "r.btambundle"))
        assert summary.report.created["cases"] == 1
        assert lead.store.get_case(new_case.number).title == "After restore"
        assert audit.verify(lead.db) == []
    finally:
        restored.lock()


def test_a_bundle_from_the_old_identity_is_not_confused_with_the_restored_one(
        laptops: Laptops, tmp_path: Path) -> None:
    lead, b = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, b, tmp_path)
    b.backup(tmp_path / "b.btambak")
    backup.restore(tmp_path / "b.btambak", tmp_path / "restored.btam", passphrase_text=PASS,
                   member="Lead B")
    restored, _ = vault.unlock(tmp_path / "restored.btam", passphrase_text=PASS,
                               member="Lead B")
    try:
        with pytest.raises(Exception, match="not in a team"):
            exchange.export_bundle(restored, tmp_path / "x.btambundle")
        data = _export(b, tmp_path / "old.btambundle").read_bytes()
        with pytest.raises((BundleRefused, Exception)):
            exchange.import_bytes(restored, data)
    finally:
        restored.lock()


def _export(session: Session, out: Path) -> Path:
    exchange.export_bundle(session, out)
    return out
