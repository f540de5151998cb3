"""The case's People and Referrals tabs fit a 1024x768 window in the app's theme at its
minimum font: their fixed column widths (840 pixels for People) scrolled sideways there. The
columns fit as the History & audit tab's do (ContentColumnFit)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.people_tab import PeopleTab
from btam_desktop.ui.case.referrals_tab import ReferralsTab
from btam_desktop.ui.case.tab_base import CaseTab
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_history_fits import fits
from tests.ui.small_screens import settle


@pytest.mark.parametrize("kind", [PeopleTab, ReferralsTab])
def test_the_tab_fits_1024_without_scrolling_sideways(
        qtbot: QtBot, cases_app: CasesApp, themed: None, kind: type[CaseTab]) -> None:
    app = cases_app
    app.main.resize(1024, 768)
    app.main.show()
    qtbot.waitExposed(app.main)
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    tab = view.show_tab(kind)
    assert isinstance(tab, kind)
    settle()
    tables = [tab.table] + ([tab.teams_table] if isinstance(tab, ReferralsTab) else [])
    for table in tables:
        table.setVisible(True)  # the teams table shows when the case has team referrals
        settle()
        fits(table, app.main)
