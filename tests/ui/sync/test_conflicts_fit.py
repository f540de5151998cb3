"""Sync › Conflicts fits a 1024x768 window: every column is on screen without scrolling
sideways ("Other value" was off-screen), the headings read whole, and a value too long for
its column ends in "…" with the whole text in its tooltip (as the Cases table does)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.pages.sync import SyncPage
from tests.ui.small_screens import settle

from .conftest import conflicting

LONG_A = ("Summary typed on laptop A: the subject wrote to the HR manager three times this "
          "week, the last e-mail mentions knowing where she parks")
LONG_B = ("Summary typed on laptop B: after the meeting the subject said he had nothing left "
          "to lose and asked a colleague about the building's exits")



def test_every_conflict_column_is_on_screen_at_1024(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path, themed: None) -> None:
    a, b = pair
    conflicting(a, b, tmp_path, concern=("high", "imminent"), summary=(LONG_A, LONG_B))
    main = MainWindow(a)
    qtbot.addWidget(main)
    main.resize(1024, 768)
    main.show()
    qtbot.waitExposed(main)
    main.show_page("sync")
    page = main.page("sync")
    assert isinstance(page, SyncPage)
    page.show_conflicts()
    settle()
    table = page.queue.table
    model = table.model()
    header = table.horizontalHeader()
    viewport = table.viewport().width()
    assert model.rowCount() == 2
    assert table.horizontalScrollBar().maximum() == 0
    for column in range(model.columnCount()):
        assert not table.isColumnHidden(column)
        right = header.sectionPosition(column) + header.sectionSize(column)
        assert right <= viewport, (column, right, viewport)
        heading = str(model.headerData(column, Qt.Orientation.Horizontal))
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(heading) \
            + 12, heading
    # The table ends inside the window (not cut by the page or a scroll area around it).
    table_right = table.mapTo(main, table.rect().topRight()).x()
    assert table_right < main.width()
    # The field (bold when critical: "⚠ Critical: Concern level") and the record read
    # whole; the kind whole or, when narrow, in its tooltip; long values end in "…", the
    # tooltip has them whole.
    metrics = table.fontMetrics()
    bold = QFont(table.font())
    bold.setBold(True)
    for row in range(model.rowCount()):
        for column, font in ((0, QFontMetrics(bold)), (1, metrics)):
            text = str(model.index(row, column).data())
            assert font.horizontalAdvance(text) + 8 <= header.sectionSize(column), text
        kind = model.index(row, 2)
        assert kind.data(Qt.ItemDataRole.ToolTipRole) == kind.data()
        summary_row = model.index(row, 0).data().endswith("Summary")
        for column in (3, 4):
            tip = str(model.index(row, column).data(Qt.ItemDataRole.ToolTipRole))
            if summary_row:
                assert tip in (LONG_A, LONG_B), tip
    assert table.textElideMode() == Qt.TextElideMode.ElideRight and not table.wordWrap()
