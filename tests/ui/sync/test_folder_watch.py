"""The folder watch on the Sync page: folders chosen, switched on, a scan every 30 seconds that
takes bundles from the inbox and writes to the outbox, and no scan (no progress dialog over
the officer's work) when nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.core.session import Session
from btam_desktop.core.sync import exchange
from btam_desktop.ui.pages.sync import SyncPage
from btam_desktop.ui.sync.watching import SCAN_INTERVAL_MS

from .conftest import MakePage

WATCHING = "btam_desktop.ui.sync.watching.QFileDialog"


def _wait(qtbot: QtBot, page: SyncPage) -> None:
    job = page.watcher.job
    assert job is not None
    if job.running:
        with qtbot.waitSignal(job.finished, timeout=20_000):
            pass


def _folders(tmp_path: Path, page: SyncPage, monkeypatch: pytest.MonkeyPatch
             ) -> tuple[Path, Path]:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    outbox.mkdir()
    for folder, button in ((inbox, page.exchange.watch.inbox_button),
                           (outbox, page.exchange.watch.outbox_button)):
        monkeypatch.setattr(f"{WATCHING}.getExistingDirectory",
                            lambda *_args, chosen=folder: str(chosen))
        button.click()
    return inbox, outbox


def test_the_watch_needs_both_folders(qtbot: QtBot, pair: tuple[Session, Session],
                                      make_page: MakePage) -> None:
    a, _b = pair
    page = make_page(a)
    group = page.exchange.watch
    assert group.isVisible() and group.inbox.text() == "not chosen"
    group.switch.setChecked(True)
    assert not group.switch.isChecked() and group.status.kind == "error"
    assert not page.watcher.timer.isActive()


def test_the_watch_takes_bundles_in_and_writes_bundles_out(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    page = make_page(a)
    inbox, outbox = _folders(tmp_path, page, monkeypatch)
    group = page.exchange.watch
    assert group.inbox.text() == str(inbox) and group.outbox.text() == str(outbox)
    group.switch.setChecked(True)  # scans at once, then every 30 seconds
    assert page.watcher.timer.isActive()
    assert page.watcher.timer.interval() == SCAN_INTERVAL_MS
    _wait(qtbot, page)
    # The lead's first scan sends B the roster and what B has not acknowledged.
    assert len(list(outbox.glob("*.btambundle"))) == 1
    assert "Wrote" in group.status.text()

    # Nothing changed: a tick starts no job (no progress dialog every 30 seconds).
    first = page.watcher.job
    assert page.watcher.tick() is None and page.watcher.job is first

    # B's bundle arrives in the inbox: the next tick imports it.
    case = b.store.create_case("Came through the shared folder", concern="low")
    exchange.export_bundle(b, inbox / exchange.default_name(b, 1))
    assert page.watcher.tick() is not None
    _wait(qtbot, page)
    # Just written: left until a second look finds it unchanged (it may still be copying).
    assert "still being copied" in group.status.text()
    assert page.watcher.tick() is not None
    _wait(qtbot, page)
    assert a.store.get_case(case.id).title == "Came through the shared folder"
    assert "1 new case," in group.status.text()
    assert page.history.model.rowCount() >= 2  # sent and received

    # A change on this laptop: the next tick writes a bundle for B.
    a.store.create_case("Made on the lead's laptop", concern="low")
    before = len(list(outbox.glob("*.btambundle")))
    assert page.watcher.tick() is not None
    _wait(qtbot, page)
    assert len(list(outbox.glob("*.btambundle"))) == before + 1

    # Switched off: the timer stops; the choice is remembered for the next unlock.
    group.switch.setChecked(False)
    assert not page.watcher.timer.isActive()
    again = make_page(a)
    assert again.exchange.watch.inbox.text() == str(inbox)
    assert not again.exchange.watch.switch.isChecked()


def test_the_watch_stays_on_across_pages_of_the_same_vault(
        qtbot: QtBot, pair: tuple[Session, Session], make_page: MakePage, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    a, _b = pair
    page = make_page(a)
    _folders(tmp_path, page, monkeypatch)
    page.exchange.watch.switch.setChecked(True)
    _wait(qtbot, page)
    page.teardown()  # the window goes on lock: the timer stops with it
    assert not page.watcher.timer.isActive()
    after_unlock = make_page(a)
    assert after_unlock.exchange.watch.switch.isChecked()
    assert after_unlock.watcher.timer.isActive()
