"""A corpus of XLSForms written with openpyxl, one per feature group (used by the core and
CLI tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl


def write(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet(name)
        assert sheet is not None
        sheet.title = name
        first = False
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def field_form(path: Path) -> Path:
    """Most features in one form, written with real-world spellings."""
    header = ["type", "name", "label::English (en)", "label::Español (es)",
              "hint::English (en)", "bind:relevant", "bind:constraint",
              "bind:jr:constraintMsg::English (en)", "required", "required_message",
              "appearance", "choice_filter", "default", "calculation", "repeat_count",
              "parameters", "readonly"]

    def r(kind: str, name: str = "", label: str = "", **cols: Any) -> list[Any]:
        values = {"type": kind, "name": name, "label::English (en)": label, **cols}
        return [values.get(c) for c in header]

    (path.parent / "schools.csv").write_text(
        "name,label,district\nlincoln,Lincoln High,north\nwashington,Washington Middle,south\n",
        "utf-8")
    survey = [
        header,
        r("start", "started"),
        r("end", "ended"),
        r("today", "day"),
        r("deviceid", "device"),
        r("username", "officer"),
        r("audit", "audit"),
        r("string", "subject_name", "Name of the person of concern",
          **{"label::Español (es)": "Nombre", "hint::English (en)": "As on the ID"},
          required="yes", required_message="We need a name"),
        r("integer", "age", "Age of ${subject_name}", **{
            "bind:constraint": ". >= 0 and . < 120"}),
        r("integer", "score", "Score", **{"bind:constraint": ". < 10",
          "bind:jr:constraintMsg::English (en)": "Score for ${subject_name} below 10"}),
        r("select one from yn", "weapons", "Access to weapons?", appearance="horizontal"),
        r("select all that apply from kinds or specify other", "kinds", "Which kinds?",
          **{"bind:relevant": "${weapons} = 'yes'"}),
        r("select_one district", "district", "District", appearance="minimal"),
        r("select_one_from_file schools.csv", "school", "School",
          choice_filter="district = ${district}"),
        r("rank kinds", "priorities", "Rank the concerns"),
        r("geopoint", "location", "Where was it seen?"),
        r("image", "photo", "Photo reference"),
        r("barcode", "badge_code", "Badge code"),
        r("range", "confidence", "Confidence", parameters="start=0 end=1 step=0.25"),
        r("range", "level", "Level", parameters="start=1 end=5"),
        r("date", "seen_on", "Seen on", default="today()", appearance="month-year"),
        r("text", "reporter", "Reporter", default="${officer}"),
        r("text", "notes", "Notes", appearance="multiline"),
        r("text", "odd", "Odd", appearance="spinner"),
        r("calculate", "risk", calculation="if(${weapons} = 'yes', 'high', 'low')"),
        r("note", "summary", "Risk for ${subject_name}: ${risk}"),
        r("begin group", "contacts_group", "Contacts", **{"hint::English (en)": "Who knows"}),
        r("integer", "contact_count", "How many contacts?"),
        r("begin repeat", "contacts", "", repeat_count="${contact_count}"),
        r("begin group", "contact_details", "Details"),
        r("text", "contact_name", "Contact name"),
        r("end group"),
        r("end repeat"),
        r("end group"),
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Español (es)"],
        ["yn", "yes", "Yes", "Sí"],
        ["yn", "no", "No", "No"],
        ["kinds", "firearm", "Firearm", "Arma de fuego"],
        ["kinds", "knife", "Knife", "Cuchillo"],
        ["district", "north", "North", "Norte"],
        ["district", "south", "South", "Sur"],
    ]
    settings = [["id_string", "form_title", "version", "default_language"],
                ["field_form", "Field form", 2, "English (en)"]]
    return write(path, {"survey": survey, "Choices": choices, "settings": settings})


def valid_answers() -> dict[str, Any]:
    return {
        "subject_name": "Alex", "age": 17, "score": 3, "weapons": "yes",
        "kinds": ["firearm", "other"], "kinds_other": "crossbow", "district": "north",
        "school": "lincoln", "priorities": ["knife", "firearm"],
        "location": "41.8781 -87.6298", "photo": "IMG_001.jpg", "badge_code": "X1",
        "confidence": 0.5, "level": 3, "notes": "line one\nline two",
        "contact_count": 1, "contacts": [{"contact_name": "Sam"}],
    }
