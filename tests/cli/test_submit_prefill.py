"""`btam submit` starts a submission with what the case knows, like the form view (issue 9):
the intake's reporting party and age come from the case unless the answers give them or
``--no-prefill`` is passed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from btam_desktop.core.forms.prefill import age_on
from tests.cli.conftest import Run
from tests.conftest import LEAD

DOB = "2009-05-21"


def _case_with_people(run: Run) -> str:
    _, out, _ = run("case", "add", "--title", "Threats in a group chat", "--json")
    number = str(json.loads(out)["number"])
    code, _, err = run("person", "add", "--family", "Marsh", "--given", "Evan", "--dob", DOB,
                       "--case", number, "--role", "person_of_concern")
    assert code == 0, err
    code, _, err = run("person", "add", "--family", "Okafor", "--given", "Lena", "--phone",
                       "555-0142", "--case", number, "--role", "reporting_party")
    assert code == 0, err
    return number


def test_submit_prefills_from_the_case(initialised: Run, tmp_path: Path) -> None:
    number = _case_with_people(initialised)
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"rp_contact": "text only, 555-0100"}))
    code, out, err = initialised("submit", number, "--form", "intake_referral", "--data",
                                 str(answers), "--draft", "--json")
    assert code == 0, err
    draft = json.loads(out)
    assert draft["answers"]["rp_name"] == "Lena Okafor"
    assert draft["answers"]["poc_age"] == age_on(DOB, dt.date.today())
    assert draft["answers"]["received_by"].startswith(LEAD)
    # What the file gives wins over what the case knows.
    assert draft["answers"]["rp_contact"] == "text only, 555-0100"
    assert "rp_name" in draft["prefilled"] and "rp_contact" not in draft["prefilled"]
    code, out, _ = initialised("submit", number, "--form", "intake_referral", "--data",
                               str(answers), "--draft")
    assert code == 0 and "Filled in from the case: " in out and "rp_name" in out


def test_no_prefill_leaves_the_answers_as_given(initialised: Run, tmp_path: Path) -> None:
    number = _case_with_people(initialised)
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"rp_contact": "555-0100"}))
    code, out, err = initialised("submit", number, "--form", "intake_referral", "--data",
                                 str(answers), "--draft", "--no-prefill", "--json")
    assert code == 0, err
    draft = json.loads(out)
    assert draft["answers"] == {"rp_contact": "555-0100"} and draft["prefilled"] == []
