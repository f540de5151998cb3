"""Drop-down lists show whole rows: up to ten, none cut in half (issue 9: styled drop-downs
opened as a menu showed two or three rows, the last cut in half)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QComboBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.ui.theme import ThemeManager, ThemeMode


# A pop-up asks for raise and a keyboard grab, which the offscreen platform cannot do.
@pytest.mark.qt_log_ignore(r"^This plugin does not support (raise\(\)|grabbing the keyboard)$")
@pytest.mark.parametrize("mode", [ThemeMode.LIGHT, ThemeMode.DARK])
@pytest.mark.parametrize("items", [7, 15])
def test_a_drop_down_shows_whole_rows(qtbot: QtBot, mode: ThemeMode, items: int) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme = ThemeManager(app, mode)
    theme.apply()
    try:
        host = QWidget()
        qtbot.addWidget(host)
        combo = QComboBox()
        combo.addItems([f"Choice number {n}" for n in range(items)])
        layout = QVBoxLayout(host)
        layout.addWidget(combo)
        layout.addStretch(1)
        host.resize(360, 500)
        host.show()
        qtbot.waitExposed(host)
        combo.showPopup()
        view = combo.view()
        qtbot.waitUntil(view.isVisible, timeout=3000)
        height = view.viewport().height()
        rows = [view.visualRect(combo.model().index(n, 0)) for n in range(items)]
        whole = [r for r in rows if r.top() >= 0 and r.bottom() < height]
        cut = [r for r in rows if r.top() < height <= r.bottom()]
        assert len(whole) == min(items, combo.maxVisibleItems())
        assert not cut
        assert all(r.height() >= 24 for r in rows)  # a row is a comfortable target
        combo.hidePopup()
    finally:
        theme.set_mode(ThemeMode.LIGHT)
