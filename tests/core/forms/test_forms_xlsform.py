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


def test_unsupported_features_one_line_each_naming_cells(tmp_path: Path) -> None:
    header = [*SURVEY_HEADER, "appearance", "choice_filter", "parameters"]

    def r(kind: str, name: str, label: str = "", **cols: Any) -> list[Any]:
        values = {"type": kind, "name": name, "label": label, **cols}
        return [values.get(column) for column in header]

    path = workbook(
        tmp_path / "bad.xlsx",
        [
            r("text", "fine", "Fine"),
            r("geotrace", "path", "Path"),
            r("geotrace", "path2", "Path 2"),
            r("integer", "look", "Look", calculation="pulldata('x', 'y', 'z', ${fine})"),
            r("integer", "look2", "Look", calculation="pulldata('x', 'y', 'z', 'w')"),
            r("text", "odd", "Odd", appearance="spinner"),
        ],
        header=header,
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        "survey row 3, column 'type': type 'geotrace' is not supported (also row 4)",
        "survey row 5, column 'calculation': pulldata() (looking up data in a CSV or a "
        "server) is not supported (also row 6)",
    ]
    notices = [str(n) for n in info.value.notices]
    assert any("row 7, column 'appearance'" in n and "spinner" in n for n in notices)


def test_nested_groups_and_repeats(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "nested.xlsx",
        [
            row("begin group", "outer", "Outer", relevant="${first} = 'x'"),
            row("text", "first", "First"),
            row("begin group", "inner", "Inner", relevant="${first} != ''"),
            row("text", "aa", "A"),
            row("end group", ""),
            row("text", "after", "After"),
            row("end group", ""),
            row("begin repeat", "rep", ""),
            row("begin group", "grp", "Grp", relevant="${bb} = 'y'"),
            row("text", "cc", "C"),
            row("end group", ""),
            row("text", "bb", "B"),
            row("end repeat", ""),
        ],
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    # ${first} used in its own group's relevance is a dependency cycle.
    assert info.value.problems[0].row == 2
    path = workbook(
        tmp_path / "nested2.xlsx",
        [
            row("text", "first", "First"),
            row("begin group", "outer", "Outer", relevant="${first} = 'x'"),
            row("begin group", "inner", "Inner", relevant="${first} != 'z'"),
            row("text", "aa", "A"),
            row("end group", ""),
            row("text", "after", "After"),
            row("end group", ""),
            row("begin repeat", "rep", ""),
            row("begin group", "grp", "Grp", relevant="${bb} = 'y'"),
            row("text", "cc", "C"),
            row("end group", ""),
            row("text", "bb", "B"),
            row("end repeat", ""),
        ],
    )
    form = load_xlsform(path)
    assert [s.id for s in form.sections] == ["section_1", "inner", "outer_part1", "section_4"]
    inner = form.section("inner")
    assert inner.title == "Outer › Inner"
    assert inner.relevant is not None
    assert inner.relevant.source == "(${first} = 'x') and (${first} != 'z')"
    rep = form.field("rep")
    assert rep.label == "Rep"
    assert [m.id for m in rep.fields] == ["grp", "cc", "bb"]
    cc = form.field("cc")
    assert cc.relevant is not None and cc.relevant.source == "${bb} = 'y'"
    nested = workbook(
        tmp_path / "nested3.xlsx",
        [
            row("begin repeat", "outer_rep", "R"),
            row("begin repeat", "inner_rep", "R2"),
            row("text", "aa", "A"),
            row("end repeat", ""),
            row("end repeat", ""),
        ],
    )
    # A repeat inside a repeat imports (issue 11); four deep is refused naming the row.
    assert form.field("rep").fields  # (the form above is unaffected)
    inner_rep = load_xlsform(nested).field("inner_rep")
    assert [m.id for m in inner_rep.fields] == ["aa"]
    too_deep = workbook(
        tmp_path / "nested4.xlsx",
        [
            row("begin repeat", "r_one", "R1"),
            row("begin repeat", "r_two", "R2"),
            row("begin repeat", "r_three", "R3"),
            row("begin repeat", "r_four", "R4"),
            row("text", "aa", "A"),
            row("end repeat", ""),
            row("end repeat", ""),
            row("end repeat", ""),
            row("end repeat", ""),
        ],
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(too_deep)
    assert [str(p) for p in info.value.problems] == [
        "survey row 5, column 'type': type: repeats nest at most 3 deep"
    ]
    unclosed = workbook(
        tmp_path / "open.xlsx", [row("begin group", "grp", "G"), row("text", "aa", "A")]
    )
    assert problems_of(unclosed)[0][:2] == ("survey", 2)


def test_settings_and_sheets(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "s.xlsx",
        [row("text", "aa", "A")],
        settings=[
            ["form_id", "form_title", "version", "default_language", "instance_name"],
            ["s_form", "S", "1.5", "English", "x"],
        ],
        extra={"external_choices": [["list_name", "name"], ["x", "y"]]},
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    assert [(p.sheet, p.row, p.column) for p in info.value.problems] == [
        ("settings", 2, "version")
    ]
    notices = [str(n) for n in info.value.notices]
    assert any("instance_name" in n for n in notices)
    assert any("external_choices" in n for n in notices)


def test_definition_problems_mapped_back_to_rows(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "sem.xlsx",
        [
            row("text", "first", "First"),
            row("integer", "third", "Third", constraint=". > 0", relevant=". > 1"),
            row("text", "Bad-Name", "Bad"),
            row("text", "bad_name", "Bad"),
        ],
    )
    with pytest.raises(XLSFormImportError) as info:
        import_xlsform(path)
    found = [(p.sheet, p.row, p.column) for p in info.value.problems]
    # "Bad-Name" and "bad_name" both become bad_name: the second row is named.
    assert ("survey", 5, "name") in found
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
    assert "frist" in problem.message


def test_missing_survey_sheet_and_unreadable_file(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "other"
    book.create_sheet("notes").append(["x"])
    sheet.append(["y"])
    book.save(tmp_path / "none.xlsx")
    with pytest.raises(XLSFormImportError, match="no 'survey' sheet"):
        import_xlsform(tmp_path / "none.xlsx")
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(XLSFormImportError, match="not an Excel workbook"):
        import_xlsform(tmp_path / "junk.xlsx")


def test_form_id_defaults_to_file_name(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "my_form.xlsx",
        [row("text", "aa", "A")],
        settings=[["form_title"], ["Title only"]],
    )
    document = import_xlsform(path)
    assert (document["id"], document["title"], document["version"]) == ("my_form", "Title only", 1)


def test_single_language_column_is_accepted(tmp_path: Path) -> None:
    header = ["type", "name", "label::English (en)", "hint::English (en)"]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(header)
    sheet.append(["text", "aa", "A", "Indice"])
    book.save(tmp_path / "lang.xlsx")
    form = load_xlsform(tmp_path / "lang.xlsx")
    assert form.field("aa").label == "A"
    assert form.field("aa").hint == "Indice"
    assert form.languages == ("English (en)",)
