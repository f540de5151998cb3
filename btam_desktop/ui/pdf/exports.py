"""Exports of case data as PDF: a case report, one filled form, or the reports of several cases.

Each opens the :class:`~btam_desktop.ui.pdf.release.ReleaseDialog`; Export runs the core's
``export_*`` in the background (a long case report takes seconds to render), which writes
the file atomically, owner-only, and records it in the case's dissemination log in the same
transaction. The page that asked shows the outcome through ``show(text, kind)``: where the
file is, its page count and size (the preview is not available everywhere, so this is how the
officer knows what went out), the profile, and that it is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.model import Case
from btam_desktop.core.pdf import (
    ExportResult,
    RedactionProfile,
    case_report_pdf,
    export_case_report,
    export_submission,
    submission_pdf,
)
from btam_desktop.core.pdf.report import gather_case_report, withheld_items
from btam_desktop.core.session import Session
from btam_desktop.core.submissions import Submission
from btam_desktop.ui import tasks
from btam_desktop.ui.forms.view import remembered_languages
from btam_desktop.ui.pdf.job_dialog import describe
from btam_desktop.ui.pdf.paths import FOLDER, default_folder, safe_part, unique_path
from btam_desktop.ui.pdf.preview import size_text
from btam_desktop.ui.pdf.release import ReleaseChoice, ReleaseDialog

Show = Callable[[str, str], None]
"""``show(text, kind)``: put an outcome in the page's message line (kind "ok"/"info"/"error")."""

RECORDED = "Recorded in the case's dissemination log (History & audit)."
LOGGED = "What you enter here is kept in the case's dissemination log."
KEEP_SAFE = "The file is not encrypted: delete your copy when it is no longer needed."


def _pages(count: int) -> str:
    return f"{count} page{'' if count == 1 else 's'}"


def outcome_text(what: str, result: ExportResult, profile: RedactionProfile) -> str:
    """"Case report saved to …: 3 pages, 48 KB, profile School partner. Recorded …"."""
    return (f"{what} saved to {result.path}: {_pages(result.pages)}, "
            f"{size_text(result.size)}, redaction profile {profile.title}. {RECORDED} "
            f"{KEEP_SAFE}")


def outcome_box(parent: QWidget, title: str, text: str, kind: str) -> QMessageBox:
    """The outcome in a window-modal box (``open()``, never ``exec()``)."""
    icon = {"error": QMessageBox.Icon.Warning, "info": QMessageBox.Icon.Information}.get(
        kind, QMessageBox.Icon.Information)
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setAccessibleName(title)
    box.setAccessibleDescription(text)
    box.open()
    return box


def report_name(number: str) -> str:
    """The file name of a case's report: ``<case number>-case-report.pdf``."""
    return f"{safe_part(number)}-case-report.pdf"


def submission_name(number: str, sub: Submission) -> str:
    """``<case number>-<form id>-v<version>.pdf``."""
    return f"{safe_part(number)}-{safe_part(sub.form_id, 'form')}-v{sub.form_version}.pdf"


def export_case_report_dialog(parent: QWidget, session: Session, case: Case, show: Show
                              ) -> ReleaseDialog:
    """Ask for the release details, then write the case report of ``case``."""
    case_id = case.id

    def work(choice: ReleaseChoice, _progress: tasks.Progress) -> ExportResult:
        return export_case_report(session, case_id, choice.target, release=choice.release,
                                  profile=choice.profile)

    # Read once: what each profile would withhold is shown as soon as it is chosen.
    data = gather_case_report(session, case_id)
    dialog = ReleaseDialog(
        session, parent.window(), title=f"Export case report \u2014 {case.number}",
        intro=f"The case report of {case.number} (\u201c{case.title}\u201d): summary, people, "
              "concern history, timeline, plan, referrals and tasks, as the profile allows. "
              f"{LOGGED}",
        work=work, job_title="Exporting the case report",
        job_label=f"Writing the case report of {case.number}\u2026",
        suggested=default_folder() / report_name(case.number), report=True,
        render=lambda profile, release: case_report_pdf(session, case_id, profile=profile,
                                                        release=release),
        left_out=lambda profile: withheld_items(data, profile))
    _report_outcome(dialog, "Case report", show)
    dialog.open()
    return dialog


def export_submission_dialog(parent: QWidget, session: Session, case: Case, sub: Submission,
                             form_title: str, show: Show) -> ReleaseDialog:
    """Ask for the release details, then write one filled form of ``case``."""
    sub_id = sub.id
    # The language the form view last showed this form in (issue 11); None: the default.
    language = remembered_languages.get(sub.form_id)
    state = ""
    if sub.status == "draft":
        state = " It is a draft: the PDF says so on every page."
    elif sub.superseded_by:
        state = " It was amended later: this is the earlier version."

    def work(choice: ReleaseChoice, _progress: tasks.Progress) -> ExportResult:
        return export_submission(session, sub_id, choice.target, release=choice.release,
                                 profile=choice.profile, language=language)

    dialog = ReleaseDialog(
        session, parent.window(), title=f"Export form \u2014 {form_title}",
        intro=f"\u201c{form_title}\u201d (version {sub.form_version}) of case "
              f"{case.number}.{state} {LOGGED}",
        work=work, job_title="Exporting the form",
        job_label=f"Writing \u201c{form_title}\u201d\u2026",
        suggested=default_folder() / submission_name(case.number, sub), report=False,
        render=lambda profile, release: submission_pdf(session, sub_id, profile=profile,
                                                       release=release, language=language))
    _report_outcome(dialog, f"\u201c{form_title}\u201d", show)
    dialog.open()
    return dialog


def _report_outcome(dialog: ReleaseDialog, what: str, show: Show) -> None:
    def done(result: object) -> None:
        profile = dialog.chosen_profile()
        if isinstance(result, ExportResult) and profile is not None:
            show(outcome_text(what, result, profile), "ok")

    dialog.succeeded.connect(done)


# -- several cases ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchResult:
    """What a batch export wrote before it ended, was cancelled, or stopped on an error."""

    folder: Path
    total: int
    written: tuple[ExportResult, ...]
    cancelled: bool = False
    failure: str = ""  # the case and reason that stopped the batch

    def text(self) -> str:
        """The outcome in words."""
        count, total = len(self.written), self.total
        reports = f"{count} of {total} case report{'' if total == 1 else 's'}"
        pages = sum(r.pages for r in self.written)
        size = size_text(sum(r.size for r in self.written))
        files = f" ({_pages(pages)}, {size} in all)" if count else ""
        if self.failure:
            return (f"Stopped: {self.failure} {reports} were written to {self.folder} before "
                    f"that{files}; each is recorded in its case's dissemination log.")
        if self.cancelled:
            return (f"Cancelled: {reports} were written to {self.folder}{files} and are "
                    f"kept; each is recorded in its case's dissemination log. The other "
                    f"{total - count} were not exported.")
        return (f"{count} case report{'' if count == 1 else 's'} saved to {self.folder}"
                f"{files}, one PDF per case named by its number. Each is recorded in its "
                f"case's dissemination log. {KEEP_SAFE}")

    @property
    def kind(self) -> str:
        """The message kind to show :meth:`text` with."""
        if self.failure:
            return "error"
        return "info" if self.cancelled else "ok"


def export_case_reports(session: Session, cases: Sequence[tuple[str, str]],
                        choice: ReleaseChoice, progress: tasks.Progress) -> BatchResult:
    """Write one case report per ``(case id, number)`` into ``choice.target`` (a folder).

    Stops between two cases when ``progress`` says so (Cancel), keeping what was written:
    every file on disk is a complete export with its own log entry. An existing file is never
    replaced: the new one gets ``-2``, ``-3``… after its name.
    """
    written: list[ExportResult] = []
    total = len(cases)
    for index, (case_id, number) in enumerate(cases):
        if not progress(index, total):
            return BatchResult(choice.target, total, tuple(written), cancelled=True)
        path = unique_path(choice.target / report_name(number))
        try:
            written.append(export_case_report(session, case_id, path,
                                              release=choice.release, profile=choice.profile))
        except (BtamError, OSError) as error:
            return BatchResult(choice.target, total, tuple(written),
                               failure=f"case {number} could not be exported ({describe(error)})")
    progress(total, total)
    return BatchResult(choice.target, total, tuple(written))


def export_case_reports_dialog(parent: QWidget, session: Session,
                               cases: Sequence[tuple[str, str]], show: Show) -> ReleaseDialog:
    """One release for several cases, an output folder, then a cancellable background job."""
    chosen = list(cases)
    count = len(chosen)
    numbers = ", ".join(number for _id, number in chosen[:6])
    if count > 6:
        numbers += f" and {count - 6} more"

    def work(choice: ReleaseChoice, progress: tasks.Progress) -> BatchResult:
        return export_case_reports(session, chosen, choice, progress)

    dialog = ReleaseDialog(
        session, parent.window(), title=f"Export {count} case reports",
        intro=f"The case reports of {numbers}: one PDF per case, named by its case number, "
              "all with the same recipient, purpose, legal basis and profile. Each is "
              "recorded in its case's dissemination log.",
        work=work, job_title="Exporting case reports",
        job_label=f"Writing {count} case reports\u2026 Cancel keeps the ones already written.",
        suggested=default_folder(), target=FOLDER, report=True, cancellable=True)

    def done(result: object) -> None:
        if isinstance(result, BatchResult):
            show(result.text(), result.kind)

    dialog.succeeded.connect(done)
    dialog.open()
    return dialog
