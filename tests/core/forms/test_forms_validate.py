"""Tests of form definition validation: the schema and every semantic check."""

from __future__ import annotations

from typing import Any

import pytest

from btam_desktop.core.forms import (
    DefinitionProblem,
    FormDefinition,
    FormDefinitionError,
    validate_choice_lists,
    validate_definition,
)
from tests.core.forms.forms_testkit import field, form


def problems(doc: dict[str, Any], **kw: Any) -> list[DefinitionProblem]:
    return validate_definition(doc, **kw)


def only(doc: dict[str, Any], **kw: Any) -> DefinitionProblem:
    found = problems(doc, **kw)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_valid_form_has_no_problems() -> None:
    doc = form(
        field("aa", "yes_no_unknown", required=True),
        field(
            "bb",
            "text",
            relevant="${aa} = 'yes'",
            constraint="string-length(.) < 10",
            constraint_message="Too long",
        ),
        field("cc", "integer", calculation="if(${aa} = 'yes', 1, 0)"),
    )
    assert problems(doc) == []
    assert FormDefinition.from_dict(doc).id == "test_form"


def test_problem_str_format() -> None:
    doc = form(
        field("weapons_access", "text", relevant="${xx} = ${zzzz}"),
        field("xx"),
        id="threat_inquiry",
    )
    problem = only(doc)
    assert (problem.form_id, problem.field_id, problem.where, problem.position) == (
        "threat_inquiry",
        "weapons_access",
        "relevant",
        8,
    )
    assert str(problem) == (
        "threat_inquiry: field 'weapons_access' relevant (char 8): unknown field reference ${zzzz}"
    )


def test_unknown_reference_suggests_close_name() -> None:
    doc = form(field("weapons"), field("access", relevant="${wepons} = 'yes'"))
    problem = only(doc)
    assert problem.message == "unknown field reference ${wepons} (did you mean ${weapons}?)"
    assert problem.position == 0


def test_expression_syntax_error_has_position() -> None:
    problem = only(form(field("aa"), field("bb", relevant="${aa} = 'yes' and")))
    assert (problem.field_id, problem.where, problem.position) == ("bb", "relevant", 17)
    assert "value is missing" in problem.message


def test_section_relevant_is_checked() -> None:
    doc = form(
        sections=[
            {"id": "one", "title": "One", "fields": [field("aa")]},
            {"id": "two", "title": "Two", "relevant": "${nope} = 1", "fields": [field("bb")]},
        ]
    )
    problem = only(doc)
    assert (problem.scope, problem.field_id, problem.where) == ("section", "two", "relevant")
    assert str(problem).startswith("test_form: section 'two' relevant (char 0):")


def test_duplicate_field_id_including_repeat_members() -> None:
    doc = form(field("aa"), field("items", "repeat", fields=[field("aa", "integer")]))
    problem = only(doc)
    assert (problem.field_id, problem.where) == ("aa", "id")
    assert "duplicate id 'aa'" in problem.message


def test_duplicate_section_id_and_collision_with_field() -> None:
    doc = form(
        sections=[
            {"id": "one", "title": "One", "fields": [field("two")]},
            {"id": "one", "title": "Again", "fields": [field("bb")]},
            {"id": "two", "title": "Two", "fields": [field("cc")]},
        ]
    )
    found = problems(doc)
    assert [(p.scope, p.field_id) for p in found] == [("section", "one"), ("section", "two")]
    assert all("duplicate id" in p.message for p in found)


def test_unknown_choice_list() -> None:
    doc = form(
        field("cc", "choice", choices="levels"),
        choice_lists={"level": [{"name": "a", "label": "A"}]},
    )
    problem = only(doc)
    assert (problem.field_id, problem.where) == ("cc", "choices")
    assert "unknown choice list 'levels'" in problem.message
    assert "did you mean 'level'" in problem.message


def test_shared_choice_lists_resolve_and_local_wins() -> None:
    shared = {"levels": [{"name": "low", "label": "Low"}]}
    doc = form(field("cc", "choice", choices="levels", default="low"))
    assert problems(doc, shared_choice_lists=shared) == []
    local = form(
        field("cc", "choice", choices="levels", default="low"),
        choice_lists={"levels": [{"name": "high", "label": "High"}]},
    )
    problem = only(local, shared_choice_lists=shared)
    assert problem.where == "default"


def test_duplicate_choice_names() -> None:
    doc = form(
        field("cc", "choice", choices=[{"name": "a", "label": "A"}, {"name": "a", "label": "B"}]),
        choice_lists={"l": [{"name": "x", "label": "X"}, {"name": "x", "label": "Y"}]},
    )
    found = problems(doc)
    assert {(p.field_id, p.where) for p in found} == {(None, "choice_lists.l"), ("cc", "choices")}
    assert all("duplicate choice name" in p.message for p in found)
    assert validate_choice_lists({"l": [{"name": "x", "label": "X"}] * 2})[0].message == (
        "duplicate choice name 'x'"
    )


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (field("dd", "integer", default="abc"), "expected a whole number"),
        (field("dd", "decimal", default="1.5"), "expected a number"),
        (field("dd", "date", default="2024-02-30"), "expected a date"),
        (field("dd", "time", default="25:00"), "expected a time"),
        (field("dd", "datetime", default="2024-01-01 10:00"), "expected a date and time"),
        (field("dd", "yes_no_unknown", default="maybe"), "expected 'yes', 'no' or 'unknown'"),
        (field("dd", "choice", choices=[{"name": "a", "label": "A"}], default="b"), "not one of"),
        (
            field("dd", "multi_choice", choices=[{"name": "a", "label": "A"}], default=["a", "z"]),
            "'z' not among the choices",
        ),
        (field("dd", "rating", scale={"min": 1, "max": 5}, default=7), "from 1 to 5"),
        (field("dd", "text", default=3), "expected text"),
    ],
)
def test_default_must_suit_type(spec: dict[str, Any], fragment: str) -> None:
    problem = only(form(spec))
    assert (problem.field_id, problem.where) == ("dd", "default")
    assert fragment in problem.message


def test_valid_defaults_accepted() -> None:
    doc = form(
        field("aa", "integer", default=3),
        field("bb", "decimal", default=2),
        field("cc", "date", default="2024-02-29"),
        field("dd", "yes_no_unknown", default="unknown"),
        field("ee", "multi_choice", choices=[{"name": "x", "label": "X"}], default=["x"]),
        field("ff", "rating", scale={"min": 0, "max": 4}, default=0),
    )
    assert problems(doc) == []


def test_constraint_without_message() -> None:
    problem = only(form(field("aa", "integer", constraint=". > 0")))
    assert (problem.field_id, problem.where) == ("aa", "constraint")
    assert "requires 'constraint_message'" in problem.message


def test_calculation_cycle() -> None:
    doc = form(
        field("aa", "integer", calculation="${bb} + 1"),
        field("bb", "integer", calculation="${cc} * 2"),
        field("cc", "integer", calculation="${aa}"),
    )
    problem = only(doc)
    assert (problem.field_id, problem.where, problem.position) == ("aa", "calculation", 0)
    assert problem.message.startswith("dependency cycle: ${aa} -> ${bb} -> ${cc} -> ${aa}")


def test_self_reference_cycle() -> None:
    problem = only(form(field("aa", "integer", calculation="${aa} + 1")))
    assert "dependency cycle: ${aa} -> ${aa}" in problem.message


def test_relevance_cycle_through_section() -> None:
    doc = form(
        sections=[
            {
                "id": "ss",
                "title": "S",
                "relevant": "${inside} = 'yes'",
                "fields": [field("inside", "yes_no_unknown")],
            }
        ]
    )
    problem = only(doc)
    assert problem.scope == "section"
    assert "dependency cycle: section 'ss' -> ${inside} -> section 'ss'" in problem.message


def test_no_false_cycle_for_constraint_or_required_references() -> None:
    doc = form(
        field(
            "aa",
            "integer",
            required="${bb} > 0",
            constraint=". > ${bb}",
            constraint_message="bigger",
        ),
        field("bb", "integer", required="${aa} > 0"),
    )
    assert problems(doc) == []


def test_rating_min_not_below_max() -> None:
    problem = only(form(field("rr", "rating", scale={"min": 5, "max": 5})))
    assert (problem.field_id, problem.where) == ("rr", "scale")
    assert problem.message == "scale min (5) must be less than max (5)"


def test_rating_label_outside_scale() -> None:
    problem = only(form(field("rr", "rating", scale={"min": 1, "max": 3, "labels": {4: "x"}})))
    assert problem.where == "scale.labels.4"


def test_repeat_without_fields() -> None:
    problem = only(form(field("items", "repeat", fields=[])))
    assert (problem.field_id, problem.where) == ("items", "fields")
    assert problem.message == "must have at least 1 item"
    missing = only(form(field("items", "repeat")))
    assert missing.message == "missing required property 'fields'"


def test_repeat_min_items_above_max_items() -> None:
    problem = only(form(field("items", "repeat", fields=[field("xx")], min_items=3, max_items=2)))
    assert problem.where == "min_items"


def test_repeats_nest_three_deep_not_four() -> None:
    doc = form(field("outer", "repeat", fields=[field("inner", "repeat", fields=[field("xx")])]))
    assert problems(doc) == []
    deep = form(field("r1", "repeat", fields=[field("r2", "repeat", fields=[
        field("r3", "repeat", fields=[field("r4", "repeat", fields=[field("xx")])])])]))
    found = problems(deep)
    assert [(p.field_id, p.where) for p in found] == [("r4", "type")]
    assert "at most 3 deep" in found[0].message


def test_nested_repeat_reference_scopes() -> None:
    doc = form(
        field("top", "text"),
        field("outer", "repeat", fields=[
            field("place", "text"),
            field("visits", "integer", calculation="count(${inner})"),
            field("inner", "repeat", fields=[
                field("who", "text", relevant="${place} != '' and ${top} != ''"),
            ]),
            field("peek", "text", relevant="${who} = 'x'"),
        ]),
        field("bad", "text", relevant="${place} = 'x'"),
    )
    found = {(p.field_id, p.where) for p in problems(doc)}
    # Inner fields read their own item, the outer item and the top level; nothing reads
    # into an inner repeat's items except count() from the item holding it.
    assert found == {("peek", "relevant"), ("bad", "relevant")}


def test_sensitivity_tags_inside_a_nested_repeat_are_refused() -> None:
    doc = form(field("outer", "repeat", fields=[field("inner", "repeat", fields=[
        field("diagnosis", "text", sensitivity=["mental_health"])])]))
    found = problems(doc)
    assert [(p.field_id, p.where) for p in found] == [("diagnosis", "sensitivity")]


def test_reference_scoping_rules() -> None:
    doc = form(
        field("items", "repeat", fields=[field("kind"), field("detail", relevant="${kind} != ''")]),
        field("outside", relevant="${kind} = 'x'"),
        field("whole", relevant="${items} != ''"),
        field("counted", "integer", calculation="count(${outside})"),
        field("heading", "note"),
        field("uses_note", relevant="${heading} = ''"),
        field("ok", "integer", calculation="count(${items})"),
    )
    found = {p.field_id: p.message for p in problems(doc)}
    assert set(found) == {"outside", "whole", "counted", "uses_note"}
    assert "belongs to repeat 'items'" in found["outside"]
    assert "use count(${items})" in found["whole"]
    assert "count() needs a repeat field" in found["counted"]
    assert "is a note" in found["uses_note"]


def test_dot_only_in_constraints() -> None:
    problem = only(form(field("aa", relevant=". = 'x'")))
    assert (problem.where, problem.position) == ("relevant", 0)
    assert "only be used in a constraint" in problem.message


def test_properties_not_allowed_for_type() -> None:
    found = problems(
        form(field("nn", "note", required=True), field("cc", "integer", calculation="1", default=2))
    )
    assert [(p.field_id, p.where) for p in found] == [("nn", "required"), ("cc", "default")]


def test_type_specific_property_on_wrong_type() -> None:
    problem = only(form(field("tt", "text", choices="x")))
    assert (problem.field_id, problem.where) == ("tt", "choices")
    assert "only allowed on choice / multi_choice fields" in problem.message


def test_quoted_required_gets_hint() -> None:
    problem = only(form(field("aa", required="true")))
    assert problem.where == "required"
    assert "write required: true without quotes" in problem.message


def test_schema_problems_located_at_field() -> None:
    doc = form(field("aa", "text", colour="red"), field("Bad"))
    found = problems(doc)
    assert [(p.field_id, p.where) for p in found] == [("aa", None), ("Bad", "id")]
    assert found[0].message == "unknown property 'colour'"


def test_form_level_schema_problems() -> None:
    doc = form(field("aa"), format="btam-form/2", version=0)
    found = {p.where: p.message for p in problems(doc)}
    assert found == {
        "format": "must be 'btam-form/1', got 'btam-form/2'",
        "version": "must be at least 1, got int 0",
    }


def test_not_a_mapping() -> None:
    assert [p.message for p in validate_definition(["x"])] == ["a form must be a mapping"]


def test_all_semantic_problems_reported_at_once() -> None:
    doc = form(
        field("aa", relevant="${xx}"),
        field("bb", calculation="${bb}"),
        field("cc", "choice", choices="nowhere"),
    )
    assert len(problems(doc)) == 3


def test_from_dict_raises_with_every_problem() -> None:
    with pytest.raises(FormDefinitionError) as info:
        FormDefinition.from_dict(form(field("aa", relevant="${xx}"), field("bb", relevant="(")))
    assert len(info.value.problems) == 2
    assert "2 problems in form definition" in str(info.value)
