"""Idle lock: a timer that every key press, click, wheel or touch in the application restarts.

The filter sits on the QApplication, so input in any window or dialog counts. It only looks
at the event type and never stops an event. Mouse movement without a click does not count: a
laptop bumped in a moving car must not keep a vault open.

A laptop put to sleep with its lid closed stops the timer's clock on some systems, so after
waking it would count on from where it stopped. The wall clock is therefore checked too: the
first input (or the application becoming active) after a gap longer than the idle delay locks
instead of restarting the timer.
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
# Not input, but the moments a sleeping laptop comes back: check the wall clock then too.
_WAKE = frozenset({QEvent.Type.ApplicationActivate, QEvent.Type.ApplicationStateChange})


class IdleWatcher(QObject):
    """Emits ``timed_out`` after ``interval_ms`` without input, once, until restarted."""

    timed_out = Signal()

    def __init__(
        self,
        interval_ms: int,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._last_input = clock()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, interval_ms))
        self._timer.timeout.connect(self.timed_out)
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

    def start(self) -> None:
        """Start counting and watching input."""
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._last_input = self._clock()
        self._timer.start()

    def stop(self) -> None:
        """Stop counting and watching."""
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Restart the timer on user input; consume an event only when it causes the lock."""
        kind = event.type()
        if (kind in _ACTIVITY or kind in _WAKE) and self._timer.isActive():
            now = self._clock()
            if (now - self._last_input) * 1000 >= self._timer.interval():
                # Asleep for longer than the delay: lock, and swallow this input so that a
                # click meant for the old screen does nothing there.
                self._timer.stop()
                self.timed_out.emit()
                return kind in _ACTIVITY
            if kind in _ACTIVITY:
                self._last_input = now
                self._timer.start()
        return False
