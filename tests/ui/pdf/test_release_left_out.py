"""The Release dialog says, before export, which tagged entries and plan items the chosen
profile leaves out of this case's copy (issue 9)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from btam_desktop.ui.pdf.release import ReleaseDialog
from tests.ui.pdf.conftest import CasesApp
from tests.ui.pdf.test_pdf_dialogs import open_case, session_of


def test_release_dialog_lists_what_the_profile_leaves_out(qtbot: QtBot,
                                                          cases_app: CasesApp) -> None:
    app = cases_app
    store = session_of(app).store
    case_id = app.seeded.school
    for text in ("Crisis team evaluation", "Stressors at home", "Talked about therapy"):
        store.add_entry(case_id, "contact", text, sensitivity=["mental_health"])
    store.add_task(case_id, "Check probation terms", sensitivity=["criminal_history"])
    view = open_case(app, case_id)
    view.export_action.trigger()
    dialog = view.export_dialog
    assert isinstance(dialog, ReleaseDialog)
    assert not dialog.left_out.isVisible()  # no profile chosen yet
    dialog.set_profile("mental_health_partner")
    assert dialog.left_out.isVisible()
    assert dialog.left_out.text() == (
        "Left out of this copy: 1 plan item (criminal history).")
    dialog.set_profile("school_partner")  # tasks are a section it drops anyway
    assert dialog.left_out.text() == (
        "Left out of this copy: 3 timeline entries (mental health).")
    dialog.set_profile("none")
    assert not dialog.left_out.isVisible()
