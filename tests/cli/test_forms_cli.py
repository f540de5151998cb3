"""`btam forms ...`, `btam submit`, `btam submissions ...` as scripts use them."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tests.cli.conftest import Run


@pytest.fixture
def case_number(initialised: Run) -> str:
    _, out, _ = initialised("case", "add", "--title", "Forms case", "--json")
    return str(json.loads(out)["number"])


def test_forms_list_json(initialised: Run) -> None:
    code, out, _ = initialised("forms", "list", "--json")
    forms = json.loads(out)
    assert code == 0
    assert {"intake_referral", "threat_inquiry", "management_plan", "contact_log",
            "warning_behaviours", "screening_triage", "partner_referral",
            "case_review_closure", "external_instrument"} <= {f["id"] for f in forms}
    assert all(set(f) >= {"id", "version", "title"} for f in forms)


def test_forms_show(initialised: Run) -> None:
    code, out, _ = initialised("forms", "show", "contact_log")
    assert code == 0 and "contact_date" in out
    code, out, _ = initialised("forms", "show", "contact_log", "--json")
    assert json.loads(out)["id"] == "contact_log"
    assert initialised("forms", "show", "no_such_form")[0] == 1


def test_forms_validate_lists_every_problem(initialised: Run, tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "forms"
    assert initialised("forms", "validate", str(shipped), passphrase_file=None)[0] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: btam-form/1\nid: bad_form\nversion: 1\ntitle: Bad\nsections:\n"
                   "  - id: main\n    title: Main\n    fields:\n"
                   "      - {id: alpha, type: text, label: A, relevant: \"${nope} = 1\"}\n"
                   "      - {id: beta, type: choice, label: B, choices: no_such_list}\n")
    code, out, _ = initialised("forms", "validate", str(bad), passphrase_file=None)
    assert code == 1
    assert "nope" in out and "no_such_list" in out


def test_submit_complete_and_draft(initialised: Run, case_number: str, tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"contact_date": "2026-03-04"}))
    code, _, err = initialised("submit", case_number, "--form", "contact_log", "--data",
                               str(answers))
    assert code == 1
    assert "contact_summary: this field is required" in err
    code, out, err = initialised("submit", case_number, "--form", "contact_log", "--data",
                                 str(answers), "--draft", "--json")
    assert code == 0, err
    draft = json.loads(out)
    assert draft["status"] == "draft" and draft["answers"] == {"contact_date": "2026-03-04"}
    answers.write_text(json.dumps({"contact_date": "not a date"}))
    code, _, err = initialised("submit", case_number, "--form", "contact_log", "--data",
                               str(answers), "--draft")
    assert code == 1 and "contact_date" in err
    code, out, _ = initialised("submissions", "list", case_number, "--json")
    assert [s["id"] for s in json.loads(out)] == [draft["id"]]
    code, out, _ = initialised("submissions", "show", draft["id"], "--json")
    shown = json.loads(out)
    assert shown["form_id"] == "contact_log" and shown["form_version"] == 1


def test_import_xlsform_into_vault(initialised: Run, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "required", "relevant"])
    survey.append(["begin group", "basics", "Basics", "", ""])
    survey.append(["text", "school_name", "School name", "yes", ""])
    survey.append(["select_one yn", "weapon_seen", "Weapon seen?", "yes", ""])
    survey.append(["text", "weapon_kind", "What kind?", "", "${weapon_seen} = 'yes'"])
    survey.append(["end group", "", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for name in ("yes", "no", "unknown"):
        choices.append(["yn", name, name.title()])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title", "version"])
    settings.append(["school_walkthrough", "School walkthrough", 1])
    path = tmp_path / "walkthrough.xlsx"
    book.save(path)
    code, out, err = initialised("forms", "import", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["id"] == "school_walkthrough"
    _, out, _ = initialised("forms", "list", "--json")
    assert "school_walkthrough" in {f["id"] for f in json.loads(out)}

    # Same id and version, different content: refused, the stored form is never replaced.
    survey.append(["geopoint", "where", "Where?", "", ""])
    book.save(path)
    code, _, err = initialised("forms", "import", str(path))
    assert code == 1 and "higher version" in err
    survey.append(["geotrace", "path", "Path?", "", ""])
    book.save(path)
    code, _, err = initialised("forms", "import", str(path))
    assert code == 1 and "geotrace" in err
