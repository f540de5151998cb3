"""PDF in the app: exporting case reports and filled forms through the Release dialog
(recipient, purpose, legal basis or consent, redaction profile), exporting several case
reports at once, blank fillable forms, and importing filled ones back as drafts.

The work is the core's (:mod:`btam_desktop.core.pdf`); these dialogs collect what it needs,
run it with :func:`btam_desktop.ui.tasks.run_in_background` and say what happened. Every
export of case data is recorded by the core in the case's dissemination log, which the
History & audit tab shows.
"""

from btam_desktop.ui.pdf.exports import (
    BatchResult,
    export_case_report_dialog,
    export_case_reports,
    export_case_reports_dialog,
    export_submission_dialog,
)
from btam_desktop.ui.pdf.forms import (
    BlankFormDialog,
    ImportPdfDialog,
    ImportResultDialog,
    blank_form_dialog,
)
from btam_desktop.ui.pdf.preview import preview_available
from btam_desktop.ui.pdf.release import ReleaseChoice, ReleaseDialog

__all__ = [
    "BatchResult",
    "BlankFormDialog",
    "ImportPdfDialog",
    "ImportResultDialog",
    "ReleaseChoice",
    "ReleaseDialog",
    "blank_form_dialog",
    "export_case_report_dialog",
    "export_case_reports",
    "export_case_reports_dialog",
    "export_submission_dialog",
    "preview_available",
]
