"""No push button presses itself when the officer presses Enter somewhere else.

Qt makes every push button inside a dialog "auto-default", and when a dialog is shown without
a default button it promotes the first of them. A one-line field passes Enter on to its dialog,
which then presses that button: in the form window that was the first "Clear answer" or
"Today" of the form, so Enter typed by reflex after an incident number emptied another answer.

:func:`plain_buttons` makes a dialog's push buttons plain: only a button given
``setDefault(True)`` on purpose (a dialog's Save) takes Enter from the fields; any other button
takes Enter only while it has the focus itself (as Space does), so the keyboard still works on
it. Buttons created later (a repeat item's Remove, a row's Clear answer) are made plain too, as
Qt polishes them (and all of them once more when the dialog is shown, before Qt picks a
default), by one application event filter that looks at three event types only.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton, QWidget

#: Dynamic property on a window whose push buttons are kept plain.
PLAIN_WINDOW = "plainButtons"
#: Dynamic property on a button made plain here.
PLAIN_BUTTON = "plainButton"
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def make_plain(button: QPushButton) -> None:
    """``button`` is no default by accident (a default set on purpose is left alone)."""
    if button.isDefault():
        return
    button.setAutoDefault(False)
    button.setProperty(PLAIN_BUTTON, True)


class _PlainButtonFilter(QObject):
    """Makes buttons plain as they are polished in a plain window; Enter on a focused plain
    button presses it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish:
            if isinstance(watched, QPushButton) and watched.window().property(PLAIN_WINDOW):
                make_plain(watched)
        elif kind == QEvent.Type.Show:
            # Before the dialog promotes a default: buttons polished while their part of the
            # dialog had no parent yet (a size hint asked early) were not seen above.
            if isinstance(watched, QWidget) and watched.isWindow() and watched.property(
                    PLAIN_WINDOW):
                for button in watched.findChildren(QPushButton):
                    make_plain(button)
        elif (kind == QEvent.Type.KeyPress and isinstance(watched, QPushButton)
              and watched.property(PLAIN_BUTTON) and isinstance(event, QKeyEvent)
              and event.key() in ENTER_KEYS
              and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            if watched.isEnabled() and not event.isAutoRepeat():
                watched.animateClick()
            return True
        return False


_filter: _PlainButtonFilter | None = None


def _install() -> None:
    global _filter
    app = QCoreApplication.instance()
    if _filter is None and app is not None:
        _filter = _PlainButtonFilter(app)
        app.installEventFilter(_filter)
        _filter.destroyed.connect(_forget)


def _forget() -> None:
    global _filter
    _filter = None


def plain_buttons(window: QWidget) -> None:
    """Keep every push button of ``window`` (a dialog) plain, now and later; see the module
    docstring. Call it before the window is shown, after any ``setDefault(True)``."""
    window.setProperty(PLAIN_WINDOW, True)
    for button in window.findChildren(QPushButton):
        make_plain(button)
    _install()
