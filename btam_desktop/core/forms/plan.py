"""Evaluation plan of a form: fields in dependency order, computed once per definition.

The plan is cached on the :class:`FormDefinition`, so evaluating or validating many
submissions of the same form only runs the precompiled expressions.

Order matters because a field that is not relevant reads as unanswered (``""``) in every
expression, as in XLSForm: a field's value is only known once its section's and its own
``relevant`` have been evaluated, which in turn may need other fields' values. Top-level
fields never depend on repeat members (validation forbids it), so all top-level work runs
first and each repeat's items are then evaluated with their own member order.
"""

from __future__ import annotations

from dataclasses import dataclass

from btam_desktop.core.forms.definition import Field, FormDefinition, Section
from btam_desktop.core.forms.expr import Expression
from btam_desktop.core.forms.graph import topological_order

__all__ = ["FieldPlan", "Plan", "SectionPlan", "plan_for"]


@dataclass(frozen=True, eq=False)
class SectionPlan:
    """A section's relevance step."""

    id: str
    relevant: Expression | None


@dataclass(frozen=True, eq=False)
class FieldPlan:
    """Everything needed to evaluate and check one field, precomputed."""

    field: Field
    id: str
    type: str
    section: str
    relevant: Expression | None
    calculation: Expression | None
    constraint: Expression | None
    required: bool | Expression
    choice_names: frozenset[str]
    scale: tuple[int, int] | None
    members: tuple[FieldPlan, ...]  # declaration order (repeats only)
    member_order: tuple[FieldPlan, ...]  # dependency order (repeats only)
    member_ids: frozenset[str]


@dataclass(frozen=True, eq=False)
class Plan:
    """The whole form: ``steps`` are sections and top-level fields in dependency order."""

    steps: tuple[SectionPlan | FieldPlan, ...]
    fields: tuple[FieldPlan, ...]  # top-level, declaration order
    by_id: dict[str, FieldPlan]  # top-level fields
    member_repeat: dict[str, str]  # member id -> repeat id
    repeats: tuple[FieldPlan, ...]


def _deps(expressions: tuple[Expression | None, ...]) -> set[str]:
    return {ref.name for e in expressions if e is not None for ref in e.references}


def _field_plan(item: Field, section: str) -> FieldPlan:
    members = tuple(_field_plan(member, section) for member in item.fields)
    ids = [m.id for m in members]
    graph = {m.id: _deps((m.relevant, m.calculation)) & set(ids) for m in members}
    order = topological_order(ids, graph)
    by_id = {m.id: m for m in members}
    return FieldPlan(
        field=item,
        id=item.id,
        type=item.type,
        section=section,
        relevant=item.relevant,
        calculation=item.calculation,
        constraint=item.constraint,
        required=item.required,
        choice_names=item.choice_names,
        scale=(item.scale.min, item.scale.max) if item.scale is not None else None,
        members=members,
        member_order=tuple(by_id[i] for i in order),
        member_ids=frozenset(ids),
    )


def _build(form: FormDefinition) -> Plan:
    fields: list[FieldPlan] = []
    graph: dict[str, set[str]] = {}
    nodes: list[str] = []
    sections: dict[str, SectionPlan] = {}

    def add_section(section: Section) -> None:
        node = f"s:{section.id}"
        sections[node] = SectionPlan(section.id, section.relevant)
        nodes.append(node)
        graph[node] = {f"f:{name}" for name in _deps((section.relevant,))}

    for section in form.sections:
        add_section(section)
        for item in section.fields:
            plan = _field_plan(item, section.id)
            fields.append(plan)
            node = f"f:{item.id}"
            nodes.append(node)
            graph[node] = {f"s:{section.id}"} | {
                f"f:{name}" for name in _deps((item.relevant, item.calculation))
            }
    by_id = {plan.id: plan for plan in fields}
    steps: list[SectionPlan | FieldPlan] = []
    for node in topological_order(nodes, graph):
        steps.append(sections[node] if node.startswith("s:") else by_id[node[2:]])
    repeats = tuple(plan for plan in fields if plan.type == "repeat")
    return Plan(
        steps=tuple(steps),
        fields=tuple(fields),
        by_id=by_id,
        member_repeat=_member_repeats(repeats),
        repeats=repeats,
    )


def _member_repeats(repeats: tuple[FieldPlan, ...]) -> dict[str, str]:
    """Member id -> the top-level repeat it is answered in (at any depth)."""
    found: dict[str, str] = {}

    def walk(plan: FieldPlan, top: str) -> None:
        for member in plan.members:
            found[member.id] = top
            walk(member, top)

    for repeat in repeats:
        walk(repeat, repeat.id)
    return found


def plan_for(form: FormDefinition) -> Plan:
    """The (cached) evaluation plan of ``form``."""
    plan = form._cache.get("plan")
    if not isinstance(plan, Plan):
        plan = _build(form)
        form._cache["plan"] = plan
    return plan
