"""Reports as CSV, safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
as a formula by Excel, LibreOffice or Sheets (CSV injection: a partner's name typed as
``=HYPERLINK(...)`` would run on the recipient's machine). Such text cells are neutralised
with a leading apostrophe, the OWASP recommendation; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io

from btam_desktop.core.reports import Cell, Report

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Cell | None) -> str:
    """One cell's text, neutralised when a spreadsheet would take it for a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def csv_bytes(report: Report) -> bytes:
    """The report as UTF-8 CSV (with a byte-order mark, so spreadsheets read the accents):
    its title and period, the findings, then each table under its title."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(report.title)])
    if report.period is not None:
        writer.writerow(["Period", safe_cell(report.period.label)])
    for finding in report.findings:
        writer.writerow(["Finding", safe_cell(finding)])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([safe_cell(table.title)])
        writer.writerow([safe_cell(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([safe_cell(v) for v in row])
        if table.note:
            writer.writerow([safe_cell(table.note)])
    for series in report.series:
        writer.writerow([])
        writer.writerow([safe_cell(f"Concern level over time: {series.label}")])
        writer.writerow(["Date", "Level (0 low - 3 imminent)"])
        for day, level in series.points:
            writer.writerow([safe_cell(day), safe_cell(level)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
