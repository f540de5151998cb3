"""Program reports over the whole vault: the community resource map, the gap analysis of a
period and the post-evaluation of closed cases.

Each report is computed here (no Qt, no file) as a :class:`Report`: plain sentences, tables
of counts and, for the post-evaluation, concern-level series for charts. The same object is
shown in the app's Reports page, written as CSV (:mod:`.csvout`, safe against formula
injection) or as PDF (``core/pdf/reports_pdf.py``), and exported only through
:func:`.export.export_report`, which records the recipient, purpose and legal basis in the
dissemination log like every other export.

The gap analysis holds counts only, never names (it can go to a chief or a county board); the
resource map names partners (the directory is not case data); the post-evaluation names case
numbers, never people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from btam_desktop.core.errors import InvalidInput

KINDS = ("resource-map", "gaps", "post-evaluation")
TITLES = {"resource-map": "Community resource map", "gaps": "Gap analysis",
          "post-evaluation": "Post-evaluation of closed cases"}

Cell = str | int | float


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        """``YYYY-MM-DD`` dates (default: the last 12 months up to today)."""
        today = date.today()
        try:
            last = date.fromisoformat(end) if end else today
            first = date.fromisoformat(start) if start else last.replace(year=last.year - 1)
        except ValueError:
            raise InvalidInput("give dates as YYYY-MM-DD") from None
        if first > last:
            raise InvalidInput("the period starts after it ends")
        return cls(first, last)

    def contains(self, when: str | None) -> bool:
        """True when the date (or timestamp) ``when`` falls in the period."""
        if not when:
            return False
        day = when[:10]
        return self.start.isoformat() <= day <= self.end.isoformat()

    @property
    def label(self) -> str:
        """"2026-01-01 to 2026-06-30"."""
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass
class Table:
    """A titled table of counts (first column: what is counted)."""

    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""

    def cell(self, row: str, column: str) -> Cell:
        """The value in the row whose first cell is ``row`` (tests and previews)."""
        index = self.headers.index(column)
        for values in self.rows:
            if values[0] == row:
                return values[index]
        raise KeyError(row)

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {"title": self.title, "headers": self.headers, "rows": self.rows,
                "note": self.note}


@dataclass
class Series:
    """Concern level over time for one case (or the average of several): (day, level)
    points, level 0 = low ... 3 = imminent."""

    label: str
    points: list[tuple[str, float]]


@dataclass
class Report:
    """One computed report."""

    kind: str
    title: str
    period: Period | None
    findings: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    overall: Series | None = None

    def table(self, title: str) -> Table:
        """The table titled ``title``."""
        for table in self.tables:
            if table.title == title:
                return table
        raise KeyError(title)

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {
            "kind": self.kind, "title": self.title,
            "period": None if self.period is None else {
                "from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "findings": self.findings, "tables": [t.to_json() for t in self.tables],
            "series": [{"label": s.label, "points": s.points} for s in self.series],
            "overall": None if self.overall is None else {
                "label": self.overall.label, "points": self.overall.points},
        }

