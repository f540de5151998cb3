"""The XPath/XLSForm functions of the expression language beyond the core ones.

Each function is a plain Python function over runtime values (``str``, ``float``, ``bool``)
with ODK Collect's semantics where they matter to a form author; none can run code, touch
files, loop without bound or build unbounded text: results are capped at
:data:`MAX_TEXT` characters, ``pow`` refuses huge results and ``regex`` only takes a quoted
pattern checked when the form is read (:func:`check_regex`).

Functions XLSForms use that BTAM refuses at import, naming the cell and the function:
``once``, ``uuid`` (a value that must not change when the engine recomputes on save),
``position``, ``indexed-repeat``, ``sum`` (over repeat items), ``jr:choice-name``,
``pulldata`` and anything not listed in :data:`EXTRA_ARITY`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence

from btam_desktop.core.forms.values import Value, as_number, to_number, to_string

__all__ = ["EXTRA_ARITY", "MAX_TEXT", "check_regex", "extra_function"]

# Longest text a function builds (concat, translate...): far above any real answer.
MAX_TEXT = 100_000
_EPOCH = dt.date(1970, 1, 1)

# name -> (fewest, most arguments; None: any number)
EXTRA_ARITY: dict[str, tuple[int, int | None]] = {
    "concat": (1, None),
    "selected-at": (2, 2),
    "substr": (2, 3),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "round": (1, 2),
    "int": (1, 1),
    "number": (1, 1),
    "string": (1, 1),
    "now": (0, 0),
    "date": (1, 1),
    "decimal-date-time": (1, 1),
    "format-date": (2, 2),
    "regex": (2, 2),
    "max": (1, None),
    "min": (1, None),
    "boolean-from-string": (1, 1),
    "translate": (3, 3),
    "normalize-space": (1, 1),
    "pow": (2, 2),
    "abs": (1, 1),
}


def _text(value: str) -> str:
    return value[:MAX_TEXT]


def _finite(number: float) -> Value:
    return number if math.isfinite(number) else ""


def _concat(*args: Value) -> Value:
    return _text("".join(to_string(a) for a in args))


def _selected_at(names: Value, index: Value) -> Value:
    parts = to_string(names).split()
    position = to_number(index)
    if math.isnan(position) or not position.is_integer() or not 0 <= position < len(parts):
        return ""
    return parts[int(position)]


def _substr(text: Value, start: Value, end: Value | None = None) -> Value:
    # ODK's substr: 0-based start, end exclusive (not XPath 1.0's substring).
    value = to_string(text)
    first = to_number(start)
    if math.isnan(first):
        return ""
    last = len(value) if end is None else to_number(end)
    if math.isnan(last):
        return ""
    return value[max(int(first), 0):max(int(last), 0)]


def _round(value: Value, digits: Value | None = None) -> Value:
    number = to_number(value)
    places = 0.0 if digits is None else to_number(digits)
    if math.isnan(number) or math.isnan(places) or abs(places) > 15:
        return ""
    factor = 10.0 ** int(places)
    # Half away from zero, as ODK rounds (Python's round() rounds half to even).
    result = math.floor(abs(number) * factor + 0.5) / factor
    return _finite(math.copysign(result, number))


def _int(value: Value) -> Value:
    number = to_number(value)
    return "" if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


def _number(value: Value) -> Value:
    number = to_number(value)
    return "" if math.isnan(number) else _finite(number)


def _now() -> Value:
    return dt.datetime.now().replace(microsecond=0).isoformat()


def _as_date(value: Value) -> dt.date | None:
    """A date from an ISO date/datetime text or a number of days since 1970-01-01."""
    if isinstance(value, bool):
        return None
    number = as_number(value)
    if number is not None and not (isinstance(value, str) and "-" in value.strip()[1:]):
        if not math.isfinite(number) or abs(number) > 3_000_000:
            return None
        return _EPOCH + dt.timedelta(days=math.floor(number))
    text = to_string(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _date(value: Value) -> Value:
    day = _as_date(value)
    return day.isoformat() if day is not None else ""


def _decimal_date_time(value: Value) -> Value:
    text = to_string(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        day = _as_date(value)
        return float((day - _EPOCH).days) if day is not None else ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return (moment - dt.datetime(1970, 1, 1)).total_seconds() / 86400.0


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _format_date(value: Value, pattern: Value) -> Value:
    text = to_string(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        day = _as_date(value)
        if day is None:
            return ""
        moment = dt.datetime(day.year, day.month, day.day)
    codes = {
        "Y": f"{moment.year:04d}", "y": f"{moment.year % 100:02d}",
        "m": f"{moment.month:02d}", "n": str(moment.month), "b": _MONTHS[moment.month - 1],
        "d": f"{moment.day:02d}", "e": str(moment.day), "a": _DAYS[moment.weekday()],
        "H": f"{moment.hour:02d}", "h": str(moment.hour), "M": f"{moment.minute:02d}",
        "S": f"{moment.second:02d}", "3": f"{moment.microsecond // 1000:03d}",
    }
    out: list[str] = []
    source = to_string(pattern)
    index = 0
    while index < len(source):
        char = source[index]
        if char == "%" and index + 1 < len(source):
            out.append(codes.get(source[index + 1], source[index:index + 2]))
            index += 2
        else:
            out.append(char)
            index += 1
    return _text("".join(out))


def _extreme(pick: Callable[[Sequence[float]], float]) -> Callable[..., Value]:
    def extreme(*args: Value) -> Value:
        numbers = [to_number(a) for a in args]
        if not numbers or any(math.isnan(n) for n in numbers):
            return ""
        return _finite(pick(numbers))

    return extreme


def _boolean_from_string(value: Value) -> Value:
    return to_string(value).strip() in ("true", "1")


def _translate(text: Value, source: Value, target: Value) -> Value:
    mapping: dict[int, int | None] = {}
    replacement = to_string(target)
    for index, char in enumerate(to_string(source)):
        if ord(char) not in mapping:
            mapping[ord(char)] = ord(replacement[index]) if index < len(replacement) else None
    return _text(to_string(text).translate(mapping))


def _normalize_space(value: Value) -> Value:
    return " ".join(to_string(value).split())


def _pow(base: Value, exponent: Value) -> Value:
    a, b = to_number(base), to_number(exponent)
    if math.isnan(a) or math.isnan(b):
        return ""
    try:
        return _finite(math.pow(a, b))
    except (OverflowError, ValueError):
        return ""


def _abs(value: Value) -> Value:
    number = to_number(value)
    return "" if math.isnan(number) else abs(number)


_PLAIN: dict[str, Callable[..., Value]] = {
    "concat": _concat,
    "selected-at": _selected_at,
    "substr": _substr,
    "contains": lambda a, b: to_string(b) in to_string(a),
    "starts-with": lambda a, b: to_string(a).startswith(to_string(b)),
    "ends-with": lambda a, b: to_string(a).endswith(to_string(b)),
    "round": _round,
    "int": _int,
    "number": _number,
    "string": lambda a: to_string(a),
    "now": _now,
    "date": _date,
    "decimal-date-time": _decimal_date_time,
    "format-date": _format_date,
    "max": _extreme(max),
    "min": _extreme(min),
    "boolean-from-string": _boolean_from_string,
    "translate": _translate,
    "normalize-space": _normalize_space,
    "pow": _pow,
    "abs": _abs,
}

# Longest pattern and longest text a regex() runs on: with the checks below, matching is
# bounded even for a pattern written to be slow.
MAX_PATTERN = 300
MAX_REGEX_INPUT = 2_000
# A quantified group that itself contains a quantifier, or a back-reference: the shapes
# that make backtracking take exponential time ("(a+)+", "(a|a)*", "(x*)*y").
_NESTED_QUANTIFIER = re.compile(
    r"\((?:[^()\\]|\\.)*[*+}?](?:[^()\\]|\\.)*\)\s*(?:[*+]|\{\d*,\d*\})")
_REPEATED_ALTERNATIVES = re.compile(r"\([^()]*\|[^()]*\)\s*(?:[*+]|\{\d*,\d*\})")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


def check_regex(pattern: str) -> str | None:
    """Why ``pattern`` may not be used in regex() (None when it may)."""
    if len(pattern) > MAX_PATTERN:
        return f"the pattern is longer than {MAX_PATTERN} characters"
    if _NESTED_QUANTIFIER.search(pattern) or _REPEATED_ALTERNATIVES.search(pattern):
        return ("the pattern repeats a group that itself repeats or has alternatives "
                "(like (a+)+ ): it can take too long to check; simplify it")
    if _BACKREF.search(pattern):
        return "back-references (\\1) are not supported in regex()"
    try:
        re.compile(pattern)
    except re.error as error:
        return f"the pattern is not a valid regular expression ({error})"
    return None


def _regex(pattern: str) -> Callable[[Value], Value]:
    compiled = re.compile(pattern)

    def regex(value: Value) -> Value:
        text = to_string(value)
        if len(text) > MAX_REGEX_INPUT:
            return False
        # XPath regex() (JavaRosa) is a search: the pattern may match anywhere unless
        # anchored with ^...$.
        return compiled.search(text) is not None

    return regex


def extra_function(name: str, args: Sequence[Callable[..., Value]],
                   literal: str | None = None) -> Callable[..., Value]:
    """The compiled call of function ``name`` over compiled ``args`` (each a callable of the
    scope); ``literal`` is regex()'s quoted pattern."""
    if name == "regex":
        assert literal is not None  # guaranteed by the parser
        test = _regex(literal)
        subject = args[0]
        return lambda scope: test(subject(scope))
    function = _PLAIN[name]
    if not args:
        return lambda scope: function()
    if len(args) == 1:
        (only,) = args
        return lambda scope: function(only(scope))
    return lambda scope: function(*(arg(scope) for arg in args))
