"""Sync: the import's "N new conflicts for the team lead: see the Conflicts tab." stays only
while conflicts are open: when the lead resolves them the sentence follows the count (found
by the new-user walk: it still said "1 new conflict" after the conflict was settled)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, exchange
from btam_desktop.ui.pages.sync import SyncPage
from btam_desktop.ui.sync.conflict_dialog import ConflictDialog
from btam_desktop.ui.sync.dialogs import InfoDialog

from .conftest import MakePage, send
from .test_folder_watch import _folders, _wait


def _import_conflicts(qtbot: QtBot, a: Session, b: Session, page: SyncPage,
                      tmp_path: Path) -> None:
    """Title and summary changed on both laptops; B's bundle imported on A's Sync page."""
    case = b.store.create_case("Statements about harming coworkers", concern="moderate")
    send(b, a, tmp_path)
    a.store.update_case(case.id, {"title": "On A", "summary": "Summary from A"})
    b.store.update_case(case.id, {"title": "On B", "summary": "Summary from B"})
    bundle = tmp_path / "from-b.btambundle"
    exchange.export_bundle(b, bundle)
    job = page.import_paths([bundle])
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=20_000):
        pass
    assert isinstance(page.dialog, InfoDialog)
    page.dialog.ok_button.click()


def _resolve_first(qtbot: QtBot, page: SyncPage) -> None:
    page.queue.table.selectRow(0)
    qtbot.mouseClick(page.queue.resolve, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ConflictDialog)
    qtbot.mouseClick(dialog.keep_local, Qt.MouseButton.LeftButton)


def test_the_new_conflicts_sentence_follows_the_open_count(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage,
        tmp_path: Path) -> None:
    a, b = pair
    page = make_page(a)
    _import_conflicts(qtbot, a, b, page, tmp_path)
    assert conflicts.open_count(a.db) == 2
    assert "2 new conflicts for the team lead" in page.message.text()

    _resolve_first(qtbot, page)
    assert conflicts.open_count(a.db) == 1
    text = page.message.text()
    assert "new conflicts" not in text and "1 conflict still to resolve" in text
    assert "1 bundle imported" in text  # what the import did is still said

    _resolve_first(qtbot, page)
    assert conflicts.open_count(a.db) == 0
    text = page.message.text()
    assert "conflict" not in text and "1 bundle imported" in text


def test_the_watched_folder_s_last_scan_says_when_its_conflicts_are_resolved(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    page = make_page(a)
    case = b.store.create_case("Statements about harming coworkers", concern="moderate")
    send(b, a, tmp_path)
    a.store.update_case(case.id, {"title": "On A"})
    b.store.update_case(case.id, {"title": "On B"})
    inbox, _outbox = _folders(tmp_path, page, monkeypatch)
    exchange.export_bundle(b, inbox / exchange.default_name(b, 9))
    group = page.exchange.watch
    group.switch.setChecked(True)  # the first scan leaves a file just written for the next
    _wait(qtbot, page)
    assert page.watcher.tick(force=True) is not None
    _wait(qtbot, page)
    assert conflicts.open_count(a.db) == 1
    assert "1 new conflict for the team lead: see the Conflicts tab" in group.status.text()

    _resolve_first(qtbot, page)
    text = group.status.text()
    assert "see the Conflicts tab" not in text and "1 new conflict (resolved since)" in text
    assert text.startswith("Last scan at")  # the rest of the scan's report stays
