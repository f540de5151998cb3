"""The audit trail against an insider who holds the database key (issue 10).

Every member (and the recovery-key holder) holds the database key, so with it alone one could
re-hash, shorten or empty the audit chain consistently. These tests play that insider: the
entries are signed with keys only each member's slot opens, and the chains' heads are kept,
signed, in the key file (and so in backups) and on the other laptops.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from btam_desktop.core import audit, audit_anchor, backup, keyfile, vault
from btam_desktop.core.audit import Signer
from btam_desktop.core.db import Database
from btam_desktop.core.dissemination import Release
from btam_desktop.core.keyslots import unwrap_private, unwrap_signing_key
from btam_desktop.core.session import Session
from tests.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS

RELEASE = Release.checked("County attorney", "prosecution review", "subpoena 26-114")


def _team(session: Session, vault_path: Path) -> tuple[Session, Session]:
    """The lead with some history, and an officer: the insider, holding the database key."""
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    for n in range(3):
        session.store.create_case(f"Case {n}")
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    return session, officer


def _problems(vault_path: Path) -> tuple[list[str], list[str]]:
    """(problems found at the lead's next unlock, problems `check` then reports)."""
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    try:
        return list(again.audit_problems_at_unlock), again.check()
    finally:
        again.lock()


def _rehash(db: Database, resign: Signer | None = None) -> None:
    """What the database key allows: recompute every hash (and the stored heads) after an
    edit, optionally re-signing every entry with the insider's own key."""
    devices = {str(r[0]) for r in db.query("SELECT DISTINCT device_id FROM audit")} | {
        str(r[0]).split(":", 1)[1] for r in db.query(
            "SELECT key FROM meta WHERE key LIKE 'audit_head:%'")}
    for device in sorted(devices):
        prev = audit.GENESIS
        for row in db.query("SELECT * FROM audit WHERE device_id = ? ORDER BY device_seq",
                            (device,)):
            entry = dict(zip(row.keys(), tuple(row), strict=True))
            entry["prev_hash"] = prev
            entry["hash"] = audit.digest_of(entry)
            if resign is not None:
                entry["signer_key"] = resign.public_b64
                entry["signature"] = resign.sign(audit.entry_message(entry["hash"]))
            db.execute("UPDATE audit SET prev_hash = ?, hash = ?, signer_key = ?,"
                       " signature = ? WHERE seq = ?", (entry["prev_hash"], entry["hash"],
                                                        entry["signer_key"],
                                                        entry["signature"], entry["seq"]))
            prev = entry["hash"]
        top = db.query_one("SELECT device_seq, hash FROM audit WHERE device_id = ?"
                           " ORDER BY device_seq DESC LIMIT 1", (device,))
        if top is not None:
            db.set_meta(audit.head_key(device), f"{top[0]}:{top[1]}")
        else:
            db.execute("DELETE FROM meta WHERE key = ?", (audit.head_key(device),))
    db.execute("DELETE FROM meta WHERE key = ?", (audit.PROBLEMS_KEY,))


# -- signatures ---------------------------------------------------------------------------------
def test_every_entry_is_signed_by_the_member_it_names(session: Session, vault_path: Path
                                                      ) -> None:
    lead, officer = _team(session, vault_path)
    officer.store.create_case("By the officer")
    rows = lead.db.query("SELECT member_id, signer_key FROM audit")
    owners = audit.signers(lead.db)
    assert rows and all(r["signer_key"] for r in rows)
    assert all(owners[r["signer_key"]][1] == audit.slot_of(r["member_id"]) for r in rows)
    assert audit.verify(lead.db) == [] and audit.notes(lead.db) == []
    officer.lock()
    assert lead.check() == []


def test_only_the_members_own_slot_opens_their_signing_key(session: Session,
                                                           vault_path: Path) -> None:
    _, officer = _team(session, vault_path)
    officer.lock()
    keys = keyfile.load(vault_path)
    lead_slot = next(s for s in keys.slots if s.label == LEAD)
    officer_slot = next(s for s in keys.slots if s.label == OFFICER)
    assert lead_slot.signing_key and officer_slot.signing_key
    officer_private = unwrap_private(officer_slot, OFFICER_PASS, keys.vault_id)
    with pytest.raises(ValueError, match="does not open"):
        unwrap_signing_key(lead_slot, officer_private, keys.vault_id)
    lead_private = unwrap_private(lead_slot, LEAD_PASS, keys.vault_id)
    raw = unwrap_signing_key(lead_slot, lead_private, keys.vault_id)
    assert raw is not None and audit_anchor.public_of(raw) in audit.signers(session.db)


def test_rehashed_chain_without_the_members_key_is_detected(session: Session,
                                                            vault_path: Path) -> None:
    """The insider edits one of the lead's entries and re-hashes the whole chain: every hash
    and head is consistent again, but the lead's signatures no longer match."""
    lead, officer = _team(session, vault_path)
    officer.db.execute("UPDATE audit SET detail = '{\"title_changed\": 0}' WHERE seq ="
                       " (SELECT min(seq) FROM audit WHERE action = 'case.create')")
    _rehash(officer.db)
    problems = audit.verify(officer.db)
    assert any("signature does not match" in p for p in problems)
    assert not any("content was changed" in p or "does not follow" in p for p in problems)
    officer.lock()
    lead.lock()
    assert any("signature does not match" in p for p in _problems(vault_path)[1])


def test_chain_re_signed_with_the_insiders_own_key_is_detected(session: Session,
                                                               vault_path: Path) -> None:
    """Re-signing the re-hashed chain with the insider's own key: entries in the lead's name
    carry the officer's signature (forged in their name), and the key file's anchor saw
    other entries (rewritten)."""
    lead, officer = _team(session, vault_path)
    signer = audit.signer_of(officer.db)
    assert signer is not None
    officer.db.execute("UPDATE audit SET detail = '{\"title_changed\": 0}' WHERE"
                       " action = 'case.create'")
    _rehash(officer.db, resign=signer)
    officer.db.close()
    lead.db.close()
    at_unlock, checked = _problems(vault_path)
    assert any(f"not of {LEAD!r} it names: forged in their name" in p for p in checked)
    assert any("the chain was rewritten" in p for p in at_unlock)


def test_shortened_chain_detected_by_the_key_files_anchor(session: Session,
                                                          vault_path: Path) -> None:
    """Cut entries off the end and move every head inside the database along with them
    (the database key allows it): the anchor in the key file still saw them."""
    session.store.create_case("Will be cut")
    session.lock()  # anchors the heads as of the lock
    key_db = _raw_db(vault_path)
    try:
        key_db.execute("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq"
                       " DESC LIMIT 2)")
        _rehash(key_db)
        assert audit.chain_problems(key_db) == []  # the database alone looks intact
    finally:
        key_db.close()
    at_unlock, checked = _problems(vault_path)
    assert any("anchor saw" in p and "entries removed from the end" in p for p in at_unlock)
    assert any("anchor saw" in p and "entries removed from the end" in p for p in checked)


def test_emptied_chain_detected(session: Session, vault_path: Path) -> None:
    session.lock()
    key_db = _raw_db(vault_path)
    try:
        key_db.execute("DELETE FROM audit")
        key_db.execute("DELETE FROM meta WHERE key LIKE 'audit_head:%'")
    finally:
        key_db.close()
    at_unlock, checked = _problems(vault_path)
    assert any("the whole chain was emptied" in p for p in at_unlock)
    # By then the unlock has written entry #1 again; the anchor still saw more.
    assert any("anchor saw" in p and "entries removed from the end" in p for p in checked)


def test_anchor_edited_in_the_key_file_detected(session: Session, vault_path: Path) -> None:
    session.lock()
    keys = keyfile.load(vault_path)
    assert keys.audit_anchor is not None
    anchor = json.loads(json.dumps(keys.audit_anchor))
    for head in anchor["heads"].values():
        head[0] -= 1  # pretend the chain was shorter, to hide a later cut
    keyfile.save(vault_path, keyfile.KeyFile(keys.vault_id, keys.slots, anchor))
    checked = _problems(vault_path)[1]
    assert any("audit anchor was altered" in p for p in checked)


def test_anchor_removed_from_the_key_file_detected(session: Session, vault_path: Path) -> None:
    session.lock()
    keys = keyfile.load(vault_path)
    keyfile.save(vault_path, keyfile.KeyFile(keys.vault_id, keys.slots, None))
    at_unlock, _ = _problems(vault_path)
    assert any("holds no audit anchor" in p for p in at_unlock)


def test_removed_signatures_detected(session: Session) -> None:
    session.store.create_case("Signed")
    session.db.execute("UPDATE audit SET signer_key = NULL, signature = NULL WHERE seq >"
                       " (SELECT min(seq) FROM audit)")
    problems = audit.verify(session.db)
    assert any("unsigned, though entries before it are signed" in p for p in problems)


def test_a_signing_key_listed_in_another_members_name_is_reported_at_their_unlock(
        session: Session, vault_path: Path) -> None:
    """The insider lists a key of their own making as the lead's (to forge entries in the
    lead's name that verify): the lead's own slot holds another key, and says so."""
    lead, officer = _team(session, vault_path)
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    with officer.db.transaction():
        officer.db.execute("UPDATE audit_signers SET replaced_at = '2026-01-01' WHERE"
                           " slot_id = ?", (lead.member_id,))
        officer.db.execute(
            "INSERT INTO audit_signers (public_key, device_id, slot_id, registered_at)"
            " VALUES (?, ?, ?, '2026-01-01')",
            (audit_anchor.public_of(raw), officer.device_id, lead.member_id))
    officer.lock()
    lead.lock()
    at_unlock, _ = _problems(vault_path)
    assert any(f"another audit signing key for {LEAD!r}" in p for p in at_unlock)
    assert any("marks" in p and "as replaced" in p for p in at_unlock)


# -- what must not be reported -------------------------------------------------------------------
def test_passphrase_change_and_rekey_keep_every_entry_verifiable(session: Session,
                                                                 vault_path: Path) -> None:
    session.store.create_case("Before")
    session.set_passphrase(LEAD, "Another-Quiet-Harbor-93")  # a new slot: a new signing key
    session.rekey()
    session.store.create_case("After the rekey")
    assert session.db.scalar("SELECT count(*) FROM audit WHERE signature IS NULL") == 0
    session.lock()
    again, _ = vault.unlock(vault_path, passphrase_text="Another-Quiet-Harbor-93", member=LEAD)
    try:
        assert again.audit_problems_at_unlock == []
        again.store.create_case("With the new key")
        assert again.check() == []
        keys = again.db.query("SELECT replaced_at FROM audit_signers WHERE slot_id = ?",
                              (again.member_id,))
        assert len(keys) == 2 and sum(r[0] is None for r in keys) == 1
        assert any("more than one audit key" in n for n in audit.notes(again.db))
    finally:
        again.lock()


def test_recovery_key_entries_are_signed_by_the_recovery_slot(
        created: tuple[Session, str], vault_path: Path) -> None:
    session, recovery = created
    session.lock()
    rescued = vault.unlock_with_recovery(vault_path, recovery)
    try:
        rescued.store.create_case("Opened with the recovery key")
        last = rescued.db.query_one("SELECT member_id, signer_key FROM audit ORDER BY seq DESC"
                                    " LIMIT 1")
        assert last["member_id"] is None
        assert audit.signers(rescued.db)[last["signer_key"]][1] == "recovery"
        assert rescued.check() == []
    finally:
        rescued.lock()


def test_entries_from_before_signing_are_legacy_not_tampering(tmp_path: Path) -> None:
    """A vault made before audit signing (the stored schema v8 fixture): its old entries are
    reported as unsigned, legacy; nothing is a problem; new entries are signed."""
    import shutil

    fixture = Path(__file__).resolve().parents[1] / "data" / "vaults" / "schema-v8"
    expected = json.loads((fixture / "expected.json").read_text())
    for name in ("vault.btam", "vault.btam.keys"):
        shutil.copy(fixture / name, tmp_path / name)
    path = tmp_path / "vault.btam"
    session, _ = vault.unlock(path, passphrase_text=expected["passphrase"],
                              member=expected["member"])
    try:
        assert session.audit_problems_at_unlock == []
        assert session.check() == []
        notes = audit.notes(session.db)
        assert len(notes) == 1 and "unsigned, legacy" in notes[0]
        last = session.db.query_one("SELECT signature FROM audit ORDER BY seq DESC LIMIT 1")
        assert last["signature"]
    finally:
        session.lock()
    assert keyfile.load(path).audit_anchor is not None


def test_backup_carries_the_anchor(session: Session, tmp_path: Path) -> None:
    session.store.create_case("In the backup")
    out = tmp_path / "team.btambak"
    session.backup(out)
    anchor = backup.read_header(out).keys.audit_anchor
    assert anchor is not None
    heads = audit_anchor.heads(session.db)
    device = session.device_id
    # The backup's own entry is the newest the anchor saw.
    assert anchor["heads"][device][0] == heads[device][0]
    assert audit_anchor.problems(session.db, backup.read_header(out).keys) == []


def test_the_anchor_holds_the_newest_entry_of_every_laptops_chain(session: Session) -> None:
    """A lead's vault holds the chains of several laptops (merged by sync): the anchor names
    each one's newest entry, whichever order the laptops' ids and entries come in."""
    session.store.create_case("Ours")
    db = session.db
    own = db.query_one("SELECT * FROM audit ORDER BY seq DESC LIMIT 1")
    assert own is not None
    names = own.keys()  # a row's names (iterating the row gives its values)
    columns = [c for c in names if c != "seq"]
    # Other laptops' chains, as a merge stores them (ids sorting before and after ours).
    others = {"00000000-aaaa": 3, "ffffffff-bbbb": 5}
    with db.transaction():
        for device, length in others.items():
            for device_seq in range(1, length + 1):
                row = dict(zip(names, tuple(own), strict=True))
                row.update(entry_id=f"{device}-{device_seq}", device_id=device,
                           device_seq=device_seq, hash=f"{device}#{device_seq}")
                db.execute(f"INSERT INTO audit ({', '.join(columns)}) VALUES"
                           f" ({', '.join('?' for _ in columns)})",
                           tuple(row[c] for c in columns))
    heads = audit_anchor.heads(db)
    ours = db.query_one("SELECT device_seq, hash FROM audit WHERE device_id = ?"
                        " ORDER BY device_seq DESC LIMIT 1", (session.device_id,))
    assert ours is not None
    assert heads == {
        "00000000-aaaa": [3, "00000000-aaaa#3"],
        session.device_id: [int(ours[0]), str(ours[1])],
        "ffffffff-bbbb": [5, "ffffffff-bbbb#5"],
    }


def _raw_db(vault_path: Path) -> Database:
    """The database opened with its key the way an insider would (no session, no audit)."""
    keys = keyfile.load(vault_path)
    slot = next(s for s in keys.slots if s.label == LEAD)
    private = unwrap_private(slot, LEAD_PASS, keys.vault_id)
    return vault.open_database(vault_path, keys, slot, private)[0]


# -- the dissemination log against the export entries ----------------------------------------------
def _exported(session: Session, tmp_path: Path, n: int = 2) -> list[str]:
    case = session.store.create_case("Shared with the attorney")
    ids = []
    for i in range(n):
        att = session.store.add_attachment(case.id, f"s{i}.txt", f"statement {i}".encode())
        ids.append(session.store.export_attachment(att.id, tmp_path / f"s{i}.txt", RELEASE).id)
    assert audit.verify(session.db) == []
    return ids


def test_emptied_dissemination_log_is_reported(session: Session, tmp_path: Path) -> None:
    ids = _exported(session, tmp_path)
    session.db.execute("DELETE FROM disseminations")
    problems = session.check()
    for dissemination_id in ids:
        assert any(f"records dissemination {dissemination_id[:13]}" in p
                   and "missing from the dissemination log" in p for p in problems)


def test_edited_dissemination_row_is_reported(session: Session, tmp_path: Path) -> None:
    first, _ = _exported(session, tmp_path)
    session.db.execute("UPDATE disseminations SET recipient = 'Nobody', sha256 = ? WHERE"
                       " id = ?", ("0" * 64, first))
    problems = audit.verify(session.db)
    assert any(f"dissemination {first[:13]} was edited: its file hash differ" in p
               for p in problems)
    assert any(f"dissemination {first[:13]} was edited after it was recorded: recipient,"
               " sha256" in p for p in problems)


def test_dissemination_without_its_export_entry_is_reported(session: Session,
                                                             tmp_path: Path) -> None:
    first, second = _exported(session, tmp_path)
    session.db.execute("UPDATE audit SET detail = '{}' WHERE action = 'export' AND detail"
                       " LIKE ?", (f"%{second}%",))
    problems = audit.verify(session.db)
    assert any(f"dissemination {second[:13]}" in p and "has no export entry" in p
               for p in problems)
    assert not any(first[:13] in p for p in problems)


def test_purged_case_leaves_no_dissemination_problem(session: Session, tmp_path: Path) -> None:
    _exported(session, tmp_path)
    case = session.store.list_cases()[0]
    session.store.delete_case(case.id)
    session.store.purge_case(case.id)
    assert session.db.scalar("SELECT count(*) FROM disseminations") == 0
    assert audit.verify(session.db) == []


def test_a_cut_hidden_in_both_files_shows_against_an_earlier_backup(session: Session,
                                                                    vault_path: Path,
                                                                    tmp_path: Path) -> None:
    """The insider cuts the chain, moves the heads and re-signs the key file's anchor with
    their own key: the vault and its key file agree. A backup made before still disagrees."""
    lead, officer = _team(session, vault_path)
    earlier = tmp_path / "monday.btambak"
    lead.backup(earlier)
    lead.lock()
    db = officer.db
    db.execute("DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq DESC"
               " LIMIT 3)")
    _rehash(db)
    keys = keyfile.load(vault_path)
    anchor = audit_anchor.make_anchor(db, keys.vault_id)  # signed with the officer's own key
    keyfile.save(vault_path, keyfile.KeyFile(keys.vault_id, keys.slots, anchor))
    db.close()
    at_unlock, checked = _problems(vault_path)
    assert at_unlock == [] and checked == []  # both files agree: nothing to see locally
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    try:
        found, notes = audit_anchor.against_backup(again.db, earlier)
    finally:
        again.lock()
    assert notes == []
    # The unlocks since wrote new entries under the cut numbers: they differ from the ones
    # the backup saw.
    assert any("is not the one the backup monday.btambak's anchor saw: the chain was"
               " rewritten" in p for p in found), found


def test_a_restored_vault_verifies_signed_with_nothing_to_note(session: Session,
                                                               tmp_path: Path) -> None:
    """A restore takes a new device identity: the member's key follows its slot there, the
    backup's anchor comes along, and the restore's own (unsigned) entry is not 'legacy'."""
    session.store.create_case("Backed up")
    out = tmp_path / "team.btambak"
    session.backup(out)
    target = tmp_path / "restored" / "team.btam"
    backup.restore(out, target, passphrase_text=LEAD_PASS)
    restored, _ = vault.unlock(target, passphrase_text=LEAD_PASS, member=LEAD)
    try:
        assert restored.audit_problems_at_unlock == []
        restored.store.create_case("After the restore")
        assert restored.check() == [] and audit.notes(restored.db) == []
    finally:
        restored.lock()
