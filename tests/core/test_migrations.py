"""Vaults written by every earlier schema version open, migrate and keep their data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from btam_desktop.core import schema, vault

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "vaults"
STORED = sorted(FIXTURES.glob("schema-v*"), key=lambda p: int(p.name.split("v")[-1]))


def test_a_stored_vault_exists_for_every_schema_version() -> None:
    versions = {int(p.name.split("v")[-1]) for p in STORED}
    assert set(range(1, schema.LATEST + 1)) <= versions, (
        "store a fixture with tests/data/make_vault_fixture.py before adding a migration")


@pytest.mark.parametrize("fixture", STORED, ids=[p.name for p in STORED])
def test_stored_vault_opens_with_current_code(fixture: Path, tmp_path: Path) -> None:
    expected = json.loads((fixture / "expected.json").read_text())
    shutil.copy(fixture / "vault.btam", tmp_path / "vault.btam")
    shutil.copy(fixture / "vault.btam.keys", tmp_path / "vault.btam.keys")
    path = tmp_path / "vault.btam"
    session, _ = vault.unlock(path, passphrase_text=expected["passphrase"],
                              member=expected["member"])
    try:
        assert schema.current_version(session.db) == schema.LATEST
        store = session.store
        for number, title in expected["cases"].items():
            assert store.get_case(number).title == title
        for word, number in expected["search"].items():
            assert [c.number for c in store.list_cases(text=word)] == [number]
        for number, level in expected["concern"].items():
            assert store.get_case(number).concern == level
        for number, count in expected.get("drafts", {}).items():
            assert len(session.submissions.drafts(number)) == count
        assert session.check() == []
        # The migrated vault takes new writes.
        store.add_note(next(iter(expected["cases"])), "written after migration")
    finally:
        session.lock()
    vault.unlock_with_recovery(path, expected["recovery_key"]).lock()


def test_a_v14_vault_gets_the_prefix_lists_and_finds_the_same(tmp_path: Path) -> None:
    # v15 makes the case index again (FTS5 takes its prefix lists only when a table is made)
    # and fills it from the stored rows: every case is found as before, by whole words and by
    # a short last word, and the filter index is there.
    fixture = FIXTURES / "schema-v14"
    expected = json.loads((fixture / "expected.json").read_text())
    for name in ("vault.btam", "vault.btam.keys"):
        shutil.copy(fixture / name, tmp_path / name)
    session, _ = vault.unlock(tmp_path / "vault.btam", passphrase_text=expected["passphrase"],
                              member=expected["member"])
    try:
        db = session.db
        assert "prefix = '1 2 3'" in str(
            db.scalar("SELECT sql FROM sqlite_master WHERE name = 'case_fts'"))
        assert db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'cases_filter'")
        store = session.store
        for word, number in expected["search"].items():
            for text in (word, word[:2], word[:1], f"{word} {word[:3]}"):
                assert number in [c.number for c in store.list_cases(text=text)], text
        live = {c.number for c in store.list_cases()}
        assert {c.number for c in store.list_cases(text=next(iter(live))[:4])} == live
        for number in live:  # every live case has its document again
            assert [c.number for c in store.list_cases(text=number)] == [number]
    finally:
        session.lock()
