"""Repeats inside repeats (and groups inside repeats) in the engine, validation and XLSForm
import (issue 11): a household with members, each with several contacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core.forms import (
    FormDefinition,
    evaluate,
    load_xlsform,
    relevant_answers,
    validate_answers,
)
from btam_desktop.core.forms.answers import stored_answers
from btam_desktop.core.forms.xlsexport import export_xlsform
from tests.core.forms.test_forms_xlsform import SURVEY_HEADER, workbook

NESTED = {
    "format": "btam-form/1", "id": "household", "version": 1, "title": "Household",
    "sections": [{"id": "main", "title": "Household", "fields": [
        {"id": "address", "type": "text", "label": "Address"},
        {"id": "people", "type": "repeat", "label": "People", "item_label": "Person",
         "fields": [
             {"id": "name", "type": "text", "label": "Name", "required": True},
             {"id": "has_contacts", "type": "yes_no_unknown", "label": "Any contacts?"},
             {"id": "contact_total", "type": "integer", "label": "Contacts",
              "calculation": "count(${contacts})", "read_only": True},
             {"id": "contacts", "type": "repeat", "label": "Contacts of ${name}",
              "item_label": "Contact", "relevant": "${has_contacts} = 'yes'", "max_items": 2,
              "fields": [
                  {"id": "contact_name", "type": "text", "label": "Contact name",
                   "required": True},
                  {"id": "contact_note", "type": "text", "label": "Note",
                   "relevant": "${address} != '' and ${name} != ''",
                   "constraint": "string-length(.) < 10",
                   "constraint_message": "short note about ${name}"},
                  {"id": "label_for", "type": "text", "label": "For",
                   "calculation": "concat(${name}, '/', ${contact_name})", "read_only": True},
              ]},
         ]},
    ]}],
}


@pytest.fixture
def form() -> FormDefinition:
    return FormDefinition.from_dict(NESTED)


def _answers(**extra: Any) -> dict[str, Any]:
    return {"address": "1 Main St", "people": [
        {"name": "Ana", "has_contacts": "yes",
         "contacts": [{"contact_name": "Bo", "contact_note": "ok"}, {"contact_name": "Cy"}]},
        {"name": "Dee", "has_contacts": "no", "contacts": [{"contact_name": "Hidden"}]},
    ], **extra}


def test_inner_items_see_their_item_the_outer_item_and_the_top(form: FormDefinition) -> None:
    state = evaluate(form, _answers())
    ana, dee = state.items["people"]
    assert ana.calculated["contact_total"] == 2
    assert dee.calculated["contact_total"] == 0  # not relevant: no items count
    bo, cy = ana.items["contacts"]
    assert bo.relevant["contact_note"] and bo.calculated["label_for"] == "Ana/Bo"
    assert cy.calculated["label_for"] == "Ana/Cy"
    assert dee.relevant["contacts"] is False and dee.items["contacts"] == ()


def test_problems_name_the_nested_path(form: FormDefinition) -> None:
    answers = _answers()
    answers["people"][0]["contacts"].append({"contact_note": "far too long a note"})
    found = {(p.path, p.code, p.message) for p in validate_answers(form, answers, True)}
    assert ("people[0].contacts", "items", "at most 2 item(s) allowed, got 3") in found
    assert ("people[0].contacts[2].contact_name", "required", "this field is required") in found
    assert ("people[0].contacts[2].contact_note", "constraint", "short note about Ana") in found
    # The hidden inner list of Dee is not checked; unknown members are.
    assert not any(path.startswith("people[1].contacts") for path, _, _ in found)
    answers["people"][0]["contacts"][0]["bogus"] = 1
    assert any(p.path == "people[0].contacts[0].bogus" and p.code == "unknown_field"
               for p in validate_answers(form, answers, False))


def test_only_relevant_answers_are_kept_and_shown(form: FormDefinition) -> None:
    answers = _answers()
    answers["people"][0]["contacts"][0]["label_for"] = "caller value"
    kept = stored_answers(form, answers, complete=True)
    assert kept["people"][0]["contacts"] == [{"contact_name": "Bo", "contact_note": "ok"},
                                             {"contact_name": "Cy"}]
    assert "contacts" not in kept["people"][1]
    draft = stored_answers(form, answers, complete=False)
    assert "label_for" not in draft["people"][0]["contacts"][0]
    shown = relevant_answers(form, answers)
    assert shown["people"][0]["contacts"][1]["label_for"] == "Ana/Cy"
    assert shown["people"][0]["contact_total"] == 2


HEADER = [*SURVEY_HEADER, "repeat_count"]


def _r(kind: str, name: str, label: str = "", **cols: Any) -> list[Any]:
    values = {"type": kind, "name": name, "label": label, **cols}
    return [values.get(column) for column in HEADER]


def test_an_xlsform_with_a_nested_repeat_imports(tmp_path: Path) -> None:
    path = workbook(tmp_path / "nested.xlsx", [
        _r("text", "address", "Address"),
        _r("begin repeat", "people", "People"),
        _r("text", "name", "Name"),
        _r("begin group", "details", "Details", relevant="${name} != ''"),
        _r("begin repeat", "contacts", "Contacts"),
        _r("text", "contact_name", "Contact name"),
        _r("end repeat", ""),
        _r("end group", ""),
        _r("end repeat", ""),
    ], header=HEADER)
    form = load_xlsform(path)
    people = form.field("people")
    contacts = form.field("contacts")
    assert contacts in people.fields and contacts.type == "repeat"
    assert contacts.relevant is not None and "${name}" in contacts.relevant.source
    assert form.repeat_of("contact_name") == contacts
    state = evaluate(form, {"people": [{"name": "Ana", "contacts": [{"contact_name": "Bo"}]}]})
    assert state.items["people"][0].items["contacts"][0].relevant["contact_name"]
    # Exported and imported again, it is the same form.
    out = tmp_path / "again.xlsx"
    export_xlsform(form, out)
    assert load_xlsform(out).to_dict() == form.to_dict()


def test_texts_of_inner_members_are_filled_from_their_items(form: FormDefinition) -> None:
    from btam_desktop.core.forms.answers import shown_text

    answers = _answers()
    text = "Note on ${contact_name} for ${name} at ${address}"
    filled = shown_text(form, text, answers, field_id="contact_note",
                        path="people[0].contacts[1].contact_note")
    assert filled == "Note on Cy for Ana at 1 Main St"
    # The inner list's own label is a member of the outer item.
    assert shown_text(form, "Contacts of ${name}", answers, field_id="contacts",
                      item=1) == "Contacts of Dee"
