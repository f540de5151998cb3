"""Option buttons (radio buttons) outside forms are visible in both themes.

Found in the keyboard walk at night (dark theme, Sync page "Send: export a bundle"): Fusion's
own radio mark was a black disc on the near-black window when not chosen and a small grey dot
when chosen, so an officer could not tell which of "All other laptops" / "Only the laptops
picked below" was in effect. The form view already drew its own; the app's base style did not.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QRadioButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.ui.theme import ThemeManager, ThemeMode, contrast_ratio


@pytest.fixture
def restore_style(qapp: QApplication) -> Iterator[None]:
    palette, sheet = qapp.palette(), qapp.styleSheet()
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.styleHints().unsetColorScheme()


def _mark(qtbot: QtBot, checked: bool) -> tuple[QImage, QColor]:
    """The left part of an option button (its mark) as painted on its window, and the
    window's colour."""
    host = QWidget()
    host.setAutoFillBackground(True)
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    button = QRadioButton("All other laptops of the team")
    button.setChecked(checked)
    layout.addWidget(button)
    host.show()
    qtbot.waitExposed(host)
    height = button.height()
    image = host.grab(button.geometry().adjusted(0, 0, -(button.width() - height - 8), 0))
    return image.toImage(), host.palette().window().color()


def _visible(image: QImage, background: QColor) -> int:
    """Pixels that stand out from the window by at least 3:1 (WCAG's minimum for the parts
    of a control one must see to use it)."""
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if contrast_ratio(image.pixelColor(x, y), background) >= 3.0)


@pytest.mark.parametrize("mode", [ThemeMode.LIGHT, ThemeMode.DARK])
def test_option_mark_is_visible_chosen_or_not(
    qtbot: QtBot, qapp: QApplication, restore_style: None, mode: ThemeMode
) -> None:
    manager = ThemeManager(qapp, mode)
    manager.apply()
    unchecked, window = _mark(qtbot, checked=False)
    checked, _ = _mark(qtbot, checked=True)
    # A ring one can see: at least the circumference of a 16 px circle.
    assert _visible(unchecked, window) >= 45, f"{mode}: the empty option's ring is not visible"
    # Chosen: a filled centre on top of the ring, clearly more marked than the empty one.
    assert _visible(checked, window) >= _visible(unchecked, window) + 30, (
        f"{mode}: the chosen option looks like the empty one")
    manager.deleteLater()
