"""One shared listener for the application's focus changes.

The form view (guidance, section list, revealing hidden answers) and the draft controller
(save when the focus leaves the form) both follow ``QApplication.focusChanged``. Rather than
each connecting to that application-wide signal, and relying on the binding to drop the
connection when a view is deleted, they register here: one connection for the process, and
a listener whose Qt object is gone is simply skipped and forgotten.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid

FocusListener = Callable[[QWidget | None, QWidget | None], None]


class FocusWatcher(QObject):
    """Calls registered methods with (old, new) on every focus change."""

    _instance: FocusWatcher | None = None

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._listeners: list[weakref.WeakMethod[FocusListener]] = []
        app.focusChanged.connect(self._changed)

    @classmethod
    def watch(cls, method: FocusListener) -> None:
        """Register a bound method of a QObject; it is called until that object is deleted
        (or :meth:`unwatch` is called)."""
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        if cls._instance is None or not isValid(cls._instance):
            cls._instance = FocusWatcher(app)
        cls._instance._listeners.append(weakref.WeakMethod(method))

    @classmethod
    def unwatch(cls, method: FocusListener) -> None:
        watcher = cls._instance
        if watcher is None or not isValid(watcher):
            return
        watcher._listeners = [ref for ref in watcher._listeners if ref() != method]

    def _changed(self, old: QWidget | None, new: QWidget | None) -> None:
        alive: list[weakref.WeakMethod[FocusListener]] = []
        calls: list[FocusListener] = []
        for ref in self._listeners:
            method = ref()
            owner = getattr(method, "__self__", None)
            if method is None or owner is None or not isValid(owner):
                continue
            alive.append(ref)
            calls.append(method)
        self._listeners = alive
        for method in calls:
            owner = getattr(method, "__self__", None)
            if owner is not None and isValid(owner):  # an earlier listener may delete it
                method(old, new)
