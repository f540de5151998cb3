"""Hostile and odd files against the importer of an export in parts.

A part is a complete bundle signed by the laptop that wrote it: a file changed by anyone else
fails its signature. What else can reach a laptop: a damaged file (cut short on the USB stick),
parts of two exports of one laptop mixed, the same part twice, a part renamed, a part of
another team, and parts made up on a tampered team laptop, correctly signed with its own key
but with fields no honest laptop writes (out of place, a range that does not match what the
part holds, absurd numbers). Each of those is refused with a clear message before anything is
written (records, change log, sync state, audit: the vault file is the same); the honest
oddities import and end as one bundle would, and no laptop says it holds what it was not given.
The limits are lowered (a few kilobytes a part) so that a few cases make several parts.
"""

from __future__ import annotations

import json
import random
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core.session import Session
from btam_desktop.core.sync import bundle, exchange, limits, payload, team
from btam_desktop.core.sync.bundle import BundleRefused

from .conftest import open_sent
from .test_exchange import enrol, unchanged

Laptops = Callable[[str], Session]
NOTE = "The caller described the letters left at the depot gate again, word by word. " * 40


@pytest.fixture
def pair(laptops: Laptops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
         ) -> tuple[Session, Session]:
    """A lead laptop with eight cases of long notes (a full export of several parts) and a
    member laptop enrolled in its team, that has received nothing yet."""
    lead, receiver = laptops("A"), laptops("B")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, receiver, tmp_path)
    for i in range(8):
        case = lead.store.create_case(f"Case {i} reported at the depot", concern="moderate")
        lead.store.add_note(case.id, f"Note {i}: {NOTE}")
        lead.store.add_note(case.id, f"Second note {i}: {NOTE}")
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", 192 * 1024)
    monkeypatch.setattr(payload, "PART_BYTES", 24 * 1024)
    return lead, receiver


def _export(lead: Session, receiver: Session, out: Path) -> list[Path]:
    paths = exchange.export_bundle(lead, out, to=[receiver.device_code], full=True).paths
    assert len(paths) >= 4
    return paths


def _forge(lead: Session, receiver: Session, path: Path,
           change: Callable[[dict[str, Any]], object] | None = None, *,
           text: Callable[[bytes], bytes] | None = None, team_id: str | None = None) -> bytes:
    """The part at ``path`` as a tampered lead laptop would write it instead: its payload
    changed (``change`` on the document, ``text`` on its JSON bytes), signed with the lead
    laptop's own key, under the same sequence number."""
    header, doc = open_sent(receiver, lead, path)
    if change is not None:
        change(doc)
    plain = json.dumps(doc).encode()
    if text is not None:
        plain = text(plain)
    return bundle.seal_compressed(
        zlib.compress(plain), len(plain), sender=team.device_keys(lead),
        recipients=[team.device_public(receiver)], schema_version=header.schema_version,
        kind="sync", team_id=team_id or header.team_id, sequence=header.sequence,
        prev_hash=header.prev_hash, counts=header.counts)


def _refused(receiver: Session, data: bytes, message: str) -> None:
    """Refused with ``message``, and the vault is as it was (the file itself)."""
    before = unchanged(receiver)
    with pytest.raises(BundleRefused, match=message):
        exchange.import_bytes(receiver, data, filename="full-part-2-of-5.btambundle")
    assert unchanged(receiver) == before


# -- damaged on the way -------------------------------------------------------------------------
@pytest.mark.parametrize(("damage", "message"), [
    (lambda data: data[:len(data) // 2], "truncated: the file is shorter than its lengths say"),
    (lambda data: data[:-1], "truncated: the file is shorter than its lengths say"),
    (lambda data: data[:200], "truncated: the file ends inside the header"),
    (lambda data: data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1])
     + data[len(data) // 2 + 1:], "signature does not verify: altered, corrupted or forged"),
], ids=["cut in half", "last byte missing", "header only", "one bit flipped"])
def test_a_damaged_part_is_refused(pair: tuple[Session, Session], tmp_path: Path,
                                   damage: Callable[[bytes], bytes], message: str) -> None:
    lead, receiver = pair
    path = _export(lead, receiver, tmp_path / "full.btambundle")[1]
    _refused(receiver, damage(path.read_bytes()), message)


# -- made up on a tampered laptop (signed with its own key) ---------------------------------------
def _first_device(doc: dict[str, Any]) -> str:
    return str(doc["changes"][0][7])


def _swap(row: list[Any], i: int, j: int) -> None:
    row[i], row[j] = row[j], row[i]


FORGED: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    # Fields of a change row out of place.
    "table and record swapped": (lambda d: _swap(d["changes"][0], 1, 2), "unknown table"),
    "stamp and device swapped": (lambda d: _swap(d["changes"][0], 6, 7),
                                 "not a clock stamp"),
    # The part's own fields.
    "from and to swapped": (lambda d: d["part"].update({"from": d["part"]["to"],
                                                        "to": d["part"]["from"]}),
                            "says it covers"),
    "changes above its range": (lambda d: d["part"]["to"].update(
        {_first_device(d): d["part"]["from"][_first_device(d)]}), "says it covers"),
    "changes below its range": (lambda d: d["part"]["from"].update(
        {_first_device(d): d["changes"][-1][6]}), "says it covers"),
    "a range beyond what the sender holds": (lambda d: d["part"]["to"].update(
        {_first_device(d): "999999999999.00000"}), "clock stamp|says it covers"),
    "a range past its own seen": (lambda d: d["seen"].update(
        {_first_device(d): [d["part"]["from"][_first_device(d)], 0]}), "says it covers"),
    "a device in to only": (lambda d: d["part"]["to"].update({"X" * 22: ""}),
                            "malformed bundle: part"),
    "thousands of devices": (lambda d: d["part"].update(
        {"from": {f"D{n:021d}": "" for n in range(1_000)},
         "to": {f"D{n:021d}": "" for n in range(1_000)}}), "malformed bundle: part"),
    "not a stamp in from": (lambda d: d["part"]["from"].update({_first_device(d): "soon"}),
                            "not a clock stamp"),
    "part a list": (lambda d: d.update(part=[1, {}, {}]), "malformed bundle: part"),
    "no number": (lambda d: d["part"].pop("number"), "malformed bundle: part"),
    "number 0": (lambda d: d["part"].update(number=0), "malformed bundle: part"),
    "number negative": (lambda d: d["part"].update(number=-3), "malformed bundle: part"),
    "number huge": (lambda d: d["part"].update(number=10**18), "malformed bundle: part"),
    "number text": (lambda d: d["part"].update(number="2"), "malformed bundle: part"),
    "number fraction": (lambda d: d["part"].update(number=2.5), "malformed bundle: part"),
    "number true": (lambda d: d["part"].update(number=True), "malformed bundle: part"),
}


@pytest.mark.parametrize("name", list(FORGED))
def test_a_part_made_up_on_a_tampered_laptop_is_refused(
        pair: tuple[Session, Session], tmp_path: Path, name: str) -> None:
    lead, receiver = pair
    path = _export(lead, receiver, tmp_path / "full.btambundle")[1]
    change, message = FORGED[name]
    _refused(receiver, _forge(lead, receiver, path, change), message)


def test_a_part_number_of_thousands_of_digits_is_refused(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    lead, receiver = pair
    path = _export(lead, receiver, tmp_path / "full.btambundle")[1]
    huge = b'"number": ' + b"9" * 20_000
    data = _forge(lead, receiver, path, text=lambda plain: plain.replace(
        b'"number": 2', huge, 1))
    _refused(receiver, data, "not valid JSON|malformed bundle: part")


def test_a_part_of_another_team_is_refused(pair: tuple[Session, Session],
                                          tmp_path: Path) -> None:
    lead, receiver = pair
    path = _export(lead, receiver, tmp_path / "full.btambundle")[1]
    other = "6f1c2b4e-0d3a-4e8f-9b7a-2c5d8e1f0a3b"
    _refused(receiver, _forge(lead, receiver, path, team_id=other), "another team")


# -- honest files in odd combinations -------------------------------------------------------------
def _held_up_to_acknowledged(lead: Session, receiver: Session) -> None:
    """What the receiver says it holds of each laptop (sync_seen, its acknowledgement) it
    does hold: every change of the lead's log up to that stamp is in its log."""
    seen = {str(r[0]): str(r[1]) for r in receiver.db.query(
        "SELECT device_id, hlc FROM sync_seen")}
    have = {str(r[0]) for r in receiver.db.query("SELECT change_id FROM change_log")}
    for device, hlc in seen.items():
        owed = {str(r[0]) for r in lead.db.query(
            "SELECT change_id FROM change_log WHERE device_id = ? AND hlc <= ?",
            (device, hlc))}
        assert owed <= have, f"acknowledged {device[:8]} up to {hlc} without holding it all"


def _records(session: Session) -> list[Any]:
    return [tuple(r) for table in ("cases", "timeline", "persons") for r in session.db.query(
        f"SELECT id, {'title' if table == 'cases' else 'id'} FROM {table} ORDER BY id")]


def test_the_same_part_twice_changes_nothing(pair: tuple[Session, Session],
                                             tmp_path: Path) -> None:
    lead, receiver = pair
    path = _export(lead, receiver, tmp_path / "full.btambundle")[2]
    exchange.import_file(receiver, path)
    before = unchanged(receiver)
    copy = tmp_path / "copy of the part.btambundle"
    shutil.copyfile(path, copy)
    again = exchange.import_file(receiver, copy)
    assert again.already_imported and "already imported" in again.lines()[0]
    assert unchanged(receiver) == before


def test_a_part_sealed_again_under_its_number_is_refused_as_a_fork(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    """Same content, another bundle under the same sequence number: only a cloned or
    tampered laptop writes that. Refused; the fork is noted for the lead (on purpose), and
    nothing of the part is taken."""
    lead, receiver = pair
    path = _export(lead, receiver, tmp_path / "full.btambundle")[2]
    exchange.import_file(receiver, path)
    state = [_records(receiver), [tuple(r) for r in receiver.db.query(
        "SELECT device_id, hlc FROM sync_seen ORDER BY 1")],
             receiver.db.scalar("SELECT count(*) FROM change_log")]
    with pytest.raises(BundleRefused, match="two different bundles numbered"):
        exchange.import_bytes(receiver, _forge(lead, receiver, path))
    assert receiver.db.scalar("SELECT count(*) FROM sync_forks") == 1
    assert [_records(receiver), [tuple(r) for r in receiver.db.query(
        "SELECT device_id, hlc FROM sync_seen ORDER BY 1")],
            receiver.db.scalar("SELECT count(*) FROM change_log")] == state


def _reversed_keys(doc: dict[str, Any]) -> None:
    for item in (doc, doc["part"], doc["part"]["from"], doc["part"]["to"], doc["seen"]):
        pairs = list(item.items())
        item.clear()
        item.update(reversed(pairs))


def test_a_part_with_its_fields_written_in_another_order_is_the_same_part(
        pair: tuple[Session, Session], tmp_path: Path) -> None:
    """The order of the keys of a part's objects means nothing: such a part (signed by the
    lead laptop) imports as the part it is, and the whole export ends as one bundle."""
    lead, receiver = pair
    paths = _export(lead, receiver, tmp_path / "full.btambundle")
    exchange.import_bytes(receiver, _forge(lead, receiver, paths[1], _reversed_keys))
    _held_up_to_acknowledged(lead, receiver)
    for path in [paths[0], *paths[2:]]:
        exchange.import_file(receiver, path)
    assert _records(receiver) == _records(lead)
    _held_up_to_acknowledged(lead, receiver)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_parts_of_two_exports_mixed_in_any_order_end_as_the_whole(
        pair: tuple[Session, Session], tmp_path: Path, seed: int) -> None:
    """Two full exports of the lead (a case added between them: the cuts differ, so the
    parts' ranges overlap), their parts imported mixed and in any order, some renamed (a
    name says "part 7 of 2": only what a part holds counts). After each import the laptop
    says it holds only what it holds; after all of them it holds everything."""
    lead, receiver = pair
    first = _export(lead, receiver, tmp_path / "monday.btambundle")
    case = lead.store.create_case("Case added on Tuesday", concern="low")
    lead.store.add_note(case.id, f"Tuesday: {NOTE}")
    second = _export(lead, receiver, tmp_path / "tuesday.btambundle")
    files = first + second
    random.Random(seed).shuffle(files)
    for n, path in enumerate(files):
        if n % 3 == 0:
            renamed = path.with_name(f"monday-part-{n + 7}-of-2.btambundle")
            path.rename(renamed)
            path = renamed
        exchange.import_file(receiver, path)
        _held_up_to_acknowledged(lead, receiver)
    assert _records(receiver) == _records(lead)
    assert receiver.db.scalar("SELECT count(*) FROM sync_pending") == 0
    lead_log = {str(r[0]) for r in lead.db.query("SELECT change_id FROM change_log")}
    assert lead_log <= {str(r[0]) for r in receiver.db.query(
        "SELECT change_id FROM change_log")}
    mine = dict(receiver.db.query("SELECT device_id, hlc FROM sync_seen"))
    assert mine[lead.device_id] == lead.db.scalar(
        "SELECT max(hlc) FROM change_log WHERE device_id = ?", (lead.device_id,))
