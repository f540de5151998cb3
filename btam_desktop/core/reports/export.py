"""Exporting a program report: PDF or CSV, written atomically and owner-only, never over an
existing file unless asked, and recorded in the dissemination log (recipient, purpose, legal
basis, SHA-256) with an ``export`` audit entry, before the file appears — the same path as a
case report (``dissemination.write_export``), for a report that is about no single case
(``case_id`` empty, audited on the record type ``report``)."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

from btam_desktop.core import audit
from btam_desktop.core.dissemination import (
    Dissemination,
    Release,
    ReleaseDetailsMissing,
    get,
)
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.fileio import atomic_writer
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
    if out.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(out))
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists; choose another name")
    data = render(session, report, fmt, release)
    digest = hashlib.sha256(data).hexdigest()
    with atomic_writer(out) as handle:
        handle.write(data)
        with session.operation("export") as op:
            record_id = op.insert("disseminations", {
                "case_id": None, "submission_id": None, "what": WHAT,
                "recipient": release.recipient, "purpose": release.purpose,
                "legal_basis": release.legal_basis, "redaction_profile": f"report:{report.kind}",
                "filename": out.name, "sha256": digest, "exported_at": audit.utc_now(),
                "exported_by": session.member_id, "exported_by_name": session.actor_name})
            op.audit("export", "report", None, what=WHAT, dissemination=record_id,
                     profile=f"report:{report.kind}", sha256=digest, report=report.kind,
                     format=fmt, period=report.period.label if report.period else "all time")
    return get(session, record_id)


def logged(session: Session) -> list[Dissemination]:
    """The program reports exported from this vault (and the laptops it syncs with), newest
    first: the part of the dissemination log that no single case holds."""
    rows = session.db.query("SELECT id FROM disseminations WHERE what = ? ORDER BY"
                            " exported_at DESC", (WHAT,))
    return [get(session, r["id"]) for r in rows]
