"""Partners & resources: directory table, search, discipline filter, add and edit dialogs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import DISCARD_TITLE, RecordDialog
from btam_desktop.ui.pages.partners import PartnerDialog, PartnersPage
from tests.ui.pages.conftest import LEAD_PASS, Host

MakeHost = Callable[..., Host]


def _directory(session: Session) -> None:
    store = session.store
    store.add_partner("Harlow Valley Counselling", "mental_health", contact_name="R. Lind",
                      phone="555-0101", services="Crisis counselling; threat assessment")
    store.add_partner("Lakeside High School", "school", contact_name="Principal Okafor")
    store.add_partner("Food bank on Quarry Road", "social_services", kind="resource",
                      services="Groceries, weekday mornings")


def _page(host: MakeHost, session: Session) -> PartnersPage:
    window = host(session)
    page = PartnersPage(session, window.events)
    window.put(page)
    return page


def _names(page: PartnersPage) -> list[str]:
    return [page.model.partner(r).name for r in range(page.model.rowCount())]


def _fill(qtbot: QtBot, dialog: PartnerDialog, field: str, text: str) -> None:
    widget = dialog.fields[field]
    if isinstance(widget, QLineEdit):
        widget.clear()
        qtbot.keyClicks(widget, text)
    else:
        widget.setPlainText(text)


def test_directory_search_and_filters(qtbot: QtBot, host: MakeHost, lead: Session,
                                      qtmodeltester: ModelTester) -> None:
    _directory(lead)
    page = _page(host, lead)
    qtmodeltester.check(page.model)
    assert _names(page) == ["Food bank on Quarry Road", "Harlow Valley Counselling",
                            "Lakeside High School"]
    assert page.model.index(1, 2).data() == "Mental health"
    assert page.model.index(0, 1).data() == "Resource"
    page.discipline.setCurrentIndex(page.discipline.findData("school"))
    assert _names(page) == ["Lakeside High School"]
    page.discipline.setCurrentIndex(0)
    qtbot.keyClicks(page.search, "crisis")
    qtbot.waitUntil(lambda: _names(page) == ["Harlow Valley Counselling"], timeout=2000)
    assert "1 entry match" in page.summary.text()
    page.search.clear()
    page.kind.setCurrentIndex(page.kind.findData("resource"))
    assert _names(page) == ["Food bank on Quarry Road"]


def test_add_a_partner(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    page = _page(host, lead)
    dialog = page.add_partner()
    assert dialog.isVisible()
    save = dialog.ok_button  # the dialog base's OK, saying what it does
    assert save.text() == "&Add"
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)  # no name yet: stays open
    assert dialog.isVisible()
    assert "name" in dialog.message.text()
    _fill(qtbot, dialog, "name", "Harlow County Victim Services")
    dialog.discipline.setCurrentIndex(dialog.discipline.findData("victim_services"))
    _fill(qtbot, dialog, "phone", "555-0177")
    _fill(qtbot, dialog, "services", "Safety planning\nCourt accompaniment")
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert _names(page) == ["Harlow County Victim Services"]
    partner = lead.store.partners()[0]
    assert partner.discipline == "victim_services"
    assert partner.services == "Safety planning\nCourt accompaniment"
    assert page.selected_partner() is not None


def test_edit_a_partner(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    _directory(lead)
    page = _page(host, lead)
    page.table.selectRow(1)
    dialog = page.edit_selected()
    assert dialog is not None
    assert dialog.fields["name"].text() == "Harlow Valley Counselling"  # type: ignore[union-attr]
    _fill(qtbot, dialog, "contact_name", "Dr. R. Lind")
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        dialog.accept()
    assert page.model.index(1, 5).data() == "Dr. R. Lind"
    assert lead.store.audit_trail(limit=1)[0].action == "partner.update"


def test_the_resource_map_fields_are_shown_and_edited(qtbot: QtBot, host: MakeHost,
                                                      lead: Session) -> None:
    _directory(lead)
    page = _page(host, lead)
    page.table.selectRow(1)  # Harlow Valley Counselling
    dialog = page.edit_selected()
    assert dialog is not None
    assert dialog.wait.text() == "not known" and not dialog.tiers["intensive"].isChecked()
    dialog.tabs.setCurrentIndex(1)
    dialog.tiers["selective"].setChecked(True)
    dialog.tiers["intensive"].setChecked(True)
    dialog.ages["adults"].setChecked(True)
    qtbot.keyClicks(dialog.map_inputs["area_served"], "Harlow County")
    qtbot.keyClicks(dialog.map_inputs["hours"], "Mon-Fri 8-6")
    qtbot.keyClicks(dialog.map_inputs["capacity"], "12 places")
    dialog.wait.setValue(42)
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        dialog.accept()
    partner = next(p for p in lead.store.partners() if p.name.startswith("Harlow"))
    assert partner.tiers == ("selective", "intensive") and partner.ages == ("adults",)
    assert (partner.area_served, partner.hours, partner.capacity, partner.wait_days) == (
        "Harlow County", "Mon-Fri 8-6", "12 places", 42)
    assert page.model.index(1, 3).data() == "selective, intensive"
    assert page.model.index(1, 4).data() == "6 weeks"
    again = page.edit_selected()
    assert again is not None
    assert again.wait.value() == 42 and again.ages["adults"].isChecked()
    assert again.map_inputs["hours"].text() == "Mon-Fri 8-6"
    again.wait.setValue(-1)  # back to "not known"
    with qtbot.waitSignal(again.saved, timeout=2000):
        again.accept()
    assert next(p for p in lead.store.partners() if p.name.startswith("Harlow")
                ).wait_days is None
    # Fits a 768-pixel-high screen.
    third = page.edit_selected()
    assert third is not None
    assert third.sizeHint().height() <= 700


def test_a_refused_entry_keeps_the_dialog_open_with_what_was_typed(
    qtbot: QtBot, host: MakeHost, lead: Session
) -> None:
    page = _page(host, lead)
    dialog = page.add_partner()
    name = dialog.fields["name"]
    assert isinstance(name, QLineEdit)
    name.setMaxLength(30_000)
    name.setText("x" * 20_000)  # longer than the store accepts
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.message.isVisible()
    assert dialog.fields["name"].text()  # type: ignore[union-attr]


def test_analysts_read_only(qtbot: QtBot, host: MakeHost, lead: Session,
                            vault_path: Path) -> None:
    _directory(lead)
    lead.add_member("Ana Lyst", "analyst", "Orchard-Velvet-Granite-9")
    analyst, _ = vault.unlock(vault_path, passphrase_text="Orchard-Velvet-Granite-9",
                              member="Ana Lyst")
    try:
        page = _page(host, analyst)
        assert page.model.rowCount() == 3
        assert not page.add_button.isVisible()
        assert not page.edit_button.isVisible()
        assert page.edit_partner(0) is None
    finally:
        analyst.lock()
    assert LEAD_PASS  # the lead's session is still the fixture's


def test_one_day_is_said_in_the_singular(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    # Found in the issue 9 walk: the Partners page said "1 days".
    _directory(lead)
    page = _page(host, lead)
    page.table.selectRow(1)
    dialog = page.edit_selected()
    assert dialog is not None
    dialog.wait.setValue(1)
    assert dialog.wait.text() == "1 day"
    dialog.wait.setValue(3)
    assert dialog.wait.text() == "3 days"
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        dialog.accept()
    assert page.model.index(1, 4).data() == "3 days"
    again = page.edit_selected()
    assert again is not None
    again.wait.setValue(1)
    with qtbot.waitSignal(again.saved, timeout=2000):
        again.accept()
    assert page.model.index(1, 4).data() == "1 day"
    assert again.wait.text() == "1 day"


def test_the_partner_dialog_is_on_the_dialog_base(qtbot: QtBot, host: MakeHost,
                                                  lead: Session) -> None:
    # One dialog scaffold (issue 9): Ctrl+Enter saves from any field, and Esc asks before
    # throwing typed input away, as in every other dialog that edits records.
    assert issubclass(PartnerDialog, RecordDialog)
    _directory(lead)
    page = _page(host, lead)
    page.table.selectRow(1)
    dialog = page.edit_selected()
    assert dialog is not None
    assert dialog.ok_button.text() == "&Save"
    qtbot.waitExposed(dialog)
    _fill(qtbot, dialog, "contact_name", "Dr. R. Lind")
    qtbot.keyClick(dialog.fields["contact_name"], Qt.Key.Key_Escape)
    box = dialog._discard_box
    assert box is not None and box.windowTitle() == DISCARD_TITLE
    box.reject()  # "Keep editing"
    assert dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    dialog.fields["contact_name"].setFocus()
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        qtbot.keyClick(dialog.fields["contact_name"], Qt.Key.Key_Return,
                       Qt.KeyboardModifier.ControlModifier)
    assert page.model.index(1, 5).data() == "Dr. R. Lind"
