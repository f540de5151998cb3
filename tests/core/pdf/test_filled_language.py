"""Filled form PDFs in the chosen language, with ``${field}`` filled in, and question numbers
that never jump silently where questions were skipped (issues 9 and 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.forms import FormDefinition
from btam_desktop.core.pdf import submission_pdf
from btam_desktop.core.session import Session
from tests.core.pdf.conftest import assert_qpdf_ok, pdf_text
from tests.core.pdf.sample import SampleCase


def _flat(text: str) -> str:
    return " ".join(text.split())


BILINGUAL = {
    "format": "btam-form/1", "id": "bilingual_pdf", "version": 1, "title": "Intake",
    "languages": ["English (en)", "Español (es)"], "default_language": "English (en)",
    "sections": [{
        "id": "main", "title": "Subject",
        "translations": {"Español (es)": {"title": "Sujeto"}},
        "fields": [
            {"id": "name", "type": "text", "label": "Name",
             "hint": "As on the ID card",
             "translations": {"Español (es)": {"label": "Nombre",
                                               "hint": "Como en la tarjeta"}}},
            {"id": "mood", "type": "choice", "label": "Mood of ${name}",
             "translations": {"Español (es)": {"label": "Ánimo de ${name}"}},
             "choices": [
                 {"name": "calm", "label": "Calm", "translations": {"Español (es)": "Tranquilo"}},
                 {"name": "upset", "label": "Upset",
                  "translations": {"Español (es)": "Alterado"}},
             ]},
            {"id": "contacts", "type": "repeat", "label": "Contacts",
             "translations": {"Español (es)": {"label": "Contactos"}},
             "fields": [
                 {"id": "who", "type": "text", "label": "Who",
                  "translations": {"Español (es)": {"label": "Quién"}}},
             ]},
        ],
    }],
}

SKIPS = {
    "format": "btam-form/1", "id": "skips_pdf", "version": 1, "title": "Skips",
    "sections": [
        {"id": "one", "title": "First", "fields": [
            {"id": "armed", "type": "yes_no_unknown", "label": "Armed?"},
            {"id": "what", "type": "text", "label": "Which weapon?",
             "relevant": "${armed} = 'yes'"},
            {"id": "where", "type": "text", "label": "Where is it kept?",
             "relevant": "${armed} = 'yes'"},
            {"id": "score", "type": "integer", "label": "Score", "hidden": True,
             "calculation": "1"},
            {"id": "next", "type": "text", "label": "Next step"},
        ]},
        {"id": "two", "title": "Weapons detail", "relevant": "${armed} = 'yes'", "fields": [
            {"id": "detail", "type": "text", "label": "Detail"}]},
        {"id": "three", "title": "Closing", "fields": [
            {"id": "close", "type": "text", "label": "Closing remark"}]},
    ],
}


def _stored(session: Session, spec: dict[str, object]) -> FormDefinition:
    form = FormDefinition.from_dict(spec)
    session.forms.ensure_stored(form, source="imported")
    return form


def test_filled_form_in_the_chosen_language(session: Session, people: SampleCase,
                                            tmp_path: Path) -> None:
    _stored(session, BILINGUAL)
    answers = {"name": "Alex", "mood": "upset", "contacts": [{"who": "Sam"}]}
    sub = session.submissions.create(people.case.id, "bilingual_pdf", answers, strict=False)
    spanish = submission_pdf(session, sub.id, language="es")
    text = _flat(pdf_text(spanish.data))
    assert "Sujeto" in text and "Nombre" in text and "Como en la tarjeta" in text
    assert "Ánimo de Alex" in text and "Alterado" in text
    assert "Contactos" in text and "Quién" in text
    assert "Upset" not in text and "Mood" not in text
    assert "Language Español (es)" in text
    assert_qpdf_ok(spanish.data, tmp_path)
    # The full name works as well as the code; the default is the form's default language.
    assert pdf_text(submission_pdf(session, sub.id, language="Español (es)").data) \
        == pdf_text(spanish.data)
    english = _flat(pdf_text(submission_pdf(session, sub.id).data))
    assert "Mood of Alex" in english and "Upset" in english and "As on the ID card" in english
    assert "Nombre" not in english


def test_unknown_language_is_refused_naming_the_languages(session: Session,
                                                          people: SampleCase) -> None:
    _stored(session, BILINGUAL)
    sub = session.submissions.create(people.case.id, "bilingual_pdf", {"name": "A"},
                                     strict=False)
    with pytest.raises(InvalidInput, match=r"English \(en\), Español \(es\)"):
        submission_pdf(session, sub.id, language="fr")


def test_skipped_questions_are_said_not_silently_jumped(session: Session,
                                                        people: SampleCase) -> None:
    _stored(session, SKIPS)
    answers = {"armed": "no", "next": "Interview", "close": "Done"}
    sub = session.submissions.create(people.case.id, "skips_pdf", answers, strict=False)
    text = _flat(pdf_text(submission_pdf(session, sub.id).data))
    # Stable numbers from the form, as on the blank form; the gap is said in words.
    assert "1.1 Armed? No" in text
    assert "1.2–1.3 not asked: not applicable given the answers above" in text
    # A hidden calculated value is neither printed nor numbered.
    assert "Score" not in text
    assert "1.4 Next step Interview" in text
    assert "Part 2 (Weapons detail) not asked: not applicable given the answers above" in text
    assert "3.1 Closing remark Done" in text
    assert "Numbers are the form's own" in text


COMPUTED = {
    "format": "btam-form/1", "id": "computed_pdf", "version": 1, "title": "Computed",
    "sections": [{"id": "one", "title": "First", "fields": [
        {"id": "count", "type": "integer", "label": "Count"},
        {"id": "ratio", "type": "decimal", "label": "Ratio", "calculation": "${count} div 0",
         "read_only": True},
        {"id": "flag", "type": "text", "label": "Flag", "read_only": True,
         "calculation": "if(${count} > 1, 'ERROR', 'fine')"},
        {"id": "silent", "type": "text", "label": "Silent", "hidden": True,
         "calculation": "concat('x', ${count})"},
    ]}],
}


def test_computed_values_print_as_the_view_shows_them(session: Session,
                                                      people: SampleCase) -> None:
    _stored(session, COMPUTED)
    sub = session.submissions.create(people.case.id, "computed_pdf", {"count": 5}, strict=False)
    text = _flat(pdf_text(submission_pdf(session, sub.id).data))
    # A labelled calculation is shown (the form says so); one that cannot be calculated, or
    # that gives an error marker, says so in words: never "ERROR", never "not answered".
    assert "1.2 Ratio — not calculated" in text
    assert "1.3 Flag — not calculated" in text
    assert "ERROR" not in text and "NaN" not in text
    assert "Silent" not in text and "x5" not in text


def test_a_repeat_inside_a_repeat_prints_under_its_item(session: Session, people: SampleCase,
                                                        tmp_path: Path) -> None:
    from btam_desktop.core.pdf import blank_form_pdf
    from tests.core.forms.test_forms_nested_repeats import NESTED

    _stored(session, NESTED)
    answers = {"address": "1 Main St", "people": [
        {"name": "Ana", "has_contacts": "yes",
         "contacts": [{"contact_name": "Bo", "contact_note": "ok"}, {"contact_name": "Cy"}]},
        {"name": "Dee", "has_contacts": "no"}]}
    sub = session.submissions.create(people.case.id, "household", answers, strict=False)
    pdf = submission_pdf(session, sub.id)
    text = _flat(pdf_text(pdf.data))
    assert "2 persons recorded" in text
    assert "Person 1 Name Ana" in text
    assert "Contacts of Ana 2 contacts recorded" in text
    assert "Bo" in text and "Ana/Cy" in text
    assert "Person 2 Name Dee" in text and "Contacts of Dee" not in text
    assert_qpdf_ok(pdf.data, tmp_path)
    blank = _flat(pdf_text(blank_form_pdf(session, "household").data))
    assert "A list of its own" in blank


def test_a_file_question_prints_the_attached_file_name(session: Session, people: SampleCase,
                                                       tmp_path: Path) -> None:
    from btam_desktop.core.pdf import blank_form_pdf, pdf_fields

    spec = {"format": "btam-form/1", "id": "photo_pdf", "version": 1, "title": "Photo",
            "sections": [{"id": "one", "title": "First", "fields": [
                {"id": "photo", "type": "text", "text_format": "image",
                 "label": "Photo of the note"}]}]}
    form = _stored(session, spec)
    attached = session.store.add_attachment(people.case.id, "note.jpg", b"\xff\xd8\xff")
    sub = session.submissions.create(people.case.id, "photo_pdf", {"photo": attached.id})
    pdf = submission_pdf(session, sub.id)
    text = _flat(pdf_text(pdf.data))
    assert "1.1 Photo of the note note.jpg (attached file, kept in the case file)" in text
    assert b"\xff\xd8\xff" not in pdf.data  # the file itself never goes into the PDF
    assert_qpdf_ok(pdf.data, tmp_path)
    # On the blank fillable form: no text box, a line saying to send the file.
    assert pdf_fields(form) == []
    assert "send it with this form" in _flat(pdf_text(blank_form_pdf(session, "photo_pdf").data))


def test_a_redacted_answer_is_not_betrayed_by_an_inner_list(session: Session,
                                                            people: SampleCase) -> None:
    spec = {"format": "btam-form/1", "id": "inner_leak", "version": 1, "title": "Leak",
            "sections": [{"id": "one", "title": "First", "fields": [
                {"id": "diagnosis", "type": "text", "label": "Diagnosis",
                 "sensitivity": ["mental_health"]},
                {"id": "visits", "type": "repeat", "label": "Visits", "fields": [
                    {"id": "place", "type": "text", "label": "Place"},
                    {"id": "meds", "type": "repeat", "label": "Medication given", "fields": [
                        {"id": "drug", "type": "text", "label": "Drug"},
                        {"id": "why", "type": "text", "label": "Psychosis follow-up",
                         "relevant": "${diagnosis} = 'psychosis'"},
                    ]},
                ]},
            ]}]}
    _stored(session, spec)
    answers = {"diagnosis": "psychosis", "visits": [
        {"place": "Clinic", "meds": [{"drug": "Xq7drug", "why": "Wq9reason"}]}]}
    sub = session.submissions.create(people.case.id, "inner_leak", answers, strict=False)
    text = _flat(pdf_text(submission_pdf(session, sub.id, profile="school_partner").data))
    assert "psychosis" not in text and "Wq9reason" not in text
    # The inner question shown only for that diagnosis would say it: it is left out too.
    assert "Psychosis follow-up" not in text
    assert "Xq7drug" in text  # what does not depend on the diagnosis stays
