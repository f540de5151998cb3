"""Every form shipped in the repository's ``forms/`` folder must validate.

Fails (rather than passing vacuously) when the folder holds no forms.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from btam_desktop.core.forms import (
    FormDefinition,
    FormPack,
    evaluate,
    load_form,
    validate_answers,
)
from tests.core.forms.forms_testkit import sample_answers

FORMS_DIR = Path(__file__).resolve().parents[3] / "forms"
NOT_FORMS = {"form.schema.json", "choice_lists.yaml", "choice_lists.yml", "choice_lists.json"}


def shipped_form_files() -> list[Path]:
    if not FORMS_DIR.is_dir():
        return []
    return [
        path
        for path in sorted(FORMS_DIR.iterdir())
        if path.suffix in (".yaml", ".yml", ".json") and path.name not in NOT_FORMS
    ]


def test_forms_folder_has_forms() -> None:
    assert shipped_form_files(), f"no form definitions found in {FORMS_DIR}"


@pytest.mark.parametrize("path", shipped_form_files(), ids=lambda p: p.name)
def test_shipped_form_validates(path: Path) -> None:
    definition = load_form(path)  # raises FormDefinitionError listing every problem
    assert any(True for _ in definition.iter_fields())


def test_shipped_pack_loads_and_round_trips() -> None:
    pack = FormPack.load(FORMS_DIR)
    assert len(pack) == len(shipped_form_files())
    for definition in pack:
        assert FormDefinition.from_dict(definition.to_dict()) == definition


def test_shipped_forms_accept_empty_draft_and_full_answers() -> None:
    today = dt.date(2024, 6, 1)
    for definition in FormPack.load(FORMS_DIR):
        assert validate_answers(definition, {}, False, today=today) == []
        answers = sample_answers(definition)
        problems = validate_answers(definition, answers, False, today=today)
        # Sample values are type-valid; only form-specific constraints may object.
        assert all(p.code == "constraint" for p in problems), [str(p) for p in problems]
        evaluate(definition, answers, today=today)


def test_validation_is_fast_on_the_largest_form() -> None:
    pack = FormPack.load(FORMS_DIR)
    largest = max(pack, key=lambda form: sum(1 for _ in form.iter_fields()))
    answers = sample_answers(largest)
    today = dt.date(2024, 6, 1)
    validate_answers(largest, answers, True, today=today)  # builds and caches the plan
    start = time.perf_counter()
    for _ in range(1000):
        validate_answers(largest, answers, True, today=today)
    elapsed = time.perf_counter() - start
    # About 0.1 s on a developer machine; the bound only catches gross regressions
    # (e.g. re-parsing expressions per call), not normal machine-to-machine noise.
    assert elapsed < 5.0, f"1000 validations took {elapsed:.2f}s"
