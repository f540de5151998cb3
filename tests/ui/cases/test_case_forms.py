"""The Forms tab: start any form as an autosaved draft, resume it, read a completed one
read-only with its own version, amend with a reason; drafts are saved before a lock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.case.form_dialog import AMEND, DRAFT, READ, FormDialog
from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.case.plan_tab import PlanTab
from btam_desktop.ui.pages.case_view import CaseView
from tests.core.test_submissions import valid_contact
from tests.ui.cases.conftest import CasesApp


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def forms_tab(app: CasesApp) -> tuple[CaseView, FormsTab]:
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    return view, tab


def test_start_menu_lists_every_available_form(cases_app: CasesApp) -> None:
    _view, tab = forms_tab(cases_app)
    titles = [a.text().rstrip("\u2026") for a in tab.start_menu.actions()]
    assert sorted(titles) == sorted(f.title for f in session_of(cases_app).forms.available())


def test_start_a_form_autosaves_a_draft_and_resume_it(qtbot: QtBot,
                                                      cases_app: CasesApp) -> None:
    app = cases_app
    _view, tab = forms_tab(app)
    tab.start_menu.actions()[0].trigger()
    dialog = app.main.findChild(FormDialog)
    assert dialog is not None and dialog.mode == DRAFT and dialog.controller is not None
    assert dialog.parent() is app.main
    form_id = dialog.view.form.id
    # The view reports an edit; the draft controller saves it within a second.
    with qtbot.waitSignal(dialog.controller.saved, timeout=2000):
        dialog.view.answersChanged.emit({"unknown_field_kept": "Half typed at the roadside"})
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=3000)
    draft = tab.model.record(0)
    assert draft.status == "draft" and draft.form_id == form_id
    assert tab.model.index(0, 2).data() == "Draft"
    dialog.reject()  # Esc / Close
    assert not dialog.isVisible()
    # Resume it with Enter on the row.
    tab.table.selectRow(0)
    assert tab.open_button.text() == "Res&ume"
    resumed = tab.open_selected()
    assert resumed is not None and resumed.mode == DRAFT
    assert resumed.controller is not None and resumed.controller.submission_id == draft.id
    resumed.reject()


def test_completed_form_reads_only_and_amends_with_a_reason(qtbot: QtBot,
                                                            cases_app: CasesApp) -> None:
    app = cases_app
    session = session_of(app)
    done = session.submissions.create(app.seeded.school, "contact_log",
                                      valid_contact(session), complete=True)
    _view, tab = forms_tab(app)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=3000)
    tab.table.selectRow(0)
    assert tab.model.index(0, 2).data() == "Complete"
    reader = tab.open_selected()
    assert reader is not None and reader.mode == READ
    assert reader.view.is_read_only()
    assert reader.view.form.version == done.form_version
    reader.reject()

    tab.table.selectRow(0)
    assert tab.amend_button.isEnabled()
    amend = tab.amend_selected()
    assert amend is not None and amend.mode == AMEND
    assert not amend.view.confirm_complete  # its reason and Save amendment are the question
    assert not amend.save_amendment()  # no reason: refused
    assert "reason" in amend.message.text()
    answers = dict(amend.view.answers(), next_step="Home visit on Monday")
    amend.view.set_answers(answers)
    qtbot.keyClicks(amend.reason, "Next step agreed with the counsellor")
    qtbot.mouseClick(amend.amend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=3000)
    states = sorted(tab.model.index(r, 2).data() for r in range(2))
    assert states == ["Amended (superseded)", "Complete"]
    notes = [tab.model.index(r, 6).data() for r in range(2)]  # after "Started by"
    assert "Amendment: Next step agreed with the counsellor" in notes


def test_plan_tab_summarises_the_latest_plan(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = session_of(app)
    session.submissions.create(app.seeded.school, "management_plan",
                               {"strategies_rationale": "Keep him engaged with school"},
                               strict=False)
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    plan = view.show_tab(PlanTab)
    assert isinstance(plan, PlanTab)
    assert "Draft" in plan.plan_state.text()
    texts = [plan.plan_lines.itemAt(i).widget().text()  # type: ignore[union-attr]
             for i in range(plan.plan_lines.count())]
    assert "Keep him engaged with school" in texts


def test_a_lock_saves_an_open_draft(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = session_of(app)
    _view, tab = forms_tab(app)
    dialog = tab.start_form("contact_log")
    assert dialog.controller is not None
    dialog.view.answersChanged.emit({"contact_summary": "Typed just before the lock"})
    # Locked before the autosave timer fired: the draft is written first, then the window goes.
    with qtbot.waitSignal(app.controller.locked, timeout=5000):
        app.controller.lock()
    from btam_desktop.core import vault
    from tests.ui.conftest import LEAD_PASS

    again, _ = vault.unlock(session.path, passphrase_text=LEAD_PASS)
    try:
        drafts = again.submissions.drafts(app.seeded.school, "contact_log")
        assert [d.answers.get("contact_summary") for d in drafts] == [
            "Typed just before the lock"]
    finally:
        again.lock()


def test_start_menu_lists_forms_in_the_order_of_work(cases_app: CasesApp) -> None:
    _view, tab = forms_tab(cases_app)
    ids = [a.toolTip().split(",")[0] for a in tab.start_menu.actions()]
    work = ["intake_referral", "screening_triage", "threat_inquiry", "warning_behaviours",
            "management_plan", "contact_log", "partner_referral", "case_review_closure",
            "external_instrument"]
    shipped = [form_id for form_id in work if form_id in ids]
    assert ids[:len(shipped)] == shipped
    others = [a.text() for a in tab.start_menu.actions()][len(shipped):]
    assert others == sorted(others, key=str.casefold)
    assert "contact_log" in shipped and "intake_referral" in shipped


def test_form_window_names_its_case_and_person_of_concern(qtbot: QtBot,
                                                          cases_app: CasesApp) -> None:
    app = cases_app
    session = session_of(app)
    number = session.store.get_case(app.seeded.school).number
    _view, tab = forms_tab(app)
    dialog = tab.start_form("contact_log")
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    expected = f"{dialog.view.form.title} \u2014 {number} \u2014 Daniel Okafor"
    assert dialog.windowTitle().startswith(expected)
    assert dialog.case_label.isVisible()
    assert number in dialog.case_label.text() and "Daniel Okafor" in dialog.case_label.text()
    dialog.reject()
    # A case without a person of concern: the number alone.
    other = session.store.get_case(app.seeded.letters)
    letters = app.page.open_case(app.seeded.letters)
    assert letters is not None
    letters_tab = letters.show_tab(FormsTab)
    assert isinstance(letters_tab, FormsTab)
    second = letters_tab.start_form("contact_log")
    qtbot.waitUntil(second.isVisible, timeout=3000)
    assert second.windowTitle().startswith(
        f"{second.view.form.title} \u2014 {other.number} (version ")
    assert second.case_label.text() == f"Case {other.number}"
    second.reject()
