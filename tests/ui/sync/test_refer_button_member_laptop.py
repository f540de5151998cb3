"""An officer's own laptop: its vault's first member is its lead (every vault has one; `btam
init` and the wizard refuse another role for the first member), but the team's roster makes
the laptop a member laptop. Referrals to another team are made on a lead laptop of the team
(only those are on the team's contact card), as the Referrals page already says: the case's
"Refer to another team…" button was enabled by the vault role alone, and pressing it ended in
a refusal. It is enabled on a lead laptop only, and its tooltip says why not elsewhere."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.ui.case.referrals_tab import ReferralsTab
from btam_desktop.ui.labels import refers_for_team


def _tab(qtbot: QtBot, session: Session) -> ReferralsTab:
    case = session.store.create_case("Statements about harming coworkers", concern="moderate")
    tab = ReferralsTab(session, case.id)
    qtbot.addWidget(tab)
    tab.refresh()
    return tab


def test_refer_to_another_team_needs_a_lead_laptop(
        qtbot: QtBot, pair: tuple[Session, Session]) -> None:
    lead_laptop, member_laptop = pair
    assert member_laptop.role == "lead"  # the vault's own lead, on a member laptop
    assert not refers_for_team(member_laptop)
    tab = _tab(qtbot, member_laptop)
    assert not tab.refer_button.isEnabled()
    assert "lead laptop" in tab.refer_button.toolTip()
    assert refers_for_team(lead_laptop)
    assert _tab(qtbot, lead_laptop).refer_button.isEnabled()
