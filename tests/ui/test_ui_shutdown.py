"""SIGTERM (the OS shutting down, the officer logging out) and SIGINT quit the app cleanly:
open form drafts are saved first, the vault is locked, and what was typed in a case dialog
(which has no draft in the data model) is lost without anything written in plaintext."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from btam_desktop.core import vault
from tests.ui.conftest import LEAD_PASS
from tests.ui.sigterm_driver import LOCATION, NOTE

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_termination_signal_saves_the_open_draft_and_quits(
    existing_vault: Path, tmp_path: Path, number: signal.Signals
) -> None:
    session, _ = vault.unlock(existing_vault, passphrase_text=LEAD_PASS)
    case_id = session.store.create_case("Threats posted about Northgate High").id
    session.lock()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path / "home"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.sigterm_driver", str(existing_vault), case_id,
         LEAD_PASS], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert process.stdout is not None
        # Never hang the suite on an app that does not come up: at most a minute.
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "the app did not come up within a minute"
        line = process.stdout.readline()
        assert line.strip() == "READY", process.stderr.read() if process.stderr else ""
        process.send_signal(number)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Traceback" not in err, err

    again, _ = vault.unlock(existing_vault, passphrase_text=LEAD_PASS)
    try:
        drafts = again.submissions.drafts(case_id, "contact_log")
        assert [d.answers.get("contact_location") for d in drafts] == [LOCATION]
        # The note had no draft to go to: it is gone, not saved half-typed.
        assert all(NOTE not in e.summary for e in again.store.timeline(case_id))
    finally:
        again.lock()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"Zebrawood-Lantern" not in data and b"Quillfeather-Marsh" not in data, path
