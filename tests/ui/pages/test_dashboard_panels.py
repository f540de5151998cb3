"""The dashboard's panels that lead to the work (issue 9): "Needs attention now" first,
"My caseload", and "Since you last signed in"; each count agrees with the Cases list it
opens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.core import queries, vault
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter
from btam_desktop.core.session import Session
from btam_desktop.ui.pages.dashboard import SINCE_ROWS, DashboardPage
from tests.ui.pages.conftest import LEAD, LEAD_PASS, OFFICER, OFFICER_PASS, Host, days

MakeHost = Callable[..., Host]


def _page(host: MakeHost, session: Session) -> DashboardPage:
    window = host(session)
    page = DashboardPage(session, window.events)
    window.put(page)
    return page


def _rows(session: Session, flt: CaseFilter) -> int:
    """How many cases the Cases list shows for ``flt`` (its own rule, in Python)."""
    rows = queries.case_rows(session.db)
    test = queries.row_predicate(flt, days(0), None)
    return sum(1 for row in rows if test(row))


def _caseload(session: Session) -> dict[str, str]:
    store = session.store
    ids = {
        "imminent": store.create_case("Statements at the courthouse", status="active",
                                      concern="imminent").id,
        "high": store.create_case("Posts about the school", concern="high").id,
        "late": store.create_case("Letters to the mayor", concern="low").id,
        "calm": store.create_case("Nothing pressing", concern="moderate").id,
        "closed": store.create_case("Resolved, high", concern="high").id,
    }
    store.update_case(ids["closed"], {"status": "closed", "closure_reason": "resolved"})
    store.add_task(ids["late"], "Scheduled case review", kind="review", due_on=days(-3))
    return ids


def test_needs_attention_comes_first_and_lists_what_needs_it(
        qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    ids = _caseload(lead)
    page = _page(host, lead)
    column = page.content_column
    panels = [column.itemAt(i).widget() for i in range(column.count())
              if column.itemAt(i).widget() is not None]
    first_panel = next(w for w in panels if w not in (page.message,))
    assert page.attention_section in (first_panel, *first_panel.findChildren(type(
        page.attention_section)))
    assert page.attention_list.case_ids() == [ids["imminent"], ids["high"], ids["late"]]
    assert "Imminent" in page.attention_list.item(0).text()
    assert "overdue" in page.attention_list.item(2).text().lower()


def test_attention_rows_open_their_case(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    ids = _caseload(lead)
    page = _page(host, lead)
    case_list = page.attention_list
    rect = case_list.visualItemRect(case_list.item(0))
    with qtbot.waitSignal(page.open_case_requested, timeout=1000) as opened:
        # A double-click as the window system sends it: press, release, double-click.
        qtbot.mouseClick(case_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(case_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [ids["imminent"]]
    case_list.setFocus()
    case_list.setCurrentRow(1)
    with qtbot.waitSignal(page.open_case_requested, timeout=1000) as opened:
        qtbot.keyClick(case_list, Qt.Key.Key_Return)
    assert opened.args == [ids["high"]]


@pytest.mark.parametrize("key", ["imminent", "high", "overdue"])
def test_attention_links_open_cases_and_agree(qtbot: QtBot, host: MakeHost, lead: Session,
                                              key: str) -> None:
    _caseload(lead)
    page = _page(host, lead)
    link = page.attention_links[key]
    count = int(link.text().rsplit(" ", 1)[-1].replace(",", ""))
    with qtbot.waitSignal(page.cases_requested, timeout=1000) as asked:
        qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    flt = asked.args[0]
    assert flt.status == NOT_CLOSED
    assert _rows(lead, flt) == count == 1


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space])
def test_a_focused_link_opens_with_enter_or_space(qtbot: QtBot, host: MakeHost, lead: Session,
                                                  key: Qt.Key) -> None:
    # Found in the issue 9 walk: Space opened the link, Enter did nothing.
    _caseload(lead)
    page = _page(host, lead)
    for link in (*page.attention_links.values(), page.my_cases_link):
        link.setFocus(Qt.FocusReason.TabFocusReason)
        with qtbot.waitSignal(page.cases_requested, timeout=1000):
            qtbot.keyClick(link, key)


@pytest.fixture
def officer_with_imminent_case(vault_path: Path, lead: Session) -> Iterator[Session]:
    case = lead.store.create_case("Threats at the clinic", concern="imminent")
    lead.store.assign(case.id, OFFICER)
    lead.lock()
    session, _key = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    yield session
    session.lock()


def test_an_officer_sees_the_imminent_case_assigned_to_them(
        qtbot: QtBot, host: MakeHost, officer_with_imminent_case: Session) -> None:
    officer = officer_with_imminent_case
    page = _page(host, officer)
    [case_id] = page.attention_list.case_ids()
    assert officer.store.get_case(case_id).title == "Threats at the clinic"
    assert page.my_cases_list.case_ids() == [case_id]


def test_my_caseload_counts_and_opens_assigned_to_me(
        qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    ids = _caseload(lead)
    for key in ("high", "calm", "closed"):
        lead.store.assign(ids[key], LEAD)
    lead.store.assign(ids["late"], OFFICER)
    page = _page(host, lead)
    assert page.my_cases_list.case_ids() == [ids["high"], ids["calm"]]
    link = page.my_cases_link
    assert link.text().endswith(" 2")
    with qtbot.waitSignal(page.cases_requested, timeout=1000) as asked:
        link.click()
    flt = asked.args[0]
    assert flt.assigned_to == lead.member_id and flt.status == NOT_CLOSED
    assert _rows(lead, flt) == 2


def test_since_you_last_signed_in(qtbot: QtBot, host: MakeHost, vault_path: Path,
                                  lead: Session) -> None:
    ids = _caseload(lead)
    lead.store.assign(ids["high"], OFFICER)
    lead.lock()
    officer, _key = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    officer.lock()
    lead2, _key = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    lead2.store.update_case(ids["high"], {"status": "monitoring"})
    lead2.store.assign(ids["calm"], OFFICER)
    lead2.store.update_case(ids["late"], {"status": "active"})  # not the officer's case
    lead2.lock()
    officer, _key = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    try:
        page = _page(host, officer)
        texts = [page.since_list.item(i).text() for i in range(page.since_list.count())]
        spoken = " | ".join(texts)
        assert set(page.since_list.case_ids()) == {ids["high"], ids["calm"]}
        calm = officer.store.get_case(ids["calm"]).number
        high = officer.store.get_case(ids["high"]).number
        assert any(calm in t and "assigned to you" in t and LEAD in t for t in texts), spoken
        assert any(high in t and "status" in t and LEAD in t for t in texts), spoken
        assert "monitoring" not in spoken.lower()  # field names, never values
        assert "Posts about the school" not in spoken  # never content
    finally:
        officer.lock()


def test_since_you_last_signed_in_shows_twenty_and_says_how_many_more(
        qtbot: QtBot, host: MakeHost, vault_path: Path, lead: Session) -> None:
    lead.lock()
    officer, _key = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    officer.lock()
    lead2, _key = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member=LEAD)
    for number in range(SINCE_ROWS + 3):
        lead2.store.assign(lead2.store.create_case(f"Case {number}").id, OFFICER)
    lead2.lock()
    officer, _key = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    try:
        page = _page(host, officer)
        assert len(page.since_list.case_ids()) == SINCE_ROWS
        assert "and 3 more" in page.since_section.footnote.text()
    finally:
        officer.lock()


def test_first_sign_in_says_so(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    page = _page(host, lead)
    assert page.since_list.case_ids() == []
    assert page.since_list.count() == 1
