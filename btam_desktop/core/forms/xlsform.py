"""Import of XLSForm workbooks (the common subset) into the btam-form/1 format.

Mapping (see docs/form-format.md, "Importing XLSForm"):

* ``begin group``/``end group`` -> a section (name -> id, label -> title, guidance_hint ->
  guidance, relevant). Fields outside any group go into generated sections
  ``section_<n>`` titled like the form. Nested groups and groups inside repeats are errors.
* ``begin repeat``/``end repeat`` -> a ``repeat`` field; a constant ``repeat_count`` N
  becomes ``min_items = max_items = N``. Repeats inside repeats are errors.
* text, integer, decimal, date, time, dateTime, note map to the same-named types;
  ``select_one L`` -> choice (or ``yes_no_unknown`` when list L's names are exactly yes,
  no and unknown), ``select_multiple L`` -> multi_choice, ``calculate`` -> a read-only
  computed text field, ``range`` with integer start/end and step 1 -> rating.
* Columns name, label, hint, guidance_hint, required, relevant, constraint,
  constraint_message, calculation, default, read_only (+ ``sensitivity``, a BTAM extension:
  space-separated tags). Settings form_id, form_title, version.

Anything else that carries content (another type, a non-empty unsupported column such as
appearance or choice_filter, a setting such as default_language, an XLSForm feature sheet)
is refused with :class:`XLSFormImportError` naming every problem with sheet, row and column.
Nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from btam_desktop.core.forms.definition import FormDefinition
from btam_desktop.core.forms.errors import DefinitionProblem, FormsError
from btam_desktop.core.forms.schema import FORMAT_MARKER
from btam_desktop.core.forms.validate import validate_definition

__all__ = ["XLSFormImportError", "XLSFormProblem", "import_xlsform", "load_xlsform"]

_BASIC_TYPES = {
    "text": "text",
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "note": "note",
}
_FIELD_COLUMNS = {
    "type",
    "name",
    "label",
    "hint",
    "guidance_hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "read_only",
    "sensitivity",
    "parameters",
    "repeat_count",
}
_CHOICE_COLUMNS = {"list_name", "name", "label"}
_SETTINGS_COLUMNS = {"form_id", "form_title", "version"}
# Sheets that carry XLSForm features this importer cannot map; other extra sheets (notes,
# instructions) are not part of the form and are ignored.
_FEATURE_SHEETS = {"external_choices", "entities", "osm"}
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"", "no", "false", "false()", "0"}
_YES_NO_UNKNOWN = frozenset({"yes", "no", "unknown"})


@dataclass(frozen=True)
class XLSFormProblem:
    """One problem, located by sheet name, 1-based row number (as Excel shows) and column."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.sheet or "workbook"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class XLSFormImportError(FormsError):
    """The workbook cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[XLSFormProblem]) -> None:
        self.problems: tuple[XLSFormProblem, ...] = tuple(problems)
        super().__init__("cannot import XLSForm:\n" + "\n".join(f"  {p}" for p in self.problems))


@dataclass
class _Row:
    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


def _cell_text(value: object) -> str:
    """Cell value as text the way a form author typed it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _column_key(header: str) -> str:
    # "constraint message" and "constraint_message" are the same XLSForm column; language
    # variants ("label::English (en)") are kept verbatim so they are reported as such.
    return header if "::" in header else header.strip().lower().replace(" ", "_")


def _read_sheet(sheet: Any, name: str, problems: list[XLSFormProblem]) -> list[_Row]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    columns = [_column_key(_cell_text(h)) for h in header]
    seen: set[str] = set()
    for index, column in enumerate(columns):
        if column and column in seen:
            problems.append(
                XLSFormProblem(name, 1, column, f"duplicate column (column {index + 1})")
            )
        seen.add(column)
    result: list[_Row] = []
    for number, values in enumerate(rows, start=2):
        cells: dict[str, str] = {}
        for column, value in zip(columns, values, strict=False):
            text = _cell_text(value)
            if not text:
                continue
            if not column:
                problems.append(
                    XLSFormProblem(
                        name, number, None, f"value {text!r} in a column without a header"
                    )
                )
                continue
            cells[column] = text
        if cells:
            result.append(_Row(number, cells))
    return result


def _unsupported_columns(
    rows: Iterable[_Row], sheet: str, allowed: set[str], problems: list[XLSFormProblem]
) -> None:
    for row in rows:
        for column, text in row.cells.items():
            if column not in allowed:
                shown = text if len(text) <= 40 else text[:37] + "..."
                problems.append(
                    XLSFormProblem(
                        sheet, row.number, column, f"column not supported (value {shown!r})"
                    )
                )


@dataclass
class _Builder:
    """Builds the definition dict from the survey rows."""

    form_title: str
    lists: dict[str, list[dict[str, str]]]
    problems: list[XLSFormProblem] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    rows_by_id: dict[str, int] = field(default_factory=dict)
    used_lists: set[str] = field(default_factory=set)
    yes_no_lists: set[str] = field(default_factory=set)
    # Open begin group / begin repeat rows: (kind, row number, mapped?).
    stack: list[tuple[str, int, bool]] = field(default_factory=list)
    section: dict[str, Any] | None = None  # the explicit group being filled
    implicit: dict[str, Any] | None = None  # the generated section being filled
    repeat: dict[str, Any] | None = None

    def problem(self, row: _Row, column: str | None, message: str) -> None:
        self.problems.append(XLSFormProblem("survey", row.number, column, message))

    def target(self) -> list[dict[str, Any]]:
        """The field list new fields go into."""
        if self.repeat is not None:
            fields: list[dict[str, Any]] = self.repeat["fields"]
            return fields
        if self.section is not None:
            fields = self.section["fields"]
            return fields
        if self.implicit is None:
            self.implicit = {
                "id": f"section_{len(self.sections) + 1}",
                "title": self.form_title,
                "fields": [],
            }
            self.sections.append(self.implicit)
        fields = self.implicit["fields"]
        return fields

    def row(self, row: _Row) -> None:
        kind = (
            " ".join(row.get("type").split())
            .lower()
            .replace("begin_", "begin ")
            .replace("end_", "end ")
        )
        if not kind:
            self.problem(row, "type", "row has content but no type")
        elif kind == "begin group":
            self.begin_group(row)
        elif kind == "begin repeat":
            self.begin_repeat(row)
        elif kind in ("end group", "end repeat"):
            self.end(row, kind.split()[1])
        else:
            spec = self.make_field(row, kind)
            if spec is not None:
                self.target().append(spec)

    def begin_group(self, row: _Row) -> None:
        if self.stack:
            inside = "a repeat" if self.stack[-1][0] == "repeat" else "another group"
            self.problem(
                row, "type", f"a group inside {inside} is not supported (groups cannot be nested)"
            )
            self.stack.append(("group", row.number, False))
            return
        self.allowed(row, {"type", "name", "label", "relevant", "guidance_hint"}, "begin group")
        name = row.get("name")
        self.section = {"id": name, "title": row.get("label") or name, "fields": []}
        if row.get("guidance_hint"):
            self.section["guidance"] = row.get("guidance_hint")
        if row.get("relevant"):
            self.section["relevant"] = row.get("relevant")
        self.rows_by_id.setdefault(name, row.number)
        self.sections.append(self.section)
        self.implicit = None
        self.stack.append(("group", row.number, True))

    def begin_repeat(self, row: _Row) -> None:
        if any(kind == "repeat" for kind, _, _ in self.stack):
            self.problem(row, "type", "a repeat inside a repeat is not supported")
            self.stack.append(("repeat", row.number, False))
            return
        self.allowed(
            row,
            {
                "type",
                "name",
                "label",
                "hint",
                "guidance_hint",
                "relevant",
                "required",
                "repeat_count",
            },
            "begin repeat",
        )
        spec = self.common(row, "repeat")
        spec["fields"] = []
        count = row.get("repeat_count")
        if count:
            if re.fullmatch(r"[0-9]+", count) and int(count) >= 1:
                spec["min_items"] = spec["max_items"] = int(count)
            else:
                self.problem(
                    row,
                    "repeat_count",
                    f"repeat_count {count!r} is not supported (only a constant number)",
                )
        self.target().append(spec)
        self.repeat = spec
        self.stack.append(("repeat", row.number, True))

    def end(self, row: _Row, kind: str) -> None:
        if not self.stack:
            self.problem(row, "type", f"'end {kind}' without a matching 'begin {kind}'")
            return
        open_kind, open_row, mapped = self.stack.pop()
        if open_kind != kind:
            self.problem(
                row, "type", f"'end {kind}' closes 'begin {open_kind}' from row {open_row}"
            )
        if not mapped:
            return
        if open_kind == "repeat":
            self.repeat = None
        else:
            self.section = None

    def finish(self) -> None:
        for kind, number, _ in self.stack:
            self.problems.append(
                XLSFormProblem("survey", number, "type", f"'begin {kind}' is never closed")
            )

    def allowed(self, row: _Row, columns: set[str], what: str) -> None:
        for column in row.cells:
            if column not in columns and column in _FIELD_COLUMNS:
                self.problem(row, column, f"column not supported on '{what}' rows")

    def common(self, row: _Row, ftype: str) -> dict[str, Any]:
        name = row.get("name")
        if not name:
            self.problem(row, "name", "name is required")
        self.rows_by_id.setdefault(name, row.number)
        label = row.get("label")
        if not label:
            if ftype == "calculate":
                label = name.replace("_", " ").capitalize()
            else:
                self.problem(row, "label", "label is required")
        spec: dict[str, Any] = {"id": name, "type": ftype, "label": label}
        if row.get("hint"):
            spec["hint"] = row.get("hint")
        if row.get("guidance_hint"):
            spec["guidance"] = row.get("guidance_hint")
        required = row.get("required")
        if required.lower() in _TRUE:
            spec["required"] = True
        elif required.lower() not in _FALSE:
            spec["required"] = required
        for column in ("relevant", "constraint", "constraint_message", "calculation"):
            if row.get(column):
                spec[column] = row.get(column)
        read_only = row.get("read_only").lower()
        if read_only in _TRUE:
            spec["read_only"] = True
        elif read_only not in _FALSE:
            self.problem(
                row, "read_only", f"read_only {read_only!r} is not supported (only yes/no)"
            )
        if row.get("sensitivity"):
            spec["sensitivity"] = row.get("sensitivity").replace(",", " ").split()
        return spec

    def make_field(self, row: _Row, kind: str) -> dict[str, Any] | None:
        head, _, rest = kind.partition(" ")
        if kind.startswith("select all that apply "):
            head, rest = "select_multiple", kind.removeprefix("select all that apply ")
        elif kind.startswith(("select one ", "select multiple ")):
            head, rest = "select_" + kind.split()[1], " ".join(kind.split()[2:])
        spec: dict[str, Any] | None
        if head in _BASIC_TYPES and not rest:
            spec = self.common(row, _BASIC_TYPES[head])
        elif head in ("select_one", "select_multiple") and rest:
            spec = self.select(row, head, rest)
        elif kind == "calculate":
            spec = self.common(row, "calculate")
            spec["type"] = "text"
            spec["read_only"] = True
            if "calculation" not in spec:
                self.problem(row, "calculation", "a calculate row needs a calculation")
        elif head == "range" and not rest:
            spec = self.range(row)
        else:
            self.problem(row, "type", f"type {row.get('type')!r} is not supported")
            return None
        if spec is None:
            return None
        if row.get("parameters") and head != "range":
            self.problem(row, "parameters", "parameters are only supported on range rows")
        if row.get("repeat_count"):
            self.problem(row, "repeat_count", "repeat_count is only allowed on 'begin repeat' rows")
        self.default(row, spec)
        return spec

    def select(self, row: _Row, head: str, rest: str) -> dict[str, Any] | None:
        parts = rest.split()
        original = row.get("type").split()
        if len(parts) != 1:
            self.problem(
                row, "type", f"type {row.get('type')!r} is not supported (or_other and similar)"
            )
            return None
        list_name = original[-1]  # keep the author's spelling of the list name
        if list_name not in self.lists:
            self.problem(row, "type", f"choice list {list_name!r} is not on the choices sheet")
            return None
        names = {choice["name"] for choice in self.lists[list_name]}
        if head == "select_one" and names == _YES_NO_UNKNOWN:
            self.yes_no_lists.add(list_name)
            return self.common(row, "yes_no_unknown")
        spec = self.common(row, "choice" if head == "select_one" else "multi_choice")
        spec["choices"] = list_name
        self.used_lists.add(list_name)
        return spec

    def range(self, row: _Row) -> dict[str, Any] | None:
        params = {"start": "1", "end": "10", "step": "1"}
        for token in re.split(r"[\s;,]+", row.get("parameters")):
            if not token:
                continue
            key, _, value = token.partition("=")
            if key.strip().lower() not in params:
                self.problem(row, "parameters", f"range parameter {key.strip()!r} is not supported")
                return None
            params[key.strip().lower()] = value.strip()
        if not all(re.fullmatch(r"-?[0-9]+", v) for v in params.values()) or params["step"] != "1":
            self.problem(
                row,
                "parameters",
                "only ranges with whole-number start/end and step=1 are supported, "
                f"got {row.get('parameters')!r}",
            )
            return None
        spec = self.common(row, "rating")
        spec["scale"] = {"min": int(params["start"]), "max": int(params["end"])}
        return spec

    def default(self, row: _Row, spec: dict[str, Any]) -> None:
        text = row.get("default")
        if not text:
            return
        if "${" in text or "(" in text:
            self.problem(row, "default", f"dynamic default {text!r} is not supported")
            return
        ftype = spec["type"]
        value: Any = text
        if ftype == "integer" and re.fullmatch(r"-?[0-9]+", text):
            value = int(text)
        elif ftype in ("decimal",) and re.fullmatch(r"-?[0-9]+(\.[0-9]*)?", text):
            value = float(text) if "." in text else int(text)
        elif ftype == "rating" and re.fullmatch(r"-?[0-9]+", text):
            value = int(text)
        elif ftype == "multi_choice":
            value = text.split()
        spec["default"] = value


def _settings(rows: list[_Row], stem: str, problems: list[XLSFormProblem]) -> tuple[str, str, int]:
    if len(rows) > 1:
        for row in rows[1:]:
            problems.append(
                XLSFormProblem("settings", row.number, None, "only one settings row is supported")
            )
    row = rows[0] if rows else _Row(2, {})
    form_id = row.get("form_id") or stem
    title = row.get("form_title") or form_id
    version = 1
    raw = row.get("version")
    if raw:
        if re.fullmatch(r"[0-9]+", raw) and int(raw) >= 1:
            version = int(raw)
        else:
            problems.append(
                XLSFormProblem(
                    "settings",
                    row.number,
                    "version",
                    f"version {raw!r} must be a whole number >= 1",
                )
            )
    return form_id, title, version


def _choices(
    rows: list[_Row], problems: list[XLSFormProblem]
) -> tuple[dict[str, list[dict[str, str]]], dict[str, int]]:
    lists: dict[str, list[dict[str, str]]] = {}
    first_row: dict[str, int] = {}
    for row in rows:
        list_name, name, label = row.get("list_name"), row.get("name"), row.get("label")
        if not list_name or not name:
            problems.append(
                XLSFormProblem("choices", row.number, None, "a choice needs list_name and name")
            )
            continue
        if not label:
            problems.append(
                XLSFormProblem("choices", row.number, "label", "a choice needs a label")
            )
            continue
        lists.setdefault(list_name, []).append({"name": name, "label": label})
        first_row.setdefault(list_name, row.number)
    return lists, first_row


def import_xlsform(
    path: Path | str, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Convert an XLSForm workbook to a btam-form/1 definition dict.

    The result passes :func:`validate_definition`; otherwise :class:`XLSFormImportError`
    is raised with every problem located by sheet, row and column.
    """
    file = Path(path)
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for unreadable files
        raise XLSFormImportError(
            [XLSFormProblem(None, None, None, f"cannot open workbook: {exc}")]
        ) from exc
    try:
        problems: list[XLSFormProblem] = []
        sheets = {name.strip().lower(): workbook[name] for name in workbook.sheetnames}
        for name in sorted(_FEATURE_SHEETS & set(sheets)):
            if any(any(c is not None for c in r) for r in sheets[name].iter_rows(values_only=True)):
                problems.append(XLSFormProblem(name, None, None, "this sheet is not supported"))
        if "survey" not in sheets:
            raise XLSFormImportError(
                [XLSFormProblem(None, None, None, "the workbook has no 'survey' sheet")]
            )
        survey = _read_sheet(sheets["survey"], "survey", problems)
        choice_rows = (
            _read_sheet(sheets["choices"], "choices", problems) if "choices" in sheets else []
        )
        settings_rows = (
            _read_sheet(sheets["settings"], "settings", problems) if "settings" in sheets else []
        )
    finally:
        workbook.close()
    _unsupported_columns(survey, "survey", _FIELD_COLUMNS, problems)
    _unsupported_columns(choice_rows, "choices", _CHOICE_COLUMNS, problems)
    _unsupported_columns(settings_rows, "settings", _SETTINGS_COLUMNS, problems)
    form_id, title, version = _settings(settings_rows, file.stem, problems)
    lists, list_rows = _choices(choice_rows, problems)
    builder = _Builder(title, lists, problems)
    for row in survey:
        builder.row(row)
    builder.finish()
    if problems:
        raise XLSFormImportError(problems)
    keep = {
        n: items
        for n, items in lists.items()
        if n in builder.used_lists or n not in builder.yes_no_lists
    }
    document: dict[str, Any] = {
        "format": FORMAT_MARKER,
        "id": form_id,
        "version": version,
        "title": title,
    }
    if keep:
        document["choice_lists"] = keep
    document["sections"] = builder.sections
    issues = validate_definition(document, shared_choice_lists=shared_choice_lists)
    if issues:
        raise XLSFormImportError(_locate(p, builder.rows_by_id, list_rows) for p in issues)
    return document


def _locate(
    problem: DefinitionProblem, rows: Mapping[str, int], list_rows: Mapping[str, int]
) -> XLSFormProblem:
    """Map a definition problem back to the workbook cell it came from."""
    where = problem.where or ""
    detail = f"{where} (char {problem.position})" if problem.position is not None else where
    message = f"{detail}: {problem.message}" if detail else problem.message
    if problem.field_id is not None and problem.field_id in rows:
        column = where.split(".")[0].split("[")[0] or None
        return XLSFormProblem("survey", rows[problem.field_id], column, message)
    if where.startswith("choice_lists."):
        name = where.split(".")[1].split("[")[0]
        return XLSFormProblem("choices", list_rows.get(name), "list_name", message)
    if where in ("id", "version", "title"):
        column = {"id": "form_id", "title": "form_title"}.get(where, where)
        return XLSFormProblem("settings", 2, column, message)
    return XLSFormProblem(None, None, None, message)


def load_xlsform(
    path: Path | str, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> FormDefinition:
    """Import an XLSForm workbook straight to a :class:`FormDefinition`."""
    document = import_xlsform(path, shared_choice_lists=shared_choice_lists)
    return FormDefinition.from_dict(document, shared_choice_lists=shared_choice_lists)
