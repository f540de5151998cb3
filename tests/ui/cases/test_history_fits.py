"""The case's History & audit tab fits a 1024x768 window in the app's theme at its minimum
font: the change table, the dissemination log (its legal basis was cut off) and the
audit trail show every column without scrolling sideways, every heading reads whole, the
time whole, and a text too long for its column ends in "…" with the whole text in its
tooltip (ColumnFit, as the Cases table and Sync › Conflicts do)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.core import dissemination
from btam_desktop.core.dissemination import Release
from btam_desktop.ui.case.history_tab import HistoryTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.small_screens import settle

REASON = ("Two more e-mails to the HR manager this week; the last one says he knows where "
          "she parks and when she leaves the building")
RECIPIENT = "Detective Sergeant M. Alvarez, Harlow County Sheriff's Office threat unit"
PURPOSE = "Joint risk assessment ahead of the disciplinary hearing on the 14th"
BASIS = "State Code 19.2-389 (criminal justice agency), supervisor approval on file"


def fits(table: QTableView, main: QWidget) -> None:
    """Every column on screen, headings whole, the table inside the window."""
    model = table.model()
    header = table.horizontalHeader()
    viewport = table.viewport().width()
    name = table.accessibleName()
    assert table.horizontalScrollBar().maximum() == 0, name
    for column in range(model.columnCount()):
        assert not table.isColumnHidden(column), (name, column)
        right = header.sectionPosition(column) + header.sectionSize(column)
        assert right <= viewport, (name, column, right, viewport)
        heading = str(model.headerData(column, Qt.Orientation.Horizontal))
        assert header.sectionSize(column) >= \
            header.fontMetrics().horizontalAdvance(heading) + 12, (name, heading)
    assert table.mapTo(main, table.rect().topRight()).x() < main.width(), name
    assert table.textElideMode() == Qt.TextElideMode.ElideRight and not table.wordWrap()


def test_the_history_tab_fits_1024_without_scrolling_sideways(
        qtbot: QtBot, cases_app: CasesApp, tmp_path: Path, themed: None) -> None:
    app = cases_app
    session = app.controller.session
    assert session is not None
    case = app.seeded.school
    session.store.update_case(case, {"concern": "imminent"}, reason=REASON)
    session.store.update_case(case, {"tier": "selective"}, reason="Weekly contact agreed")
    dissemination.write_export(session, tmp_path / "report.pdf", b"%PDF-1.4 synthetic",
                               what="case_report", case_id=case,
                               release=Release(RECIPIENT, PURPOSE, BASIS),
                               redaction_profile="school_partner")
    app.main.resize(1024, 768)
    app.main.show()
    qtbot.waitExposed(app.main)
    view = app.page.open_case(case)
    assert view is not None
    tab = view.show_tab(HistoryTab)
    assert isinstance(tab, HistoryTab)
    settle()
    assert tab.changes.rowCount() == 2 and tab.disseminations.rowCount() == 1
    for table in (tab.changes_table, tab.disseminations_table, tab.audit_table):
        fits(table, app.main)
    # The time reads whole in every table; long texts give way ("…"), the tooltip is whole.
    for table in (tab.changes_table, tab.disseminations_table, tab.audit_table):
        model = table.model()
        when = model.index(0, 0)
        assert table.fontMetrics().horizontalAdvance(str(when.data())) + 8 <= \
            table.horizontalHeader().sectionSize(0), table.accessibleName()
    reason = tab.changes.index(0, 2)  # newest first: the tier change; the concern below
    assert tab.changes.index(1, 2).data(Qt.ItemDataRole.ToolTipRole) == REASON
    assert reason.data(Qt.ItemDataRole.ToolTipRole) == reason.data()
    for column, text in ((3, RECIPIENT), (4, PURPOSE), (5, BASIS)):
        assert tab.disseminations.index(0, column).data(Qt.ItemDataRole.ToolTipRole) == text
    # Who exported and what are short: they read whole (a log row showed "Da…" and
    # "Case …" beside the long texts); the redaction next, its tooltip whole.
    log = tab.disseminations_table
    redaction = tab.disseminations.index(0, 6)
    assert redaction.data(Qt.ItemDataRole.ToolTipRole) == redaction.data() == "School partner"
    for column in (1, 2):
        text = str(tab.disseminations.index(0, column).data())
        assert log.fontMetrics().horizontalAdvance(text) + 8 <= \
            log.horizontalHeader().sectionSize(column), text
