"""After the officer changes the concern level (or anything else that writes a timeline entry
of theirs), the Timeline shows that new entry: selected, in the reading pane and scrolled into
view. Before, the old row stayed selected and the new entry was out of sight at the bottom.
An entry arriving from someone else (a sync) does not move the officer's selection."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.case_dialogs import ConcernDialog
from btam_desktop.ui.case.timeline_tab import TimelineTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import session_of


def in_view(timeline: TimelineTab, row: int) -> bool:
    table = timeline.table
    rect = table.visualRect(table.model().index(row, 0))
    return rect.isValid() and table.viewport().rect().contains(rect)


def test_a_concern_change_selects_its_new_timeline_entry(qtbot: QtBot,
                                                        cases_app: CasesApp) -> None:
    app = cases_app
    store = session_of(app).store
    for n in range(14):
        store.add_entry(app.seeded.school, "contact", f"Contact number {n}",
                        occurred_at=f"2026-03-{n + 1:02d}T10:00")
    app.main.resize(1366, 768)
    app.main.show()
    qtbot.waitExposed(app.main)
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    # The officer reads an old entry at the top.
    timeline.table.selectRow(0)
    timeline.table.scrollToTop()
    old = timeline.selected(timeline.table)
    assert old is not None and not in_view(timeline, timeline.model.rowCount() - 1)

    view.header.change_concern()
    dialog = app.main.findChild(ConcernDialog)
    assert dialog is not None
    dialog.level.setCurrentIndex(dialog.level.findData("imminent"))
    qtbot.keyClicks(dialog.rationale, "Bought a weapon after the suspension")
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClick(dialog.rationale, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(e.kind == "concern_change"
                                for e in timeline.model.records()), timeout=3000)

    def new_entry_shown() -> bool:
        entry = timeline.selected(timeline.table)
        row = timeline.table.currentIndex().row()
        return (entry is not None and entry.kind == "concern_change"
                and in_view(timeline, row)
                and "Bought a weapon" in timeline.details.toPlainText())

    qtbot.waitUntil(new_entry_shown, timeout=3000)


def test_an_entry_from_someone_else_leaves_the_selection_alone(
        qtbot: QtBot, cases_app: CasesApp, monkeypatch: pytest.MonkeyPatch) -> None:
    app = cases_app
    session = session_of(app)
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    timeline.table.selectRow(0)
    old = timeline.selected(timeline.table)
    assert old is not None
    # Someone else's entry, as a sync brings it (another member's device writes it).
    entries = session.store.timeline(app.seeded.school)
    foreign = replace(entries[-1], id="foreign-entry", author_id="someone-else",
                      occurred_at="2099-01-01T00:00")
    monkeypatch.setattr(session.store, "timeline", lambda _case: [*entries, foreign])
    timeline.refresh()
    assert timeline.model.records()[-1].id == "foreign-entry"
    assert timeline.selected(timeline.table) == old
