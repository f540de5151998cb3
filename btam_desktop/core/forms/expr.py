"""Public face of the expression language: parse once, inspect, evaluate many times.

An :class:`Expression` holds its source text, the parsed AST and the compiled evaluator.
Form definitions keep :class:`Expression` objects, so each expression is parsed exactly once
per loaded definition however many submissions are evaluated against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from btam_desktop.core.forms.errors import ExpressionSyntaxError
from btam_desktop.core.forms.evaluator import Compiled, Scope, compile_node
from btam_desktop.core.forms.nodes import Binary, Call, Dot, Negate, Node, Ref
from btam_desktop.core.forms.parser import parse
from btam_desktop.core.forms.printer import to_source
from btam_desktop.core.forms.values import Value, from_answer, to_boolean

__all__ = [
    "Expression",
    "ExpressionSyntaxError",
    "Reference",
    "parse",
    "parse_expression",
    "references",
    "to_source",
    "uses_choice",
    "uses_dot",
]


@dataclass(frozen=True, slots=True)
class Reference:
    """A ``${name}`` occurrence: ``position`` is the offset of its ``$``; ``counted`` is
    true when it is the argument of ``count()`` (the only place a repeat may be named)."""

    name: str
    position: int
    counted: bool = False


def references(node: Node) -> list[Reference]:
    """All field references in ``node``, in source order."""
    found: list[Reference] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, counted = stack.pop()
        if isinstance(current, Ref):
            found.append(Reference(current.name, current.pos, counted))
        elif isinstance(current, Binary):
            stack.append((current.right, False))
            stack.append((current.left, False))
        elif isinstance(current, Negate):
            stack.append((current.operand, False))
        elif isinstance(current, Call):
            is_count = current.name == "count"
            stack.extend((arg, is_count) for arg in reversed(current.args))
    found.sort(key=lambda ref: ref.position)
    return found


def uses_dot(node: Node) -> int | None:
    """Position of the first ``.`` in ``node``, or None if it has none."""
    stack: list[Node] = [node]
    positions: list[int] = []
    while stack:
        current = stack.pop()
        if isinstance(current, Dot):
            positions.append(current.pos)
        elif isinstance(current, Binary):
            stack.extend((current.left, current.right))
        elif isinstance(current, Negate):
            stack.append(current.operand)
        elif isinstance(current, Call):
            stack.extend(current.args)
    return min(positions) if positions else None


def uses_choice(node: Node) -> int | None:
    """Position of the first ``choice()`` call in ``node``, or None if it has none."""
    stack: list[Node] = [node]
    positions: list[int] = []
    while stack:
        current = stack.pop()
        if isinstance(current, Binary):
            stack.extend((current.left, current.right))
        elif isinstance(current, Negate):
            stack.append(current.operand)
        elif isinstance(current, Call):
            if current.name == "choice":
                positions.append(current.pos)
            stack.extend(current.args)
    return min(positions) if positions else None


@dataclass(frozen=True)
class Expression:
    """A parsed expression. Construction raises :class:`ExpressionSyntaxError` on bad text.

    Equality and hashing use the source text only.
    """

    source: str
    ast: Node = field(init=False, compare=False, repr=False, hash=False)
    _compiled: Compiled = field(init=False, compare=False, repr=False, hash=False)
    _references: tuple[Reference, ...] = field(init=False, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        ast = parse(self.source)
        # Frozen dataclass: derived caches are set once here, via object.__setattr__.
        object.__setattr__(self, "ast", ast)
        object.__setattr__(self, "_compiled", compile_node(ast))
        object.__setattr__(self, "_references", tuple(references(ast)))

    def __str__(self) -> str:
        return self.source

    def __reduce__(self) -> tuple[type[Expression], tuple[str]]:
        # Compiled closures cannot be pickled or deep-copied; rebuild them from the source.
        return (Expression, (self.source,))

    @property
    def references(self) -> tuple[Reference, ...]:
        """Field references in source order (see :class:`Reference`)."""
        return self._references

    @property
    def field_ids(self) -> frozenset[str]:
        """The distinct field ids this expression reads."""
        return frozenset(ref.name for ref in self._references)

    def run(self, scope: Scope) -> Value:
        """Evaluate against a prepared :class:`Scope` (the fast path used by the engine)."""
        return self._compiled(scope)

    def evaluate(
        self,
        answers: Mapping[str, object] | None = None,
        *,
        dot: object = None,
        today: dt.date | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> Value:
        """Evaluate against raw answer values (as stored in ANSWERS.json).

        ``dot`` is the value ``.`` stands for; ``today`` defaults to the local date;
        ``counts`` gives item counts for ``count(${repeat})``.
        """
        values = {key: from_answer(value) for key, value in (answers or {}).items()}
        day = (today or dt.date.today()).isoformat()
        scope = Scope(values, today=day, dot=from_answer(dot), counts=counts)
        return self._compiled(scope)

    def is_true(
        self,
        answers: Mapping[str, object] | None = None,
        *,
        dot: object = None,
        today: dt.date | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> bool:
        """:meth:`evaluate` converted to a boolean the XPath way."""
        return to_boolean(self.evaluate(answers, dot=dot, today=today, counts=counts))

    def canonical(self) -> str:
        """Canonical source text (normalised spacing and parentheses)."""
        return to_source(self.ast)


def parse_expression(source: str) -> Expression:
    """Parse ``source``; raises :class:`ExpressionSyntaxError` with a position on error."""
    return Expression(source)
