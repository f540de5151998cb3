"""Scroll bars read the right way round in both themes: the handle (the part that moves) is
the ink, the groove is the paper. In the light theme the handle was a near-white bar on a
grey groove, which reads as a hole: now it is darker than the groove, and in the night theme
lighter (a dark handle on a lighter groove would be the same hole, inverted); either way at
least 3:1 against the groove (WCAG 1.4.11, non-text contrast), while the groove stays close
to the window so the bar does not shout."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QScrollBar, QStyle, QStyleOptionSlider
from pytestqt.qtbot import QtBot

from btam_desktop.ui.theme import ThemeManager, ThemeMode, contrast_ratio


def _pixel(bar: QScrollBar, control: QStyle.SubControl) -> QColor:
    option = QStyleOptionSlider()
    bar.initStyleOption(option)
    rect = bar.style().subControlRect(QStyle.ComplexControl.CC_ScrollBar, option, control, bar)
    assert rect.isValid() and rect.height() > 4, control
    image = bar.grab().toImage()
    ratio = image.devicePixelRatio()
    centre = rect.center()
    return image.pixelColor(int(centre.x() * ratio), int(centre.y() * ratio))


@pytest.mark.parametrize("orientation", [Qt.Orientation.Vertical, Qt.Orientation.Horizontal])
@pytest.mark.parametrize("mode", [ThemeMode.LIGHT, ThemeMode.DARK])
def test_the_handle_stands_out_from_the_groove(qtbot: QtBot, qapp: QApplication,
                                               restore_style: None, mode: ThemeMode,
                                               orientation: Qt.Orientation) -> None:
    manager = ThemeManager(qapp, mode)
    manager.apply()
    bar = QScrollBar(orientation)
    qtbot.addWidget(bar)
    bar.setRange(0, 100)
    bar.setPageStep(25)
    bar.setValue(0)
    if orientation == Qt.Orientation.Vertical:
        bar.resize(bar.sizeHint().width(), 300)
    else:
        bar.resize(300, bar.sizeHint().height())
    bar.show()
    qtbot.waitExposed(bar)
    handle = _pixel(bar, QStyle.SubControl.SC_ScrollBarSlider)
    groove = _pixel(bar, QStyle.SubControl.SC_ScrollBarAddPage)
    window = manager.color("window")
    if mode is ThemeMode.LIGHT:
        assert handle.lightnessF() < groove.lightnessF(), (handle.name(), groove.name())
    else:
        assert handle.lightnessF() > groove.lightnessF(), (handle.name(), groove.name())
    assert contrast_ratio(handle, groove) >= 3.0, (handle.name(), groove.name())
    assert contrast_ratio(groove, window) < 1.5, (groove.name(), window.name())
    manager.deleteLater()
