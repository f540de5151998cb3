"""Record ids: a UUIDv7 written as 22 base-62 digits (issue 12: the vault's size). New ids are
letters and digits only, sort in the order they were made, and are found exactly as typed;
the canonical UUID text stays for what other laptops check as a UUID."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from btam_desktop.core import ids
from btam_desktop.core.errors import NotFound
from btam_desktop.core.ids import id_value, is_record_id, is_uuid, new_id, new_ids, new_uuid
from btam_desktop.core.session import Session

# The sync id check of laptops running an earlier version (core/sync/identity.py).
OLDER_LAPTOPS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


class _Clock:
    """A wall clock the test moves by hand (milliseconds)."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def time_ns(self) -> int:
        return self.ms * 1_000_000 + 123


def test_new_ids_are_22_letters_and_digits_that_older_laptops_accept() -> None:
    for text in [new_id(), *new_ids(3000)]:
        assert len(text) == 22 and text.isascii() and text.isalnum()
        assert OLDER_LAPTOPS_ID.match(text) and is_record_id(text) and not is_uuid(text)


def test_ids_sort_in_the_order_they_were_made_across_milliseconds_and_within_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Milliseconds chosen so that the top digits carry within a millisecond for some of them
    # (the 13 low digits overflow into the 9 high ones), and a clock that stands still, moves
    # by one and jumps: ids keep the time they were made and rise in both cases.
    start = time.time_ns() // 1_000_000
    clock = _Clock(start)
    monkeypatch.setattr(ids, "time", clock)
    made: list[tuple[int, str]] = []
    for step in (0, 0, 1, 1, 1000, 0, 1, 86_400_000):
        clock.ms += step
        made += [(clock.ms, text) for text in [new_id(), *new_ids(700), new_id()]]
    texts = [text for _, text in made]
    assert texts == sorted(texts) and len(set(texts)) == len(texts)
    previous = None
    for ms, text in made:
        value = uuid.UUID(int=id_value(text))
        assert value.version == 7 and value.variant == uuid.RFC_4122
        made_at = value.int >> 80
        # 4,096 ids a millisecond: more within one are given the next millisecond
        assert ms <= made_at <= ms + 1
        counter = value.int >> 64 & 0xFFF
        if previous is not None and previous[0] == made_at:
            assert counter == previous[1] + 1  # the counter orders ids of one millisecond
        previous = (made_at, counter)


def test_a_uuid_for_what_other_laptops_check_as_a_uuid() -> None:
    text = new_uuid()
    parsed = uuid.UUID(text)
    assert str(parsed) == text and parsed.version == 7 and is_uuid(text)
    assert is_record_id(text) and is_record_id(text.upper())
    assert id_value(text) == parsed.int


def test_names_and_case_numbers_are_not_taken_for_ids() -> None:
    for text in ("2026-0042-K7Q", "2026-0042", "ThreatAssessmentForm22", "0" * 22,
                 new_id()[:21], new_id() + "x", "-" + new_id()[1:], ""):
        assert not is_record_id(text), text


def test_a_case_is_found_by_its_short_id_exactly_as_typed(session: Session) -> None:
    case = session.store.create_case("Found by its id")
    assert len(case.id) == 22
    store = session.store
    assert store.get_case(case.id).id == case.id
    assert store.get_case(f"  {case.id} ").id == case.id
    # Short ids are case-sensitive: a case-changed id is another id (and names no case).
    changed = case.id.swapcase()
    with pytest.raises(NotFound):
        store.get_case(changed)
    assert store.get_case(case.number).id == case.id


def test_an_old_uuid_id_is_found_as_stored_and_typed_in_capitals(session: Session) -> None:
    case = session.store.create_case("Made before short ids")
    old = new_uuid()
    session.db.execute("UPDATE cases SET id = ? WHERE id = ?", (old, case.id))
    store = session.store
    assert store.get_case(old).title == "Made before short ids"
    assert store.get_case(old.upper()).title == "Made before short ids"
