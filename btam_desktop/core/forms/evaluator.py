"""Interpreter for the expression AST.

Each AST is compiled once into a tree of small Python closures (no ``eval``/``exec``: the
closures are ordinary nested functions chosen by node type). Evaluating a compiled
expression is then a chain of direct calls, several times faster than walking the AST with
``isinstance`` dispatch on every evaluation, which matters when thousands of submissions are
validated against the same form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from btam_desktop.core.forms.functions import EXTRA_ARITY, extra_function
from btam_desktop.core.forms.nodes import Binary, Call, Dot, Negate, Node, Number, Ref, String
from btam_desktop.core.forms.values import (
    Value,
    arithmetic,
    compare,
    to_boolean,
    to_number,
    to_string,
)

__all__ = ["Compiled", "Scope", "compile_node"]


class Scope:
    """Everything an expression can see while it is evaluated.

    ``values`` maps top-level field ids to values; ``item`` (inside a repeat) maps the
    current item's member ids to values and is consulted first, which is how ``${sibling}``
    refers to the same item. ``counts`` holds the number of items of each relevant repeat,
    ``dot`` the value ``.`` stands for and ``today`` the ISO date today() returns.
    """

    __slots__ = ("choice", "counts", "dot", "item", "today", "values")

    def __init__(
        self,
        values: Mapping[str, Value],
        *,
        today: str,
        item: Mapping[str, Value] | None = None,
        dot: Value = "",
        counts: Mapping[str, int] | None = None,
    ) -> None:
        self.values = values
        self.item = item
        self.dot = dot
        self.today = today
        self.counts: Mapping[str, int] = counts if counts is not None else {}
        # The choice a choice_filter is evaluated for: column -> text (name, label, data).
        self.choice: Mapping[str, str] = {}


Compiled = Callable[[Scope], Value]


def compile_node(node: Node) -> Compiled:
    """Compile an AST into a callable taking a :class:`Scope`."""
    if isinstance(node, Number | String):
        constant: Value = node.value
        return lambda scope: constant
    if isinstance(node, Ref):
        return _compile_ref(node.name)
    if isinstance(node, Dot):
        return lambda scope: scope.dot
    if isinstance(node, Negate):
        operand = compile_node(node.operand)
        return lambda scope: _negate(operand(scope))
    if isinstance(node, Binary):
        return _compile_binary(node)
    return _compile_call(node)


def _compile_ref(name: str) -> Compiled:
    def ref(scope: Scope) -> Value:
        item = scope.item
        if item is not None:
            value = item.get(name)
            if value is not None:
                return value
        return scope.values.get(name, "")

    return ref


def _compile_binary(node: Binary) -> Compiled:
    op = node.op
    left = compile_node(node.left)
    right = compile_node(node.right)
    if op == "and":
        return lambda scope: to_boolean(left(scope)) and to_boolean(right(scope))
    if op == "or":
        return lambda scope: to_boolean(left(scope)) or to_boolean(right(scope))
    if op in ("=", "!=", "<", "<=", ">", ">="):
        return lambda scope: compare(op, left(scope), right(scope))
    return lambda scope: arithmetic(op, left(scope), right(scope))


def _compile_call(node: Call) -> Compiled:
    args = [compile_node(arg) for arg in node.args]
    name = node.name
    if name == "today":
        return lambda scope: scope.today
    if name == "true":
        return lambda scope: True
    if name == "false":
        return lambda scope: False
    if name == "choice":
        column = node.args[0]
        assert isinstance(column, String)  # guaranteed by the parser
        key = column.value
        return lambda scope: scope.choice.get(key, "")
    if name == "not":
        (arg,) = args
        return lambda scope: not to_boolean(arg(scope))
    if name == "if":
        cond, then, other = args
        return lambda scope: then(scope) if to_boolean(cond(scope)) else other(scope)
    if name == "coalesce":
        first, second = args

        def coalesce(scope: Scope) -> Value:
            value = first(scope)
            return value if to_string(value) != "" else second(scope)

        return coalesce
    if name == "selected":
        haystack, needle = args
        return lambda scope: to_string(needle(scope)).strip() in to_string(haystack(scope)).split()
    if name == "count-selected":
        (arg,) = args
        return lambda scope: float(len(to_string(arg(scope)).split()))
    if name == "string-length":
        (arg,) = args
        return lambda scope: float(len(to_string(arg(scope))))
    if name == "count":
        target = node.args[0]
        assert isinstance(target, Ref)  # guaranteed by the parser
        return _compile_count(target.name, args[0])
    if name in EXTRA_ARITY:
        pattern = node.args[1] if name == "regex" else None
        literal = pattern.value if isinstance(pattern, String) else None
        return extra_function(name, args, literal)
    raise ValueError(f"unknown function {name}()")  # unreachable: the parser rejects it


def _compile_count(name: str, value: Compiled) -> Compiled:
    def count(scope: Scope) -> Value:
        items = scope.counts.get(name)
        if items is not None:
            return float(items)
        # Not a repeat (static validation forbids this): one answered node counts as 1.
        return 1.0 if to_string(value(scope)) != "" else 0.0

    return count


def _negate(value: Value) -> Value:
    number = to_number(value)
    return "" if math.isnan(number) else -number
