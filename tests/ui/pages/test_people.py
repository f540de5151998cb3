"""The people page: search across cases (alias too), cases and roles, duplicate flags."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from btam_desktop.core.duplicates import SAME_NAME
from btam_desktop.core.session import Session
from btam_desktop.ui.pages.people import FLAG, PeoplePage
from tests.ui.pages.conftest import Host

MakeHost = Callable[..., Host]


def _people(session: Session) -> dict[str, str]:
    store = session.store
    school = store.create_case("Threatening posts about the high school")
    mayor = store.create_case("Letters to the mayor's office")
    jordan = store.add_person("Example", "Jordan", aliases=["Jay Ex", "nightowl_77"],
                              date_of_birth="2008-05-14", phone="(555) 555-0142")
    store.link_person(school.id, jordan.id, "person_of_concern")
    store.link_person(mayor.id, jordan.id, "witness")
    twin = store.add_person("Exámple", "Jordan", date_of_birth="2008-05-14")
    other = store.add_person("Ortiz", "Maria", date_of_birth="1980-01-01")
    store.link_person(mayor.id, other.id, "reporting_party")
    return {"jordan": jordan.id, "twin": twin.id, "other": other.id, "school": school.id,
            "mayor": mayor.id}


def _page(host: MakeHost, session: Session) -> tuple[Host, PeoplePage]:
    window = host(session)
    page = PeoplePage(session, window.events)
    window.put(page)
    return window, page


def _search(qtbot: QtBot, page: PeoplePage, text: str) -> None:
    page.search.clear()
    qtbot.keyClicks(page.search, text)
    page.run_search()  # no need to wait for the typing pause


def test_search_by_alias_shows_cases_and_roles(qtbot: QtBot, host: MakeHost, lead: Session,
                                               qtmodeltester: ModelTester) -> None:
    ids = _people(lead)
    _window, page = _page(host, lead)
    _search(qtbot, page, "nightowl")
    qtmodeltester.check(page.model)
    assert page.model.rowCount() == 1
    person = page.model.person(0)
    assert person.id == ids["jordan"]
    assert "nightowl_77" in page.model.index(0, 3).data()
    # The first result is shown at once: details, cases and roles.
    assert page.details.name.text() == "Example, Jordan"
    cases = [page.details.cases.item(i).text() for i in range(page.details.cases.count())]
    assert len(cases) == 2
    assert any("Person of concern" in c and "high school" in c for c in cases)
    assert any("Witness" in c and "mayor" in c for c in cases)
    # Looking at a person is recorded.
    assert any(e.action == "view" and e.record_id == ids["jordan"]
               for e in lead.store.audit_trail(limit=5))


def test_search_waits_for_a_typing_pause(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    _people(lead)
    _window, page = _page(host, lead)
    qtbot.keyClicks(page.search, "Ortiz")
    assert page.model.rowCount() == 0
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=2000)


def test_duplicates_are_flagged_with_a_reason(qtbot: QtBot, host: MakeHost, lead: Session,
                                              qtmodeltester: ModelTester) -> None:
    ids = _people(lead)
    _window, page = _page(host, lead)
    _search(qtbot, page, "Jordan")
    qtmodeltester.check(page.model)
    assert page.model.rowCount() == 2
    for row in range(2):
        assert page.model.index(row, 2).data().startswith(FLAG)
        assert SAME_NAME in page.model.index(row, 2).data(3)  # the tooltip says why
    assert "may be recorded twice" in page.summary.text()
    duplicates = page.details.duplicates
    assert duplicates.isVisible()
    assert SAME_NAME in duplicates.item(0).text()
    # Following a duplicate shows the other record.
    shown = page.details.name.text()
    duplicates.itemActivated.emit(duplicates.item(0))
    assert page.details.name.text() != shown
    _search(qtbot, page, "Ortiz")
    assert page.model.index(0, 2).data() == ""
    assert ids["other"] == page.model.person(0).id


def test_find_all_duplicates_in_the_background(qtbot: QtBot, host: MakeHost,
                                               lead: Session) -> None:
    ids = _people(lead)
    _window, page = _page(host, lead)
    job = page.find_all_duplicates()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    shown = {page.model.person(r).id for r in range(page.model.rowCount())}
    assert shown == {ids["jordan"], ids["twin"]}
    assert "1 possible duplicate pair" in page.summary.text()


def test_opening_a_case_from_a_person(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    ids = _people(lead)
    _window, page = _page(host, lead)
    _search(qtbot, page, "Ortiz")
    cases = page.details.cases
    with qtbot.waitSignal(page.open_case_requested, timeout=1000) as opened:
        cases.itemActivated.emit(cases.item(0))
    assert opened.args == [ids["mayor"]]


def test_short_or_empty_search(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    _people(lead)
    _window, page = _page(host, lead)
    _search(qtbot, page, "J")
    assert page.model.rowCount() == 0
    assert "at least two letters" in page.summary.text()
    _search(qtbot, page, "Zzyzx")
    assert page.model.rowCount() == 0
    assert page.summary.text().startswith("0 people found")


def test_a_new_person_appears_in_the_current_search(qtbot: QtBot, host: MakeHost,
                                                    lead: Session) -> None:
    _people(lead)
    _window, page = _page(host, lead)
    _search(qtbot, page, "Ortiz")
    assert page.model.rowCount() == 1
    lead.store.add_person("Ortiz", "Samuel")
    assert page.model.rowCount() == 2
