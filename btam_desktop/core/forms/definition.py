"""Immutable form definitions built from validated documents, and their loaders.

A :class:`FormDefinition` is only ever built from a document that passed
:func:`~btam_desktop.core.forms.validate.validate_definition`, so the rest of the
application can rely on it: every reference resolves, every expression parses (each is
parsed once, here, and kept with its compiled evaluator), every choice list exists.

Definitions round-trip to a canonical dict / JSON text that is self-contained: shared choice
lists a form uses are copied into its ``choice_lists``, so the vault can store the exact
definition a submission was made with and rebuild it later without the pack.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from btam_desktop.core.forms.documents import DOCUMENT_SUFFIXES, read_document
from btam_desktop.core.forms.errors import DefinitionProblem, FormDefinitionError
from btam_desktop.core.forms.expr import Expression
from btam_desktop.core.forms.schema import FORMAT_MARKER, normalize_keys
from btam_desktop.core.forms.validate import validate_choice_lists, validate_definition

__all__ = [
    "SHARED_CHOICE_FILES",
    "Choice",
    "Field",
    "FormDefinition",
    "FormPack",
    "FrozenMap",
    "RatingScale",
    "Section",
    "load_choice_lists",
    "load_form",
]

SHARED_CHOICE_FILES = ("choice_lists.yaml", "choice_lists.yml", "choice_lists.json")
_NOT_FORMS = frozenset({"form.schema.json", *SHARED_CHOICE_FILES})

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only, hashable, picklable mapping (``types.MappingProxyType`` is neither
    hashable nor picklable), so definitions stay immutable yet can be hashed, copied and sent
    between processes. Values must be hashable for ``hash()`` to work."""

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._data: dict[K, V] = dict(items)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (FrozenMap, (self._data,))


@dataclass(frozen=True)
class Choice:
    """One option of a choice list: ``name`` is stored in answers, ``label`` is shown."""

    name: str
    label: str
    # Label in other languages (language -> text), see FormDefinition.languages.
    translations: Mapping[str, str] = field(default_factory=FrozenMap)
    # Other columns of the choice (XLSForm choices sheet), read by choice('column') in a
    # field's choice_filter.
    data: Mapping[str, str] = field(default_factory=FrozenMap)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"name": self.name, "label": self.label}
        if self.translations:
            result["translations"] = dict(self.translations)
        if self.data:
            result["data"] = dict(self.data)
        return result

    def in_language(self, language: str) -> Choice:
        label = self.translations.get(language)
        return self if label is None else replace(self, label=label)


@dataclass(frozen=True)
class RatingScale:
    """Integer scale of a ``rating`` field, with optional labels for some points."""

    min: int
    max: int
    labels: Mapping[int, str] = field(default_factory=FrozenMap)

    def label_for(self, point: int) -> str | None:
        return self.labels.get(point)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"min": self.min, "max": self.max}
        if self.labels:
            result["labels"] = {str(k): v for k, v in sorted(self.labels.items())}
        return result


@dataclass(frozen=True)
class Field:
    """One question (or note, repeat group, signature) of a form.

    ``choices`` holds the resolved options for choice types; ``choice_list`` the list name
    when the definition referred to one by name. ``fields`` are a repeat's members.
    """

    id: str
    type: str
    label: str
    hint: str | None = None
    guidance: str | None = None
    required: bool | Expression = False
    default: Any = field(default=None, hash=False)
    relevant: Expression | None = None
    constraint: Expression | None = None
    constraint_message: str | None = None
    calculation: Expression | None = None
    read_only: bool = False
    sensitivity: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    choice_list: str | None = None
    scale: RatingScale | None = None
    person_role: str | None = None
    fields: tuple[Field, ...] = ()
    min_items: int | None = None
    max_items: int | None = None
    item_label: str | None = None
    # Texts in other languages: language -> {label, hint, guidance, constraint_message,
    # required_message, item_label}.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=FrozenMap)
    required_message: str | None = None
    # An expression evaluated once when a submission (or a repeat item) is started.
    dynamic_default: Expression | None = None
    # Choice types: which choices are offered (choice('column') reads the choice's data).
    choice_filter: Expression | None = None
    # text: "geopoint" (typed coordinates "lat lon [altitude [accuracy]]").
    text_format: str | None = None
    # Filled in automatically: start, end, today, deviceid, username.
    metadata: str | None = None
    # Not shown as a question (computed or metadata values are still kept).
    hidden: bool = False
    # How a desktop view shows the field: minimal, likert, horizontal, month-year, year, rank.
    appearance: str | None = None
    # repeat: the number of items, as an expression.
    repeat_count: Expression | None = None
    # Where a new submission's answer comes from on the case (core/forms/prefill.py).
    prefill: str | None = None

    @property
    def is_computed(self) -> bool:
        """True when the value comes from ``calculation`` (always read-only)."""
        return self.calculation is not None

    @property
    def is_repeat(self) -> bool:
        return self.type == "repeat"

    @property
    def choice_names(self) -> frozenset[str]:
        return frozenset(choice.name for choice in self.choices)

    def descendants(self) -> Iterator[Field]:
        """A repeat's members, each followed by those of a repeat inside it (any depth), in
        declaration order; nothing for any other field."""
        for member in self.fields:
            yield member
            yield from member.descendants()

    def to_dict(self) -> dict[str, Any]:
        """Canonical dict: defaults (false/empty/absent) are omitted."""
        result: dict[str, Any] = {"id": self.id, "type": self.type, "label": self.label}
        for name in (
            "hint",
            "guidance",
            "constraint_message",
            "required_message",
            "person_role",
            "item_label",
            "text_format",
            "metadata",
            "appearance",
            "prefill",
        ):
            value = getattr(self, name)
            if value is not None:
                result[name] = value
        if self.required is not False:
            result["required"] = (
                self.required.source if isinstance(self.required, Expression) else True
            )
        if self.default is not None:
            result["default"] = (
                list(self.default) if isinstance(self.default, tuple) else self.default
            )
        for name in (
            "relevant",
            "constraint",
            "calculation",
            "dynamic_default",
            "choice_filter",
            "repeat_count",
        ):
            expression = getattr(self, name)
            if expression is not None:
                result[name] = expression.source
        if self.read_only:
            result["read_only"] = True
        if self.hidden:
            result["hidden"] = True
        if self.translations:
            result["translations"] = {k: dict(v) for k, v in self.translations.items()}
        if self.sensitivity:
            result["sensitivity"] = list(self.sensitivity)
        if self.choice_list is not None:
            result["choices"] = self.choice_list
        elif self.choices:
            result["choices"] = [choice.to_dict() for choice in self.choices]
        if self.scale is not None:
            result["scale"] = self.scale.to_dict()
        if self.fields:
            result["fields"] = [member.to_dict() for member in self.fields]
        for name in ("min_items", "max_items"):
            value = getattr(self, name)
            if value is not None:
                result[name] = value
        return result

    def in_language(self, language: str) -> Field:
        """This field with its texts (and its choices' labels) in ``language``."""
        texts = self.translations.get(language, {})
        changes: dict[str, Any] = {
            name: texts[name]
            for name in _FIELD_TEXTS
            if name in texts and (name != "label" or texts[name].strip())
        }
        if self.choices:
            changes["choices"] = tuple(c.in_language(language) for c in self.choices)
        if self.fields:
            changes["fields"] = tuple(m.in_language(language) for m in self.fields)
        return replace(self, **changes) if changes else self


_FIELD_TEXTS = ("label", "hint", "guidance", "constraint_message", "required_message", "item_label")


@dataclass(frozen=True)
class Section:
    """A titled group of fields, optionally shown only when ``relevant`` holds."""

    id: str
    title: str
    fields: tuple[Field, ...]
    guidance: str | None = None
    relevant: Expression | None = None
    # language -> {title, guidance}
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=FrozenMap)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.guidance is not None:
            result["guidance"] = self.guidance
        if self.relevant is not None:
            result["relevant"] = self.relevant.source
        if self.translations:
            result["translations"] = {k: dict(v) for k, v in self.translations.items()}
        result["fields"] = [f.to_dict() for f in self.fields]
        return result

    def in_language(self, language: str) -> Section:
        texts = self.translations.get(language, {})
        changes: dict[str, Any] = {n: texts[n] for n in ("title", "guidance") if n in texts}
        changes["fields"] = tuple(f.in_language(language) for f in self.fields)
        return replace(self, **changes)


@dataclass(frozen=True)
class FormDefinition:
    """A complete, validated form definition (format ``btam-form/1``)."""

    format: ClassVar[str] = FORMAT_MARKER

    id: str
    version: int
    title: str
    sections: tuple[Section, ...]
    description: str | None = None
    guidance: str | None = None
    jurisdiction_notes: str | None = None
    # Local lists plus every shared list the form uses (see the module docstring).
    choice_lists: Mapping[str, tuple[Choice, ...]] = field(default_factory=FrozenMap)
    # Languages the texts are given in (the first texts are in default_language).
    languages: tuple[str, ...] = ()
    default_language: str | None = None
    # Per-definition cache for derived data (field index, evaluation plan). Not compared.
    _cache: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __getstate__(self) -> dict[str, Any]:
        # The cache holds compiled closures; it is rebuilt on demand after unpickling.
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__["_cache"] = {}

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_dict(
        cls, data: object, *, shared_choice_lists: Mapping[str, Any] | None = None
    ) -> FormDefinition:
        """Validate ``data`` and build the definition; raises :class:`FormDefinitionError`."""
        problems = validate_definition(data, shared_choice_lists=shared_choice_lists)
        if problems:
            raise FormDefinitionError(problems)
        return _build(normalize_keys(data), shared_choice_lists or {})

    @classmethod
    def from_json(cls, text: str) -> FormDefinition:
        """Rebuild a definition from :meth:`to_json` output (e.g. as stored in the vault)."""
        return cls.from_dict(json.loads(text))

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Canonical, self-contained dict (valid input for :meth:`from_dict`)."""
        result: dict[str, Any] = {
            "format": self.format,
            "id": self.id,
            "version": self.version,
            "title": self.title,
        }
        for name in ("description", "guidance", "jurisdiction_notes"):
            value = getattr(self, name)
            if value is not None:
                result[name] = value
        if self.languages:
            result["languages"] = list(self.languages)
        if self.default_language is not None:
            result["default_language"] = self.default_language
        if self.choice_lists:
            result["choice_lists"] = {
                name: [choice.to_dict() for choice in choices]
                for name, choices in self.choice_lists.items()
            }
        result["sections"] = [section.to_dict() for section in self.sections]
        return result

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no insignificant whitespace, UTF-8 text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of :meth:`to_json`: identifies the exact definition."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    def in_language(self, language: str | None) -> FormDefinition:
        """The same form with every text in ``language`` where the form has it (a text
        not translated stays in the default language). Ids, names and rules are unchanged,
        so answers and validation are the same; only what is shown differs."""
        if language is None or language == self.default_language or (
            language not in self.languages
        ):
            return self
        return replace(
            self,
            sections=tuple(s.in_language(language) for s in self.sections),
            choice_lists=FrozenMap(
                {
                    n: tuple(c.in_language(language) for c in cs)
                    for n, cs in self.choice_lists.items()
                }
            ),
        )

    def language_named(self, text: str) -> str:
        """The form language ``text`` names: the language as written (``Español (es)``),
        its code (``es``) or its name (``Español``), case-insensitively. ValueError naming
        the form's languages when it names none of them."""
        wanted = text.strip().casefold()
        for language in self.languages:
            name, _, code = language.partition("(")
            code = code.rstrip(")").strip()
            if wanted in (language.casefold(), name.strip().casefold(), code.casefold()):
                return language
        offered = ", ".join(self.languages) if self.languages else "only its default language"
        raise ValueError(f"the form {self.id} has no language '{text}' (it has {offered})")

    # -- lookup ---------------------------------------------------------------------------
    @property
    def fields_by_id(self) -> Mapping[str, Field]:
        """Every field, repeat members included, by id (in declaration order)."""
        cached = self._cache.get("fields_by_id")
        if cached is None:
            cached = FrozenMap({f.id: f for f in self.iter_fields()})
            self._cache["fields_by_id"] = cached
        result: Mapping[str, Field] = cached
        return result

    def field(self, field_id: str) -> Field:
        """The field with ``field_id`` (KeyError if none)."""
        return self.fields_by_id[field_id]

    def section(self, section_id: str) -> Section:
        """The section with ``section_id`` (KeyError if none)."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def iter_fields(self, *, members: bool = True) -> Iterator[Field]:
        """Fields in declaration order; a repeat's members (and theirs, for a repeat inside a
        repeat) follow it unless ``members=False``."""

        for section in self.sections:
            for item in section.fields:
                yield item
                if members:
                    yield from item.descendants()

    def repeat_of(self, field_id: str) -> Field | None:
        """The repeat a member field directly belongs to (the inner one, for a field of a
        repeat inside a repeat), or None for a top-level field."""
        owners = self._cache.get("repeat_of")
        if owners is None:
            owners = {m.id: f for f in self.iter_fields() for m in f.fields}
            self._cache["repeat_of"] = owners
        owner: Field | None = owners.get(field_id)
        return owner
        return None


# -- building ------------------------------------------------------------------------------


def _choices(raw: list[dict[str, Any]]) -> tuple[Choice, ...]:
    return tuple(
        Choice(
            c["name"],
            c["label"],
            FrozenMap(c.get("translations", {})),
            FrozenMap(c.get("data", {})),
        )
        for c in raw
    )


def _translations(raw: Mapping[str, Mapping[str, str]] | None) -> FrozenMap[str, Any]:
    return FrozenMap({lang: FrozenMap(texts) for lang, texts in (raw or {}).items()})


def _expression(raw: object) -> Expression | None:
    return Expression(raw) if isinstance(raw, str) else None


def _build(data: Any, shared: Mapping[str, Any]) -> FormDefinition:
    local: dict[str, tuple[Choice, ...]] = {
        name: _choices(items) for name, items in data.get("choice_lists", {}).items()
    }
    lists = dict(local)

    def resolve(spec: dict[str, Any]) -> tuple[tuple[Choice, ...], str | None]:
        raw = spec.get("choices")
        if raw is None:
            return (), None
        if isinstance(raw, str):
            if raw not in lists:
                lists[raw] = _choices(shared[raw])
            return lists[raw], raw
        return _choices(raw), None

    def build_field(spec: dict[str, Any]) -> Field:
        choices, list_name = resolve(spec)
        required = spec.get("required", False)
        scale = spec.get("scale")
        default = spec.get("default")
        return Field(
            id=spec["id"],
            type=spec["type"],
            label=spec["label"],
            hint=spec.get("hint"),
            guidance=spec.get("guidance"),
            required=Expression(required) if isinstance(required, str) else bool(required),
            default=tuple(default) if isinstance(default, list) else default,
            relevant=_expression(spec.get("relevant")),
            constraint=_expression(spec.get("constraint")),
            constraint_message=spec.get("constraint_message"),
            calculation=_expression(spec.get("calculation")),
            read_only=bool(spec.get("read_only", False)),
            sensitivity=tuple(spec.get("sensitivity", ())),
            choices=choices,
            choice_list=list_name,
            scale=None
            if scale is None
            else RatingScale(
                scale["min"],
                scale["max"],
                FrozenMap({int(k): v for k, v in scale.get("labels", {}).items()}),
            ),
            person_role=spec.get("person_role"),
            fields=tuple(build_field(member) for member in spec.get("fields", ())),
            min_items=spec.get("min_items"),
            max_items=spec.get("max_items"),
            item_label=spec.get("item_label"),
            translations=_translations(spec.get("translations")),
            required_message=spec.get("required_message"),
            dynamic_default=_expression(spec.get("dynamic_default")),
            choice_filter=_expression(spec.get("choice_filter")),
            text_format=spec.get("text_format"),
            metadata=spec.get("metadata"),
            hidden=bool(spec.get("hidden", False)),
            appearance=spec.get("appearance"),
            repeat_count=_expression(spec.get("repeat_count")),
            prefill=spec.get("prefill"),
        )

    sections = tuple(
        Section(
            id=s["id"],
            title=s["title"],
            fields=tuple(build_field(f) for f in s["fields"]),
            guidance=s.get("guidance"),
            relevant=_expression(s.get("relevant")),
            translations=_translations(s.get("translations")),
        )
        for s in data["sections"]
    )
    return FormDefinition(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        sections=sections,
        description=data.get("description"),
        guidance=data.get("guidance"),
        jurisdiction_notes=data.get("jurisdiction_notes"),
        choice_lists=FrozenMap(lists),
        languages=tuple(data.get("languages", ())),
        default_language=data.get("default_language"),
    )


# -- loading -------------------------------------------------------------------------------


def _with_file(problems: list[DefinitionProblem], file: Path) -> list[DefinitionProblem]:
    return [
        DefinitionProblem(p.form_id, p.field_id, p.where, p.position, p.message, p.scope, str(file))
        for p in problems
    ]


def _shared_file(directory: Path) -> Path | None:
    for name in SHARED_CHOICE_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def load_choice_lists(path: Path | str) -> dict[str, Any]:
    """Read and validate a shared ``choice_lists.yaml``; raises :class:`FormDefinitionError`."""
    file = Path(path)
    data = read_document(file)
    problems = validate_choice_lists(data)
    if problems:
        raise FormDefinitionError(_with_file(problems, file))
    normalized = normalize_keys(data)
    assert isinstance(normalized, dict)  # guaranteed by the schema check above
    return normalized


def load_form(
    path: Path | str, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> FormDefinition:
    """Load one form file (.yaml/.yml/.json).

    Without ``shared_choice_lists``, a ``choice_lists.yaml`` next to the file is used if
    present. Raises :class:`FormDefinitionError` listing every problem (with the file).
    """
    file = Path(path)
    if shared_choice_lists is None:
        shared_path = _shared_file(file.parent)
        shared_choice_lists = load_choice_lists(shared_path) if shared_path else {}
    data = read_document(file)
    problems = validate_definition(data, shared_choice_lists=shared_choice_lists)
    if problems:
        raise FormDefinitionError(_with_file(problems, file))
    return _build(normalize_keys(data), shared_choice_lists)


@dataclass(frozen=True)
class FormPack:
    """All forms of one folder plus its shared choice lists, keyed by form id."""

    directory: Path
    forms: Mapping[str, FormDefinition]
    files: Mapping[str, Path]
    shared_choice_lists: Mapping[str, tuple[Choice, ...]]

    @classmethod
    def load(cls, directory: Path | str) -> FormPack:
        """Load every ``*.yaml``/``*.yml``/``*.json`` in ``directory`` (not recursive).

        ``choice_lists.yaml`` is the shared lists file and ``form.schema.json`` is skipped;
        every other document must be a valid form with an id unique in the pack. Raises
        :class:`FormDefinitionError` with the problems of all files at once.
        """
        folder = Path(directory)
        if not folder.is_dir():
            raise FormDefinitionError(
                [DefinitionProblem(None, None, None, None, "not a directory", "form", str(folder))]
            )
        problems: list[DefinitionProblem] = []
        shared: dict[str, Any] = {}
        shared_path = _shared_file(folder)
        if shared_path is not None:
            try:
                shared = load_choice_lists(shared_path)
            except FormDefinitionError as exc:
                problems.extend(exc.problems)
                raw = _read_quietly(shared_path)
                # Still resolve list names against what could be read, to avoid a cascade of
                # "unknown choice list" problems caused by one bad shared entry.
                shared = raw if isinstance(raw, dict) else {}
        forms: dict[str, FormDefinition] = {}
        files: dict[str, Path] = {}
        for file in sorted(folder.iterdir()):
            if (
                not file.is_file()
                or file.name.startswith(".")
                or file.suffix.lower() not in DOCUMENT_SUFFIXES
                or file.name in _NOT_FORMS
            ):
                continue
            try:
                form = load_form(file, shared_choice_lists=shared)
            except FormDefinitionError as exc:
                problems.extend(exc.problems)
                continue
            if form.id in forms:
                problems.append(
                    DefinitionProblem(
                        form.id,
                        None,
                        "id",
                        None,
                        f"form id '{form.id}' is also used by {files[form.id].name}",
                        "form",
                        str(file),
                    )
                )
                continue
            forms[form.id] = form
            files[form.id] = file
        if problems:
            raise FormDefinitionError(problems)
        return cls(
            directory=folder,
            forms=FrozenMap(forms),
            files=FrozenMap(files),
            shared_choice_lists=FrozenMap(
                {name: _choices(items) for name, items in shared.items()}
            ),
        )

    def __getitem__(self, form_id: str) -> FormDefinition:
        return self.forms[form_id]

    def __contains__(self, form_id: object) -> bool:
        return form_id in self.forms

    def __iter__(self) -> Iterator[FormDefinition]:
        return iter(self.forms.values())

    def __len__(self) -> int:
        return len(self.forms)

    def get(self, form_id: str) -> FormDefinition | None:
        return self.forms.get(form_id)


def _read_quietly(path: Path) -> object:
    try:
        return normalize_keys(read_document(path))
    except FormDefinitionError:
        return None
