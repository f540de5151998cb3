"""The Reports page: the program's own reports over the whole vault.

Choose the report (community resource map, gap analysis, post-evaluation of closed cases) and
the period, Preview the figures (computed in a background job, shown as text: the findings in
words, then each table), and Export as PDF or CSV through the Release dialog (recipient,
purpose, legal basis: recorded in the dissemination log; the file is not encrypted). The
computing is ``core/reports``; nothing here reads the database.
"""

from __future__ import annotations

import html
from datetime import date
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QWidget,
)

from btam_desktop.core.dissemination import Dissemination
from btam_desktop.core.errors import BtamError
from btam_desktop.core.model import CONCERN_LEVELS
from btam_desktop.core.reports import KINDS, TITLES, Period, Report, Series
from btam_desktop.core.session import Session
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.date_input import DateInput, InputProblem
from btam_desktop.ui.flow import flow_row, labelled
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.pdf.paths import default_folder, unique_path
from btam_desktop.ui.pdf.release import ReleaseChoice, ReleaseDialog
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import MessageLabel, muted

INTRO = ("Reports over the whole program: the partners against the prevention tiers and the "
         "gaps, a gap analysis of a period (counts only, fit for a chief or a county board), "
         "and the post-evaluation of the cases closed in a period.")
ABOUT = {
    "resource-map": "Partners by discipline and tier, the gaps in words, and how often each "
                    "partner was used and with what outcome (referrals made in the period).",
    "gaps": "Caseload, time to first intervention, reviews on time, referrals and their "
            "outcomes, needs no partner could meet, cases closed and why. Counts only.",
    "post-evaluation": "Cases closed in the period: interventions tried, concern level over "
                       "time, time to closure, re-referrals. Cases by number, no names.",
}


def report_html(report: Report) -> str:
    """The figures as simple HTML (every value escaped: partner names are typed text)."""
    out = [f"<h3>{html.escape(report.title)}</h3>"]
    if report.period is not None:
        out.append(f"<p>Period: {html.escape(report.period.label)}</p>")
    if report.findings:
        out.append("<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in report.findings)
                   + "</ul>")
    for table in report.tables:
        out.append(f"<h4>{html.escape(table.title)}</h4><table border='1' cellpadding='3'"
                   " cellspacing='0'><tr>"
                   + "".join(f"<th>{html.escape(h)}</th>" for h in table.headers) + "</tr>")
        for row in table.rows:
            out.append("<tr>" + "".join(
                f"<td>{html.escape(f'{v:g}' if isinstance(v, float) else str(v))}</td>"
                for v in row) + "</tr>")
        out.append("</table>")
        if table.note:
            out.append(f"<p><small>{html.escape(table.note)}</small></p>")
    return "".join(out)


class ConcernChart(QWidget):
    """The concern level over time as a step line (ui/charts.py's rules: palette colours for
    both themes, every level named in words on the axis, and a sentence listing the points
    as the accessible description and tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: Series | None = None
        self.setAccessibleName("Concern level over time")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(600, 150)

    def set_series(self, series: Series | None) -> None:
        """Show ``series`` (None: nothing)."""
        self.series = series
        text = "" if series is None else f"{series.label}: " + "; ".join(
            f"{day} {CONCERN_LEVELS[min(3, max(0, round(level)))]}"
            + (f" ({level:g})" if level != round(level) else "")
            for day, level in series.points)
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.update()

    def text_alternative(self) -> str:
        """The sentence read by screen readers."""
        return self.accessibleDescription()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Axis labels in words, a step line through the points."""
        if self.series is None or not self.series.points:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        line = palette.color(QPalette.ColorRole.Highlight)
        metrics = painter.fontMetrics()
        left = max(metrics.horizontalAdvance(n) for n in CONCERN_LEVELS) + 12
        area = QRectF(left, 8, self.width() - left - 12, self.height() - 16 - metrics.height())
        painter.setPen(text)
        for index, name in enumerate(CONCERN_LEVELS):
            y = area.bottom() - area.height() * index / 3
            painter.drawText(QRectF(0, y - metrics.height() / 2, left - 6, metrics.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             name)
        points = self.series.points
        count = max(1, len(points) - 1)
        xy = [QPointF(area.left() + area.width() * i / count,
                      area.bottom() - area.height() * level / 3)
              for i, (_day, level) in enumerate(points)]
        painter.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), metrics.height()),
                         int(Qt.AlignmentFlag.AlignLeft), str(points[0][0]))
        painter.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), metrics.height()),
                         int(Qt.AlignmentFlag.AlignRight), str(points[-1][0]))
        painter.setPen(QPen(line, 2))
        for before, after in pairwise(xy):
            painter.drawLine(before, QPointF(after.x(), before.y()))
            painter.drawLine(QPointF(after.x(), before.y()), after)
        painter.end()


class ReportsPage(Page):
    """Choose, preview and export a program report; see the module docstring."""

    def __init__(self, session: Session, events: SessionEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__("Reports", parent)
        self._session = session
        self.last_job: tasks.BackgroundJob | None = None
        self.dialog: ReleaseDialog | None = None
        self.report: Report | None = None
        self.kind = QComboBox()
        self.kind.setAccessibleName("Report")
        for kind in KINDS:
            self.kind.addItem(TITLES[kind], kind)
        today = date.today()
        self.start = DateInput(today.replace(year=today.year - 1).isoformat(),
                               what="first day")
        self.start.setAccessibleName("From")
        self.end = DateInput(today.isoformat(), what="last day")
        self.end.setAccessibleName("To")
        kind_label, start_label, end_label = QLabel("&Report"), QLabel("&From"), QLabel("T&o")
        kind_label.setBuddy(self.kind)
        start_label.setBuddy(self.start.line)
        end_label.setBuddy(self.end.line)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.setToolTip("Compute the figures and show them here")
        self.pdf_button = QPushButton("Export P&DF\u2026")
        self.csv_button = QPushButton("Export &CSV\u2026")
        for button in (self.pdf_button, self.csv_button):
            button.setToolTip("Write the report to a file; the recipient, purpose and legal "
                              "basis go into the dissemination log")
        self.about = muted(ABOUT[KINDS[0]])
        self.message = MessageLabel()
        self.chart_choice = QComboBox()
        self.chart_choice.setAccessibleName("Chart")
        chart_label = QLabel("C&hart")
        chart_label.setBuddy(self.chart_choice)
        self.chart = ConcernChart()
        self.chart_row = QWidget()
        row = flow_row(labelled(chart_label, self.chart_choice), spacing=10)
        self.chart_row.setLayout(row)
        self.chart_row.hide()
        self.chart.hide()
        self.view = QTextBrowser()
        self.view.setAccessibleName("Report preview")
        self.view.setOpenLinks(False)
        self.view.setTabChangesFocus(True)
        intro = muted(INTRO)
        intro.setMaximumWidth(900)
        self.body.addWidget(intro)
        self.body.addLayout(flow_row(labelled(kind_label, self.kind),
                                     labelled(start_label, self.start),
                                     labelled(end_label, self.end), self.preview_button,
                                     self.pdf_button, self.csv_button, spacing=10))
        self.body.addWidget(self.about)
        self.body.addWidget(self.message)
        self.body.addWidget(self.chart_row)
        self.body.addWidget(self.chart)
        self.body.addWidget(self.view, 1)
        self.chart_choice.currentIndexChanged.connect(self._chart_changed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.preview_button.clicked.connect(lambda _checked=False: self.preview())
        self.pdf_button.clicked.connect(lambda _checked=False: self.export("pdf"))
        self.csv_button.clicked.connect(lambda _checked=False: self.export("csv"))
        writer = session.role in ("officer", "lead", "analyst")
        self.pdf_button.setEnabled(writer)
        self.csv_button.setEnabled(writer)
        _ = events  # the figures are computed on request, not kept up to date

    def _kind_changed(self) -> None:
        self.about.setText(ABOUT[self.chosen_kind()])
        self.view.clear()
        self.report = None
        self._show_charts(None)

    def _show_charts(self, report: Report | None) -> None:
        """The post-evaluation's concern charts: across cases first, then each case."""
        self.chart_choice.blockSignals(True)
        self.chart_choice.clear()
        series: list[Series] = []
        if report is not None:
            if report.overall is not None and report.overall.points:
                series.append(report.overall)
            series += report.series
        overall = report.overall if report is not None else None
        for item in series:
            self.chart_choice.addItem("Across cases (average by month)" if item is overall
                                      else item.label, item)
        self.chart_choice.blockSignals(False)
        shown = bool(series)
        self.chart_row.setVisible(shown)
        self.chart.setVisible(shown)
        self.chart.set_series(series[0] if series else None)

    def _chart_changed(self) -> None:
        item = self.chart_choice.currentData()
        self.chart.set_series(item if isinstance(item, Series) else None)

    def chosen_kind(self) -> str:
        """The report chosen ("gaps", ...)."""
        return str(self.kind.currentData())

    def period(self) -> Period | None:
        """The period typed, or None after saying what is wrong."""
        try:
            start, end = self.start.value(), self.end.value()
            return Period.parse(start, end)
        except InputProblem as problem:
            self.message.show_error(str(problem))
        except BtamError as error:
            self.message.show_error(messages.describe(error))
        return None

    def preview(self) -> tasks.BackgroundJob | None:
        """Compute the report in the background and show it."""
        period = self.period()
        if period is None:
            return None
        session, kind = self._session, self.chosen_kind()

        def work(_progress: tasks.Progress) -> Report:
            from btam_desktop.core.reports.compute import build

            return build(session, kind, period)

        def done(report: Report) -> None:
            self.report = report
            self.view.setHtml(report_html(report))
            self._show_charts(report)
            self.message.show_message(f"{report.title}: {len(report.findings)} findings, "
                                      f"{len(report.tables)} tables.", "ok")

        self.message.clear_message()
        self.last_job = tasks.run_in_background(
            self, "Computing the report", work, on_done=done,
            on_error=lambda error: self.message.show_error(messages.describe(error)),
            cancellable=False, label="Counting\u2026")
        return self.last_job

    def export(self, fmt: str) -> ReleaseDialog | None:
        """The Release dialog for the chosen report and period, as PDF or CSV."""
        period = self.period()
        if period is None:
            return None
        session, kind = self._session, self.chosen_kind()
        name = f"{kind}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"

        def work(choice: ReleaseChoice, _progress: tasks.Progress) -> Dissemination:
            from btam_desktop.core.reports.compute import build
            from btam_desktop.core.reports.export import export_report

            return export_report(session, build(session, kind, period), choice.target,
                                 fmt=fmt, release=choice.release, overwrite=choice.replace)

        dialog = ReleaseDialog(
            session, self.window(), title=f"Export the {TITLES[kind].lower()}",
            intro=f"{TITLES[kind]}, {period.label}, as {fmt.upper()}. Say who receives it, "
                  "why and on what basis: it is recorded in the dissemination log.",
            work=work, job_title="Exporting the report", job_label="Writing the file\u2026",
            suggested=unique_path(default_folder() / name), redaction=False,
            ok_text="&Export")
        dialog.succeeded.connect(self._exported)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _exported(self, logged: Dissemination) -> None:
        self.message.show_message(f"Saved {logged.filename}; recorded in the dissemination "
                                  f"log for {logged.recipient}.", "ok")


__all__ = ["ReportsPage"]
