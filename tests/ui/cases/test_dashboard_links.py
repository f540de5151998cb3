"""The dashboard leads to the work (issue 9): a click, Enter or Space on a count tile opens the
Cases list filtered to exactly the cases the tile counts, and the two numbers agree.

The overdue tile counted overdue *tasks* (two late tasks on one case counted twice, a closed
case's late task too: 416 against the Cases filter's 364); it now counts cases, as the Cases
page does with "Overdue" and "Not closed".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.core.queries import NOT_CLOSED
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.pages.cases import CasesPage
from btam_desktop.ui.pages.dashboard import CARD_FILTERS, COUNTS, DashboardPage
from tests.ui.cases.conftest import Seeded, days
from tests.ui.conftest import LEAD, LEAD_PASS
from tests.ui.helpers import unlock


@pytest.fixture
def late_tasks(seeded_vault: tuple[Path, Seeded]) -> tuple[Path, Seeded]:
    """Two late tasks on one case and a late task on a closed case."""
    path, seeded = seeded_vault
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS)
    store = session.store
    store.add_task(seeded.school, "Call the school", due_on=days(-5))
    store.add_task(seeded.school, "Collect the posts", due_on=days(-2))
    store.add_task(seeded.closed, "File the closing letter", due_on=days(-9))
    store.add_task(seeded.grievance, "Check in with HR", due_on=days(-1))
    session.lock()
    return path, seeded


@pytest.mark.parametrize("how", ["click", "enter", "space"])
def test_every_tile_opens_the_cases_it_counts(
        how: str, qtbot: QtBot, make_controller: Callable[..., AppController],
        late_tasks: tuple[Path, Seeded]) -> None:
    path, _seeded = late_tasks
    controller = make_controller(path)
    main = unlock(qtbot, controller, LEAD_PASS)
    main.resize(1280, 800)
    main.show_page("dashboard")
    dashboard = main.page("dashboard")
    cases = main.page("cases")
    assert isinstance(dashboard, DashboardPage) and isinstance(cases, CasesPage)
    for key, caption in COUNTS:
        main.show_page("dashboard")
        card = dashboard.cards[key]
        qtbot.waitUntil(card.isVisible, timeout=3000)
        assert card.focusPolicy() & Qt.FocusPolicy.TabFocus
        assert card.accessibleName().startswith(caption)
        count = int(card.value.text().replace(",", ""))
        if how == "click":
            qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        else:
            card.setFocus()
            qtbot.keyClick(card, Qt.Key.Key_Return if how == "enter" else Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: main.current_key() == "cases", timeout=3000)
        qtbot.waitUntil(lambda: cases.list.model.loaded, timeout=5000)
        flt = cases.list.current_filter()
        expected = CARD_FILTERS[key]
        assert (flt.status, flt.overdue, flt.concern, flt.tier, flt.text) == (
            expected.status, expected.overdue, "", "", ""), key
        assert cases.list.model.rowCount() == count, f"{caption}: tile {count}"


def test_the_overdue_tile_counts_cases_not_tasks(
        qtbot: QtBot, make_controller: Callable[..., AppController],
        late_tasks: tuple[Path, Seeded]) -> None:
    path, seeded = late_tasks
    controller = make_controller(path)
    main = unlock(qtbot, controller, LEAD_PASS)
    dashboard = main.page("dashboard")
    assert isinstance(dashboard, DashboardPage)
    dashboard.refresh()
    card = dashboard.cards["overdue"]
    # The school case (late review, two late tasks) and the grievance (one late task); the
    # closed case's late task does not make an open case late.
    assert card.value.text() == "2"
    assert card.caption == "Cases overdue"
    assert "counts once" in card.toolTip()
    assert CARD_FILTERS["overdue"].status == NOT_CLOSED
    # The list beside it still shows the late work itself, and says how much there is.
    assert dashboard.data.overdue_tasks == 4


@pytest.mark.parametrize("key", ["imminent", "high", "overdue", "mine"])
def test_every_panel_link_opens_the_cases_it_counts(
        key: str, qtbot: QtBot, make_controller: Callable[..., AppController],
        late_tasks: tuple[Path, Seeded]) -> None:
    path, seeded = late_tasks
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS)
    session.store.assign(seeded.school, LEAD)
    session.store.assign(seeded.closed, LEAD)  # closed: not in the caseload
    session.store.create_case("Courthouse statements", concern="imminent")
    session.lock()
    controller = make_controller(path)
    main = unlock(qtbot, controller, LEAD_PASS)
    main.resize(1280, 800)
    main.show_page("dashboard")
    dashboard = main.page("dashboard")
    cases = main.page("cases")
    assert isinstance(dashboard, DashboardPage) and isinstance(cases, CasesPage)
    link = dashboard.my_cases_link if key == "mine" else dashboard.attention_links[key]
    qtbot.waitUntil(link.isVisible, timeout=3000)
    count = int(link.text().rsplit(" ", 1)[-1].replace(",", ""))
    assert count > 0
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: main.current_key() == "cases", timeout=3000)
    qtbot.waitUntil(lambda: cases.list.model.loaded, timeout=5000)
    flt = cases.list.current_filter()
    assert flt.status == NOT_CLOSED
    if key == "mine":
        assert flt.assigned_to
        assert cases.list.mine.isChecked()
    assert cases.list.model.rowCount() == count, f"{key}: link {count}"
