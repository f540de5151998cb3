"""A partner typed half-way in Partners › Add comes back after Ctrl+L and the same member's
unlock, as the case dialogs do (held in memory only; see ui/held.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.pages.partners import PartnerDialog, PartnersPage
from tests.ui.cases.conftest import CasesApp
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import is_deleted, type_and_submit, unlock_window

NAME = "Harlow County Victim Services"


def test_a_partner_typed_before_a_lock_comes_back_after_unlock(qtbot: QtBot,
                                                                cases_app: CasesApp) -> None:
    app = cases_app
    app.main.show_page("partners")
    page = app.main.page("partners")
    assert isinstance(page, PartnersPage)
    dialog = page.add_partner()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    name = dialog.fields["name"]
    name.setFocus()
    qtbot.keyClicks(name, NAME)
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        qtbot.keyClick(name, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert is_deleted(dialog)
    with qtbot.waitSignal(app.controller.session_started, timeout=5000):
        type_and_submit(qtbot, unlock_window(app.controller), LEAD_PASS)
    main = app.controller.main_window
    assert main is not None
    again = next(d for d in main.findChildren(PartnerDialog) if d.isVisible())
    assert again.fields["name"].text() == NAME  # type: ignore[union-attr]
    assert again.ok_button.text() == "&Add"
    with qtbot.waitSignal(again.applied, timeout=3000):
        again.accept()
    session = app.controller.session
    assert session is not None
    assert NAME in [p.name for p in session.store.partners()]
