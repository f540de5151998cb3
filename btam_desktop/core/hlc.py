"""Hybrid logical clock (Kulkarni et al.): stamps that follow wall time but never go backwards.

Every change carries a stamp and its device id. Sync orders concurrent edits by
``(stamp, device)``; the stamp is a fixed-width string so SQL ``ORDER BY`` sorts it correctly:
``"<unix ms, 15 digits>.<counter, 5 digits>"``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

_COUNTER_MAX = 99_999


@dataclass(frozen=True, order=True)
class Stamp:
    """One HLC reading: physical milliseconds and a logical counter."""

    millis: int
    counter: int

    def encode(self) -> str:
        """Sortable text form."""
        return f"{self.millis:015d}.{self.counter:05d}"

    @classmethod
    def decode(cls, text: str) -> Stamp:
        """Parse :meth:`encode` output; ValueError on anything else."""
        millis_text, _, counter_text = text.partition(".")
        if len(millis_text) != 15 or len(counter_text) != 5:
            raise ValueError(f"not a clock stamp: {text!r}")
        return cls(int(millis_text), int(counter_text))


def _wall_millis() -> int:
    return time.time_ns() // 1_000_000


class HybridClock:
    """Issues monotonically increasing stamps; ``observe`` folds in stamps from other devices."""

    def __init__(self, last: Stamp | None = None, wall: Callable[[], int] = _wall_millis) -> None:
        self._last = last or Stamp(0, 0)
        self._wall = wall

    @property
    def last(self) -> Stamp:
        """The most recent stamp issued or observed."""
        return self._last

    def now(self) -> Stamp:
        """A stamp greater than every stamp issued or observed before."""
        wall = self._wall()
        if wall > self._last.millis:
            stamp = Stamp(wall, 0)
        elif self._last.counter < _COUNTER_MAX:
            stamp = Stamp(self._last.millis, self._last.counter + 1)
        else:
            # Counter exhausted within one millisecond: borrow the next millisecond.
            stamp = Stamp(self._last.millis + 1, 0)
        self._last = stamp
        return stamp

    def stamps(self, count: int) -> list[str]:
        """``count`` encoded stamps, each what :meth:`now` would give after the one before
        (one wall-clock reading for them all: a bulk insert stamps every record)."""
        if count <= 0:
            return []
        wall = self._wall()
        if wall > self._last.millis:
            millis, counter = wall, 0
        else:
            millis, counter = self._last.millis, self._last.counter + 1
        out: list[str] = []
        while len(out) < count:
            if counter > _COUNTER_MAX:
                millis, counter = millis + 1, 0
            take = min(count - len(out), _COUNTER_MAX + 1 - counter)
            head = f"{millis:015d}."
            out += [f"{head}{c:05d}" for c in range(counter, counter + take)]
            counter += take
        self._last = Stamp(millis, counter - 1)
        return out

    def catch_up(self, stored: Stamp) -> None:
        """Make sure the next stamp is above ``stored`` (the vault's last stamp, which another
        process on this laptop may have moved): without this, two programs open on one vault
        could issue stamps out of commit order and an export "since last sync" could miss one.
        """
        if stored > self._last:
            self._last = stored

    def observe(self, remote: Stamp) -> Stamp:
        """Advance past a stamp received from another device (used by sync)."""
        wall = self._wall()
        top = max(wall, self._last.millis, remote.millis)
        if top == self._last.millis == remote.millis:
            counter = max(self._last.counter, remote.counter) + 1
        elif top == self._last.millis:
            counter = self._last.counter + 1
        elif top == remote.millis:
            counter = remote.counter + 1
        else:
            counter = 0
        if counter > _COUNTER_MAX:
            top, counter = top + 1, 0
        self._last = Stamp(top, counter)
        return self._last
