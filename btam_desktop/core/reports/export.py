"""Exporting a program report: PDF or CSV, written atomically and owner-only, never over an
existing file unless asked, and recorded in the dissemination log (recipient, purpose, legal
basis, SHA-256) with an ``export`` audit entry, before the file appears — the same path as a
case report (``dissemination.write_export``), for a report that is about no single case
(``case_id`` empty, audited on the record type ``report``)."""

from __future__ import annotations

from pathlib import Path

from btam_desktop.core.dissemination import (
    Dissemination,
    Release,
    ReleaseDetailsMissing,
    get,
    write_export,
)
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.pdf.export import masthead_for
from btam_desktop.core.reports import Report
from btam_desktop.core.reports.csvout import csv_bytes
from btam_desktop.core.session import Session

FORMATS = ("pdf", "csv")
WHAT = "program_report"


def render(session: Session, report: Report, fmt: str, release: Release | None) -> bytes:
    """The file's bytes (nothing written)."""
    if fmt == "csv":
        return csv_bytes(report)
    if fmt == "pdf":
        from btam_desktop.core.pdf.reports_pdf import report_pdf

        return report_pdf(report, masthead_for(session), release).data
    raise InvalidInput(f"unknown format {fmt!r} (pdf or csv)")


def export_report(session: Session, report: Report, out: Path, *, fmt: str,
                  release: Release, overwrite: bool = False) -> Dissemination:
    """Write the report to ``out`` and log it; see the module."""
    if not isinstance(release, Release):
        raise ReleaseDetailsMissing("an export of a report needs a release record")
    if session.role not in ("lead", "analyst", "officer"):
        raise InvalidInput("your role cannot export reports")
    out = Path(out)
    if out.exists() and not out.is_dir() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    profile = f"report:{report.kind}"
    return write_export(
        session, out, render(session, report, fmt, release), what=WHAT, case_id=None,
        release=release, redaction_profile=profile, audit_record=("report", None),
        audit_detail={"report": report.kind, "format": fmt,
                      "period": report.period.label if report.period else "all time"})


def logged(session: Session) -> list[Dissemination]:
    """The program reports exported from this vault (and the laptops it syncs with), newest
    first: the part of the dissemination log that no single case holds."""
    rows = session.db.query("SELECT id FROM disseminations WHERE what = ? ORDER BY"
                            " exported_at DESC", (WHAT,))
    return [get(session, r["id"]) for r in rows]
