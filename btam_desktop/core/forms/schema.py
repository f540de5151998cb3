"""The JSON Schema (draft 2020-12) of the form format, and schema-error formatting.

The schema lives here as Python data so an installed application can never lose it;
``forms/form.schema.json`` is the same document written out for editors and other tools (a
test keeps the two identical; ``python -m btam_desktop.core.forms --write-schema PATH``
regenerates it).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from typing import Any

import jsonschema

from btam_desktop.core.forms.fieldtypes import (
    APPEARANCES,
    FIELD_TYPES,
    METADATA_KINDS,
    PERSON_ROLES,
    SENSITIVITY_TAGS,
    TEXT_FORMATS,
)
from btam_desktop.core.forms.prefill import PREFILL_SOURCES

__all__ = [
    "FORMAT_MARKER",
    "FORM_SCHEMA",
    "SchemaError",
    "choice_lists_errors",
    "form_errors",
    "normalize_keys",
    "schema_json",
]

FORMAT_MARKER = "btam-form/1"
ID_PATTERN = "^[a-z][a-z0-9_]{1,63}$"
LIST_NAME_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
CHOICE_NAME_PATTERN = "^[a-z0-9_]{1,64}$"
_NON_BLANK = "\\S"


def _if_type(types: Sequence[str], then: dict[str, Any], otherwise: dict[str, Any]) -> Any:
    """Schema fragment: apply ``then`` when the field's type is one of ``types``."""
    return {
        "if": {"required": ["type"], "properties": {"type": {"enum": list(types)}}},
        "then": then,
        "else": otherwise,
    }


def _forbid(*names: str) -> dict[str, Any]:
    return {"properties": {name: False for name in names}}


FORM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:btam-desktop:form:1",
    "title": "BTAM Desktop form definition (btam-form/1)",
    "description": "See docs/form-format.md. Semantic rules (references, expressions, "
    "cycles, defaults) are checked by btam_desktop.core.forms.validate.",
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "id", "version", "title", "sections"],
    "properties": {
        "format": {"const": FORMAT_MARKER},
        "id": {"$ref": "#/$defs/id"},
        "version": {"type": "integer", "minimum": 1},
        "title": {"$ref": "#/$defs/text"},
        "description": {"type": "string"},
        "guidance": {"type": "string"},
        "jurisdiction_notes": {"type": "string"},
        "languages": {
            "type": "array",
            "uniqueItems": True,
            "items": {"$ref": "#/$defs/text"},
        },
        "default_language": {"$ref": "#/$defs/text"},
        "choice_lists": {"$ref": "#/$defs/choice_lists"},
        "sections": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/section"}},
    },
    "$defs": {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "text": {"type": "string", "pattern": _NON_BLANK},
        "expression": {"type": "string", "pattern": _NON_BLANK},
        "choice": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "label"],
            "properties": {
                "name": {"type": "string", "pattern": CHOICE_NAME_PATTERN},
                "label": {"$ref": "#/$defs/text"},
                "translations": {
                    "type": "object",
                    "additionalProperties": {"$ref": "#/$defs/text"},
                },
                "data": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "texts": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                name: {"type": "string"}
                for name in (
                    "label",
                    "hint",
                    "guidance",
                    "constraint_message",
                    "required_message",
                    "item_label",
                    "title",
                )
            },
        },
        "translations": {"type": "object", "additionalProperties": {"$ref": "#/$defs/texts"}},
        "choice_list": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/choice"}},
        "choice_lists": {
            "type": "object",
            "propertyNames": {"pattern": LIST_NAME_PATTERN},
            "additionalProperties": {"$ref": "#/$defs/choice_list"},
        },
        "scale": {
            "type": "object",
            "additionalProperties": False,
            "required": ["min", "max"],
            "properties": {
                "min": {"type": "integer"},
                "max": {"type": "integer"},
                "labels": {
                    "type": "object",
                    "propertyNames": {"pattern": "^-?[0-9]+$"},
                    "additionalProperties": {"$ref": "#/$defs/text"},
                },
            },
        },
        "section": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "title", "fields"],
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "title": {"$ref": "#/$defs/text"},
                "guidance": {"type": "string"},
                "relevant": {"$ref": "#/$defs/expression"},
                "translations": {"$ref": "#/$defs/translations"},
                "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/field"}},
            },
        },
        "field": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "type", "label"],
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "type": {"enum": list(FIELD_TYPES)},
                "label": {"$ref": "#/$defs/text"},
                "hint": {"type": "string"},
                "guidance": {"type": "string"},
                "required": {"type": ["boolean", "string"], "pattern": _NON_BLANK},
                "default": {"type": ["string", "number", "array"], "items": {"type": "string"}},
                "relevant": {"$ref": "#/$defs/expression"},
                "constraint": {"$ref": "#/$defs/expression"},
                "constraint_message": {"$ref": "#/$defs/text"},
                "calculation": {"$ref": "#/$defs/expression"},
                "read_only": {"type": "boolean"},
                "sensitivity": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"enum": list(SENSITIVITY_TAGS)},
                },
                "choices": {
                    "if": {"type": "string"},
                    "then": {"type": "string", "pattern": LIST_NAME_PATTERN},
                    "else": {"$ref": "#/$defs/choice_list"},
                },
                "scale": {"$ref": "#/$defs/scale"},
                "person_role": {"enum": list(PERSON_ROLES)},
                "fields": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/member_field"},
                },
                "min_items": {"type": "integer", "minimum": 0},
                "max_items": {"type": "integer", "minimum": 1},
                "item_label": {"$ref": "#/$defs/text"},
                "translations": {"$ref": "#/$defs/translations"},
                "required_message": {"$ref": "#/$defs/text"},
                "dynamic_default": {"$ref": "#/$defs/expression"},
                "choice_filter": {"$ref": "#/$defs/expression"},
                "text_format": {"enum": list(TEXT_FORMATS)},
                "metadata": {"enum": list(METADATA_KINDS)},
                "hidden": {"type": "boolean"},
                "appearance": {"enum": list(APPEARANCES)},
                "repeat_count": {"$ref": "#/$defs/expression"},
                "prefill": {"enum": list(PREFILL_SOURCES)},
            },
            "dependentRequired": {
                "constraint": ["constraint_message"],
                "constraint_message": ["constraint"],
            },
            "allOf": [
                _if_type(["choice", "multi_choice"], {"required": ["choices"]}, _forbid("choices")),
                _if_type(["rating"], {"required": ["scale"]}, _forbid("scale")),
                _if_type(
                    ["repeat"],
                    {"required": ["fields"]},
                    _forbid("fields", "min_items", "max_items", "item_label"),
                ),
                _if_type(["person"], {}, _forbid("person_role")),
                _if_type(["choice", "multi_choice"], {}, _forbid("choice_filter")),
                _if_type(["text"], {}, _forbid("text_format")),
                _if_type(["text", "date", "datetime"], {}, _forbid("metadata")),
                _if_type(["repeat"], {}, _forbid("repeat_count")),
            ],
        },
        # A repeat's members: any field, a repeat included (nesting depth is checked by the
        # semantic validator: at most MAX_REPEAT_DEPTH repeats deep).
        "member_field": {
            "allOf": [{"$ref": "#/$defs/field"}],
        },
    },
}


def schema_json() -> str:
    """The schema as the exact text of ``forms/form.schema.json``."""
    return json.dumps(FORM_SCHEMA, indent=2, ensure_ascii=False) + "\n"


@functools.cache
def _validator(definition: str | None) -> Any:
    schema: dict[str, Any] = FORM_SCHEMA
    if definition is not None:
        # Validate against one $defs entry while keeping the root for its "#/..." refs.
        schema = {**FORM_SCHEMA, "$ref": f"#/$defs/{definition}"}
        for key in ("type", "required", "properties", "additionalProperties"):
            schema.pop(key)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class SchemaError:
    """A schema violation: ``path`` into the document and a readable ``message``."""

    __slots__ = ("message", "path")

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"SchemaError({self.path!r}, {self.message!r})"


def form_errors(data: object) -> list[SchemaError]:
    """Schema violations of a whole form document, sorted by position in the document."""
    return _errors(_validator(None), data)


def choice_lists_errors(data: object) -> list[SchemaError]:
    """Schema violations of a shared ``choice_lists.yaml`` document."""
    return _errors(_validator("choice_lists"), data)


def _errors(validator: Any, data: object) -> list[SchemaError]:
    found: list[SchemaError] = []
    for error in _leaves(validator.iter_errors(data)):
        if error.schema is False:
            found.extend(_forbidden(data, tuple(error.absolute_path)))
        else:
            found.append(SchemaError(*_explain(error)))
    unique: dict[tuple[tuple[str | int, ...], str], SchemaError] = {}
    for item in found:
        unique.setdefault((item.path, item.message), item)
    return sorted(unique.values(), key=lambda e: [(isinstance(p, str), p) for p in e.path])


# Which field types each type-specific property belongs to (mirrors the schema's allOf).
_TYPE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "choices": ("choice", "multi_choice"),
    "scale": ("rating",),
    "fields": ("repeat",),
    "min_items": ("repeat",),
    "max_items": ("repeat",),
    "item_label": ("repeat",),
    "person_role": ("person",),
    "choice_filter": ("choice", "multi_choice"),
    "text_format": ("text",),
    "metadata": ("text", "date", "datetime"),
    "repeat_count": ("repeat",),
}


def _forbidden(data: object, path: tuple[str | int, ...]) -> list[SchemaError]:
    """Errors for type-specific properties on a field of another type.

    jsonschema reports a ``false`` subschema at the parent object without naming the
    property, so the property is found again here from the field itself.
    """
    node: Any = data
    for part in path:
        node = node[part]
    if isinstance(node, dict) and isinstance(node.get("type"), str):
        # The error may point at the field (property name lost) or at the property itself.
        return [
            SchemaError(
                (*path, name),
                f"'{name}' is only allowed on {' / '.join(types)} fields, "
                f"not on type '{node['type']}'",
            )
            for name, types in _TYPE_PROPERTIES.items()
            if name in node and node["type"] not in types
        ]
    return [SchemaError(path, "this property is not allowed here")]


def _leaves(errors: Iterator[Any]) -> Iterator[Any]:
    """Replace combinator errors (allOf/anyOf ...) by the specific errors inside them."""
    for error in errors:
        if error.context and error.validator in ("anyOf", "oneOf"):
            yield from _leaves(iter([min(error.context, key=jsonschema.exceptions.relevance)]))
        else:
            yield error


def _explain(error: Any) -> tuple[tuple[str | int, ...], str]:
    """Turn a jsonschema error into (path, message) phrased for a form author."""
    path: tuple[str | int, ...] = tuple(error.absolute_path)
    kind = error.validator
    instance = error.instance
    value = error.validator_value
    if kind == "required":
        missing = [name for name in value if isinstance(instance, dict) and name not in instance]
        name = missing[0] if missing else str(value)
        return (*path, name), f"missing required property '{name}'"
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in instance if k not in allowed)
        return (
            path,
            f"unknown propert{'y' if len(extra) == 1 else 'ies'} {', '.join(map(repr, extra))}",
        )
    if kind == "dependentRequired" and isinstance(instance, dict):
        for owner, needs in value.items():
            missing = [name for name in needs if name not in instance]
            if owner in instance and missing:
                return (*path, owner), f"'{owner}' requires '{', '.join(missing)}' as well"
    if kind == "const":
        return path, f"must be {value!r}, got {_show(instance)}"
    if kind == "enum":
        return path, f"{_show(instance)} is not one of: {', '.join(map(str, value))}"
    if kind == "type":
        expected = value if isinstance(value, str) else " or ".join(value)
        hint = ""
        if type(instance).__name__ in ("date", "datetime"):
            hint = " (quote dates in YAML: '2024-01-31')"
        return path, f"must be {_article(expected)}, got {_show(instance)}{hint}"
    if kind == "pattern":
        if value == _NON_BLANK:
            return path, "must not be empty"
        return path, f"{_show(instance)} does not match the pattern {value}"
    if kind == "minItems":
        return path, f"must have at least {value} item{'s' if value != 1 else ''}"
    if kind == "minimum":
        return path, f"must be at least {value}, got {_show(instance)}"
    if kind == "uniqueItems":
        return path, "must not contain duplicates"
    if kind == "propertyNames":
        return path, f"{_show(instance)} is not a valid name"
    return path, str(error.message)


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null (empty)"
    return f"{type(value).__name__} {value}"


def _article(type_name: str) -> str:
    names = {
        "string": "text",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "array": "a list",
        "object": "a mapping",
    }
    return " or ".join(names.get(part.strip(), part) for part in type_name.split(" or "))


def normalize_keys(data: object) -> object:
    """Copy ``data`` with integer mapping keys turned into strings.

    YAML reads ``labels: {1: Low}`` with an int key; JSON (and the canonical form) can only
    have string keys, so both spellings are accepted and normalised before validation.
    """
    if isinstance(data, dict):
        return {
            (str(k) if isinstance(k, int) and not isinstance(k, bool) else k): normalize_keys(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [normalize_keys(v) for v in data]
    return data
