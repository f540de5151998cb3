"""The selected timeline entry stays in view when the table changes size (issue 9 walk at
1366x768: a case opened with the newest entry in the reading pane while the table showed
older rows, the table having got its size after the selection)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.timeline_tab import TimelineTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import session_of


def test_the_selected_entry_stays_in_view_when_the_table_shrinks(qtbot: QtBot,
                                                        cases_app: CasesApp) -> None:
    app = cases_app
    store = session_of(app).store
    for n in range(12):
        store.add_entry(app.seeded.school, "contact", f"Contact number {n}",
                        occurred_at=f"2026-03-{n + 1:02d}T10:00")
    app.main.resize(1366, 1400)  # every row fits: nothing to scroll yet
    app.main.show()
    qtbot.waitExposed(app.main)
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    table = timeline.table

    def newest_in_view() -> bool:
        row = table.currentIndex().row()
        rect = table.visualRect(table.model().index(row, 0))
        return row == table.model().rowCount() - 1 and rect.isValid() and \
            table.viewport().rect().contains(rect)

    qtbot.waitUntil(newest_in_view, timeout=3000)
    app.main.resize(1366, 700)  # the table shrinks (a smaller screen, the pane dragged up)
    qtbot.waitUntil(newest_in_view, timeout=3000)
