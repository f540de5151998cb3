"""Recursive-descent parser from tokens to the expression AST.

Grammar (XPath 1.0 precedence, lowest first)::

    expr      := or
    or        := and ('or' and)*
    and       := equality ('and' equality)*
    equality  := relation (('=' | '!=') relation)*
    relation  := additive (('<' | '<=' | '>' | '>=') additive)*
    additive  := multiply (('+' | '-') multiply)*
    multiply  := unary (('*' | 'div' | 'mod') unary)*
    unary     := '-' unary | primary
    primary   := NUMBER | STRING | REF | '.' | '(' expr ')' | NAME '(' args ')'

Nesting is bounded so hostile or accidental input can never exhaust the Python stack: the
parser must only ever raise :class:`ExpressionSyntaxError`.
"""

from __future__ import annotations

from btam_desktop.core.forms.errors import ExpressionSyntaxError
from btam_desktop.core.forms.functions import EXTRA_ARITY, check_regex
from btam_desktop.core.forms.lexer import Token, TokenKind, tokenize
from btam_desktop.core.forms.nodes import (
    BINARY_OPERATORS,
    FUNCTION_ARITY,
    Binary,
    Call,
    Dot,
    Negate,
    Node,
    Number,
    Ref,
    String,
)

__all__ = ["MAX_DEPTH", "MAX_NESTING", "parse"]

# Real form expressions are a handful of levels deep. These limits keep the recursive parser
# (about nine Python frames per nesting level), compiler, evaluator and printer far below
# Python's recursion limit whatever text they are given.
MAX_NESTING = 40
MAX_DEPTH = 100

_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})
_LEVELS: tuple[frozenset[str], ...] = tuple(
    frozenset(op for op, level in BINARY_OPERATORS.items() if level == wanted)
    for wanted in range(1, 7)
)


def parse(source: str) -> Node:
    """Parse ``source`` into an AST or raise :class:`ExpressionSyntaxError`."""
    if not isinstance(source, str):
        raise ExpressionSyntaxError("expression must be a string", 0)
    return _Parser(source).parse()


def _describe(token: Token) -> str:
    """Human description of a token for error messages."""
    if token.kind is TokenKind.EOF:
        return "end of expression"
    return repr(token.text)


class _Parser:
    """Single-use parser over one token list."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.EOF:
            self.index += 1
        return token

    def binary_op_at(self, level: int) -> Token | None:
        """Return the current token if it is a binary operator of precedence ``level``."""
        token = self.peek()
        is_operator = token.kind is TokenKind.OP or (
            token.kind is TokenKind.NAME and token.text in _WORD_OPERATORS
        )
        return token if is_operator and token.text in _LEVELS[level - 1] else None

    def enter(self, pos: int) -> None:
        """Count one level of syntactic nesting (parenthesis, call or unary minus)."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionSyntaxError(
                f"expression is nested too deeply (more than {MAX_NESTING} levels)", pos
            )

    def leave(self) -> None:
        self.depth -= 1

    # -- grammar -------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.peek().kind is TokenKind.EOF:
            raise ExpressionSyntaxError("expression is empty", 0)
        node = self.binary(1)
        token = self.peek()
        if token.kind is TokenKind.RPAREN:
            raise ExpressionSyntaxError("unbalanced ')': no matching '('", token.pos)
        if token.kind is not TokenKind.EOF:
            hint = ""
            if token.kind is TokenKind.NAME:
                hint = " (operators are and, or, div, mod; strings need quotes)"
            raise ExpressionSyntaxError(
                f"unexpected {_describe(token)} after a complete expression{hint}", token.pos
            )
        if _depth(node) > MAX_DEPTH:
            raise ExpressionSyntaxError(
                f"expression is too long or deep (more than {MAX_DEPTH} levels of operations)", 0
            )
        return node

    def binary(self, level: int) -> Node:
        if level > len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.binary_op_at(level)) is not None:
            self.advance()
            right = self.binary(level + 1)
            left = Binary(op.text, left, right, op.pos)
        return left

    def unary(self) -> Node:
        token = self.peek()
        if token.kind is TokenKind.OP and token.text == "-":
            self.advance()
            self.enter(token.pos)
            operand = self.unary()
            self.leave()
            return Negate(operand, token.pos)
        return self.primary()

    def primary(self) -> Node:
        token = self.advance()
        kind = token.kind
        if kind is TokenKind.NUMBER:
            return Number(float(token.value), token.pos)
        if kind is TokenKind.STRING:
            return String(token.value, token.pos)
        if kind is TokenKind.REF:
            return Ref(token.value, token.pos)
        if kind is TokenKind.DOT:
            return Dot(token.pos)
        if kind is TokenKind.LPAREN:
            self.enter(token.pos)
            inner = self.binary(1)
            self.expect_close(token)
            self.leave()
            return inner
        if kind is TokenKind.NAME:
            return self.call(token)
        if kind is TokenKind.EOF:
            raise ExpressionSyntaxError(
                "unexpected end of expression: a value is missing", token.pos
            )
        raise ExpressionSyntaxError(f"unexpected {_describe(token)}: expected a value", token.pos)

    def expect_close(self, opener: Token) -> None:
        token = self.peek()
        if token.kind is not TokenKind.RPAREN:
            raise ExpressionSyntaxError(
                f"expected ')' to close '(' at char {opener.pos}, found {_describe(token)}",
                token.pos,
            )
        self.advance()

    def call(self, name: Token) -> Node:
        if self.peek().kind is not TokenKind.LPAREN:
            if name.text in _WORD_OPERATORS:
                raise ExpressionSyntaxError(
                    f"operator {name.text!r} is missing its left operand", name.pos
                )
            raise ExpressionSyntaxError(
                f"unexpected name {name.text!r}: quote strings ('{name.text}') "
                f"and write field references as ${{{name.text}}}",
                name.pos,
            )
        if name.text not in FUNCTION_ARITY and name.text not in EXTRA_ARITY:
            known = ", ".join(f"{f}()" for f in (*FUNCTION_ARITY, *EXTRA_ARITY))
            raise ExpressionSyntaxError(
                f"unknown function {name.text}(); supported: {known}", name.pos
            )
        opener = self.advance()
        self.enter(opener.pos)
        args: list[Node] = []
        if self.peek().kind is not TokenKind.RPAREN:
            args.append(self.binary(1))
            while self.peek().kind is TokenKind.COMMA:
                self.advance()
                args.append(self.binary(1))
        self.expect_close(opener)
        fewest, most = (
            (FUNCTION_ARITY[name.text],) * 2 if name.text in FUNCTION_ARITY
            else EXTRA_ARITY[name.text])
        if len(args) < fewest or (most is not None and len(args) > most):
            expected = (str(fewest) if fewest == most else f"at least {fewest}"
                        if most is None else f"{fewest} to {most}")
            plural = "argument" if expected == "1" else "arguments"
            raise ExpressionSyntaxError(
                f"{name.text}() takes {expected} {plural}, got {len(args)}", name.pos
            )
        if name.text == "regex":
            if not isinstance(args[1], String):
                raise ExpressionSyntaxError(
                    "regex() takes its pattern in quotes, like regex(., '^[0-9]{5}$')",
                    name.pos)
            why = check_regex(args[1].value)
            if why is not None:
                raise ExpressionSyntaxError(f"regex(): {why}", name.pos)
        if name.text == "count" and not isinstance(args[0], Ref):
            raise ExpressionSyntaxError(
                "count() takes a repeat field reference, like count(${items})", name.pos
            )
        if name.text == "choice" and not isinstance(args[0], String):
            raise ExpressionSyntaxError(
                "choice() takes a column name in quotes, like choice('district')", name.pos
            )
        self.leave()
        return Call(name.text, tuple(args), name.pos)


def _depth(root: Node) -> int:
    """AST depth, computed iteratively (the tree may be deeper than is safe to recurse)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, Binary):
            stack.append((node.left, level + 1))
            stack.append((node.right, level + 1))
        elif isinstance(node, Negate):
            stack.append((node.operand, level + 1))
        elif isinstance(node, Call):
            stack.extend((arg, level + 1) for arg in node.args)
    return deepest
