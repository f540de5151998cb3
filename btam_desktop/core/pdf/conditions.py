"""Skip logic in words for paper: "Only if question 5.1 is “Yes”".

A PDF cannot hide questions, so the blank form prints each condition. Simple conditions
(``${x} = 'v'``, ``!=``, ``selected(${x}, 'v')``, joined by ``and``/``or``) become a sentence
with question numbers and choice labels; anything more involved gets a generic sentence
rather than an expression a partner cannot read.
"""

from __future__ import annotations

from typing import Any

from btam_desktop.core.forms import Field, FormDefinition
from btam_desktop.core.forms.nodes import Binary, Call, Ref, String
from btam_desktop.core.pdf.fieldnames import choice_options

__all__ = ["condition_text", "describe"]


def condition_text(item: Field, form: FormDefinition, numbers: dict[str, str]) -> str | None:
    """Skip logic in words ("only if question 5.1 is Yes"); None when there is none, and a
    generic sentence when the expression is too involved to say briefly."""
    if item.relevant is None:
        return None
    described = describe(item.relevant.ast, form, numbers)
    return f"Only if {described}." if described else "Only if it applies to this case."


def describe(node: Any, form: FormDefinition, numbers: dict[str, str]) -> str | None:
    if isinstance(node, Binary) and node.op in ("and", "or"):
        left = describe(node.left, form, numbers)
        right = describe(node.right, form, numbers)
        return f"{left} {node.op} {right}" if left and right else None
    if isinstance(node, Binary) and node.op in ("=", "!="):
        ref, lit = node.left, node.right
        if isinstance(lit, Ref) and isinstance(ref, String):
            ref, lit = lit, ref
        if isinstance(ref, Ref) and isinstance(lit, String):
            verb = "is" if node.op == "=" else "is not"
            value = _value(ref.name, lit.value, form)
            return f"{_question(ref.name, form, numbers)} {verb} “{value}”"
    if isinstance(node, Call) and node.name == "selected" and len(node.args) == 2:
        ref, lit = node.args
        if isinstance(ref, Ref) and isinstance(lit, String):
            return (f"{_question(ref.name, form, numbers)} includes "
                    f"“{_value(ref.name, lit.value, form)}”")
    return None


def _question(field_id: str, form: FormDefinition, numbers: dict[str, str]) -> str:
    if form.repeat_of(field_id) is not None:
        label = form.field(field_id).label
        short = label if len(label) <= 40 else label[:38].rstrip() + "…"
        return f"“{short}” (same row)"
    return f"question {numbers.get(field_id, field_id)}"


def _value(field_id: str, name: str, form: FormDefinition) -> str:
    labels = dict(choice_options(form.field(field_id)))
    return labels.get(name, name)
