"""`btam case purge` on a case holding every kind of record (it failed with a foreign-key
error and exit 70 once the case had a form submission or a dissemination)."""

from __future__ import annotations

from pathlib import Path

from btam_desktop.core import vault
from tests.cli.conftest import Run
from tests.conftest import LEAD, LEAD_PASS
from tests.core.test_purge import assert_fully_purged, build_full_case


def test_case_purge_erases_a_case_with_every_kind_of_record(initialised: Run,
                                                             tmp_path: Path) -> None:
    session, _ = vault.unlock(tmp_path / "v.btam", passphrase_text=LEAD_PASS, member=LEAD)
    full = build_full_case(session, tmp_path)
    session.lock()
    code, out, err = initialised("--member", LEAD, "case", "purge", full.number, "--yes")
    assert code == 0, err
    assert initialised("--member", LEAD, "case", "show", full.number)[0] == 1
    code, out, err = initialised("--member", LEAD, "check")
    assert code == 0, out + err
    session, _ = vault.unlock(tmp_path / "v.btam", passphrase_text=LEAD_PASS, member=LEAD)
    try:
        assert_fully_purged(session, full)
    finally:
        session.lock()
