"""The Forms tab: the case's submissions and drafts with their status; start any available
form, resume a draft, read a completed one with its own form version, amend one with a
reason (the amended version stays, struck through).

On paper: export the selected form as a PDF (Ctrl+P; through the Release dialog, recorded in
the dissemination log), print a blank fillable form, and import a filled one back as a draft
(Ctrl+Shift+I) with every problem the importer found listed."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import QMenu, QPushButton, QWidget
from shiboken6 import isValid

from btam_desktop.core.errors import BtamError
from btam_desktop.core.pdf import ImportResult
from btam_desktop.core.session import Session
from btam_desktop.core.submissions import Submission
from btam_desktop.ui import keys, messages
from btam_desktop.ui.case.form_dialog import AMEND, DRAFT, READ, FormDialog
from btam_desktop.ui.case.labels import SUBMISSION_STATUS_LABELS, label, show_datetime
from btam_desktop.ui.case.tab_base import (
    CaseTab,
    button,
    can_write,
    confirm,
    connect_activation,
    make_table,
    select_first,
)
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import PLAIN, Column, RecordTableModel, RowStyle
from btam_desktop.ui.pdf.exports import export_submission_dialog
from btam_desktop.ui.pdf.forms import (
    ImportPdfDialog,
    ImportResultDialog,
    blank_form_dialog,
    problem_count,
)
from btam_desktop.ui.pdf.job_dialog import JobDialog
from btam_desktop.ui.pdf.release import ReleaseDialog
from btam_desktop.ui.widgets import first_item_active

WORK_ORDER = (
    "intake_referral", "screening_triage", "threat_inquiry", "warning_behaviours",
    "management_plan", "contact_log", "partner_referral", "case_review_closure",
    "external_instrument",
)
"""The forms in the order a case is worked; any other form follows, by title."""


def work_order_key(form_id: str, title: str) -> tuple[int, str, str]:
    """Sort key for "Start form": place in :data:`WORK_ORDER`, then title."""
    place = WORK_ORDER.index(form_id) if form_id in WORK_ORDER else len(WORK_ORDER)
    return place, title.casefold(), form_id


def submission_state(sub: Submission) -> str:
    """"Draft", "Complete", "Reviewed" or "Amended (superseded)"."""
    if sub.superseded_by:
        return "Amended (superseded)"
    return label(SUBMISSION_STATUS_LABELS, sub.status)


def submission_note(sub: Submission) -> str:
    """The amendment's reason, if it is one."""
    return f"Amendment: {sub.amendment_reason}" if sub.amends else ""


def submission_style(sub: Submission) -> RowStyle:
    """Superseded versions struck through, drafts in italics."""
    if sub.superseded_by:
        return RowStyle(colour="muted", strike=True)
    if sub.status == "draft":
        return RowStyle(italic=True)
    return PLAIN


class FormsTab(CaseTab):
    """Submissions and drafts of the case."""

    title = "&Forms"

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, case_id, parent)
        self._titles: dict[tuple[str, int], str] = {}
        self._members: dict[str, str] = {}
        self.dialogs: list[FormDialog] = []
        columns: tuple[Column[Submission], ...] = (
            Column("Form", self._title),
            Column("Version", lambda s: str(s.form_version), sort_key=lambda s: s.form_version),
            Column("Status", submission_state),
            Column("Started", lambda s: show_datetime(s.created_at),
                   sort_key=lambda s: s.created_at),
            # Whose draft it is: a colleague's half-filled form is theirs to finish or ask
            # about.
            Column("Started by", self._started_by),
            Column("Saved / completed",
                   lambda s: show_datetime(s.completed_at or s.updated_at),
                   sort_key=lambda s: s.completed_at or s.updated_at),
            Column("Note", submission_note),
        )
        self.model: RecordTableModel[Submission] = RecordTableModel(
            columns, row_style=submission_style, parent=self)
        self.table = make_table(self.model, "Forms of this case")
        # The columns fit the tab's width (fixed widths, 990 pixels, scrolled sideways at
        # 1024x768 and cut "Saved / completed"): the version and times whole, then the
        # form's title, its state and who started it; the note takes the rest.
        self.column_fit = ContentColumnFit(self.table, 6, whole=(1, 3, 5), prefer=(0, 2, 4))
        connect_activation(self.table, self.open_selected)
        self.layout_.addWidget(self.table, 1)

        writable = can_write(session)
        self.start_button = QPushButton("St&art form")
        self.start_button.setAccessibleName("Start form")
        self.start_button.setToolTip(keys.START_FORM.hint("Start one of the forms on this case"))
        self.start_menu = QMenu(self.start_button)
        self.start_button.setMenu(first_item_active(self.start_menu))
        self.start_button.setEnabled(writable)
        self.open_button = button("&Open", "Resume the selected draft, or read the selected "
                                  "form (Enter)", self.open_selected)
        self.amend_button = button("Am&end\u2026", "Change a completed form: a new version "
                                   "with a reason; the earlier one stays readable",
                                   self.amend_selected)
        self.discard_button = button("&Discard draft\u2026", "Move the selected draft to the "
                                     "trash", self.discard_selected)
        self.export_button = button(
            "E&xport PDF\u2026", f"Export the selected form as a PDF for a partner, court or "
            f"the paper file; asks to whom, why and on what legal basis "
            f"({keys.EXPORT_PDF.label()})",
            self.export_selected, name="Export PDF")
        self.import_button = button(
            "Import filled PDF\u2026", "Bring a blank form a partner filled in back as a "
            f"draft of this case ({keys.IMPORT_PDF.label()})", self.import_pdf,
            name="Import filled PDF")
        self.import_button.setEnabled(writable)
        self.blank_button = button(
            "&Blank form\u2026", "Save a blank fillable form (no case data) for a partner to "
            "fill in", self.blank_form, name="Blank fillable form")
        self.buttons.addWidget(self.start_button)
        for widget in (self.open_button, self.amend_button, self.discard_button,
                       self.export_button, self.import_button, self.blank_button):
            self.buttons.addWidget(widget)
        self.add_buttons()
        self.pdf_dialog: JobDialog | None = None
        self.import_result: ImportResultDialog | None = None
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    def _title(self, sub: Submission) -> str:
        key = (sub.form_id, sub.form_version)
        if key not in self._titles:
            try:
                self._titles[key] = self.session.submissions.form_for(sub).title
            except Exception:  # a form no longer available: still list the submission
                self._titles[key] = sub.form_id
        return self._titles[key]

    def _started_by(self, sub: Submission) -> str:
        return self._members.get(sub.created_by or "", "") if sub.created_by else ""

    def load(self) -> None:
        self._members = {m.id: m.name for m in self.session.members(include_inactive=True)}
        subs = self.session.submissions
        self.start_menu.clear()
        forms = sorted(self.session.forms.available(),
                       key=lambda info: work_order_key(info.form_id, info.title))
        for info in forms:
            action = self.start_menu.addAction(f"{info.title}\u2026")
            action.setToolTip(f"{info.form_id}, version {info.version}")
            action.triggered.connect(
                lambda _checked=False, form_id=info.form_id: self.start_form(form_id))
        self.model.set_records(list(reversed(subs.for_case(self.case_id))))
        select_first(self.table)
        self._on_selection()

    def _on_selection(self, *_args: QItemSelection) -> None:
        sub = self.selected(self.table)
        writable = can_write(self.session)
        self.open_button.setEnabled(sub is not None)
        self.open_button.setText("Res&ume" if sub is not None and sub.status == "draft"
                                 else "&Open")
        self.amend_button.setEnabled(writable and sub is not None and sub.status != "draft"
                                     and not sub.superseded_by)
        self.discard_button.setEnabled(writable and sub is not None and sub.status == "draft")
        self.export_button.setEnabled(sub is not None)

    # -- opening forms --------------------------------------------------------------------
    def _show(self, dialog: FormDialog) -> FormDialog:
        self.dialogs = [d for d in self.dialogs if isValid(d)]
        self.dialogs.append(dialog)
        dialog.changed.connect(lambda _id: self.refresh())
        dialog.open()
        return dialog

    def start_form(self, form_id: str) -> FormDialog:
        """Open ``form_id`` for this case (resuming its newest draft if there is one)."""
        return self._show(FormDialog(self.session, self.case_id, self.window(), mode=DRAFT,
                                     form_id=form_id))

    def open_selected(self) -> FormDialog | None:
        """Resume the selected draft, or read the selected form."""
        sub = self.selected(self.table)
        if sub is None:
            return None
        writable = can_write(self.session)
        mode = DRAFT if sub.status == "draft" and writable else READ
        return self._show(FormDialog(self.session, self.case_id, self.window(), mode=mode,
                                     submission=sub))

    def amend_selected(self) -> FormDialog | None:
        """Open the selected completed form for amendment."""
        sub = self.selected(self.table)
        if sub is None or sub.status == "draft" or sub.superseded_by:
            return None
        return self._show(FormDialog(self.session, self.case_id, self.window(), mode=AMEND,
                                     submission=sub))

    def discard_selected(self) -> None:
        """Ask, then move the selected draft to the trash."""
        sub = self.selected(self.table)
        if sub is None or sub.status != "draft":
            return
        confirm(self.window(), "Discard draft",
                f"Move this draft of \u201c{self._title(sub)}\u201d to the trash?", "Discard",
                lambda: self.run(lambda: self.session.submissions.discard_draft(sub.id),
                                 "Draft discarded."))

    def open_submission(self, submission_id: str) -> FormDialog | None:
        """Open a submission of this case by id (a draft for writing, else to read)."""
        try:
            sub = self.session.submissions.get(submission_id)
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return None
        mode = DRAFT if sub.status == "draft" and can_write(self.session) else READ
        return self._show(FormDialog(self.session, self.case_id, self.window(), mode=mode,
                                     submission=sub))

    # -- on paper -------------------------------------------------------------------------
    def export_selected(self) -> ReleaseDialog | None:
        """Export the selected form as a PDF, through the Release dialog."""
        sub = self.selected(self.table)
        if sub is None:
            self.message.show_message("Select a form to export first.", "info")
            return None
        try:
            case = self.session.store.get_case(self.case_id)
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return None
        dialog = export_submission_dialog(self, self.session, case, sub, self._title(sub),
                                          self.message.show_message)
        self.pdf_dialog = dialog
        return dialog

    def blank_form(self) -> JobDialog:
        """Save a blank fillable form (the selected form's, to start with)."""
        sub = self.selected(self.table)
        dialog = blank_form_dialog(self, self.session, self.message.show_message,
                                   form_id=sub.form_id if sub is not None else "")
        self.pdf_dialog = dialog
        return dialog

    def import_pdf(self) -> ImportPdfDialog | None:
        """Choose a filled PDF and store it as a draft of this case."""
        if not can_write(self.session):
            return None
        try:
            number = self.session.store.get_case(self.case_id).number
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return None
        dialog = ImportPdfDialog(self.session, self.case_id, number, self.window())
        dialog.succeeded.connect(
            lambda result, d=dialog: self._imported(result, d.source.path()))
        self.pdf_dialog = dialog
        dialog.open()
        return dialog

    def _imported(self, result: object, path: object) -> None:
        if not isinstance(result, ImportResult):
            return
        name = getattr(path, "name", "The file")
        try:
            title = self.session.forms.definition(result.form_id, result.form_version).title
        except BtamError:
            title = result.form_id
        count = len(result.problems)
        self.message.show_message(
            f"{name} imported as a draft of \u201c{title}\u201d with "
            f"{problem_count(count)} to check.", "info" if count else "ok")
        self.refresh()
        dialog = ImportResultDialog(result, title, name, self.window())
        dialog.open_requested.connect(self.open_submission)
        self.import_result = dialog
        dialog.open()

    def teardown(self) -> None:
        """Save open drafts while the vault is still open, then let go of everything."""
        for dialog in self.dialogs:
            if isValid(dialog):
                dialog.teardown()
        self.dialogs = []
        super().teardown()
