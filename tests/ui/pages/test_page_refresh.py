"""One "refresh when stale" mechanism for every page (ui/pages/base.Page.watch; issue 9 found
seven copies): a change that concerns the page re-reads it at once when visible, when next
shown otherwise, and after a background job when one held the store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from btam_desktop.core.ops import ChangeSummary
from btam_desktop.ui import tasks
from btam_desktop.ui.pages.base import Page


class Events(QObject):
    changed = Signal(object)


class Counting(Page):
    def __init__(self, events: Any) -> None:
        super().__init__("Counting")
        self.reads = 0
        self.watch(events, lambda s: "cases" in s.touched)

    def refresh(self) -> None:
        self.reads += 1
        self.stale = False


def change(table: str = "cases", action: str = "case.update") -> ChangeSummary:
    summary = ChangeSummary(action)
    summary.add(table, "x")
    return summary


def test_a_hidden_page_reads_when_shown_a_visible_one_at_once(qtbot: QtBot) -> None:
    events = Events()
    page = Counting(events)
    qtbot.addWidget(page)
    page.show()
    assert page.reads == 1  # stale until first shown
    page.hide()
    events.changed.emit(change())
    events.changed.emit(change())
    assert page.reads == 1 and page.stale
    page.show()
    assert page.reads == 2 and not page.stale
    events.changed.emit(change("persons"))  # not its concern
    assert page.reads == 2
    events.changed.emit(change())
    assert page.reads == 3


def test_a_page_waits_for_a_background_job(qtbot: QtBot,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    events = Events()
    page = Counting(events)
    qtbot.addWidget(page)
    page.show()
    monkeypatch.setattr(tasks, "is_busy", lambda: True)
    events.changed.emit(change())
    assert page.reads == 1 and page.stale
    monkeypatch.setattr(tasks, "is_busy", lambda: False)
    tasks.gate().busy_changed.emit(False)
    assert page.reads == 2 and not page.stale


def test_the_pages_use_the_one_mechanism() -> None:
    from btam_desktop.ui.pages import audit, dashboard, partners, people, settings, sync

    for module in (audit, dashboard, partners, people, settings, sync):
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        # A page may extend the shared hooks (mark_stale, teardown); it keeps no flag of its own.
        assert not re.search(r"\b_stale\b", source), module.__name__
        assert "def _on_change" not in source, module.__name__
