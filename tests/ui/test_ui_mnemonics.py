"""Underlined letters (mnemonics): unique among what a window shows, and Alt+letter reaches the
widget showing the letter. Walks every section, every tab of an open case and every dialog its
"…" buttons open."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QGroupBox,
    QLabel,
    QMenuBar,
    QMessageBox,
    QTabBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.pages.cases import CasesPage
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import unlock

Make = Callable[..., AppController]
PROBLEMS: list[str] = []
MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def letter(text: str) -> str | None:
    """The underlined letter of ``text`` (lower case), if any."""
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisible() and widget.window() is window


def mnemonics(window: QWidget) -> Iterator[tuple[str, str, QWidget]]:
    """(letter, text, widget) for everything ``window`` shows with an underlined letter."""
    for widget in window.findChildren(QWidget):
        if not _shown(widget, window):
            continue
        if isinstance(widget, QAbstractButton) or (
                isinstance(widget, QLabel) and widget.buddy() is not None):
            texts = [widget.text()]
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            texts = [widget.title()]
        elif isinstance(widget, QTabBar):
            texts = [widget.tabText(i) for i in range(widget.count())
                     if widget.isTabVisible(i)]
        elif isinstance(widget, QMenuBar):
            texts = [a.text() for a in widget.actions() if a.isVisible()]
        else:
            continue
        for text in texts:
            found = letter(text)
            if found:
                yield found, text, widget


def check_window(qtbot: QtBot, window: QWidget, where: str) -> None:
    """No letter twice; a button's Alt+letter is its shortcut; a label's moves to its field."""
    seen: dict[str, str] = {}
    for found, text, widget in mnemonics(window):
        if found in seen:
            PROBLEMS.append(f"{where}: Alt+{found.upper()} is both {seen[found]!r} and {text!r}")
        seen[found] = text
        if isinstance(widget, QAbstractButton) and (
                widget.shortcut() != QKeySequence.mnemonic(text)):
            PROBLEMS.append(f"{where}: {text!r} shows Alt+{found.upper()} but its shortcut "
                            f"is {widget.shortcut().toString()!r}")
    if any(where in p for p in PROBLEMS):
        return  # a duplicate letter goes to one of its widgets only
    if not window.isActiveWindow():  # shortcuts work in the active window only
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    for widget in window.findChildren(QLabel):
        buddy = widget.buddy()
        found = letter(widget.text())
        if not _shown(widget, window) or buddy is None or not found or not buddy.isEnabled():
            continue
        start = QApplication.focusWidget() or window
        qtbot.keyClick(start, Qt.Key(ord(found.upper())), Qt.KeyboardModifier.AltModifier)
        focus = QApplication.focusWidget()
        if not (focus is buddy or (focus is not None and buddy.isAncestorOf(focus))):
            PROBLEMS.append(f"{where}: Alt+{found.upper()} ({widget.text()!r}) went to "
                            f"{focus!r}")


def _seed(path: Path) -> str:
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS)
    store = session.store
    case = store.create_case("Letters to the mayor's office", concern="moderate")
    person = store.add_person("Marsh", "Evan")
    store.link_person(case.id, person.id, "person_of_concern")
    store.add_note(case.id, "Seen near the town hall")
    store.add_partner("Riverbend Behavioral Health", "mental_health")
    session.lock()
    return case.id


def _close(dialog: QWidget) -> None:
    for box in dialog.findChildren(QMessageBox):
        box.done(0)
    if isinstance(dialog, QDialog):
        discard = getattr(dialog, "discard", None)
        if callable(discard):
            discard()
        else:
            dialog.reject()
    dialog.hide()
    dialog.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _dialogs_of(qtbot: QtBot, main: QWidget, host: QWidget, where: str) -> int:
    """Press every enabled "…" button of ``host`` and check the dialog it opens."""
    checked = 0
    buttons = [b for b in host.findChildren(QAbstractButton)
               if b.isVisible() and b.isEnabled() and b.text().endswith("\u2026")
               and getattr(b, "menu", lambda: None)() is None]
    for button in buttons:
        before = {w for w in QApplication.topLevelWidgets() if w.isVisible()}
        button.click()
        opened = [w for w in QApplication.topLevelWidgets()
                  if w.isVisible() and w not in before and isinstance(w, QDialog)]
        for dialog in opened:
            qtbot.waitExposed(dialog)
            dialog.activateWindow()
            qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
            check_window(qtbot, dialog, f"{where} › {button.text()} dialog")
            checked += 1
            _close(dialog)
    return checked


def test_mnemonics_are_unique_and_reach_their_widget(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    PROBLEMS.clear()
    case_id = _seed(existing_vault)
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    main.resize(1024, 768)
    for key in main.page_keys():
        main.show_page(key)
        QApplication.processEvents()
        check_window(qtbot, main, f"section {key}")
    main.show_page("cases")
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    dialogs = _dialogs_of(qtbot, main, page.list, "Cases")
    view = page.open_case(case_id)
    assert view is not None
    for index in range(view.tabs.count()):
        view.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        where = f"case › {view.tabs.tabText(index)}"
        check_window(qtbot, main, where)
        table = getattr(view.tabs.currentWidget(), "table", None)
        if table is not None and table.model().rowCount():
            table.selectRow(0)
        dialogs += _dialogs_of(qtbot, main, view.tabs.currentWidget(), where)
    dialogs += _dialogs_of(qtbot, main, view.header, "case header")
    assert dialogs >= 8
    assert not PROBLEMS, "\n".join(PROBLEMS)
