"""Blank fillable PDFs, filling them like a partner would, and importing them back."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from btam_desktop.core.forms import FormDefinition
from btam_desktop.core.pdf import PdfRefused, blank_form_pdf, import_filled_pdf, pdf_fields
from btam_desktop.core.pdf.conditions import condition_text
from btam_desktop.core.pdf.fieldnames import FORM_KEY_FIELD, question_numbers
from btam_desktop.core.session import Session
from tests.core.pdf.conftest import assert_qpdf_ok, metadata, pdf_text
from tests.core.pdf.sample import SampleCase, full_answers
from tests.core.pdf.test_filled import SHIPPED

FLAG_MULTILINE = 1 << 12
FLAG_RADIO = 1 << 15
FLAG_COMBO = 1 << 17
FLAG_EDIT = 1 << 18


def field_values(form: FormDefinition, answers: dict[str, Any], session: Session,
                 case_id: str) -> dict[str, str]:
    """What a partner would type and tick to give ``answers`` in the blank PDF."""
    names = {link.person.id: f"{link.person.given_names} {link.person.family_name}"
             for link in session.store.case_persons(case_id)}
    values: dict[str, str] = {}
    for spec in pdf_fields(form):
        if spec.repeat is not None:
            items = answers.get(spec.repeat.id) or []
            if spec.row is None or spec.row > len(items):
                continue
            value = items[spec.row - 1].get(spec.field.id)
        else:
            value = answers.get(spec.field.id)
        if value is None:
            continue
        if spec.kind == "check":
            if spec.part in value:
                values[spec.name] = "/Yes"
        elif spec.field.type == "signature":
            values[spec.name] = value[spec.part]
        elif spec.kind == "radio":
            values[spec.name] = f"/{value}"
        elif spec.kind == "person":
            values[spec.name] = names[value]
        elif spec.field.type == "datetime":
            values[spec.name] = value.replace("T", " ")
        else:
            values[spec.name] = str(value)
    return values


def fill(blank: bytes, values: dict[str, str]) -> bytes:
    """Fill a blank form with pypdf, as a form-filling program would."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    for page in writer.pages:
        if page.get("/Annots"):
            writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _drafts(session: Session, case_id: str) -> int:
    return len(session.submissions.for_case(case_id))


@pytest.mark.parametrize("form_id", SHIPPED)
def test_blank_fields_match_the_form(session: Session, form_id: str, tmp_path: Path) -> None:
    form = session.forms.definition(form_id)
    pdf = blank_form_pdf(session, form_id)
    reader = PdfReader(io.BytesIO(pdf.data))
    fields = {name: f for name, f in (reader.get_fields() or {}).items() if f.get("/FT")}
    specs = {s.name: s for s in pdf_fields(form)}
    assert set(fields) == set(specs) | {FORM_KEY_FIELD}
    for name, spec in specs.items():
        field = fields[name]
        flags = int(field.get("/Ff", 0))
        if spec.kind in ("text", "multiline"):
            assert field["/FT"] == "/Tx"
            assert bool(flags & FLAG_MULTILINE) == (spec.kind == "multiline"), name
        elif spec.kind == "radio":
            assert field["/FT"] == "/Btn" and flags & FLAG_RADIO, name
        elif spec.kind == "check":
            assert field["/FT"] == "/Btn" and not flags & FLAG_RADIO, name
        else:
            assert field["/FT"] == "/Ch" and flags & FLAG_COMBO, name
            assert bool(flags & FLAG_EDIT) == (spec.kind == "person"), name
        if spec.field.type == "long_text":
            assert spec.kind == "multiline"
        if spec.field.type == "choice" and spec.repeat is None:
            assert spec.kind == ("radio" if len(spec.field.choices) <= 6 else "combo")
    assert metadata(pdf.data)["/BTAM-Form"] == f"{form_id}@{form.version}"
    assert metadata(pdf.data)["/BTAM-Form-SHA256"] == form.fingerprint()
    assert fields[FORM_KEY_FIELD]["/V"] == f"{form_id}@{form.version}"
    text = pdf_text(pdf.data)
    assert form.title in text and "Blank form" in text
    assert_qpdf_ok(pdf.data, tmp_path)


def test_blank_names_encode_repeats_and_guidance_is_a_tooltip(session: Session) -> None:
    pdf = blank_form_pdf(session, "threat_inquiry")
    fields = PdfReader(io.BytesIO(pdf.data)).get_fields() or {}
    assert {"weapons.1.weapon_type", "weapons.3.weapon_last_confirmed",
            "comms_channels.in_person", "team_members.3.member_name"} <= set(fields)
    assert "weapons.4.weapon_type" not in fields
    plan = PdfReader(io.BytesIO(blank_form_pdf(session, "management_plan").data))
    plan_fields = plan.get_fields() or {}
    assert str(plan_fields["review_date"]["/TU"]).startswith("Set the review sooner")
    assert {"prepared_by.name", "prepared_by.badge", "prepared_by.date"} <= set(plan_fields)


def test_conditions_are_printed_in_words(session: Session) -> None:
    form = session.forms.definition("threat_inquiry")
    numbers = question_numbers(form)
    assert condition_text(form.field("weapons"), form, numbers) == (
        "Only if question 5.1 is “Yes”.")
    assert condition_text(form.field("weapon_type_other"), form, numbers) == (
        "Only if “Type” (same row) is “Other”.")
    plan = session.forms.definition("management_plan")
    text = condition_text(plan.field("monitoring_details"), plan, question_numbers(plan))
    assert text is not None and "includes “Watch and wait (passive monitoring)”" in text
    assert "Only if question 5.1 is “Yes”." in " ".join(
        pdf_text(blank_form_pdf(session, "threat_inquiry").data).split())


@pytest.mark.parametrize("form_id", SHIPPED)
def test_fill_and_import_gives_the_same_answers(session: Session, people: SampleCase,
                                                form_id: str, tmp_path: Path) -> None:
    form = session.forms.definition(form_id)
    answers = full_answers(form, people)
    filled = fill(blank_form_pdf(session, form_id).data,
                  field_values(form, answers, session, people.case.id))
    path = tmp_path / "returned.pdf"
    path.write_bytes(filled)
    result = import_filled_pdf(session, path, people.case.number)
    stored = session.submissions.get(result.submission_id)
    assert stored.status == "draft" and stored.form_id == form_id
    assert stored.answers == answers
    assert not [p for p in result.problems if "left empty" in p.message]


def test_problems_are_listed_and_unusable_values_left_out(session: Session,
                                                          people: SampleCase,
                                                          tmp_path: Path) -> None:
    values = {
        "inquiry_start_date": "3/14/2026", "case_lead": "Det. Ng", "poc": "Nobody Known",
        "weapons_access": "/yes", "weapons.2.weapon_location": "garage shelf",
        "judgement_date": "2099-01-01", "concern_level": "high",
        "targets.1.target_person": "văn anh nguyen",
    }
    path = tmp_path / "returned.pdf"
    path.write_bytes(fill(blank_form_pdf(session, "threat_inquiry").data, values))
    result = import_filled_pdf(session, path, people.case.id, expected_form="threat_inquiry")
    answers = session.submissions.get(result.submission_id).answers
    messages = [str(p) for p in result.problems]
    assert any(m.startswith("1.1 Date the inquiry began: write dates as YYYY-MM-DD")
               and "'3/14/2026'" in m for m in messages)
    assert any(m.startswith("1.3 Person of concern: no person of that name") for m in messages)
    assert any(m.startswith("15.1 Date of the team's judgement") and "kept in the draft" in m
               for m in messages)
    assert "inquiry_start_date" not in answers and "poc" not in answers
    assert answers["judgement_date"] == "2099-01-01"
    assert answers["weapons"] == [{"weapon_location": "garage shelf"}]  # empty row 1 skipped
    assert answers["targets"] == [{"target_person": people.target_id}]  # accents optional
    assert result.answered == len(answers)


def test_signature_needs_all_parts(session: Session, people: SampleCase,
                                   tmp_path: Path) -> None:
    values = {"prepared_by.name": "Dana Reyes", "prepared_by.date": "2026-01-05"}
    path = tmp_path / "plan.pdf"
    path.write_bytes(fill(blank_form_pdf(session, "management_plan").data, values))
    result = import_filled_pdf(session, path, people.case.id)
    assert "prepared_by" not in session.submissions.get(result.submission_id).answers
    assert any("a signature needs name, badge" in p.message and "Dana Reyes" in p.message
               for p in result.problems)


def _retagged(blank: bytes, key: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    writer.add_metadata({"/BTAM-Form": key})
    for page in writer.pages:
        writer.update_page_form_field_values(page, {FORM_KEY_FIELD: key},
                                             auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_other_forms_and_versions_are_refused(session: Session, people: SampleCase,
                                              tmp_path: Path) -> None:
    blank = blank_form_pdf(session, "contact_log").data
    path = tmp_path / "x.pdf"
    path.write_bytes(blank)
    with pytest.raises(PdfRefused, match="is the contact_log form, not threat_inquiry"):
        import_filled_pdf(session, path, people.case.id, expected_form="threat_inquiry")
    path.write_bytes(_retagged(blank, "contact_log@7"))
    with pytest.raises(PdfRefused, match="version 7, which this vault does not have"):
        import_filled_pdf(session, path, people.case.id)
    path.write_bytes(_retagged(blank, "threat_inquiry@1"))
    with pytest.raises(PdfRefused, match=r"different definition|do not match"):
        import_filled_pdf(session, path, people.case.id)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    writer.add_metadata({"/BTAM-Form": "screening_triage@1"})
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
    with pytest.raises(PdfRefused, match="two different forms"):
        import_filled_pdf(session, path, people.case.id)
    assert _drafts(session, people.case.id) == 0


# -- hostile files -------------------------------------------------------------------------


def _with(blank: bytes, change: Any) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _field_action(writer: PdfWriter) -> None:
    annots = cast(ArrayObject, writer.pages[0]["/Annots"])
    widget = cast(DictionaryObject, annots[1].get_object())
    widget[NameObject("/AA")] = writer._add_object(
        DictionaryObject({
            NameObject("/K"): DictionaryObject({
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1)")})}))


def _document_script(writer: PdfWriter) -> None:
    """A document-level script (/Names /JavaScript), as pypdf's old add_js wrote it."""
    script = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('hi');")}))
    writer._root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})})


HOSTILE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "not a PDF": (lambda b: b"<html>hello</html>", "is not a PDF"),
    "truncated": (lambda b: b[: len(b) // 2], "incomplete"),
    "javascript": (lambda b: _with(b, _document_script), "JavaScript"),
    "open action": (lambda b: _with(b, lambda w: w._root_object.__setitem__(
        NameObject("/OpenAction"), DictionaryObject({
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe")}))), "launch|action"),
    "field action": (lambda b: _with(b, _field_action), "JavaScript|automatic actions"),
    "attachment": (lambda b: _with(b, lambda w: w.add_attachment("a.exe", b"MZ")),
                   "embedded files"),
    "encrypted": (lambda b: _with(b, lambda w: w.encrypt("secret")), "encrypted"),
    "garbage": (lambda b: b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "damaged"),
    "many pages": (lambda b: _with(b, lambda w: [w.add_blank_page(612, 792)
                                                   for _ in range(120)]), "120 pages|pages"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_are_refused_cleanly(session: Session, people: SampleCase,
                                           tmp_path: Path, kind: str) -> None:
    make, message = HOSTILE[kind]
    path = tmp_path / "hostile.pdf"
    path.write_bytes(make(blank_form_pdf(session, "contact_log").data))
    with pytest.raises(PdfRefused, match=message):
        import_filled_pdf(session, path, people.case.id)
    assert _drafts(session, people.case.id) == 0


def test_huge_empty_and_missing_files_are_refused(session: Session, people: SampleCase,
                                                  tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(PdfRefused, match="at most 20 MB"):
        import_filled_pdf(session, huge, people.case.id)
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(PdfRefused, match="is empty"):
        import_filled_pdf(session, tmp_path / "empty.pdf", people.case.id)
    with pytest.raises(PdfRefused, match="no such file"):
        import_filled_pdf(session, tmp_path / "absent.pdf", people.case.id)


def test_absurd_field_counts_are_refused(session: Session, people: SampleCase,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    from btam_desktop.core.pdf import importer

    monkeypatch.setattr(importer, "MAX_FIELDS", 10)
    path = tmp_path / "many.pdf"
    path.write_bytes(blank_form_pdf(session, "contact_log").data)
    with pytest.raises(PdfRefused, match="form fields"):
        import_filled_pdf(session, path, people.case.id)


def test_a_plain_pdf_is_not_a_btam_form(session: Session, people: SampleCase,
                                        tmp_path: Path) -> None:
    from btam_desktop.core.pdf import case_report_pdf

    path = tmp_path / "report.pdf"
    path.write_bytes(case_report_pdf(session, people.case.id).data)
    with pytest.raises(PdfRefused, match="not a BTAM fillable form"):
        import_filled_pdf(session, path, people.case.id)


def test_damaged_copies_never_crash(session: Session, people: SampleCase,
                                    tmp_path: Path) -> None:
    """Random corruption either still imports or is refused: never another exception."""
    form = session.forms.definition("contact_log")
    good = fill(blank_form_pdf(session, "contact_log").data,
                field_values(form, full_answers(form, people), session, people.case.id))
    rng = random.Random(7)
    path = tmp_path / "damaged.pdf"
    outcomes = set()
    for _ in range(30):
        data = bytearray(good)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data) - 10)] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            import_filled_pdf(session, path, people.case.id)
            outcomes.add("imported")
        except PdfRefused:
            outcomes.add("refused")
    assert outcomes


@pytest.mark.parametrize("kind", ["javascript", "open action", "field action", "attachment"])
def test_structure_check_alone_finds_active_content(session: Session, people: SampleCase,
                                                    tmp_path: Path, kind: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Content packed in compressed object streams is invisible to the byte scan: the walk
    over the document structure must find it on its own."""
    from btam_desktop.core.pdf import safety

    monkeypatch.setattr(safety, "_raw_scan", lambda data: None)
    make, message = HOSTILE[kind]
    path = tmp_path / "hostile.pdf"
    path.write_bytes(make(blank_form_pdf(session, "contact_log").data))
    with pytest.raises(PdfRefused, match=message):
        import_filled_pdf(session, path, people.case.id)


def test_escaped_names_are_decoded_by_the_byte_scan() -> None:
    from btam_desktop.core.pdf import safety

    assert safety._raw_scan(b"1 0 obj << /S /J#61vaScript >> endobj") == "JavaScript"
    assert safety._raw_scan(b"stream\n/JS junk\nendstream") is None


def test_every_widget_kind_round_trips(session: Session, people: SampleCase,
                                       tmp_path: Path) -> None:
    """Types the shipped pack does not use (rating, decimal, time, datetime, long choice
    lists, a person inside a repeat table) survive blank -> fill -> import too."""
    from btam_desktop.core.pdf import masthead_for, render_blank_form

    form = FormDefinition.from_dict({
        "format": "btam-form/1", "id": "every_kind", "version": 3, "title": "Every <kind>",
        "sections": [{"id": "main", "title": "Main", "fields": [
            {"id": "level", "type": "rating", "label": "Level",
             "scale": {"min": 1, "max": 5, "labels": {1: "Low", 5: "High"}}},
            {"id": "amount", "type": "decimal", "label": "Amount"},
            {"id": "count", "type": "integer", "label": "Count"},
            {"id": "at_time", "type": "time", "label": "Time"},
            {"id": "at", "type": "datetime", "label": "When"},
            {"id": "colour", "type": "choice", "label": "Colour", "choices": [
                {"name": f"c{n}", "label": f"Colour “{n}” — é"} for n in range(9)]},
            {"id": "rows", "type": "repeat", "label": "Rows", "max_items": 2, "fields": [
                {"id": "who", "type": "person", "label": "Who"},
                {"id": "ok", "type": "yes_no_unknown", "label": "OK?"}]},
        ]}],
    })
    session.forms.ensure_stored(form, source="imported")
    answers = {"level": 4, "amount": 2.25, "count": -3, "at_time": "07:05",
               "at": "2026-02-03T14:30", "colour": "c7",
               "rows": [{"who": people.witness_id, "ok": "no"}, {"ok": "unknown"}]}
    blank = render_blank_form(form, masthead_for(session)).data
    values = field_values(form, answers, session, people.case.id)
    values["at_time"] = "7:05"  # a partner's way of writing it
    path = tmp_path / "every.pdf"
    path.write_bytes(fill(blank, values))
    result = import_filled_pdf(session, path, people.case.id)
    assert session.submissions.get(result.submission_id).answers == answers
    assert result.problems == ()
    text = " ".join(pdf_text(blank).split())
    assert "Every <kind>" in text and "1 Low" in text
