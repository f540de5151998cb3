"""Evaluating and validating a submission's answers against a form definition.

Answers are the ANSWERS.json mapping: top-level field id -> value, a repeat's value being a
list of item objects (member id -> value). Semantics:

* A field is relevant when its section and its own ``relevant`` (and, for a repeat member,
  its repeat) are. Non-relevant fields read as unanswered ("") in every expression.
* Answers to non-relevant fields are **kept but ignored**: they are still type-checked (the
  vault must never hold malformed data) but neither ``required`` nor constraints apply, and
  they never influence other fields. :func:`relevant_answers` drops them for rendering.
* ``required`` (true or an expression) and a repeat's ``min_items`` are only enforced with
  ``complete=True``, and only for relevant fields; type checks, constraints, unknown ids and
  ``max_items`` are always enforced, so drafts stay well-formed.
* Constraints run only on non-empty values, with ``.`` bound to the value.
* Computed fields are recomputed on every evaluation; a stored answer for one is only
  type-checked. Required does not apply to them; a constraint checks the computed value.
* Problem paths are ``field`` or ``repeat[index].member``; indexes are 0-based.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import ChainMap
from collections.abc import Collection, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from btam_desktop.core.forms.definition import Choice, Field, FormDefinition
from btam_desktop.core.forms.evaluator import Scope
from btam_desktop.core.forms.expr import Expression
from btam_desktop.core.forms.fieldtypes import (
    MEDIA_FORMATS,
    YES_NO_UNKNOWN,
    check_geopoint,
    check_value,
    is_empty,
)
from btam_desktop.core.forms.plan import FieldPlan, Plan, SectionPlan, plan_for
from btam_desktop.core.forms.text import fill_text
from btam_desktop.core.forms.values import Value, from_answer, to_boolean, to_number, to_string

__all__ = [
    "DEFAULT_CONSTRAINT_MESSAGE",
    "AnswerProblem",
    "FormState",
    "ItemState",
    "available_choices",
    "evaluate",
    "fill_metadata",
    "initial_answers",
    "new_item",
    "relevant_answers",
    "shown_text",
    "stored_answers",
    "validate_answers",
]


DEFAULT_CONSTRAINT_MESSAGE = "the value does not meet the form's rule for this question"


@dataclass(frozen=True)
class AnswerProblem:
    """One problem in a submission. ``code`` is one of ``answers`` (not a mapping),
    ``unknown_field``, ``type``, ``required``, ``constraint``, ``items``, ``person``,
    ``attachment``."""

    field_id: str | None
    path: str
    message: str
    code: str = "type"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class ItemState:
    """Relevance and computed values of one repeat item's members; ``items`` holds the item
    states of each repeat inside this item (a repeat inside a repeat)."""

    relevant: Mapping[str, bool]
    calculated: Mapping[str, Any]
    items: Mapping[str, tuple[ItemState, ...]] = field(default_factory=dict)
    # The scope the item's expressions ran in (for validation's rule checks).
    scope: Scope | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FormState:
    """Result of :func:`evaluate`.

    ``sections``/``fields`` map ids of sections and top-level fields to relevance;
    ``calculated`` holds computed field values (typed like answers; None when empty or not
    relevant); ``items`` holds per-item state of each repeat (empty when not relevant).
    """

    sections: Mapping[str, bool]
    fields: Mapping[str, bool]
    calculated: Mapping[str, Any]
    items: Mapping[str, tuple[ItemState, ...]]

    def is_relevant(self, field_id: str, item: int | None = None) -> bool:
        """Relevance of a top-level field, or of member ``field_id`` in item ``item``."""
        if item is None:
            return self.fields.get(field_id, False)
        for states in self.items.values():
            if 0 <= item < len(states) and field_id in states[item].relevant:
                return states[item].relevant[field_id]
        return False


# -- evaluation ----------------------------------------------------------------------------


class _Run:
    """Mutable working state of one evaluation (kept for validation's rule checks)."""

    def __init__(self, plan: Plan, answers: Mapping[str, Any], today: str) -> None:
        self.plan = plan
        self.answers = answers
        self.today = today
        self.values: dict[str, Value] = {}
        self.counts: dict[str, int] = {}
        self.scope = Scope(self.values, today=today, counts=self.counts)
        self.sections: dict[str, bool] = {}
        self.fields: dict[str, bool] = {}
        self.calculated: dict[str, Any] = {}
        self.item_scopes: dict[str, list[Scope]] = {}
        self.item_states: dict[str, list[ItemState]] = {}

    def run(self) -> None:
        answers = self.answers
        for plan in self.plan.fields:
            if plan.calculation is None and plan.type != "repeat":
                self.values[plan.id] = from_answer(answers.get(plan.id))
        for step in self.plan.steps:
            if isinstance(step, SectionPlan):
                self.sections[step.id] = _holds(step.relevant, self.scope)
            else:
                self.step(step)
        for repeat in self.plan.repeats:
            self.item_scopes[repeat.id] = []
            self.item_states[repeat.id] = []
            if self.fields[repeat.id]:
                for item in _items(answers.get(repeat.id)):
                    state = self.run_item(repeat, item, None, self.counts)
                    assert state.scope is not None
                    self.item_scopes[repeat.id].append(state.scope)
                    self.item_states[repeat.id].append(state)

    def step(self, plan: FieldPlan) -> None:
        relevant = self.sections[plan.section] and _holds(plan.relevant, self.scope)
        self.fields[plan.id] = relevant
        if plan.type == "repeat":
            self.counts[plan.id] = len(_items(self.answers.get(plan.id))) if relevant else 0
        elif not relevant:
            self.values[plan.id] = ""
            if plan.calculation is not None:
                self.calculated[plan.id] = None
        elif plan.calculation is not None:
            typed = coerce(plan, plan.calculation.run(self.scope))
            self.calculated[plan.id] = typed
            self.values[plan.id] = from_answer(typed)

    def run_item(self, repeat: FieldPlan, item: Mapping[str, Any],
                 outer: Mapping[str, Value] | None, counts: Mapping[str, int]) -> ItemState:
        """One item of ``repeat``; ``outer`` holds the values of the items it is inside (a
        repeat inside a repeat reads its own item first, then the outer items', then the
        top-level answers)."""
        values: dict[str, Value] = {
            m.id: ("" if m.calculation is not None or m.type == "repeat"
                   else from_answer(item.get(m.id)))
            for m in repeat.members
        }
        # A view, not a copy: members computed below are seen by later members (read only).
        seen: Mapping[str, Value] = values if outer is None else ChainMap(
            values, cast("MutableMapping[str, Value]", outer))
        inner_counts: dict[str, int] = {}
        has_inner = any(m.type == "repeat" for m in repeat.members)
        scope = Scope(self.values, today=self.today, item=seen,
                      counts=ChainMap(inner_counts, dict(counts)) if has_inner else counts)
        relevant: dict[str, bool] = {}
        calculated: dict[str, Any] = {}
        for member in repeat.member_order:
            ok = _holds(member.relevant, scope)
            relevant[member.id] = ok
            if member.type == "repeat":
                inner_counts[member.id] = len(_items(item.get(member.id))) if ok else 0
                continue
            if not ok:
                values[member.id] = ""
                if member.calculation is not None:
                    calculated[member.id] = None
            elif member.calculation is not None:
                typed = coerce(member, member.calculation.run(scope))
                calculated[member.id] = typed
                values[member.id] = from_answer(typed)
        nested: dict[str, tuple[ItemState, ...]] = {}
        for member in repeat.members:
            if member.type == "repeat":
                nested[member.id] = tuple(
                    self.run_item(member, inner, seen, scope.counts)
                    for inner in _items(item.get(member.id))
                ) if relevant[member.id] else ()
        return ItemState(relevant, calculated, nested, scope)

    def state(self) -> FormState:
        return FormState(
            sections=self.sections,
            fields=self.fields,
            calculated=self.calculated,
            items={rid: tuple(states) for rid, states in self.item_states.items()},
        )


def _holds(expression: Expression | None, scope: Scope) -> bool:
    return expression is None or to_boolean(expression.run(scope))


def _items(value: object) -> list[Mapping[str, Any]]:
    """A repeat's items; malformed entries read as empty items so indexes stay aligned."""
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, dict) else {} for item in value]


def _start(form: FormDefinition, answers: object, today: dt.date | None) -> _Run:
    mapping = answers if isinstance(answers, Mapping) else {}
    run = _Run(plan_for(form), mapping, (today or dt.date.today()).isoformat())
    run.run()
    return run


def evaluate(
    form: FormDefinition, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> FormState:
    """Relevance of every section and field, and computed values, for ``answers``.

    ``today`` is what ``today()`` returns (default: the local date). Never raises on
    malformed answers: they read as unanswered.
    """
    return _start(form, answers, today).state()


def coerce(plan: FieldPlan, value: Value) -> Any:
    """Convert a calculation result to an answer value of the field's type (None if it
    cannot be one): booleans become yes/no for yes_no_unknown, numbers are rounded for
    integer and rating fields, strings must match date/time/choice formats."""
    if value == "":
        return None
    kind = plan.type
    if kind in ("integer", "rating", "decimal"):
        number = to_number(value)
        if number != number:  # NaN
            return None
        if kind == "decimal":
            return int(number) if number.is_integer() else number
        whole = round(number)
        if plan.scale is not None and not plan.scale[0] <= whole <= plan.scale[1]:
            return None
        return whole
    if kind == "yes_no_unknown" and isinstance(value, bool):
        return "yes" if value else "no"
    text = to_string(value)
    if kind in ("text", "long_text"):
        return text
    if kind == "yes_no_unknown":
        return text if text in YES_NO_UNKNOWN else None
    if kind == "multi_choice":
        names = [name for name in text.split() if name in plan.choice_names]
        return names or None
    if check_value(kind, text, choice_names=plan.choice_names) is None:
        return text
    return None


# -- validation ----------------------------------------------------------------------------


def validate_answers(
    form: FormDefinition,
    answers: Mapping[str, Any],
    complete: bool,
    *,
    today: dt.date | None = None,
    person_ids: Collection[str] | None = None,
    attachment_ids: Collection[str] | None = None,
) -> list[AnswerProblem]:
    """Every problem in ``answers`` (see the module docstring for the rules).

    ``complete`` enforces required fields and ``min_items`` (use it when a form is being
    finalised); ``person_ids``, if given, are the case's person ids that ``person`` answers
    must belong to; ``attachment_ids`` likewise the case's attachments, which media answers
    (``text_format`` image, audio, video, file) name.
    """
    if not isinstance(answers, Mapping):
        return [
            AnswerProblem(
                None, "", "answers must be an object mapping field ids to values", "answers"
            )
        ]
    run = _start(form, answers, today)
    checker = _AnswerChecker(run, complete, person_ids, attachment_ids)
    checker.check_unknown(answers)
    for plan in run.plan.fields:
        if plan.type == "repeat":
            checker.check_repeat(plan, answers.get(plan.id))
        else:
            relevant = run.fields[plan.id]
            value = answers.get(plan.id)
            computed = run.calculated.get(plan.id)
            checker.check(plan, value, plan.id, relevant, run.scope, computed)
    return checker.problems


class _AnswerChecker:
    def __init__(self, run: _Run, complete: bool, person_ids: Collection[str] | None,
                 attachment_ids: Collection[str] | None = None) -> None:
        self.run = run
        self.complete = complete
        self.person_ids = person_ids
        self.attachment_ids = attachment_ids
        self.problems: list[AnswerProblem] = []

    def add(self, field_id: str | None, path: str, message: str, code: str) -> None:
        self.problems.append(AnswerProblem(field_id, path, message, code))

    def check_unknown(self, answers: Mapping[str, Any]) -> None:
        plan = self.run.plan
        for key in answers:
            if key in plan.by_id:
                continue
            if not isinstance(key, str):
                self.add(None, str(key), "field ids must be strings", "unknown_field")
            elif key in plan.member_repeat:
                repeat = plan.member_repeat[key]
                self.add(
                    key,
                    key,
                    f"'{key}' is a member of repeat '{repeat}': answer it inside the "
                    f"repeat's items",
                    "unknown_field",
                )
            else:
                close = difflib.get_close_matches(key, list(plan.by_id), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.add(None, key, f"unknown field '{key}'{hint}", "unknown_field")

    def check(
        self,
        plan: FieldPlan,
        value: object,
        path: str,
        relevant: bool,
        scope: Scope | None,
        computed: Any = None,
    ) -> None:
        """Type, person, required and constraint checks of one non-repeat value."""
        if not is_empty(value):
            message = check_value(
                plan.type, value, choice_names=plan.choice_names, scale=plan.scale
            )
            if message is None and plan.field.text_format == "geopoint":
                assert isinstance(value, str)
                message = check_geopoint(value)
            if message is None and plan.field.appearance == "rank":
                assert isinstance(value, list)
                if set(value) != set(plan.choice_names):
                    message = "a ranking puts every choice in order, each once"
            if message:
                self.add(plan.id, path, message, "type")
                return
            if (
                plan.type == "person"
                and self.person_ids is not None
                and value not in self.person_ids
            ):
                self.add(plan.id, path, f"person {value!r} is not on this case", "person")
            if (
                plan.field.text_format in MEDIA_FORMATS
                and self.attachment_ids is not None
                and value not in self.attachment_ids
            ):
                self.add(plan.id, path, f"{value!r} is not an attachment of this case: add "
                         "the file to the case, then answer with its attachment id",
                         "attachment")
        if not relevant or scope is None:
            return
        if plan.calculation is not None:
            value = computed  # rules apply to the recomputed value, not a stored copy
        elif is_empty(value):
            if self.complete and plan.type != "note" and self.required(plan, scope):
                message = plan.field.required_message or "this field is required"
                self.add(plan.id, path, _fill(message, scope), "required")
            return
        if (
            self.complete
            and plan.field.choice_filter is not None
            and not is_empty(value)
            and plan.calculation is None
        ):
            offered = {c.name for c in _filtered(plan.field, scope)}
            chosen = value if isinstance(value, list) else [value]
            hidden = [str(v) for v in chosen if v not in offered]
            if hidden:
                self.add(
                    plan.id,
                    path,
                    f"{', '.join(map(repr, hidden))} is not offered for the other answers given",
                    "constraint",
                )
        if plan.constraint is not None and not is_empty(value):
            scope.dot = from_answer(value)
            try:
                ok = to_boolean(plan.constraint.run(scope))
            finally:
                scope.dot = ""
            if not ok:
                message = plan.field.constraint_message or DEFAULT_CONSTRAINT_MESSAGE
                self.add(plan.id, path, _fill(message, scope), "constraint")

    @staticmethod
    def required(plan: FieldPlan, scope: Scope) -> bool:
        rule = plan.required
        if isinstance(rule, Expression):
            return to_boolean(rule.run(scope))
        return rule

    def check_repeat(self, plan: FieldPlan, value: object) -> None:
        relevant = self.run.fields[plan.id]
        states = tuple(self.run.item_states.get(plan.id, []))
        self.check_items(plan, value, plan.id, relevant, self.run.scope, states)

    def check_items(self, plan: FieldPlan, value: object, path: str, relevant: bool,
                    scope: Scope, states: tuple[ItemState, ...]) -> None:
        """A repeat's items at ``path`` (``repeat`` or ``outer[i].inner``): their number,
        then each member of each item, a repeat inside the item included."""
        rid = plan.id
        if value is not None and not isinstance(value, list):
            self.add(rid, path, f"expected a list of items, got {type(value).__name__}", "type")
            return
        items = value or []
        limit = plan.field.max_items
        if limit is not None and len(items) > limit:
            self.add(rid, path, f"at most {limit} item(s) allowed, got {len(items)}", "items")
        if self.complete and relevant:
            low = plan.field.min_items
            if low is not None and len(items) < low:
                self.add(rid, path, f"at least {low} item(s) needed, got {len(items)}", "items")
            elif not items and self.required(plan, scope):
                message = plan.field.required_message or "at least one item is required"
                self.add(rid, path, _fill(message, scope), "required")
            count = plan.field.repeat_count
            if count is not None:
                wanted = to_number(count.run(scope))
                if wanted == wanted and len(items) != round(wanted):
                    self.add(
                        rid,
                        path,
                        f"{round(wanted)} item(s) expected (from the form's count), "
                        f"got {len(items)}",
                        "items",
                    )
        for index, item in enumerate(items):
            base = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(
                    rid, base, "each item must be an object mapping member ids to values", "type"
                )
                continue
            for key in item:
                if key not in plan.member_ids:
                    self.add(
                        rid,
                        f"{base}.{key}",
                        f"'{key}' is not a field of repeat '{rid}'",
                        "unknown_field",
                    )
            state = states[index] if relevant and index < len(states) else None
            item_scope = state.scope if state is not None else None
            for member in plan.members:
                member_relevant = state.relevant[member.id] if state is not None else False
                if member.type == "repeat":
                    inner = state.items.get(member.id, ()) if state is not None else ()
                    self.check_items(member, item.get(member.id), f"{base}.{member.id}",
                                     member_relevant, item_scope or scope, inner)
                    continue
                computed = state.calculated.get(member.id) if state is not None else None
                self.check(
                    member,
                    item.get(member.id),
                    f"{base}.{member.id}",
                    member_relevant,
                    item_scope,
                    computed,
                )


# -- helpers for editing and rendering ------------------------------------------------------


def relevant_answers(
    form: FormDefinition,
    answers: Mapping[str, Any],
    *,
    today: dt.date | None = None,
    include_calculated: bool = True,
) -> dict[str, Any]:
    """A copy of ``answers`` without non-relevant or unanswered fields (and unknown ids),
    with computed values filled in: what a PDF or summary view should show. Repeat items keep
    their positions (an item whose members are all hidden becomes ``{}``)."""
    run = _start(form, answers, today)
    return _kept(run.plan.fields, answers, run.fields, run.calculated, run.item_states,
                 include_calculated, empty_repeats=True)


def _kept(plans: Sequence[FieldPlan], values: Mapping[str, Any], relevant: Mapping[str, bool],
          calculated: Mapping[str, Any], item_states: Mapping[str, Sequence[ItemState]],
          include_calculated: bool, *, empty_repeats: bool) -> dict[str, Any]:
    """The relevant, answered values of ``plans`` (the form's top level, or one repeat item's
    members) with computed values filled in; a repeat's items likewise, keeping their
    positions. An empty repeat list is kept at the top level only (``empty_repeats``)."""
    kept: dict[str, Any] = {}
    for plan in plans:
        if not relevant[plan.id] or plan.type == "note":
            continue
        if plan.type == "repeat":
            items = values.get(plan.id)
            if isinstance(items, list) and (items or empty_repeats):
                kept[plan.id] = [
                    _kept(plan.members, item, state.relevant, state.calculated, state.items,
                          include_calculated, empty_repeats=False)
                    for item, state in zip(_items(items), item_states[plan.id], strict=True)]
            continue
        if plan.calculation is not None:
            value = calculated.get(plan.id) if include_calculated else None
        else:
            value = values.get(plan.id)
        if not is_empty(value):
            kept[plan.id] = value
    return kept


def _default(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _fill(text: str, scope: Scope) -> str:
    """A message with its ``${field}`` references filled from ``scope``."""

    def value(name: str) -> str:
        item = scope.item
        if item is not None and item.get(name) is not None:
            return to_string(item[name])
        return to_string(scope.values.get(name, ""))

    return fill_text(text, value)


def _filtered(item: Field, scope: Scope) -> list[Choice]:
    rule = item.choice_filter
    if rule is None:
        return list(item.choices)
    kept: list[Choice] = []
    try:
        for choice in item.choices:
            scope.choice = {**choice.data, "name": choice.name, "label": choice.label}
            if to_boolean(rule.run(scope)):
                kept.append(choice)
    finally:
        scope.choice = {}
    return kept


_ITEM_STEP = re.compile(r"([a-z][a-z0-9_]*)\[([0-9]+)\]\.?")


def _scope_at(run: _Run, path: str) -> Scope | None:
    """The scope of the innermost item on ``path`` ("outer[0].inner[1].member"), or None."""
    steps = [(m.group(1), int(m.group(2))) for m in _ITEM_STEP.finditer(path)]
    if not steps:
        return None
    name, index = steps[0]
    states: list[ItemState] | tuple[ItemState, ...] = run.item_states.get(name, [])
    state: ItemState | None = None
    for step, (name, index) in enumerate(steps):
        if step:
            states = state.items.get(name, ()) if state is not None else ()
        if not 0 <= index < len(states):
            return None
        state = states[index]
    return state.scope if state is not None else None


def _scope_for(
    form: FormDefinition, answers: Mapping[str, Any], item: int | None, field_id: str,
    today: dt.date | None, path: str | None = None,
) -> Scope:
    run = _start(form, answers, today)
    if path is not None:
        found = _scope_at(run, path)
        if found is not None:
            return found
    repeat = form.repeat_of(field_id)
    if repeat is not None and item is not None:
        scopes = run.item_scopes.get(repeat.id, [])
        if 0 <= item < len(scopes):
            return scopes[item]
    return run.scope


def available_choices(
    form: FormDefinition,
    field_id: str,
    answers: Mapping[str, Any],
    *,
    item: int | None = None,
    today: dt.date | None = None,
    path: str | None = None,
) -> list[Choice]:
    """The choices offered for ``field_id`` given the other answers (its ``choice_filter``);
    ``item`` is the repeat item index for a repeat member, ``path`` the member's whole path
    for a member of a repeat inside a repeat ("outer[0].inner[1].member")."""
    target = form.field(field_id)
    if target.choice_filter is None:
        return list(target.choices)
    return _filtered(target, _scope_for(form, answers, item, field_id, today, path))


def shown_text(
    form: FormDefinition,
    text: str,
    answers: Mapping[str, Any],
    *,
    field_id: str | None = None,
    item: int | None = None,
    today: dt.date | None = None,
    path: str | None = None,
) -> str:
    """``text`` (a label, hint, note or choice label of ``form``) with its ``${field}``
    references filled in from ``answers`` (hidden or unanswered fields show as nothing).
    ``field_id``/``item`` give the repeat item a member's text belongs to (``path`` the whole
    path, for a member of a repeat inside a repeat)."""
    if "${" not in text:
        return text
    scope = (
        _scope_for(form, answers, item, field_id, today, path)
        if field_id is not None
        else _start(form, answers, today).scope
    )
    return _fill(text, scope)


def _dynamic(item: Field, scope: Scope) -> Any:
    assert item.dynamic_default is not None
    plan = plan_for_field(item)
    return coerce(plan, item.dynamic_default.run(scope))


def plan_for_field(item: Field) -> FieldPlan:
    """A stand-alone plan of one field (to convert a value to its type)."""
    from btam_desktop.core.forms.plan import _field_plan

    return _field_plan(item, "")


def initial_answers(form: FormDefinition, *, today: dt.date | None = None) -> dict[str, Any]:
    """Answers for a new submission: every top-level field default, then the dynamic
    defaults (``today()``, ``${other}``) evaluated with those, in declaration order."""
    answers: dict[str, Any] = {
        item.id: _default(item.default)
        for item in form.iter_fields(members=False)
        if item.default is not None and item.calculation is None
    }
    for item in form.iter_fields(members=False):
        if item.dynamic_default is not None and item.calculation is None:
            value = _dynamic(item, _start(form, answers, today).scope)
            if not is_empty(value):
                answers[item.id] = value
    return answers


def new_item(
    form: FormDefinition,
    repeat_id: str,
    answers: Mapping[str, Any] | None = None,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A new item for repeat ``repeat_id`` holding its members' defaults (dynamic ones are
    evaluated with ``answers`` and the item's own defaults)."""
    repeat = form.field(repeat_id)
    if repeat.type != "repeat":
        raise ValueError(f"'{repeat_id}' is not a repeat field")
    result: dict[str, Any] = {
        member.id: _default(member.default)
        for member in repeat.fields
        if member.default is not None and member.calculation is None
    }
    dynamic = [m for m in repeat.fields if m.dynamic_default is not None and m.calculation is None]
    if dynamic:
        run = _start(form, answers or {}, today)
        for member in dynamic:
            item_values = {k: from_answer(v) for k, v in result.items()}
            scope = Scope(run.values, today=run.today, item=item_values, counts=run.counts)
            value = _dynamic(member, scope)
            if not is_empty(value):
                result[member.id] = value
    return result


def fill_metadata(
    form: FormDefinition,
    answers: Mapping[str, Any],
    *,
    event: str,
    now: dt.datetime,
    device_id: str = "",
    username: str = "",
) -> dict[str, Any]:
    """``answers`` with metadata fields filled in: ``start`` and ``today`` when a submission
    is created (``event="create"``, kept afterwards), ``end`` when it is completed or
    amended (``event="complete"``), ``deviceid`` and ``username`` whenever empty."""
    result = dict(answers)
    stamps = {
        "start": now.strftime("%Y-%m-%dT%H:%M"),
        "end": now.strftime("%Y-%m-%dT%H:%M"),
        "today": now.date().isoformat(),
        "deviceid": device_id,
        "username": username,
    }
    for item in form.iter_fields(members=False):
        kind = item.metadata
        if kind is None:
            continue
        value = stamps[kind]
        if item.type == "date":
            value = value[:10]
        elif item.type == "datetime" and len(value) == 10:
            value += "T00:00"
        if kind == "end" and event != "complete":
            continue
        if value and (kind == "end" or is_empty(result.get(item.id))):
            result[item.id] = value
    return result


def stored_answers(
    form: FormDefinition,
    answers: Mapping[str, Any],
    *,
    complete: bool,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What is stored. A completed submission keeps only relevant, answered fields, as ODK
    does; a draft keeps what the officer typed, hidden answers included. Neither keeps a
    caller's value for a computed field: the engine computes those on every evaluation
    (``relevant_answers`` fills them in for showing)."""
    if complete:
        return relevant_answers(form, answers, today=today, include_calculated=False)
    result = dict(answers)
    for item in form.iter_fields(members=False):
        if item.is_computed:
            result.pop(item.id, None)
        elif item.type == "repeat" and isinstance(result.get(item.id), list):
            result[item.id] = _without_computed(item, result[item.id])
    return result


def _without_computed(repeat: Field, items: list[Any]) -> list[Any]:
    """A draft's repeat items without caller values for computed members (a repeat inside
    an item likewise)."""
    computed = {m.id for m in repeat.fields if m.is_computed}
    inner = [m for m in repeat.fields if m.type == "repeat"]
    if not computed and not inner:
        return items
    cleaned: list[Any] = []
    for entry in items:
        if isinstance(entry, dict):
            entry = {k: v for k, v in entry.items() if k not in computed}
            for member in inner:
                if isinstance(entry.get(member.id), list):
                    entry[member.id] = _without_computed(member, entry[member.id])
        cleaned.append(entry)
    return cleaned
