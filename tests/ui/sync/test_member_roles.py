"""Settings › Members on a lead's laptop: a member record synced from an officer's laptop keeps
the role it has in that laptop's vault ("lead", as every vault's first member), which is not a
team lead; the list says so unless the roster makes that laptop a lead laptop."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.core.sync import team
from btam_desktop.ui.pages.settings import SettingsPage
from tests.ui.pages.conftest import Host

from .conftest import send


def _rows(qtbot: QtBot, session: Session, kept: list[Host]) -> list[str]:
    host = Host(session)
    qtbot.addWidget(host)
    kept.append(host)  # qtbot holds widgets weakly
    page = SettingsPage(session, host.events)
    host.put(page)
    page.refresh()
    return [page.members.item(i).text() for i in range(page.members.count())]


def test_a_member_laptop_s_own_lead_is_not_listed_as_a_team_lead(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = pair
    send(b, a, tmp_path)
    kept: list[Host] = []
    rows = _rows(qtbot, a, kept)
    theirs = next(r for r in rows if r.startswith("Lead B"))
    assert "Team lead" not in theirs and "Lead of their own laptop, not of the team" in theirs
    assert any(r.startswith("Lead A") and "Team lead" in r for r in rows)
    team.set_role(a, b.device_code, "lead")
    assert any(r.startswith("Lead B") and "Team lead" in r for r in _rows(qtbot, a, kept))
