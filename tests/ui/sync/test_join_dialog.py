"""Sync › Join a team: the invitation and its passphrase are checked before the officer is
asked where to save the join request (before, the Save dialog came first and a wrong
passphrase was found only after a file name had been chosen), and after an error the dialog
opens again with everything typed kept: the file, the passphrase (to correct a letter, not
type 24 again) and the laptop's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.core.sync import team
from btam_desktop.ui.pages.sync import SyncPage
from btam_desktop.ui.sync.dialogs import InfoDialog, JoinDialog

from .conftest import Laptops, MakePage

DIALOGS = "btam_desktop.ui.sync.dialogs.QFileDialog"
PASS = "KQ7M-R2XT-PW9H-4CDN-B8JV"


def _settle(qtbot: QtBot, page: SyncPage, done: Any) -> None:
    """Wait for the page's jobs until ``done()`` (a job may follow another)."""
    def finished() -> bool:
        job = page.last_job
        return (job is None or not job.running) and bool(done())
    qtbot.waitUntil(finished, timeout=30_000)


def test_the_invitation_is_checked_before_asking_where_to_save(
        qtbot: QtBot, laptops: Laptops, make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = laptops("A"), laptops("B")
    team.create_team(a, "Lakeside BTAM")
    invitation = tmp_path / "i.btaminvite"
    team.invite(a, invitation, PASS)
    page = make_page(b)
    asked: list[str] = []

    def save(_parent: Any, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(tmp_path / "r.btamjoin"), ""

    monkeypatch.setattr(f"{DIALOGS}.getSaveFileName", save)
    join = page.join_team()
    join.invitation.setText(str(invitation))
    wrong = PASS[:-1] + "W"
    qtbot.keyClicks(join.passphrase, wrong)
    join.device_name.setText("Car 7")
    join.ok_button.click()
    _settle(qtbot, page, lambda: isinstance(page.dialog, JoinDialog) and page.dialog is not join)
    again = page.dialog
    assert isinstance(again, JoinDialog)
    assert asked == []  # no Save dialog for an invitation that does not open
    assert again.message.kind == "error" and "passphrase" in again.message.text()
    assert again.invitation.text() == str(invitation)
    assert again.passphrase.text() == wrong  # kept, to correct one letter
    assert again.device_name.text() == "Car 7"
    assert team.roster(b) is None and not (tmp_path / "r.btamjoin").exists()

    # Corrected: now asked where to save, and joined.
    again.passphrase.setText(PASS)
    again.ok_button.click()
    _settle(qtbot, page, lambda: isinstance(page.dialog, InfoDialog))
    assert len(asked) == 1
    assert (tmp_path / "r.btamjoin").exists() and team.roster(b) is not None
    assert team.receive_request(a, tmp_path / "r.btamjoin").device_name == "Car 7"
