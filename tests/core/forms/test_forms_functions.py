"""The XPath functions real XLSForms use (issue 11): the common safe ones work as in ODK
Collect; the rest are refused at import naming the cell and the function."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core.forms import XLSFormImportError, evaluate, load_xlsform
from btam_desktop.core.forms.errors import ExpressionSyntaxError
from btam_desktop.core.forms.expr import Expression
from tests.core.forms.test_forms_xlsform import row, workbook

ANSWERS = {"name": "  Ana   María ", "kinds": "knife firearm", "age": 17.4, "when": "2026-03-04",
           "at": "2026-03-04T10:05:09", "zip": "60614", "phone": "555-12"}


def value(source: str, answers: dict[str, Any] | None = None) -> Any:
    return Expression(source).evaluate(answers if answers is not None else ANSWERS,
                                             today=dt.date(2026, 3, 4))


@pytest.mark.parametrize(("source", "expected"), [
    ("concat(${name}, '-', 3)", "  Ana   María -3"),
    ("concat('a')", "a"),
    ("selected-at(${kinds}, 1)", "firearm"),
    ("selected-at(${kinds}, 5)", ""),
    ("substr('abcdef', 1, 3)", "bc"),
    ("substr('abcdef', 4)", "ef"),
    ("contains(${name}, 'María')", True),
    ("starts-with(${zip}, '606')", True),
    ("ends-with(${zip}, '5')", False),
    ("round(2.5)", 3.0),
    ("round(-2.5)", -3.0),
    ("round(3.14159, 2)", 3.14),
    ("int(${age})", 17.0),
    ("int(-3.7)", -3.0),
    ("number('12.5') + 1", 13.5),
    ("number('x')", ""),
    ("string(12) = '12'", True),
    ("date('2026-03-04T10:00:00')", "2026-03-04"),
    ("date(0)", "1970-01-01"),
    ("decimal-date-time('1970-01-02')", 1.0),
    ("format-date(${when}, '%d/%m/%Y %b %e')", "04/03/2026 Mar 4"),
    ("format-date(${at}, '%H:%M:%S')", "10:05:09"),
    ("format-date('not a date', '%Y')", ""),
    ("regex(${zip}, '^[0-9]{5}$')", True),
    ("regex(${phone}, '^[0-9]{3}-[0-9]{4}$')", False),
    ("regex(${zip}, '^([0-9]{3})?[0-9]{2}$')", True),  # an optional group is fine
    ("max(1, 7, 3)", 7.0),
    ("min(4, ${age})", 4.0),
    ("max(1, 'x')", ""),
    ("boolean-from-string('true') and not(boolean-from-string('no'))", True),
    ("translate('abc', 'ab', 'A')", "Ac"),
    ("normalize-space(${name})", "Ana María"),
    ("pow(2, 10)", 1024.0),
    ("pow(10, 400)", ""),
    ("abs(-4.5)", 4.5),
    ("if(contains(${kinds}, 'knife'), if(${age} < 18, 'minor', 'adult'), 'none')", "minor"),
    ("coalesce(${missing}, concat('n', 'a'))", "na"),
    ("count-selected(${kinds}) = 2 and selected(${kinds}, 'knife')", True),
    ("string-length(normalize-space(${name}))", 9.0),
])
def test_function_values(source: str, expected: Any) -> None:
    assert value(source) == expected


def test_now_is_a_datetime_today() -> None:
    now = value("now()")
    assert isinstance(now, str) and dt.datetime.fromisoformat(now).date() == dt.date.today()


@pytest.mark.parametrize(("source", "fragment"), [
    ("regex(., ${zip})", "pattern in quotes"),
    ("regex(., '(a+)+$')", "too long to check"),
    ("regex(., '(a|aa)*$')", "too long to check"),
    ("regex(., '(x)\\\\1')", "back-references"),
    ("regex(., '[')", "not a valid regular expression"),
    ("substr('a')", "substr() takes 2 to 3 arguments, got 1"),
    ("concat()", "concat() takes at least 1 argument"),
])
def test_unsafe_or_malformed_calls_are_refused(source: str, fragment: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match=None) as info:
        Expression(source)
    assert fragment in str(info.value)


def test_text_results_are_bounded() -> None:
    long = "x" * 60_000
    assert len(value("concat(${a}, ${a}, ${a})", {"a": long})) == 100_000


def test_xlsform_with_the_functions_imports_and_computes(tmp_path: Path) -> None:
    path = workbook(tmp_path / "functions.xlsx", [
        row("text", "zip", "ZIP code", constraint="regex(., '^[0-9]{5}$')"),
        row("text", "first", "First name"),
        row("calculate", "greeting", calculation="concat('Hello ', normalize-space(${first}))"),
        row("calculate", "year", calculation="format-date(today(), '%Y')"),
    ])
    form = load_xlsform(path)
    state = evaluate(form, {"first": " Kim ", "zip": "60614"}, today=dt.date(2026, 3, 4))
    assert state.calculated["greeting"] == "Hello Kim"
    assert state.calculated["year"] == "2026"


def test_unsupported_functions_refused_naming_cell_and_function(tmp_path: Path) -> None:
    path = workbook(tmp_path / "refused.xlsx", [
        row("text", "a", "A"),
        row("calculate", "key", calculation="once(uuid())"),
        row("calculate", "label_a", calculation="jr:choice-name(${a}, '${a}')"),
        row("calculate", "total", calculation="sum(${a})"),
    ])
    with pytest.raises(XLSFormImportError) as info:
        load_xlsform(path)
    lines = [str(p) for p in info.value.problems]
    assert any(line.startswith("survey row 3, column 'calculation': the function once()")
               and "use a default" in line for line in lines), lines
    assert any("row 4, column 'calculation': the function jr:choice-name()" in line
               for line in lines), lines
    assert any("row 5, column 'calculation': the function sum()" in line for line in lines)
