"""AST node classes for parsed expressions.

Positions are kept for error reporting and reference listing but excluded from equality, so
two expressions with the same structure compare equal regardless of spacing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BINARY_OPERATORS",
    "FUNCTION_ARITY",
    "Binary",
    "Call",
    "Dot",
    "Negate",
    "Node",
    "Number",
    "Ref",
    "String",
]


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric literal (always held as a float, as in XPath)."""

    value: float
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class String:
    """A string literal."""

    value: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Ref:
    """A ``${name}`` field reference; ``pos`` is the offset of the ``$``."""

    name: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Dot:
    """``.``: the value of the field a constraint belongs to."""

    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """A binary operation; ``op`` is one of :data:`BINARY_OPERATORS`."""

    op: str
    left: Node
    right: Node
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` is one of :data:`FUNCTION_ARITY`."""

    name: str
    args: tuple[Node, ...]
    pos: int = field(default=0, compare=False)


Node = Number | String | Ref | Dot | Negate | Binary | Call

# Operator -> precedence level (higher binds tighter), following XPath 1.0.
BINARY_OPERATORS: dict[str, int] = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}

# The complete function library; anything else is a syntax error, never a runtime surprise.
FUNCTION_ARITY: dict[str, int] = {
    "not": 1,
    "selected": 2,
    "count-selected": 1,
    "string-length": 1,
    "today": 0,
    "if": 3,
    "coalesce": 2,
    "count": 1,
    "true": 0,
    "false": 0,
    # choice('column'): a column of the choice being filtered (only in choice_filter).
    "choice": 1,
}
