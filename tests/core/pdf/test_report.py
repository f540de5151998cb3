"""Case report PDF: every part of the case file, in order, readable."""

from __future__ import annotations

from pathlib import Path

from btam_desktop.core.dissemination import Release
from btam_desktop.core.pdf import case_report_pdf, export_submission
from btam_desktop.core.session import Session
from tests.core.pdf.conftest import assert_qpdf_ok, metadata, page_texts, pdf_text
from tests.core.pdf.sample import (
    POC_FAMILY,
    POC_GIVEN,
    SECRET_CONTEXT,
    TARGET_FAMILY,
    TARGET_GIVEN,
    SampleCase,
    marker,
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_report_has_every_section_in_order(session: Session, populated: SampleCase,
                                           tmp_path: Path) -> None:
    pdf = case_report_pdf(session, populated.case.number)
    text = _flat(pdf_text(pdf.data))
    titles = ["1 Case summary", "2 People and roles", "3 Level of concern: history and rationale",
              "4 Timeline", "5 Management plan", "6 Interventions and outcomes",
              "7 Referrals", "8 Reviews and tasks", "9 Dissemination log"]
    positions = [text.index(t) for t in titles]
    assert positions == sorted(positions)
    assert f"{POC_FAMILY}, {POC_GIVEN} Person of concern" in text
    assert f"{TARGET_FAMILY}, {TARGET_GIVEN} Potential target" in text
    assert "Moderate → High" in text
    assert f"Repeated posts about {TARGET_GIVEN} {TARGET_FAMILY}; planning notes found." in text
    assert "Safety plan at school (round 0)" in text
    assert "Attending check-ins twice a week." in text
    assert "Harlow County Youth Counselling" in text and "Accepted" in text
    assert "Team review" in text
    assert SECRET_CONTEXT in text
    assert metadata(pdf.data)["/BTAM-Document"] == "case_report"
    assert_qpdf_ok(pdf.data, tmp_path)


def test_corrected_entries_stay_marked(session: Session, populated: SampleCase) -> None:
    text = _flat(pdf_text(case_report_pdf(session, populated.case.id).data))
    original = text.index(f"Post naming {TARGET_GIVEN} {TARGET_FAMILY} (round 0)")
    corrected = text.index(f"Post naming {TARGET_GIVEN} {TARGET_FAMILY}, corrected (round 0)")
    assert "CORRECTED on" in text[original - 200:original]
    assert "Correction of the entry of" in text[corrected - 200:corrected]


def test_management_plan_summary_uses_the_latest_plan(session: Session,
                                                      populated: SampleCase) -> None:
    text = _flat(pdf_text(case_report_pdf(session, populated.case.id).data))
    plan = text[text.index("5 Management plan"):text.index("6 Interventions")]
    assert "Latest plan: Case management plan (version 1), draft, not complete" in plan
    assert marker("goal_description") in plan and marker("strategies_rationale") in plan
    assert "Sign-off" not in plan  # summary, not the whole form


def test_dissemination_log_is_listed(session: Session, populated: SampleCase,
                                     tmp_path: Path) -> None:
    sub = session.submissions.for_case(populated.case.id)[0]
    export_submission(session, sub.id, tmp_path / "out.pdf", release=Release.checked(
        "Lakeside High threat team", "Safety planning at school", "FERPA 34 CFR 99.36"),
        profile="school_partner")
    text = _flat(pdf_text(case_report_pdf(session, populated.case.id).data))
    log = text[text.index("9 Dissemination log"):]
    assert "Lakeside High threat team" in log and "FERPA 34 CFR 99.36" in log
    assert "school partner" in log and "Filled form" in log


def test_long_case_paginates(session: Session, people: SampleCase) -> None:
    for n in range(120):
        session.store.add_entry(people.case.id, "contact", f"Contact number {n}",
                                details="Talked with the family about supervision. " * 8)
    pages = page_texts(case_report_pdf(session, people.case.id).data)
    assert len(pages) > 5
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in _flat(page)
    joined = _flat("\n".join(pages))
    assert all(f"Contact number {n}" in joined for n in range(120))


def test_empty_case_report(session: Session) -> None:
    case = session.store.create_case("Anonymous letter")
    text = _flat(pdf_text(case_report_pdf(session, case.id).data))
    assert "No people are linked to this case." in text
    assert "No management plan has been written for this case." in text
    assert "No earlier exports." in text
