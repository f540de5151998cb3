"""The status bar says the role the team gives this laptop: a vault's first member is its
lead ("Team lead" in a vault with no team), but on a laptop the roster lists as a member
laptop "Team lead" was wrong (the roster and the Settings list say member laptop). The
dashboard's "Signed in as …" line says the same."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.core.sync import team
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.pages.dashboard import DashboardPage
from tests.ui.pages.conftest import Host


def _who(qtbot: QtBot, session: Session) -> tuple[str, str]:
    main = MainWindow(session)
    qtbot.addWidget(main)
    return main.who.text(), main.who.accessibleName()


def test_a_member_laptop_s_status_bar_does_not_say_team_lead(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = pair
    text, name = _who(qtbot, b)
    assert "Team lead" not in text and "Team lead" not in name
    assert text == "Lead B \u00b7 Member laptop of Lakeside BTAM"
    assert name == f"Signed in: {text}"
    # The lead laptop of the team still says it.
    assert _who(qtbot, a)[0] == "Lead A \u00b7 Team lead"
    # Made a lead laptop by the team lead: the roster reaches B and it says so.
    team.set_role(a, b.device_code, "lead")
    assert team.adopt_roster(b, team.chain_json(a))
    assert _who(qtbot, b)[0] == "Lead B \u00b7 Team lead"


def test_the_dashboard_says_the_role_the_team_gives_this_laptop(
        qtbot: QtBot, pair: tuple[Session, Session]) -> None:
    a, b = pair
    for session, role in ((b, "Member laptop of Lakeside BTAM"), (a, "Team lead")):
        host = Host(session)
        qtbot.addWidget(host)
        page = DashboardPage(session, host.events)
        host.put(page)
        page.refresh()
        assert page.member.text() == f"Signed in as {session.actor_name} ({role})"
