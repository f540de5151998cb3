"""A bundle larger than a part is written in parts: several complete bundles, each importable
on its own and in any order, together the same as one bundle, and no laptop acknowledges
what it has not received.

The limits are lowered here (a few kilobytes instead of 1 GiB) so that a few dozen cases need
several parts; the same code cuts a 100,000-case vault.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core import vault
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, exchange, limits, payload, peers, team

from .conftest import PASS, open_sent, snapshot
from .test_exchange import enrol

Laptops = Callable[[str], Session]
LIMIT = 192 * 1024  # the bundle limit in these tests: the full bundle is larger
PART = 96 * 1024
CASES = 16
NOTE = "The reporting party was called back and described the letters again. " * 56


@pytest.fixture
def world(laptops: Laptops, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Lead laptop A with 16 cases (long notes, an update, an attachment, a conflict with B)
    and 4 cases of laptop C;
    officer laptop B has received one early case and edited it. ``clone()`` gives a copy of
    B's vault as it is before any of A's large bundles (same device: same keys)."""
    lead, officer, third = laptops("A"), laptops("B"), laptops("C")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, officer, tmp_path)
    enrol(lead, third, tmp_path)
    shared = lead.store.create_case("Shared early case", concern="low")
    exchange.export_bundle(lead, tmp_path / "early.btambundle", to=[officer.device_code])
    exchange.import_file(officer, tmp_path / "early.btambundle")
    for i in range(CASES):
        if i == CASES // 2:
            # A third laptop's cases, made meanwhile, reach the lead below: the lead's parts
            # carry two devices' changes, interleaved by stamp.
            for j in range(4):
                other = third.store.create_case(f"Third laptop's case {j}", concern="low")
                third.store.add_note(other.id, f"Note from the third laptop {j}: {NOTE[:400]}")
        case = lead.store.create_case(f"Case {i:02d} reported at the front desk",
                                      concern="moderate")
        lead.store.add_note(case.id, f"Note {i}: {NOTE}")
        lead.store.add_note(case.id, f"Second note {i}: {NOTE}")
        lead.store.add_note(case.id, f"Third note {i}: {NOTE}")
        lead.store.update_case(case.id, {"summary": f"Summary of case {i}, reviewed"})
        if i == 10:
            lead.store.add_attachment(case.id, "letter.txt", b"synthetic letter " * 50)
    exchange.import_file(lead, exchange.export_bundle(
        third, tmp_path / "third.btambundle", to=[lead.device_code]).path)
    # Concurrent edits of one field: a conflict for the team lead, on every receiver.
    lead.store.update_case(shared.id, {"title": "Shared case (lead's title)"})
    officer.store.update_case(shared.id, {"title": "Shared case (officer's title)"})
    officer.lock()
    source = tmp_path / "B.btam"
    opened: list[Session] = []

    def clone(name: str) -> Session:
        target = tmp_path / f"{name}.btam"
        shutil.copyfile(source, target)
        shutil.copyfile(source.with_name(source.name + ".keys"),
                        target.with_name(target.name + ".keys"))
        session = vault.unlock(target, passphrase_text=PASS, member="Lead B")[0]
        opened.append(session)
        return session

    yield {"lead": lead, "clone": clone, "tmp": tmp_path, "third": third.device_id}
    for session in opened:
        session.lock()


def _lower_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", LIMIT)
    # Not on main before parts existed: the full export then fails ("export in parts").
    monkeypatch.setattr(payload, "PART_BYTES", PART, raising=False)


def _export_in_parts(lead: Session, out: Path, receiver: Session,
                     monkeypatch: pytest.MonkeyPatch) -> exchange.ExportResult:
    _lower_limits(monkeypatch)
    return exchange.export_bundle(lead, out, to=[receiver.device_code], full=True)


def _state(session: Session) -> dict[str, Any]:
    """What must be the same however the bundles arrived: the records, the change log, the
    conflicts, what is held, what the laptop says it holds."""
    out = snapshot(session)
    # The sender's audit entries, but for its own exports: the one bundle and the parts were
    # written one after the other, so each carries the other's "bundle.export" entries or not.
    # (This laptop's own entries are its own acts, at their own times.)
    out["audit"] = [tuple(r) for r in session.db.query(
        "SELECT entry_id, hash FROM audit WHERE action != 'bundle.export' AND device_id"
        " NOT IN ('', ?) ORDER BY entry_id", (session.device_id,))]
    out["seen"] = [tuple(r) for r in session.db.query(
        "SELECT device_id, hlc FROM sync_seen ORDER BY device_id")]
    return out


def test_a_full_export_above_the_limit_is_written_in_parts(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    lead, tmp = world["lead"], world["tmp"]
    receiver = world["clone"]("B1")
    before = lead.db.meta("sync:out_seq")
    result = _export_in_parts(lead, tmp / "full.btambundle", receiver, monkeypatch)

    count = len(result.parts)
    assert count >= 3
    width = len(str(count))
    assert result.paths == [tmp / f"full-part-{k:0{width}d}-of-{count}.btambundle"
                            for k in range(1, count + 1)]
    assert not (tmp / "full.btambundle").exists()
    assert [p.sequence for p in result.parts] == list(range(int(before or 0) + 1,
                                                            int(before or 0) + count + 1))
    # One chain: each part names the file before it; each is under the (lowered) limit.
    headers = [exchange.inspect(p) for p in result.paths]
    for earlier, later in zip(result.paths, headers[1:], strict=False):
        assert later.prev_hash == bundle.file_hash(earlier.read_bytes())
    assert all(0 < h.plain_size <= LIMIT for h in headers)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in result.paths)
    assert not [p for p in tmp.iterdir() if p.name.endswith(".part")]  # no temporary left
    # Recorded part by part: the history and the audit trail.
    rows = lead.db.query("SELECT sequence, filename, summary FROM sync_bundles"
                         " WHERE direction = 'out' ORDER BY sequence DESC LIMIT ?", (count,))
    assert sorted((r["filename"], json.loads(r["summary"])["part"]) for r in rows) == sorted(
        (p.name, k) for k, p in enumerate(result.paths, start=1))
    audits = lead.db.query("SELECT detail FROM audit WHERE action = 'bundle.export'"
                           " ORDER BY device_seq DESC LIMIT ?", (count,))
    assert sorted(json.loads(r["detail"])["part"] for r in audits) == list(range(1, count + 1))
    assert {json.loads(r["detail"])["parts"] for r in audits} == {count}

    docs = [open_sent(receiver, lead, p)[1] for p in result.paths]
    # The cut: part k carries the changes stamped in (H(k-1), H(k)]; its vector claims no
    # more than H(k); the audit entries travel in the last part; the attachment with its
    # insert.
    with_changes = [d for d in docs if d["changes"]]
    tops = [max(c[6] for c in d["changes"]) for d in with_changes]
    for k, doc in enumerate(with_changes[:-1]):
        assert all(hlc <= tops[k] for hlc, _ in doc["seen"].values())
        assert min(c[6] for c in with_changes[k + 1]["changes"]) > tops[k]
        assert all(high <= tops[k] for high in doc["part"]["to"].values())
    assert [d["part"]["number"] for d in docs] == list(range(1, count + 1))
    assert all(d["audit"] == [] and d["signers"] == [] for d in docs[:-1])
    assert docs[-1]["audit"]
    blob_parts = [k for k, d in enumerate(docs) if d["blobs"]]
    insert_parts = [k for k, d in enumerate(docs)
                    if any(c[1] == "attachments" and c[3] == "*" for c in d["changes"])]
    assert blob_parts == insert_parts and len(blob_parts) == 1
    ids = [c[0] for d in docs for c in d["changes"]]
    assert len(ids) == len(set(ids)) == result.counts["changes"]
    assert result.counts["cases"] == CASES + 1 + 4
    # Two devices' changes, the third laptop's made between the lead's: cut together.
    third = world["third"]
    assert [c for c in with_changes[-1]["changes"] if c[7] == lead.device_id]
    assert any(third in {c[7] for c in d["changes"]} for d in with_changes[1:])


def test_parts_in_order_or_reversed_end_as_one_bundle(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    lead, tmp, clone = world["lead"], world["tmp"], world["clone"]
    whole, in_order, reversed_ = clone("B1"), clone("B2"), clone("B3")
    one = exchange.export_bundle(lead, tmp / "one.btambundle", to=[whole.device_code],
                                 full=True)
    assert one.parts == [] and one.paths == [tmp / "one.btambundle"]
    exchange.import_file(whole, one.path)
    result = _export_in_parts(lead, tmp / "full.btambundle", in_order, monkeypatch)
    for path in result.paths:
        assert not exchange.import_file(in_order, path).already_imported
    held = 0
    for path in reversed(result.paths):
        held += exchange.import_file(reversed_, path).report.held
    # Notes whose case is in an earlier part waited for it, and were applied when it came.
    assert held > 0
    reference = _state(whole)
    assert reference["conflicts"] and reference["pending"] == []
    assert len([c for c in reference["cases"] if c["title"].startswith("Case ")]) == CASES
    assert _state(in_order) == reference
    assert _state(reversed_) == reference
    # The attachment's content, kept while its insert waited, goes once the insert is in
    # (the import that releases it carries no content of its own).
    for laptop in (in_order, reversed_):
        assert laptop.db.query("SELECT key FROM meta WHERE key LIKE 'sync:heldblob:%'") == []
    again = exchange.import_file(in_order, result.paths[1])
    assert again.already_imported and "already imported" in again.lines()[0]


def _acknowledge(receiver: Session, lead: Session, tmp: Path) -> None:
    """The receiver's next bundle reaches the lead (carrying what it says it holds)."""
    back = tmp / f"back-{receiver.path.stem}.btambundle"
    exchange.export_bundle(receiver, back, to=[lead.device_code])
    exchange.import_file(lead, back)


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_part_alone_is_not_taken_for_the_others(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    lead, tmp, clone = world["lead"], world["tmp"], world["clone"]
    whole, partial = clone("B1"), clone("B2")
    exchange.import_file(whole, exchange.export_bundle(
        lead, tmp / "one.btambundle", to=[whole.device_code], full=True).path)
    result = _export_in_parts(lead, tmp / "full.btambundle", partial, monkeypatch)
    docs = {p: open_sent(partial, lead, p)[1] for p in result.paths}
    with_changes = [p for p in result.paths if docs[p]["changes"]]
    assert len(with_changes) >= 3
    taken = with_changes[0] if which == "first" else with_changes[-1]
    had = {str(r[0]) for r in partial.db.query("SELECT change_id FROM change_log")}
    before = dict(partial.db.query("SELECT device_id, hlc FROM sync_seen"))
    summary = exchange.import_file(partial, taken)
    assert summary.report.applied + summary.report.held > 0
    if which == "last":  # held apart: what this laptop says it holds has not moved
        # (no stamp of any device; a device first heard of here may get a row holding only
        # the audit entries the last part carries: stamp '', nothing of its changes claimed)
        after = dict(partial.db.query("SELECT device_id, hlc FROM sync_seen"))
        assert {d: h for d, h in after.items() if h} == {d: h for d, h in before.items() if h}
    _acknowledge(partial, lead, tmp)
    missing = {c[0] for p in result.paths if p != taken
               for c in docs[p]["changes"]} - had
    assert missing
    # The lead's next "since last sync" carries everything the other parts held.
    ack = peers.common_ack(lead.db, [partial.device_id])
    again = payload.collect(lead.db, device_id=lead.device_id, ack=ack, roster=None)
    assert missing <= {c[0] for c in again["changes"]}
    nxt = exchange.export_bundle(lead, tmp / "next.btambundle", to=[partial.device_code])
    for path in nxt.paths:
        exchange.import_file(partial, path)
    mine, reference = _state(partial), _state(whole)
    for key in ("audit", "seen", "changes"):  # the partial laptop wrote a bundle of its own
        mine.pop(key), reference.pop(key)
    assert mine == reference


def test_nothing_is_written_or_recorded_when_a_part_name_is_taken(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    lead, tmp = world["lead"], world["tmp"]
    receiver = world["clone"]("B1")
    (tmp / "full-part-2-of-9.btambundle").write_bytes(b"someone else's file")
    files = sorted(tmp.iterdir())
    seq = lead.db.meta("sync:out_seq")
    counts = [lead.db.scalar(f"SELECT count(*) FROM {t}") for t in ("sync_bundles", "audit")]
    with pytest.raises(InvalidInput, match=r"full-part-2-of-9\.btambundle already exists"):
        _export_in_parts(lead, tmp / "full.btambundle", receiver, monkeypatch)
    assert sorted(tmp.iterdir()) == files
    assert (tmp / "full-part-2-of-9.btambundle").read_bytes() == b"someone else's file"
    assert lead.db.meta("sync:out_seq") == seq
    assert [lead.db.scalar(f"SELECT count(*) FROM {t}")
            for t in ("sync_bundles", "audit")] == counts


def test_a_part_that_does_not_fit_the_limit_is_still_refused(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts are cut by an estimate well below the limit; a reader's limit is still enforced
    when a part is sealed (one change larger than the limit cannot be cut)."""
    lead, tmp = world["lead"], world["tmp"]
    receiver = world["clone"]("B1")
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", 2_000)
    monkeypatch.setattr(payload, "PART_BYTES", 1_000)
    with pytest.raises(bundle.BundleRefused, match="larger than the bundle limit"):
        exchange.export_bundle(lead, tmp / "full.btambundle", to=[receiver.device_code],
                               full=True)
    assert not [p for p in tmp.iterdir() if "full" in p.name]


def test_an_audit_trail_larger_than_a_part_follows_in_parts_of_its_own(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    lead, tmp, clone = world["lead"], world["tmp"], world["clone"]
    whole, in_order = clone("B1"), clone("B2")
    exchange.import_file(whole, exchange.export_bundle(
        lead, tmp / "one.btambundle", to=[whole.device_code], full=True).path)
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", LIMIT)
    monkeypatch.setattr(payload, "PART_BYTES", 16 * 1024)
    result = exchange.export_bundle(lead, tmp / "full.btambundle",
                                    to=[in_order.device_code], full=True)
    docs = [open_sent(in_order, lead, p)[1] for p in result.paths]
    audit_only = [d for d in docs if d["audit"]]
    assert len(audit_only) >= 2 and all(d["changes"] == [] for d in audit_only)
    assert docs[-1] is audit_only[-1]
    for path in result.paths:
        exchange.import_file(in_order, path)
    assert _state(in_order) == _state(whole)

