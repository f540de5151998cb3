"""Hybrid logical clock: monotonic whatever the wall clock does, and sortable as text."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from btam_desktop.core.hlc import HybridClock, Stamp


@given(st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=200))
def test_stamps_strictly_increase_even_when_wall_clock_jumps_back(walls: list[int]) -> None:
    readings = iter(walls)
    clock = HybridClock(wall=lambda: next(readings))
    stamps = [clock.now() for _ in walls]
    assert all(a < b for a, b in itertools.pairwise(stamps))
    encoded = [s.encode() for s in stamps]
    assert encoded == sorted(encoded)  # text order equals clock order (SQL ORDER BY)
    assert all(Stamp.decode(e) == s for e, s in zip(encoded, stamps, strict=True))


@given(st.integers(0, 10**13), st.integers(0, 10**13), st.integers(0, 99_998))
def test_observe_moves_past_remote(wall: int, remote_millis: int, remote_counter: int) -> None:
    clock = HybridClock(wall=lambda: wall)
    remote = Stamp(remote_millis, remote_counter)
    after = clock.observe(remote)
    assert after > remote
    assert clock.now() > after


def test_counter_overflow_borrows_next_millisecond() -> None:
    clock = HybridClock(Stamp(1000, 99_999), wall=lambda: 1000)
    assert clock.now() == Stamp(1001, 0)


@given(st.integers(0, 10**13), st.integers(0, 10**13),
       st.one_of(st.integers(0, 99_999), st.integers(97_000, 99_999)),  # near the overflow
       st.lists(st.integers(0, 3_000), min_size=1, max_size=4))
def test_a_run_of_stamps_is_what_one_stamp_at_a_time_gives(
        wall: int, last_millis: int, last_counter: int, counts: list[int]) -> None:
    bulk = HybridClock(Stamp(last_millis, last_counter), wall=lambda: wall)
    single = HybridClock(Stamp(last_millis, last_counter), wall=lambda: wall)
    for count in counts:
        assert bulk.stamps(count) == [single.now().encode() for _ in range(count)]
        assert bulk.last == single.last
