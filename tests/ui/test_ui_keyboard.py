"""The keyboard everywhere: application-wide shortcuts that do not depend on where the focus is,
the Go menu's labels, Help › Keyboard shortcuts generated from the keys actually bound."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.ui import keys
from btam_desktop.ui.case.case_dialogs import NewCaseDialog
from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.pages.cases import CasesPage
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import unlock

Make = Callable[..., AppController]


def _with_case(path: Path) -> str:
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS)
    case = session.store.create_case("Letters to the mayor's office", concern="moderate")
    session.lock()
    return case.id


def _cases(main: MainWindow) -> CasesPage:
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    return page


def test_ctrl_n_opens_a_new_case_from_any_section(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    for key in ("dashboard", "people", "settings"):
        main.show_page(key)
        main.nav.setFocus()
        qtbot.keyClick(main.nav, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        [dialog] = [d for d in main.findChildren(NewCaseDialog) if d.isVisible()]
        assert main.current_key() == "cases"
        dialog.reject()
        assert not dialog.isVisible()
        dialog.deleteLater()


def test_search_keys_work_from_any_section(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    main.show_page("audit")
    main.nav.setFocus()
    qtbot.keyClick(main.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert main.current_key() == "cases"
    assert _cases(main).list.search.hasFocus()


def test_case_keys_work_wherever_the_focus_is(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    """Esc, Alt+Left and Ctrl+W worked only with the focus inside the case; on the tab bar
    or in the sidebar they did nothing."""
    case_id = _with_case(existing_vault)
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    page = _cases(main)
    main.show_page("cases")
    outside: list[Callable[[], QWidget]] = [lambda: page.tabs.tabBar(), lambda: main.nav]
    for where in outside:
        for key, modifier in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                              (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)):
            page.open_case(case_id)
            widget = where()
            widget.setFocus()
            assert widget.hasFocus()
            qtbot.keyClick(widget, key, modifier)
            assert page.tabs.currentIndex() == 0, (widget, key)
        page.open_case(case_id)
        widget = where()
        widget.setFocus()
        qtbot.keyClick(widget, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
        assert page.case_view(case_id) is None, widget
    # On the list itself, Esc is an ordinary key again.
    page.show_list()
    assert not page.back_action.isEnabled() and not page.close_action.isEnabled()


def test_go_menu_shows_the_section_names(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    texts = [a.text() for a in main.go_menu.actions()
             if keys.bound_entry(a) is keys.SECTION]
    assert len(texts) == main.nav.count() == 9  # every section, Audit and Settings too
    shown = [re.sub(r"&(.)", r"\1", text) for text in texts]  # what Qt draws
    assert "Partners & resources" in shown
    assert all(not re.search(r"(?<!&)&(?!&)", t.replace("&&", "")) for t in texts)


def _bound(window: QWidget) -> list[tuple[QKeySequence, keys.Keys | None, QObjectLike]]:
    found: list[tuple[QKeySequence, keys.Keys | None, QObjectLike]] = []
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            found.append((sequence, keys.bound_entry(action), action))
    for shortcut in window.findChildren(QShortcut):
        found.append((shortcut.key(), keys.bound_entry(shortcut), shortcut))
    for button in window.findChildren(QAbstractButton):
        sequence = button.shortcut()
        # A label's "&" gives the button Alt+letter: a mnemonic, tested elsewhere.
        if not sequence.isEmpty() and not sequence.toString().startswith("Alt+"):
            found.append((sequence, None, button))
    return found


QObjectLike = object


def test_help_lists_every_shortcut_bound_and_nothing_else(
    qtbot: QtBot, make_controller: Make, existing_vault: Path
) -> None:
    """Help › Keyboard shortcuts is generated from the table the code binds through: every
    shortcut found in the running windows (main window, an open case, a form, a dialog) was
    bound from the table, and every entry of the table is bound somewhere."""
    case_id = _with_case(existing_vault)
    main = unlock(qtbot, make_controller(existing_vault), LEAD_PASS)
    page = _cases(main)
    main.show_page("cases")
    view = page.open_case(case_id)
    assert view is not None
    forms = view.show_tab(FormsTab)
    assert isinstance(forms, FormsTab)
    form = forms.start_form("contact_log")
    dialog = page.new_case()
    assert form is not None and dialog is not None
    seen: set[str] = set()
    for sequence, entry, owner in _bound(main):
        assert entry is not None, f"{sequence.toString()} on {owner!r} is not in ui/keys.py"
        assert sequence.toString() in {QKeySequence(s).toString() for s in entry.sequences}
        seen.add(entry.name)
    assert seen == set(keys.TABLE), set(keys.TABLE) - seen

    help_dialog = main.show_shortcuts()
    assert help_dialog.isVisible()
    listed = help_dialog.text()
    for entry in keys.TABLE.values():
        assert entry.text in listed and entry.label() in listed
    assert "Ctrl+Enter" in listed and "Ctrl+Return" not in listed
    help_action = next(a for a in main.help_menu.actions() if "Keyboard" in a.text())
    assert help_action.shortcut().toString() == "Ctrl+/"
    help_dialog.close()
    QApplication.processEvents()
