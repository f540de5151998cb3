"""`btam pdf ...`: exports need a release and are logged; import exit codes 0 and 1."""

from __future__ import annotations

import argparse
import io
import json
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from btam_desktop import cli
from btam_desktop.cli import pdf_commands
from btam_desktop.core import vault
from tests.cli.conftest import Run
from tests.conftest import LEAD, LEAD_PASS
from tests.core.pdf.sample import (
    TARGET_FAMILY,
    WITNESS_FAMILY,
    SampleCase,
    full_answers,
    make_case,
    populate_case,
)
from tests.core.pdf.test_acroform import field_values, fill

RELEASE = ["--recipient", "Lakeside High threat team", "--purpose", "Safety planning",
           "--legal-basis", "FERPA 34 CFR 99.36 health or safety emergency"]


@pytest.fixture(autouse=True)
def _pdf_commands_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register `btam pdf` if the main parser does not have it yet (it is wired into
    btam_desktop/cli/__init__.py separately); a no-op once it is."""
    original = cli.build_parser

    def build() -> argparse.ArgumentParser:
        parser = original()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "pdf" not in sub.choices:
            json_parent = argparse.ArgumentParser(add_help=False)
            json_parent.add_argument("--json", action="store_true")
            pdf_commands.register(sub, json_parent)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)


@pytest.fixture
def sample(initialised: Run, tmp_path: Path) -> tuple[SampleCase, str]:
    """A populated case and a threat_inquiry draft on it, made through the core."""
    session, _ = vault.unlock(tmp_path / "v.btam", passphrase_text=LEAD_PASS, member=LEAD)
    people = make_case(session)
    populate_case(session, people)
    form = session.forms.definition("threat_inquiry")
    sub = session.submissions.create(people.case.id, "threat_inquiry",
                                     full_answers(form, people), strict=False)
    session.lock()
    return people, sub.id


def _text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_profiles(initialised: Run) -> None:
    code, out, _ = initialised("pdf", "profiles")
    assert code == 0 and "school_partner" in out and "public_health_partner" in out
    code, out, _ = initialised("pdf", "profiles", "--json")
    assert {p["id"] for p in json.loads(out)} >= {"none", "school_partner"}


def test_export_needs_release_details(initialised: Run, sample: tuple[SampleCase, str],
                                      tmp_path: Path) -> None:
    _, sub_id = sample
    out = tmp_path / "form.pdf"
    code, _, err = initialised("pdf", "submission", sub_id, "-o", str(out),
                               "--recipient", "Someone")
    assert code == 1
    assert "needs purpose, legal basis or consent" in err
    assert not out.exists()
    code, _, err = initialised("pdf", "submission", sub_id, "-o", str(out), *RELEASE,
                               "--redact", "nope")
    assert code == 1 and "no redaction profile 'nope'" in err


def test_submission_export_is_logged(initialised: Run, sample: tuple[SampleCase, str],
                                     tmp_path: Path) -> None:
    people, sub_id = sample
    out = tmp_path / "form.pdf"
    code, text, err = initialised("pdf", "submission", sub_id, "-o", str(out), *RELEASE,
                                  "--redact", "school_partner")
    assert code == 0, err
    assert "Recorded in the dissemination log" in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert TARGET_FAMILY not in _text(out)
    code, _, err = initialised("pdf", "submission", sub_id, "-o", str(out), *RELEASE)
    assert code == 1 and "already exists" in err
    code, raw, _ = initialised("pdf", "submission", sub_id, "-o", str(out), *RELEASE,
                               "--force", "--json")
    result = json.loads(raw)
    assert code == 0 and set(result) == {"path", "sha256", "size", "pages",
                                         "dissemination_id", "redaction_profile"}
    code, raw, _ = initialised("pdf", "log", people.case.number, "--json")
    log = json.loads(raw)
    assert code == 0 and len(log) == 2
    assert [e["redaction_profile"] for e in log] == ["school_partner", "none"]
    assert log[1]["sha256"] == result["sha256"]


def test_case_report_export(initialised: Run, sample: tuple[SampleCase, str],
                            tmp_path: Path) -> None:
    people, _ = sample
    out = tmp_path / "report.pdf"
    code, _, err = initialised("pdf", "case", people.case.number, "-o", str(out), *RELEASE,
                               "--redact", "mental_health_partner")
    assert code == 0, err
    text = _text(out)
    assert "Case report" in text and WITNESS_FAMILY not in text
    assert "REDACTED COPY — profile: Mental-health partner" in text


def test_blank_then_import(initialised: Run, sample: tuple[SampleCase, str],
                           tmp_path: Path) -> None:
    people, _ = sample
    blank = tmp_path / "blank.pdf"
    code, text, err = initialised("pdf", "blank", "contact_log", "-o", str(blank))
    assert code == 0, err
    assert "dissemination" not in text
    session, _ = vault.unlock(tmp_path / "v.btam", passphrase_text=LEAD_PASS, member=LEAD)
    form = session.forms.definition("contact_log")
    answers = full_answers(form, people)
    values = field_values(form, answers, session, people.case.id)
    session.lock()
    values["contact_date"] = "14/03/2026"  # a problem to list, not a refusal
    filled = tmp_path / "filled.pdf"
    filled.write_bytes(fill(blank.read_bytes(), values))
    code, text, err = initialised("pdf", "import", str(filled), "--case", people.case.number)
    assert code == 0, err
    assert text.startswith("Imported as draft ")
    assert "problem" in text and "write dates as YYYY-MM-DD" in text
    code, raw, _ = initialised("pdf", "import", str(filled), "--case", people.case.number,
                               "--json")
    result = json.loads(raw)
    assert code == 0 and result["status"] == "draft" and result["form_id"] == "contact_log"
    assert any(p["path"] == "contact_date" for p in result["problems"])


def test_refused_import_exits_1(initialised: Run, sample: tuple[SampleCase, str],
                                tmp_path: Path) -> None:
    people, _ = sample
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really\n")
    code, out, err = initialised("pdf", "import", str(bad), "--case", people.case.number)
    assert code == 1 and out == ""
    assert "incomplete" in err and "Traceback" not in err
    blank = tmp_path / "blank.pdf"
    assert initialised("pdf", "blank", "contact_log", "-o", str(blank))[0] == 0
    code, _, err = initialised("pdf", "import", str(blank), "--case", people.case.number,
                               "--form", "threat_inquiry")
    assert code == 1 and "not threat_inquiry" in err
