"""The conflict queue in the app: real conflicts from two laptops listed critical first,
resolved through the dialog (keep this laptop's, keep incoming, merged value), read-only for
members who are not leads; the dashboard's "N conflicts to resolve" and the case header's
"⚠ in conflict" marks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from btam_desktop.core import vault
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts
from btam_desktop.ui.case.header import CaseHeader
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.pages.dashboard import DashboardPage
from btam_desktop.ui.pages.sync import SyncPage
from btam_desktop.ui.sync import words
from btam_desktop.ui.sync.conflict_dialog import ConflictDialog
from btam_desktop.ui.sync.marks import OTHER
from tests.ui.pages.conftest import Host

from .conftest import OFFICER, OFFICER_PASS, MakePage, conflicting


def _labels(dialog: ConflictDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def _open_selected(qtbot: QtBot, page: SyncPage) -> ConflictDialog:
    page.tabs.setCurrentWidget(page.queue)
    qtbot.mouseClick(page.queue.resolve, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ConflictDialog) and dialog.isVisible()
    return dialog


def test_a_critical_conflict_is_listed_first_and_resolved_keeping_the_incoming_value(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage,
        tmp_path: Path) -> None:
    a, b = pair
    case_id = conflicting(a, b, tmp_path, concern=("high", "imminent"),
                          title=("Title typed on A", "Title typed on B"))
    page = make_page(a)
    queue = page.queue
    assert queue.model.rowCount() == 2
    first = queue.model.index(0, 0).data()
    assert first.startswith(f"{words.WARNING} Critical: Concern level")  # a word and a sign
    assert "Critical" not in queue.model.index(1, 0).data()
    assert "(2)" in page.tabs.tabText(3) and words.WARNING in page.tabs.tabText(3)
    assert queue.model.index(0, 1).data() == f"Case {a.store.get_case(case_id).number}"

    queue.table.selectRow(0)
    dialog = _open_selected(qtbot, page)
    item = conflicts.listing(a.db)[0]
    assert dialog.conflict.id == item.id
    text = _labels(dialog)
    assert "Critical" in text
    assert words.value_text(item, item.current) in text
    assert words.value_text(item, item.other) in text
    assert {"High", "Imminent"} <= set(text.split("\n"))
    assert "Lead A" in text and "Lead B" in text
    assert "Leakage to two colleagues" in text and "Bought a rifle" in text
    assert words.stamp_time(item.other.hlc) in text and words.stamp_time(item.other.hlc)
    assert "this laptop" in text  # the current or other value's laptop
    assert not dialog.ok_button.isVisible()  # nothing to press with Enter yet
    incoming = item.other.value
    qtbot.mouseClick(dialog.keep_incoming, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert a.store.get_case(case_id).concern == incoming
    assert [c.field for c in conflicts.listing(a.db)] == ["title"]
    assert queue.model.rowCount() == 1 and "(1)" in page.tabs.tabText(3)
    assert words.WARNING not in page.tabs.tabText(3)  # no critical one left


def test_keep_this_laptops_value_and_a_merged_value(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage,
        tmp_path: Path) -> None:
    a, b = pair
    case_id = conflicting(a, b, tmp_path, title=("Title typed on A", "Title typed on B"),
                          summary=("Summary from A", "Summary from B"))
    page = make_page(a)
    assert page.queue.model.rowCount() == 2
    row = next(r for r in range(2) if page.queue.model.conflict(r).field == "summary")
    page.queue.table.selectRow(row)
    dialog = _open_selected(qtbot, page)
    kept = a.store.get_case(case_id).summary
    qtbot.mouseClick(dialog.keep_local, Qt.MouseButton.LeftButton)
    assert a.store.get_case(case_id).summary == kept
    assert [c.field for c in conflicts.listing(a.db)] == ["title"]

    page.queue.table.selectRow(0)
    dialog = _open_selected(qtbot, page)
    qtbot.mouseClick(dialog.edit_merged, Qt.MouseButton.LeftButton)
    assert dialog.merged.isVisible() and dialog.ok_button.isVisible()
    dialog.merged.clear()
    dialog.ok_button.click()  # empty: refused, stays open
    assert dialog.isVisible() and "merged value" in dialog.message.text()
    qtbot.keyClicks(dialog.merged, "Agreed title")
    qtbot.keyClick(dialog.merged, Qt.Key.Key_Return)  # Enter saves the merged value
    assert not dialog.isVisible()
    assert a.store.get_case(case_id).title == "Agreed title"
    assert conflicts.open_count(a.db) == 0
    assert page.queue.model.rowCount() == 0
    assert "No conflicts" in page.queue.note.text()
    page.queue.show_resolved.setChecked(True)
    assert page.queue.model.rowCount() == 2
    assert "(resolved)" in page.queue.model.index(0, 0).data()


def test_members_who_are_not_leads_see_the_queue_read_only(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage,
        tmp_path: Path) -> None:
    a, b = pair
    case_id = conflicting(a, b, tmp_path, concern=("high", "imminent"))
    path = a.path
    a.lock()
    officer, _key = vault.unlock(path, passphrase_text=OFFICER_PASS, member=OFFICER)
    try:
        page = make_page(officer)
        page.tabs.setCurrentWidget(page.queue)
        assert page.queue.model.rowCount() == 1
        assert "Only a team lead can resolve" in page.queue.note.text()
        assert page.queue.resolve.text().replace("&", "") == "Show both values\u2026"
        dialog = _open_selected(qtbot, page)
        assert not dialog.keep_local.isEnabled() and not dialog.keep_incoming.isEnabled()
        assert not dialog.edit_merged.isEnabled()
        assert dialog.note.isVisible() and "Only a team lead" in dialog.note.text()
        before = officer.store.get_case(case_id).concern
        dialog.accept()  # Ctrl+Enter: refused with the reason
        assert dialog.isVisible() and "Only a team lead" in dialog.message.text()
        assert officer.store.get_case(case_id).concern == before
        assert conflicts.open_count(officer.db) == 1
        dialog.cancel_button.click()
    finally:
        officer.lock()


def test_the_dashboard_counts_conflicts_for_leads_and_opens_the_queue(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = pair
    conflicting(a, b, tmp_path, concern=("high", "imminent"), title=("On A", "On B"))
    window = MainWindow(a)
    qtbot.addWidget(window)
    window.show()
    dashboard = window.page("dashboard")
    assert isinstance(dashboard, DashboardPage)
    dashboard.refresh()
    button = dashboard.conflicts_button
    assert button.isVisible() and "2 conflicts to resolve" in button.text()
    assert button.accessibleName().startswith("2 conflicts to resolve")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.current_key() == "sync"
    page = window.page("sync")
    assert isinstance(page, SyncPage)
    assert page.tabs.currentWidget() is page.queue and page.queue.model.rowCount() == 2
    window.teardown()


def test_the_dashboard_shows_no_count_to_officers(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = pair
    conflicting(a, b, tmp_path, title=("On A", "On B"))
    path = a.path
    a.lock()
    officer, _key = vault.unlock(path, passphrase_text=OFFICER_PASS, member=OFFICER)
    try:
        host = Host(officer)
        qtbot.addWidget(host)
        page = DashboardPage(officer, host.events)
        host.put(page)
        page.refresh()
        assert page.data.conflicts == 0 and not page.conflicts_button.isVisible()
    finally:
        officer.lock()


def test_the_case_header_marks_fields_in_conflict(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path) -> None:
    a, b = pair
    case_id = conflicting(a, b, tmp_path, concern=("high", "imminent"),
                          summary=("Summary from A", "Summary from B"))
    host = Host(a)
    qtbot.addWidget(host)
    header = CaseHeader(a)
    host.put(header)
    header.show_case(a.store.get_case(case_id))
    marks = header.conflict_marks
    concern = marks.mark("concern")
    assert concern.isVisible() and concern.text() == f"{words.WARNING} in conflict"
    assert "Concern level in conflict (critical)" in concern.accessibleName()
    assert not marks.mark("title").isVisible() and not marks.mark("status").isVisible()
    other = marks.mark(OTHER)
    assert other.isVisible() and "Summary in conflict" in other.text()
    qtbot.mouseClick(concern, Qt.MouseButton.LeftButton)
    dialog = concern.dialog
    assert isinstance(dialog, ConflictDialog) and dialog.isVisible()
    assert dialog.conflict.field == "concern"
    qtbot.mouseClick(dialog.keep_local, Qt.MouseButton.LeftButton)
    header.show_case(a.store.get_case(case_id))  # the case view refills it after a change
    assert not concern.isVisible() and other.isVisible()


def test_a_member_laptop_s_own_lead_sees_the_queue_read_only(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage,
        tmp_path: Path) -> None:
    """B's first member is a lead of B's vault, but B is a member laptop of the team: the page
    offers no Resolve, and the dialog settles nothing (the core refuses it too)."""
    a, b = pair
    case_id = conflicting(b, a, tmp_path, concern=("high", "imminent"))  # B takes in A's bundle
    assert b.role == "lead" and conflicts.open_count(b.db) == 1
    page = make_page(b)
    page.tabs.setCurrentWidget(page.queue)
    assert "on a lead laptop of the team" in page.queue.note.text()
    assert page.queue.resolve.text().replace("&", "") == "Show both values\u2026"
    dialog = _open_selected(qtbot, page)
    assert not dialog.keep_local.isEnabled() and not dialog.keep_incoming.isEnabled()
    assert not dialog.edit_merged.isEnabled()
    before = b.store.get_case(case_id).concern
    dialog.accept()
    assert dialog.isVisible() and "lead laptop of the team" in dialog.message.text()
    assert b.store.get_case(case_id).concern == before
    assert conflicts.open_count(b.db) == 1
    dialog.cancel_button.click()


def test_a_member_laptop_s_own_lead_is_not_told_to_resolve_conflicts(
        qtbot: QtBot, pair: tuple[Session, Session], tmp_path: Path) -> None:
    """The dashboard's "N conflicts to resolve" is for a lead laptop of the team: on B (a member
    laptop whose first member is a lead of B's vault) it would lead to a queue it cannot settle."""
    a, b = pair
    conflicting(b, a, tmp_path, concern=("high", "imminent"))  # B takes in A's bundle
    assert b.role == "lead" and conflicts.open_count(b.db) == 1
    host = Host(b)
    qtbot.addWidget(host)
    page = DashboardPage(b, host.events)
    host.put(page)
    page.refresh()
    assert not page.conflicts_button.isVisible()


def test_the_bundle_history_says_when_a_member_laptop_s_purge_was_not_applied() -> None:
    row = {"direction": "in", "summary": {"applied": 3, "not_lead_purges": 2,
                                          "not_lead_resolutions": 1}}
    assert "3 purge(s)/resolution(s) from a laptop that is not a lead laptop not applied" in (
        words.history_counts(row))
    assert "not applied" not in words.history_counts({"direction": "in", "summary": {}})


def test_the_bundle_history_says_when_a_member_laptop_s_review_was_not_applied() -> None:
    row = {"direction": "in", "summary": {"applied": 3, "not_lead_reviews": 1}}
    assert "1 form review from a laptop that is not a lead laptop not applied" in (
        words.history_counts(row))


def test_the_bundle_history_says_when_a_lead_s_change_was_not_proven() -> None:
    row = {"direction": "in", "summary": {"applied": 3, "not_proven_purges": 2,
                                          "not_proven_reviews": 1}}
    assert "3 purge(s)/resolution(s)/review(s) said to be a lead laptop's but not proven" \
        " not applied" in words.history_counts(row)
