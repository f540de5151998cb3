"""Fixtures and helpers for the PDF tests: a case with people in three scripts, text
extraction, and the ``qpdf --check`` structural check (skipped where qpdf is missing)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from pypdf import PdfReader

from btam_desktop.core.session import Session
from tests.core.pdf.sample import SampleCase, make_case, populate_case


@pytest.fixture
def people(session: Session) -> SampleCase:
    """The sample case (Greek person of concern, Vietnamese target, a witness)."""
    return make_case(session)


@pytest.fixture
def populated(session: Session, people: SampleCase) -> SampleCase:
    """The sample case with a timeline, tasks, a referral and a management plan."""
    populate_case(session, people)
    return people


def pdf_text(data: bytes) -> str:
    """All text pypdf extracts from every page."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def page_texts(data: bytes) -> list[str]:
    """Extracted text per page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def metadata(data: bytes) -> dict[str, str]:
    """The document information dictionary as plain strings."""
    info: Mapping[str, object] = PdfReader(io.BytesIO(data)).metadata or {}
    return {str(k): str(v) for k, v in info.items()}


def _qpdf(*, required: bool) -> str | None:
    """The qpdf executable. Missing: under CI (``CI`` set, as .ci/run installs it) a test
    failure, never a silent skip or a weaker check; elsewhere a skip (``required``) or None."""
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        if os.environ.get("CI"):
            pytest.fail("qpdf is not installed; CI must install it (.ci/run: Debian's qpdf)")
        if required:
            pytest.skip("qpdf is not installed")
    return qpdf


def everything(data: bytes, tmp_path: Path) -> str:
    """Every byte of the PDF with streams decompressed (qpdf --qdf), as text, plus the
    extracted page text: what a determined reader could dig out of the file."""
    text = pdf_text(data)
    qpdf = _qpdf(required=False)
    if qpdf is None:
        return text + "\n" + data.decode("latin-1")
    source, target = tmp_path / "in.pdf", tmp_path / "qdf.pdf"
    source.write_bytes(data)
    subprocess.run([qpdf, "--qdf", "--object-streams=disable", str(source), str(target)],
                   check=False, capture_output=True)
    raw = target.read_bytes() if target.exists() else data
    return text + "\n" + raw.decode("latin-1") + "\n" + raw.decode("utf-16-be", "ignore")


def assert_qpdf_ok(data: bytes, tmp_path: Path) -> None:
    """``qpdf --check`` finds no structural error (skipped when qpdf is not installed, a
    failure under CI)."""
    qpdf = _qpdf(required=True)
    assert qpdf is not None
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    done = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout
