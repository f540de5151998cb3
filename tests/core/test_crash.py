"""A process killed in the middle of writing leaves a vault that opens with every committed
record (WAL + synchronous=FULL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from btam_desktop.core import vault
from btam_desktop.core.session import Session
from tests.conftest import LEAD_PASS

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from btam_desktop.core import vault
    session, _ = vault.unlock(Path(sys.argv[1]), passphrase_text=sys.argv[2])
    big = "statement " * 9000  # ~90 kB per note: the kill lands inside a write
    n = 0
    while True:
        n += 1
        case = session.store.create_case(f"Crash case {n}")
        session.store.add_note(case.id, big)
        print(case.id, flush=True)  # printed only after the commit returned
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_write_keeps_every_committed_record(
    created: tuple[Session, str], vault_path: Path
) -> None:
    created[0].lock()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(vault_path), LEAD_PASS],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None
    committed = [proc.stdout.readline().strip() for _ in range(40)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rest = proc.stdout.read().split()  # lines already flushed before the kill
    committed += [line for line in rest if line]
    assert all(committed)

    session, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    try:
        present = {c.id for c in session.store.list_cases()}
        assert set(committed) <= present
        for case_id in committed[-3:]:
            assert len(session.store.timeline(case_id)) == 1
        assert session.check() == []
    finally:
        session.lock()
