"""Validation of form definitions: the JSON Schema plus the semantic checks it cannot do.

Semantic checks: duplicate ids, choice lists (unknown names, duplicate choice names),
expression syntax, field references (unknown, out of scope, repeats outside ``count()``),
``.`` outside constraints, type-specific property rules, defaults that do not suit their
type, rating scales, repeat item bounds and dependency cycles through ``relevant`` /
``calculation``. Semantic checks assume a schema-valid document, so they only run once the
schema passes: the schema problems are reported first, all at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from btam_desktop.core.forms.errors import (
    DefinitionProblem,
    ExpressionSyntaxError,
    ProblemScope,
)
from btam_desktop.core.forms.expr import Expression, Reference, uses_choice, uses_dot
from btam_desktop.core.forms.fieldtypes import CHOICE_TYPES, check_value, is_empty
from btam_desktop.core.forms.graph import find_cycles
from btam_desktop.core.forms.prefill import prefill_problem
from btam_desktop.core.forms.schema import (
    SchemaError,
    choice_lists_errors,
    form_errors,
    normalize_keys,
)
from btam_desktop.core.forms.text import text_references

if TYPE_CHECKING:
    from btam_desktop.core.forms.definition import FormDefinition

__all__ = [
    "load_and_validate",
    "validate_choice_lists",
    "validate_definition",
]

# Properties that make no sense for a type (beyond the schema's type-specific properties).
# A repeat inside a repeat inside a repeat, and no deeper.
MAX_REPEAT_DEPTH = 3

_NOT_ALLOWED: dict[str, tuple[str, ...]] = {
    "note": ("required", "default", "constraint", "calculation", "read_only"),
    "repeat": ("default", "constraint", "calculation"),
    "signature": ("default", "calculation"),
    "person": ("default", "calculation"),
}
_EXPRESSION_PROPERTIES = (
    "relevant",
    "required",
    "constraint",
    "calculation",
    "dynamic_default",
    "choice_filter",
    "repeat_count",
)
_TEXT_PROPERTIES = ("label", "hint", "guidance", "constraint_message", "required_message",
                    "item_label")


def validate_definition(
    data: object, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> list[DefinitionProblem]:
    """Every problem in a form document (already parsed from YAML/JSON), in document order.

    ``shared_choice_lists`` is the pack's ``choice_lists.yaml`` content (list name -> list of
    ``{name, label}``), used to resolve ``choices: list_name`` not defined in the form.
    An empty list means the definition is valid.
    """
    if not isinstance(data, dict):
        return [DefinitionProblem(None, None, None, None, "a form must be a mapping", "form")]
    data = normalize_keys(data)
    assert isinstance(data, dict)
    raw_id = data.get("id")
    form_id = raw_id if isinstance(raw_id, str) else None
    errors = form_errors(data)
    if errors:
        return [_schema_problem(data, form_id, error) for error in errors]
    return _Checker(data, shared_choice_lists or {}).run()


def validate_choice_lists(data: object) -> list[DefinitionProblem]:
    """Problems in a shared ``choice_lists.yaml`` document."""
    data = normalize_keys(data)
    errors = choice_lists_errors(data)
    if errors:
        return [
            DefinitionProblem(
                None, None, _where(("choice_lists", *e.path)), None, e.message, "form"
            )
            for e in errors
        ]
    assert isinstance(data, dict)
    problems: list[DefinitionProblem] = []
    for name, choices in data.items():
        for message in _duplicate_choice_names(choices):
            problems.append(
                DefinitionProblem(None, None, f"choice_lists.{name}", None, message, "form")
            )
    return problems


def load_and_validate(
    path: Path | str, *, shared_choice_lists: Mapping[str, Any] | None = None
) -> FormDefinition:
    """Load a form file and return its definition, or raise :class:`FormDefinitionError`
    listing every problem. Same as :func:`btam_desktop.core.forms.definition.load_form`."""
    # Imported here: definition.py builds on this module, not the other way round.
    from btam_desktop.core.forms.definition import load_form

    return load_form(path, shared_choice_lists=shared_choice_lists)


# -- schema problems ---------------------------------------------------------------------


def _where(path: tuple[str | int, ...]) -> str | None:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or None


def _schema_problem(
    data: dict[str, Any], form_id: str | None, error: SchemaError
) -> DefinitionProblem:
    """Attach a schema error to the innermost section or field that has a usable id."""
    owner: str | None = None
    scope: ProblemScope = "form"
    rest_from = 0
    node: Any = data
    path = error.path
    for i, part in enumerate(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        container = path[i - 1] if i >= 1 else None
        if isinstance(part, int) and container in ("sections", "fields") and isinstance(node, dict):
            ident = node.get("id")
            if isinstance(ident, str):
                owner = ident
                scope = "section" if container == "sections" and i == 1 else "field"
                rest_from = i + 1
    return DefinitionProblem(form_id, owner, _where(path[rest_from:]), None, error.message, scope)


# -- semantic checks ---------------------------------------------------------------------


@dataclass
class _FieldInfo:
    spec: dict[str, Any]
    section: str
    repeat: str | None  # id of the repeat this field belongs to
    index: int  # declaration order


@dataclass
class _Edges:
    """Dependencies of one graph node: target node -> (property, position) of the cause."""

    targets: dict[str, tuple[str, int | None]] = field(default_factory=dict)


def _duplicate_choice_names(choices: Any) -> Iterator[str]:
    seen: set[str] = set()
    for choice in choices:
        name = choice["name"]
        if name in seen:
            yield f"duplicate choice name '{name}'"
        seen.add(name)


def _suggest(name: str, candidates: Any) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean ${{{close[0]}}}?)" if close else ""


class _Checker:
    """Semantic checks over one schema-valid form document."""

    def __init__(self, data: dict[str, Any], shared: Mapping[str, Any]) -> None:
        self.data = data
        self.form_id: str = data["id"]
        self.local_lists: dict[str, Any] = data.get("choice_lists", {})
        self.shared = shared
        self.problems: list[DefinitionProblem] = []
        self.fields: dict[str, _FieldInfo] = {}
        self.section_ids: set[str] = set()
        self.edges: dict[str, _Edges] = {}
        self.node_order: list[str] = []

    def report(
        self,
        owner: str | None,
        where: str | None,
        message: str,
        *,
        scope: ProblemScope = "field",
        position: int | None = None,
    ) -> None:
        self.problems.append(
            DefinitionProblem(
                self.form_id, owner, where, position, message, scope if owner else "form"
            )
        )

    def run(self) -> list[DefinitionProblem]:
        for name, choices in self.local_lists.items():
            for message in _duplicate_choice_names(choices):
                self.report(None, f"choice_lists.{name}", message)
        self.collect()
        for section in self.data["sections"]:
            self.check_expression(
                "section", section["id"], "relevant", section.get("relevant"), None
            )
            self.check_texts("section", section["id"], section, None)
        for name, choices in self.local_lists.items():
            for index, choice in enumerate(choices):
                texts = [choice["label"], *choice.get("translations", {}).values()]
                for text in texts:
                    self.check_text_refs(
                        "section", None, f"choice_lists.{name}[{index}].label", text, None
                    )
        languages = self.data.get("languages", [])
        default = self.data.get("default_language")
        if default is not None and languages and default not in languages:
            self.report(None, "default_language", f"'{default}' is not one of the languages")
        for info in self.fields.values():
            self.check_field(info)
        self.check_cycles()
        return self.problems

    # -- structure ------------------------------------------------------------------------
    def collect(self) -> None:
        """Record sections and fields (first occurrence wins) and report duplicate ids."""
        owners: dict[str, str] = {}
        for section in self.data["sections"]:
            sid = section["id"]
            if sid in owners:
                self.report(
                    sid,
                    "id",
                    f"duplicate id '{sid}': already used by {owners[sid]}",
                    scope="section",
                )
            else:
                owners[sid] = f"section '{sid}'"
                self.section_ids.add(sid)
                self.add_node(f"s:{sid}")
            for spec in section["fields"]:
                self.collect_field(spec, sid, None, owners)

    def collect_field(
        self, spec: dict[str, Any], section: str, repeat: str | None, owners: dict[str, str]
    ) -> None:
        fid = spec["id"]
        if fid in owners:
            self.report(fid, "id", f"duplicate id '{fid}': already used by {owners[fid]}")
            return
        owners[fid] = f"the field in section '{section}'"
        self.fields[fid] = _FieldInfo(spec, section, repeat, len(self.fields))
        self.add_node(f"f:{fid}")
        for member in spec.get("fields", ()):
            self.collect_field(member, section, fid, owners)

    def add_node(self, node: str) -> None:
        self.node_order.append(node)
        self.edges[node] = _Edges()

    # -- fields ---------------------------------------------------------------------------
    def check_field(self, info: _FieldInfo) -> None:
        spec = info.spec
        fid: str = spec["id"]
        ftype: str = spec["type"]
        node = f"f:{fid}"
        if info.section in self.section_ids:
            self.edges[node].targets.setdefault(f"s:{info.section}", ("section", None))
        if info.repeat is not None:
            self.edges[node].targets.setdefault(f"f:{info.repeat}", ("repeat", None))
        for prop in _NOT_ALLOWED.get(ftype, ()):
            if prop in spec:
                self.report(fid, prop, f"'{prop}' is not allowed on a {ftype} field")
        computed = "calculation" in spec
        if computed and ("default" in spec or "dynamic_default" in spec):
            self.report(fid, "default", "a computed field cannot have a default")
        if "default" in spec and "dynamic_default" in spec:
            self.report(fid, "dynamic_default", "a field has a default or a dynamic_default")
        if ftype in _NOT_ALLOWED and "dynamic_default" in spec:
            self.report(
                fid, "dynamic_default", f"'dynamic_default' is not allowed on a {ftype} field"
            )
        if "prefill" in spec:
            message = prefill_problem(ftype, spec["prefill"], in_repeat=info.repeat is not None,
                                      computed=computed)
            if message:
                self.report(fid, "prefill", message)
        if spec.get("appearance") == "rank" and ftype != "multi_choice":
            self.report(fid, "appearance", "appearance 'rank' is only for multi_choice fields")
        self.check_texts("field", fid, spec, info.repeat)
        if computed and spec.get("required", False) is not False and ftype not in _NOT_ALLOWED:
            self.report(fid, "required", "'required' has no effect on a computed field")
        choice_names = self.check_choices(fid, spec) if ftype in CHOICE_TYPES else frozenset()
        scale = self.check_scale(fid, spec) if ftype == "rating" else None
        if ftype == "repeat" and len(self.repeats_around(info.repeat)) >= MAX_REPEAT_DEPTH:
            self.report(fid, "type", f"repeats nest at most {MAX_REPEAT_DEPTH} deep")
        if spec.get("sensitivity") and len(self.repeats_around(info.repeat)) > 1:
            # Redaction profiles look at a repeat's own members: tag the inner repeat instead.
            self.report(fid, "sensitivity", "a field of a repeat inside a repeat cannot have "
                        "sensitivity tags: tag the inner repeat (its whole list is withheld)")
        if ftype == "repeat":
            low, high = spec.get("min_items"), spec.get("max_items")
            if low is not None and high is not None and low > high:
                self.report(
                    fid, "min_items", f"min_items ({low}) is greater than max_items ({high})"
                )
        if "default" in spec and ftype not in _NOT_ALLOWED and not is_empty(spec["default"]):
            can_check = (ftype not in CHOICE_TYPES or choice_names is not None) and (
                ftype != "rating" or scale is not None
            )
            if can_check:
                message = check_value(
                    ftype, spec["default"], choice_names=choice_names or (), scale=scale
                )
                if message:
                    self.report(fid, "default", f"default does not suit a {ftype} field: {message}")
        for prop in _EXPRESSION_PROPERTIES:
            value = spec.get(prop)
            if prop == "required" and not isinstance(value, str):
                continue
            self.check_expression("field", fid, prop, value, info.repeat)

    def check_texts(
        self, scope: ProblemScope, owner: str, spec: dict[str, Any], repeat: str | None
    ) -> None:
        """``${field}`` references in shown texts (any language) must name fields."""
        names = (*_TEXT_PROPERTIES, "title")
        for name in names:
            self.check_text_refs(scope, owner, name, spec.get(name), repeat)
        for language, texts in spec.get("translations", {}).items():
            for name, text in texts.items():
                self.check_text_refs(
                    scope, owner, f"translations.{language}.{name}", text, repeat
                )

    def check_text_refs(
        self,
        scope: ProblemScope,
        owner: str | None,
        where: str,
        text: object,
        repeat: str | None,
    ) -> None:
        if not isinstance(text, str) or "${" not in text:
            return
        for name, position in text_references(text):
            ref = Reference(name, position, False)
            if owner is None:
                if name not in self.fields:
                    self.report(
                        None,
                        where,
                        f"unknown field reference ${{{name}}}{_suggest(name, self.fields)}",
                        position=position,
                    )
                continue
            self.check_reference(scope, owner, where, ref, repeat)

    def check_choices(self, fid: str, spec: dict[str, Any]) -> frozenset[str] | None:
        """Resolve a field's choices; report problems; return the names (None if unknown)."""
        choices = spec["choices"]
        if isinstance(choices, str):
            if choices in self.local_lists:
                return frozenset(c["name"] for c in self.local_lists[choices])
            shared = self.shared.get(choices)
            if isinstance(shared, list):
                return frozenset(
                    c["name"]
                    for c in shared
                    if isinstance(c, dict) and isinstance(c.get("name"), str)
                )
            known = sorted({*self.local_lists, *self.shared})
            close = difflib.get_close_matches(choices, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.report(
                fid,
                "choices",
                f"unknown choice list '{choices}': not in the form's choice_lists "
                f"nor the shared choice_lists.yaml{hint}",
            )
            return None
        for message in _duplicate_choice_names(choices):
            self.report(fid, "choices", message)
        return frozenset(c["name"] for c in choices)

    def check_scale(self, fid: str, spec: dict[str, Any]) -> tuple[int, int] | None:
        scale = spec["scale"]
        low, high = scale["min"], scale["max"]
        if low >= high:
            self.report(fid, "scale", f"scale min ({low}) must be less than max ({high})")
            return None
        for key in scale.get("labels", {}):
            if not low <= int(key) <= high:
                self.report(
                    fid,
                    f"scale.labels.{key}",
                    f"label for {key} is outside the scale {low}..{high}",
                )
        return (low, high)

    # -- expressions ----------------------------------------------------------------------
    def check_expression(
        self, scope: ProblemScope, owner: str, where: str, source: object, repeat: str | None
    ) -> None:
        if not isinstance(source, str):
            return
        try:
            expression = Expression(source)
        except ExpressionSyntaxError as exc:
            message = exc.message
            word = source.strip().lower()
            if where == "required" and word in ("true", "false", "yes", "no"):
                literal = "true" if word in ("true", "yes") else "false"
                message += f"; write required: {literal} without quotes"
            self.report(owner, where, message, scope=scope, position=exc.position)
            return
        chosen = uses_choice(expression.ast)
        if chosen is not None and where != "choice_filter":
            self.report(
                owner,
                where,
                "choice('column') can only be used in a choice_filter",
                scope=scope,
                position=chosen,
            )
        dot = uses_dot(expression.ast)
        if dot is not None and where != "constraint":
            self.report(
                owner,
                where,
                "'.' (this field's value) can only be used in a constraint",
                scope=scope,
                position=dot,
            )
        node = f"{scope[0]}:{owner}"
        for ref in expression.references:
            if self.check_reference(scope, owner, where, ref, repeat) and where in (
                "relevant",
                "calculation",
            ):
                target = self.fields[ref.name]
                self.edges[node].targets.setdefault(f"f:{target.spec['id']}", (where, ref.position))

    def check_reference(
        self, scope: ProblemScope, owner: str, where: str, ref: Reference, repeat: str | None
    ) -> bool:
        """Report a bad reference; return True if it names a usable field."""
        target = self.fields.get(ref.name)

        def bad(message: str) -> bool:
            self.report(owner, where, message, scope=scope, position=ref.position)
            return False

        if target is None:
            return bad(f"unknown field reference ${{{ref.name}}}{_suggest(ref.name, self.fields)}")
        ttype = target.spec["type"]
        if ref.counted and ttype != "repeat":
            return bad(f"count() needs a repeat field, but ${{{ref.name}}} is a {ttype} field")
        if ttype == "repeat" and not ref.counted:
            return bad(
                f"${{{ref.name}}} is a repeat: use count(${{{ref.name}}}) for its number of items"
            )
        if ttype == "note":
            return bad(f"${{{ref.name}}} is a note and has no value")
        if target.repeat is not None and target.repeat not in self.repeats_around(repeat):
            return bad(
                f"${{{ref.name}}} belongs to repeat '{target.repeat}' and can only be used by "
                f"other fields of that repeat (or of a repeat inside it)"
            )
        return True

    def repeats_around(self, repeat: str | None) -> list[str]:
        """``repeat`` and every repeat it is inside, innermost first: the items whose fields
        an expression of a field of ``repeat`` can read (the current item of each)."""
        chain: list[str] = []
        while repeat is not None and repeat not in chain:
            chain.append(repeat)
            info = self.fields.get(repeat)
            repeat = info.repeat if info is not None else None
        return chain

    def check_cycles(self) -> None:
        graph = {node: edges.targets.keys() for node, edges in self.edges.items()}
        for cycle in find_cycles(self.node_order, graph):
            first = cycle[0]
            where, position = self.edges[first].targets[cycle[1]]
            shown = " -> ".join(
                f"section '{n[2:]}'" if n.startswith("s:") else f"${{{n[2:]}}}" for n in cycle
            )
            scope: ProblemScope = "section" if first.startswith("s:") else "field"
            self.report(
                first[2:],
                where,
                f"dependency cycle: {shown} (a value or relevance that depends on itself "
                "can never be computed)",
                scope=scope,
                position=position,
            )
