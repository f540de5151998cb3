"""The change log's per-record index keyed by (record, field) only (schema v17, issue 12):
a stored vault migrates to it, and what reads the log by record still finds every change
(field history, the base stamp of the next edit, a new edit's history) through that index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from btam_desktop.core import vault

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "vaults"


def test_a_v15_vault_gets_the_narrow_record_index_and_keeps_field_history(
        tmp_path: Path) -> None:
    fixture = FIXTURES / "schema-v15"
    expected = json.loads((fixture / "expected.json").read_text())
    for name in ("vault.btam", "vault.btam.keys"):
        shutil.copy(fixture / name, tmp_path / name)
    session, _ = vault.unlock(tmp_path / "vault.btam", passphrase_text=expected["passphrase"],
                              member=expected["member"])
    try:
        db = session.db
        columns = [str(r["name"]) for r in db.query("PRAGMA index_info(changes_record)")]
        assert columns == ["record_id", "field"]
        number = next(iter(expected["cases"]))
        store = session.store
        case_id = store.get_case(number).id
        before = store.field_history(case_id)
        # The base stamp of a new edit is the newest change of that field (or the insert).
        newest = db.scalar("SELECT max(hlc) FROM changes WHERE record_id = ?"
                           " AND field IN ('tier', '*')", (case_id,))
        plan = " ".join(str(r[3]) for r in db.query(
            "EXPLAIN QUERY PLAN SELECT hlc FROM changes WHERE record_id = ?"
            " AND field IN (?, '*') ORDER BY hlc DESC LIMIT 1", (case_id, "tier")))
        assert "changes_record (record_id=? AND field=?)" in plan
        old_tier = store.get_case(number).tier
        new_tier = "intensive" if old_tier != "intensive" else "selective"
        store.update_case(number, {"tier": new_tier})
        change = db.query_one("SELECT base_hlc, hlc FROM changes WHERE record_id = ?"
                              " AND field = 'tier' ORDER BY hlc DESC LIMIT 1", (case_id,))
        assert change is not None and change["base_hlc"] == newest
        after = store.field_history(case_id)
        assert after[:len(before)] == before
        assert (after[-1].field, after[-1].old, after[-1].new) == ("tier", old_tier, new_tier)
    finally:
        session.lock()
