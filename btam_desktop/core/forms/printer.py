"""Print an expression AST back to canonical source text.

``parse(to_source(node)) == node`` for every AST the parser can produce; the printer adds
only the parentheses precedence requires, so it also serves to normalise expressions.
"""

from __future__ import annotations

from btam_desktop.core.forms.nodes import (
    BINARY_OPERATORS,
    Binary,
    Dot,
    Negate,
    Node,
    Number,
    Ref,
    String,
)
from btam_desktop.core.forms.values import format_number

__all__ = ["to_source"]

_ATOM = 99  # precedence of anything that never needs parentheses


def to_source(node: Node) -> str:
    """Return canonical expression text for ``node``."""
    if isinstance(node, Number):
        return format_number(node.value)
    if isinstance(node, String):
        return _quote(node.value)
    if isinstance(node, Ref):
        return f"${{{node.name}}}"
    if isinstance(node, Dot):
        return "."
    if isinstance(node, Negate):
        inner = to_source(node.operand)
        return f"-({inner})" if isinstance(node.operand, Binary) else f"-{inner}"
    if isinstance(node, Binary):
        level = BINARY_OPERATORS[node.op]
        left = to_source(node.left)
        right = to_source(node.right)
        # Operators are left-associative: a right operand of equal precedence needs brackets.
        if _precedence(node.left) < level:
            left = f"({left})"
        if _precedence(node.right) <= level:
            right = f"({right})"
        return f"{left} {node.op} {right}"
    return f"{node.name}({', '.join(to_source(arg) for arg in node.args)})"


def _precedence(node: Node) -> int:
    return BINARY_OPERATORS[node.op] if isinstance(node, Binary) else _ATOM


def _quote(text: str) -> str:
    """Quote a string literal; XPath 1.0 has no escapes, so pick the quote it lacks."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ValueError("a string containing both ' and \" cannot be written as a literal")
