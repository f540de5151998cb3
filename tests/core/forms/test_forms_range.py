"""``range`` with decimal steps (issue 11): a value must be on a step from ``start`` (with a
tolerance for binary fractions: 0.3 is on the 0.1 steps), within the bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from btam_desktop.core.forms import FormDefinition, load_xlsform, validate_answers
from tests.core.forms.test_forms_xlsform import SURVEY_HEADER, workbook

HEADER = [*SURVEY_HEADER, "parameters"]


def _r(kind: str, name: str, label: str = "", **cols: Any) -> list[Any]:
    values = {"type": kind, "name": name, "label": label, **cols}
    return [values.get(column) for column in HEADER]


@pytest.fixture
def ranges(tmp_path: Path) -> FormDefinition:
    return load_xlsform(workbook(tmp_path / "ranges.xlsx", [
        _r("range", "quarter", "Quarter steps", parameters="start=0 end=1 step=0.25"),
        _r("range", "tenth", "Tenth steps", parameters="start=0.5 end=2 step=0.1"),
        _r("range", "even", "Even", parameters="start=0 end=10 step=2"),
    ], header=HEADER))


def _messages(form: FormDefinition, answers: dict[str, Any]) -> list[str]:
    return [str(p) for p in validate_answers(form, answers, False)]


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("quarter", 0.5, True), ("quarter", 0.75, True), ("quarter", 1, True),
    ("quarter", 0.3, False), ("quarter", 1.25, False), ("quarter", -0.25, False),
    ("tenth", 0.7, True), ("tenth", 1.3, True), ("tenth", 2, True), ("tenth", 0.5, True),
    ("tenth", 0.75, False), ("tenth", 0.4, False), ("tenth", 1.31, False),
    ("even", 4, True), ("even", 5, False),
])
def test_values_must_be_on_a_step(ranges: FormDefinition, field: str, value: float,
                                  ok: bool) -> None:
    problems = _messages(ranges, {field: value})
    assert (problems == []) is ok, problems
    if not ok:
        assert "in steps of" in problems[0]


def test_the_message_names_the_bounds_and_step(ranges: FormDefinition) -> None:
    assert _messages(ranges, {"tenth": 0.75}) == [
        "tenth: a number from 0.5 to 2 in steps of 0.1"]
