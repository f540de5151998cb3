"""Program reports against a vault built for the test with known counts: the resource map
(gaps named in words, use of partners), the gap analysis of a period (counts only), the
post-evaluation of closed cases; CSV neutralising formulas; exports only through the
dissemination log. Dates are relative to today (closing a case stamps today)."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from btam_desktop.core.dissemination import Release, ReleaseDetailsMissing
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.reports import Period, gaps, post_evaluation, resource_map
from btam_desktop.core.reports.csvout import csv_bytes, safe_cell
from btam_desktop.core.reports.export import export_report
from btam_desktop.core.session import Session
from tests.core.sync.conftest import laptops  # noqa: F401 (fixture)

T = date.today()
FORMULA = '=HYPERLINK("http://evil.example","Victim line")'


def day(offset: int) -> str:
    return (T + timedelta(days=offset)).isoformat()


def at(offset: int) -> str:
    return day(offset) + "T10:00"


def sig(name: str) -> dict[str, str]:
    return {"name": name, "badge": "1", "date": day(0)}


def plan(poc: str) -> dict[str, object]:
    return {"plan_date": day(-99), "plan_type": "initial", "poc": poc,
            "concern_level_at_plan": "high",
            "goals": [{"goal_description": "Attends counselling", "goal_concern_addressed": "x",
                       "goal_measure": "y", "goal_status": "in_progress"}],
            "strategies": ["third_party_monitoring", "subject_interview"],
            "strategies_rationale": "r", "monitoring_details": "m",
            "referrals": [
                {"referral_discipline": "mental_health", "referral_agency": "A",
                 "referral_service": "S", "referral_responsible": "R",
                 "referral_status": "unavailable"},
                {"referral_discipline": "public_health", "referral_agency": "B",
                 "referral_service": "S", "referral_responsible": "R",
                 "referral_status": "in_progress"}],
            "lead_discipline": "law_enforcement", "lead_agency": "PD", "lead_person": "Lead",
            "targets_identified": "no", "review_date": "2099-01-01",
            "prepared_by": sig("Lead"), "approved_by": sig("Chief")}


def closure_review(poc: str) -> dict[str, object]:
    return {"review_date": day(0), "review_type": "closure_review", "poc": poc,
            "review_participants": [{"reviewer_name": "Lead",
                                     "reviewer_discipline": "law_enforcement"}],
            "changes_since_last": "c", "new_incidents": "no", "plan_progress": "p",
            "current_concern_level": "low",
            "concern_rationale": "Engaged with counselling; the grievance was settled.",
            "decision": "close", "decision_rationale": "d",
            "closure_criteria_met": ["off_pathway", "supports_in_place"],
            "closure_reason": "done", "followup_date": day(90), "followup_by": "Lead",
            "reviewed_by": sig("Lead"), "supervisor_signature": sig("Chief")}


@pytest.fixture
def demo(session: Session) -> Session:
    """Four partners, six cases (one in the trash); see each report test for the counts."""
    store = session.store
    mh = store.add_partner("Harbor Mental Health", "mental_health",
                           tiers="selective,intensive", ages="youth", wait_days=42)
    school = store.add_partner("Northgate High", "school",
                               tiers="universal,selective,intensive", wait_days=42)
    family = store.add_partner("County Family Services", "social_services",
                               tiers="universal", ages="adults", hours="Mon-Fri 9-5")
    store.add_partner(FORMULA, "victim_services", tiers="universal")
    poc = store.add_person("Merrow", "Jude")

    c1 = store.create_case("Threats after expulsion", concern="high", tier="intensive",
                           opened_on=day(-100))
    store.link_person(c1.id, poc.id, "person_of_concern")
    store.add_entry(c1.id, "intervention", "Safety plan at school", occurred_at=at(-95))
    ref = store.add_entry(c1.id, "referral", "Counselling", partner_id=mh.id,
                          referral_status="made", occurred_at=at(-94))
    store.correct_entry(ref.id, referral_status="accepted")
    session.submissions.create(c1.id, "management_plan", plan(poc.id), complete=True)
    store.update_case(c1.id, {"concern": "moderate"}, reason="Engaged with counselling")
    session.submissions.create(c1.id, "case_review_closure", closure_review(poc.id),
                               complete=True)
    store.update_case(c1.id, {"status": "closed", "closure_reason": "Plan completed"})

    c2 = store.create_case("Letters to the mayor", concern="moderate", tier="selective",
                           status="open", opened_on=day(-50))
    store.add_entry(c2.id, "referral", "Threat assessment at school", partner_id=school.id,
                    referral_status="waiting", occurred_at=at(-45))
    store.add_task(c2.id, "Review", kind="review", due_on=day(-10))  # overdue
    late = store.add_task(c2.id, "Review", kind="review", due_on=day(-20))
    store.complete_task(late.id)
    on_time = store.add_task(c2.id, "Review", kind="review", due_on=day(0))
    store.complete_task(on_time.id)
    store.add_task(c2.id, "Review", kind="review", due_on=day(10))  # not due in the period

    c3 = store.create_case("Workplace grievance", concern="low", tier="universal",
                           status="active", opened_on=day(-400))
    store.add_entry(c3.id, "referral", "Family support", partner_id=family.id,
                    referral_status="declined", occurred_at=at(-300))

    c4 = store.create_case("Posts about a rally", concern="high", tier="universal",
                           opened_on=day(-30))
    store.update_case(c4.id, {"status": "closed", "closure_reason": "Moved away"})

    c5 = store.create_case("New report about the same student", opened_on=day(0))
    store.link_person(c5.id, poc.id, "person_of_concern")

    c6 = store.create_case("Entered by mistake", concern="imminent", opened_on=day(-10))
    store.delete_case(c6.id)
    return session


PERIOD = Period(T - timedelta(days=180), T)


def test_resource_map_names_the_gaps_and_counts_partner_use(demo: Session) -> None:
    report = resource_map.build(demo)
    found = report.findings
    assert "No partner for universal mental-health services." in found
    assert "No partner for intensive mental-health services for adults." in found
    assert "No partner for selective mental-health services for adults." in found
    assert "School (intensive tier): one partner, 6-week wait." in found
    assert "Mental health (intensive tier): one partner, 6-week wait." in found
    assert "No partner for universal social services for young people." in found
    assert "No partner for intensive public-health services." in found
    assert not any("universal school" in f for f in found)
    assert not any("no prevention tier recorded" in f for f in found)
    demo.store.add_partner("Quarry Road food bank", "social_services", kind="resource")
    assert resource_map.build(demo).findings[0].startswith(
        "1 of 5 partners have no prevention tier recorded")
    grid = report.table("Partners by discipline and prevention tier")
    assert grid.cell("School", "Intensive") == 1
    assert grid.cell("Mental health", "Universal") == 0
    assert grid.cell("Mental health", "Selective") == 1
    usage = report.table("Use of partners")
    assert usage.cell("Harbor Mental Health", "Referrals") == 1
    assert usage.cell("Harbor Mental Health", "Accepted") == 1  # its newest status
    assert usage.cell("Harbor Mental Health", "Pending") == 0
    assert usage.cell("Northgate High", "Waiting") == 1
    assert usage.cell("County Family Services", "Declined") == 1
    assert usage.cell(FORMULA, "Referrals") == 0
    # In a period, older referrals are left out.
    assert resource_map.build(demo, PERIOD).table(
        f"Use of partners ({PERIOD.label})").cell("County Family Services", "Referrals") == 0


def test_gap_analysis_counts_the_period(demo: Session) -> None:
    report = gaps.build(demo, PERIOD)
    load = report.table("Caseload in the period")
    assert load.cell("Open at any time in the period", "Cases") == 5  # not the trashed one
    assert load.cell("Opened in the period", "Cases") == 4
    assert load.cell("Closed in the period", "Cases") == 2
    concern = report.table("Caseload by concern level")
    assert [r[1] for r in concern.rows] == [2, 2, 1, 0]  # low, moderate, high, imminent
    assert [r[1] for r in report.table("Caseload by prevention tier").rows] == [3, 1, 1]
    status = report.table("Caseload by status")
    assert status.cell("Open", "Cases") == 2 and status.cell("Active", "Cases") == 1
    assert status.cell("Closed", "Cases") == 2
    timing = report.table("Time from intake to first intervention (cases opened in the"
                          " period)")
    assert timing.cell("Cases with an intervention or referral", "Value") == 2
    assert timing.cell("Cases with none yet", "Value") == 2
    assert timing.cell("Median days", "Value") == 5
    reviews = report.table("Scheduled reviews due in the period")
    assert [r[1] for r in reviews.rows] == [1, 1, 1]  # on time, late, overdue
    refs = report.table("Referrals made in the period by discipline and outcome")
    assert refs.cell("Mental health", "Accepted") == 1
    assert refs.cell("School", "Waiting") == 1
    assert refs.cell("Social services", "Referrals") == 0  # made before the period
    unmet = report.table("Needs in management plans no partner could meet")
    assert unmet.cell("Mental health", "Not available or waitlisted") == 1
    assert unmet.cell("Public health", "No partner in the directory") == 1
    why = report.table("Cases closed in the period and why")
    assert why.cell("No longer on a pathway toward violence", "Cases") == 1
    assert why.cell("Stabilising supports in place and engaged", "Cases") == 1
    assert why.cell(gaps.NO_REVIEW, "Cases") == 1
    assert "5 cases were open during the period; 4 were opened and 2 closed." in report.findings
    # Counts only: no name, title or case number anywhere in the report.
    text = csv_bytes(report).decode("utf-8")
    for word in ("Merrow", "Jude", "expulsion", "Plan completed", "Moved away",
                 *[c.number for c in demo.store.list_cases()]):
        assert word not in text


def test_post_evaluation_of_closed_cases(demo: Session) -> None:
    report = post_evaluation.build(demo, PERIOD)
    cases = report.table("Closed cases")
    assert len(cases.rows) == 2
    by_days = {row[2]: row for row in cases.rows}
    assert set(by_days) == {100, 30}
    c1 = by_days[100]
    assert c1[3:6] == ["high", "high", "moderate"]
    assert c1[6:] == ["1 / 1", "yes"]  # 1 intervention / 1 referral, re-referred
    assert by_days[30][7] == "no"
    timing = report.table("Time to closure")
    assert timing.cell("Median days", "Value") == 65
    assert timing.cell("Re-referred after closure", "Value") == 1
    moved = report.table("Concern level from opening to closing")
    assert [r[1] for r in moved.rows] == [1, 1, 0]
    tried = report.table("Interventions tried")
    assert tried.cell("Third-party monitoring or intervention", "Times") == 1
    assert tried.cell("Interventions on the timeline", "Times") == 1
    assert tried.cell("Referrals to mental health partners", "Times") == 1
    series = {s.label: s.points for s in report.series}
    c1_points = next(p for label, p in series.items() if p[0][0] == day(-100))
    assert c1_points[0] == (day(-100), 2.0) and c1_points[-1] == (day(0), 1.0)
    assert report.overall is not None and report.overall.points[0] == ("month 0", 2.0)


def test_csv_cells_that_look_like_formulas_are_neutralised(demo: Session) -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Northgate High") == "Northgate High"
    assert safe_cell(-3) == "-3" and safe_cell(2.5) == "2.5"
    rows = list(csv.reader(io.StringIO(csv_bytes(resource_map.build(demo))
                                       .decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "'" + FORMULA in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_exports_go_through_the_dissemination_log(demo: Session, tmp_path: Path) -> None:
    report = gaps.build(demo, PERIOD)
    release = Release.checked("County board", "Annual program review", "State code 12-34")
    with pytest.raises(ReleaseDetailsMissing):
        Release.checked("County board", "", "State code")
    out = tmp_path / "gaps.pdf"
    logged = export_report(demo, report, out, fmt="pdf", release=release)
    assert out.read_bytes().startswith(b"%PDF")
    assert (out.stat().st_mode & 0o777) == 0o600
    assert logged.recipient == "County board" and logged.what == "program_report"
    assert logged.case_id is None and logged.filename == "gaps.pdf"
    with pytest.raises(InvalidInput, match="already exists"):
        export_report(demo, report, out, fmt="csv", release=release)
    export_report(demo, report, tmp_path / "gaps.csv", fmt="csv", release=release)
    rows = demo.db.query("SELECT what, purpose, legal_basis FROM disseminations"
                         " WHERE what = 'program_report'")
    assert len(rows) == 2 and rows[0]["legal_basis"] == "State code 12-34"
    audits = demo.db.query("SELECT record_type FROM audit WHERE action = 'export'"
                           " AND detail LIKE '%program_report%'")
    assert [r[0] for r in audits] == ["report", "report"]
    from btam_desktop.core import dissemination
    assert dissemination.cross_check(demo.db) == []


@pytest.mark.parametrize("kind", ["resource-map", "gaps", "post-evaluation"])
def test_every_report_pdf_passes_qpdf(demo: Session, tmp_path: Path, kind: str) -> None:
    from btam_desktop.core.reports.compute import build

    out = tmp_path / f"{kind}.pdf"
    export_report(demo, build(demo, kind, PERIOD), out, fmt="pdf",
                  release=Release.checked("Chief", "Review", "Policy 4.2"))
    check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_gap_analysis_counts_referrals_between_teams(laptops: Callable[[str], Session],  # noqa: F811
                                                    tmp_path: Path) -> None:
    from btam_desktop.core.sync import referral, team
    from tests.core.sync.test_referral import exchange_cards

    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    team.create_team(b, "County Threat Assessment")
    exchange_cards(a, b, tmp_path)
    sent = []
    for name in ("one", "two", "three"):
        case = a.store.create_case(f"Case {name}")
        sent.append(referral.send(a, case.id, to_team="County Threat Assessment",
                                  profile="school_partner", reason="Moved",
                                  legal_basis="Code 1", out=tmp_path / f"{name}.btambundle"))
    for result in sent:
        referral.import_file(b, result.path)
    referral.accept(b, sent[0].referral_id, out=tmp_path / "ack1.btambundle")
    referral.decline(b, sent[1].referral_id, "Outside our area",
                     out=tmp_path / "ack2.btambundle")
    for name in ("ack1", "ack2"):
        referral.import_file(a, tmp_path / f"{name}.btambundle")
    mine = gaps.build(a, PERIOD).table("Referrals to and from other teams in the period")
    assert mine.rows[0] == ["Sent to other teams", 3, 1, 1, 1]
    assert mine.rows[1] == ["Received from other teams", 0, 0, 0, 0]
    theirs = gaps.build(b, PERIOD).table("Referrals to and from other teams in the period")
    assert theirs.rows[1] == ["Received from other teams", 3, 1, 1, 1]
