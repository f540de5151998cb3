"""Bar charts (btam_desktop.ui.charts): counts as text, proportional bars, a text alternative."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from btam_desktop.ui.charts import Bar, BarChart


def _chart(qtbot: QtBot, bars: list[Bar]) -> BarChart:
    chart = BarChart("Open caseload by concern level")
    qtbot.addWidget(chart)
    chart.set_bars(bars)
    chart.resize(500, chart.sizeHint().height())
    chart.show()
    return chart


def test_text_alternative_lists_every_bar(qtbot: QtBot) -> None:
    chart = _chart(qtbot, [Bar("low", "Low", 12), Bar("high", "High", 1_204)])
    text = "Open caseload by concern level: Low 12, High 1,204."
    assert chart.text_alternative() == text
    assert chart.accessibleDescription() == text
    assert chart.accessibleName() == "Open caseload by concern level"
    assert chart.toolTip() == text
    assert chart.count("high") == 1_204


def test_bars_are_proportional_and_a_small_count_stays_visible(qtbot: QtBot) -> None:
    chart = _chart(qtbot, [Bar("a", "A", 1000), Bar("b", "B", 500), Bar("c", "C", 1),
                           Bar("d", "D", 0)])
    widths = [chart.bar_rect(i).width() for i in range(4)]
    assert widths[0] > widths[1] > widths[2] > widths[3] == 0
    assert abs(widths[1] - widths[0] / 2) <= 1
    assert widths[2] >= 3


def test_empty_chart_and_painting(qtbot: QtBot) -> None:
    chart = _chart(qtbot, [])
    assert chart.text_alternative().endswith("no data.")
    assert not chart.grab().isNull()
    chart.set_bars([Bar("a", "Monitoring", 3)])
    assert chart.sizeHint().height() > 0
    assert not chart.grab().isNull()
