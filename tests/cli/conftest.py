"""Fixtures for CLI tests: run `btam` in-process against a temporary vault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from btam_desktop.cli import main
from tests.conftest import LEAD, LEAD_PASS

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def btam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the CLI in-process against tmp_path/v.btam as the lead."""
    (tmp_path / "pw").write_text(LEAD_PASS + "\n")
    monkeypatch.setenv("BTAM_VAULT", str(tmp_path / "v.btam"))

    def run(*argv: str, passphrase_file: str | None = "pw") -> tuple[int, str, str]:
        args = list(argv)
        if passphrase_file:
            args = ["--passphrase-file", str(tmp_path / passphrase_file), *args]
        code = main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def initialised(btam: Run, tmp_path: Path) -> Run:
    code, out, err = btam("init", "--member", LEAD, "--role", "lead", "--badge", "L-1",
                          "--agency", "Lakeside PD",
                          "--recovery-key-file", str(tmp_path / "recovery.txt"))
    assert code == 0, err
    return btam


