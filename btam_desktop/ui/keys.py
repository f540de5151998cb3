"""Every keyboard shortcut of the application, in one table, and the only way to bind one.

Each :class:`Keys` entry says where it works, what it does and its key sequences. Code binds a
shortcut only through :func:`bind` (a ``QAction`` added to a widget) or :func:`bind_shortcut`
(``QShortcut`` objects), which mark what they create with the entry's name. Help › Keyboard
shortcuts lists this table, and a test walks the running windows and fails on any shortcut
bound some other way and on any entry bound nowhere, so the list cannot drift from the keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

#: Dynamic property naming the table entry a QAction or QShortcut was bound for.
KEYS_PROPERTY = "btamKeys"


@dataclass(frozen=True)
class Keys:
    """One shortcut: where it works, what it does, its key sequences (portable text)."""

    name: str
    area: str
    text: str
    sequences: tuple[str, ...]

    def sequences_qt(self) -> list[QKeySequence]:
        return [QKeySequence(each) for each in self.sequences]

    def label(self) -> str:
        """The keys as shown to the officer ("Ctrl+Enter", "Esc or Alt+Left")."""
        shown = [QKeySequence(each).toString(QKeySequence.SequenceFormat.NativeText)
                 for each in self.sequences if each != "Ctrl+Return"]
        return " or ".join(shown)

    def hint(self, text: str) -> str:
        """``text`` with the keys in brackets, for a tooltip."""
        return f"{text} ({self.label()})"


TABLE: dict[str, Keys] = {}
AREAS = ("Anywhere", "Cases", "An open case", "A form", "A dialog")


def _keys(name: str, area: str, text: str, *sequences: str) -> Keys:
    entry = Keys(name, area, text, sequences)
    TABLE[name] = entry
    return entry


# -- anywhere in the main window --------------------------------------------------------------
LOCK = _keys("lock", "Anywhere", "Lock the vault (in every window and dialog)", "Ctrl+L")
QUIT = _keys("quit", "Anywhere", "Lock and quit", "Ctrl+Q")
SECTION = _keys("section", "Anywhere", "Go to a section, numbered in the sidebar's order "
                "(1 Dashboard, 2 Cases, 3 People ... 9 Settings; the Go menu lists them)", *(
                    f"Ctrl+{n}" for n in range(1, 10)))
NEW_CASE = _keys("new_case", "Anywhere", "New case (from any section)", "Ctrl+N")
SEARCH = _keys("search", "Anywhere", "Search cases", "Ctrl+F")
SIDEBAR = _keys("sidebar", "Anywhere", "Show or hide the section names in the sidebar",
                "Ctrl+B")
HELP_KEYS = _keys("help_keys", "Anywhere", "This list of keyboard shortcuts", "Ctrl+/")
# -- the case list and open cases ---------------------------------------------------------------
BATCH_EXPORT = _keys("batch_export", "Cases",
                     "Export the case reports of the selected cases", "Ctrl+Shift+P")
SORT = _keys("sort", "Cases", "Sort the list by the column of the current cell (Left and "
             "Right move it); again: the other way round", "Ctrl+Shift+S")
BACK = _keys("back", "An open case", "Back to the case list (wherever the focus is)",
             "Esc", "Alt+Left")
CLOSE_CASE = _keys("close_case", "An open case", "Close the case shown", "Ctrl+W")
EXPORT_PDF = _keys("export_pdf", "An open case", "Export PDF: the selected form on the Forms "
                   "tab, otherwise the case report", "Ctrl+P")
CONCERN = _keys("concern", "An open case", "Change the concern level", "Ctrl+Shift+C")
ADD_PERSON = _keys("add_person", "An open case", "Add a person (People tab)", "Ctrl+Shift+A")
ADD_ENTRY = _keys("add_entry", "An open case", "Add a timeline entry (Timeline tab)",
                  "Ctrl+Shift+E")
START_FORM = _keys("start_form", "An open case", "Start a form (Forms tab)", "Ctrl+Shift+F")
IMPORT_PDF = _keys("import_pdf", "An open case", "Import a filled PDF form (Forms tab)",
                   "Ctrl+Shift+I")
# -- a form -------------------------------------------------------------------------------------
FORM_SAVE = _keys("form_save", "A form", "Save the draft now", "Ctrl+S")
FORM_COMPLETE = _keys("form_complete", "A form",
                      "Complete (asks first; again to confirm); in an amendment: save it",
                      "Ctrl+Return", "Ctrl+Enter")
FORM_SECTIONS = _keys("form_sections", "A form", "Jump to a section", "Ctrl+J")
FORM_GUIDANCE = _keys("form_guidance", "A form", "Show or hide the guidance", "F1")
# -- dialogs ------------------------------------------------------------------------------------
DIALOG_OK = _keys("dialog_ok", "A dialog", "Save (from a multi-line field too)",
                  "Ctrl+Return", "Ctrl+Enter")


def _mark(obj: QObject, entry: Keys) -> None:
    obj.setProperty(KEYS_PROPERTY, entry.name)


def bind(widget: QWidget, entry: Keys, slot: Callable[[], Any], *,
         context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
         text: str = "") -> QAction:
    """A QAction with ``entry``'s keys on ``widget``: by default wherever the focus is in its
    window, while ``widget`` is on screen (Qt ignores the shortcuts of hidden widgets)."""
    action = QAction(text or entry.text, widget)
    action.setShortcuts(entry.sequences_qt())
    action.setShortcutContext(context)
    action.triggered.connect(lambda _checked=False: slot())
    _mark(action, entry)
    widget.addAction(action)
    return action


def action(parent: QObject, entry: Keys, text: str) -> QAction:
    """A QAction for a menu with ``entry``'s keys (the caller adds it where it applies)."""
    made = QAction(text, parent)
    made.setShortcuts(entry.sequences_qt())
    _mark(made, entry)
    return made


def bind_shortcut(widget: QWidget, entry: Keys, slot: Callable[[], Any], *,
                  context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
                  ) -> list[QShortcut]:
    """One QShortcut per key sequence of ``entry`` on ``widget``."""
    made = []
    for sequence in entry.sequences_qt():
        shortcut = QShortcut(sequence, widget, context=context)
        shortcut.activated.connect(slot)
        _mark(shortcut, entry)
        made.append(shortcut)
    return made


def bound_entry(obj: QObject) -> Keys | None:
    """The table entry ``obj`` (a QAction or QShortcut) was bound for, if any."""
    name = obj.property(KEYS_PROPERTY)
    return TABLE.get(name) if isinstance(name, str) else None


def by_area() -> list[tuple[str, list[Keys]]]:
    """The table grouped by area, in :data:`AREAS` order."""
    return [(area, [k for k in TABLE.values() if k.area == area]) for area in AREAS]
