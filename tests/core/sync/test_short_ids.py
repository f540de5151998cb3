"""Short ids next to old ones: a vault made before short ids keeps its UUID ids, takes new
records with 22-character ids, and lists, searches, exports and merges both kinds; ids typed
by a user (devices, conflicts) are found exactly as typed, and a part of an id that names
several things says so."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from btam_desktop.core import vault
from btam_desktop.core.errors import InvalidInput, NotFound
from btam_desktop.core.ids import is_uuid, new_id
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, team

from .test_exchange import enrol, send

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "vaults" / "schema-v18"

Laptops = Callable[[str], Session]


@pytest.fixture
def old_vault(tmp_path: Path) -> Iterator[Session]:
    """The stored vault of schema 18, made with 36-character UUID ids."""
    expected = json.loads((FIXTURE / "expected.json").read_text())
    for name in ("vault.btam", "vault.btam.keys"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    session, _ = vault.unlock(tmp_path / "vault.btam", passphrase_text=expected["passphrase"],
                              member=expected["member"])
    yield session
    session.lock()


def test_an_old_vault_takes_short_ids_and_shows_and_sends_both_kinds(
        old_vault: Session, laptops: Laptops, tmp_path: Path) -> None:
    lead = old_vault
    store = lead.store
    old = store.get_case("2026-0001-R7X")
    assert is_uuid(old.id) and is_uuid(lead.member_id)
    new = store.create_case("Graffiti naming a teacher, ironfox tag", concern="moderate")
    assert len(new.id) == 22 and new.id.isalnum()
    note = store.add_note(new.id, "Tag seen near the breakroom")
    assert len(note.id) == 22
    store.add_note(old.id, "Follow-up on the old case")

    # Listed and searched together, found by id (old one in capitals too) and by number.
    listed = {c.id for c in store.list_cases()}
    assert {old.id, new.id} <= listed
    assert {c.id for c in store.list_cases(text="ironfox")} == {old.id, new.id}
    assert {c.id for c in store.list_cases(text="breakroom")} == {old.id, new.id}
    assert store.get_case(old.id.upper()).id == old.id
    assert store.get_case(new.id).number == new.number

    # A team made on the old vault (its device keeps its UUID id; the team id is short).
    team.create_team(lead, "Lakeside BTAM")
    assert len(team.require_roster(lead).team_id) == 22
    other = laptops("B")
    assert len(other.device_id) == 22 and len(other.member_id) == 22
    enrol(lead, other, tmp_path)
    assert team.find_device(team.require_roster(lead), other.device_id).code == other.device_code
    assert team.find_device(team.require_roster(lead), lead.device_id).code == lead.device_code

    # Both kinds travel in a bundle and merge on the other laptop.
    summary = send(lead, other, tmp_path)
    assert summary.report.created["cases"] >= 2
    there = other.store
    assert there.get_case(old.id).title == old.title
    assert there.get_case(new.id).title == new.title
    assert {c.id for c in there.list_cases(text="ironfox")} == {old.id, new.id}
    # Edits made there on both come back and merge into the old vault.
    there.update_case(old.id, {"concern": "low"}, reason="Threat withdrawn")
    there.update_case(new.id, {"title": "Graffiti naming a teacher (closed)"})
    send(other, lead, tmp_path)
    assert store.get_case(old.id).concern == "low"
    assert store.get_case(new.id).title == "Graffiti naming a teacher (closed)"
    assert lead.check() == [] and other.check() == []


@dataclass
class _Device:
    device_id: str
    code: str
    name: str


@dataclass
class _Roster:
    devices: tuple[_Device, ...]


def test_a_device_is_found_by_its_id_as_typed_and_a_part_naming_two_says_so() -> None:
    mixed = "0359AbCdEfGhJkLmNpQrSt"
    devices = (_Device(mixed, "K7Q", "Front desk"),
               _Device(mixed.lower(), "M3P", "Patrol car"),  # the same id in other case
               _Device("01a23d92-b55b-706b-a6e7-9050d02fafeb", "R2X", "Old laptop"))
    current = _Roster(devices)
    find = team.find_device
    assert find(current, mixed).code == "K7Q"  # type: ignore[arg-type]
    assert find(current, mixed.lower()).code == "M3P"  # type: ignore[arg-type]
    assert find(current, "01A23D92-B55B-706B-A6E7-9050D02FAFEB").code == "R2X"  # type: ignore[arg-type]
    assert find(current, "9050d02fafeb").code == "R2X"  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="several"):
        find(current, mixed[:10])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="several"):
        find(current, mixed[-8:].upper())  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        find(current, "ZZZZZZZZ")  # type: ignore[arg-type]


def test_a_conflict_is_found_by_its_id_as_typed_and_a_prefix_naming_two_says_so(
        session: Session) -> None:
    # Three ids equal but for case (the last one stored is asked for by its whole id).
    change = "0359AbCdEfGhJkLmNpQrSt"
    first, second, third = (f"edit:{c}" for c in (change, change.swapcase(), change.lower()))
    for conflict_id in (second, third, first, f"edit:{new_id()}"):
        session.db.execute(
            "INSERT INTO conflicts (id, kind, tbl, record_id, field, winner_change_id,"
            " detected_at) VALUES (?, 'edit', 'cases', ?, 'title', NULL, '2026-01-01T00:00Z')",
            (conflict_id, new_id()))
    for conflict_id in (first, second, third):
        assert conflicts.get(session.db, conflict_id).id == conflict_id
    # A prefix is matched without regard to case: one naming several says so.
    with pytest.raises(InvalidInput, match="several"):
        conflicts.get(session.db, first[:20])
    with pytest.raises(NotFound):
        conflicts.get(session.db, "edit:zzzz")
