"""The Reports page: choose a report and a period, preview the figures, export PDF or CSV
through the Release dialog (recorded in the dissemination log); small screens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from btam_desktop.core.reports import Report, Table
from btam_desktop.core.reports.export import logged
from btam_desktop.core.session import Session
from btam_desktop.ui.pages.reports import ReportsPage, report_html
from tests.core.test_reports import demo  # noqa: F401 (fixture)
from tests.ui.pages.conftest import Host

_HOSTS: list[Host] = []


@pytest.fixture(autouse=True)
def _drop_hosts() -> Iterator[None]:
    yield
    _HOSTS.clear()


def _page(qtbot: QtBot, session: Session) -> ReportsPage:
    host = Host(session)
    host.resize(1024, 768)
    qtbot.addWidget(host)
    _HOSTS.append(host)
    page = ReportsPage(session, host.events)
    host.put(page)
    return page


def _wait(qtbot: QtBot, page: ReportsPage) -> None:
    job = page.last_job
    assert job is not None
    if job.running:
        with qtbot.waitSignal(job.finished, timeout=20_000):
            pass


def test_preview_shows_the_figures_of_the_period(qtbot: QtBot, demo: Session  # noqa: F811
                                                 ) -> None:
    page = _page(qtbot, demo)
    page.kind.setCurrentIndex(page.kind.findData("gaps"))
    page.start.set_value((date.today() - timedelta(days=180)).isoformat())
    page.preview()
    _wait(qtbot, page)
    text = page.view.toPlainText()
    assert "5 cases were open during the period; 4 were opened and 2 closed." in text
    assert "Caseload by concern level" in text
    assert "Merrow" not in text and "expulsion" not in text
    # A period that ends before it starts is refused in words; nothing computed.
    page.start.set_value("2026-05-01")
    page.end.set_value("2026-01-01")
    assert page.preview() is None and "starts after" in page.message.text()


def test_post_evaluation_shows_a_concern_chart_across_cases_and_per_case(
        qtbot: QtBot, demo: Session) -> None:  # noqa: F811
    page = _page(qtbot, demo)
    assert not page.chart.isVisible()
    page.kind.setCurrentIndex(page.kind.findData("post-evaluation"))
    page.start.set_value((date.today() - timedelta(days=180)).isoformat())
    page.preview()
    _wait(qtbot, page)
    assert page.chart.isVisible()
    assert page.chart_choice.count() == 3  # across cases, then the two closed cases
    assert page.chart_choice.itemText(0).startswith("Across cases")
    assert "month 0 high" in page.chart.text_alternative()
    page.chart_choice.setCurrentIndex(1)
    described = page.chart.text_alternative()
    assert "high" in described and described.startswith(page.chart_choice.itemText(1))
    page.chart.grab()  # paints without a warning
    page.kind.setCurrentIndex(page.kind.findData("gaps"))
    assert not page.chart.isVisible()


def test_export_goes_through_the_release_dialog_and_the_log(
        qtbot: QtBot, demo: Session, tmp_path: Path) -> None:  # noqa: F811
    page = _page(qtbot, demo)
    page.kind.setCurrentIndex(page.kind.findData("post-evaluation"))
    dialog = page.export("csv")
    assert dialog is not None
    qtbot.keyClicks(dialog.recipient, "County board")
    qtbot.keyClicks(dialog.purpose, "Annual review")
    qtbot.keyClicks(dialog.legal_basis, "State code 12-34")
    out = tmp_path / "post.csv"
    dialog.output.set_path(out)
    with qtbot.waitSignal(dialog.succeeded, timeout=20_000):
        dialog.accept()
    assert out.read_bytes().startswith("\ufeff".encode())
    entries = logged(demo)
    assert len(entries) == 1 and entries[0].recipient == "County board"
    assert "post.csv" in page.message.text()


def test_preview_escapes_typed_text() -> None:
    report = Report("resource-map", "Map", None, findings=["<b>x</b>"],
                    tables=[Table("T", ["Partner"], [["<img src=x>"]])])
    text = report_html(report)
    assert "<img" not in text and "&lt;img src=x&gt;" in text


def test_fits_a_small_screen(qtbot: QtBot, demo: Session) -> None:  # noqa: F811
    page = _page(qtbot, demo)
    for widget in (page.kind, page.preview_button, page.pdf_button, page.csv_button,
                   page.view):
        assert widget.isVisible()
        corner = widget.mapTo(page.window(), widget.rect().bottomRight())
        assert corner.x() <= 1024 and corner.y() <= 768
