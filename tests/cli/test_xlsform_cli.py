"""XLSForms end to end through the CLI: import (with notices), submit valid and invalid
answers, computed values refused, defaults applied, non-relevant answers dropped on
completion, PDF export, export to XLSForm and import as a new version."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tests.cli.conftest import Run
from tests.cli.test_pdf_cli import RELEASE, _pdf_commands_registered  # noqa: F401
from tests.core.forms.xlsform_corpus import field_form, valid_answers
from tests.core.pdf.conftest import pdf_text


@pytest.fixture
def case_number(initialised: Run) -> str:
    _, out, _ = initialised("case", "add", "--title", "XLSForm case", "--json")
    return str(json.loads(out)["number"])


def _submit(run: Run, case: str, path: Path, answers: dict[str, object], *extra: str
            ) -> tuple[int, str, str]:
    path.write_text(json.dumps(answers), "utf-8")
    return run("submit", case, "--form", "field_form", "--data", str(path), "--json", *extra)


def test_field_form_end_to_end(initialised: Run, case_number: str, tmp_path: Path) -> None:
    workbook = field_form(tmp_path / "field.xlsx")
    code, out, err = initialised("forms", "import", str(workbook), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["id"] == "field_form" and result["version"] == 2
    assert any("spinner" in n for n in result["notices"])
    data = tmp_path / "answers.json"

    code, _, err = _submit(initialised, case_number, data, {**valid_answers(), "risk": "x"})
    assert code == 1 and "risk: computed by the form" in err

    bad = {**valid_answers(), "location": "200 0", "score": 11}
    code, _, err = _submit(initialised, case_number, data, bad)
    assert code == 1
    assert "location: latitude must be between -90 and 90" in err
    assert "score: Score for Alex below 10" in err

    # A media answer must name an attachment of the case, not a file name...
    code, _, err = _submit(initialised, case_number, data, valid_answers())
    assert code == 1 and "photo: 'IMG_001.jpg' is not an attachment of this case" in err
    # ...which --attach stores (encrypted in the vault) and answers with.
    photo = tmp_path / "IMG_001.jpg"
    photo.write_bytes(b"\xff\xd8\xff fake jpeg")
    hidden = {**valid_answers(), "weapons": "no"}  # kinds/kinds_other are not relevant
    del hidden["photo"]
    code, out, err = _submit(initialised, case_number, data, hidden, "--attach",
                             f"photo={photo}")
    assert code == 0, err
    stored = json.loads(out)
    answers = stored["answers"]
    assert "kinds" not in answers and "kinds_other" not in answers
    assert answers["seen_on"]  # dynamic default today()
    assert answers["started"] and answers["ended"] and answers["officer"]

    code, out, _ = initialised("submissions", "show", stored["id"], "--json")
    assert code == 0 and json.loads(out)["computed"] == {"risk": "low"}
    code, out, _ = initialised("submissions", "show", stored["id"])
    assert "ERROR" not in out and "Start" not in out  # metadata is hidden
    attached = stored["answers"]["photo"]
    assert f"Photo reference: IMG_001.jpg (attachment {attached})" in out
    code, out, _ = initialised("attach", "list", case_number, "--json")
    assert code == 0 and [a["filename"] for a in json.loads(out)] == ["IMG_001.jpg"]

    pdf = tmp_path / "field.pdf"
    code, _, err = initialised("pdf", "submission", stored["id"], "-o", str(pdf), *RELEASE)
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")

    # The PDF in the form's other language (by code); an unknown one names the languages.
    spanish = tmp_path / "field-es.pdf"
    code, _, err = initialised("pdf", "submission", stored["id"], "--language", "es",
                               "-o", str(spanish), *RELEASE)
    assert code == 0, err
    text = " ".join(pdf_text(spanish.read_bytes()).split())
    assert "1.1 Nombre" in text and "Language Español (es)" in text
    assert "IMG_001.jpg (attached file, kept in the case file)" in text
    code, _, err = initialised("pdf", "submission", stored["id"], "--language", "fr",
                               "-o", str(tmp_path / "fr.pdf"), *RELEASE)
    assert code != 0 and "English (en), Español (es)" in err
    assert not (tmp_path / "fr.pdf").exists()

    code, out, err = _submit(initialised, case_number, data, {"subject_name": "Kim"},
                             "--draft")
    assert code == 0, err
    assert json.loads(out)["answers"]["subject_name"] == "Kim"


def test_export_edit_and_import_as_new_version(initialised: Run, tmp_path: Path) -> None:
    out_file = tmp_path / "contact_log.xlsx"
    code, _, err = initialised("forms", "export", "contact_log", "-o", str(out_file))
    assert code == 0, err
    book = openpyxl.load_workbook(out_file)
    survey = book["survey"]
    survey.cell(row=3, column=3, value="Changed label")
    book.save(out_file)
    code, _, err = initialised("forms", "import", str(out_file))
    assert code == 1 and "higher version" in err
    settings = book["settings"]
    header = [c.value for c in settings[1]]
    settings.cell(row=2, column=header.index("version") + 1, value=2)
    book.save(out_file)
    code, out, err = initialised("forms", "import", str(out_file), "--json")
    assert code == 0, err
    assert json.loads(out)["version"] == 2
    assert initialised("forms", "export", "contact_log", "-o", str(tmp_path / "x.csv"))[0] == 1


def test_xls_import(initialised: Run) -> None:
    path = Path(__file__).resolve().parents[1] / "core" / "forms" / "data" / "tiny_form.xls"
    code, out, err = initialised("forms", "import", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["id"] == "tiny_xls"


def test_show_never_prints_an_error_marker(initialised: Run, case_number: str,
                                           tmp_path: Path) -> None:
    form = tmp_path / "computed.json"
    form.write_text(json.dumps({
        "format": "btam-form/1", "id": "computed_cli", "version": 1, "title": "Computed",
        "sections": [{"id": "one", "title": "First", "fields": [
            {"id": "count", "type": "integer", "label": "Count"},
            {"id": "ratio", "type": "decimal", "label": "Ratio", "read_only": True,
             "calculation": "${count} div 0"},
            {"id": "flag", "type": "text", "label": "Flag", "read_only": True,
             "calculation": "if(${count} > 1, 'ERROR', 'fine')"},
        ]}]}), "utf-8")
    assert initialised("forms", "import", str(form))[0] == 0
    data = tmp_path / "answers.json"
    data.write_text(json.dumps({"count": 5}), "utf-8")
    code, out, err = initialised("submit", case_number, "--form", "computed_cli", "--data",
                                 str(data), "--json")
    assert code == 0, err
    sub_id = json.loads(out)["id"]
    code, out, _ = initialised("submissions", "show", sub_id)
    assert "Ratio: not calculated" in out and "Flag: not calculated" in out
    assert "ERROR" not in out
    code, out, _ = initialised("submissions", "show", sub_id, "--json")
    assert json.loads(out)["computed"] == {}


def test_a_nested_repeat_form_end_to_end(initialised: Run, case_number: str,
                                         tmp_path: Path) -> None:
    from tests.core.forms.test_forms_nested_repeats import HEADER, _r
    from tests.core.forms.test_forms_xlsform import workbook

    book = workbook(tmp_path / "household.xlsx", [
        _r("begin repeat", "people", "People"),
        _r("text", "name", "Name", required="yes"),
        _r("begin repeat", "contacts", "Contacts"),
        _r("text", "contact_name", "Contact name", required="yes"),
        _r("text", "channel", "Channel", default="phone"),
        _r("end repeat", ""),
        _r("end repeat", ""),
    ], header=HEADER, settings=[["form_id", "form_title", "version"],
                                ["household_x", "Household", "1"]])
    code, _, err = initialised("forms", "import", str(book))
    assert code == 0, err
    code, out, _ = initialised("forms", "show", "household_x")
    assert "    contacts (repeat): Contacts\n      contact_name (text): Contact name" in out
    data = tmp_path / "answers.json"
    data.write_text(json.dumps({"people": [{"name": "Ana", "contacts": [{}]}]}), "utf-8")
    code, _, err = initialised("submit", case_number, "--form", "household_x", "--data",
                               str(data))
    assert code == 1 and "people[0].contacts[0].contact_name: this field is required" in err
    data.write_text(json.dumps({"people": [{"name": "Ana", "contacts": [
        {"contact_name": "Bo"}]}]}), "utf-8")
    code, out, err = initialised("submit", case_number, "--form", "household_x", "--data",
                                 str(data), "--json")
    assert code == 0, err
    stored = json.loads(out)
    assert stored["answers"]["people"][0]["contacts"] == [
        {"contact_name": "Bo", "channel": "phone"}]  # the inner item's default applied
    pdf = tmp_path / "household.pdf"
    code, _, err = initialised("pdf", "submission", stored["id"], "-o", str(pdf), *RELEASE)
    assert code == 0, err
    assert "Bo" in pdf_text(pdf.read_bytes())


def test_attach_refuses_what_is_not_a_file_question_and_leaves_nothing_behind(
        initialised: Run, case_number: str, tmp_path: Path) -> None:
    workbook = field_form(tmp_path / "field.xlsx")
    assert initialised("forms", "import", str(workbook))[0] == 0
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"jpeg")
    data = tmp_path / "answers.json"
    answers = {**valid_answers()}
    del answers["photo"]
    code, _, err = _submit(initialised, case_number, data, answers, "--attach",
                           f"notes={photo}")
    assert code != 0 and "not a file question of field_form (its file questions: photo" in err
    answers["score"] = 11  # refused: the file must not stay on the case
    code, _, err = _submit(initialised, case_number, data, answers, "--attach",
                           f"photo={photo}")
    assert code == 1 and "Score for Alex below 10" in err
    code, out, _ = initialised("attach", "list", case_number, "--json")
    assert json.loads(out) == []
