"""Export of a form definition to an XLSForm workbook (openpyxl), so a department can edit a
shipped or stored form in Excel and import it again as a new version.

The workbook is a plain XLSForm (survey, choices, settings) that pyxform reads; what XLSForm
has no column for is written in ``btam_*`` columns that the importer reads back (``btam_type``
for person, signature and a choice field over yes/no/unknown; ``btam_person_role``,
``btam_item_label``, ``btam_min_items``/``btam_max_items``, ``btam_scale_labels``,
``btam_hidden``, ``btam_inline_choices``, ``btam_prefill``; settings ``btam_description``,
``btam_guidance``, ``btam_jurisdiction_notes``), so exporting and importing again gives the
same form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from btam_desktop.core.forms.definition import Choice, Field, FormDefinition

__all__ = ["export_xlsform"]

_TEXT_COLUMNS = ("label", "hint", "guidance_hint", "constraint_message", "required_message")
_FIELD_TEXT = {"label": "label", "hint": "hint", "guidance_hint": "guidance",
               "constraint_message": "constraint_message", "required_message": "required_message"}
_XLS_TYPES = {"text": "text", "long_text": "text", "integer": "integer", "decimal": "decimal",
              "date": "date", "time": "time", "datetime": "dateTime", "note": "note",
              "person": "text", "signature": "text"}


def _bool(value: bool) -> str:
    return "yes" if value else ""


class _Writer:
    def __init__(self, form: FormDefinition) -> None:
        self.form = form
        self.languages = list(form.languages)
        self.default = form.default_language or (self.languages[0] if self.languages else None)
        self.rows: list[dict[str, str]] = []
        self.choices: list[dict[str, str]] = []
        self.lists: set[str] = set()
        self.choice_columns: list[str] = []

    def text_columns(self, name: str) -> list[str]:
        if not self.languages:
            return [name]
        return [f"{name}::{language}" for language in self.languages]

    def put_texts(self, row: dict[str, str], column: str, text: str | None,
                  translations: dict[str, str]) -> None:
        if text is None:
            return
        if not self.languages:
            row[column] = text
            return
        for language in self.languages:
            value = text if language == self.default else translations.get(language)
            if value:
                row[f"{column}::{language}"] = value

    def field_texts(self, row: dict[str, str], item: Field) -> None:
        for column, attribute in _FIELD_TEXT.items():
            translations = {lang: texts[attribute] for lang, texts in item.translations.items()
                            if attribute in texts}
            self.put_texts(row, column, getattr(item, attribute), translations)

    def add_list(self, name: str, choices: tuple[Choice, ...]) -> None:
        if name in self.lists:
            return
        self.lists.add(name)
        for choice in choices:
            row = {"list_name": name, "name": choice.name}
            self.put_texts(row, "label", choice.label, dict(choice.translations))
            for key, value in choice.data.items():
                if key not in self.choice_columns:
                    self.choice_columns.append(key)
                row[key] = value
            self.choices.append(row)

    def field(self, item: Field) -> None:
        row: dict[str, str] = {"name": item.id}
        if item.type == "repeat":
            row["type"] = "begin repeat"
            self.field_texts(row, item)
            if item.relevant is not None:
                row["relevant"] = item.relevant.source
            if item.repeat_count is not None:
                row["repeat_count"] = item.repeat_count.source
            for key in ("min_items", "max_items"):
                value = getattr(item, key)
                if value is not None:
                    row[f"btam_{key}"] = str(value)
            if item.item_label:
                row["btam_item_label"] = item.item_label
            if item.required is not False:
                row["required"] = (item.required.source if not isinstance(item.required, bool)
                                   else "yes")
            self.rows.append(row)
            for member in item.fields:
                self.field(member)
            self.rows.append({"type": "end repeat"})
            return
        kind = item.type
        if kind in ("choice", "multi_choice"):
            list_name = item.choice_list or f"{item.id}_choices"
            self.add_list(list_name, item.choices)
            command = "select_one" if kind == "choice" else "select_multiple"
            if item.appearance == "rank":
                command = "rank"
            row["type"] = f"{command} {list_name}"
            if item.choice_list is None:
                row["btam_inline_choices"] = "yes"
            if kind == "choice" and item.choice_names == {"yes", "no", "unknown"}:
                row["btam_type"] = "choice"
        elif kind == "yes_no_unknown":
            self.add_list("yes_no_unknown", (Choice("yes", "Yes"), Choice("no", "No"),
                                             Choice("unknown", "Unknown")))
            row["type"] = "select_one yes_no_unknown"
        elif kind == "rating":
            assert item.scale is not None
            row["type"] = "range"
            row["parameters"] = f"start={item.scale.min} end={item.scale.max} step=1"
            if item.scale.labels:
                row["btam_scale_labels"] = ";".join(
                    f"{k}={v}" for k, v in sorted(item.scale.labels.items()))
        elif item.metadata is not None:
            row["type"] = item.metadata
            if item.type != {"start": "datetime", "end": "datetime", "today": "date"}.get(
                    item.metadata, "text"):
                row["btam_type"] = item.type
        else:
            row["type"] = _XLS_TYPES[kind]
            if kind == "text" and item.text_format is not None:
                row["type"] = item.text_format  # geopoint, image, audio, video, file
            if kind in ("person", "signature"):
                row["btam_type"] = kind
        self.field_texts(row, item)
        if item.required is not False:
            row["required"] = (item.required.source if not isinstance(item.required, bool)
                               else "yes")
        for key in ("relevant", "constraint", "calculation", "choice_filter"):
            expression = getattr(item, key)
            if expression is not None:
                row[key] = expression.source if key != "choice_filter" else _bare_columns(
                    expression.source)
        if item.dynamic_default is not None:
            row["default"] = item.dynamic_default.source
        elif item.default is not None:
            value = item.default
            row["default"] = (" ".join(value) if isinstance(value, tuple | list)
                              else str(value))
        if item.read_only and item.metadata is None:
            row["read_only"] = "yes"
        if item.hidden and item.metadata is None:
            row["btam_hidden"] = "yes"
        appearance = []
        if kind == "long_text":
            appearance.append("multiline")
        if item.appearance and item.appearance != "rank":
            appearance.append(item.appearance)
        if appearance:
            row["appearance"] = " ".join(appearance)
        if item.sensitivity:
            row["sensitivity"] = " ".join(item.sensitivity)
        if item.person_role:
            row["btam_person_role"] = item.person_role
        if item.prefill:
            row["btam_prefill"] = item.prefill
        self.rows.append(row)

    def write(self, path: Path) -> None:
        import openpyxl

        form = self.form
        for section in form.sections:
            row: dict[str, str] = {"type": "begin group", "name": section.id}
            self.put_texts(row, "label", section.title,
                           {k: v["title"] for k, v in section.translations.items()
                            if "title" in v})
            self.put_texts(row, "guidance_hint", section.guidance,
                           {k: v["guidance"] for k, v in section.translations.items()
                            if "guidance" in v})
            if section.relevant is not None:
                row["relevant"] = section.relevant.source
            self.rows.append(row)
            for item in section.fields:
                self.field(item)
            self.rows.append({"type": "end group"})
        for name, choices in form.choice_lists.items():
            self.add_list(name, choices)
        book = openpyxl.Workbook()
        survey = book.active
        survey.title = "survey"
        columns = ["type", "name"]
        for name in _TEXT_COLUMNS:
            columns += self.text_columns(name)
        columns += ["required", "relevant", "constraint", "calculation", "default",
                    "read_only", "appearance", "parameters", "repeat_count", "choice_filter",
                    "sensitivity", "btam_type", "btam_person_role", "btam_item_label",
                    "btam_min_items", "btam_max_items", "btam_scale_labels", "btam_hidden",
                    "btam_inline_choices", "btam_prefill"]
        used = [c for c in columns if any(c in r for r in self.rows) or c in ("type", "name")]
        _append(survey, used, self.rows)
        choices = book.create_sheet("choices")
        _append(choices, ["list_name", "name", *self.text_columns("label"),
                          *self.choice_columns], self.choices)
        settings = book.create_sheet("settings")
        values: dict[str, str] = {"form_id": form.id, "form_title": form.title,
                                  "version": str(form.version)}
        if self.default and self.languages:
            values["default_language"] = self.default
        for key in ("description", "guidance", "jurisdiction_notes"):
            value = getattr(form, key)
            if value is not None:
                values[f"btam_{key}"] = value
        _append(settings, list(values), [values])
        book.save(path)


def _append(sheet: Any, columns: list[str], rows: list[dict[str, str]]) -> None:
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])


def _cell(value: str | None) -> str | None:
    return value


def _bare_columns(source: str) -> str:
    """choice('x') -> x (XLSForm writes choice columns bare in choice_filter)."""
    import re

    return re.sub(r"choice\('([A-Za-z_][A-Za-z0-9_]*)'\)", r"\1", source)


def export_xlsform(form: FormDefinition, path: Path | str) -> Path:
    """Write ``form`` as an XLSForm workbook at ``path`` (.xlsx) and return the path."""
    target = Path(path)
    _Writer(form).write(target)
    return target
