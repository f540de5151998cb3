"""Building blocks shared by filled forms and case reports: section bars, label/answer
grids, data tables, note boxes, the release box.

All take markup that has already been escaped (see :mod:`btam_desktop.core.pdf.markup`).
Tables may split inside a row (``splitInRow``), so a ten-page answer flows across pages
instead of failing the layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from btam_desktop.core.dissemination import Release
from btam_desktop.core.pdf.markup import esc
from btam_desktop.core.pdf.styles import (
    GRID,
    LABEL_BG,
    MUTED,
    NOTE_BG,
    PAGE,
    SECTION_BG,
    SUBHEAD_BG,
    styles,
)

__all__ = [
    "BLANK",
    "FlowTable",
    "Row",
    "data_table",
    "kv_grid",
    "muted",
    "note_box",
    "para",
    "release_box",
    "section_bar",
]

_MUTED_HEX = "#" + MUTED.hexval()[2:]


def muted(markup: str, size: float | None = None) -> str:
    """``markup`` in the muted grey (optionally smaller)."""
    size_attr = f' size="{size}"' if size else ""
    return f'<font color="{_MUTED_HEX}"{size_attr}>{markup}</font>'


# Unanswered questions stay visibly blank: a dash, and the words so nobody reads it as "no".
BLANK = muted("—&nbsp;&nbsp;not answered")


def para(markup: str, style_name: str = "cell") -> Paragraph:
    """A Paragraph of already-escaped markup in one of the shared styles."""
    return Paragraph(markup, getattr(styles(), style_name))


def section_bar(number: str, title: str) -> Table:
    """A dark full-width bar with the section number and title."""
    text = f"{esc(number)}&nbsp;&nbsp;{esc(title)}" if number else esc(title)
    table = Table([[para(text, "section")]], colWidths=[PAGE.frame_width])
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), SECTION_BG),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    table.keepWithNext = True
    return table


# Below this much room a row is not split inside (it moves to the next page instead):
# splitting there only leaves a sliver of a row, or a repeated header with one line under it.
MIN_IN_ROW_SPLIT = 120.0
# Cells longer than this (characters of markup) are laid out line by line (see _paragraphs).
LONG_CELL = 1500


class FlowTable(Table):  # type: ignore[misc]
    """A table that splits between rows, and inside a row only when the row is taller than
    what is left and enough room remains for the piece to be worth reading."""

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        saved: int = getattr(self, "splitInRow", 0)
        if avail_height >= MIN_IN_ROW_SPLIT or not saved:
            result: list[Flowable] = super().split(avail_width, avail_height)
            return result
        self.splitInRow = 0
        try:
            result = super().split(avail_width, avail_height)
        finally:
            self.splitInRow = saved
        return result


_GRID_STYLE = [
    ("GRID", (0, 0), (-1, -1), 0.4, GRID),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 5),
    ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]


@dataclass(frozen=True)
class Row:
    """One label/answer pair; ``wide`` puts the answer under the label, full width;
    ``heading`` is a full-width sub-heading row (e.g. "Weapon 2") with no answer."""

    label: str
    answer: str = ""
    wide: bool = False
    heading: bool = False


def _paragraphs(markup: str, style_name: str = "answer") -> list[Flowable]:
    """A long answer as one Paragraph per line of text, blank lines kept as space.

    reportlab re-wraps a whole Paragraph each time it is split across a page, so a 30-page
    answer held in a single Paragraph takes quadratic time; split into its own lines it
    splits between them at no cost. Only for plain escaped text (no tags span lines).
    """
    st = styles().answer
    flow: list[Flowable] = []
    for line in markup.split("<br/>"):
        flow.append(Paragraph(line, st) if line.strip() else Spacer(1, st.leading))
    return flow


def kv_grid(rows: Sequence[Row], label_share: float = 0.36) -> Table:
    """A paper-form grid: grey label cells on the left, answers on the right; wide rows put
    the answer on its own full-width line under the label (long answers)."""
    width = PAGE.frame_width
    data: list[list[object]] = []
    commands: list[tuple[object, ...]] = list(_GRID_STYLE)
    for row in rows:
        index = len(data)
        if row.heading:
            data.append([para(row.label, "label"), ""])
            commands += [
                ("SPAN", (0, index), (1, index)),
                ("BACKGROUND", (0, index), (1, index), SUBHEAD_BG),
            ]
        elif row.wide:
            data.append([para(row.label, "label"), ""])
            data.append([_paragraphs(row.answer), ""])
            commands += [
                ("SPAN", (0, index), (1, index)),
                ("SPAN", (0, index + 1), (1, index + 1)),
                ("BACKGROUND", (0, index), (1, index), LABEL_BG),
            ]
        else:
            data.append([para(row.label, "label"), para(row.answer, "answer")])
            commands.append(("BACKGROUND", (0, index), (0, index), LABEL_BG))
    table = FlowTable(
        data, colWidths=[width * label_share, width * (1 - label_share)], splitInRow=1,
    )
    table.setStyle(TableStyle(commands))
    return table


def data_table(header: Sequence[str], rows: Sequence[Sequence[str]],
               shares: Sequence[float], *, muted_rows: Sequence[int] = ()) -> Table:
    """A table with a repeated header row; ``shares`` are relative column widths and
    ``muted_rows`` (data row indexes) print in grey (superseded entries)."""
    total = sum(shares) or 1.0
    widths = [PAGE.frame_width * s / total for s in shares]
    data: list[list[object]] = [[para(h, "header_cell") for h in header]]
    muted_set = set(muted_rows)
    for index, row in enumerate(rows):
        style = "cell_muted" if index in muted_set else "cell"
        data.append([_paragraphs(cell, style) if len(cell) > LONG_CELL else para(cell, style)
                     for cell in row])
    table = FlowTable(data, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle([*_GRID_STYLE, ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG)]))
    return table


def note_box(markup: str) -> Table:
    """Guidance text from the form (a ``note`` field) in a pale box."""
    table = Table([[para(markup, "note")]], colWidths=[PAGE.frame_width])
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), NOTE_BG),
        ("BOX", (0, 0), (-1, -1), 0.4, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def release_box(release: Release | None, redaction: Sequence[str], profile_title: str | None
                ) -> list[Flowable]:
    """Page-one box: who the copy is for, why, on what basis, and what was redacted."""
    rows: list[Row] = []
    if release is not None:
        rows += [
            Row("Released to", esc(release.recipient)),
            Row("Purpose", esc(release.purpose)),
            Row("Legal basis or consent", esc(release.legal_basis)),
        ]
    if profile_title is not None:
        text = f"<b>{esc(profile_title)}</b>"
        if redaction:
            text += "<br/>" + "<br/>".join(f"•&nbsp;{esc(line)}" for line in redaction)
        rows.append(Row("Redaction", text))
    if not rows:
        return []
    return [KeepTogether([kv_grid(rows, label_share=0.24)]), Spacer(1, 8)]
