"""Reading form documents from YAML or JSON, strictly.

PyYAML implements YAML 1.1, where unquoted ``yes``/``no``/``on``/``off`` are booleans,
``12:30`` is the sexagesimal integer 750, ``012`` is octal and ``2024-01-31`` is a date
object. In a form pack those are nearly always mistakes (``{name: yes}`` is a choice named
"yes"), so documents are read with YAML 1.2 core-schema scalars instead: only
``true``/``false`` are booleans, integers are plain decimal, and dates and times stay
strings. Duplicate mapping keys, which PyYAML silently resolves to the last one, are errors.

Hostile documents are refused quickly, in bounded memory, with a plain message: YAML aliases
(``*name``) are refused outright (a 647-byte "billion laughs" document expands to gigabytes,
and forms have no use for them), nesting deeper than :data:`MAX_DEPTH` is refused (YAML and
JSON), and so is a file larger than :data:`MAX_DOCUMENT_BYTES`, checked before reading.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NoReturn

import yaml

from btam_desktop.core import handed
from btam_desktop.core.forms.errors import DefinitionProblem, FormDefinitionError

__all__ = ["DOCUMENT_SUFFIXES", "read_document"]

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
MAX_DEPTH = 64
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars and duplicate-key detection; no aliases, bounded
    nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in form documents",
                event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, _TOO_DEEP, self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Start from a copy without the YAML 1.1 bool/int/float/timestamp resolvers, then add the
# YAML 1.2 core-schema ones.
_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag
        not in (
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:timestamp",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    # YAML 1.2: "012" is twelve, not octal ten.
    return int(loader.construct_scalar(node))


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in result
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "unhashable mapping key", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_document(path: Path | str, *, form_id: str | None = None) -> Any:
    """Read a YAML (.yaml/.yml) or JSON (.json) document.

    Raises :class:`FormDefinitionError` (one problem naming the file and line) when the
    file cannot be read or parsed, so loaders report read errors like any other problem.
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        _fail(file, form_id, f"unsupported file type {suffix!r} (use .yaml, .yml or .json)")
    try:
        # Not stat() then read_text(): a pipe blocked for ever and /dev/zero (0 bytes to
        # stat) was read until memory ran out. read_handed checks the opened file and reads
        # at most the limit + 1 bytes.
        text = handed.read_handed(file, MAX_DOCUMENT_BYTES).decode("utf-8")
    except handed.HandedFileTooLarge:
        _fail(file, form_id, f"the file is larger than {MAX_DOCUMENT_BYTES // 2**20} MB;"
              " a form document is far smaller")
    except handed.HandedFileRefused as exc:
        _fail(file, form_id, str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(file, form_id, f"cannot read file: {exc}")
    try:
        if suffix == ".json":
            if _json_depth(text) > MAX_DEPTH:
                _fail(file, form_id, f"invalid JSON: {_TOO_DEEP}")
            return json.loads(
                text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
            )
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        _fail(file, form_id, f"the document is {_TOO_DEEP}")
    except json.JSONDecodeError as exc:
        _fail(file, form_id, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except ValueError as exc:
        _fail(file, form_id, f"invalid JSON: {exc}")
    except yaml.YAMLError as exc:
        _fail(file, form_id, f"invalid YAML: {_yaml_message(exc)}")


def _json_depth(text: str) -> int:
    """The deepest bracket nesting of JSON ``text`` (strings skipped), without parsing it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _yaml_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    return str(exc)


def _fail(file: Path, form_id: str | None, message: str) -> NoReturn:
    raise FormDefinitionError(
        [DefinitionProblem(form_id, None, None, None, message, scope="form", file=str(file))]
    )
