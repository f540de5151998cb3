"""Importing a filled copy of a blank fillable PDF back into a case as a draft.

Steps: open the file without trusting it (:mod:`~btam_desktop.core.pdf.safety`); find which
form version it was made from (``BTAM-Form`` in the document information or the hidden
field) and refuse another form, a version this vault does not have, or a file whose fields
do not match that version exactly; read every field into an ANSWERS mapping of the shapes in
``docs/form-format.md``; validate against that version (``complete=False``); and store a
draft. Nothing a partner typed is silently dropped: a value that cannot be stored as its
type (a date written 3/14/26, a name that matches nobody on the case, half a signature) is
left out of the draft and listed as a problem with what was typed, so the officer can enter
it; values that only break a rule (a constraint) are kept and listed. The draft can be
completed in the app once the problems are dealt with.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject

from btam_desktop.core.errors import NotFound
from btam_desktop.core.forms import AnswerProblem, Field, FormDefinition, validate_answers
from btam_desktop.core.model import CasePerson
from btam_desktop.core.pdf.errors import PdfRefused
from btam_desktop.core.pdf.fieldnames import (
    FORM_KEY_FIELD,
    SIGNATURE_PARTS,
    choice_options,
    pdf_fields,
    question_numbers,
)
from btam_desktop.core.pdf.safety import MAX_FIELDS, open_untrusted, read_untrusted

if TYPE_CHECKING:
    from btam_desktop.core.session import Session

__all__ = ["FilledPdf", "ImportProblem", "ImportResult", "import_filled_pdf", "read_filled_pdf"]

MAX_VALUE_CHARS = 100_000
_KEY = re.compile(r"^([a-z][a-z0-9_]{1,63})@([1-9][0-9]{0,5})$")
_PLACEHOLDER = "-"
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$")
_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_DROP_CODES = frozenset({"type", "person", "unknown_field", "answers"})


@dataclass(frozen=True)
class ImportProblem:
    """One thing the officer should look at: where (question number and label) and what."""

    path: str
    question: str
    message: str

    def __str__(self) -> str:
        return f"{self.question}: {self.message}"

    def to_json(self) -> dict[str, str]:
        """Stable keys for ``--json``."""
        return {"path": self.path, "question": self.question, "message": self.message}


@dataclass(frozen=True)
class ImportResult:
    """A filled PDF stored as a draft submission, with every problem found."""

    submission_id: str
    case_id: str
    form_id: str
    form_version: int
    answered: int
    problems: tuple[ImportProblem, ...]

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {"submission_id": self.submission_id, "case_id": self.case_id,
                "form_id": self.form_id, "form_version": self.form_version,
                "status": "draft", "answered": self.answered,
                "problems": [p.to_json() for p in self.problems]}


@dataclass(frozen=True)
class FilledPdf:
    """What a checked filled PDF says: its form id and version, and every field value."""

    form_id: str
    form_version: int
    fingerprint: str | None
    values: Mapping[str, str | list[str] | None]


def _text_value(raw: Any) -> str | list[str] | None:
    if raw is None:
        return None
    if isinstance(raw, ArrayObject):
        return [str(v) for v in raw]
    # A string pypdf could not decode as text arrives as bytes: read it as Latin-1 rather
    # than printing Python's b'...' form into an answer.
    text = bytes(raw).decode("latin-1") if isinstance(raw, bytes) else str(raw)
    if len(text) > MAX_VALUE_CHARS:
        raise PdfRefused(f"a field holds more than {MAX_VALUE_CHARS} characters")
    return text


def _form_key(reader: PdfReader, values: Mapping[str, Any]) -> tuple[str, int, str | None]:
    info: Mapping[str, Any] = reader.metadata or {}
    from_info = info.get("/BTAM-Form")
    from_field = values.get(FORM_KEY_FIELD)
    keys = {str(k).strip() for k in (from_info, from_field) if isinstance(k, str) and k}
    if not keys:
        raise PdfRefused(
            "this PDF is not a BTAM fillable form (it does not say which form it is); "
            "only blank forms made by BTAM Desktop (`btam pdf blank`) can be imported")
    if len(keys) > 1:
        raise PdfRefused("this PDF names two different forms inside; it has been altered")
    key = keys.pop()
    match = _KEY.match(key)
    if match is None:
        raise PdfRefused(f"this PDF names an unreadable form ({key[:80]!r})")
    fingerprint = info.get("/BTAM-Form-SHA256")
    return match.group(1), int(match.group(2)), str(fingerprint) if fingerprint else None


def read_filled_pdf(data: bytes, name: str = "the file") -> FilledPdf:
    """Check untrusted bytes and read their form key and field values."""
    reader = open_untrusted(data, name)
    try:
        fields = reader.get_fields() or {}
        if len(fields) > MAX_FIELDS:
            raise PdfRefused(f"{name} has {len(fields)} form fields; a BTAM form has at "
                             f"most {MAX_FIELDS}")
        values = {str(k): _text_value(f.get("/V")) for k, f in fields.items()
                  if f.get("/FT") is not None}
        form_id, version, fingerprint = _form_key(reader, values)
    except PdfRefused:
        raise
    except Exception:  # malformed field trees are "damaged", not a crash
        raise PdfRefused(f"{name} is damaged: its form fields cannot be read") from None
    return FilledPdf(form_id, version, fingerprint, values)


# -- turning field values into answers --------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace(",", " ").split()).casefold()


def _person_keys(link: CasePerson) -> set[str]:
    person = link.person
    given, family = person.given_names.strip(), person.family_name.strip()
    names = {f"{given} {family}", f"{family} {given}", *person.aliases}
    return {_fold(n) for n in names if n.strip()}


class _Reader:
    """Converts one form's PDF field values to typed answers, collecting problems."""

    def __init__(self, form: FormDefinition, values: Mapping[str, Any],
                 persons: Sequence[CasePerson]) -> None:
        self.form = form
        self.values = values
        self.persons = persons
        self.numbers = question_numbers(form)
        self.problems: list[ImportProblem] = []
        self.by_name = {spec.name: spec for spec in pdf_fields(form)}

    def where(self, item: Field, repeat: Field | None, row: int | None,
              word: str = "row") -> str:
        """"5.2 Weapons, row 2: Type" (``word`` "item" for positions in the stored draft,
        which skips empty rows)."""
        number = self.numbers.get(item.id, "")
        if repeat is not None:
            at = f", {word} {row}" if row is not None else ""
            return f"{number} {repeat.label}{at}: {item.label}".strip()
        return f"{number} {item.label}".strip()

    def problem(self, item: Field, repeat: Field | None, row: int | None, path: str,
                message: str) -> None:
        self.problems.append(ImportProblem(path, self.where(item, repeat, row), message))

    def raw(self, name: str) -> str:
        value = self.values.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        text = "" if value is None else str(value)
        if text.startswith("/"):
            text = text[1:]  # radio and check box states are PDF names
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        return "" if text in (_PLACEHOLDER, "Off") else text

    def value(self, item: Field, prefix: str, repeat: Field | None, row: int | None,
              path: str) -> Any:
        """The typed answer for one question, or None (unanswered or unusable)."""
        if item.type == "multi_choice":
            chosen = [c.name for c in item.choices
                      if self.raw(f"{prefix}{item.id}.{c.name}")]
            return chosen or None
        if item.type == "signature":
            parts = {p: self.raw(f"{prefix}{item.id}.{p}") for p in SIGNATURE_PARTS}
            if not any(parts.values()):
                return None
            if all(parts.values()) and _iso_date(parts["date"]):
                return {**parts, "date": _iso_date(parts["date"])}
            typed = ", ".join(f"{k} {v!r}" for k, v in parts.items() if v)
            self.problem(item, repeat, row, path,
                         "a signature needs name, badge and a date as YYYY-MM-DD; left empty "
                         f"(typed: {typed})")
            return None
        text = self.raw(f"{prefix}{item.id}")
        if not text:
            return None
        converted, message = self.convert(item, text)
        if message:
            self.problem(item, repeat, row, path, f"{message}; left empty (typed: {text!r})")
            return None
        return converted

    def convert(self, item: Field, text: str) -> tuple[Any, str | None]:
        kind = item.type
        if kind in ("text", "long_text"):
            return text, None
        if kind == "integer":
            compact = text.replace(" ", "")
            return (int(compact), None) if _INTEGER.match(compact) else (
                None, "not a whole number")
        if kind == "decimal":
            compact = text.replace(" ", "")
            if not _DECIMAL.match(compact):
                return None, "not a number"
            number = float(compact.replace(",", "."))
            return (int(number) if number.is_integer() else number), None
        if kind == "date":
            iso = _iso_date(text)
            return (iso, None) if iso else (None, "write dates as YYYY-MM-DD")
        if kind == "time":
            match = _TIME.match(text)
            return (f"{int(match.group(1)):02d}:{match.group(2)}", None) if match else (
                None, "write times as HH:MM (24-hour)")
        if kind == "datetime":
            return _iso_datetime(text)
        if kind in ("choice", "yes_no_unknown", "rating"):
            return self.choice(item, text)
        if kind == "person":
            return self.person(text)
        return text, None

    def choice(self, item: Field, text: str) -> tuple[Any, str | None]:
        options = dict(choice_options(item))
        name = text if text in options else next(
            (n for n, label in options.items() if _fold(label) == _fold(text)), None)
        if name is None:
            return None, "not one of the choices"
        return (int(name) if item.type == "rating" else name), None

    def person(self, text: str) -> tuple[Any, str | None]:
        wanted = _fold(text)
        matches = {link.person.id for link in self.persons if wanted in _person_keys(link)}
        if len(matches) == 1:
            return matches.pop(), None
        if not matches:
            return None, "no person of that name is on this case"
        return None, "the name matches several people on this case"

    def answers(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for item in self.form.iter_fields(members=False):
            if item.type == "note" or item.is_computed:
                continue
            if item.type != "repeat":
                value = self.value(item, "", None, None, item.id)
                if value is not None:
                    result[item.id] = value
                continue
            rows = sorted({s.row for s in self.by_name.values()
                           if s.repeat is item and s.row is not None})
            entries: list[dict[str, Any]] = []
            for row in rows:
                entry: dict[str, Any] = {}
                for member in item.fields:
                    if member.type == "note" or member.is_computed:
                        continue
                    path = f"{item.id}[{len(entries)}].{member.id}"
                    value = self.value(member, f"{item.id}.{row}.", item, row, path)
                    if value is not None:
                        entry[member.id] = value
                if entry:  # unused rows are simply empty
                    entries.append(entry)
            if entries:
                result[item.id] = entries
        return result


def _iso_date(text: str) -> str | None:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat() if re.match(
            r"^\d{4}-\d{2}-\d{2}$", text.strip()) else None
    except ValueError:
        return None


def _iso_datetime(text: str) -> tuple[str | None, str | None]:
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[ T]([01]?\d|2[0-3]):([0-5]\d)$", text.strip())
    if match and _iso_date(match.group(1)):
        return f"{match.group(1)}T{int(match.group(2)):02d}:{match.group(3)}", None
    return None, "write date and time as YYYY-MM-DD HH:MM"


def _drop(answers: dict[str, Any], path: str) -> None:
    """Remove the value at a problem path ("field" or "repeat[i].member")."""
    match = re.match(r"^([a-z][a-z0-9_]*)\[(\d+)\]\.([a-z][a-z0-9_]*)$", path)
    if match:
        items = answers.get(match.group(1))
        index = int(match.group(2))
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            items[index].pop(match.group(3), None)
        return
    answers.pop(path, None)


def answers_from_pdf(form: FormDefinition, filled: FilledPdf,
                     persons: Sequence[CasePerson]) -> tuple[dict[str, Any],
                                                             list[ImportProblem]]:
    """Answers read from a filled PDF of ``form`` plus every problem; PdfRefused when the
    file's fields are not exactly this form version's fields."""
    expected = {spec.name for spec in pdf_fields(form)}
    present = set(filled.values) - {FORM_KEY_FIELD}
    if present != expected:
        extra, missing = len(present - expected), len(expected - present)
        raise PdfRefused(
            f"the fields in this PDF do not match {form.id} version {form.version} "
            f"({extra} unexpected, {missing} missing); it was not made from this form's "
            "blank PDF, or it was edited")
    reader = _Reader(form, filled.values, persons)
    answers = reader.answers()
    checked: list[AnswerProblem] = validate_answers(
        form, answers, False, today=dt.date.today(),
        person_ids=[link.person.id for link in persons])
    problems = list(reader.problems)
    for problem in checked:
        field = form.fields_by_id.get(problem.field_id or "")
        repeat = form.repeat_of(field.id) if field is not None else None
        index = re.search(r"\[(\d+)\]", problem.path)
        item_no = int(index.group(1)) + 1 if index else None
        question = (reader.where(field, repeat, item_no, "item") if field is not None
                    else problem.path)
        if problem.code in _DROP_CODES:
            _drop(answers, problem.path)
            message = f"{problem.message}; left empty"
        else:
            message = f"{problem.message} (kept in the draft)"
        problems.append(ImportProblem(problem.path, question, message))
    return answers, problems


def import_filled_pdf(session: Session, path: Path, case: str, *,
                      expected_form: str | None = None) -> ImportResult:
    """Store a filled PDF as a draft on ``case``; refused (PdfRefused) when the file is
    unsafe, not a BTAM form, another form than ``expected_form``, or a form version this
    vault does not have."""
    path = Path(path)
    case_id = session.store.resolve_case_id(case)
    filled = read_filled_pdf(read_untrusted(path), path.name)
    if expected_form and filled.form_id != expected_form:
        raise PdfRefused(f"{path.name} is the {filled.form_id} form, not {expected_form}")
    try:
        form = session.forms.definition(filled.form_id, filled.form_version)
    except NotFound:
        raise PdfRefused(
            f"{path.name} is form {filled.form_id} version {filled.form_version}, which this "
            "vault does not have; import that form version first or use a current blank"
        ) from None
    if filled.fingerprint and filled.fingerprint != form.fingerprint():
        raise PdfRefused(
            f"{path.name} was made from a different definition of {form.id} version "
            f"{form.version} than this vault's; print a new blank form from this vault")
    persons = session.store.case_persons(case_id)
    answers, problems = answers_from_pdf(form, filled, persons)
    with session.operation("pdf.import") as op:
        sub = session.submissions.create(case_id, form.id, answers, strict=False,
                                         form_version=form.version)
        op.audit("import", "case", case_id, submission=sub.id, form=form.id,
                 version=form.version, problems=len(problems))
    return ImportResult(sub.id, case_id, form.id, form.version, len(answers),
                        tuple(problems))
