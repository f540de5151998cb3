"""Sensitivity tags on timeline entries and plan items (tasks): a redaction profile that
promises to leave out mental-health and criminal-history details leaves out the entries and
plan items tagged so, not only tagged form answers (issue 9)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.model import suggest_sensitivity
from btam_desktop.core.ops import TABLES
from btam_desktop.core.pdf import case_report_pdf, get_profile
from btam_desktop.core.pdf.report import gather_case_report, withheld_items
from btam_desktop.core.session import Session
from tests.core.pdf.sample import SampleCase

CRISIS = "Crisis team evaluation at the hospital on Friday"
STRESSORS = "Stressors: parents separating, lost his job at the garage"
ORDER = "Protective order served; no contact with the ex-girlfriend"
ORIGINAL = "Talked with the father about the weekend"
CORRECTED = "Father said the psychiatrist changed the medication"
KEPT = "Met the vice principal about the lunch schedule"
PLAN_ITEM = "Check the probation terms with the county"


def _pdftotext(data: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext (poppler-utils) is needed"
    source = tmp_path / "report.pdf"
    source.write_bytes(data)
    done = subprocess.run([tool, "-layout", str(source), "-"], capture_output=True,
                          text=True, check=True)
    return " ".join(done.stdout.split())


@pytest.fixture
def tagged(session: Session, people: SampleCase) -> SampleCase:
    store = session.store
    case_id = people.case.id
    store.add_entry(case_id, "contact", CRISIS, sensitivity=["mental_health"],
                    occurred_at="2026-03-02T10:00")
    store.add_entry(case_id, "concerning_behaviour", "Angry posts after the weekend",
                    details=STRESSORS, sensitivity=["mental_health"],
                    occurred_at="2026-03-03T10:00")
    store.add_entry(case_id, "intervention", ORDER, outcome="Order acknowledged",
                    sensitivity=("criminal_history",), occurred_at="2026-03-04T10:00")
    # Tagged only when corrected: the original text goes too (same fact).
    first = store.add_entry(case_id, "contact", ORIGINAL, details=ORIGINAL,
                            occurred_at="2026-03-05T10:00")
    store.correct_entry(first.id, details=CORRECTED, sensitivity=("mental_health",))
    store.add_entry(case_id, "contact", KEPT, occurred_at="2026-03-06T10:00")
    store.add_task(case_id, PLAN_ITEM, sensitivity=["criminal_history"])
    store.add_task(case_id, "Team review", kind="review")
    return people


def test_school_partner_copy_leaves_out_tagged_entries(
        session: Session, tagged: SampleCase, tmp_path: Path) -> None:
    full = _pdftotext(case_report_pdf(session, tagged.case.id).data, tmp_path)
    for text in (CRISIS, STRESSORS, ORDER, ORIGINAL, CORRECTED, KEPT):
        assert text in full, text
    school = _pdftotext(case_report_pdf(session, tagged.case.id,
                                        profile="school_partner").data, tmp_path)
    for text in (CRISIS, STRESSORS, ORDER, "Order acknowledged", ORIGINAL, CORRECTED):
        assert text not in school, text
    assert KEPT in school
    assert "[redacted]" in school


def test_plan_items_tagged_are_withheld(session: Session, tagged: SampleCase,
                                        tmp_path: Path) -> None:
    text = _pdftotext(case_report_pdf(session, tagged.case.id,
                                      profile="mental_health_partner").data, tmp_path)
    assert PLAN_ITEM not in text and "Team review" in text
    # This profile keeps mental-health details: the crisis-team entry stays.
    assert CRISIS in text and ORDER not in text


def test_omit_profile_leaves_tagged_entries_out_entirely(
        session: Session, tagged: SampleCase, tmp_path: Path) -> None:
    text = _pdftotext(case_report_pdf(session, tagged.case.id,
                                      profile="public_health_partner").data, tmp_path)
    for words in (CRISIS, "Angry posts", ORDER, ORIGINAL):
        assert words not in text, words
    assert KEPT in text and "[redacted]" not in text


def test_what_is_left_out_is_counted_beforehand(session: Session,
                                                tagged: SampleCase) -> None:
    data = gather_case_report(session, tagged.case.id)
    assert withheld_items(data, get_profile("school_partner")) == [
        "5 timeline entries (criminal history, mental health)"]
    assert withheld_items(data, get_profile("mental_health_partner")) == [
        "1 timeline entry (criminal history)", "1 plan item (criminal history)"]
    assert withheld_items(data, get_profile("none")) == []


def test_tags_are_stored_checked_and_kept_by_a_correction(session: Session,
                                                          people: SampleCase) -> None:
    store = session.store
    entry = store.add_entry(people.case.id, "note", "x",
                            sensitivity=["mental_health", "criminal_history", "mental_health"])
    assert entry.sensitivity == ("criminal_history", "mental_health")
    assert store.correct_entry(entry.id, summary="y").sensitivity == entry.sensitivity
    assert store.timeline(people.case.id)[0].to_json()["sensitivity"] == [
        "criminal_history", "mental_health"]
    with pytest.raises(InvalidInput, match="unknown sensitivity tag 'secret'"):
        store.add_entry(people.case.id, "note", "z", sensitivity=["secret"])
    task = store.add_task(people.case.id, "t", sensitivity=["intelligence"])
    assert store.get_task(task.id).sensitivity == ("intelligence",)


def test_tags_travel_with_sync() -> None:
    assert "sensitivity" in TABLES["timeline"].fields
    assert "sensitivity" in TABLES["tasks"].fields


def test_suggested_from_kind_and_words() -> None:
    assert "mental_health" in suggest_sensitivity("contact", CRISIS)
    assert suggest_sensitivity("intervention", ORDER) == ("criminal_history",)
    assert suggest_sensitivity("referral", "Weekly sessions",
                               discipline="mental_health") == ("mental_health",)
    assert suggest_sensitivity("contact", KEPT) == ()
    assert suggest_sensitivity("note", "He was in charge of the group") == ()


def test_demo_entries_are_tagged_and_withheld_from_the_school_copy(
        session: Session, tmp_path: Path) -> None:
    from btam_desktop.core import demo

    demo.generate(session, 60, seed=5)
    rows = session.db.query(
        "SELECT case_id, summary, sensitivity FROM timeline WHERE sensitivity != '[]'")
    assert rows, "the demo tags nothing"
    crisis = next(r for r in rows if "mental_health" in r["sensitivity"])
    school = _pdftotext(case_report_pdf(session, crisis["case_id"],
                                        profile="school_partner").data, tmp_path)
    assert " ".join(crisis["summary"].split()) not in school


def test_the_profile_says_it_applies_to_entries_and_plan_items() -> None:
    profile = get_profile("school_partner")
    assert "timeline entries and plan items tagged" in " ".join(profile.summary())
    assert "timeline" not in " ".join(profile.summary(report=False))
