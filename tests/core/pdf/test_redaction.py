"""Redaction profiles: what a profile removes exists nowhere in the PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from btam_desktop.core.forms import FormDefinition
from btam_desktop.core.pdf import ProfileError, case_report_pdf, get_profile, submission_pdf
from btam_desktop.core.pdf.redaction import (
    FormRedaction,
    NameScrubber,
    RedactionProfile,
    Redactor,
    load_profiles,
    parse_profile,
)
from btam_desktop.core.session import Session
from tests.core.pdf.conftest import everything, metadata, pdf_text
from tests.core.pdf.sample import (
    NOTE_TEXT,
    POC_FAMILY,
    POC_GIVEN,
    SECRET_CONTEXT,
    TARGET_FAMILY,
    TARGET_GIVEN,
    WITNESS_FAMILY,
    WITNESS_GIVEN,
    SampleCase,
    full_answers,
    marker,
)

THIRD_PARTY_NAMES = [TARGET_FAMILY, TARGET_GIVEN, "Nguyen", "Van Anh", WITNESS_FAMILY,
                     WITNESS_GIVEN, "555-0177", "Heron Lane", "mo@school.example"]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _tagged_markers(form: FormDefinition, tags: frozenset[str]) -> list[str]:
    """Markers of text answers to questions carrying any of ``tags``."""
    return [marker(f.id) for f in form.iter_fields()
            if f.type in ("text", "long_text") and tags & set(f.sensitivity)]


def test_shipped_profiles_load() -> None:
    profiles = load_profiles()
    assert {"none", "school_partner", "mental_health_partner",
            "public_health_partner"} <= set(profiles)
    assert not profiles["none"].removes_anything
    assert profiles["school_partner"].mode == "replace"
    assert profiles["public_health_partner"].mode == "omit"
    assert "mental_health" not in profiles["mental_health_partner"].remove_tags
    with pytest.raises(ProfileError, match="no redaction profile 'nope'"):
        get_profile("nope")


def test_malformed_profiles_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({"id": "x_y", "title": "", "mode": "blur", "remove_tags": ["medical",
                       "horoscope"], "extra": 1, "case_report": {"drop_sections": ["all"]}},
                      "x_y.yaml")
    message = str(caught.value)
    for part in ("title", "mode", "horoscope", "extra", "drop_sections"):
        assert part in message
    (tmp_path / "other.yaml").write_text("id: school_partner\ntitle: T\n")
    with pytest.raises(ProfileError, match="must match the file name"):
        load_profiles(tmp_path)
    (tmp_path / "other.yaml").write_text("id: [unclosed\n")
    with pytest.raises(ProfileError, match="cannot read"):
        load_profiles(tmp_path)


@pytest.mark.parametrize("profile_id", ["school_partner", "mental_health_partner",
                                        "public_health_partner"])
def test_filled_form_redaction_leaves_nothing_behind(session: Session, people: SampleCase,
                                                     profile_id: str, tmp_path: Path) -> None:
    form = session.forms.definition("threat_inquiry")
    answers = full_answers(form, people)
    sub = session.submissions.create(people.case.id, "threat_inquiry", answers, strict=False)
    profile = get_profile(profile_id)
    data = submission_pdf(session, sub.id, profile=profile).data
    text = _flat(pdf_text(data))
    dug_out = everything(data, tmp_path)
    removed = _tagged_markers(form, profile.remove_tags)
    assert removed
    for secret in removed:
        assert secret not in dug_out, secret
    for name in THIRD_PARTY_NAMES:
        assert name not in dug_out, name
    # Untagged answers and the person of concern stay.
    assert marker("inquiry_reason") in text
    assert f"{POC_FAMILY}, {POC_GIVEN}" in text
    assert f"REDACTED COPY — profile: {profile.title} ({profile_id})" in text
    assert metadata(data)["/BTAM-Redaction"] == profile_id
    if profile.mode == "replace":
        assert "[redacted]" in text
    else:
        assert "[redacted]" not in text
        assert "Has the person had thoughts of suicide or self-harm?" not in text


def test_no_redaction_keeps_everything(session: Session, people: SampleCase) -> None:
    form = session.forms.definition("threat_inquiry")
    sub = session.submissions.create(people.case.id, "threat_inquiry",
                                     full_answers(form, people), strict=False)
    data = submission_pdf(session, sub.id, profile="none").data
    text = _flat(pdf_text(data))
    assert marker("interest_details") in text and marker("stressors_details") in text
    assert f"{TARGET_FAMILY}, {TARGET_GIVEN}" in text
    assert "REDACTED COPY" not in text and "[redacted]" not in text
    assert metadata(data)["/BTAM-Redaction"] == "none"


def test_conditions_on_removed_answers_do_not_leak(session: Session,
                                                   people: SampleCase) -> None:
    """The crisis note only appears when suicidal thoughts were reported: showing it in a
    school copy would tell the school what the redacted answer was."""
    answers = {"suicidal_ideation": "yes", "poc": people.poc_id}
    sub = session.submissions.create(people.case.id, "threat_inquiry", answers, strict=False)
    note = "Current suicidal thoughts call for a safety response now"
    assert note in _flat(pdf_text(submission_pdf(session, sub.id).data))
    school = _flat(pdf_text(submission_pdf(session, sub.id, profile="school_partner").data))
    assert note not in school
    assert "9.2 Has the person had thoughts of suicide or self-harm? [redacted]" in school


def test_form_redaction_propagates_through_conditions(session: Session) -> None:
    form = session.forms.definition("threat_inquiry")
    plan = FormRedaction.build(form, get_profile("school_partner"))
    assert "violence_history" in plan.removed
    # Its own condition reads a removed answer: never shown, in any mode.
    assert "violence_history_details" in plan.omitted
    assert "suicide_current_note" in plan.omitted
    assert "violence_acceptable_view" not in plan.removed | plan.omitted
    omit = FormRedaction.build(form, get_profile("public_health_partner"))
    assert "hopeless" in omit.omitted


def test_case_report_redaction(session: Session, populated: SampleCase,
                               tmp_path: Path) -> None:
    full = _flat(pdf_text(case_report_pdf(session, populated.case.id).data))
    assert SECRET_CONTEXT in full and NOTE_TEXT in full and WITNESS_FAMILY in full
    data = case_report_pdf(session, populated.case.id, profile="school_partner").data
    text = _flat(pdf_text(data))
    dug_out = everything(data, tmp_path)
    for secret in [SECRET_CONTEXT, NOTE_TEXT, "555-0142", *THIRD_PARTY_NAMES]:
        assert secret not in dug_out, secret
    assert f"{POC_FAMILY}, {POC_GIVEN}" in text
    assert "Post naming [Potential target]" in text
    assert "[Witness] showed the teacher" in text
    assert "Reviews and tasks" not in text and "Dissemination log" not in text
    assert "Interventions and outcomes" in text


def test_public_health_report_keeps_summaries_only(session: Session,
                                                   populated: SampleCase) -> None:
    text = _flat(pdf_text(case_report_pdf(session, populated.case.id,
                                          profile="public_health_partner").data))
    assert "Home visit with the family (round 0)" in text
    assert "Spoke with" not in text  # entry details left out
    assert "Born 2009" not in text and "Lena P." not in text
    assert "Agreed to a counselling referral." in text  # outcomes kept


def test_name_scrubber_whole_words_any_case_and_accents() -> None:
    scrub = NameScrubber([(["Văn Anh Nguyễn", "Nguyễn Văn Anh"], ["Văn", "Anh", "Nguyễn"],
                           "Potential target"),
                          (["Ana García"], ["Ana", "García"], "Family / guardian")],
                         keep_parts=["García", "Mateo"])
    text = scrub("NGUYEN van anh met Ana García; Anhelo and Analyst stay. Mateo García too.")
    assert text == ("[Potential target] met [Family / guardian]; Anhelo and Analyst stay. "
                    "Mateo García too.")
    assert scrub("Nguyễn said") == "[Potential target] said"
    assert NameScrubber([])("unchanged") == "unchanged"


def test_profile_summary_names_what_is_removed() -> None:
    profile = RedactionProfile("p", "P", remove_tags=frozenset({"medical"}),
                               third_party_names="role")
    lines = " ".join(profile.summary())
    assert "medical" in lines and "role" in lines
    assert profile.banner_line() == "REDACTED COPY — profile: P (p)"


def test_redactor_shows_third_parties_by_role(session: Session, people: SampleCase) -> None:
    persons = session.store.case_persons(people.case.id)
    school = Redactor(get_profile("school_partner"), persons)
    assert school.person_name(people.target_id) == "[Potential target — name withheld]"
    assert school.person_name(people.poc_id) == f"{POC_FAMILY}, {POC_GIVEN} (Person of concern)"
    assert school.person_name("not-on-case") is None
    assert school.text(f"Call {WITNESS_GIVEN} {WITNESS_FAMILY}") == "Call [Witness]"
    full = Redactor(get_profile("none"), persons)
    assert full.person_name(people.target_id) == (
        f"{TARGET_FAMILY}, {TARGET_GIVEN} (Potential target)")
    assert full.text(WITNESS_FAMILY) == WITNESS_FAMILY
