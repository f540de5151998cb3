"""`btam recovery reissue`: a lead's new recovery key, shown once and confirmed by re-typing
its last group; the old key stops working."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from btam_desktop.core import vault
from btam_desktop.core.errors import WrongPassphrase
from tests.cli.conftest import Run


def test_reissue_shows_the_key_once_and_the_old_one_stops_working(
    initialised: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = (tmp_path / "recovery.txt").read_text().strip()
    out = tmp_path / "new-recovery.txt"
    typed: list[str] = []

    class Stdin(io.StringIO):
        def readline(self, *_args: object) -> str:  # type: ignore[override]
            # What the lead reads off the new key and types back.
            new = out.read_text().strip()
            typed.append(new)
            return new.rsplit("-", 1)[-1] + "\n"

    monkeypatch.setattr("sys.stdin", Stdin())
    code, stdout, err = initialised("recovery", "reissue", "--json", "--recovery-key-file",
                                    str(out))
    assert code == 0, err
    assert '"confirmed": true' in stdout
    new = typed[0]
    assert new != old and new not in stdout
    vault_path = tmp_path / "v.btam"
    with pytest.raises(WrongPassphrase):
        vault.unlock_with_recovery(vault_path, old)
    session = vault.unlock_with_recovery(vault_path, new)
    try:
        assert session.recovery_key_confirmed
    finally:
        session.lock()


def test_a_wrong_last_group_leaves_the_key_unconfirmed(
    initialised: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("000000\n"))
    code, out, err = initialised("recovery", "reissue")
    assert code == 1
    assert "Not confirmed" in out
    shown = [w for w in err.split() if w.count("-") == 7]
    assert len(shown) == 1  # shown once
    session = vault.unlock_with_recovery(tmp_path / "v.btam", shown[0])
    try:
        assert not session.recovery_key_confirmed
    finally:
        session.lock()
