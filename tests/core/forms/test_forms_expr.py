"""Tests of the expression tokenizer, parser, evaluator and printer."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btam_desktop.core.forms.errors import ExpressionSyntaxError
from btam_desktop.core.forms.expr import Expression, parse_expression, references
from btam_desktop.core.forms.nodes import Binary, Call, Dot, Negate, Node, Number, Ref, String
from btam_desktop.core.forms.parser import MAX_NESTING, parse
from btam_desktop.core.forms.printer import to_source
from btam_desktop.core.forms.values import compare

TODAY = dt.date(2024, 3, 15)


def ev(
    source: str,
    answers: Mapping[str, object] | None = None,
    *,
    dot: object = None,
    counts: dict[str, int] | None = None,
) -> object:
    return parse_expression(source).evaluate(answers or {}, dot=dot, today=TODAY, counts=counts)


# -- parsing ---------------------------------------------------------------------------------


def test_precedence_follows_xpath() -> None:
    assert parse("1 + 2 * 3") == Binary("+", Number(1), Binary("*", Number(2), Number(3)))
    assert parse("${a} = 1 or ${b} = 2 and ${c} = 3") == Binary(
        "or",
        Binary("=", Ref("a"), Number(1)),
        Binary("and", Binary("=", Ref("b"), Number(2)), Binary("=", Ref("c"), Number(3))),
    )
    assert parse("-2 * 3") == Binary("*", Negate(Number(2)), Number(3))
    assert parse("10 - 4 - 3") == Binary("-", Binary("-", Number(10), Number(4)), Number(3))


def test_names_with_hyphen_and_subtraction() -> None:
    assert parse("count-selected(${x})") == Call("count-selected", (Ref("x"),))
    assert parse("${a}-1") == Binary("-", Ref("a"), Number(1))
    assert parse("5 div-1") == Binary("div", Number(5), Negate(Number(1)))


def test_dot_and_decimal_literals() -> None:
    assert parse(". > .5") == Binary(">", Dot(), Number(0.5))
    assert parse('"it\'s"') == String("it's")
    assert parse("'say \"hi\"'") == String('say "hi"')


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("1 +", 3, "value is missing"),
        ("${a", 0, "unterminated field reference"),
        ("${}", 0, "empty field reference"),
        ("${a b}", 0, "invalid field name"),
        ("'abc", 0, "unterminated string"),
        ("(1 + 2", 6, "expected ')'"),
        ("1 + 2)", 5, "unbalanced ')'"),
        ("yes", 0, "quote strings"),
        ("concatenate('a', 'b')", 0, "unknown function concatenate()"),
        ("not(1, 2)", 0, "not() takes 1 argument, got 2"),
        ("if(1, 2)", 0, "if() takes 3 arguments, got 2"),
        ("today(1)", 0, "today() takes 0 arguments, got 1"),
        ("count('x')", 0, "count() takes a repeat field reference"),
        ("/data/a = 1", 0, "paths"),
        ("${a} == 1", 6, "expected a value"),
        ("${a} ! 1", 5, "'!' must be followed by '='"),
        ("1 2", 2, "after a complete expression"),
        ("${a} && ${b}", 5, "use 'and'"),
        ("..", 0, "'..'"),
        ("$a", 0, "field reference like ${name}"),
        ("and 1", 0, "missing its left operand"),
        ("1 = #", 4, "unexpected character"),
    ],
)
def test_syntax_errors_have_position_and_message(source: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(source)
    assert info.value.position == position
    assert fragment in info.value.message


def test_nesting_is_bounded_without_recursion_error() -> None:
    deep = "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1)
    with pytest.raises(ExpressionSyntaxError, match="nested too deeply"):
        parse(deep)
    assert parse("(" * 10 + "1" + ")" * 10) == Number(1)
    with pytest.raises(ExpressionSyntaxError, match="too long or deep"):
        parse(" + ".join(["1"] * 500))
    with pytest.raises(ExpressionSyntaxError):
        parse("-" * 5000 + "1")


def test_references_lists_fields_with_positions() -> None:
    expression = parse_expression("selected(${a}, 'x') and count(${items}) > ${n}")
    assert [(r.name, r.position, r.counted) for r in expression.references] == [
        ("a", 9, False),
        ("items", 30, True),
        ("n", 42, False),
    ]
    assert expression.field_ids == {"a", "items", "n"}
    assert references(parse("1 + 2")) == []


def test_expression_equality_uses_source() -> None:
    assert Expression("${a} = 1") == Expression("${a} = 1")
    assert Expression("${a} = 1") != Expression("${a}=1")
    assert Expression("${a}=1").canonical() == "${a} = 1"


# -- evaluation ------------------------------------------------------------------------------


def test_unanswered_is_empty_string() -> None:
    assert ev("${a}") == ""
    assert ev("${a} = ''") is True
    assert ev("string-length(${a})") == 0.0
    assert ev("coalesce(${a}, 'fallback')") == "fallback"
    assert ev("coalesce(${a}, 'fallback')", {"a": "set"}) == "set"


def test_unanswered_never_orders() -> None:
    # With plain string comparison "" < "18" would be true and a juvenile section would show
    # before the age is known; XLSForm makes the empty value NaN, which never compares.
    assert ev("${age} < 18") is False
    assert ev("${age} >= 18") is False
    assert ev("${age} < 18", {"age": 12}) is True


def test_numeric_vs_string_comparison() -> None:
    assert ev("${a} < ${b}", {"a": "9", "b": "10"}) is True  # both parse as numbers
    assert ev("${a} < ${b}", {"a": "9x", "b": "10x"}) is False  # string comparison
    assert ev("${a} = 1", {"a": "1.0"}) is True
    assert ev("'2024-01-31' < '2024-02-01'") is True
    assert ev(". <= today()", dot="2024-03-15") is True
    assert ev(". <= today()", dot="2024-03-16") is False
    assert ev("${n} = 3", {"n": 3}) is True


def test_boolean_conversions() -> None:
    assert ev("not(${a})") is True
    assert ev("not(${a})", {"a": "no"}) is False  # a non-empty string is true
    assert ev("not(0)") is True
    assert ev("(1 = 1) = 'x'") is True  # boolean comparison: non-empty string is true
    assert ev("(1 = 1) + 1") == 2.0
    assert ev("if(1 = 1, 'y', 'n')") == "y"
    assert ev("if('', 'y', 'n')") == "n"
    assert ev("string-length(1 = 1)") == 4.0  # "true"


def test_arithmetic_and_division_by_zero() -> None:
    assert ev("7 div 2") == 3.5
    assert ev("7 mod 3") == 1.0
    assert ev("-7 mod 3") == -1.0  # truncating, like XPath
    assert ev("1 div 0") == ""
    assert ev("1 mod 0") == ""
    assert ev("${a} + 1") == ""
    assert ev("${a} + 1", {"a": 2}) == 3.0
    assert ev("'abc' * 2") == ""
    assert ev("-${a}") == ""
    assert ev("9" * 400 + " * 10") == ""  # overflow yields "", not a crash


def test_selection_functions() -> None:
    answers = {"m": ["a", "b"], "s": "b"}
    assert ev("selected(${m}, 'a')", answers) is True
    assert ev("selected(${m}, 'c')", answers) is False
    assert ev("selected(${s}, 'b')", answers) is True
    assert ev("count-selected(${m})", answers) == 2.0
    assert ev("count-selected(${none})", answers) == 0.0


def test_count_and_today() -> None:
    assert ev("count(${items})", counts={"items": 3}) == 3.0
    assert ev("today()") == "2024-03-15"
    assert parse_expression("today()").evaluate({}, today=dt.date(2000, 1, 2)) == "2000-01-02"


def test_malformed_answers_never_crash() -> None:
    weird = {"a": {"x": 1}, "b": [1, 2], "c": float("nan"), "d": object(), "e": 10**400}
    for name in "abcde":
        assert ev(f"${{{name}}} + 1", weird) in ("", 2.0)


# -- properties ------------------------------------------------------------------------------

small_ints = st.integers(min_value=-100, max_value=100)


def _int_expr(depth: int = 3) -> st.SearchStrategy[tuple[str, int]]:
    leaf = small_ints.map(lambda n: (str(n) if n >= 0 else f"-{-n}", n))
    if depth == 0:
        return leaf

    def combine(parts: tuple[tuple[str, int], str, tuple[str, int]]) -> tuple[str, int]:
        (ls, lv), op, (rs, rv) = parts
        value = {"+": lv + rv, "-": lv - rv, "*": lv * rv}[op]
        return f"({ls}) {op} ({rs})", value

    sub = _int_expr(depth - 1)
    return st.one_of(leaf, st.tuples(sub, st.sampled_from("+-*"), sub).map(combine))


@given(_int_expr())
def test_integer_arithmetic_matches_python(case: tuple[str, int]) -> None:
    source, expected = case
    assert ev(source) == float(expected)


@given(small_ints, small_ints.filter(lambda n: n != 0))
def test_div_and_mod_match_truncating_semantics(a: int, b: int) -> None:
    assert ev(f"({a}) div ({b})") == a / b
    assert ev(f"({a}) mod ({b})") == math.fmod(a, b)


values = st.one_of(
    st.text(alphabet="ab019-. ", max_size=6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
)


@given(values, values)
def test_comparison_antisymmetry(a: str | float | bool, b: str | float | bool) -> None:
    assert not (compare("<", a, b) and compare("<", b, a))
    assert compare("<", a, b) == compare(">", b, a)
    assert compare("<=", a, b) == compare(">=", b, a)
    assert compare("=", a, b) == compare("=", b, a)
    assert compare("!=", a, b) != compare("=", a, b)


def _parse_or_locate_error(text: str) -> None:
    """Parsing either succeeds or raises ExpressionSyntaxError pointing inside the text."""
    position: int | None = None
    try:
        parse(text)
    except ExpressionSyntaxError as exc:
        position = exc.position
    assert position is None or 0 <= position <= len(text)


@given(st.text(max_size=60))
@settings(max_examples=400)
def test_parser_only_raises_syntax_errors(text: str) -> None:
    _parse_or_locate_error(text)


expression_alphabet = st.text(alphabet="${}abc()'\". ,=<>!+-*/0123456789 divmodnotand", max_size=40)


@given(expression_alphabet)
@settings(max_examples=400)
def test_parser_on_expression_like_text(text: str) -> None:
    _parse_or_locate_error(text)


def _nodes() -> st.SearchStrategy[Node]:
    leaves = st.one_of(
        st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(Number),
        st.text(alphabet="ab 'x", max_size=4)
        .filter(lambda s: "'" not in s or '"' not in s)
        .map(String),
        st.sampled_from(["a", "b", "c_d"]).map(Ref),
        st.just(Dot()),
    )

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        return st.one_of(
            st.builds(
                Binary,
                st.sampled_from(
                    ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"]
                ),
                children,
                children,
            ),
            st.builds(Negate, children),
            st.builds(lambda a: Call("not", (a,)), children),
            st.builds(lambda a, b, c: Call("if", (a, b, c)), children, children, children),
            st.builds(lambda a, b: Call("coalesce", (a, b)), children, children),
            st.builds(lambda a, b: Call("selected", (a, b)), children, children),
            st.builds(lambda a: Call("string-length", (a,)), children),
            st.just(Call("today", ())),
            st.sampled_from(["a", "b"]).map(lambda n: Call("count", (Ref(n),))),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@given(_nodes())
def test_print_parse_round_trip(node: Node) -> None:
    text = to_source(node)
    assert parse(text) == node
    assert to_source(parse(text)) == text


@given(_nodes(), st.dictionaries(st.sampled_from(["a", "b", "c_d"]), values), values)
def test_evaluation_is_total(node: Node, answers: dict[str, object], dot: object) -> None:
    result = Expression(to_source(node)).evaluate(answers, dot=dot, today=TODAY, counts={"a": 2})
    assert isinstance(result, str | float | bool)
    if isinstance(result, float):
        assert math.isfinite(result)
