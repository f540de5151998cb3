"""The Cases page loads a page of cases at a time: the first rows are on screen before the
load ends, the window handles events meanwhile, filters, searches and sorting chosen during
the load give the right cases in the right order, changes committed meanwhile are shown, and
a lock stops the load cleanly.

Small page sizes (5 first, then 7) stand in for 100 and 1,000 at 100,000 cases.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from btam_desktop.core import queries, vault
from btam_desktop.core.queries import NOT_CLOSED, CaseFilter
from btam_desktop.core.session import Session
from btam_desktop.ui.controller import AppController
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.models.case_table import COLUMN_KEYS
from btam_desktop.ui.pages import cases as cases_module
from btam_desktop.ui.pages.cases import CasesPage
from tests.ui.cases.conftest import Seeded, days
from tests.ui.conftest import LEAD_PASS
from tests.ui.helpers import is_deleted, unlock

EXTRA = 40
CONCERNS = ("low", "moderate", "high", "imminent")


@dataclass
class Loading:
    """The app unlocked on the dashboard, the Cases page not yet shown."""

    controller: AppController
    main: MainWindow
    page: CasesPage
    pages_read: list[int]


@pytest.fixture
def many_cases(seeded_vault: tuple[Path, Seeded]) -> Path:
    """The seeded vault and 40 more cases (some on the same day, some closed)."""
    path, _seeded = seeded_vault
    session, _ = vault.unlock(path, passphrase_text=LEAD_PASS)
    for n in range(EXTRA):
        case = session.store.create_case(
            f"Harbor incident {n}" if n % 3 else f"Bus depot threat {n}",
            concern=CONCERNS[n % 4], opened_on=days(-(n // 2)),
            next_review=days(-1) if n % 5 == 0 else days(30))
        if n % 7 == 0:
            session.store.update_case(case.id, {"status": "closed",
                                                "closure_reason": "Resolved"})
    session.lock()
    return path


@pytest.fixture
def loading(qtbot: QtBot, make_controller: Callable[..., AppController], many_cases: Path,
            monkeypatch: pytest.MonkeyPatch) -> Loading:
    monkeypatch.setattr(cases_module, "FIRST_PAGE", 5)
    monkeypatch.setattr(cases_module, "LOAD_PAGE", 7)
    pages_read: list[int] = []
    read = queries.case_rows_page

    def counting(db: Any, after: Any, limit: int) -> Any:
        rows = read(db, after, limit)
        pages_read.append(len(rows))
        return rows

    monkeypatch.setattr(queries, "case_rows_page", counting)
    controller = make_controller(many_cases)
    main = unlock(qtbot, controller, LEAD_PASS)
    main.resize(1280, 800)
    page = main.page("cases")
    assert isinstance(page, CasesPage)
    return Loading(controller, main, page, pages_read)


def _expected(path_session: Any, flt: CaseFilter, sort: str = "number",
              descending: bool = True) -> list[str]:
    """Case ids the whole list shows for ``flt``, in order, computed from every row at once."""
    db = path_session.db
    rows = queries.case_rows(db)
    matching = queries.matching_docs(db, flt.text) if flt.text else None
    names = {m.id: m.name for m in path_session.members(include_inactive=True)}
    chosen = queries.select(rows, flt, matching=matching)
    return [rows[i].id for i in queries.order(rows, chosen, sort, descending=descending,
                                               member_names=names)]


def _shown(page: CasesPage) -> list[str]:
    model = page.list.model
    return [model.case_id(r) for r in range(model.rowCount())]


def test_first_rows_are_shown_before_the_load_ends(qtbot: QtBot, loading: Loading) -> None:
    page = loading.page
    loading.main.show_page("cases")
    model = page.list.model
    # Nothing else ran yet: the first page is in, the rest is still to come.
    assert model.loading and not model.loaded
    assert loading.pages_read == [5]
    assert 0 < model.rowCount() <= 5
    assert "loading the rest" in page.list.count.text()
    with qtbot.waitSignal(page.list.load_finished, timeout=10_000):
        pass
    assert model.loaded and not model.loading
    assert gc.isenabled()  # paused for the load only
    assert len(loading.pages_read) > 3  # the rest came in several steps
    session = loading.controller.session
    assert session is not None
    assert _shown(page) == _expected(session, CaseFilter(status=NOT_CLOSED))
    assert page.list.count.text().startswith(f"{model.rowCount():,} of {model.total():,}")


def test_the_window_handles_events_while_loading(qtbot: QtBot, loading: Loading) -> None:
    page = loading.page
    seen: list[tuple[bool, int]] = []
    loading.main.show_page("cases")
    # Posted after the load started: it runs between two pages, not after the last one.
    QTimer.singleShot(0, lambda: seen.append((page.list.model.loading,
                                               len(loading.pages_read))))
    with qtbot.waitSignal(page.list.load_finished, timeout=10_000):
        qtbot.keyClicks(page.list.search, "Bus")  # typing is not held up either
    assert seen and seen[0][0] is True
    assert seen[0][1] < len(loading.pages_read)
    assert page.list.search.text() == "Bus"


def test_filters_search_and_sort_chosen_during_the_load_are_right_after_it(
        qtbot: QtBot, loading: Loading) -> None:
    page = loading.page
    loading.main.show_page("cases")
    listing = page.list
    assert listing.model.loading
    listing.concern.setCurrentIndex(listing.concern.findData("high"))
    listing.search.setText("harbor")
    listing.apply_filter()
    assert listing.model.loading  # still loading: applied to what is in so far
    session = loading.controller.session
    assert session is not None
    flt = CaseFilter(text="harbor", status=NOT_CLOSED, concern="high")
    partial = _shown(page)
    assert set(partial) <= set(_expected(session, flt))
    with qtbot.waitSignal(listing.load_finished, timeout=10_000):
        pass
    assert _shown(page) == _expected(session, flt)
    assert _shown(page)  # the filter leaves some cases

    # Sorted by title during another load: the whole list in title order at the end.
    listing.clear_filters()
    listing.load()
    assert listing.model.loading
    title = COLUMN_KEYS.index("title")
    listing.table.sortByColumn(title, Qt.SortOrder.AscendingOrder)
    with qtbot.waitSignal(listing.load_finished, timeout=10_000):
        pass
    assert _shown(page) == _expected(session, CaseFilter(status=NOT_CLOSED), "title", False)
    listing.table.sortByColumn(COLUMN_KEYS.index("number"), Qt.SortOrder.DescendingOrder)
    assert _shown(page) == _expected(session, CaseFilter(status=NOT_CLOSED))


def _shown_cases_page(loading: Loading) -> tuple[CasesPage, Session]:
    """The Cases page shown (its load started) and the session behind it."""
    session = loading.controller.session
    assert session is not None
    loading.main.show_page("cases")
    return loading.page, session


def test_changes_committed_during_the_load_are_shown_after_it(
        qtbot: QtBot, loading: Loading) -> None:
    page, session = _shown_cases_page(loading)
    assert page.list.model.loading
    oldest = _expected(session, CaseFilter(status=NOT_CLOSED))[-1]  # read by the last page
    session.store.update_case(oldest, {"title": "Renamed while loading"})
    added = session.store.create_case("Opened while loading", opened_on=days(-400))
    with qtbot.waitSignal(page.list.load_finished, timeout=10_000):
        pass
    model = page.list.model
    assert model.case_row(model.row_of(oldest)).title == "Renamed while loading"
    assert model.row_of(added.id) >= 0
    assert _shown(page) == _expected(session, CaseFilter(status=NOT_CLOSED))


def test_a_lock_during_the_load_stops_it_cleanly(qtbot: QtBot, loading: Loading) -> None:
    page = loading.page
    loading.main.show_page("cases")
    assert page.list.model.loading
    read_before = len(loading.pages_read)
    loading.controller.lock()
    assert loading.controller.session is None
    qtbot.wait(100)  # a page left to read would run (and fail on the closed vault) by now
    assert len(loading.pages_read) == read_before
    assert is_deleted(loading.main)
    assert gc.isenabled()


def test_a_search_shown_follows_a_case_whose_opening_day_changes(
        qtbot: QtBot, loading: Loading) -> None:
    # The table finds a text search's cases by their search documents (CaseRow.doc); a case
    # whose opening day changes gets a new document, and must still be found, in its new
    # place, while one that no longer matches leaves.
    page, session = _shown_cases_page(loading)
    listing = page.list
    with qtbot.waitSignal(listing.load_finished, timeout=10_000):
        pass
    listing.search.setText("harbor")
    listing.apply_filter()
    flt = CaseFilter(text="harbor", status=NOT_CLOSED)
    before = _shown(page)
    assert before == _expected(session, flt) and len(before) > 3
    moved, renamed = before[-1], before[0]
    old_doc = listing.model.case_row(listing.model.row_of(moved)).doc
    session.store.update_case(moved, {"opened_on": days(1)})  # now the newest
    session.store.update_case(renamed, {"title": "Depot follow-up"})
    qtbot.waitUntil(lambda: _shown(page) == _expected(session, flt), timeout=5_000)
    shown = _shown(page)
    assert shown[0] == moved and listing.model.case_row(0).doc != old_doc
    assert (renamed in shown) == (renamed in _expected(session, flt))
