"""Store a vault made by the CURRENT schema as a test fixture: `tests/data/vaults/schema-vN`.

Run once per released schema version, BEFORE the next migration is written, and commit the
result; `tests/core/test_migrations.py` then opens every stored vault with the newest code.
Uses a cheap key derivation so the test stays fast (the parameters live in the slot).

    .venv/bin/python tests/data/make_vault_fixture.py
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from btam_desktop.core import keyslots, schema, vault  # noqa: E402
from btam_desktop.core.keyslots import KdfParams  # noqa: E402

PASSPHRASE = "Copper-Meadow-Signal-2026"
MEMBER = "Fixture Lead"


def main() -> None:
    """Write the fixture for the current schema version."""
    keyslots.KdfParams.fresh = classmethod(  # type: ignore[method-assign,assignment]
        lambda cls: KdfParams(salt=os.urandom(16), memory_kib=1024, iterations=1, lanes=1))
    target = ROOT / "tests" / "data" / "vaults" / f"schema-v{schema.LATEST}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    path = target / "vault.btam"
    session, recovery = vault.create_vault(path, member_name=MEMBER, new_passphrase=PASSPHRASE,
                                           agency="Fixture County Sheriff")
    store = session.store
    session.add_member("Fixture Officer", "officer", "Slate-River-Compass-88")
    partner = store.add_partner("Fernhill Youth Counselling", "mental_health")
    case = store.create_case("Fixture: threats toward coworker", concern="moderate",
                             next_review="2026-01-15")
    person = store.add_person("Ashdown", "Corin", aliases=["ironfox"],
                              date_of_birth="1990-02-03")
    store.link_person(case.id, person.id, "person_of_concern")
    store.add_note(case.id, "Fixture note about the breakroom remark")
    store.add_entry(case.id, "referral", "Referred for counselling", partner_id=partner.id)
    store.add_task(case.id, "Fixture review", due_on="2026-01-10", kind="review")
    store.update_case(case.id, {"concern": "high"}, reason="Fixture escalation")
    store.add_attachment(case.id, "fixture.txt", b"fixture attachment")
    if schema.LATEST >= 2:
        draft = session.submissions.create(case.id, "contact_log", {}, strict=False)
        session.submissions.save_draft(draft.id, {"contact_summary": "Fixture draft answer"})
    second = store.create_case("Fixture: closed case")
    store.update_case(second.id, {"status": "closed", "closure_reason": "Fixture closure"})
    session.lock()
    expected = {
        "schema_version": schema.LATEST,
        "passphrase": PASSPHRASE,
        "member": MEMBER,
        "recovery_key": recovery,
        "cases": {case.number: "Fixture: threats toward coworker",
                  second.number: "Fixture: closed case"},
        "search": {"ironfox": case.number, "breakroom": case.number},
        "concern": {case.number: "high"},
        "drafts": {case.number: 1} if schema.LATEST >= 2 else {},
    }
    (target / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
