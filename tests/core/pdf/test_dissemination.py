"""Dissemination log: no export without recipient, purpose and basis; each one recorded with
the hash of the bytes written, in one operation with its audit entry."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from btam_desktop.core import dissemination
from btam_desktop.core.dissemination import Release, ReleaseDetailsMissing
from btam_desktop.core.pdf import export_blank_form, export_case_report, export_submission
from btam_desktop.core.session import Session
from tests.core.pdf.conftest import metadata, pdf_text
from tests.core.pdf.sample import SampleCase

RELEASE = Release("Ms. Jo Park, counsellor, Lakeside High", "Safety planning at school",
                  "Parent consent signed 2026-03-02")


@pytest.mark.parametrize(("recipient", "purpose", "basis", "missing"), [
    ("", "p", "b", "recipient"),
    ("r", "  ", "b", "purpose"),
    ("r", "p", None, "legal basis or consent"),
    (None, None, None, "recipient, purpose, legal basis or consent"),
])
def test_release_needs_every_part(recipient: str | None, purpose: str | None,
                                  basis: str | None, missing: str) -> None:
    with pytest.raises(ReleaseDetailsMissing, match=f"needs {missing}:"):
        Release.checked(recipient, purpose, basis)
    assert Release.checked(" Jo  Park ", "p", "b").recipient == "Jo Park"


def test_export_is_written_and_recorded(session: Session, people: SampleCase,
                                        tmp_path: Path) -> None:
    sub = session.submissions.create(people.case.id, "contact_log", {}, strict=False)
    out = tmp_path / "out" / "contact.pdf"
    result = export_submission(session, sub.id, out, release=RELEASE,
                               profile="school_partner")
    data = out.read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert "Released to Ms. Jo Park, counsellor, Lakeside High" in " ".join(
        pdf_text(data).split())
    [entry] = dissemination.for_case(session, people.case.number)
    assert entry.id == result.dissemination_id
    assert (entry.what, entry.submission_id, entry.redaction_profile) == (
        "submission", sub.id, "school_partner")
    assert (entry.recipient, entry.purpose, entry.legal_basis) == (
        RELEASE.recipient, RELEASE.purpose, RELEASE.legal_basis)
    assert entry.filename == "contact.pdf" and entry.sha256 == result.sha256
    assert entry.exported_by == session.member_id and entry.exported_by_name == "Dana Reyes"
    audit = [a for a in session.store.audit_trail(people.case.id) if a.action == "export"]
    assert len(audit) == 1
    assert audit[0].detail["dissemination"] == entry.id
    assert "Jo Park" not in str(audit[0].detail)  # the audit trail holds no case content
    assert metadata(data)["/BTAM-Redaction"] == "school_partner"


def test_case_report_export_is_recorded(session: Session, people: SampleCase,
                                        tmp_path: Path) -> None:
    result = export_case_report(session, people.case.id, tmp_path / "r.pdf", release=RELEASE)
    [entry] = dissemination.for_case(session, people.case.id)
    assert entry.what == "case_report" and entry.submission_id is None
    assert entry.redaction_profile == "none" and result.pages >= 1


def test_failed_write_records_nothing(session: Session, people: SampleCase,
                                      tmp_path: Path) -> None:
    blocked = tmp_path / "a-folder"
    blocked.mkdir()
    with pytest.raises(OSError):
        export_case_report(session, people.case.id, blocked, release=RELEASE)
    assert dissemination.for_case(session, people.case.id) == []
    assert not [a for a in session.store.audit_trail(people.case.id) if a.action == "export"]


def test_export_without_release_is_refused(session: Session, people: SampleCase,
                                           tmp_path: Path) -> None:
    with pytest.raises(ReleaseDetailsMissing):
        dissemination.write_export(session, tmp_path / "x.pdf", b"%PDF-", what="case_report",
                                   case_id=people.case.id, release=None)  # type: ignore[arg-type]
    assert not (tmp_path / "x.pdf").exists()


def test_blank_forms_are_audited_not_disseminated(session: Session, tmp_path: Path) -> None:
    result = export_blank_form(session, "threat_inquiry", tmp_path / "blank.pdf")
    assert result.dissemination_id is None and result.pages > 3
    assert session.db.scalar("SELECT count(*) FROM disseminations") == 0
    [entry] = [a for a in session.store.audit_trail("threat_inquiry") if a.action == "export"]
    assert entry.record_type == "form" and entry.detail["what"] == "blank_form"
    assert entry.detail["sha256"] == result.sha256
