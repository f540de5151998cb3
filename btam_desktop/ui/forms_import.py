"""Settings › Forms › Import or export forms…: bring a department's form into the vault (an
XLSForm workbook .xlsx/.xls, or a BTAM YAML/JSON form), and export a form to XLSForm so it can
be edited in Excel and imported again as a new version.

The file is read off the UI thread (a workbook can take a moment); the preview shows the
form's title, id, version, its sections with their question counts and EVERY notice (what was
accepted with a change) and problem (what is refused: any problem blocks the import). Import
stores the form through the core, as ``btam forms import`` does (team leads only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from btam_desktop.core.formlib import FormLibrary, FormProblems
from btam_desktop.core.forms import Field, FormDefinition
from btam_desktop.core.session import Session
from btam_desktop.core.words import plural
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case.dialog_base import RecordDialog
from btam_desktop.ui.widgets import file_row

FORM_FILES = "Forms (*.xlsx *.xls *.xlsm *.yaml *.yml *.json)"


@dataclass(frozen=True)
class LoadedForm:
    """What reading a file gave: the form (None when refused), notices and problems."""

    path: Path
    form: FormDefinition | None
    notices: tuple[str, ...]
    problems: tuple[str, ...]


def read_form_file(session: Session, path: Path) -> LoadedForm:
    """Read and validate ``path`` (runs on the worker thread: reads no vault data)."""
    library = FormLibrary(session)  # its own notices, not the session's shared library
    try:
        # A pipe or a device (a link to /dev/zero on a share) is refused unread by the core.
        form = library.load_file(path)
    except FormProblems as refused:
        return LoadedForm(path, None, tuple(library.notices), tuple(refused.problems))
    return LoadedForm(path, form, tuple(library.notices), ())


def _questions(fields: tuple[Field, ...]) -> int:
    count = 0
    for item in fields:
        if item.hidden or item.type == "note":
            continue
        count += _questions(item.fields) if item.is_repeat else 1
    return count


def preview_lines(loaded: LoadedForm) -> list[str]:
    """The preview as lines of plain text."""
    lines: list[str] = []
    form = loaded.form
    if form is not None:
        lines.append(f"{form.title}")
        lines.append(f"id {form.id} \u00b7 version {form.version}")
        if len(form.languages) > 1:
            lines.append("Languages: " + ", ".join(form.languages))
        lines.append("")
        for section in form.sections:
            lines.append(f"{section.title}: {plural(_questions(section.fields), 'question')}")
    if loaded.problems:
        lines.append("")
        lines.append(f"{plural(len(loaded.problems), 'problem')} (nothing can be imported "
                     "until the file is corrected):")
        lines.extend(f"\u2022 {p}" for p in loaded.problems)
    if loaded.notices:
        lines.append("")
        lines.append(f"{plural(len(loaded.notices), 'notice')} (accepted, read them before "
                     "importing):")
        lines.extend(f"\u2022 {n}" for n in loaded.notices)
    return lines


class FormsImportDialog(RecordDialog):
    """Choose a form file, see what it holds, import it; or export a form to XLSForm."""

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__("Import or export forms", parent, ok_text="&Import")
        self._session = session
        self.loaded: LoadedForm | None = None
        self.job: tasks.BackgroundJob | None = None
        self.set_intro(
            "Import a form your department keeps as an XLSForm (.xlsx or .xls, as made in "
            "Excel, LibreOffice, KoboToolbox or ODK) or as a BTAM .yaml/.json file. You see "
            "the form and everything the import changed or refused before anything is stored.")
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("No file chosen")
        self.choose_button = QPushButton("Choose &file\u2026")
        self.choose_button.clicked.connect(self.choose_file)
        self.add_row("Form file", file_row(self.path_edit, self.choose_button))
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        self.preview.setAccessibleName("Preview of the form, its notices and problems")
        self.preview.setPlaceholderText("The form, its sections and any notices show here.")
        self.preview.setMinimumHeight(220)
        self.add_row("Preview", self.preview)
        self.export_combo = QComboBox()
        for info in session.forms.available():
            self.export_combo.addItem(f"{info.title} (v{info.version})", info.form_id)
        self.export_button = QPushButton("&Export to XLSForm\u2026")
        self.export_button.setToolTip(
            "Save the chosen form as an XLSForm workbook to edit in Excel; raise the version "
            "on its settings sheet before importing the changed copy.")
        self.export_button.clicked.connect(self.choose_export)
        exporter = QWidget()
        row = QHBoxLayout(exporter)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.export_combo, 1)
        row.addWidget(self.export_button)
        self.add_row("Export a form", exporter)
        self.ok_button.setEnabled(False)
        self.setMinimumWidth(640)

    # -- reading -------------------------------------------------------------------------
    def choose_file(self) -> None:
        """Ask for the file (a window-modal file dialog, never a nested event loop)."""
        dialog = QFileDialog(self, "Choose a form to import", str(Path.home()), FORM_FILES)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda name: self.load(Path(name)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def load(self, path: Path) -> tasks.BackgroundJob:
        """Read ``path`` off the UI thread, then show the preview."""
        self.loaded = None
        self.ok_button.setEnabled(False)
        self.message.clear_message()
        self.path_edit.setText(str(path))
        self.preview.setPlainText(f"Reading {path.name}\u2026")
        session = self._session
        self.job = tasks.run_in_background(
            self, "Reading the form", lambda _progress: read_form_file(session, path),
            on_done=self._loaded, on_error=self._failed, cancellable=False,
            label=f"Reading {path.name}\u2026")
        return self.job

    def _loaded(self, loaded: LoadedForm) -> None:
        self.loaded = loaded
        self.preview.setPlainText("\n".join(preview_lines(loaded)))
        ready = loaded.form is not None and not loaded.problems
        self.ok_button.setEnabled(ready)
        if not ready:
            self.message.show_error(
                "This file cannot be imported: correct the problems listed and choose it again.")

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(messages.describe(error))

    def preview_text(self) -> str:
        return self.preview.toPlainText()

    # -- importing -----------------------------------------------------------------------
    def accept(self) -> None:
        """Import what the preview shows (in the background); the dialog closes when the
        core has stored it and stays open with the reason when it refused."""
        loaded = self.loaded
        if loaded is None or loaded.form is None or loaded.problems:
            self.message.show_error("Choose a form file without problems first.")
            return
        if self._session.role != "lead":
            self.message.show_error("Only a team lead can add forms to the vault.")
            return
        session = self._session
        self.ok_button.setEnabled(False)

        def store(_progress: tasks.Progress) -> FormDefinition:
            return session.forms.import_file(loaded.path)

        self.job = tasks.run_in_background(
            self, "Importing the form", store, on_done=self._imported,
            on_error=self._import_failed, cancellable=False, session=session,
            label=f"Storing {loaded.form.title}\u2026")

    def _imported(self, form: FormDefinition) -> None:
        self.applied.emit(form)
        self.done(self.DialogCode.Accepted)

    def _import_failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.message.show_error(messages.describe(error))

    # -- exporting -----------------------------------------------------------------------
    def choose_export(self) -> None:
        form_id = self.export_combo.currentData()
        if not form_id:
            return
        dialog = QFileDialog(self, "Export to XLSForm", str(Path.home() / f"{form_id}.xlsx"),
                             "Excel workbooks (*.xlsx)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))
        dialog.open()

    def export_to(self, target: Path) -> tasks.BackgroundJob | None:
        """Write the chosen form to ``target`` as an XLSForm workbook (in the background)."""
        form_id = self.export_combo.currentData()
        if not form_id:
            return None
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        form = self._session.forms.definition(str(form_id))
        self.message.clear_message()

        def write(_progress: tasks.Progress) -> Path:
            from btam_desktop.core.forms.xlsexport import export_xlsform

            export_xlsform(form, target)
            return target

        def done(path: Path) -> None:
            self.message.show_message(
                f"Exported {form.title} (version {form.version}) to {path}. Raise the version "
                "on its settings sheet before importing a changed copy.", "ok")

        self.job = tasks.run_in_background(
            self, "Exporting the form", write, on_done=done, on_error=self._failed,
            cancellable=False, label=f"Writing {target.name}\u2026")
        return self.job
