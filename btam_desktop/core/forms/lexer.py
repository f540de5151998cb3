"""Tokenizer for the XLSForm expression subset used by form definitions.

The lexer turns expression text into a flat list of :class:`Token` objects, each carrying the
0-based character offset where it starts so that every later error can point at the exact
spot in the source string.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from btam_desktop.core.forms.errors import ExpressionSyntaxError

__all__ = ["Token", "TokenKind", "tokenize"]


class TokenKind(enum.Enum):
    """Kinds of tokens produced by :func:`tokenize`."""

    NUMBER = "number"
    STRING = "string"
    REF = "field reference"
    DOT = "'.'"
    NAME = "name"
    OP = "operator"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    EOF = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token; ``text`` is the exact source slice, ``value`` the decoded payload."""

    kind: TokenKind
    text: str
    value: str
    pos: int


# A hyphen belongs to a name only when a letter follows it, so `count-selected` is one name
# while `${a}-1` and `5 div-1` still read as subtraction / negative numbers.
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*")
_REF_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_WHITESPACE = frozenset(" \t\r\n")
_SINGLE = {"(": TokenKind.LPAREN, ")": TokenKind.RPAREN, ",": TokenKind.COMMA}


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, always ending with an EOF token.

    Raises :class:`ExpressionSyntaxError` with the offending position for characters that
    cannot start a token, unterminated strings and malformed field references.
    """
    tokens: list[Token] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch in _WHITESPACE:
            i += 1
            continue
        if ch == "$":
            i = _read_ref(source, i, tokens)
            continue
        if ch in "'\"":
            end = source.find(ch, i + 1)
            if end < 0:
                raise ExpressionSyntaxError(f"unterminated string starting with {ch}", i)
            tokens.append(Token(TokenKind.STRING, source[i : end + 1], source[i + 1 : end], i))
            i = end + 1
            continue
        number = _NUMBER_RE.match(source, i)
        if number:
            text = number.group()
            tokens.append(Token(TokenKind.NUMBER, text, text, i))
            i = number.end()
            continue
        if ch == ".":
            if source.startswith("..", i):
                raise ExpressionSyntaxError("'..' (parent node) is not supported", i)
            tokens.append(Token(TokenKind.DOT, ".", ".", i))
            i += 1
            continue
        name = _NAME_RE.match(source, i)
        if name:
            text = name.group()
            tokens.append(Token(TokenKind.NAME, text, text, i))
            i = name.end()
            continue
        if ch in _SINGLE:
            tokens.append(Token(_SINGLE[ch], ch, ch, i))
            i += 1
            continue
        i = _read_operator(source, i, tokens)
    tokens.append(Token(TokenKind.EOF, "", "", n))
    return tokens


def _read_ref(source: str, i: int, tokens: list[Token]) -> int:
    """Read a ``${name}`` reference starting at ``i``; return the index after it."""
    if not source.startswith("${", i):
        raise ExpressionSyntaxError("'$' must start a field reference like ${name}", i)
    end = source.find("}", i + 2)
    if end < 0:
        raise ExpressionSyntaxError("unterminated field reference: missing '}'", i)
    name = source[i + 2 : end]
    if not name:
        raise ExpressionSyntaxError("empty field reference ${}", i)
    if not _REF_NAME_RE.match(name):
        raise ExpressionSyntaxError(f"invalid field name in reference ${{{name}}}", i)
    tokens.append(Token(TokenKind.REF, source[i : end + 1], name, i))
    return end + 1


def _read_operator(source: str, i: int, tokens: list[Token]) -> int:
    """Read a symbolic operator at ``i``; return the index after it."""
    two = source[i : i + 2]
    if two in ("!=", "<=", ">="):
        tokens.append(Token(TokenKind.OP, two, two, i))
        return i + 2
    ch = source[i]
    if ch in "=<>+-*":
        tokens.append(Token(TokenKind.OP, ch, ch, i))
        return i + 1
    if ch == "!":
        raise ExpressionSyntaxError("'!' must be followed by '=' (use not(...) for negation)", i)
    if ch == "/":
        raise ExpressionSyntaxError(
            "paths and '/' are not supported: refer to fields as ${name} and divide with 'div'",
            i,
        )
    if ch == "&" or ch == "|":
        raise ExpressionSyntaxError(f"unexpected {ch!r}: use 'and' / 'or'", i)
    raise ExpressionSyntaxError(f"unexpected character {ch!r}", i)
