"""Import of XLSForm workbooks (.xlsx, .xls) into the btam-form/1 format.

Reading happens in three steps:

1. :mod:`~btam_desktop.core.forms.workbook` reads the sheets within hard limits (size, rows,
   columns; declared dimensions ignored) and reports formula cells without a value;
2. the column headers are normalised to the spellings pyxform knows (``bind:relevant``,
   ``bind:jr:constraintMsg``, ``label:English (en)``, ``readonly``…) and pyxform's
   ``workbook_to_json`` — the ODK reference implementation of XLSForm — parses the survey,
   choices and settings (aliases such as ``select one from L``, ``select all that apply``,
   ``string``, ``id_string``, translations, ``or_other``);
3. the parsed survey is mapped onto the BTAM form model here (see docs/form-format.md,
   "Importing XLSForm", for the table), keeping BTAM's own expression engine: XLSForm
   expressions are checked and, where needed, translated (``../x`` and renamed fields,
   bare choice columns in ``choice_filter``), never evaluated by Python.

What BTAM cannot honour but can safely ignore (an appearance, a media column, ``audit``)
becomes a *notice*; what would change the meaning (``pulldata``, entities, geotrace) is a
*problem*: :class:`XLSFormImportError`, one line per feature naming the cells. Problems of
the resulting definition are mapped back to the cell the author wrote.
"""

from __future__ import annotations

import copy
import csv
import difflib
import io
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from btam_desktop.core import handed
from btam_desktop.core.forms.definition import FormDefinition
from btam_desktop.core.forms.errors import DefinitionProblem, FormsError
from btam_desktop.core.forms.functions import EXTRA_ARITY
from btam_desktop.core.forms.nodes import FUNCTION_ARITY
from btam_desktop.core.forms.schema import FORMAT_MARKER
from btam_desktop.core.forms.validate import validate_definition
from btam_desktop.core.forms.workbook import Sheet, WorkbookError, read_workbook

__all__ = [
    "MAX_CSV_BYTES",
    "XLSFormImport",
    "XLSFormImportError",
    "XLSFormProblem",
    "import_xlsform",
    "load_xlsform",
    "read_xlsform",
]

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 20_000
_ROLES = ("survey", "choices", "settings", "external_choices", "entities", "osm")
_TRANSLATABLE = {
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "image",
    "big-image",
    "audio",
    "video",
    "media::image",
    "media::audio",
    "media::video",
}
_BIND = {
    "relevant": "relevant",
    "relevance": "relevant",
    "constraint": "constraint",
    "required": "required",
    "calculate": "calculation",
    "calculation": "calculation",
    "readonly": "read_only",
    "read_only": "read_only",
    "jr:constraintmsg": "constraint_message",
    "jr:requiredmsg": "required_message",
    "jr:count": "repeat_count",
}
_TEXT_TYPES = {"text": "text", "string": "text"}
_SIMPLE_TYPES = {
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "note": "note",
}
_MEDIA_TYPES = {"photo", "image", "audio", "video", "file", "barcode", "background-audio"}
# Media questions answered with a file attached to the case (text_format = the kind).
_ATTACHED = {"photo": "image", "image": "image", "audio": "audio", "video": "video",
             "file": "file"}
_METADATA = {"start": "datetime", "end": "datetime", "today": "date", "deviceid": "text",
             "username": "text"}
_DEVICE_ONLY = {"phonenumber", "simserial", "subscriberid", "email", "start-geopoint"}
_HONOURED_APPEARANCES = {"minimal", "likert", "horizontal", "month-year", "year", "multiline",
                         "field-list", "horizontal-compact"}
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"", "no", "false", "false()", "0"}
_YES_NO_UNKNOWN = frozenset({"yes", "no", "unknown"})
_TYPE_WORDS = {
    "select_one", "select_multiple", "select", "one", "all", "that", "apply", "from",
    "multiple", "or", "other", "specify", "or_other", "begin", "end", "group", "repeat",
    "begin_group", "end_group", "begin_repeat", "end_repeat", "rank", "file",
    "select_one_from_file", "select_multiple_from_file", "select_one_external",
}
# Functions real forms use that BTAM refuses, with why (the rest: "not supported").
_REFUSED_FUNCTIONS = {
    "once": "the engine recomputes calculations on every save, so a value set once cannot "
            "be kept; use a default instead",
    "uuid": "a calculated value must be the same every time it is computed",
    "position": "a repeat item's number is not available to expressions",
    "indexed-repeat": "expressions cannot read a given repeat item",
    "sum": "expressions cannot read the items of a repeat (count() can count them)",
    "jr:choice-name": "choice labels are not available to expressions (the form view and "
                      "the PDF show the label of a chosen answer)",
    "random": "a calculated value must be the same every time it is computed",
}
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_:.-]*)\s*\(")
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,63}\Z")
_BTAM_SETTINGS = {
    "btam_description": "description",
    "btam_guidance": "guidance",
    "btam_jurisdiction_notes": "jurisdiction_notes",
}
_FIELD_COLUMNS = {
    "type", "name", "label", "hint", "guidance_hint", "required", "relevant", "constraint",
    "constraint_message", "calculation", "default", "read_only", "sensitivity", "parameters",
    "repeat_count", "appearance", "choice_filter", "required_message", "btam_type",
    "btam_person_role", "btam_item_label", "btam_min_items", "btam_max_items",
    "btam_scale_labels", "btam_hidden", "btam_inline_choices", "btam_prefill",
}
_KNOWN_SETTINGS = {"form_id", "id_string", "form_title", "title", "version",
                   "default_language", *_BTAM_SETTINGS}


@dataclass(frozen=True)
class XLSFormProblem:
    """One problem or notice, located by sheet, 1-based row (as Excel shows) and column
    (the header as the author wrote it)."""

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

    def __init__(
        self, problems: Iterable[XLSFormProblem], notices: Iterable[XLSFormProblem] = ()
    ) -> None:
        self.problems: tuple[XLSFormProblem, ...] = tuple(problems)
        self.notices: tuple[XLSFormProblem, ...] = tuple(notices)
        super().__init__("cannot import XLSForm:\n" + "\n".join(f"  {p}" for p in self.problems))


@dataclass(frozen=True)
class XLSFormImport:
    """A successful import: the btam-form/1 document and what was accepted with a notice."""

    document: dict[str, Any]
    notices: tuple[XLSFormProblem, ...]


class _Report:
    """Problems and notices, merged per feature: one line per feature, naming its rows."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], list[Any]] = {}

    def add(self, kind: str, key: str, sheet: str | None, row: int | None,
            column: str | None, message: str) -> None:
        entry = self.items.get((kind, key))
        if entry is None:
            self.items[(kind, key)] = [sheet, row, column, message, []]
        elif row is not None and row != entry[1]:
            entry[4].append(row)

    def problem(self, sheet: str | None, row: int | None, column: str | None, message: str,
                key: str | None = None) -> None:
        self.add("problem", key or f"{sheet}:{row}:{column}:{message}", sheet, row, column,
                 message)

    def notice(self, sheet: str | None, row: int | None, column: str | None, message: str,
               key: str | None = None) -> None:
        self.add("notice", key or message, sheet, row, column, message)

    def _list(self, kind: str) -> list[XLSFormProblem]:
        result = []
        for (k, _), (sheet, row, column, message, more) in self.items.items():
            if k != kind:
                continue
            if more:
                shown = ", ".join(str(r) for r in more[:10])
                message += f" (also row{'s' if len(more) > 1 else ''} {shown}"
                message += ", …)" if len(more) > 10 else ")"
            result.append(XLSFormProblem(sheet, row, column, message))
        return result

    @property
    def problems(self) -> list[XLSFormProblem]:
        return self._list("problem")

    @property
    def notices(self) -> list[XLSFormProblem]:
        return self._list("notice")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _canonical_header(written: str) -> str:
    """The key pyxform knows for a header as a form author wrote it."""
    text = re.sub(r"\s+", " ", written.strip())
    base, sep, language = text.partition("::")
    if not sep:
        match = re.match(r"([A-Za-z_ -]+?)\s*:\s*(.+)\Z", text)
        if match and match.group(1).strip().lower().replace(" ", "_") in _TRANSLATABLE:
            base, language = match.group(1), match.group(2)
        else:
            base, language = text, ""
    lowered = base.strip().lower()
    for prefix in ("bind:", "control:"):
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix):].lstrip(":")
            break
    lowered = lowered.replace(" ", "_")
    if lowered in ("media::image", "media::audio", "media::video"):
        lowered = lowered.split("::")[1]
    lowered = _BIND.get(lowered, lowered)
    if lowered in ("count",):
        lowered = "repeat_count"
    if lowered in ("caption",):
        lowered = "label"
    if lowered in ("list_name", "list name"):
        lowered = "list_name"
    return f"{lowered}::{language.strip()}" if language.strip() else lowered


@dataclass
class _Table:
    """One sheet with canonical column keys; ``written`` maps key -> header as written."""

    name: str
    rows: list[dict[str, str]]
    written: dict[str, str]
    header: dict[str, None]

    def row_number(self, index: int) -> int:
        return index + 2


def _table(sheet: Sheet, report: _Report) -> _Table:
    keys: dict[int, str] = {}
    written: dict[str, str] = {}
    for index, text in enumerate(sheet.header):
        if not text:
            continue
        key = _canonical_header(text)
        if key in written:
            first = next(i for i, k in keys.items() if k == key)
            report.problem(
                sheet.name, 1, text,
                f"duplicate column (column {_column_letter(index)} repeats column "
                f"{_column_letter(first)} '{written[key]}')",
            )
            continue
        keys[index] = key
        written[key] = text
    rows: list[dict[str, str]] = []
    for number, cells in enumerate(sheet.rows, start=2):
        row: dict[str, str] = {}
        for column, value in cells.items():
            found = keys.get(column)
            if found is None:
                if column < len(sheet.header) and sheet.header[column]:
                    continue  # a duplicate column, reported above
                shown = value if len(value) <= 40 else value[:37] + "..."
                report.problem(
                    sheet.name, number, _column_letter(column),
                    f"value {shown!r} in a column without a header",
                    key=f"noheader:{sheet.name}:{column}",
                )
                continue
            row[found] = value
        rows.append(row)
    if not written and any(sheet.rows):
        report.problem(sheet.name, 1, None,
                       "the first row must name the columns (type, name, label…) but is empty")
    return _Table(sheet.name, rows, written, dict.fromkeys(written))


def _normalise_type(text: str) -> str:
    words = text.split()
    return " ".join(w.lower() if i == 0 or w.lower() in _TYPE_WORDS else w
                    for i, w in enumerate(words))


def _ident(name: str) -> str:
    text = re.sub(r"[^a-z0-9_]", "_", name.strip().lower())
    if not text or not text[0].isalpha():
        text = "f_" + text
    if len(text) < 2:
        text += "_"
    return text[:64]


def _humanize(name: str) -> str:
    return name.replace("_", " ").strip().capitalize() or name


def _conjoin(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return " and ".join(f"({p})" for p in kept)


# -- the import ---------------------------------------------------------------------------


def read_xlsform(
    path: Path | str, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> XLSFormImport:
    """Convert an XLSForm workbook to a btam-form/1 document, with its notices.

    Raises :class:`XLSFormImportError` listing every problem (by sheet, row and column).
    """
    file = Path(path)
    report = _Report()
    try:
        book = read_workbook(file)
    except WorkbookError as exc:
        raise XLSFormImportError([XLSFormProblem(None, None, None, str(exc))]) from None
    by_role: dict[str, Sheet] = {}
    for sheet in book.sheets:
        role = sheet.name.strip().lower()
        if role in _ROLES and role not in by_role:
            by_role[role] = sheet
    content = [s for s in book.sheets if s.has_content]
    if "survey" not in by_role and len(content) == 1 and len(book.sheets) == 1:
        by_role["survey"] = content[0]
    for sheet in book.sheets:
        if sheet in by_role.values() or not sheet.has_content:
            continue
        close = difflib.get_close_matches(sheet.name.strip().lower(),
                                          ["survey", "choices", "settings", "external_choices"],
                                          n=1, cutoff=0.7)
        if close:
            message = (f"sheet '{sheet.name}' is not read: is it the '{close[0]}' sheet? "
                       f"Rename it to '{close[0]}'")
            if close[0] in by_role:
                report.notice(sheet.name, None, None, message + " or remove it")
            else:
                report.problem(sheet.name, None, None, message)
    if "survey" not in by_role:
        report.problem(None, None, None, "the workbook has no 'survey' sheet")
        raise XLSFormImportError(report.problems, report.notices)
    external = by_role.get("external_choices")
    if external is not None and external.has_content:
        report.notice(external.name, None, None, "the external_choices sheet is not used "
                      "(select_one_external is not supported)")
    for role in ("entities", "osm"):
        feature = by_role.get(role)
        if feature is not None and feature.has_content:
            report.problem(feature.name, None, None,
                           f"the '{role}' sheet is not supported ({role} are an ODK server "
                           "feature)")
    for sheet in by_role.values():
        for row, column in sheet.formulas[:5]:
            header = sheet.header[column] if column < len(sheet.header) else None
            report.problem(
                sheet.name, row, header or _column_letter(column),
                "formula without a saved value: open the workbook in a spreadsheet program "
                "and save it, or type the value",
            )
        if len(sheet.formulas) > 5:
            report.problem(sheet.name, None, None,
                           f"{len(sheet.formulas) - 5} more formulas without a saved value")
    tables = {role: _table(sheet, report) for role, sheet in by_role.items()}
    if "survey" in tables and not any(tables["survey"].rows):
        report.problem(tables["survey"].name, None, None, "the survey sheet has no questions")
    if report.problems:
        raise XLSFormImportError(report.problems, report.notices)
    for message in book.warnings:
        if "extension is not supported" in message or "default style" in message:
            continue  # openpyxl chatter about formatting: not part of the form
        report.notice(None, None, None, f"spreadsheet reader: {message}")
    mapper = _Mapper(file, tables, report)
    document = mapper.run()
    if report.problems:
        raise XLSFormImportError(report.problems, report.notices)
    issues = validate_definition(document, shared_choice_lists=shared_choice_lists)
    if issues:
        raise XLSFormImportError([mapper.locate(p) for p in issues], report.notices)
    return XLSFormImport(document, tuple(report.notices))


def import_xlsform(
    path: Path | str, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Convert an XLSForm workbook to a btam-form/1 definition dict (see
    :func:`read_xlsform` for the notices)."""
    return read_xlsform(path, shared_choice_lists=shared_choice_lists).document


def load_xlsform(
    path: Path | str, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> FormDefinition:
    """Import an XLSForm workbook straight to a :class:`FormDefinition`."""
    document = import_xlsform(path, shared_choice_lists=shared_choice_lists)
    return FormDefinition.from_dict(document, shared_choice_lists=shared_choice_lists)


# -- mapping pyxform's survey onto the form model -----------------------------------------


@dataclass
class _Context:
    section: dict[str, Any] | None = None  # explicit (group) section being filled
    repeat: dict[str, Any] | None = None
    relevant: list[str] = field(default_factory=list)  # enclosing groups' relevance
    titles: list[str] = field(default_factory=list)


class _Mapper:
    def __init__(self, file: Path, tables: dict[str, _Table], report: _Report) -> None:
        self.file = file
        self.tables = tables
        self.report = report
        self.survey = tables["survey"]
        self.sections: list[dict[str, Any]] = []
        self.implicit: dict[str, Any] | None = None
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.used_lists: set[str] = set()
        self.rows_by_id: dict[str, int] = {}
        self.list_rows: dict[tuple[str, int], int] = {}
        self.list_first_row: dict[str, int] = {}
        self.ids: dict[str, str] = {}  # XLSForm name -> BTAM id
        self.name_rows: dict[str, list[int]] = {}
        self.languages: list[str] = []
        self.default_language = "default"
        self.title = ""
        self.continued = 0
        self.settings: dict[str, str] = {}
        self.renamed: list[tuple[str, str]] = []
        self.generated: dict[str, str] = {}
        self.yes_no_lists: set[str] = set()
        self.settings_row = 2
        self.settings_written: dict[str, str] = {}

    # -- helpers ------------------------------------------------------------------------
    def col(self, key: str) -> str:
        return self.survey.written.get(key, key)

    def problem(self, row: int | None, key: str | None, message: str,
                feature: str | None = None) -> None:
        column = self.col(key) if key else None
        self.report.problem("survey", row, column, message,
                            key=f"feature:{feature}" if feature else None)

    def notice(self, row: int | None, key: str | None, message: str,
               feature: str | None = None) -> None:
        column = self.col(key) if key else None
        self.report.notice("survey", row, column, message, key=feature)

    # -- entry --------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        from pyxform.errors import PyXFormError
        from pyxform.xls2json import workbook_to_json
        from pyxform.xls2json_backends import DefinitionData

        survey_rows = []
        for index, row in enumerate(self.survey.rows):
            row = dict(row)
            if "type" in row:
                row["type"] = _normalise_type(row["type"])
            name = row.get("name")
            if name:
                self.name_rows.setdefault(name, []).append(index + 2)
            survey_rows.append(row)
        self.settings = self.read_settings()
        choices = self.tables.get("choices")
        data = DefinitionData(
            survey=survey_rows,
            survey_header=[self.survey.header],
            choices=choices.rows if choices else None,
            choices_header=[choices.header] if choices else None,
            # Texts are kept as written (pyxform would collapse runs of spaces).
            settings=[{"clean_text_values": "no"}],
            settings_header=[{"clean_text_values": None}],
            sheet_names=[t.name for t in self.tables.values()],
            fallback_form_name=self.file.stem,
        )
        pyx_warnings: list[str] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = workbook_to_json(
                    data, form_name="data", fallback_form_name=self.file.stem,
                    default_language=self.settings.get("default_language"),
                    warnings=pyx_warnings,
                )
        except PyXFormError as exc:
            self.pyxform_problem(str(exc))
            return {}
        except Exception as exc:  # pyxform may fail on malformed input in other ways
            self.report.problem(None, None, None, f"cannot read the form: {exc}")
            return {}
        for message in pyx_warnings:
            self.pyxform_notice(message)
        self.pick_languages(parsed)
        self.read_choices(parsed.get("choices", {}))
        context = _Context()
        self.walk(parsed.get("children", []), context)
        return self.document()

    def pyxform_problem(self, message: str) -> None:
        match = re.match(r"\s*\[row\s*:\s*(\d+)\]\s*(.*)", message, re.S)
        sheet = "survey"
        row = None
        if match:
            row = int(match.group(1))
            message = match.group(2)
        column = None
        if message.startswith("On the 'choices' sheet") or (
                row is None and "choices sheet" in message.lower()):
            sheet = "choices"
        named = re.search(r"the '([\w:]+)' value", message)
        if named:
            column = self.col(_canonical_header(named.group(1)))
        elif "List name" in message or "list name" in message:
            column = self.col("type")
        self.report.problem(sheet if row is not None else None, row, column,
                            message.strip().split("\n")[0])

    def pyxform_notice(self, message: str) -> None:
        if "Repeat has no label" in message:
            return  # repeats without labels are named after their name
        if "is missing the" in message and "Language" in message:
            self.report.notice(None, None, None, message.split(" Learn more")[0],
                               key="languages-missing")
            return
        if "or_other and translations" in message or "max-pixels" in message:
            return
        match = re.match(r"\s*\[row\s*:\s*(\d+)\]\s*(.*)", message, re.S)
        if match:
            self.report.notice("survey", int(match.group(1)), None, match.group(2).strip())
        else:
            self.report.notice(None, None, None, message.strip())

    # -- settings and choices -----------------------------------------------------------
    def read_settings(self) -> dict[str, str]:
        table = self.tables.get("settings")
        if table is None:
            return {}
        rows = [r for r in table.rows if r]
        for index, row in enumerate(table.rows):
            if row and row is not rows[0]:
                self.report.problem(table.name, index + 2, None,
                                    "only one settings row is read (the second row onward is "
                                    "not used)")
        settings: dict[str, str] = dict(rows[0]) if rows else {}
        result: dict[str, str] = {}
        row_number = 2 + table.rows.index(rows[0]) if rows else 2
        self.settings_row = row_number
        self.settings_written = table.written
        for key, value in settings.items():
            canonical = {"id_string": "form_id", "title": "form_title"}.get(key, key)
            if canonical in result and canonical != key:
                self.report.notice(table.name, row_number, table.written.get(key, key),
                                   "both form_id and id_string are given: form_id is used")
                continue
            if canonical not in _KNOWN_SETTINGS:
                self.report.notice(table.name, row_number, table.written.get(key, key),
                                   f"setting '{table.written.get(key, key)}' is not used by "
                                   "BTAM Desktop", key=f"setting:{key}")
                continue
            result[canonical] = value
        return result

    def read_choices(self, parsed: Mapping[str, Any]) -> None:
        table = self.tables.get("choices")
        if table is None:
            return
        counters: dict[str, int] = {}
        for index, row in enumerate(table.rows):
            if not row:
                continue
            number = index + 2
            list_name = row.get("list_name", "")
            name = row.get("name", "")
            if not list_name or not name:
                self.report.problem(table.name, number, None,
                                    "a choice needs list_name and name")
                continue
            position = counters.get(list_name, 0)
            counters[list_name] = position + 1
            self.list_rows[(_list_ident(list_name), position)] = number
            self.list_first_row.setdefault(_list_ident(list_name), number)
        for list_name, raw in parsed.items():
            # pyxform adds an "other" choice to a list used with or_other; it belongs to
            # those questions only (added back there).
            kept = [c for c in raw
                    if c.get("name") != "other" or self.sheet_has(list_name, "other")]
            self.lists[_list_ident(list_name)] = [
                self.choice(list_name, i, c) for i, c in enumerate(kept)
            ]

    def choice(self, list_name: str, index: int, raw: Mapping[str, Any]) -> dict[str, Any]:
        texts = self.texts(raw.get("label"))
        result: dict[str, Any] = {"name": str(raw.get("name", "")), "label": ""}
        if texts is None:
            row = self.list_rows.get((_list_ident(list_name), index))
            table = self.tables["choices"]
            self.report.problem(table.name, row, table.written.get("label", "label"),
                                "a choice needs a label")
        else:
            result["label"], translations = texts
            if translations:
                result["translations"] = {k: v["label"] for k, v in translations.items()}
        data = {
            str(k): str(v) for k, v in raw.items()
            if k not in ("name", "label", "media", "list_name") and isinstance(v, str | int)
        }
        if data:
            result["data"] = data
        if isinstance(raw.get("media"), dict) and raw["media"]:
            self.report.notice(self.tables["choices"].name, self.list_rows.get(
                (_list_ident(list_name), index)), None, "choice images/audio are not shown",
                key="choice-media")
        return result

    def pick_languages(self, parsed: Mapping[str, Any]) -> None:
        found: list[str] = []

        def scan(value: Any) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key in ("label", "hint", "guidance_hint", "jr:constraintMsg",
                               "jr:requiredMsg") and isinstance(item, dict):
                        for language in item:
                            if language not in found:
                                found.append(language)
                    else:
                        scan(item)
            elif isinstance(value, list):
                for item in value:
                    scan(item)

        scan(parsed.get("children", []))
        scan(parsed.get("choices", {}))
        wanted = self.settings.get("default_language")
        if wanted and wanted not in found and found:
            self.report.notice("settings", getattr(self, "settings_row", 2), "default_language",
                               f"default_language '{wanted}' has no texts; "
                               f"'{found[0]}' is used")
            wanted = None
        if wanted:
            self.default_language = wanted
        elif "default" in found:
            self.default_language = "default"
        elif found:
            self.default_language = found[0]
        self.languages = [("Default" if x == "default" else x) for x in found]
        if self.default_language != "default" and self.default_language in self.languages:
            self.languages.remove(self.default_language)
            self.languages.insert(0, self.default_language)
        elif "Default" in self.languages:
            self.languages.remove("Default")
            self.languages.insert(0, "Default")

    def texts(self, value: Any, name: str = "label"
              ) -> tuple[str, dict[str, dict[str, str]]] | None:
        """(text in the default language, {language: {name: text}}) of a text cell."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return value, {}
        if not isinstance(value, dict):
            return str(value), {}
        default = value.get(self.default_language)
        if default is None or not str(default).strip():
            default = next((str(v) for v in value.values() if str(v).strip()), None)
        if default is None:
            return None
        shown = "Default" if self.default_language == "default" else self.default_language
        translations = {
            ("Default" if k == "default" else k): {name: str(v)}
            for k, v in value.items()
            if ("Default" if k == "default" else k) != shown and str(v).strip()
        }
        return str(default), translations

    # -- survey -------------------------------------------------------------------------
    def row_of(self, name: str) -> int | None:
        rows = self.name_rows.get(name)
        if not rows:
            return None
        return rows.pop(0) if len(rows) > 1 else rows[0]

    def new_id(self, name: str, row: int | None) -> str:
        ident = name if _ID_PATTERN.match(name) else _ident(name)
        if name in self.ids and self.ids[name] != ident:
            pass
        clash = next((k for k, v in self.ids.items() if v == ident and k != name), None)
        if clash is not None:
            self.problem(row, "name", f"'{name}' and '{clash}' both become the id '{ident}'")
        self.ids.setdefault(name, ident)
        if ident != name and (name, ident) not in self.renamed:
            self.renamed.append((name, ident))
        if ident in self.rows_by_id:
            first = self.rows_by_id[ident]
            self.problem(row, "name", f"duplicate name '{name}' (first used on row {first})")
        elif row is not None:
            self.rows_by_id[ident] = row
        return ident

    def target(self, context: _Context) -> list[dict[str, Any]]:
        if context.repeat is not None:
            members: list[dict[str, Any]] = context.repeat["fields"]
            return members
        if context.section is not None:
            fields: list[dict[str, Any]] = context.section["fields"]
            return fields
        if self.implicit is None:
            self.implicit = {"id": f"section_{len(self.sections) + 1}", "title": "",
                             "fields": []}
            self.sections.append(self.implicit)
        fields = self.implicit["fields"]
        return fields

    def walk(self, children: list[Any], context: _Context) -> None:
        for element in children:
            kind = str(element.get("type", "")).strip()
            name = str(element.get("name", ""))
            if kind == "group" and name == "meta" and element.get("control", {}).get(
                    "bodyless"):
                self.walk([c for c in element.get("children", [])
                           if c.get("name") != "instanceID"], context)
                continue
            if kind == "group":
                self.group(element, context)
            elif kind in ("repeat", "loop"):
                self.repeat(element, context)
            else:
                spec = self.question(element, context)
                if spec is not None:
                    self.target(context).append(spec)

    def group(self, element: Mapping[str, Any], context: _Context) -> None:
        name = str(element.get("name", ""))
        row = self.row_of(name)
        ident = self.new_id(name, row)
        label = self.texts(element.get("label"))
        title = label[0] if label else _humanize(name)
        relevant = self.expression(self.bind(element, "relevant"), row, "relevant")
        hint = self.texts(element.get("hint"), "hint")
        guidance = self.texts(element.get("guidance_hint"), "guidance")
        appearance = str(element.get("control", {}).get("appearance", "")).strip()
        if appearance and appearance not in ("field-list",):
            self.appearance_notice(appearance, row)
        if context.repeat is not None:
            # A group inside a repeat: its questions join the repeat, each carrying the
            # group's relevance; a labelled group keeps its label as a heading (a note).
            if label:
                note: dict[str, Any] = {"id": ident, "type": "note", "label": title}
                if label[1]:
                    note["translations"] = label[1]
                note_relevant = _conjoin(*context.relevant, relevant)
                if note_relevant:
                    note["relevant"] = note_relevant
                context.repeat["fields"].append(note)
            inner = _Context(None, context.repeat, [*context.relevant, *(
                [relevant] if relevant else [])], context.titles)
            self.walk(element.get("children", []), inner)
            return
        outer = context.section
        section: dict[str, Any] = {"id": ident, "fields": []}
        section["title"] = " › ".join([*context.titles, title])
        texts = [t for t in (guidance, hint) if t]
        if texts:
            section["guidance"] = "\n\n".join(t[0] for t in texts)
        translations: dict[str, dict[str, str]] = {}
        if label:
            for language, values in label[1].items():
                translations.setdefault(language, {})["title"] = values["label"]
        for found in texts:
            for language, values in found[1].items():
                translations.setdefault(language, {})["guidance"] = next(iter(values.values()))
        if translations:
            section["translations"] = translations
        chain = [*context.relevant, *([relevant] if relevant else [])]
        combined = _conjoin(*chain)
        if combined:
            section["relevant"] = combined
        self.sections.append(section)
        self.implicit = None
        inner = _Context(section, None, chain, [*context.titles, title])
        self.walk(element.get("children", []), inner)
        if not section["fields"]:
            self.sections.remove(section)
            if not any(s.get("id") == ident for s in self.sections):
                self.notice(row, "type", f"group '{name}' has no questions", feature=None)
        if outer is not None:
            # Questions after a nested group continue the outer group in a new section.
            self.continued += 1
            follow = {**outer, "id": f"{outer['id']}_part{self.continued}", "fields": []}
            self.sections.append(follow)
            context.section = follow
        else:
            self.implicit = None

    def repeat(self, element: Mapping[str, Any], context: _Context) -> None:
        name = str(element.get("name", ""))
        row = self.row_of(name)
        ident = self.new_id(name, row)
        label = self.texts(element.get("label"))
        spec: dict[str, Any] = {"id": ident, "type": "repeat",
                                "label": label[0] if label else _humanize(name), "fields": []}
        translations = dict(label[1]) if label else {}
        self.common_texts(element, spec, translations)
        relevant = self.expression(self.bind(element, "relevant"), row, "relevant")
        combined = _conjoin(*(context.relevant if context.section is None else []), relevant)
        if context.repeat is not None:
            # A repeat inside a repeat (or inside a group inside one): it joins the outer
            # repeat's members with the relevance of the groups around it.
            combined = _conjoin(*context.relevant, relevant)
            if combined:
                spec["relevant"] = combined
        elif relevant:
            spec["relevant"] = relevant
        elif combined:
            spec["relevant"] = combined
        count = str(element.get("control", {}).get("jr:count", "")).strip()
        generated = re.fullmatch(r"\$\{([^}]+)\}", count)
        if generated and generated.group(1) in self.generated:
            count = self.generated[generated.group(1)].strip()
        if count:
            if re.fullmatch(r"[0-9]+", count) and int(count) >= 1:
                spec["min_items"] = spec["max_items"] = int(count)
            else:
                translated = self.expression(count, row, "repeat_count")
                if translated:
                    spec["repeat_count"] = translated
        required = self.bind(element, "required")
        if required.lower() in _TRUE:
            spec["required"] = True
        elif required.lower() not in _FALSE:
            translated = self.expression(required, row, "required")
            if translated:
                spec["required"] = translated
        self.btam_extras(element, spec, row)
        if translations:
            spec["translations"] = translations
        self.target(context).append(spec)
        inner = _Context(context.section, spec, [], context.titles)
        before = len(self.report.items)
        self.walk(element.get("children", []), inner)
        if not spec["fields"] and len(self.report.items) == before:
            self.problem(row, "type", f"repeat '{name}' has no questions")

    def skip_rows(self, children: list[Any]) -> None:
        for child in children:
            self.row_of(str(child.get("name", "")))
            self.skip_rows(child.get("children", []))

    # -- questions ----------------------------------------------------------------------
    def bind(self, element: Mapping[str, Any], key: str) -> str:
        value = element.get("bind", {}).get(key, "")
        return str(value).strip() if not isinstance(value, dict) else ""

    def common_texts(self, element: Mapping[str, Any], spec: dict[str, Any],
                     translations: dict[str, dict[str, str]]) -> None:
        for source, target in (("hint", "hint"), ("guidance_hint", "guidance")):
            found = self.texts(element.get(source), target)
            if found:
                spec[target] = found[0]
                for language, values in found[1].items():
                    translations.setdefault(language, {}).update(values)
        bind = element.get("bind", {})
        for source, target in (("jr:constraintMsg", "constraint_message"),
                               ("jr:requiredMsg", "required_message")):
            found = self.texts(bind.get(source), target)
            if found:
                spec[target] = found[0]
                for language, values in found[1].items():
                    translations.setdefault(language, {}).update(values)

    def question(self, element: Mapping[str, Any], context: _Context) -> dict[str, Any] | None:
        kind = str(element.get("type", "")).strip()
        name = str(element.get("name", ""))
        generated_other = name.endswith("_other") and "selected(../" in self.bind(
            element, "relevant")
        row = self.row_of(name) if not generated_other else self.rows_by_id.get(
            self.ids.get(name[: -len("_other")], ""))
        lowered = kind.lower()
        if lowered == "calculate" and name not in self.name_rows:
            # pyxform writes a constant repeat_count as a generated calculate.
            self.generated[name] = self.bind(element, "calculate")
            return None
        btam_type = str(element.get("btam_type", "")).strip()
        if lowered == "audit":
            self.notice(row, "type", "'audit' is not recorded (no effect on a desktop)",
                        feature="audit")
            return None
        if lowered in _DEVICE_ONLY:
            self.notice(row, "type", f"'{kind}' has no meaning on a desktop and is left out",
                        feature=f"device:{lowered}")
            return None
        if lowered in ("geotrace", "geoshape", "osm", "xml-external", "csv-external",
                       "acknowledge", "trigger", "background-geopoint"):
            self.problem(row, "type", f"type '{kind}' is not supported", feature=f"type:{kind}")
            return None
        ident = self.new_id(name, row)
        label = self.texts(element.get("label"))
        translations: dict[str, dict[str, str]] = dict(label[1]) if label else {}
        spec: dict[str, Any] = {"id": ident, "type": "text",
                                "label": label[0] if label else ""}
        appearance = str(element.get("control", {}).get("appearance", "")).strip()
        select = lowered in ("select one", "select all that apply", "rank", "select_one",
                             "select one external", "select_one_external")
        if lowered in _TEXT_TYPES:
            spec["type"] = "long_text" if "multiline" in appearance.split() else "text"
        elif lowered in _SIMPLE_TYPES:
            spec["type"] = _SIMPLE_TYPES[lowered]
        elif lowered == "calculate":
            spec["read_only"] = True
            if not label:
                spec["hidden"] = True
                spec["label"] = _humanize(name)
        elif lowered == "hidden":
            spec["hidden"] = True
            spec["label"] = spec["label"] or _humanize(name)
        elif lowered == "geopoint":
            spec["text_format"] = "geopoint"
        elif lowered in _ATTACHED:
            # The file is kept as an encrypted attachment of the case; the answer names it.
            spec["text_format"] = _ATTACHED[lowered]
        elif lowered in _MEDIA_TYPES:
            self.notice(row, "type", f"'{kind}' questions are answered with text (a "
                        "reference or typed code)", feature=f"media:{lowered}")
        elif lowered in _METADATA:
            spec["type"] = _METADATA[lowered]
            spec["metadata"] = lowered
            spec["hidden"] = True
            spec["read_only"] = True
            spec["label"] = spec["label"] or _humanize(name)
        elif lowered == "range":
            self.range(element, spec, row)
        elif select:
            if not self.select(element, spec, row, kind, translations):
                return None
        else:
            self.problem(row, "type", f"type '{kind}' is not supported", feature=f"type:{kind}")
            return None
        if btam_type:
            spec["type"] = btam_type
        if generated_other:
            spec["label"] = "Specify other"
        if not spec["label"]:
            if spec["type"] == "note" or not element.get("hint"):
                self.problem(row, "label", "label is required")
                return None
            spec["label"] = _humanize(name)
        self.common_texts(element, spec, translations)
        required = self.bind(element, "required")
        if required.lower() in _TRUE:
            spec["required"] = True
        elif required.lower() not in _FALSE:
            translated = self.expression(required, row, "required")
            if translated:
                spec["required"] = translated
        for source, target in (("relevant", "relevant"), ("constraint", "constraint"),
                               ("calculate", "calculation")):
            text = self.bind(element, source)
            if text:
                translated = self.expression(text, row, target)
                if translated:
                    spec[target] = translated
        if generated_other:
            spec["relevant"] = f"selected(${{{self.ids.get(name[:-6], name[:-6])}}}, 'other')"
        if context.repeat is not None and context.relevant:
            combined = _conjoin(*context.relevant, spec.get("relevant"))
            if combined:
                spec["relevant"] = combined
        if lowered == "calculate" and "calculation" not in spec:
            self.problem(row, "calculation", "a calculate row needs a calculation")
        if spec.get("constraint") and not spec.get("constraint_message"):
            spec["constraint_message"] = "This answer does not meet the form's rule."
        if "constraint" not in spec:
            spec.pop("constraint_message", None)
        read_only = self.bind(element, "readonly").lower()
        if read_only in _TRUE:
            spec["read_only"] = True
        elif read_only not in _FALSE:
            self.notice(row, "read_only", f"read_only {read_only!r} (an expression) is not "
                        "supported: the question can be edited", feature="read_only-expr")
        if element.get("choice_filter") and spec["type"] not in ("choice", "multi_choice"):
            self.problem(row, "choice_filter", "choice_filter is only for select questions")
        self.default(element, spec, row)
        if appearance:
            self.apply_appearance(appearance, spec, row)
        sensitivity = str(element.get("sensitivity", "")).strip()
        if sensitivity:
            spec["sensitivity"] = sensitivity.replace(",", " ").split()
        self.btam_extras(element, spec, row)
        for key in ("media",):
            if element.get(key):
                self.notice(row, None, "images, audio and video in questions are not shown",
                            feature="media")
        self.other_columns(element, row)
        if translations:
            spec["translations"] = translations
        return spec

    def other_columns(self, element: Mapping[str, Any], row: int | None) -> None:
        known = {"type", "name", "label", "hint", "guidance_hint", "bind", "control",
                 "default", "_dynamic_default", "actions", "parameters", "itemset",
                 "list_name", "choices", "choice_filter", "sensitivity", "media", "children",
                 "btam_type", "btam_person_role", "btam_item_label", "btam_min_items",
                 "btam_max_items", "btam_scale_labels", "btam_hidden", "btam_inline_choices",
                 "btam_prefill"}
        for key, value in element.items():
            if key in known or value in ("", None, {}, []):
                continue
            written = self.col(key)
            self.notice(row, key, f"column '{written}' is not used by BTAM Desktop",
                        feature=f"column:{key}")
        for key in element.get("bind", {}):
            if key not in ("relevant", "constraint", "required", "calculate", "readonly",
                           "jr:constraintMsg", "jr:requiredMsg", "type"):
                self.notice(row, None, f"'{key}' is not used by BTAM Desktop",
                            feature=f"bind:{key}")

    def btam_extras(self, element: Mapping[str, Any], spec: dict[str, Any],
                    row: int | None) -> None:
        role = str(element.get("btam_person_role", "")).strip()
        if role:
            spec["person_role"] = role
        prefill = str(element.get("btam_prefill", "")).strip()
        if prefill:
            spec["prefill"] = prefill
        item_label = str(element.get("btam_item_label", "")).strip()
        if item_label:
            spec["item_label"] = item_label
        for key in ("min_items", "max_items"):
            raw = str(element.get(f"btam_{key}", "")).strip()
            if raw:
                if re.fullmatch(r"[0-9]+", raw):
                    spec[key] = int(raw)
                else:
                    self.problem(row, f"btam_{key}", f"{key} must be a whole number")
        if str(element.get("btam_hidden", "")).strip().lower() in _TRUE:
            spec["hidden"] = True
        labels = str(element.get("btam_scale_labels", "")).strip()
        if labels and "scale" in spec:
            for part in labels.split(";"):
                point, _, text = part.partition("=")
                if re.fullmatch(r"-?[0-9]+", point.strip()) and text.strip():
                    spec["scale"].setdefault("labels", {})[point.strip()] = text.strip()

    def appearance_notice(self, appearance: str, row: int | None) -> None:
        if "search(" in appearance:
            self.problem(row, "appearance", "the search() appearance (choices from a CSV "
                         "lookup) is not supported", feature="search")
            return
        self.notice(row, "appearance", f"appearance '{appearance}' is not used on the desktop",
                    feature=f"appearance:{appearance}")

    def apply_appearance(self, appearance: str, spec: dict[str, Any], row: int | None) -> None:
        words = appearance.split()
        for word in words:
            if word in ("multiline",) and spec["type"] in ("text", "long_text"):
                continue
            if word == "horizontal-compact":
                word = "horizontal"
            if word in ("minimal", "likert", "horizontal") and spec["type"] in (
                    "choice", "multi_choice", "yes_no_unknown"):
                spec.setdefault("appearance", word)
                continue
            if word in ("month-year", "year") and spec["type"] == "date":
                spec.setdefault("appearance", word)
                continue
            if word == "field-list":
                continue
            if "search(" in word:
                self.appearance_notice(appearance, row)
                return
            self.notice(row, "appearance", f"appearance '{word}' is not used on the desktop",
                        feature=f"appearance:{word}")

    def range(self, element: Mapping[str, Any], spec: dict[str, Any], row: int | None) -> None:
        params = {"start": "1", "end": "10", "step": "1"}
        raw = element.get("parameters", {}) or {}
        for key, value in raw.items():
            if key not in params:
                self.notice(row, "parameters", f"range parameter '{key}' is not used",
                            feature=f"range:{key}")
                continue
            params[key] = str(value).strip()
        try:
            start, end, step = (float(params[k]) for k in ("start", "end", "step"))
        except ValueError:
            self.problem(row, "parameters", f"range parameters must be numbers, got {raw!r}")
            return
        if step <= 0 or end <= start:
            self.problem(row, "parameters", "a range needs start < end and a step above 0")
            return
        whole = all(float(v).is_integer() for v in (start, end, step))
        if whole and step == 1:
            spec["type"] = "rating"
            spec["scale"] = {"min": int(start), "max": int(end)}
            return
        spec["type"] = "integer" if whole else "decimal"
        shown = {k: (str(int(v)) if float(v).is_integer() else str(v))
                 for k, v in (("start", start), ("end", end), ("step", step))}
        rule = f". >= {shown['start']} and . <= {shown['end']}"
        if whole:
            rule += f" and (. - {shown['start']}) mod {shown['step']} = 0"
        else:
            # On a step, within a millionth of one: 0.3 is on the 0.1 steps although
            # (0.3 - 0) div 0.1 is 2.9999999999999996 in binary floating point.
            steps = f"(. - {shown['start']}) div {shown['step']}"
            rule += f" and abs({steps} - round({steps})) < 0.000001"
        spec["constraint"] = rule
        spec["constraint_message"] = (f"a number from {shown['start']} to {shown['end']} "
                                      f"in steps of {shown['step']}")

    def select(self, element: Mapping[str, Any], spec: dict[str, Any], row: int | None,
               kind: str, translations: dict[str, dict[str, str]]) -> bool:
        lowered = kind.lower()
        itemset = str(element.get("itemset") or element.get("list_name") or "")
        if "external" in lowered:
            self.problem(row, "type", "select_one_external (choices from a server list) is "
                         "not supported", feature="external")
            return False
        if itemset.lower().endswith((".xml", ".geojson")):
            self.problem(row, "type", f"choices from '{itemset}' are not supported (only a "
                         ".csv file beside the form)", feature="file-xml")
            return False
        if itemset.lower().endswith(".csv"):
            list_name = self.csv_list(itemset, row)
            if list_name is None:
                return False
        else:
            list_name = _list_ident(itemset)
        if list_name not in self.lists:
            self.problem(row, "type", f"choice list '{list_name}' is not on the choices sheet")
            return False
        or_other = re.search(r"\b(or_other|or specify other|or other)\s*$",
                             self.survey_type(row).lower()) is not None
        choices = self.lists[list_name]
        names = {c["name"] for c in choices}
        multi = lowered in ("select all that apply",)
        if lowered == "rank":
            spec["type"] = "multi_choice"
            spec["appearance"] = "rank"
        else:
            spec["type"] = "multi_choice" if multi else "choice"
        filter_text = str(element.get("choice_filter", "")).strip()
        inline = str(element.get("btam_inline_choices", "")).strip().lower() in _TRUE
        if (
            not multi and lowered != "rank" and names == _YES_NO_UNKNOWN and not filter_text
            and not or_other and not element.get("btam_type")
        ):
            spec["type"] = "yes_no_unknown"
            self.yes_no_lists.add(list_name)
            return True
        if or_other or inline:
            self.yes_no_lists.add(list_name)  # an inline copy: the list itself is not kept
        if or_other:
            spec["choices"] = copy.deepcopy(
                choices if "other" in names else [*choices, {"name": "other", "label": "Other"}]
            )
        elif inline:
            spec["choices"] = copy.deepcopy(choices)
        else:
            spec["choices"] = list_name
            self.used_lists.add(list_name)
        if filter_text:
            translated = self.expression(filter_text, row, "choice_filter", choice_filter=True)
            if translated:
                spec["choice_filter"] = translated
        params = element.get("parameters") or {}
        if params:
            self.notice(row, "parameters", "select parameters (randomize, seed) are not used",
                        feature="select-params")
        return True

    def survey_type(self, row: int | None) -> str:
        if row is None or row - 2 >= len(self.survey.rows):
            return ""
        return self.survey.rows[row - 2].get("type", "")

    def sheet_has(self, list_name: str, name: str) -> bool:
        table = self.tables.get("choices")
        return table is not None and any(
            r.get("list_name") == list_name and r.get("name") == name for r in table.rows)

    def csv_list(self, filename: str, row: int | None) -> str | None:
        """Read a select_one_from_file CSV shipped beside the form (bounded)."""
        list_name = "file_" + _ident(Path(filename).stem)
        if list_name in self.lists:
            return list_name
        path = self.file.parent / Path(filename).name
        try:
            text = handed.read_handed(path, MAX_CSV_BYTES).decode("utf-8-sig")
        except FileNotFoundError:
            self.problem(row, "type", f"'{filename}' must be in the same folder as the "
                         "workbook")
            return None
        except handed.HandedFileTooLarge:
            self.problem(row, "type", f"'{filename}' is larger than "
                         f"{MAX_CSV_BYTES // (1024 * 1024)} MB")
            return None
        except handed.HandedFileRefused as exc:
            self.problem(row, "type", f"'{filename}' {exc.reason}")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(row, "type", f"cannot read '{filename}' as UTF-8 CSV: {exc}")
            return None
        reader = csv.DictReader(io.StringIO(text))
        choices: list[dict[str, Any]] = []
        for number, entry in enumerate(reader, start=2):
            if number > MAX_CSV_ROWS:
                self.problem(row, "type", f"'{filename}' has more than {MAX_CSV_ROWS} rows")
                return None
            clean = {str(k).strip(): str(v or "").strip() for k, v in entry.items()
                     if k is not None}
            name = clean.pop("name", "")
            label = clean.pop("label", "") or name
            if not name:
                continue
            choice: dict[str, Any] = {"name": name, "label": label}
            data = {k: v for k, v in clean.items() if k and v}
            if data:
                choice["data"] = data
            choices.append(choice)
        if not choices:
            self.problem(row, "type", f"'{filename}' has no rows with name and label columns")
            return None
        self.lists[list_name] = choices
        return list_name

    def default(self, element: Mapping[str, Any], spec: dict[str, Any],
                row: int | None) -> None:
        text = str(element.get("default", "")).strip()
        if not text:
            return
        if element.get("_dynamic_default") or "${" in text or "(" in text:
            translated = self.expression(text, row, "default")
            if translated:
                spec["dynamic_default"] = translated
            return
        ftype = spec["type"]
        value: Any = text
        if ftype in ("integer", "rating") and re.fullmatch(r"-?[0-9]+", text):
            value = int(text)
        elif ftype == "decimal" and re.fullmatch(r"-?[0-9]+(\.[0-9]*)?", text):
            value = float(text) if "." in text else int(text)
        elif ftype == "multi_choice":
            value = text.split()
        elif ftype == "datetime" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?", text):
            value = text[:16].replace(" ", "T")
        spec["default"] = value

    # -- expressions --------------------------------------------------------------------
    def expression(self, text: str, row: int | None, key: str,
                   *, choice_filter: bool = False) -> str | None:
        """An XLSForm expression in BTAM's language, or None after reporting why not."""
        source = text.strip()
        if not source:
            return None
        bare = _STRING.sub("''", source)
        for match in _FUNCTION.finditer(bare):
            function = match.group(1)
            if function in FUNCTION_ARITY or function in EXTRA_ARITY:
                continue
            if function in ("and", "or", "div", "mod"):
                continue
            if function == "pulldata":
                self.problem(row, key, "pulldata() (looking up data in a CSV or a server) is "
                             "not supported", feature="pulldata")
            elif function in _REFUSED_FUNCTIONS:
                self.problem(row, key, f"the function {function}() is not supported: "
                             f"{_REFUSED_FUNCTIONS[function]}", feature=f"function:{function}")
            else:
                self.problem(row, key, f"the function {function}() is not supported",
                             feature=f"function:{function}")
            return None
        if re.search(r"(?<![\w$}.])/[A-Za-z]", bare):
            self.problem(row, key, "XPath paths are not supported (use ${name})",
                         feature="xpath")
            return None
        translated = self.rename(source)
        if choice_filter:
            translated = _choice_columns(translated)
        return translated

    def rename(self, source: str) -> str:
        """``../x`` -> ``${x}`` and XLSForm names -> BTAM ids (outside string literals)."""
        parts = re.split(r"('[^']*'|\"[^\"]*\")", source)
        for index in range(0, len(parts), 2):
            piece = re.sub(r"\.\./([A-Za-z_][\w.-]*)", r"${\1}", parts[index])
            piece = re.sub(
                r"\$\{([^}]*)\}",
                lambda m: "${" + self.ref_id(m.group(1)) + "}",
                piece,
            )
            parts[index] = piece
        return "".join(parts)

    def ref_id(self, name: str) -> str:
        if name in self.ids:
            return self.ids[name]
        if name in self.ids.values():
            return name
        return _pending(name)

    # -- the document -------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        settings = self.settings
        form_id = settings.get("form_id") or _ident(self.file.stem)
        title = settings.get("form_title") or form_id
        version = 1
        raw = settings.get("version", "")
        if raw:
            if re.fullmatch(r"[0-9]+", raw) and int(raw) >= 1:
                version = int(raw)
            else:
                self.report.problem("settings", getattr(self, "settings_row", 2),
                                    self.settings_written.get("version", "version"),
                                    f"version {raw!r} must be a whole number >= 1")
        for section in self.sections:
            if not section["title"]:
                section["title"] = title
        document: dict[str, Any] = {"format": FORMAT_MARKER, "id": form_id,
                                    "version": version, "title": title}
        for key, target in _BTAM_SETTINGS.items():
            if settings.get(key):
                document[target] = settings[key]
        if len(self.languages) > 1 or (self.languages and self.languages != ["Default"]):
            document["languages"] = self.languages
            document["default_language"] = self.languages[0]
        lists = {name: items for name, items in self.lists.items()
                 if name in self.used_lists
                 or (name not in self.yes_no_lists and not name.startswith("file_"))}
        if lists:
            document["choice_lists"] = lists
        document["sections"] = [s for s in self.sections if s["fields"]]
        if not document["sections"]:
            self.report.problem("survey", None, None, "the survey has no questions")
        if self.renamed:
            shown = ", ".join(f"{a} → {b}" for a, b in self.renamed[:8])
            more = f" and {len(self.renamed) - 8} more" if len(self.renamed) > 8 else ""
            self.report.notice("survey", None, self.col("name"),
                               "names are stored as BTAM ids (lower case letters, digits and _, "
                               f"2 or more characters): {shown}{more}")
        # Names can be used before the row that declares them: references are resolved
        # now that every id is known.
        self.fix_references(document)
        return document

    def fix_references(self, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                self.fix_references(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str) and "\x00" in item:
                    value[key] = re.sub(r"\x00([^\x00]*)\x00",
                                        lambda m: self.ids.get(m.group(1), m.group(1)), item)
                elif key in ("label", "hint", "guidance", "constraint_message",
                             "required_message", "title", "item_label") and isinstance(
                                 item, str):
                    value[key] = self.rename(item)
                else:
                    self.fix_references(item)

    def locate(self, problem: DefinitionProblem) -> XLSFormProblem:
        """Map a definition problem back to the workbook cell it came from."""
        where = problem.where or ""
        detail = f"{where} (char {problem.position})" if problem.position is not None else where
        message = f"{detail}: {problem.message}" if detail else problem.message
        head = where.split(".")[0].split("[")[0]
        if problem.field_id is not None and problem.field_id in self.rows_by_id:
            key = {"id": "name", "guidance": "guidance_hint", "dynamic_default": "default",
                   "choices": "type", "scale": "parameters", "title": "label"}.get(head, head)
            if head == "translations":
                parts = where.split(".")
                if len(parts) >= 3:
                    prop = {"guidance": "guidance_hint", "title": "label"}.get(parts[2],
                                                                               parts[2])
                    key = f"{prop}::{parts[1]}"
            column = self.col(key) if key else None
            return XLSFormProblem("survey", self.rows_by_id[problem.field_id], column, message)
        if where.startswith("choice_lists."):
            match = re.match(r"choice_lists\.([^.\[]+)(?:\[(\d+)\])?(?:\.(\w+))?", where)
            table = self.tables.get("choices")
            sheet = table.name if table else "choices"
            if match:
                name, index, prop = match.group(1), match.group(2), match.group(3)
                row = (self.list_rows.get((name, int(index))) if index is not None
                       else self.list_first_row.get(name))
                if row is None and index is None:
                    dup = re.search(r"duplicate choice name '([^']*)'", problem.message)
                    if dup and table is not None:
                        rows = [i + 2 for i, r in enumerate(table.rows)
                                if r.get("list_name") == name and r.get("name") == dup.group(1)]
                        row = rows[-1] if rows else None
                column = (table.written.get(prop or "list_name", prop or "list_name")
                          if table else None)
                return XLSFormProblem(sheet, row, column, message)
        if where in ("id", "version", "title"):
            key = {"id": "form_id", "title": "form_title"}.get(where, where)
            if "settings" in self.tables:
                return XLSFormProblem("settings", getattr(self, "settings_row", 2),
                                      self.settings_written.get(key, key), message)
            return XLSFormProblem(None, None, None,
                                  f"{message} (set {key} on a settings sheet)")
        return XLSFormProblem(None, None, None, message)


def _list_ident(name: str) -> str:
    text = re.sub(r"[^a-z0-9_]", "_", name.strip().lower())
    if not text or not text[0].isalpha():
        text = "l_" + text
    return text[:64]


def _pending(name: str) -> str:
    """A reference to a name not declared yet: resolved in :meth:`_Mapper.document`."""
    return f"\x00{name}\x00"


def _choice_columns(source: str) -> str:
    """Bare names in a choice_filter are choice columns: ``state = ${s}`` becomes
    ``choice('state') = ${s}`` (strings, references, functions and operators untouched)."""
    parts = re.split(r"('[^']*'|\"[^\"]*\"|\$\{[^}]*\})", source)
    for index in range(0, len(parts), 2):
        parts[index] = re.sub(
            r"(?<![\w.-])([A-Za-z_][A-Za-z0-9_]*)(?![\w(-])(?!\s*\()",
            lambda m: m.group(1) if m.group(1) in ("and", "or", "div", "mod")
            else f"choice('{m.group(1)}')",
            parts[index],
        )
    return "".join(parts)
