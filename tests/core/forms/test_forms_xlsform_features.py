"""XLSForm features through pyxform, hostile workbooks, export and the round trip."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from btam_desktop.core.forms import (
    FormDefinition,
    XLSFormImportError,
    evaluate,
    initial_answers,
    load_xlsform,
    new_item,
    validate_answers,
)
from btam_desktop.core.forms import workbook as wb
from btam_desktop.core.forms.answers import (
    available_choices,
    fill_metadata,
    shown_text,
    stored_answers,
)
from btam_desktop.core.forms.xlsexport import export_xlsform
from btam_desktop.core.forms.xlsform import read_xlsform
from tests.core.forms.xlsform_corpus import field_form, valid_answers, write

TODAY = dt.date(2026, 3, 4)


@pytest.fixture
def form(tmp_path: Path) -> FormDefinition:
    return load_xlsform(field_form(tmp_path / "field.xlsx"))


def test_field_form_maps_every_feature(tmp_path: Path) -> None:
    result = read_xlsform(field_form(tmp_path / "field.xlsx"))
    form = FormDefinition.from_dict(result.document)
    assert (form.id, form.version, form.title) == ("field_form", 2, "Field form")
    assert form.languages == ("English (en)", "Español (es)")
    meta = {f.id: f.metadata for f in form.iter_fields() if f.metadata}
    assert meta == {"started": "start", "ended": "end", "day": "today", "device": "deviceid",
                    "officer": "username"}
    assert all(form.field(i).hidden for i in meta)
    assert form.field("subject_name").required_message == "We need a name"
    assert form.field("weapons").appearance == "horizontal"
    assert [c.name for c in form.field("kinds").choices] == ["firearm", "knife", "other"]
    other = form.field("kinds_other")
    assert other.relevant is not None and other.relevant.source == "selected(${kinds}, 'other')"
    school = form.field("school")
    assert school.choice_filter is not None
    assert school.choice_filter.source == "choice('district') = ${district}"
    assert form.field("priorities").appearance == "rank"
    assert form.field("location").text_format == "geopoint"
    assert form.field("confidence").type == "decimal"
    assert form.field("level").type == "rating"
    assert form.field("seen_on").appearance == "month-year"
    assert form.field("seen_on").dynamic_default is not None
    assert form.field("notes").type == "long_text"
    assert form.field("risk").hidden and form.field("risk").is_computed
    contacts = form.field("contacts")
    assert contacts.repeat_count is not None
    assert [m.id for m in contacts.fields] == ["contact_details", "contact_name"]
    assert form.section("contacts_group").guidance == "Who knows"
    notices = "\n".join(str(n) for n in result.notices)
    assert "'audit' is not recorded" in notices
    assert "appearance 'spinner'" in notices
    # Media: the file is attached to the case, the answer names the attachment.
    assert form.field("photo").text_format == "image"
    assert "'image' questions" not in notices
    assert "'barcode' questions are answered with text" in notices
    spanish = form.in_language("Español (es)")
    assert spanish.field("subject_name").label == "Nombre"
    assert [c.label for c in spanish.field("weapons").choices] == ["Sí", "No"]
    assert spanish.field("age").label == "Age of ${subject_name}"  # not translated: default


def test_field_form_answers(form: FormDefinition) -> None:
    answers = valid_answers()
    assert validate_answers(form, answers, True, today=TODAY) == []
    bad = {**answers, "location": "91 0", "score": 12, "priorities": ["knife"],
           "school": "washington", "contacts": []}
    problems = {p.path: p.message for p in validate_answers(form, bad, True, today=TODAY)}
    assert problems["location"] == "latitude must be between -90 and 90, got 91"
    assert problems["score"] == "Score for Alex below 10"
    assert "every choice" in problems["priorities"]
    assert "not offered" in problems["school"]
    assert "1 item(s) expected" in problems["contacts"]
    missing = validate_answers(form, {}, True, today=TODAY)
    assert any(p.message == "We need a name" for p in missing)
    assert [c.name for c in available_choices(form, "school", {"district": "south"})] == [
        "washington"]
    assert shown_text(form, form.field("summary").label, answers) == "Risk for Alex: high"
    state = evaluate(form, answers, today=TODAY)
    assert state.calculated["risk"] == "high"


def test_defaults_metadata_and_stored_answers(form: FormDefinition) -> None:
    start = fill_metadata(form, {}, event="create", now=dt.datetime(2026, 3, 4, 9, 30),
                          device_id="dev-1", username="Officer A")
    assert start == {"started": "2026-03-04T09:30", "day": "2026-03-04", "device": "dev-1",
                     "officer": "Officer A"}
    done = fill_metadata(form, start, event="complete", now=dt.datetime(2026, 3, 4, 10, 0))
    assert done["ended"] == "2026-03-04T10:00" and done["started"] == "2026-03-04T09:30"
    initial = initial_answers(form, today=TODAY)
    assert initial["seen_on"] == "2026-03-04"
    defaults = initial_answers(form, today=TODAY)
    assert "reporter" not in defaults  # ${officer} is empty until the metadata is filled
    assert new_item(form, "contacts", valid_answers()) == {}
    answers = {**valid_answers(), "weapons": "no", "risk": "caller value"}
    kept = stored_answers(form, answers, complete=False, today=TODAY)
    assert kept["kinds"] == ["firearm", "other"] and "risk" not in kept
    final = stored_answers(form, answers, complete=True, today=TODAY)
    assert "kinds" not in final and "kinds_other" not in final and "risk" not in final


def test_cells_as_written_and_misspelled_sheets(tmp_path: Path) -> None:
    path = write(tmp_path / "m.xlsx", {
        "survey": [["Type", "Name", "Label", "bind:relevant"],
                   ["text", "aa", "A", None],
                   ["text", "bb", "B", "${aa} = 'x' and"],
                   ["select_one colours", "cc", "C", None]],
        "choices": [["list_name", "name", "label"], ["colours", "red", "Red"],
                    ["colours", "Bad Name", "Bad"], ["colours", "red", "Again"]],
        "setting": [["form_id"], ["m_form"]],
    })
    with pytest.raises(XLSFormImportError) as info:
        read_xlsform(path)
    assert [str(p) for p in info.value.problems] == [
        "setting: sheet 'setting' is not read: is it the 'settings' sheet? Rename it to "
        "'settings'"]
    (tmp_path / "m2.xlsx").write_bytes(path.read_bytes())
    book = openpyxl.load_workbook(path)
    book["setting"].title = "settings"
    book.save(path)
    with pytest.raises(XLSFormImportError) as info:
        read_xlsform(path)
    found = [(p.sheet, p.row, p.column) for p in info.value.problems]
    # pyxform stops at the duplicate choice: its own row and the column as written.
    assert found == [("choices", 4, "Name")]
    book = openpyxl.load_workbook(path)
    book["choices"].delete_rows(4)
    book.save(path)
    with pytest.raises(XLSFormImportError) as info:
        read_xlsform(path)
    found = [(p.sheet, p.row, p.column) for p in info.value.problems]
    assert ("choices", 3, "name") in found or ("survey", 3, "bind:relevant") in found


def test_formula_without_cached_value_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "f.xlsx", {"survey": [["type", "name", "label"],
                                                   ["text", "aa", "=CONCAT(\"A\",\"B\")"]]})
    with pytest.raises(XLSFormImportError) as info:
        read_xlsform(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (2, "label")
    assert "formula without a saved value" in problem.message


def _padded(path: Path, rows: int, columns: str = "XFD") -> Path:
    """A real form whose sheet declares (and ends with) a row at ``rows``."""
    write(path, {"survey": [["type", "name", "label"], ["text", "aa", "A"]]})
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w",
                                                          zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                import re

                text = re.sub(r'<dimension ref="[^"]*"/>',
                              f'<dimension ref="A1:{columns}{rows}"/>', text)
                text = text.replace(
                    "</sheetData>",
                    f'<row r="{rows}"><c r="A{rows}" s="0"/></row></sheetData>')
                data = text.encode()
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_million_row_declaration_reads_only_the_content(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _padded(tmp_path / "padded.xlsx", 1_048_576)
    seen: list[int] = []
    original = wb._read_openpyxl_sheet

    def counting(name: str, worksheet: Any, formula_sheet: Any) -> wb.Sheet:
        sheet = original(name, worksheet, formula_sheet)
        seen.append(len(sheet.rows))
        return sheet

    monkeypatch.setattr(wb, "_read_openpyxl_sheet", counting)
    form = load_xlsform(path)
    assert [f.id for f in form.iter_fields()] == ["aa"]
    assert seen == [1]  # padding is never materialised


def test_zip_bomb_and_huge_shared_strings_refused_before_parsing(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    write(bomb, {"survey": [["type", "name", "label"], ["text", "aa", "A"]]})
    buffer = io.BytesIO()
    with zipfile.ZipFile(bomb) as source, zipfile.ZipFile(buffer, "w",
                                                        zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/worksheets/sheet9.xml", b"<a>" + b" " * (70 * 1024 * 1024) + b"</a>")
    bomb.write_bytes(buffer.getvalue())
    assert bomb.stat().st_size < wb.MAX_FILE_BYTES
    with pytest.raises(XLSFormImportError, match="cannot be a form"):
        read_xlsform(bomb)
    strings = tmp_path / "strings.xlsx"
    write(strings, {"survey": [["type", "name", "label"], ["text", "aa", "A"]]})
    buffer = io.BytesIO()
    with zipfile.ZipFile(strings) as source, zipfile.ZipFile(buffer, "w",
                                                           zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/sharedStrings.xml",
                        b"<sst>" + b"<si><t>x</t></si>" * 700_000 + b"</sst>")
    strings.write_bytes(buffer.getvalue())
    with pytest.raises(XLSFormImportError, match=r"sharedStrings\.xml unpacks to"):
        read_xlsform(strings)


def test_too_many_rows_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wb, "MAX_ROWS", 5)
    rows = [["type", "name", "label"], *[["text", f"f{i}", "F"] for i in range(8)]]
    with pytest.raises(XLSFormImportError, match="more than 5 rows"):
        read_xlsform(write(tmp_path / "big.xlsx", {"survey": rows}))


def test_xls_file_imports() -> None:
    path = Path(__file__).parent / "data" / "tiny_form.xls"
    form = load_xlsform(path)
    assert form.id == "tiny_xls"
    assert [f.type for f in form.iter_fields()] == ["text", "choice"]


def test_export_then_import_is_the_same_form(form: FormDefinition, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "schools.csv").write_bytes((tmp_path / "schools.csv").read_bytes())
    path = export_xlsform(form, tmp_path / "out" / "field_form.xlsx")
    again = load_xlsform(path)
    assert again.to_dict() == form.to_dict()


def test_shipped_pack_round_trips(tmp_path: Path) -> None:
    from btam_desktop.core.forms import FormPack

    pack = FormPack.load(Path(__file__).resolve().parents[3] / "forms")
    for shipped in pack:
        path = export_xlsform(shipped, tmp_path / f"{shipped.id}.xlsx")
        # Spreadsheet cells drop the trailing newline of YAML block texts; nothing else.
        again = json.dumps(_stripped(load_xlsform(path).to_dict()), sort_keys=True)
        assert again == json.dumps(_stripped(shipped.to_dict()), sort_keys=True), shipped.id


def _stripped(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stripped(v) for k, v in value.items()
                if not (isinstance(v, str) and not v.strip())}
    if isinstance(value, list):
        return [_stripped(v) for v in value]
    return value.strip() if isinstance(value, str) else value


# -- property: export and import give the same form ----------------------------------------

_ids = st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True)
_text = st.from_regex(r"[A-Za-z][A-Za-z0-9 ?]{0,20}[A-Za-z0-9?]", fullmatch=True)
_SIMPLE = ["text", "long_text", "integer", "decimal", "date", "time", "datetime",
           "yes_no_unknown", "note", "person", "signature"]


@st.composite
def _field(draw: Any, fid: str, members: bool = True) -> dict[str, Any]:
    kind = draw(st.sampled_from([*_SIMPLE, "choice", "multi_choice", "rating"]
                                + (["repeat"] if members else [])))
    spec: dict[str, Any] = {"id": fid, "type": kind, "label": draw(_text)}
    if draw(st.booleans()):
        spec["hint"] = draw(_text)
    if kind in ("choice", "multi_choice"):
        names = draw(st.lists(_ids, min_size=1, max_size=4, unique=True))
        choices = [{"name": n, "label": draw(_text)} for n in names]
        spec["choices"] = "shared_list" if draw(st.booleans()) else choices
    if kind == "rating":
        low = draw(st.integers(0, 3))
        spec["scale"] = {"min": low, "max": low + draw(st.integers(1, 6))}
    if kind == "repeat":
        spec["fields"] = [draw(_field(f"{fid}m{i}", members=False)) for i in range(2)]
        if draw(st.booleans()):
            spec["max_items"] = draw(st.integers(1, 5))
    if kind not in ("note", "repeat") and draw(st.booleans()):
        spec["required"] = True
    if kind == "text" and draw(st.booleans()):
        spec["sensitivity"] = ["juvenile"]
    if kind == "integer" and draw(st.booleans()):
        spec["default"] = draw(st.integers(-5, 50))
    return spec


@st.composite
def _forms(draw: Any) -> dict[str, Any]:
    sections = []
    count = 0
    for s in range(draw(st.integers(1, 3))):
        fields = []
        for _ in range(draw(st.integers(1, 4))):
            count += 1
            fields.append(draw(_field(f"q{count}x")))
        section: dict[str, Any] = {"id": f"sec{s}", "title": draw(_text), "fields": fields}
        if s and draw(st.booleans()):
            section["relevant"] = "${q1x} != ''" if fields[0]["id"] != "q1x" else "1 = 1"
        sections.append(section)
    return {"format": "btam-form/1", "id": draw(_ids), "version": draw(st.integers(1, 9)),
            "title": draw(_text),
            "choice_lists": {"shared_list": [{"name": "aa", "label": "A"},
                                             {"name": "bb", "label": "B"}]},
            "sections": sections}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=_forms())
def test_property_export_import_is_identity(document: dict[str, Any], tmp_path: Path) -> None:
    try:
        form = FormDefinition.from_dict(document)
    except Exception:
        return  # an invalid random document (e.g. a relevance on a note's own section)
    path = export_xlsform(form, tmp_path / "p.xlsx")
    assert load_xlsform(path) == form
