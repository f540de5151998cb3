"""The Release dialog: before case information leaves the laptop as a PDF, say to whom, why and
on what legal basis (or consent), choose the redaction profile, and where the file goes.

Every part is required: the core refuses an export without a complete
:class:`~btam_desktop.core.dissemination.Release` and the dialog checks with the same
:meth:`Release.checked` as it is typed, so its message is the core's own. The redaction
profile has no default: who the copy is for decides what it must leave out, and a full copy
sent to a school by a stray Enter cannot be called back. The dialog also says plainly that
the PDF is not encrypted.

What is exported (a case report, a filled form, several case reports) is the caller's: it
passes ``work(choice, progress)``, which runs in the background when Export is pressed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QLineEdit, QPushButton, QWidget

from btam_desktop.core.dissemination import MAX_TEXT, Release, ReleaseDetailsMissing
from btam_desktop.core.pdf import RedactionProfile, RenderedPdf, load_profiles
from btam_desktop.core.session import Session
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case import colors
from btam_desktop.ui.pdf.job_dialog import JobDialog, intro_label
from btam_desktop.ui.pdf.paths import FOLDER, SAVE, PathField, expand
from btam_desktop.ui.pdf.preview import PreviewDialog, preview_available
from btam_desktop.ui.widgets import theme_style

NOT_ENCRYPTED = (
    "\u26a0  The PDF is not encrypted. Anyone who gets hold of the file can read it: send it "
    "only by a channel your agency approves, and delete your own copy when it is no longer "
    "needed.")
NOT_ENCRYPTED_MANY = (
    "\u26a0  The PDFs are not encrypted. Anyone who gets hold of the files can read them: "
    "send them only by a channel your agency approves, and delete your own copies when they "
    "are no longer needed.")
NOT_ENCRYPTED_FILE = (
    "\u26a0  The copy is not encrypted. Anyone who gets hold of the file can read it: send it "
    "only by a channel your agency approves, and delete your own copy when it is no longer "
    "needed.")
NO_PROFILE = "none"  # the profile recorded for a file written out exactly as it is stored
CHOOSE_PROFILE = "Choose a redaction profile: who receives the copy decides what it leaves out."

Work = Callable[["ReleaseChoice", tasks.Progress], Any]
Render = Callable[[RedactionProfile, Release | None], RenderedPdf]
# What a profile withholds from this export because of sensitivity tags, in words
# (core.pdf.report.withheld_items): shown under the profile before anything is written.
LeftOut = Callable[[RedactionProfile], list[str]]


@dataclass(frozen=True)
class ReleaseChoice:
    """What the officer filled in: the release record, the profile and the file or folder;
    ``replace``: the file exists and the officer chose to replace it in the save dialog."""

    release: Release
    profile: RedactionProfile
    target: Path
    replace: bool = False


def left_out_text(lines: list[str]) -> str:
    """"Left out of this copy: 2 timeline entries (mental health)." ("" for nothing)."""
    return "Left out of this copy: " + ", ".join(lines) + "." if lines else ""


def profile_widgets(
    profiles: Mapping[str, RedactionProfile],
    *,
    placeholder: str,
    report: bool = False,
    skip: tuple[str, ...] = (),
    rules: Callable[[RedactionProfile], str] | None = None,
) -> tuple[QComboBox, QLabel, QLabel]:
    """The redaction-profile chooser of the Release and Refer dialogs: the drop-down (nothing
    chosen, each profile's rules as its tooltip), the line that says what the chosen profile
    removes and the hidden "Left out of this copy" line (the case's tagged items)."""
    combo = QComboBox()
    combo.setPlaceholderText(placeholder)
    for profile in profiles.values():
        if profile.id in skip:
            continue
        combo.addItem(profile.title, profile.id)
        tooltip = rules(profile) if rules else profile_rules(profile, report=report)
        combo.setItemData(combo.count() - 1, tooltip, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(-1)
    about = QLabel()
    about.setWordWrap(True)
    about.setProperty("muted", True)
    about.setTextFormat(Qt.TextFormat.PlainText)
    about.setAccessibleName("What the profile leaves out")
    left_out = QLabel()
    left_out.setWordWrap(True)
    left_out.setTextFormat(Qt.TextFormat.PlainText)
    left_out.setAccessibleName("Left out of this copy")
    left_out.hide()
    return combo, about, left_out


def profile_rules(profile: RedactionProfile, *, report: bool) -> str:
    """Exactly what the profile removes, one sentence a line."""
    lines = profile.summary(report=report)
    return "\n".join(lines) if lines else "Nothing is removed."


def profile_text(profile: RedactionProfile, *, report: bool) -> str:
    """Who the profile is for, in its own words (its rules when it has no description)."""
    return profile.description or profile_rules(profile, report=report).replace("\n", " ")


class AnyFileField(PathField):
    """A file of any kind to save (an attachment): the name is kept as typed, no ".pdf"."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(SAVE, caption, parent)

    def path(self) -> Path | None:
        text = self.text()
        return expand(text) if text else None

    def problem(self) -> str:
        if self.path() is None:
            return "Choose where to save the file."
        return super().problem()

    def browse(self) -> QFileDialog:
        dialog = super().browse()
        dialog.setNameFilter("All files (*)")
        dialog.setDefaultSuffix("")
        return dialog

    def _chosen(self, text: str) -> None:
        super()._chosen(text)
        path = Path(text)
        self._confirmed = path if path.exists() else None


class ReleaseDialog(JobDialog):
    """Recipient, purpose, legal basis, redaction profile, file (or folder); see the module.

    ``target``: ``SAVE`` (one file, ``suggested`` is its path) or ``FOLDER`` (several files,
    ``suggested`` is the folder). ``report``: the export is a case report (the profile's
    case-report rules are listed too). ``render``: renders without writing, for the preview
    (offered only where Qt can show PDFs). ``redaction=False``: a file written out exactly as
    it is stored (an attachment): no profile row (the record says profile "none"), any file
    name, "Save the file as".
    """

    def __init__(self, session: Session, parent: QWidget, *, title: str, intro: str,
                 work: Work, job_title: str, job_label: str, suggested: Path,
                 target: str = SAVE, report: bool = True, cancellable: bool = False,
                 render: Render | None = None, ok_text: str = "&Export",
                 redaction: bool = True, left_out: LeftOut | None = None) -> None:
        super().__init__(session, title, parent, ok_text=ok_text)
        self.setMinimumWidth(680)
        self._work = work
        self._job_title = job_title
        self._job_label = job_label
        self._report = report
        self._cancellable = cancellable
        self._render = render
        self._redaction = redaction
        self._left_out = left_out
        self._tried = False  # after a refused Export the message turns into an error
        self.preview_dialog: PreviewDialog | None = None

        self.intro = intro_label(intro)
        # Short placeholders (a long one is cut off in the field); examples in the tooltips.
        self.recipient = self._line("Person and agency",
                                    "e.g. J. Okafor, Northgate High counsellor")
        self.purpose = self._line("Why they receive it", "e.g. safety plan at school")
        self.legal_basis = self._line(
            "Law, court order or written consent",
            "e.g. written consent of parent, signed 2026-03-02; subpoena 26-114")
        self.profiles = load_profiles()
        self.profile, self.profile_about, self.left_out = profile_widgets(
            self.profiles, placeholder="Choose who the copy is for\u2026", report=report)
        self.output: PathField
        if not redaction:
            self.output = AnyFileField("Save the file as")
        else:
            caption = "Folder for the PDFs" if target == FOLDER else "Save the PDF as"
            self.output = PathField(target, caption)
        self.output.set_path(suggested)
        self.warning = QLabel(NOT_ENCRYPTED_FILE if not redaction
                              else NOT_ENCRYPTED_MANY if target == FOLDER else NOT_ENCRYPTED)
        self.warning.setWordWrap(True)
        self.warning.setObjectName("message")
        self.warning.setProperty("kind", "info")
        self.warning.setAccessibleName("Warning: not encrypted")
        # Amber, not red: this is always true of an export, not something that went wrong.
        theme_style(self.warning, lambda: "QLabel#message { border: 1px solid "
                    f"{colors.color('warn').name()}; }}")

        self.layout_.addWidget(self.intro)
        self.add_row("&Recipient:", self.recipient)
        self.add_row("P&urpose:", self.purpose)
        self.add_row("&Legal basis or consent:", self.legal_basis)
        self.add_row("Redaction &profile:", self.profile)
        self.form.addRow("", self.profile_about)
        self.form.addRow("", self.left_out)
        if not redaction:
            self.form.setRowVisible(self.profile, False)
            self.form.setRowVisible(self.profile_about, False)
        self.add_row("&Folder:" if target == FOLDER else "Save &as:", self.output)
        self.preview_button: QPushButton | None = None
        if render is not None and preview_available():
            self.preview_button = QPushButton("Pre&view\u2026")
            self.preview_button.setToolTip("Look at the pages before anything is saved")
            self.preview_button.setAccessibleName("Preview")
            self.preview_button.clicked.connect(lambda _checked=False: self.preview())
            self.buttons.addButton(self.preview_button,
                                   self.buttons.ButtonRole.ActionRole)
        self.finish_layout(self.warning)

        chain: list[QWidget] = [self.recipient, self.purpose, self.legal_basis,
                                *([self.profile] if redaction else []),
                                self.output.edit, self.output.browse_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        for edit in (self.recipient, self.purpose, self.legal_basis):
            edit.textChanged.connect(self._update)
        self.profile.currentIndexChanged.connect(self._update)
        self.output.changed.connect(self._update)
        self._update()
        self.recipient.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _line(placeholder: str, example: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(f"{placeholder} ({example}). Required; kept in the dissemination log.")
        edit.setMaxLength(MAX_TEXT)
        return edit

    # -- reading the fields -----------------------------------------------------------------
    def chosen_profile(self) -> RedactionProfile | None:
        """The profile chosen, or None (without redaction: the "none" profile)."""
        if not self._redaction:
            return self.profiles.get(NO_PROFILE)
        key = self.profile.currentData()
        return self.profiles.get(str(key)) if key else None

    def set_profile(self, profile_id: str) -> None:
        """Choose a profile by id."""
        self.profile.setCurrentIndex(self.profile.findData(profile_id))

    def release(self) -> Release:
        """The release record (ReleaseDetailsMissing when a part is empty)."""
        return Release.checked(self.recipient.text(), self.purpose.text(),
                               self.legal_basis.text())

    def problems(self) -> list[tuple[str, QWidget]]:
        """What stops the export, each with the field to fix, in the order of the form."""
        found: list[tuple[str, QWidget]] = []
        try:
            self.release()
        except ReleaseDetailsMissing as error:
            first = next((e for e in (self.recipient, self.purpose, self.legal_basis)
                          if not e.text().strip()), self.recipient)
            found.append((messages.sentence(str(error)), first))
        if self._redaction and self.chosen_profile() is None:
            found.append((CHOOSE_PROFILE, self.profile))
        path_problem = self._path_problem()
        if path_problem:
            found.append((path_problem, self.output))
        return found

    def _path_problem(self) -> str:
        return self.output.problem()

    def choice(self) -> ReleaseChoice | None:
        """Everything filled in correctly, or None."""
        profile, path = self.chosen_profile(), self.output.path()
        if self.problems() or profile is None or path is None:
            return None
        return ReleaseChoice(self.release(), profile, path,
                             replace=self.output.mode == SAVE and self.output.replace_confirmed())

    # -- live checking ------------------------------------------------------------------------
    def _update(self) -> None:
        profile = self.chosen_profile()
        about = profile_text(profile, report=self._report) if profile is not None else ""
        if self._redaction and about != self.profile_about.text():
            self.profile_about.setText(about)
            self.profile_about.setToolTip(profile_rules(profile, report=self._report)
                                          if profile is not None else "")
            self.profile_about.setVisible(profile is not None)
            self._show_left_out(profile)
            self._fit()
        if self.preview_button is not None:
            self.preview_button.setEnabled(profile is not None and not self.running)
        found = self.problems()
        if not found:
            self.message.clear_message()
            return
        text = "\n".join(problem for problem, _widget in found)
        if self._tried:
            self.message.show_error(text)
        else:
            self.message.show_message(text, "info")
        self._fit()

    def _show_left_out(self, profile: RedactionProfile | None) -> None:
        """List what the profile withholds from this case because of sensitivity tags."""
        lines = self._left_out(profile) if self._left_out and profile is not None else []
        self.left_out.setText(left_out_text(lines))
        self.left_out.setVisible(bool(lines))

    def _fit(self) -> None:
        """Grow to show every line of the profile's description and of the message (a
        clipped description would hide what the copy leaves out). Never shrink: a dialog
        that jumps while the officer types is worse than some empty space."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                  else layout.sizeHint().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def validate(self) -> bool:
        """Refuse with the reasons, cursor on the first field to fix."""
        self._tried = True
        found = self.problems()
        if not found:
            return True
        self.message.show_error("\n".join(problem for problem, _widget in found))
        self._fit()
        found[0][1].setFocus(Qt.FocusReason.OtherFocusReason)
        return False

    # -- running ------------------------------------------------------------------------------
    def start_job(self) -> tasks.BackgroundJob:
        choice = self.choice()
        assert choice is not None  # validate() ran
        work = self._work
        return self.run_job(self._job_title, lambda progress: work(choice, progress),
                            label=self._job_label, cancellable=self._cancellable)

    def preview(self) -> tasks.BackgroundJob | None:
        """Render (nothing written, nothing recorded) and show the pages."""
        profile, render = self.chosen_profile(), self._render
        if profile is None or render is None or self.running:
            return None
        try:
            release: Release | None = self.release()
        except ReleaseDetailsMissing:
            release = None  # a preview may come before the release is filled in

        def show(pdf: RenderedPdf) -> None:
            self.preview_dialog = PreviewDialog(pdf.data, pdf.pages, self.windowTitle(), self)
            self.preview_dialog.open()

        return tasks.run_in_background(
            self, "Preparing the preview", lambda _progress: render(profile, release),
            on_done=show, on_error=self.job_failed, cancellable=False,
            label="Rendering the pages\u2026")
