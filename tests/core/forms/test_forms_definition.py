"""Tests of definition building, canonical round-trip, file loading and form packs."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml

from btam_desktop.core.forms import (
    FORM_SCHEMA,
    Expression,
    FormDefinition,
    FormDefinitionError,
    FormPack,
    load_and_validate,
    load_form,
)
from btam_desktop.core.forms.schema import schema_json
from tests.core.forms.forms_testkit import field, form

REPO = Path(__file__).resolve().parents[3]

SAMPLE = form(
    field(
        "kind",
        "yes_no_unknown",
        required=True,
        hint="h",
        guidance="g",
        sensitivity=["intelligence"],
    ),
    field("level", "choice", choices="levels", default="low"),
    field("score", "rating", scale={"min": 1, "max": 5, "labels": {1: "Low", 5: "High"}}),
    field(
        "items",
        "repeat",
        item_label="Item",
        min_items=1,
        max_items=3,
        fields=[field("what", required="${kind} = 'yes'")],
    ),
    field("total", "integer", calculation="count(${items})"),
    choice_lists={"local": [{"name": "x", "label": "X"}]},
    description="d",
    jurisdiction_notes="",
)
SHARED = {
    "levels": [{"name": "low", "label": "Low"}, {"name": "high", "label": "High"}],
    "unused": [{"name": "a", "label": "A"}],
}


def write(path: Path, data: Any) -> Path:
    path.write_text(
        yaml.safe_dump(data, sort_keys=False) if path.suffix != ".json" else json.dumps(data),
        encoding="utf-8",
    )
    return path


def test_build_resolves_choices_and_parses_expressions() -> None:
    definition = FormDefinition.from_dict(SAMPLE, shared_choice_lists=SHARED)
    level = definition.field("level")
    assert level.choice_list == "levels"
    assert [c.name for c in level.choices] == ["low", "high"]
    assert definition.field("score").scale is not None
    assert definition.field("score").scale.label_for(5) == "High"  # type: ignore[union-attr]
    assert isinstance(definition.field("what").required, Expression)
    assert definition.repeat_of("what") is definition.field("items")
    assert definition.repeat_of("kind") is None
    assert [f.id for f in definition.iter_fields(members=False)] == [
        "kind",
        "level",
        "score",
        "items",
        "total",
    ]
    assert definition.section("main").title == "Main"


def test_canonical_dict_is_self_contained_and_round_trips() -> None:
    definition = FormDefinition.from_dict(SAMPLE, shared_choice_lists=SHARED)
    canonical = definition.to_dict()
    # The shared list used by the form is copied in; unused shared lists are not.
    assert set(canonical["choice_lists"]) == {"local", "levels"}
    again = FormDefinition.from_dict(canonical)  # no shared lists needed any more
    assert again == definition
    assert again.to_dict() == canonical
    assert FormDefinition.from_json(definition.to_json()) == definition
    assert again.fingerprint() == definition.fingerprint()
    assert json.loads(definition.to_json()) == canonical
    assert canonical["sections"][0]["fields"][2]["scale"]["labels"] == {"1": "Low", "5": "High"}
    assert canonical["jurisdiction_notes"] == ""


def test_fingerprint_changes_with_content() -> None:
    one = FormDefinition.from_dict(form(field("aa")))
    two = FormDefinition.from_dict(form(field("aa", hint="new hint")))
    assert one.fingerprint() != two.fingerprint()
    assert one != two


def test_definition_is_immutable() -> None:
    definition = FormDefinition.from_dict(form(field("aa")))
    with pytest.raises(AttributeError):
        definition.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        definition.choice_lists["x"] = ()  # type: ignore[index]


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_load_form_file_types(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path / f"f{suffix}", form(field("aa")))
    assert load_form(path).id == "test_form"
    assert load_and_validate(path).id == "test_form"


def test_load_form_uses_sibling_shared_lists(tmp_path: Path) -> None:
    write(tmp_path / "choice_lists.yaml", SHARED)
    path = write(tmp_path / "f.yaml", form(field("level", "choice", choices="levels")))
    assert load_form(path).field("level").choice_names == {"low", "high"}
    with pytest.raises(FormDefinitionError, match="unknown choice list 'levels'"):
        load_form(path, shared_choice_lists={})


def test_yaml_is_read_with_yaml_1_2_scalars(tmp_path: Path) -> None:
    text = """
format: btam-form/1
id: yaml_rules
version: 1
title: YAML
choice_lists:
  answer: [{name: yes, label: Yes}, {name: no, label: No}, {name: off, label: Off}]
sections:
  - id: main
    title: Main
    fields:
      - {id: when, type: date, label: When, default: 2024-01-31}
      - {id: at, type: time, label: At, default: 12:30}
      - {id: pick, type: choice, label: Pick, choices: answer, default: no}
"""
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    definition = load_form(path)
    assert definition.field("when").default == "2024-01-31"
    assert definition.field("at").default == "12:30"
    assert definition.field("pick").choice_names == {"yes", "no", "off"}


def test_yaml_duplicate_keys_rejected(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("format: btam-form/1\nid: aa\nid: bb\n", encoding="utf-8")
    with pytest.raises(FormDefinitionError) as info:
        load_form(path)
    (problem,) = info.value.problems
    assert problem.file == str(path)
    assert "line 3" in problem.message
    assert "duplicate key 'id'" in problem.message


def test_json_duplicate_keys_and_bad_syntax(tmp_path: Path) -> None:
    dup = tmp_path / "d.json"
    dup.write_text('{"id": "a", "id": "b"}', encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="duplicate key 'id'"):
        load_form(dup)
    bad = tmp_path / "b.json"
    bad.write_text('{"id": ', encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="invalid JSON at line 1"):
        load_form(bad)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="unsupported file type"):
        load_form(path)


def test_form_pack_loads_all_and_skips_schema(tmp_path: Path) -> None:
    write(tmp_path / "choice_lists.yaml", SHARED)
    write(tmp_path / "one.yaml", form(field("level", "choice", choices="levels"), id="one"))
    write(tmp_path / "two.json", form(field("aa"), id="two"))
    (tmp_path / "form.schema.json").write_text(schema_json(), encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a form", encoding="utf-8")
    pack = FormPack.load(tmp_path)
    assert sorted(pack.forms) == ["one", "two"]
    assert len(pack) == 2
    assert "one" in pack
    assert pack.get("nope") is None
    assert pack["one"].field("level").choice_list == "levels"
    assert set(pack.shared_choice_lists) == {"levels", "unused"}
    assert pack.files["two"].name == "two.json"


def test_form_pack_reports_problems_of_all_files(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", form(field("aa", relevant="${nope}"), id="first"))
    write(tmp_path / "b.yaml", form(field("aa"), id="second", version=0))
    write(tmp_path / "c.yaml", form(field("aa"), id="second"))
    write(tmp_path / "d.yaml", form(field("aa"), id="third"))
    with pytest.raises(FormDefinitionError) as info:
        FormPack.load(tmp_path)
    found = [(Path(p.file or "").name, p.where) for p in info.value.problems]
    assert found == [("a.yaml", "relevant"), ("b.yaml", "version")]
    # With b fixed, the duplicate id of c is reported.
    write(tmp_path / "b.yaml", form(field("aa"), id="second"))
    write(tmp_path / "a.yaml", form(field("aa"), id="first"))
    with pytest.raises(FormDefinitionError, match=r"form id 'second' is also used by b\.yaml"):
        FormPack.load(tmp_path)


def test_form_pack_invalid_shared_lists(tmp_path: Path) -> None:
    write(tmp_path / "choice_lists.yaml", {"levels": [{"name": "Low", "label": "Low"}]})
    write(tmp_path / "a.yaml", form(field("aa"), id="first"))
    with pytest.raises(FormDefinitionError) as info:
        FormPack.load(tmp_path)
    (problem,) = info.value.problems
    assert problem.where == "choice_lists.levels[0].name"
    assert problem.file is not None
    assert problem.file.endswith("choice_lists.yaml")


def test_form_pack_requires_directory(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError, match="not a directory"):
        FormPack.load(tmp_path / "missing")


def test_schema_file_matches_package_schema() -> None:
    schema_file = REPO / "forms" / "form.schema.json"
    assert schema_file.read_text(encoding="utf-8") == schema_json(), (
        "regenerate with: python -m btam_desktop.core.forms --write-schema forms/form.schema.json"
    )
    assert json.loads(schema_file.read_text(encoding="utf-8")) == FORM_SCHEMA


def test_definition_pickles_copies_and_hashes() -> None:
    definition = FormDefinition.from_dict(SAMPLE, shared_choice_lists=SHARED)
    evaluate_once = definition.fields_by_id  # fills the private cache
    assert evaluate_once
    clone = pickle.loads(pickle.dumps(definition))
    assert clone == definition
    assert hash(clone) == hash(definition)
    assert copy.deepcopy(definition) == definition
    assert clone.field("what").required == definition.field("what").required
