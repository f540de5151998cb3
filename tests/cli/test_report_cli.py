"""`btam report`: figures printed, exports as PDF or CSV only with a release (recorded in
the dissemination log), CSV cells neutralised, never over an existing file without --force."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

from .conftest import Run

FORMULA = "=cmd|' /C calc'!A0"


def _demo(btam: Run) -> None:
    code, _out, err = btam("partner", "add", FORMULA, "--discipline", "school")
    assert code == 0, err
    code, _out, err = btam("case", "add", "--title", "Threats after expulsion", "--concern", "high")
    assert code == 0, err


RELEASE = ("--recipient", "County board", "--purpose", "Annual program review",
           "--legal-basis", "State code 12-34")


def test_report_prints_and_exports_through_the_log(initialised: Run, tmp_path: Path) -> None:
    btam = initialised
    _demo(btam)
    code, out, err = btam("report", "gaps", "--from", "2000-01-01", "--to", "2099-12-31")
    assert code == 0, err
    assert "Caseload by concern level" in out and "Threats" not in out
    code, out, _ = btam("report", "gaps", "--from", "2000-01-01", "--to", "2099-12-31",
                        "--json")
    data = json.loads(out)
    load = next(t for t in data["tables"] if t["title"] == "Caseload in the period")
    assert load["rows"][0] == ["Open at any time in the period", 1]

    pdf = tmp_path / "gaps.pdf"
    code, _out, err = btam("report", "gaps", "-o", str(pdf))
    assert code == 1 and "recipient" in err.lower() and not pdf.exists()
    code, out, err = btam("report", "gaps", "-o", str(pdf), *RELEASE)
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, check=False)
    assert check.returncode == 0
    code, _out, err = btam("report", "gaps", "-o", str(pdf), *RELEASE)
    assert code == 1 and "already exists" in err
    code, _out, err = btam("report", "gaps", "-o", str(pdf), "--force", *RELEASE)
    assert code == 0, err

    sheet = tmp_path / "map.csv"
    code, _out, err = btam("report", "resource-map", "-o", str(sheet), *RELEASE)
    assert code == 0, err
    cells = [c for row in csv.reader(io.StringIO(sheet.read_text("utf-8-sig"))) for c in row]
    assert "'" + FORMULA in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)

    code, out, err = btam("report", "log", "--json")
    assert code == 0, err
    logged = json.loads(out)
    assert len(logged) == 3 and {d["what"] for d in logged} == {"program_report"}
    assert {d["legal_basis"] for d in logged} == {"State code 12-34"}
    assert {d["recipient"] for d in logged} == {"County board"}


def test_bad_period_and_format_are_refused(initialised: Run, tmp_path: Path) -> None:
    code, _out, err = initialised("report", "post-evaluation", "--from", "2026-05-01",
                                  "--to", "2026-01-01")
    assert code == 1 and "starts after" in err
    code, _out, err = initialised("report", "gaps", "-o", str(tmp_path / "x.txt"), *RELEASE)
    assert code == 1 and "pdf or csv" in err
