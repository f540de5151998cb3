"""Session-level entry points: read what a document needs from the vault, render it, and
(for exports) write it atomically with its dissemination record.

``*_pdf`` functions only return bytes (previews, tests); ``export_*`` functions write a file
and record the export. Case data is only written on an explicit export call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from btam_desktop.core import dissemination
from btam_desktop.core.dissemination import Release
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.pdf.acroform import render_blank_form
from btam_desktop.core.pdf.filled import SubmissionDoc, render_submission
from btam_desktop.core.pdf.page import DEFAULT_BANNER, Masthead, RenderedPdf
from btam_desktop.core.pdf.redaction import RedactionProfile, get_profile
from btam_desktop.core.pdf.report import gather_case_report, render_case_report

if TYPE_CHECKING:
    from btam_desktop.core.session import Session

__all__ = [
    "ExportResult",
    "blank_form_pdf",
    "case_report_pdf",
    "export_blank_form",
    "export_case_report",
    "export_submission",
    "masthead_for",
    "submission_doc",
    "submission_pdf",
]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    sha256: str
    size: int
    pages: int
    dissemination_id: str | None = None
    redaction_profile: str = "none"

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {"path": str(self.path), "sha256": self.sha256, "size": self.size,
                "pages": self.pages, "dissemination_id": self.dissemination_id,
                "redaction_profile": self.redaction_profile}


def _profile(profile: RedactionProfile | str | None) -> RedactionProfile:
    return profile if isinstance(profile, RedactionProfile) else get_profile(profile)


def masthead_for(session: Session, profile: RedactionProfile | None = None) -> Masthead:
    """Agency, logo, banner and generator from the vault's settings and the member."""
    logo = session.setting("logo").strip()
    return Masthead(
        agency=session.setting("agency"),
        generated_by=session.actor_name,
        generated_at=datetime.now().astimezone(),
        banner=session.setting("sensitivity_banner", DEFAULT_BANNER).strip() or DEFAULT_BANNER,
        logo=Path(logo).expanduser() if logo else None,
        redaction_line=profile.banner_line() if profile is not None else None,
    )


def _member_names(session: Session) -> dict[str, str]:
    return {m.id: m.name for m in session.members(include_inactive=True)}


def submission_doc(session: Session, submission_id: str, language: str | None = None
                   ) -> SubmissionDoc:
    """Read a submission with its exact form version, case and people (``language``: a
    language of the form by name or code; InvalidInput naming the form's languages when
    it has no such language)."""
    sub = session.submissions.get(submission_id)
    store = session.store
    form = session.submissions.form_for(sub)
    chosen: str | None = None
    if language:
        try:
            chosen = form.language_named(language)
        except ValueError as error:
            raise InvalidInput(str(error)) from None
    return SubmissionDoc(
        form=form, language=chosen,
        attachments={a.id: a.filename for a in store.attachments(sub.case_id)},
        submission=sub,
        case=store.get_case(sub.case_id),
        persons=store.case_persons(sub.case_id),
        members=_member_names(session),
    )


def submission_pdf(session: Session, submission_id: str, *,
                   profile: RedactionProfile | str | None = None,
                   release: Release | None = None, language: str | None = None
                   ) -> RenderedPdf:
    """A filled form as a PDF (nothing written, nothing recorded), in ``language`` (a
    language of the form by name or code; default: the form's default language)."""
    chosen = _profile(profile)
    return render_submission(submission_doc(session, submission_id, language),
                             masthead_for(session, chosen), chosen, release)


def export_submission(session: Session, submission_id: str, out: Path, *, release: Release,
                      profile: RedactionProfile | str | None = None,
                      language: str | None = None) -> ExportResult:
    """Write a filled form to ``out`` and record the dissemination."""
    chosen = _profile(profile)
    if not isinstance(release, Release):
        raise InvalidInput("an export needs a recipient, a purpose and a legal basis")
    sub = session.submissions.get(submission_id)
    pdf = submission_pdf(session, submission_id, profile=chosen, release=release,
                         language=language)
    record = dissemination.write_export(
        session, out, pdf.data, what="submission", case_id=sub.case_id, release=release,
        submission_id=sub.id, redaction_profile=chosen.id)
    return ExportResult(Path(out), record.sha256, len(pdf.data), pdf.pages, record.id,
                        chosen.id)


def case_report_pdf(session: Session, case: str, *,
                    profile: RedactionProfile | str | None = None,
                    release: Release | None = None) -> RenderedPdf:
    """A case report as a PDF (nothing written, nothing recorded)."""
    chosen = _profile(profile)
    return render_case_report(gather_case_report(session, case),
                              masthead_for(session, chosen), chosen, release)


def export_case_report(session: Session, case: str, out: Path, *, release: Release,
                       profile: RedactionProfile | str | None = None) -> ExportResult:
    """Write a case report to ``out`` and record the dissemination."""
    chosen = _profile(profile)
    if not isinstance(release, Release):
        raise InvalidInput("an export needs a recipient, a purpose and a legal basis")
    case_id = session.store.resolve_case_id(case)
    pdf = case_report_pdf(session, case_id, profile=chosen, release=release)
    record = dissemination.write_export(
        session, out, pdf.data, what="case_report", case_id=case_id, release=release,
        redaction_profile=chosen.id)
    return ExportResult(Path(out), record.sha256, len(pdf.data), pdf.pages, record.id,
                        chosen.id)


def blank_form_pdf(session: Session, form_id: str, version: int | None = None
                   ) -> RenderedPdf:
    """A blank fillable form (newest version unless ``version`` is given)."""
    form = session.forms.definition(form_id, version)
    masthead = masthead_for(session)
    blank = f"{masthead.banner} (when filled in)"
    return render_blank_form(form, replace(masthead, banner=blank))


def export_blank_form(session: Session, form_id: str, out: Path, *,
                      version: int | None = None) -> ExportResult:
    """Write a blank fillable form. It holds no case data: audited, not a dissemination."""
    form = session.forms.definition(form_id, version)
    pdf = blank_form_pdf(session, form.id, form.version)
    digest = dissemination.write_unrecorded(
        session, out, pdf.data, what="blank_form", record_type="form", record_id=form.id,
        version=form.version)
    return ExportResult(Path(out), digest, len(pdf.data), pdf.pages)
