"""Tests of ``python -m btam_desktop.core.forms``."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import yaml

from btam_desktop.core.forms.cli import main
from btam_desktop.core.forms.schema import schema_json
from tests.core.forms.forms_testkit import field, form


def run(*args: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = main(list(args), out=out)
    return status, out.getvalue().splitlines()


def test_valid_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(form(field("aa"), id="one")), "utf-8")
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(form(field("aa"), id="two")), "utf-8")
    assert run(str(tmp_path / "one.yaml")) == (0, ["ok: 1 form valid"])
    assert run(str(tmp_path)) == (0, ["ok: 2 forms valid"])


def test_every_problem_printed_with_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            form(field("aa", relevant="${zz}"), field("bb", relevant="("), id="bad_form")
        ),
        "utf-8",
    )
    status, lines = run(str(bad), str(tmp_path / "missing.yaml"))
    assert status == 1
    assert lines == [
        f"{bad}: bad_form: field 'aa' relevant (char 0): unknown field reference ${{zz}}",
        f"{bad}: bad_form: field 'bb' relevant (char 1): unexpected end of expression: "
        "a value is missing",
        f"{tmp_path / 'missing.yaml'}: no such file or directory",
        "3 problems found",
    ]


def test_xlsx_and_shared_lists(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["geotrace", "where", "Where"])
    book.save(tmp_path / "x.xlsx")
    status, lines = run(str(tmp_path / "x.xlsx"))
    assert status == 1
    assert (
        lines[0]
        == f"{tmp_path / 'x.xlsx'}: survey row 2, column 'type': type 'geotrace' is not supported"
    )
    shared = tmp_path / "choice_lists.yaml"
    shared.write_text("levels:\n  - {name: low, label: Low}\n", "utf-8")
    assert run(str(shared)) == (0, ["ok: 0 forms valid"])


def test_write_schema(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert run("--write-schema", str(target)) == (0, [])
    assert target.read_text("utf-8") == schema_json()


def test_module_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text('{"format": "btam-form/1"}', "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "btam_desktop.core.forms", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "missing required property 'id'" in result.stdout
