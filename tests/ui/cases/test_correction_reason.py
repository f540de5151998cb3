"""A correction asks why and shows what it changes, old → new, before it is saved; the
reason is kept and shown with the correction (issue 9)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.entry_dialog import EntryDialog
from btam_desktop.ui.case.timeline_tab import TimelineTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import open_school, session_of


def test_a_correction_needs_a_reason_and_shows_old_and_new(qtbot: QtBot,
                                                          cases_app: CasesApp) -> None:
    app = cases_app
    store = session_of(app).store
    entry = store.add_entry(app.seeded.school, "contact", "Met the father at home",
                            details="He was calm", occurred_at="2026-03-02T10:00")
    dialog = EntryDialog(session_of(app), entry.case_id, "contact", app.main, original=entry)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.changes.text() == "Nothing changed yet."
    dialog.accept()  # nothing changed: refused, the dialog stays
    assert dialog.isVisible() and "Nothing is changed" in dialog.message.text()
    dialog.summary.setText("Met the mother at home")
    assert dialog.changes.text() == (
        "Summary: Met the father at home \u2192 Met the mother at home")
    dialog.accept()  # no reason: refused, the cursor goes to the reason
    assert dialog.isVisible() and "why" in dialog.message.text()
    assert dialog.focusWidget() is dialog.reason
    qtbot.keyClicks(dialog.reason, "Wrong parent written down")
    dialog.accept()
    assert not dialog.isVisible()
    newer_id = store.get_entry(entry.id).superseded_by
    assert newer_id is not None
    assert store.correction_reason(newer_id) == "Wrong parent written down"

    view = open_school(app)
    timeline = view.show_tab(TimelineTab)
    assert isinstance(timeline, TimelineTab)
    qtbot.waitUntil(lambda: any(e.id == newer_id for e in timeline.model.records()),
                    timeout=3000)
    row = next(r for r, e in enumerate(timeline.model.records()) if e.id == newer_id)
    timeline.table.selectRow(row)
    assert "Reason for the correction: Wrong parent written down" in \
        timeline.details.toPlainText()
