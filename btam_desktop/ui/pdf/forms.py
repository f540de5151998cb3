"""The form pack on paper: blank fillable forms, and filled ones coming back as drafts.

* :class:`BlankFormDialog` writes a blank fillable PDF of any available form. A blank form
  holds no case data, so no release is asked for; the core still records the export in the
  audit trail (who printed which form).
* :class:`ImportPdfDialog` reads a filled copy back into a case as a draft. A refused file
  (not a PDF, damaged, encrypted, active content, another form) keeps the dialog open with
  the plain reason and nothing stored; a stored draft is shown in
  :class:`ImportResultDialog` with every problem the importer listed, and can be opened
  right there to enter or fix what the partner wrote.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.formlib import FormInfo
from btam_desktop.core.pdf import ExportResult, ImportResult, PdfRefused
from btam_desktop.core.pdf import export_blank_form as core_export_blank_form
from btam_desktop.core.pdf import import_filled_pdf as core_import_filled_pdf
from btam_desktop.core.session import Session
from btam_desktop.ui import tasks
from btam_desktop.ui.dialog import AppDialog
from btam_desktop.ui.pdf.job_dialog import JobDialog, intro_label
from btam_desktop.ui.pdf.paths import OPEN, SAVE, PathField, default_folder, safe_part
from btam_desktop.ui.pdf.preview import size_text

BLANK_INTRO = (
    "A blank fillable form for a partner to fill in with any PDF reader. It holds no case "
    "data, so no recipient is asked for; printing it is recorded in the audit trail. A filled "
    "copy comes back with \u201cImport filled PDF\u2026\u201d on the case's Forms tab.")
IMPORT_INTRO = (
    "A copy of a blank form from this vault that a partner filled in. It is stored as a draft "
    "on this case, with a list of everything to check; a file that is not such a form is "
    "refused and nothing is stored.")


def blank_name(info: FormInfo) -> str:
    """``<form id>-v<version>-blank.pdf``."""
    return f"{safe_part(info.form_id, 'form')}-v{info.version}-blank.pdf"


class BlankFormDialog(JobDialog):
    """Which form, where to save it; Save writes it in the background."""

    def __init__(self, session: Session, parent: QWidget, *, form_id: str = "") -> None:
        super().__init__(session, "Blank fillable form", parent, ok_text="&Save")
        self.forms = session.forms.available()
        self.form_combo = QComboBox()
        for info in self.forms:
            self.form_combo.addItem(f"{info.title} (version {info.version})", info.form_id)
        found = self.form_combo.findData(form_id) if form_id else -1
        self.form_combo.setCurrentIndex(max(found, 0))
        self.output = PathField(SAVE, "Save the blank form as")
        self._suggested = ""
        self.layout_.addWidget(intro_label(BLANK_INTRO))
        self.add_row("&Form:", self.form_combo)
        self.add_row("Save &as:", self.output)
        self.finish_layout()
        QWidget.setTabOrder(self.form_combo, self.output.edit)
        QWidget.setTabOrder(self.output.edit, self.output.browse_button)
        self.form_combo.currentIndexChanged.connect(self._suggest)
        self.output.changed.connect(lambda _text: self.message.clear_message())
        self._suggest()
        self.form_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def info(self) -> FormInfo | None:
        """The form chosen."""
        index = self.form_combo.currentIndex()
        return self.forms[index] if 0 <= index < len(self.forms) else None

    def _suggest(self) -> None:
        """Suggest a file name for the form, unless the officer typed their own."""
        info = self.info()
        if info is None:
            return
        current = self.output.path()
        if current is None or current.name == self._suggested:
            folder = current.parent if current is not None else default_folder()
            self._suggested = blank_name(info)
            self.output.set_path(folder / self._suggested)

    def validate(self) -> bool:
        """A form, and a new file in an existing folder (or one confirmed in Browse…)."""
        problem = "There is no form to print." if self.info() is None else ""
        problem = problem or self.output.problem().replace("the PDF", "the form")
        if problem:
            self.message.show_error(problem)
            self.output.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        return True

    def start_job(self) -> tasks.BackgroundJob:
        info, path = self.info(), self.output.path()
        assert info is not None  # validate() ran
        assert path is not None
        session = self.session
        return self.run_job(
            "Writing the blank form",
            lambda _progress: core_export_blank_form(session, info.form_id, path,
                                                     version=info.version),
            label=f"Writing the blank \u201c{info.title}\u201d\u2026")


def blank_outcome(result: ExportResult) -> str:
    """"Blank form saved to …: 4 pages, 60 KB."."""
    return (f"Blank form saved to {result.path}: {result.pages} page"
            f"{'' if result.pages == 1 else 's'}, {size_text(result.size)}. It holds no case "
            "data; printing it is recorded in the audit trail.")


def blank_form_dialog(parent: QWidget, session: Session, show: Callable[[str, str], None],
                      *, form_id: str = "") -> BlankFormDialog:
    """Open the blank-form dialog; ``show(text, kind)`` gets the outcome."""
    dialog = BlankFormDialog(session, parent.window(), form_id=form_id)
    dialog.succeeded.connect(
        lambda result: show(blank_outcome(result), "ok")
        if isinstance(result, ExportResult) else None)
    dialog.open()
    return dialog


# -- importing ------------------------------------------------------------------------------
class ImportPdfDialog(JobDialog):
    """Which filled PDF; Import stores it as a draft of this case in the background."""

    def __init__(self, session: Session, case_id: str, case_number: str, parent: QWidget
                 ) -> None:
        super().__init__(session, f"Import a filled PDF \u2014 {case_number}", parent,
                         ok_text="&Import")
        self.case_id = case_id
        self.source = PathField(OPEN, "Choose the filled PDF")
        self.layout_.addWidget(intro_label(IMPORT_INTRO))
        self.add_row("&File:", self.source)
        self.finish_layout()
        QWidget.setTabOrder(self.source.edit, self.source.browse_button)
        self.source.changed.connect(lambda _text: self.message.clear_message())
        self.source.setFocus(Qt.FocusReason.OtherFocusReason)

    def validate(self) -> bool:
        """A file must be chosen; whether it is a usable PDF is the importer's to say."""
        problem = self.source.problem()
        if not problem:
            return True
        self.message.show_error(problem.replace("the PDF to open", "the filled PDF to import"))
        self.source.setFocus(Qt.FocusReason.OtherFocusReason)
        return False

    def start_job(self) -> tasks.BackgroundJob:
        path = self.source.path()
        assert path is not None  # validate() ran
        session, case_id = self.session, self.case_id
        return self.run_job(
            "Importing the filled PDF",
            lambda _progress: core_import_filled_pdf(session, path, case_id),
            label=f"Checking and reading {path.name}\u2026")

    def job_failed(self, error: BaseException) -> None:
        """A refused file: its reason in plain words, and that nothing was stored."""
        if isinstance(error, PdfRefused):
            self.message.show_error(
                f"Refused, nothing was stored: {str(error).rstrip('.')}.")
            self.source.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().job_failed(error)


def problem_count(count: int) -> str:
    """"No problems", "1 problem", "4 problems"."""
    if count == 0:
        return "no problems"
    return f"{count} problem{'' if count == 1 else 's'}"


class ImportResultDialog(AppDialog):
    """The stored draft and every problem the importer found, one per line. Not a
    :class:`~btam_desktop.ui.pdf.job_dialog.JobDialog`'s OK/Cancel: the draft is stored
    already, so Close cancels nothing."""

    open_requested = Signal(str)  # submission id

    def __init__(self, result: ImportResult, form_title: str, file_name: str,
                 parent: QWidget) -> None:
        super().__init__(f"Imported as a draft \u2014 {form_title}", parent)
        self.imported = result
        self.setMinimumWidth(640)
        answered = result.answered
        self.summary = intro_label(
            f"{file_name} is stored as a draft of \u201c{form_title}\u201d (version "
            f"{result.form_version}) on this case: {answered} question"
            f"{'' if answered == 1 else 's'} answered. Open the draft to check it and complete "
            "it; until then it is a draft like any other.")
        count = len(result.problems)
        self.problems_label = QLabel(
            f"{problem_count(count).capitalize()} to check: the draft leaves out what could "
            "not be read, so enter or fix these in the draft." if count else
            "No problems were found.")
        self.problems_label.setWordWrap(True)
        self.problems = QListWidget()
        self.problems.setAccessibleName(f"Problems to check: {count}")
        self.problems.setWordWrap(True)
        self.problems.setAlternatingRowColors(True)
        self.problems.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        for problem in result.problems:
            item = QListWidgetItem(str(problem))
            item.setToolTip(str(problem))
            self.problems.addItem(item)
        self.problems.setVisible(bool(count))
        self.problems_label.setBuddy(self.problems)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("&Open the draft")
        self.open_button.setObjectName("primary")
        self.open_button.setDefault(True)
        self.open_button.setAccessibleName("Open the draft")
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self._open_draft)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.buttons)
        if count:
            self.problems.setCurrentRow(0)
            self.problems.setFocus(Qt.FocusReason.OtherFocusReason)

    def problem_texts(self) -> list[str]:
        """Every problem listed, in order."""
        return [self.problems.item(i).text() for i in range(self.problems.count())]

    def _open_draft(self) -> None:
        self.open_requested.emit(self.imported.submission_id)
        self.accept()
