"""PDF documents: filled forms, case reports, blank fillable forms and their import, and
redaction profiles for sharing with partners.

Pure Python over reportlab (writing) and pypdf (reading); never imports Qt. Renderers take
plain data and return :class:`RenderedPdf` (bytes and page count); the session-level
functions in :mod:`btam_desktop.core.pdf.export` read the vault, and the ``export_*`` ones
write the file atomically and record it in the dissemination log
(:mod:`btam_desktop.core.dissemination`).

Typical use::

    from btam_desktop.core.dissemination import Release
    from btam_desktop.core.pdf import export_case_report, import_filled_pdf

    release = Release.checked("Lakeside High threat team", "safety planning", "FERPA 99.36")
    export_case_report(session, "2026-0042", Path("report.pdf"), release=release,
                       profile="school_partner")
    result = import_filled_pdf(session, Path("returned.pdf"), "2026-0042")
    for problem in result.problems:
        print(problem)
"""

from btam_desktop.core.pdf.acroform import render_blank_form
from btam_desktop.core.pdf.errors import PdfRefused, ProfileError, ResourceMissing
from btam_desktop.core.pdf.export import (
    ExportResult,
    blank_form_pdf,
    case_report_pdf,
    export_blank_form,
    export_case_report,
    export_submission,
    masthead_for,
    submission_doc,
    submission_pdf,
)
from btam_desktop.core.pdf.fieldnames import PdfField, pdf_fields
from btam_desktop.core.pdf.filled import SubmissionDoc, render_submission
from btam_desktop.core.pdf.importer import (
    FilledPdf,
    ImportProblem,
    ImportResult,
    import_filled_pdf,
    read_filled_pdf,
)
from btam_desktop.core.pdf.page import DEFAULT_BANNER, DocumentSpec, Masthead, RenderedPdf
from btam_desktop.core.pdf.redaction import (
    REDACTED,
    RedactionProfile,
    Redactor,
    get_profile,
    load_profiles,
)
from btam_desktop.core.pdf.report import CaseReportData, gather_case_report, render_case_report

__all__ = [
    "DEFAULT_BANNER",
    "REDACTED",
    "CaseReportData",
    "DocumentSpec",
    "ExportResult",
    "FilledPdf",
    "ImportProblem",
    "ImportResult",
    "Masthead",
    "PdfField",
    "PdfRefused",
    "ProfileError",
    "RedactionProfile",
    "Redactor",
    "RenderedPdf",
    "ResourceMissing",
    "SubmissionDoc",
    "blank_form_pdf",
    "case_report_pdf",
    "export_blank_form",
    "export_case_report",
    "export_submission",
    "gather_case_report",
    "get_profile",
    "import_filled_pdf",
    "load_profiles",
    "masthead_for",
    "pdf_fields",
    "read_filled_pdf",
    "render_blank_form",
    "render_case_report",
    "render_submission",
    "submission_doc",
    "submission_pdf",
]
