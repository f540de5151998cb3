"""Tests of answer evaluation (relevance, calculations) and answer validation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from btam_desktop.core.forms import (
    AnswerProblem,
    FormDefinition,
    evaluate,
    initial_answers,
    new_item,
    relevant_answers,
    validate_answers,
)
from tests.core.forms.forms_testkit import field, form

TODAY = dt.date(2024, 3, 15)
CHOICES = [{"name": "red", "label": "Red"}, {"name": "blue", "label": "Blue"}]


def build(*fields: dict[str, Any], **kw: Any) -> FormDefinition:
    return FormDefinition.from_dict(form(*fields, **kw))


def check(
    definition: FormDefinition, answers: dict[str, Any], complete: bool = False, **kw: Any
) -> list[AnswerProblem]:
    return validate_answers(definition, answers, complete, today=TODAY, **kw)


def paths(problems: list[AnswerProblem]) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in problems]


# -- type checks per field type ----------------------------------------------------------------

TYPE_CASES: list[tuple[dict[str, Any], list[Any], list[Any]]] = [
    (field("vv", "text"), ["x", "multi\nline"], [3, ["x"], True]),
    (field("vv", "long_text"), ["long\ntext"], [1.5, {"a": 1}]),
    (field("vv", "integer"), [0, -4, 10**20], [1.5, "3", True]),
    (field("vv", "decimal"), [1, 2.5, -0.1], ["2.5", float("nan"), float("inf"), False]),
    (
        field("vv", "date"),
        ["2024-02-29", "1999-12-31"],
        ["2023-02-29", "2024-1-5", "20240105", "2024-01-05T10:00", 20240105],
    ),
    (field("vv", "time"), ["00:00", "23:59"], ["24:00", "9:30", "09:30:00", "12:60"]),
    (
        field("vv", "datetime"),
        ["2024-03-15T09:30"],
        ["2024-03-15 09:30", "2024-03-15T09:30:00", "2024-13-15T09:30", "2024-03-15"],
    ),
    (field("vv", "choice", choices=CHOICES), ["red", "blue"], ["green", "Red", ["red"], 1]),
    (
        field("vv", "multi_choice", choices=CHOICES),
        [["red"], ["red", "blue"]],
        ["red", ["green"], ["red", "red"], [1]],
    ),
    (field("vv", "yes_no_unknown"), ["yes", "no", "unknown"], ["Yes", True, "maybe"]),
    (field("vv", "rating", scale={"min": 1, "max": 5}), [1, 3, 5], [0, 6, 2.0, "3", True]),
    (field("vv", "person"), ["p-123"], ["  ", 5, {"id": "p"}]),
    (
        field("vv", "signature"),
        [{"name": "A. Officer", "badge": "1234", "date": "2024-03-15"}],
        [
            {"name": "A", "badge": "1"},
            {"name": "A", "badge": "1", "date": "15/03/2024"},
            {"name": "", "badge": "1", "date": "2024-03-15"},
            "A. Officer",
            {"name": "A", "badge": "1", "date": "2024-03-15", "extra": 1},
        ],
    ),
]


@pytest.mark.parametrize(
    ("spec", "good", "bad"), TYPE_CASES, ids=[c[0]["type"] for c in TYPE_CASES]
)
def test_answer_types(spec: dict[str, Any], good: list[Any], bad: list[Any]) -> None:
    definition = build(spec)
    for value in good:
        assert check(definition, {"vv": value}, complete=True) == [], value
    for value in bad:
        found = check(definition, {"vv": value})
        assert paths(found) == [("vv", "type")], value


def test_note_takes_no_answer() -> None:
    definition = build(field("nn", "note"))
    assert paths(check(definition, {"nn": "text"})) == [("nn", "type")]
    assert check(definition, {}, complete=True) == []


def test_unknown_field_ids_rejected() -> None:
    definition = build(field("name"), field("items", "repeat", fields=[field("kind")]))
    found = check(definition, {"nmae": "x", "kind": "y"})
    assert paths(found) == [("nmae", "unknown_field"), ("kind", "unknown_field")]
    assert "did you mean 'name'" in found[0].message
    assert "member of repeat 'items'" in found[1].message


def test_answers_must_be_mapping() -> None:
    definition = build(field("aa"))
    assert paths(validate_answers(definition, ["x"], False)) == [("", "answers")]  # type: ignore[arg-type]


def test_person_ids_checked_against_case() -> None:
    definition = build(field("poc", "person", person_role="poc"))
    assert check(definition, {"poc": "p1"}, person_ids={"p1", "p2"}) == []
    assert paths(check(definition, {"poc": "p9"}, person_ids={"p1"})) == [("poc", "person")]


# -- required / complete -----------------------------------------------------------------------


def test_required_only_when_complete() -> None:
    definition = build(field("aa", required=True), field("bb"))
    assert check(definition, {}, complete=False) == []
    assert paths(check(definition, {}, complete=True)) == [("aa", "required")]
    assert paths(check(definition, {"aa": ""}, complete=True)) == [("aa", "required")]
    assert check(definition, {"aa": "x"}, complete=True) == []


def test_required_expression() -> None:
    definition = build(field("kind", "yes_no_unknown"), field("detail", required="${kind} = 'yes'"))
    assert check(definition, {"kind": "no"}, complete=True) == []
    assert paths(check(definition, {"kind": "yes"}, complete=True)) == [("detail", "required")]


def test_required_not_enforced_when_not_relevant() -> None:
    definition = build(
        field("kind", "yes_no_unknown"), field("detail", required=True, relevant="${kind} = 'yes'")
    )
    assert check(definition, {"kind": "no"}, complete=True) == []
    assert paths(check(definition, {"kind": "yes"}, complete=True)) == [("detail", "required")]


def test_empty_multi_choice_counts_as_unanswered() -> None:
    definition = build(field("mm", "multi_choice", choices=CHOICES, required=True))
    assert paths(check(definition, {"mm": []}, complete=True)) == [("mm", "required")]


# -- relevance ---------------------------------------------------------------------------------


def test_relevance_of_fields_and_sections() -> None:
    definition = FormDefinition.from_dict(
        form(
            sections=[
                {
                    "id": "first",
                    "title": "First",
                    "fields": [field("has_weapon", "yes_no_unknown")],
                },
                {
                    "id": "weapons",
                    "title": "Weapons",
                    "relevant": "${has_weapon} = 'yes'",
                    "fields": [
                        field("weapon_kind"),
                        field("stored", relevant="${weapon_kind} != ''"),
                    ],
                },
            ]
        )
    )
    state = evaluate(definition, {"has_weapon": "no", "weapon_kind": "knife"}, today=TODAY)
    assert state.sections == {"first": True, "weapons": False}
    assert state.fields == {"has_weapon": True, "weapon_kind": False, "stored": False}
    state = evaluate(definition, {"has_weapon": "yes", "weapon_kind": "knife"}, today=TODAY)
    assert state.fields == {"has_weapon": True, "weapon_kind": True, "stored": True}


def test_non_relevant_values_read_as_empty_downstream() -> None:
    definition = build(
        field("gate", "yes_no_unknown"),
        field("hidden", "integer", relevant="${gate} = 'yes'"),
        field("total", "integer", calculation="coalesce(${hidden}, 0) + 1"),
        field("shows", relevant="${hidden} > 2"),
    )
    state = evaluate(definition, {"gate": "no", "hidden": 5}, today=TODAY)
    assert state.calculated == {"total": 1}
    assert state.fields["shows"] is False
    state = evaluate(definition, {"gate": "yes", "hidden": 5}, today=TODAY)
    assert state.calculated == {"total": 6}
    assert state.fields["shows"] is True


def test_non_relevant_answers_kept_but_ignored() -> None:
    definition = build(
        field("gate", "yes_no_unknown"),
        field(
            "num",
            "integer",
            relevant="${gate} = 'yes'",
            required=True,
            constraint=". < 10",
            constraint_message="too big",
        ),
    )
    # Constraint and required ignored while hidden; type is still checked.
    assert check(definition, {"gate": "no", "num": 50}, complete=True) == []
    assert paths(check(definition, {"gate": "no", "num": "x"})) == [("num", "type")]
    assert paths(check(definition, {"gate": "yes", "num": 50})) == [("num", "constraint")]


def test_evaluation_order_does_not_depend_on_declaration_order() -> None:
    definition = build(
        field("late", "integer", calculation="${early} * 2"),
        field("early", "integer", calculation="${base} + 1"),
        field("base", "integer"),
    )
    assert evaluate(definition, {"base": 4}, today=TODAY).calculated == {"late": 10, "early": 5}


# -- constraints -------------------------------------------------------------------------------


def test_constraint_with_dot_and_today() -> None:
    definition = build(
        field(
            "when",
            "date",
            constraint=". <= today()",
            constraint_message="The date cannot be in the future.",
        )
    )
    assert check(definition, {"when": "2024-03-15"}) == []
    found = check(definition, {"when": "2024-03-16"})
    assert [(p.path, p.message, p.code) for p in found] == [
        ("when", "The date cannot be in the future.", "constraint")
    ]


def test_constraint_referencing_other_field() -> None:
    definition = build(
        field("start", "date"),
        field("end", "date", constraint=". >= ${start}", constraint_message="end before start"),
    )
    assert check(definition, {"start": "2024-01-02", "end": "2024-01-03"}) == []
    assert paths(check(definition, {"start": "2024-01-02", "end": "2024-01-01"})) == [
        ("end", "constraint")
    ]


def test_constraint_skipped_for_empty_value() -> None:
    definition = build(field("nn", "integer", constraint=". > 0", constraint_message="positive"))
    assert check(definition, {}) == []
    assert check(definition, {"nn": None}) == []


# -- calculations ------------------------------------------------------------------------------


def test_calculation_results_are_typed() -> None:
    definition = build(
        field("aa", "yes_no_unknown"),
        field("as_int", "integer", calculation="7 div 2"),
        field("as_dec", "decimal", calculation="7 div 2"),
        field("as_ynu", "yes_no_unknown", calculation="${aa} = 'yes'"),
        field("as_text", "text", calculation="3 + 4"),
        field("as_date", "date", calculation="today()"),
        field("bad_date", "date", calculation="'soon'"),
        field("div0", "decimal", calculation="1 div 0"),
    )
    state = evaluate(definition, {"aa": "yes"}, today=TODAY)
    assert state.calculated == {
        "as_int": 4,
        "as_dec": 3.5,
        "as_ynu": "yes",
        "as_text": "7",
        "as_date": "2024-03-15",
        "bad_date": None,
        "div0": None,
    }


def test_warning_behaviour_style_sum() -> None:
    calc = " + ".join(f"if(${{w{i}}} = 'yes', 1, 0)" for i in range(1, 4))
    definition = build(
        *(field(f"w{i}", "yes_no_unknown") for i in range(1, 4)),
        field("total", "integer", calculation=calc),
    )
    state = evaluate(definition, {"w1": "yes", "w3": "yes", "w2": "no"}, today=TODAY)
    assert state.calculated["total"] == 2


def test_stored_answer_for_computed_field_is_only_type_checked() -> None:
    definition = build(field("cc", "integer", calculation="1 + 1"))
    assert check(definition, {"cc": 99}) == []
    assert paths(check(definition, {"cc": "two"})) == [("cc", "type")]


# -- repeats -----------------------------------------------------------------------------------


def weapons_form() -> FormDefinition:
    return build(
        field("has_weapons", "yes_no_unknown"),
        field(
            "weapons",
            "repeat",
            relevant="${has_weapons} = 'yes'",
            min_items=1,
            max_items=2,
            fields=[
                field(
                    "weapon_type",
                    "choice",
                    choices=[{"name": "firearm", "label": "F"}, {"name": "edged", "label": "E"}],
                    required=True,
                ),
                field(
                    "stored_safely",
                    "yes_no_unknown",
                    relevant="${weapon_type} = 'firearm'",
                    required=True,
                ),
                field("acquired", "date", constraint=". <= today()", constraint_message="future"),
            ],
        ),
        field("weapon_count", "integer", calculation="count(${weapons})"),
    )


def test_repeat_items_validated_with_paths() -> None:
    definition = weapons_form()
    answers = {
        "has_weapons": "yes",
        "weapons": [
            {"weapon_type": "firearm"},
            {"weapon_type": "spear", "acquired": "2030-01-01", "colour": "red"},
        ],
    }
    assert paths(check(definition, answers, complete=True)) == [
        ("weapons[0].stored_safely", "required"),
        ("weapons[1].colour", "unknown_field"),
        ("weapons[1].weapon_type", "type"),
        ("weapons[1].acquired", "constraint"),
    ]


def test_sibling_relevance_is_per_item() -> None:
    definition = weapons_form()
    answers = {
        "has_weapons": "yes",
        "weapons": [{"weapon_type": "edged"}, {"weapon_type": "firearm"}],
    }
    state = evaluate(definition, answers, today=TODAY)
    assert [item.relevant["stored_safely"] for item in state.items["weapons"]] == [False, True]
    assert state.is_relevant("stored_safely", 1) is True
    assert state.calculated["weapon_count"] == 2


def test_repeat_item_count_limits() -> None:
    definition = weapons_form()
    many = {"has_weapons": "yes", "weapons": [{"weapon_type": "edged"}] * 3}
    assert paths(check(definition, many)) == [("weapons", "items")]  # max always enforced
    none = {"has_weapons": "yes", "weapons": []}
    assert check(definition, none) == []  # min only when complete
    assert paths(check(definition, none, complete=True)) == [("weapons", "items")]
    assert check(definition, {"has_weapons": "no"}, complete=True) == []  # not relevant


def test_repeat_shape_errors() -> None:
    definition = weapons_form()
    assert paths(check(definition, {"weapons": {"weapon_type": "edged"}})) == [("weapons", "type")]
    assert paths(check(definition, {"has_weapons": "yes", "weapons": ["edged"]})) == [
        ("weapons[0]", "type")
    ]


def test_count_of_non_relevant_repeat_is_zero() -> None:
    state = evaluate(weapons_form(), {"has_weapons": "no", "weapons": [{}]}, today=TODAY)
    assert state.calculated["weapon_count"] == 0
    assert state.items["weapons"] == ()


def test_required_repeat_needs_an_item() -> None:
    definition = build(field("people", "repeat", required=True, fields=[field("who")]))
    assert paths(check(definition, {}, complete=True)) == [("people", "required")]
    assert check(definition, {"people": [{"who": "x"}]}, complete=True) == []


# -- helpers -----------------------------------------------------------------------------------


def test_relevant_answers_drops_hidden_and_adds_calculated() -> None:
    definition = weapons_form()
    answers = {
        "has_weapons": "yes",
        "junk": 1,
        "weapons": [{"weapon_type": "edged", "stored_safely": "yes"}, {"weapon_type": "firearm"}],
    }
    assert relevant_answers(definition, answers, today=TODAY) == {
        "has_weapons": "yes",
        "weapons": [{"weapon_type": "edged"}, {"weapon_type": "firearm"}],
        "weapon_count": 2,
    }
    hidden = relevant_answers(definition, {"has_weapons": "no", "weapons": [{}]}, today=TODAY)
    assert hidden == {"has_weapons": "no", "weapon_count": 0}


def test_initial_answers_and_new_item_use_defaults() -> None:
    definition = build(
        field("aa", "yes_no_unknown", default="unknown"),
        field("mm", "multi_choice", choices=CHOICES, default=["red"]),
        field("items", "repeat", fields=[field("level", "integer", default=2), field("nt")]),
    )
    assert initial_answers(definition) == {"aa": "unknown", "mm": ["red"]}
    assert new_item(definition, "items") == {"level": 2}
    with pytest.raises(ValueError, match="not a repeat"):
        new_item(definition, "aa")


def test_evaluate_never_raises_on_garbage() -> None:
    definition = weapons_form()
    for garbage in ({"weapons": "x"}, {"weapons": [1, None]}, {"has_weapons": {"x": 1}}, {1: 2}):
        evaluate(definition, garbage, today=TODAY)  # type: ignore[arg-type]
        check(definition, garbage, complete=True)  # type: ignore[arg-type]
