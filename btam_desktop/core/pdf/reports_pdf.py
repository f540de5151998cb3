"""Program reports (resource map, gap analysis, post-evaluation) as PDF, on the same pages
as case reports (masthead, banner, page numbers: ``page.build_pdf``) with the same blocks
(section bars, data tables, the release box).

Concern-level charts are drawn with reportlab's graphics (a step line per closed case, small,
three to a row; and one chart of the average across cases); levels 0-3 read low, moderate,
high, imminent.
"""

from __future__ import annotations

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from btam_desktop.core.dissemination import Release
from btam_desktop.core.model import CONCERN_LEVELS
from btam_desktop.core.pdf.blocks import FlowTable, para, release_box, section_bar
from btam_desktop.core.pdf.fonts import BOLD, REGULAR
from btam_desktop.core.pdf.markup import esc
from btam_desktop.core.pdf.page import DocumentSpec, Masthead, RenderedPdf, build_pdf
from btam_desktop.core.pdf.styles import GRID, INK, LABEL_BG, PAGE, styles
from btam_desktop.core.reports import Report, Series
from btam_desktop.core.reports import Table as ReportTable

MAX_CASE_CHARTS = 30  # more closed cases than this: the table lists them, charts stop
_LINE = colors.HexColor("#2F5C8A")


def _day_number(day: str) -> float:
    from datetime import date

    try:
        return float(date.fromisoformat(day[:10]).toordinal())
    except ValueError:
        return 0.0


def concern_chart(series: Series, width: float, height: float, *, by_index: bool = False
                  ) -> Drawing:
    """A step line of the concern level (0-3) over time; ``by_index``: the x values are
    the points' positions (the average by month), not dates."""
    drawing = Drawing(width, height)
    points: list[tuple[float, float]] = []
    for index, (day, level) in enumerate(series.points):
        x = float(index) if by_index else _day_number(day)
        if points and not by_index:
            points.append((x, points[-1][1]))  # a step: the level holds until it changes
        points.append((x, float(level)))
    if len(points) == 1:
        points.append((points[0][0] + 1, points[0][1]))
    plot = LinePlot()
    plot.x, plot.y = 40, 16
    plot.width, plot.height = width - 50, height - 32
    plot.data = [points]
    plot.lines[0].strokeColor = _LINE
    plot.lines[0].strokeWidth = 1.4
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = -0.2, 3.2
    plot.yValueAxis.valueSteps = [0, 1, 2, 3]
    plot.yValueAxis.labelTextFormat = lambda v: CONCERN_LEVELS[round(v)] \
        if 0 <= round(v) <= 3 else ""
    plot.yValueAxis.labels.fontName = REGULAR
    plot.yValueAxis.labels.fontSize = 6
    plot.xValueAxis.labels.fontName = REGULAR
    plot.xValueAxis.labels.fontSize = 6
    xs = [p[0] for p in points]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(xs), max(xs)
    if by_index:
        plot.xValueAxis.valueSteps = xs[:: max(1, len(xs) // 8)]
        plot.xValueAxis.labelTextFormat = lambda v: f"m{int(v)}"
    else:
        plot.xValueAxis.valueSteps = [min(xs), max(xs)]
        from datetime import date

        plot.xValueAxis.labelTextFormat = lambda v: date.fromordinal(int(v)).isoformat()
    plot.xValueAxis.strokeColor = GRID
    plot.yValueAxis.strokeColor = GRID
    drawing.add(plot)
    drawing.add(String(4, height - 9, series.label[:60], fontName=REGULAR, fontSize=7,
                       fillColor=INK))
    return drawing


_PAD = 10 + 2  # the data table's left and right cell padding, and a little air


def _width(text: str, bold: bool) -> float:
    """Points ``text`` takes in a data table's header (bold, 8 pt) or cell (8.5 pt)."""
    styles()  # registers the fonts
    return float(stringWidth(text, BOLD if bold else REGULAR, 8 if bold else 8.5))


def column_widths(table: ReportTable) -> list[float]:
    """Column widths (points) for the frame: first each column's longest word, so no header
    or word is broken mid-word; the room left goes to the columns whose text is longer."""
    least, wanted = [], []
    for index, header in enumerate(table.headers):
        cells = [f"{r[index]:g}" if isinstance(r[index], float) else str(r[index])
                 for r in table.rows if index < len(r)]
        word = max([_width(w, True) for w in header.split()]
                   + [_width(w, False) for c in cells for w in c.split()] + [12.0])
        longest = max([_width(c[:60], False) for c in cells] + [_width(header, True)])
        least.append(word + _PAD)
        wanted.append(longest + _PAD)
    frame = PAGE.frame_width
    if sum(least) >= frame:
        return [w * frame / sum(least) for w in least]
    extra = [max(0.0, w - m) for w, m in zip(wanted, least, strict=True)]
    room = frame - sum(least)
    if sum(extra) <= room:  # everything fits on one line: spread what is left evenly
        return [m + e + (room - sum(extra)) / len(wanted)
                for m, e in zip(least, extra, strict=True)]
    return [m + room * e / sum(extra) for m, e in zip(least, extra, strict=True)]


def counts_table(table: ReportTable, widths: list[float]) -> Table:
    """The data table's look (blocks.data_table: grid, header row repeated on each page) for
    a table of counts: a cell that fits on one line is drawn as plain text and only longer
    ones are laid out as paragraphs (wrapping 10,000 one-word paragraphs took most of a long
    post-evaluation's 8 seconds)."""
    st = styles()
    data: list[list[object]] = [[para(esc(h), "header_cell") for h in table.headers]]
    for row in table.rows:
        cells: list[object] = []
        for index, value in enumerate(row):
            text = f"{value:g}" if isinstance(value, float) else str(value)
            room = widths[index] - 10 if index < len(widths) else 0
            if "\n" not in text and _width(text, False) <= room:
                cells.append(text)
            else:
                cells.append(Paragraph(esc(text), st.cell))
        data.append(cells)
    result = FlowTable(data, colWidths=widths, repeatRows=1, splitInRow=1)
    result.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("FONTNAME", (0, 1), (-1, -1), REGULAR), ("FONTSIZE", (0, 1), (-1, -1), 8.5),
        ("LEADING", (0, 1), (-1, -1), 10.5), ("TEXTCOLOR", (0, 1), (-1, -1), INK)]))
    return result


def _table(table: ReportTable) -> list[Flowable]:
    flow: list[Flowable] = [Paragraph(esc(table.title), styles().subsection),
                            counts_table(table, column_widths(table))]
    if table.note:
        flow.append(Paragraph(esc(table.note), styles().small))
    flow.append(Spacer(1, 8))
    return flow


def _charts(report: Report) -> list[Flowable]:
    story: list[Flowable] = []
    if report.overall is not None and report.overall.points:
        story += [Paragraph("Across cases", styles().subsection),
                  concern_chart(report.overall, PAGE.frame_width, 150, by_index=True),
                  Spacer(1, 8)]
    if report.series:
        story.append(Paragraph("Per case", styles().subsection))
        width = PAGE.frame_width / 3
        cells = [concern_chart(s, width - 6, 96) for s in report.series[:MAX_CASE_CHARTS]]
        grid = [cells[i:i + 3] for i in range(0, len(cells), 3)]
        if grid and len(grid[-1]) < 3:
            grid[-1] += [""] * (3 - len(grid[-1]))
        table = Table(grid, colWidths=[width] * 3)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(table)
        if len(report.series) > MAX_CASE_CHARTS:
            story.append(Paragraph(esc(f"Charts of the first {MAX_CASE_CHARTS} of"
                                       f" {len(report.series)} closed cases; the table lists"
                                       " them all."), styles().small))
    return story


def report_pdf(report: Report, masthead: Masthead, release: Release | None = None
               ) -> RenderedPdf:
    """Lay out ``report`` (nothing written)."""
    st = styles()
    story: list[Flowable] = [Paragraph(esc(report.title), st.title)]
    if report.period is not None:
        story.append(Paragraph(esc(f"Period: {report.period.label}"), st.subtitle))
    if report.kind == "gaps":
        story.append(Paragraph("Counts only: no person or case is named in this report.",
                               st.small))
    story.append(Spacer(1, 6))
    story += release_box(release, [], None)
    number = 1
    if report.findings:
        story.append(section_bar(str(number), "Findings"))
        story.append(Spacer(1, 4))
        for finding in report.findings:
            story.append(para(f"\u2022&nbsp;{esc(finding)}", "body"))
        story.append(Spacer(1, 8))
        number += 1
    story.append(section_bar(str(number), "Figures"))
    story.append(Spacer(1, 4))
    for table in report.tables:
        story += [KeepTogether(_table(table))] if len(table.rows) < 25 else _table(table)
    if report.series or report.overall is not None:
        number += 1
        story += [section_bar(str(number), "Concern level over time"), Spacer(1, 4)]
        story += _charts(report)
    story.append(Paragraph(esc("Levels: 0 low, 1 moderate, 2 high, 3 imminent."),
                           st.small) if report.series else Spacer(1, 0))
    spec = DocumentSpec(title=report.title, subject=f"BTAM program report: {report.kind}",
                        metadata={"BTAM-Report": report.kind})
    return build_pdf(story, masthead, spec)
