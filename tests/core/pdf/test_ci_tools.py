"""Under CI the PDF structural checks never skip: a missing qpdf fails the run (19 tests used
to report "skipped" and the redaction check silently weakened)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfWriter

from tests.core.pdf.conftest import assert_qpdf_ok, everything


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _outcome(check: Callable[[], object]) -> str:
    try:
        check()
    except pytest.fail.Exception:
        return "failed"
    except pytest.skip.Exception:
        return "skipped"
    return "passed"


def test_missing_qpdf_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setenv("CI", "true")
    assert _outcome(lambda: assert_qpdf_ok(_blank_pdf(), tmp_path)) == "failed"
    assert _outcome(lambda: everything(_blank_pdf(), tmp_path)) == "failed"


def test_missing_qpdf_skips_outside_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.delenv("CI", raising=False)
    assert _outcome(lambda: assert_qpdf_ok(_blank_pdf(), tmp_path)) == "skipped"
