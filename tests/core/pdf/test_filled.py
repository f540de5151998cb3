"""Filled form PDFs: what was entered is in the text, laid out as the form says."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from btam_desktop.core.forms import relevant_answers
from btam_desktop.core.forms.fieldtypes import is_empty
from btam_desktop.core.pdf import submission_pdf
from btam_desktop.core.pdf.answers import CHECKED, UNCHECKED
from btam_desktop.core.session import Session
from tests.core.pdf.conftest import assert_qpdf_ok, metadata, page_texts, pdf_text
from tests.core.pdf.sample import (
    POC_FAMILY,
    POC_GIVEN,
    TARGET_FAMILY,
    TARGET_GIVEN,
    SampleCase,
    full_answers,
    marker,
)

SHIPPED = ["case_review_closure", "contact_log", "external_instrument", "intake_referral",
           "management_plan", "partner_referral", "screening_triage", "threat_inquiry",
           "warning_behaviours"]


def _flat(text: str) -> str:
    """Extracted text with line breaks and runs of spaces collapsed (labels wrap)."""
    return " ".join(text.split())


@pytest.mark.parametrize("form_id", SHIPPED)
def test_every_shipped_form_renders_its_answers(session: Session, people: SampleCase,
                                                form_id: str, tmp_path: Path) -> None:
    form = session.forms.definition(form_id)
    answers = full_answers(form, people)
    sub = session.submissions.create(people.case.id, form_id, answers, strict=False)
    pdf = submission_pdf(session, sub.id)
    text = _flat(pdf_text(pdf.data))
    assert pdf.pages >= 1
    assert form.title in text and people.case.number in text
    shown = relevant_answers(form, answers)  # what skip logic leaves visible
    for item in form.iter_fields(members=False):
        value = shown.get(item.id)
        if item.type in ("text", "long_text") and not is_empty(value):
            assert marker(item.id) in text, item.id
        if item.type == "choice" and isinstance(value, str):
            label = next(c.label for c in item.choices if c.name == value)
            assert _flat(label) in text, item.id
    assert metadata(pdf.data)["/BTAM-Form"] == f"{form_id}@{form.version}"
    assert_qpdf_ok(pdf.data, tmp_path)


def test_threat_inquiry_layout_words(session: Session, people: SampleCase) -> None:
    form = session.forms.definition("threat_inquiry")
    answers = full_answers(form, people)
    answers["comms_channels"] = ["text_message"]
    answers["poc_is_minor"] = "unknown"
    del answers["motive_description"]
    sub = session.submissions.create(people.case.id, "threat_inquiry", answers, strict=False)
    text = _flat(pdf_text(submission_pdf(session, sub.id).data))
    assert f"{CHECKED} Text or messaging app" in text
    assert f"{UNCHECKED} Said in person" in text
    assert "1.4 Is the person under 18? Unknown" in text
    # A relevant question nobody answered is visibly blank, not missing.
    assert "2.2 What motivates the person? What do they want to achieve? — not answered" in text
    # Person fields print the name and role, in its own script.
    assert f"{POC_FAMILY}, {POC_GIVEN} (Person of concern)" in text
    assert f"{TARGET_FAMILY}, {TARGET_GIVEN} (Potential target)" in text
    # Computed values are marked as such; repeat groups count their items.
    assert "Number of weapons listed 2 (calculated)" in text
    assert "2 weapons recorded" in text


def test_hidden_questions_are_left_out(session: Session, people: SampleCase) -> None:
    form = session.forms.definition("threat_inquiry")
    answers = full_answers(form, people)
    answers["weapons_access"] = "no"  # hides the weapons list, kept in the answers
    answers["trusted_relationship"] = "no"
    sub = session.submissions.create(people.case.id, "threat_inquiry", answers, strict=False)
    text = _flat(pdf_text(submission_pdf(session, sub.id).data))
    assert "5.1 Does the person have, or could they readily get, a weapon? No" in text
    assert marker("weapon_location") not in text
    assert "Weapons recorded" not in text and "weapons recorded" not in text
    assert marker("trusted_person_role") not in text
    # Numbers follow the definition, so the next question keeps its number.
    assert "5.3 Number of weapons listed" in text


def test_user_text_is_not_markup_and_long_answers_flow(session: Session,
                                                       people: SampleCase) -> None:
    long_answer = ("Paragraph of observations. " * 40 + "\n") * 60  # ~65k characters
    answers = {"inquiry_reason": long_answer,
               "case_lead": "<font size=80 color=red>Sgt</font> <img src='/etc/passwd'/> & co",
               "poc": people.poc_id}
    sub = session.submissions.create(people.case.id, "threat_inquiry", answers, strict=False)
    pdf = submission_pdf(session, sub.id)
    text = pdf_text(pdf.data)
    assert "<font size=80 color=red>Sgt</font> <img src='/etc/passwd'/> & co" in _flat(text)
    assert pdf.pages > 5
    assert _flat(text).count("Paragraph of observations.") == 40 * 60


def test_every_page_has_banner_header_and_page_x_of_y(session: Session,
                                                      people: SampleCase) -> None:
    session.set_setting("sensitivity_banner", "RESTRICTED — Lakeside BTAM team only")
    answers = {"inquiry_reason": "Observation. " * 3000, "poc": people.poc_id}
    sub = session.submissions.create(people.case.id, "threat_inquiry", answers, strict=False)
    pdf = submission_pdf(session, sub.id)
    pages = page_texts(pdf.data)
    assert len(pages) == pdf.pages > 2
    for number, text in enumerate(pages, start=1):
        flat = _flat(text)
        assert "RESTRICTED — Lakeside BTAM team only" in flat
        assert "Lakeside PD" in flat and f"Case {people.case.number}" in flat
        assert f"Page {number} of {len(pages)}" in flat
        assert "by Dana Reyes" in flat
        assert "DRAFT" in flat


def test_default_banner_status_and_amendment(session: Session, people: SampleCase) -> None:
    form = session.forms.definition("contact_log")
    answers = full_answers(form, people)
    sub = session.submissions.create(people.case.id, "contact_log", answers, complete=True)
    amended = session.submissions.amend(sub.id, answers, "Corrected the contact time")
    text = _flat(pdf_text(submission_pdf(session, amended.id).data))
    assert "CONFIDENTIAL — law enforcement sensitive" in text
    assert "Complete — completed" in text
    assert "Reason: Corrected the contact time" in text
    old = _flat(pdf_text(submission_pdf(session, sub.id).data))
    assert "A later amendment replaces this version." in old and "SUPERSEDED" in old


def test_signature_blocks(session: Session, people: SampleCase) -> None:
    form = session.forms.definition("management_plan")
    answers = full_answers(form, people)
    del answers["approved_by"]
    sub = session.submissions.create(people.case.id, "management_plan", answers, strict=False)
    text = _flat(pdf_text(submission_pdf(session, sub.id).data))
    assert "Prepared by Name Dana Reyes Badge / ID L-1 Date" in text
    assert "Approved by (supervisor or team lead) Name Badge / ID Date Signature" in text


def test_logo_is_drawn_and_a_bad_logo_is_ignored(session: Session, people: SampleCase,
                                                 tmp_path: Path) -> None:
    sub = session.submissions.create(people.case.id, "contact_log", {}, strict=False)
    plain = submission_pdf(session, sub.id).data
    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (20, 40, 120)).save(logo)
    session.set_setting("logo", str(logo))
    with_logo = submission_pdf(session, sub.id).data
    assert b"/Subtype /Image" in with_logo and b"/Subtype /Image" not in plain
    logo.write_bytes(b"not an image")
    assert b"/Subtype /Image" not in submission_pdf(session, sub.id).data
    session.set_setting("logo", str(tmp_path / "missing.png"))
    assert submission_pdf(session, sub.id).pages >= 1



def test_characters_the_font_lacks_are_spelled_out(session: Session,
                                                   people: SampleCase) -> None:
    """DejaVu has no Chinese characters or emoji: they must not silently disappear."""
    answers = {"case_lead": "王小明 😀 Иван", "poc": people.poc_id}
    sub = session.submissions.create(people.case.id, "threat_inquiry", answers, strict=False)
    text = _flat(pdf_text(submission_pdf(session, sub.id).data))
    assert "[U+738B U+5C0F U+660E] [U+1F600] Иван" in text
