"""Idle lock: a timer that every key press, click, wheel or touch in the application restarts.

The filter sits on the QApplication, so input in any window or dialog counts. It only looks
at the event type and never stops an event, except the one that finds the deadline passed.
Mouse movement without a click does not count: a laptop bumped in a moving car must not keep
a vault open.

A laptop put to sleep with its lid closed stops the timer's clock on some systems (Linux
counts timers in time awake), so after waking the timer would count on from where it
stopped. The wall clock is therefore checked too, and not only on the first input after the
gap: also when a window is exposed or asked to repaint, when the application becomes active
again, and once a second by a heartbeat of its own. Whichever of these comes first after a
wake-up locks (``timed_out`` is emitted at once, inside the event filter) and swallows the
event, so a repaint request never reaches a window that still shows a case: the lock hides
that window before Qt paints it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)
# What a window does before it paints after a wake-up: swallowed once the deadline passed,
# so that the stale content is never drawn again.
_REPAINT = frozenset({QEvent.Type.Expose, QEvent.Type.UpdateRequest})
# Not input, but moments a sleeping laptop comes back: check the wall clock then too (these
# are let through: the application's own state tracking needs them).
_WAKE = frozenset(
    {
        QEvent.Type.ApplicationActivate,
        QEvent.Type.ApplicationStateChange,
        QEvent.Type.WindowActivate,
    }
)
_WATCHED = _ACTIVITY | _REPAINT | _WAKE
#: How often the wall clock is read without any event: a laptop that wakes to the operating
#: system's own lock screen shows no window of ours and gets no input, but still locks.
HEARTBEAT_MS = 1_000


class IdleWatcher(QObject):
    """Emits ``timed_out`` after ``interval_ms`` without input, once, until restarted."""

    timed_out = Signal()

    def __init__(
        self,
        interval_ms: int,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
        heartbeat_ms: int = HEARTBEAT_MS,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._last_input = clock()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, interval_ms))
        self._timer.timeout.connect(self._expire)
        # Coarse on purpose: a second late is fine, and the system may batch the wake-ups.
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(max(1, heartbeat_ms))
        self._heartbeat.timeout.connect(self._check_wall_clock)
        self._installed = False

    @property
    def interval_ms(self) -> int:
        """Milliseconds of inactivity before ``timed_out``."""
        return self._timer.interval()

    def set_interval(self, interval_ms: int) -> None:
        """Change the delay (e.g. after the idle setting changed); restarts if running."""
        self._timer.setInterval(max(1, interval_ms))
        if self._timer.isActive():
            self._timer.start()

    def is_active(self) -> bool:
        """True while counting."""
        return self._timer.isActive()

    def remaining_ms(self) -> int:
        """Milliseconds left before ``timed_out`` (-1 when stopped)."""
        return self._timer.remainingTime()

    def overdue(self) -> bool:
        """True when the wall clock says the delay has passed since the last input (a
        laptop that slept for longer than the delay), whatever the timer says."""
        return (self._clock() - self._last_input) * 1000 >= self._timer.interval()

    def start(self) -> None:
        """Start counting and watching input."""
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._last_input = self._clock()
        self._timer.start()
        self._heartbeat.start()

    def stop(self) -> None:
        """Stop counting and watching."""
        self._timer.stop()
        self._heartbeat.stop()
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def _expire(self) -> None:
        self._timer.stop()
        self._heartbeat.stop()
        self.timed_out.emit()

    def _check_wall_clock(self) -> None:
        if self._timer.isActive() and self.overdue():
            self._expire()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Restart the timer on user input; consume an event only when it causes the lock."""
        kind = event.type()
        # Every event of the application passes here: the cheap test comes first.
        if kind not in _WATCHED or not self._timer.isActive():
            return False
        if self.overdue():
            # Asleep for longer than the delay: lock now, before this event is handled.
            # Input is swallowed (a click meant for the old screen does nothing there), and
            # so is a repaint request (the old screen is not drawn again).
            self._expire()
            return kind not in _WAKE
        if kind in _ACTIVITY:
            self._last_input = self._clock()
            self._timer.start()
        return False
