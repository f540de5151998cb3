"""Option buttons (radio buttons) outside forms, and the tick boxes of list items, are visible
in both themes.

Found in the keyboard walk at night (dark theme, Sync page "Send: export a bundle"): Fusion's
own radio mark was a black disc on the near-black window when not chosen and a small grey dot
when chosen, so an officer could not tell which of "All other laptops" / "Only the laptops
picked below" was in effect. The form view already drew its own; the app's base style did not.
The list under it (which laptops to send to) has a tick box per laptop: not drawn at all on the
night window when not ticked, so the list looked like plain text with nothing to pick.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from btam_desktop.ui.theme import ThemeManager, ThemeMode, contrast_ratio
from btam_desktop.ui.widgets import tick_list


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


def _differing(one: QImage, other: QImage) -> int:
    """Pixels at which two marks of the same size differ by at least 3:1."""
    return sum(1 for y in range(min(one.height(), other.height()))
               for x in range(min(one.width(), other.width()))
               if contrast_ratio(one.pixelColor(x, y), other.pixelColor(x, y)) >= 3.0)


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
    # Chosen: a filled centre, told from the empty option at a glance.
    assert _differing(checked, unchecked) >= 30, f"{mode}: the chosen option looks empty"
    manager.deleteLater()


def _item_mark(qtbot: QtBot, checked: bool) -> tuple[QImage, QColor]:
    """The tick box of a checkable list item (Sync's "Only the laptops picked below") and
    the list's background."""
    items = QListWidget()
    tick_list(items)  # as the app's lists of tick boxes are
    qtbot.addWidget(items)
    item = QListWidgetItem("Laptop K7Q (Sam Ortiz)")
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    items.addItem(item)
    items.resize(300, 80)
    items.show()
    qtbot.waitExposed(items)
    row = items.visualItemRect(item)
    image = items.viewport().grab(row.adjusted(0, 0, -(row.width() - row.height() - 6), 0))
    return image.toImage(), items.palette().base().color()


@pytest.mark.parametrize("mode", [ThemeMode.LIGHT, ThemeMode.DARK])
def test_list_tick_box_is_visible_ticked_or_not(
    qtbot: QtBot, qapp: QApplication, restore_style: None, mode: ThemeMode
) -> None:
    manager = ThemeManager(qapp, mode)
    manager.apply()
    unticked, base = _item_mark(qtbot, checked=False)
    ticked, _ = _item_mark(qtbot, checked=True)
    assert _visible(unticked, base) >= 45, f"{mode}: an unticked box is not visible"
    assert _differing(ticked, unticked) >= 30, f"{mode}: a ticked box looks unticked"
    manager.deleteLater()
