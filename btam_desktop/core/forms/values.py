"""XLSForm/XPath value semantics: conversions, comparison and arithmetic.

Runtime values are ``str``, ``float`` or ``bool``. An unanswered field is ``""``. Floats are
always finite: every operation that would produce NaN or infinity (non-numeric operand,
division by zero, overflow) yields ``""`` instead, so a broken calculation shows as
unanswered rather than crashing or printing ``NaN``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

__all__ = [
    "Value",
    "arithmetic",
    "as_number",
    "compare",
    "format_number",
    "from_answer",
    "to_boolean",
    "to_number",
    "to_string",
]

Value = str | float | bool

# XPath number syntax (no exponent, no leading '+'), surrounding whitespace allowed.
_NUMBER_RE = re.compile(r"\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*\Z")


def format_number(number: float) -> str:
    """Format a finite float the way XPath's string() does: no exponent, no trailing .0."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    text = format(Decimal(repr(number)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_string(value: Value) -> str:
    """XPath string(): booleans become 'true'/'false', numbers lose a trailing '.0'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return value


def as_number(value: Value) -> float | None:
    """The value as a number if it is one or parses as one (booleans do not), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return value
    if _NUMBER_RE.match(value):
        return float(value)
    return None


def to_number(value: Value) -> float:
    """XPath number(): booleans are 1/0, non-numeric strings (and '') are NaN."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    number = as_number(value)
    return math.nan if number is None else number


def to_boolean(value: Value) -> bool:
    """XPath boolean(): non-zero numbers and non-empty strings are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return value != ""


def compare(op: str, left: Value, right: Value) -> bool:
    """Evaluate a comparison operator with the contract's semantics.

    ``=``/``!=`` compare as booleans if either side is a boolean (XPath), numerically when
    both sides are or parse as numbers, otherwise as strings. Ordering operators compare
    numerically when both sides are numbers and as strings otherwise (so ISO dates order
    correctly), except that an unanswered side ("") never orders: ``${age} < 18`` is false
    until age is answered, matching XLSForm where the empty value becomes NaN.
    """
    if op == "=" or op == "!=":
        if isinstance(left, bool) or isinstance(right, bool):
            equal = to_boolean(left) == to_boolean(right)
        else:
            a, b = as_number(left), as_number(right)
            equal = (
                a == b if a is not None and b is not None else to_string(left) == to_string(right)
            )
        return equal if op == "=" else not equal
    if isinstance(left, bool) or isinstance(right, bool):
        # XPath converts booleans to 1/0 for ordering.
        return _order(op, to_number(left), to_number(right))
    if left == "" or right == "":
        return False
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return _order(op, a, b)
    return _order(op, to_string(left), to_string(right))


def _order(op: str, a: Any, b: Any) -> bool:
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    if op == ">=":
        return bool(a >= b)
    raise ValueError(f"not an ordering operator: {op}")


def arithmetic(op: str, left: Value, right: Value) -> Value:
    """Evaluate ``+ - * div mod``; any NaN/infinite outcome (incl. x div 0) becomes ''."""
    a, b = to_number(left), to_number(right)
    if math.isnan(a) or math.isnan(b):
        return ""
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "div":
        if b == 0:
            return ""
        result = a / b
    elif op == "mod":
        if b == 0:
            return ""
        # XPath mod truncates toward zero like C's fmod, unlike Python's %.
        result = math.fmod(a, b)
    else:
        raise ValueError(f"not an arithmetic operator: {op}")
    return result if math.isfinite(result) else ""


def from_answer(answer: object) -> Value:
    """Convert a stored answer (ANSWERS.json value) into an expression value.

    Missing/None/empty answers are "", numbers become floats, a multi-choice list becomes
    its space-separated names (as in XLSForm), a signature its signer's name. Anything else
    (a repeat's item list, malformed data) reads as "": expressions never crash on bad data.
    """
    if answer is None:
        return ""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, int | float):
        try:
            number = float(answer)
        except OverflowError:
            return ""
        return number if math.isfinite(number) else ""
    if isinstance(answer, list | tuple):
        if all(isinstance(item, str) for item in answer):
            return " ".join(answer)
        return ""
    if isinstance(answer, dict):
        name = answer.get("name")
        return name if isinstance(name, str) else ""
    return ""
