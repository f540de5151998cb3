"""PDF in the app: the Release dialog, exports recorded in the dissemination log, redaction,
blank forms, importing filled forms, and batch export with Cancel."""

from __future__ import annotations

import io
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from btam_desktop.core import dissemination
from btam_desktop.core.pdf import blank_form_pdf, pdf_fields
from btam_desktop.core.pdf.fieldnames import FORM_KEY_FIELD
from btam_desktop.core.session import Session
from btam_desktop.ui.case.form_dialog import DRAFT, FormDialog
from btam_desktop.ui.case.forms_tab import FormsTab
from btam_desktop.ui.case.history_tab import HistoryTab
from btam_desktop.ui.pages.case_view import CaseView
from btam_desktop.ui.pages.settings import SettingsPage
from btam_desktop.ui.pdf import exports
from btam_desktop.ui.pdf.forms import BlankFormDialog, ImportPdfDialog, ImportResultDialog
from btam_desktop.ui.pdf.job_dialog import JobDialog
from btam_desktop.ui.pdf.release import NOT_ENCRYPTED, ReleaseDialog
from tests.core.pdf.test_acroform import fill
from tests.core.test_submissions import valid_contact
from tests.ui.pdf.conftest import CasesApp

RECIPIENT = "J. Okafor, Northgate High counsellor"
PURPOSE = "Safety plan at school"
BASIS = "Written consent of parent, signed 2026-03-02"
TIMEOUT = 15_000


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def open_case(app: CasesApp, case_id: str) -> CaseView:
    view = app.page.open_case(case_id)
    assert view is not None
    return view


def fill_release(qtbot: QtBot, dialog: ReleaseDialog, target: Path, profile: str = "none",
                 *, purpose: str = PURPOSE) -> None:
    """Type the release as an officer would; the path is set directly (no file dialog)."""
    qtbot.keyClicks(dialog.recipient, RECIPIENT)
    if purpose:
        qtbot.keyClicks(dialog.purpose, purpose)
    qtbot.keyClicks(dialog.legal_basis, BASIS)
    dialog.set_profile(profile)
    dialog.output.set_path(target)


def run_dialog(qtbot: QtBot, dialog: JobDialog) -> Any:
    """Press the dialog's OK button and wait for its job to succeed; returns the result."""
    with qtbot.waitSignal(dialog.succeeded, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return blocker.args[0] if blocker.args else None


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


# -- the Release dialog and a case report ---------------------------------------------------------
def test_export_a_case_report_through_the_release_dialog(qtbot: QtBot, cases_app: CasesApp,
                                                         tmp_path: Path) -> None:
    app = cases_app
    session = session_of(app)
    view = open_case(app, app.seeded.school)
    case = view.case
    assert case is not None
    # The header's button and Ctrl+P (outside the Forms tab) open the same dialog.
    assert view.header.export_button.isEnabled()
    assert view.export_action.shortcut().toString() == "Ctrl+P"
    view.export_action.trigger()
    dialog = view.export_dialog
    assert isinstance(dialog, ReleaseDialog)
    assert dialog.parent() is app.main  # a child of the main window ...
    assert dialog.isVisible() and dialog.windowModality() == Qt.WindowModality.WindowModal
    assert dialog.warning.text() == NOT_ENCRYPTED and "not encrypted" in NOT_ENCRYPTED
    assert dialog.preview_button is None  # no QtPdf in PySide6-Essentials
    # Every profile is offered with its description; none is chosen for the officer.
    assert dialog.chosen_profile() is None
    assert dialog.profile.count() == len(dialog.profiles) >= 4
    target = tmp_path / "report.pdf"
    fill_release(qtbot, dialog, target, "school_partner")
    assert "mental-health" in dialog.profile_about.text()
    assert dialog.profile_about.isVisible()
    assert not dialog.message.isVisible()  # nothing missing any more

    result = run_dialog(qtbot, dialog)
    assert result.path == target and result.pages >= 1
    assert target.is_file() and owner_only(target)
    assert case.number in pdf_text(target)
    # The confirmation says where, how many pages and how big (there is no preview here).
    shown = view.message.text()
    assert str(target) in shown and f"{result.pages} page" in shown and "KB" in shown
    assert "dissemination log" in shown and view.message.kind == "ok"

    log = dissemination.for_case(session, case.id)
    assert [(d.what, d.recipient, d.purpose, d.legal_basis, d.redaction_profile,
             d.filename) for d in log] == [
        ("case_report", RECIPIENT, PURPOSE, BASIS, "school_partner", "report.pdf")]
    history = view.show_tab(HistoryTab)
    assert isinstance(history, HistoryTab)
    qtbot.waitUntil(lambda: history.disseminations.rowCount() == 1, timeout=TIMEOUT)
    row = [history.disseminations.index(0, c).data() for c in range(7)]
    assert row[1:] == ["Dana Reyes", "Case report", RECIPIENT, PURPOSE, BASIS,
                       "School partner"]
    what_tip = history.disseminations.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert "report.pdf" in what_tip and log[0].sha256 in what_tip
    # The message survived the case view re-reading the exported case.
    assert str(target) in view.message.text()


def test_a_release_with_an_empty_purpose_is_refused(qtbot: QtBot, cases_app: CasesApp,
                                                    tmp_path: Path) -> None:
    app = cases_app
    view = open_case(app, app.seeded.school)
    dialog = view.export_case_report()
    assert dialog is not None
    # Live: the core's own message says what is still needed, as information.
    assert dialog.message.kind == "info" and "recipient, purpose" in dialog.message.text()
    target = tmp_path / "report.pdf"
    fill_release(qtbot, dialog, target, purpose="   ")  # blank is not a purpose
    assert "needs purpose" in dialog.message.text()
    assert "recipient" not in dialog.message.text().split(":")[0]

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.job is None and dialog.isVisible()
    assert dialog.message.kind == "error" and "needs purpose" in dialog.message.text()
    assert dialog.focusWidget() is dialog.purpose
    assert not target.exists()
    assert dissemination.for_case(session_of(app), app.seeded.school) == []
    # Typing the purpose clears the refusal; nothing typed was lost.
    qtbot.keyClicks(dialog.purpose, PURPOSE)
    assert not dialog.message.isVisible()
    assert dialog.recipient.text() == RECIPIENT
    dialog.reject()


def test_an_existing_file_is_not_replaced_by_a_typed_name(qtbot: QtBot, cases_app: CasesApp,
                                                          tmp_path: Path) -> None:
    app = cases_app
    view = open_case(app, app.seeded.school)
    dialog = view.export_case_report()
    assert dialog is not None
    target = tmp_path / "report.pdf"
    target.write_bytes(b"earlier copy")
    fill_release(qtbot, dialog, tmp_path / "report")  # ".pdf" is added
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.job is None
    assert "already exists" in dialog.message.text()
    assert target.read_bytes() == b"earlier copy"
    dialog.reject()


# -- a filled form, redacted ----------------------------------------------------------------------
def test_a_redaction_profile_removes_a_tagged_answer(qtbot: QtBot, cases_app: CasesApp,
                                                     tmp_path: Path) -> None:
    app = cases_app
    session = session_of(app)
    answers = dict(valid_contact(session), contact_summary="Heardvoicesq7 at night",
                   purpose_details="Checkinp3 with the counsellor")
    sub = session.submissions.create(app.seeded.school, "contact_log", answers, complete=True)
    view = open_case(app, app.seeded.school)
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=TIMEOUT)
    tab.table.selectRow(0)
    assert tab.export_button.isEnabled()
    view.export_action.trigger()  # Ctrl+P on the Forms tab: the selected form
    dialog = tab.pdf_dialog
    assert isinstance(dialog, ReleaseDialog)
    assert dialog.windowTitle().startswith("Export form")
    target = tmp_path / "contact.pdf"
    fill_release(qtbot, dialog, target, "school_partner")
    run_dialog(qtbot, dialog)

    text = pdf_text(target)
    assert "Checkinp3" in text  # an untagged answer stays
    assert "Heardvoicesq7" not in text  # the mental-health answer is gone
    assert "[redacted]" in text
    assert owner_only(target)
    log = dissemination.for_case(session, app.seeded.school)
    assert [(d.what, d.submission_id, d.redaction_profile) for d in log] == [
        ("submission", sub.id, "school_partner")]
    assert "Recorded in the case's dissemination log" in tab.message.text()


# -- blank forms ----------------------------------------------------------------------------------
def test_blank_form_export_from_settings(qtbot: QtBot, cases_app: CasesApp,
                                         tmp_path: Path) -> None:
    app = cases_app
    session = session_of(app)
    app.main.show_page("settings")
    settings = app.main.page("settings")
    assert isinstance(settings, SettingsPage)
    dialog = settings.blank_form()
    assert isinstance(dialog, BlankFormDialog)
    assert dialog.parent() is app.main
    dialog.form_combo.setCurrentIndex(dialog.form_combo.findData("contact_log"))
    # The suggested name follows the form chosen.
    suggested = dialog.output.path()
    assert suggested is not None and suggested.name.startswith("contact_log-v")
    target = tmp_path / "blank.pdf"
    dialog.output.set_path(target)
    result = run_dialog(qtbot, dialog)
    assert result.path == target and target.is_file() and owner_only(target)
    fields = PdfReader(io.BytesIO(target.read_bytes())).get_fields() or {}
    assert FORM_KEY_FIELD in fields
    assert "Blank form saved" in settings.forms_message.text()
    # Not a dissemination (no case data), but audited.
    assert all(dissemination.for_case(session, c) == [] for c in
               (app.seeded.school, app.seeded.letters))
    printed = session.store.audit_trail("contact_log", action="export")
    assert [(e.detail.get("what"), e.detail.get("sha256")) for e in printed] == [
        ("blank_form", result.sha256)]


def test_blank_form_from_the_forms_tab_starts_on_the_selected_form(
        qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    session = session_of(app)
    session.submissions.create(app.seeded.school, "contact_log", valid_contact(session),
                               complete=True)
    view = open_case(app, app.seeded.school)
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=TIMEOUT)
    tab.table.selectRow(0)
    dialog = tab.blank_form()
    assert isinstance(dialog, BlankFormDialog)
    assert dialog.form_combo.currentData() == "contact_log"
    dialog.reject()


# -- importing filled forms -----------------------------------------------------------------------
def filled_contact_log(session: Session, path: Path) -> Path:
    """A blank contact log filled in by a partner: one good answer and a date written the
    way people write dates (3/14/26), which the importer cannot store."""
    form = session.forms.definition("contact_log")
    names = {spec.name for spec in pdf_fields(form)}
    values = {"contact_summary": "Met the student with the counsellor",
              "contact_date": "3/14/26"}
    assert set(values) <= names
    path.write_bytes(fill(blank_form_pdf(session, "contact_log").data, values))
    return path


def test_import_a_filled_pdf_lists_every_problem(qtbot: QtBot, cases_app: CasesApp,
                                                 tmp_path: Path) -> None:
    app = cases_app
    session = session_of(app)
    source = filled_contact_log(session, tmp_path / "returned.pdf")
    view = open_case(app, app.seeded.school)
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    assert tab.model.rowCount() == 0
    dialog = tab.import_pdf()
    assert isinstance(dialog, ImportPdfDialog) and dialog.parent() is app.main
    dialog.source.set_path(source)
    result = run_dialog(qtbot, dialog)
    assert result.problems  # the date written 3/14/26 at least
    shown = tab.import_result
    assert isinstance(shown, ImportResultDialog) and shown.isVisible()
    assert shown.problem_texts() == [str(p) for p in result.problems]
    assert any("3/14/26" in text for text in shown.problem_texts())
    assert shown.problems.accessibleName() == f"Problems to check: {len(result.problems)}"
    # The draft is in the Forms tab, and opens from the result.
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=TIMEOUT)
    draft = tab.model.record(0)
    assert draft.id == result.submission_id and draft.status == "draft"
    assert draft.answers["contact_summary"] == "Met the student with the counsellor"
    assert "problem" in tab.message.text()
    qtbot.mouseClick(shown.open_button, Qt.MouseButton.LeftButton)
    opened = [d for d in tab.dialogs if d.isVisible()]
    assert len(opened) == 1 and isinstance(opened[0], FormDialog)
    assert opened[0].mode == DRAFT
    opened[0].reject()


def test_a_file_that_is_not_a_pdf_is_refused(qtbot: QtBot, cases_app: CasesApp,
                                             tmp_path: Path) -> None:
    app = cases_app
    session = session_of(app)
    notes = tmp_path / "notes.txt"
    notes.write_text("Not a form at all\n")
    view = open_case(app, app.seeded.school)
    tab = view.show_tab(FormsTab)
    assert isinstance(tab, FormsTab)
    dialog = tab.import_pdf()
    assert dialog is not None
    dialog.source.set_path(notes)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job = dialog.job
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=TIMEOUT)
    assert dialog.isVisible()  # stays open: choose another file
    assert dialog.message.kind == "error"
    assert dialog.message.text() == "Refused, nothing was stored: notes.txt is not a PDF."
    assert session.submissions.for_case(app.seeded.school) == []
    dialog.reject()


# -- several cases --------------------------------------------------------------------------------
def select_cases(app: CasesApp, case_ids: list[str]) -> None:
    table = app.page.list.table
    selection = table.selectionModel()
    selection.clearSelection()
    flags = (QItemSelectionModel.SelectionFlag.Select
             | QItemSelectionModel.SelectionFlag.Rows)
    for case_id in case_ids:
        row = app.page.list.model.row_of(case_id)
        assert row >= 0
        selection.select(app.page.list.model.index(row, 0), flags)


def open_cases(app: CasesApp) -> list[str]:
    return [app.seeded.school, app.seeded.letters, app.seeded.grievance]


def batch_dialog(qtbot: QtBot, app: CasesApp, folder: Path) -> ReleaseDialog:
    select_cases(app, open_cases(app))
    listing = app.page.list
    assert listing.export_button.isEnabled()
    assert listing.export_action.shortcut().toString() == "Ctrl+Shift+P"
    listing.export_action.trigger()
    dialog = app.page.export_dialog
    assert isinstance(dialog, ReleaseDialog)
    assert dialog.windowTitle() == "Export 3 case reports"
    assert "The PDFs are not encrypted" in dialog.warning.text()
    folder.mkdir()
    fill_release(qtbot, dialog, folder, "school_partner")
    assert not dialog.message.isVisible()
    return dialog


def outcome(app: CasesApp) -> QMessageBox:
    boxes = [b for b in app.main.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    return boxes[0]


def test_batch_export_writes_one_pdf_per_case(qtbot: QtBot, cases_app: CasesApp,
                                              tmp_path: Path) -> None:
    app = cases_app
    session = session_of(app)
    folder = tmp_path / "out"
    dialog = batch_dialog(qtbot, app, folder)
    result = run_dialog(qtbot, dialog)
    assert isinstance(result, exports.BatchResult)
    assert len(result.written) == 3 and not result.cancelled and not result.failure
    numbers = {session.store.get_case(c).number: c for c in open_cases(app)}
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{n}-case-report.pdf" for n in numbers)
    for number, case_id in numbers.items():
        path = folder / f"{number}-case-report.pdf"
        assert owner_only(path) and number in pdf_text(path)
        log = dissemination.for_case(session, case_id)
        assert [(d.filename, d.recipient) for d in log] == [(path.name, RECIPIENT)]
    box = outcome(app)
    assert box.text().startswith("3 case reports saved to")
    box.close()


def test_batch_export_can_be_cancelled_and_keeps_what_was_written(
        qtbot: QtBot, cases_app: CasesApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = cases_app
    session = session_of(app)
    first_written = threading.Event()
    go_on = threading.Event()
    real = exports.export_case_report

    def slow_export(*args: Any, **kwargs: Any) -> Any:
        # After the first report, hold the worker until the test has pressed Cancel.
        done = real(*args, **kwargs)
        if not first_written.is_set():
            first_written.set()
            go_on.wait(10)
        return done

    monkeypatch.setattr(exports, "export_case_report", slow_export)
    folder = tmp_path / "out"
    dialog = batch_dialog(qtbot, app, folder)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job = dialog.job
    assert job is not None and job.dialog.isVisible()
    qtbot.waitUntil(first_written.is_set, timeout=TIMEOUT)
    cancel = job.dialog.findChild(QPushButton)
    assert cancel is not None
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert job.cancel_requested
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        go_on.set()
    written = list(folder.iterdir())
    assert len(written) == 1 and owner_only(written[0])
    logged = sum(len(dissemination.for_case(session, c)) for c in open_cases(app))
    assert logged == 1
    text = outcome(app).text()
    assert text.startswith("Cancelled: 1 of 3 case reports were written")
    assert "kept" in text and "The other 2 were not exported" in text


def test_one_selected_case_exports_to_a_named_file(qtbot: QtBot, cases_app: CasesApp,
                                                   tmp_path: Path) -> None:
    app = cases_app
    select_cases(app, [app.seeded.letters])
    dialog = app.page.export_selected()
    assert isinstance(dialog, ReleaseDialog)
    number = session_of(app).store.get_case(app.seeded.letters).number
    suggested = dialog.output.path()
    assert suggested is not None and suggested.name == f"{number}-case-report.pdf"
    dialog.reject()


# -- keyboard -------------------------------------------------------------------------------------
def test_export_dialog_tab_order_and_names(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_case(app, app.seeded.school)
    dialog = view.export_case_report()
    assert dialog is not None
    order = [dialog.recipient]
    for _ in range(5):
        widget = order[-1].nextInFocusChain()
        while widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order == [dialog.recipient, dialog.purpose, dialog.legal_basis, dialog.profile,
                     dialog.output.edit, dialog.output.browse_button]
    names = [w.accessibleName() for w in order]
    assert names == ["Recipient", "Purpose", "Legal basis or consent", "Redaction profile",
                     "Save as", "Browse: Save the PDF as"]
    assert dialog.ok_button.accessibleName() == "Export"
    assert dialog.focusWidget() is dialog.recipient
    dialog.reject()


def test_ctrl_p_from_the_keyboard_opens_the_release_dialog(qtbot: QtBot,
                                                           cases_app: CasesApp) -> None:
    app = cases_app
    view = open_case(app, app.seeded.school)
    qtbot.waitUntil(app.main.isActiveWindow, timeout=TIMEOUT)
    target = view.tabs.currentWidget()
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    dialog = view.export_dialog
    assert isinstance(dialog, ReleaseDialog) and dialog.isVisible()
    assert dialog.windowTitle().startswith("Export case report")
    dialog.reject()


def test_ctrl_shift_p_on_the_list_exports_the_selected_cases(qtbot: QtBot,
                                                             cases_app: CasesApp) -> None:
    app = cases_app
    qtbot.waitUntil(app.main.isActiveWindow, timeout=TIMEOUT)
    select_cases(app, [app.seeded.school, app.seeded.letters])
    table = app.page.list.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = app.page.export_dialog
    assert isinstance(dialog, ReleaseDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "Export 2 case reports"
    assert dialog.output.mode == "folder"
    dialog.reject()


def test_ctrl_l_locks_from_the_release_dialog(qtbot: QtBot, cases_app: CasesApp) -> None:
    app = cases_app
    view = open_case(app, app.seeded.school)
    dialog = view.export_case_report()
    assert dialog is not None
    qtbot.keyClicks(dialog.recipient, RECIPIENT)
    with qtbot.waitSignal(app.controller.locked, timeout=TIMEOUT):
        qtbot.keyClick(dialog.recipient, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


# -- preview --------------------------------------------------------------------------------------
def test_preview_is_offered_only_where_qt_can_show_pdfs(
        qtbot: QtBot, cases_app: CasesApp, monkeypatch: pytest.MonkeyPatch) -> None:
    from btam_desktop.ui.pdf import preview, release

    app = cases_app
    assert preview.preview_available() is False  # PySide6-Essentials has no QtPdf
    view = open_case(app, app.seeded.school)
    dialog = view.export_case_report()
    assert dialog is not None and dialog.preview_button is None
    dialog.reject()
    monkeypatch.setattr(release, "preview_available", lambda: True)
    dialog = view.export_case_report()
    assert dialog is not None and dialog.preview_button is not None
    assert not dialog.preview_button.isEnabled()  # a profile first: it decides the pages
    dialog.set_profile("none")
    assert dialog.preview_button.isEnabled()
    # Batch exports write many files: nothing to preview.
    dialog.reject()
    select_cases(app, open_cases(app))
    batch = app.page.export_selected()
    assert isinstance(batch, ReleaseDialog) and batch.preview_button is None
    batch.reject()
