"""The audit page: newest first, member and action filters, paging, verifying the chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.core.model import AuditEntry
from btam_desktop.core.session import Session
from btam_desktop.core.store import CaseStore
from btam_desktop.ui.pages.audit import PAGE_SIZE, AuditFilter, AuditPage, action_label, read_page
from tests.ui.pages.conftest import LEAD, OFFICER, OFFICER_PASS, Host

MakeHost = Callable[..., Host]


def _page(host: MakeHost, session: Session) -> AuditPage:
    window = host(session)
    page = AuditPage(session, window.events)
    window.put(page)
    page.refresh()
    return page


def _column(page: AuditPage, column: int) -> list[str]:
    return [page.model.index(r, column).data() for r in range(page.model.rowCount())]


def test_entries_newest_first_with_words(qtbot: QtBot, host: MakeHost, lead: Session,
                                         qtmodeltester: ModelTester) -> None:
    case = lead.store.create_case("Secret title about Jordan Example")
    lead.store.update_case(case.id, {"summary": "Jordan said things"})
    page = _page(host, lead)
    qtmodeltester.check(page.model)
    whats = _column(page, 2)
    assert whats[0] == "changed a case"
    assert whats[1] == "opened a case"
    assert _column(page, 1)[0] == LEAD
    assert _column(page, 3)[0] == f"case {case.number}"  # which case, by its number
    assert "fields: summary" in _column(page, 4)[0]
    everything = " ".join(str(page.model.index(r, c).data())
                          for r in range(page.model.rowCount()) for c in range(5))
    assert "Jordan" not in everything  # who did what, never case content
    assert not page.table.editTriggers() & page.table.EditTrigger.AllEditTriggers


def test_filter_by_member_and_action(qtbot: QtBot, host: MakeHost, lead: Session,
                                     vault_path: Path) -> None:
    lead.store.create_case("By the lead")
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    officer.store.create_case("By the officer")
    officer.store.add_person("Example", "Jordan")
    officer.lock()
    page = _page(host, lead)
    page.member_filter.setCurrentIndex(page.member_filter.findData(OFFICER))
    assert set(_column(page, 1)) == {OFFICER}
    page.action_filter.setCurrentIndex(page.action_filter.findData("case."))
    assert _column(page, 2) == ["opened a case"]
    page.member_filter.setCurrentIndex(0)
    assert _column(page, 2) == ["opened a case", "opened a case"]
    page.action_filter.setCurrentIndex(page.action_filter.findData("person."))
    assert _column(page, 2) == ["added a person"]


def test_paging(qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    for i in range(PAGE_SIZE + 30):
        lead.store.create_case(f"Case {i}")
    page = _page(host, lead)
    assert page.model.rowCount() == PAGE_SIZE
    assert not page.newer_button.isEnabled()
    assert page.older_button.isEnabled()
    first_page_top = page.model.entry(0).seq
    qtbot.mouseClick(page.older_button, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() > 30
    assert page.model.entry(0).seq < first_page_top
    assert page.position.text().startswith(f"Entries {PAGE_SIZE + 1}")
    assert not page.older_button.isEnabled()
    qtbot.mouseClick(page.newer_button, Qt.MouseButton.LeftButton)
    assert page.model.entry(0).seq == first_page_top


def test_pages_are_read_by_the_core_one_page_at_a_time(
    qtbot: QtBot, host: MakeHost, lead: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(PAGE_SIZE + 30):
        lead.store.create_case(f"Case {i}")
        if i % 10 == 0:
            lead.store.add_person("Example", f"Person {i}")
    cases = lead.store.count_audit(action="case.")
    assert cases == PAGE_SIZE + 30
    reads: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    real, real_count = CaseStore.audit_trail, CaseStore.count_audit

    def spy(self: CaseStore, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        reads.append(kwargs)
        return real(self, *args, **kwargs)

    def count_spy(self: CaseStore, **kwargs: Any) -> int:
        counts.append(kwargs)
        return real_count(self, **kwargs)

    monkeypatch.setattr(CaseStore, "audit_trail", spy)
    monkeypatch.setattr(CaseStore, "count_audit", count_spy)
    page = _page(host, lead)
    page.action_filter.setCurrentIndex(page.action_filter.findData("case."))
    assert page.total == cases
    assert page.position.text() == f"Entries 1–{PAGE_SIZE} of {cases} (page 1 of 2)"
    reads.clear()
    counts.clear()
    qtbot.mouseClick(page.older_button, Qt.MouseButton.LeftButton)
    assert set(_column(page, 2)) == {"opened a case"}
    assert page.model.rowCount() == 30
    assert page.position.text() == f"Entries {PAGE_SIZE + 1}–{cases} of {cases} (page 2 of 2)"
    # One read of one page, filtered by the core: no window of the whole trail in Python.
    assert reads == [{"limit": PAGE_SIZE, "offset": PAGE_SIZE, "member_name": None,
                      "action": "case."}]
    assert counts == []  # turning a page does not count the trail again
    lead.store.create_case("One more")  # a change counts again
    assert page.total == cases + 1


def test_a_page_past_the_end_gives_the_last_page(lead: Session) -> None:
    for i in range(5):
        lead.store.create_case(f"Case {i}")
    data = read_page(lead, AuditFilter(group="case."), 7)
    assert data.number == 0
    assert data.total == 5
    assert not data.has_older
    empty = read_page(lead, AuditFilter(member="Nobody at all"), 3)
    assert (empty.number, empty.total, empty.entries, empty.pages) == (0, 0, [], 1)


def test_verify_chain_ok_then_detects_tampering(qtbot: QtBot, host: MakeHost,
                                                lead: Session) -> None:
    lead.store.create_case("A case")
    page = _page(host, lead)
    job = page.verify()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert page.result.kind == "ok"
    assert "intact" in page.result.text()

    # Someone edits an entry directly in the database file.
    lead.db.execute("UPDATE audit SET member_name = 'Somebody else' WHERE seq = 2")
    job = page.verify()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert page.result.kind == "error"
    assert "problem" in page.result.text()
    assert "changed after it was written" in page.result.text()


def test_a_new_entry_shows_on_the_visible_page(qtbot: QtBot, host: MakeHost,
                                               lead: Session) -> None:
    page = _page(host, lead)
    before = page.model.rowCount()
    lead.store.add_person("Example", "Jordan")
    assert page.model.rowCount() == before + 1
    assert page.model.index(0, 2).data() == action_label("person.create")


def test_officers_see_the_same_read_only_page(qtbot: QtBot, host: MakeHost, lead: Session,
                                              vault_path: Path) -> None:
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    try:
        page = _page(host, officer)
        assert page.model.rowCount() > 0
        assert page.verify_button.isEnabled()
    finally:
        officer.lock()


def test_record_column_shows_names_whole_and_members_by_name(
        qtbot: QtBot, host: MakeHost, lead: Session) -> None:
    lead.set_setting("idle_minutes", "7")
    page = _page(host, lead)
    records = _column(page, 3)
    assert records[0] == "setting idle_minutes"  # not "_minutes", as if it were an id
    assert f"member {OFFICER}" in records  # the member added by the fixture, by name
    assert not any(r.startswith("member ") and r != f"member {OFFICER}"
                   and r != f"member {LEAD}" for r in records)
