"""The contract between a blank fillable PDF and its import: which PDF form fields a form
version has, what they are called and what kind of widget each is.

Names encode the field id, the repeat row (1-based) and, for check boxes and signatures,
the part: ``poc_is_minor``, ``comms_channels.in_person``, ``weapons.2.weapon_type``,
``approved_by.badge``. In the PDF the dots are a real field hierarchy (``weapons`` > ``2`` >
``weapon_type``), as the PDF standard requires, so every viewer reports these full names.

Both the writer and the importer derive the list from the form definition with
:func:`pdf_fields`, so they cannot disagree.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from btam_desktop.core.forms import Field, FormDefinition
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS

__all__ = [
    "FORM_KEY_FIELD",
    "MAX_RADIO_CHOICES",
    "SIGNATURE_PARTS",
    "YES_NO_UNKNOWN",
    "PdfField",
    "choice_options",
    "nest_field_names",
    "pdf_fields",
    "question_numbers",
    "repeat_rows",
    "widget_kind",
]

# Hidden, read-only field carrying "form_id@version": form-filling programs keep field
# values even when they rewrite the document information dictionary.
FORM_KEY_FIELD = "_btam_form"
MAX_RADIO_CHOICES = 6
DEFAULT_REPEAT_ROWS = 3
MAX_RATING_RADIOS = 11
SIGNATURE_PARTS = ("name", "badge", "date")
# Words printed for yes/no/unknown answers (and offered on blank forms).
YES_NO_UNKNOWN = {"yes": "Yes", "no": "No", "unknown": "Unknown"}


@dataclass(frozen=True)
class PdfField:
    """One PDF form field: its full name, widget kind and the question it answers."""

    name: str
    kind: str  # text | multiline | radio | combo | person | check
    field: Field
    repeat: Field | None = None
    row: int | None = None  # 1-based repeat row
    part: str | None = None  # choice name (check) or signature part


def repeat_rows(item: Field) -> int:
    """How many fixed rows a repeat gets on paper: 3 (or ``min_items`` if more), never
    more than ``max_items``."""
    rows = max(DEFAULT_REPEAT_ROWS, item.min_items or 0)
    if item.max_items is not None:
        rows = min(rows, item.max_items)
    return max(rows, 1)


def widget_kind(item: Field, *, in_table: bool = False) -> str:
    """The widget for a single-valued question (not multi_choice/signature/repeat/note)."""
    kind = item.type
    if kind == "long_text":
        return "multiline"
    if kind == "person":
        return "person"
    if kind == "yes_no_unknown":
        return "combo" if in_table else "radio"
    if kind == "choice":
        return "radio" if len(item.choices) <= MAX_RADIO_CHOICES and not in_table else "combo"
    if kind == "rating" and item.scale is not None:
        points = item.scale.max - item.scale.min + 1
        return "radio" if points <= MAX_RATING_RADIOS and not in_table else "combo"
    return "text"


def is_tabular(item: Field) -> bool:
    """Whether a repeat prints as a table (few, simple columns) rather than item blocks."""
    members = [m for m in item.fields if m.type != "note" and not m.is_computed]
    simple = {"text", "integer", "decimal", "date", "time", "datetime", "choice",
              "yes_no_unknown", "person"}
    return 0 < len(members) <= 4 and all(m.type in simple for m in members)


def _fields_of(item: Field, prefix: str, repeat: Field | None, row: int | None,
               in_table: bool) -> list[PdfField]:
    if item.type == "note" or item.is_computed or item.type == "repeat":
        return []
    if item.text_format in MEDIA_FORMATS:
        return []  # a file, not typed text: sent with the form and attached by the team
    if item.type == "multi_choice":
        return [PdfField(f"{prefix}{item.id}.{c.name}", "check", item, repeat, row, c.name)
                for c in item.choices]
    if item.type == "signature":
        return [PdfField(f"{prefix}{item.id}.{part}", "text", item, repeat, row, part)
                for part in SIGNATURE_PARTS]
    return [PdfField(f"{prefix}{item.id}", widget_kind(item, in_table=in_table), item,
                     repeat, row)]


def pdf_fields(form: FormDefinition) -> list[PdfField]:
    """Every fillable field of the blank PDF of ``form``, in page order."""
    found: list[PdfField] = []
    for item in form.iter_fields(members=False):
        if item.type != "repeat":
            found += _fields_of(item, "", None, None, False)
            continue
        table = is_tabular(item)
        for row in range(1, repeat_rows(item) + 1):
            for member in item.fields:
                found += _fields_of(member, f"{item.id}.{row}.", item, row, table)
    return found


def question_numbers(form: FormDefinition) -> dict[str, str]:
    """"section.question" numbers by field id (notes and hidden fields are not numbered;
    repeat members share their repeat's number). The same numbers print on blank, filled and
    redacted copies, so "question 5.3" means one thing everywhere."""
    numbers: dict[str, str] = {}
    for s_index, section in enumerate(form.sections, start=1):
        q_index = 0
        for item in section.fields:
            # Hidden fields (calculations without a label, metadata) are never shown as
            # questions, so they take no number: no gap an officer could not explain.
            if item.type == "note" or (item.hidden and not item.is_repeat):
                continue
            q_index += 1
            numbers[item.id] = f"{s_index}.{q_index}"
            for member in item.fields:
                numbers[member.id] = numbers[item.id]
    return numbers


def choice_options(item: Field) -> list[tuple[str, str]]:
    """(name, label) pairs of a choice-like question (choice, yes/no/unknown, rating)."""
    if item.type == "yes_no_unknown":
        return list(YES_NO_UNKNOWN.items())
    if item.type == "rating" and item.scale is not None:
        scale = item.scale
        return [(str(p), f"{p}" + (f" {scale.label_for(p)}" if scale.label_for(p) else ""))
                for p in range(scale.min, scale.max + 1)]
    return [(c.name, c.label) for c in item.choices]


def nest_field_names(data: bytes) -> bytes:
    """Turn flat "a.1.b" field names into the field tree a → 1 → b (see module docs)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    acro = cast(DictionaryObject, writer._root_object["/AcroForm"].get_object())
    top = ArrayObject()
    nodes: dict[tuple[str, ...], tuple[IndirectObject, ArrayObject]] = {}

    def node(path: tuple[str, ...]) -> tuple[IndirectObject, ArrayObject]:
        """The (reference, kids) of the non-terminal field at ``path``, made on demand."""
        if path in nodes:
            return nodes[path]
        kids = ArrayObject()
        entry = DictionaryObject({NameObject("/T"): TextStringObject(path[-1]),
                                  NameObject("/Kids"): kids})
        ref = writer._add_object(entry)
        if len(path) == 1:
            top.append(ref)
        else:
            parent, siblings = node(path[:-1])
            entry[NameObject("/Parent")] = parent
            siblings.append(ref)
        nodes[path] = (ref, kids)
        return nodes[path]

    for ref in cast(ArrayObject, acro["/Fields"].get_object()):
        field = cast(DictionaryObject, ref.get_object())
        parts = tuple(str(field["/T"]).split("."))
        if len(parts) == 1:
            top.append(ref)
            continue
        parent, siblings = node(parts[:-1])
        field[NameObject("/T")] = TextStringObject(parts[-1])
        field[NameObject("/Parent")] = parent
        siblings.append(ref)
    acro[NameObject("/Fields")] = top
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
