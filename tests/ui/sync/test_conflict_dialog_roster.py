"""The conflict dialog when the team roster stored in the vault cannot be read (written by a
newer version of the app, or damaged): it opens as every other rights check of the app
decides then (labels.leads_team: the vault role), instead of failing on the roster, and the
core still refuses what only a lead laptop of the team may do, with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from btam_desktop.core.errors import BtamError
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, team
from btam_desktop.ui import labels
from btam_desktop.ui.case.header import CaseHeader
from btam_desktop.ui.sync.conflict_dialog import ConflictDialog, can_resolve
from tests.ui.pages.conftest import Host

from .conftest import conflicting


def _unreadable_roster(session: Session) -> None:
    """The stored roster as a newer app version would write it (a format this one refuses)."""
    chain = json.loads(session.db.scalar("SELECT roster FROM sync_team WHERE id = 1"))
    chain[-1]["format"] += 1
    session.db.execute("UPDATE sync_team SET roster = ? WHERE id = 1", (json.dumps(chain),))
    with pytest.raises(BtamError, match="newer"):
        team.roster(session)


def test_the_conflict_dialog_opens_when_the_roster_cannot_be_read(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = pair
    case_id = conflicting(a, b, tmp_path, concern=("high", "imminent"))
    _unreadable_roster(a)
    assert can_resolve(a) == labels.leads_team(a) == (a.role == "lead")

    host = Host(a)
    qtbot.addWidget(host)
    header = CaseHeader(a)
    host.put(header)
    header.show_case(a.store.get_case(case_id))
    mark = header.conflict_marks.mark("concern")
    assert mark.isVisible()
    qtbot.mouseClick(mark, Qt.MouseButton.LeftButton)
    dialog = mark.dialog
    assert isinstance(dialog, ConflictDialog) and dialog.isVisible()
    text = "\n".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Lead A" in text and "Lead B" in text  # both values, who set them
    assert dialog.keep_local.isEnabled()  # the vault role decides, as on the dashboard

    # The core asks the roster again: it refuses, says why, and nothing changes.
    before = a.store.get_case(case_id).concern
    qtbot.mouseClick(dialog.keep_local, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "update BTAM Desktop" in dialog.message.text()
    assert a.store.get_case(case_id).concern == before
    assert conflicts.open_count(a.db) == 1
    dialog.cancel_button.click()
