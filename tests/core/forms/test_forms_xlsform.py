"""Tests of XLSForm workbook import (workbooks are generated with openpyxl)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from btam_desktop.core.forms import (
    FormDefinition,
    XLSFormImportError,
    import_xlsform,
    load_xlsform,
    validate_definition,
)

SURVEY_HEADER = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "read_only",
    "guidance_hint",
]
CHOICES = [
    ["list_name", "name", "label"],
    ["ynu", "yes", "Yes"],
    ["ynu", "no", "No"],
    ["ynu", "unknown", "Unknown"],
    ["kinds", "firearm", "Firearm"],
    ["kinds", "edged", "Edged weapon"],
    ["channels", "online", "Online"],
    ["channels", "in_person", "In person"],
]


def workbook(
    path: Path,
    survey: list[list[Any]],
    *,
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
    header: list[str] | None = None,
    extra: dict[str, list[list[Any]]] | None = None,
) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(header or SURVEY_HEADER)
    for row in survey:
        sheet.append(row)
    for name, rows in (
        ("choices", choices if choices is not None else CHOICES),
        (
            "settings",
            settings
            or [["form_id", "form_title", "version"], ["imported_form", "Imported form", "3"]],
        ),
        *(extra or {}).items(),
    ):
        other = book.create_sheet(name)
        for row in rows:
            other.append(row)
    book.save(path)
    return path


def row(kind: str, name: str, label: str = "", **cols: Any) -> list[Any]:
    values = {"type": kind, "name": name, "label": label, **cols}
    return [values.get(column) for column in SURVEY_HEADER]


GOOD_SURVEY = [
    row("text", "case_lead", "Case lead", required="yes", hint="Name and badge"),
    row("begin group", "weapons", "Weapons", guidance_hint="Ask about access."),
    row("select_one ynu", "has_weapons", "Any weapons?", required="TRUE"),
    row("begin repeat", "weapon_list", "Weapons", relevant="${has_weapons} = 'yes'"),
    row("select_one kinds", "weapon_kind", "Kind"),
    row(
        "date",
        "seen_on",
        "Seen on",
        constraint=". <= today()",
        constraint_message="Not in the future",
    ),
    row("end repeat", ""),
    row("calculate", "weapon_count", calculation="count(${weapon_list})"),
    row("end group", ""),
    row("begin_group", "comms", "Communications", relevant="${has_weapons} != ''"),
    row("select_multiple channels", "channels", "Channels", default="online"),
    row(
        "integer",
        "contacts",
        "Contacts",
        default="2",
        constraint=". >= 0",
        constraint_message="No negatives",
    ),
    row("decimal", "hours", "Hours"),
    row("time", "at", "At"),
    row("dateTime", "stamp", "Stamp", read_only="yes"),
    row("range", "worry", "Worry"),
    row("note", "closing", "Thank you"),
    row("end_group", ""),
]


def test_import_common_subset(tmp_path: Path) -> None:
    path = workbook(tmp_path / "form.xlsx", GOOD_SURVEY)
    document = import_xlsform(path)
    assert validate_definition(document) == []
    assert (document["id"], document["title"], document["version"]) == (
        "imported_form",
        "Imported form",
        3,
    )
    sections = document["sections"]
    assert [s["id"] for s in sections] == ["section_1", "weapons", "comms"]
    assert sections[0]["title"] == "Imported form"
    assert sections[1]["guidance"] == "Ask about access."
    assert sections[2]["relevant"] == "${has_weapons} != ''"
    # The yes/no/unknown list becomes the native type and is not copied into the form.
    assert set(document["choice_lists"]) == {"kinds", "channels"}
    definition = FormDefinition.from_dict(document)
    types = {f.id: f.type for f in definition.iter_fields()}
    assert types == {
        "case_lead": "text",
        "has_weapons": "yes_no_unknown",
        "weapon_list": "repeat",
        "weapon_kind": "choice",
        "seen_on": "date",
        "weapon_count": "text",
        "channels": "multi_choice",
        "contacts": "integer",
        "hours": "decimal",
        "at": "time",
        "stamp": "datetime",
        "worry": "rating",
        "closing": "note",
    }
    assert definition.field("case_lead").required is True
    assert definition.field("case_lead").hint == "Name and badge"
    assert definition.field("has_weapons").required is True
    assert definition.field("weapon_list").fields[1].constraint_message == "Not in the future"
    assert definition.field("weapon_count").read_only is True
    assert definition.field("weapon_count").label == "Weapon count"
    assert definition.field("channels").default == ("online",)
    assert definition.field("contacts").default == 2
    assert definition.field("stamp").read_only is True
    scale = definition.field("worry").scale
    assert scale is not None
    assert (scale.min, scale.max) == (1, 10)
    assert load_xlsform(path) == definition


def test_range_parameters_and_repeat_count(tmp_path: Path) -> None:
    header = [*SURVEY_HEADER, "parameters", "repeat_count"]

    def r(kind: str, name: str, label: str = "", **cols: Any) -> list[Any]:
        values = {"type": kind, "name": name, "label": label, **cols}
        return [values.get(column) for column in header]

    path = workbook(
        tmp_path / "f.xlsx",
        [
            r("range", "level", "Level", parameters="start=0 end=4 step=1"),
            r("begin repeat", "visits", "Visits", repeat_count="2"),
            r("text", "place", "Place"),
            r("end repeat", ""),
        ],
        header=header,
    )
    definition = load_xlsform(path)
    scale = definition.field("level").scale
    assert scale is not None
    assert (scale.min, scale.max) == (0, 4)
    visits = definition.field("visits")
    assert (visits.min_items, visits.max_items) == (2, 2)


def problems_of(path: Path) -> list[tuple[str | None, int | None, str | None]]:
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    return [(p.sheet, p.row, p.column) for p in info.value.problems]


def test_unsupported_types_and_columns_named_with_row(tmp_path: Path) -> None:
    header = [*SURVEY_HEADER, "appearance", "choice_filter", "parameters"]

    def r(kind: str, name: str, label: str = "", **cols: Any) -> list[Any]:
        values = {"type": kind, "name": name, "label": label, **cols}
        return [values.get(column) for column in header]

    path = workbook(
        tmp_path / "bad.xlsx",
        [
            r("text", "fine", "Fine"),
            r("geopoint", "where", "Where"),
            r("text", "look", "Look", appearance="multiline"),
            r("select_one kinds", "kind", "Kind", choice_filter="x = 1"),
            r("range", "odd", "Odd", parameters="start=0 end=1 step=0.5"),
            r("image", "photo", "Photo"),
            r("select_one kinds or_other", "k2", "K2"),
            r("select_one missing_list", "k3", "K3"),
            r("integer", "dyn", "Dyn", default="${fine} + 1"),
        ],
        header=header,
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    found = [(p.sheet, p.row, p.column) for p in info.value.problems]
    assert found == [
        ("survey", 4, "appearance"),
        ("survey", 5, "choice_filter"),
        ("survey", 3, "type"),
        ("survey", 6, "parameters"),
        ("survey", 7, "type"),
        ("survey", 8, "type"),
        ("survey", 9, "type"),
        ("survey", 10, "default"),
    ]
    text = str(info.value)
    assert "survey row 3, column 'type': type 'geopoint' is not supported" in text
    assert "survey row 4, column 'appearance': column not supported (value 'multiline')" in text


def test_nested_groups_and_unclosed_blocks_are_errors(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "nested.xlsx",
        [
            row("begin group", "outer", "Outer"),
            row("begin group", "inner", "Inner"),
            row("text", "aa", "A"),
            row("end group", ""),
            row("end group", ""),
            row("begin repeat", "rep", "Rep"),
            row("begin repeat", "rep2", "Rep2"),
            row("end repeat", ""),
            row("end repeat", ""),
            row("begin group", "open", "Open"),
            row("end repeat", ""),
        ],
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    assert [str(p) for p in info.value.problems] == [
        "survey row 3, column 'type': a group inside another group is not supported "
        "(groups cannot be nested)",
        "survey row 8, column 'type': a repeat inside a repeat is not supported",
        "survey row 12, column 'type': 'end repeat' closes 'begin group' from row 11",
    ]
    unclosed = workbook(
        tmp_path / "open.xlsx", [row("begin group", "grp", "G"), row("text", "aa", "A")]
    )
    assert problems_of(unclosed) == [("survey", 2, "type")]


def test_unsupported_settings_and_sheets(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "s.xlsx",
        [row("text", "aa", "A")],
        settings=[
            ["form_id", "form_title", "version", "default_language"],
            ["s_form", "S", "1.5", "English"],
        ],
        extra={"external_choices": [["list_name", "name"], ["x", "y"]]},
    )
    found = problems_of(path)
    assert ("external_choices", None, None) in found
    assert ("settings", 2, "default_language") in found
    assert ("settings", 2, "version") in found


def test_definition_problems_mapped_back_to_rows(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "sem.xlsx",
        [
            row("text", "first", "First"),
            row("text", "second", "Second", relevant="${frist} = 'x'"),
            row("integer", "third", "Third", constraint=". > 0"),
            row("text", "Bad-Name", "Bad"),
        ],
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    assert [(p.sheet, p.row, p.column) for p in info.value.problems] == [
        ("survey", 4, "constraint"),
        ("survey", 5, "id"),
    ]
    # Schema problems come first; once fixed, the semantic ones are mapped too.
    path = workbook(
        tmp_path / "sem2.xlsx",
        [
            row("text", "first", "First"),
            row("text", "second", "Second", relevant="${frist} = 'x'"),
        ],
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    (problem,) = info.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("survey", 3, "relevant")
    assert "unknown field reference ${frist}" in problem.message


def test_missing_survey_sheet_and_unreadable_file(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "other"
    book.save(tmp_path / "none.xlsx")
    with pytest.raises(XLSFormImportError, match="no 'survey' sheet"):
        import_xlsform(tmp_path / "none.xlsx")
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(XLSFormImportError, match="cannot open workbook"):
        import_xlsform(tmp_path / "junk.xlsx")


def test_form_id_defaults_to_file_name(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "my_form.xlsx",
        [row("text", "aa", "A")],
        settings=[["form_title"], ["Title only"]],
    )
    document = import_xlsform(path)
    assert (document["id"], document["title"], document["version"]) == ("my_form", "Title only", 1)


def test_language_columns_are_refused(tmp_path: Path) -> None:
    header = ["type", "name", "label::English (en)", "hint::French (fr)"]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(header)
    sheet.append(["text", "aa", "A", "Indice"])
    book.save(tmp_path / "lang.xlsx")
    assert problems_of(tmp_path / "lang.xlsx") == [
        ("survey", 2, "label::English (en)"),
        ("survey", 2, "hint::French (fr)"),
        ("survey", 2, "label"),  # and the plain label the form needs is missing
    ]
