"""The page frame every BTAM PDF shares, and building a story into PDF bytes.

Every page carries: the sensitivity banner (top and bottom), the redaction line when a
profile was applied, the agency (and logo), the document title, the case number,
"Page x of y", and when and by whom the document was generated. "y" is only known at the
end, so each page draws a reference to a small form XObject that is defined once, after the
last page (one pass; no second build, no page states kept in memory).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from btam_desktop import __version__
from btam_desktop.core import handed
from btam_desktop.core.pdf.fonts import BOLD, REGULAR
from btam_desktop.core.pdf.markup import clean, shown
from btam_desktop.core.pdf.styles import BANNER_BG, GRID, INK, MUTED, PAGE, styles

__all__ = [
    "DEFAULT_BANNER",
    "Bookmark",
    "DocumentSpec",
    "Masthead",
    "RenderedPdf",
    "build_pdf",
]

DEFAULT_BANNER = "CONFIDENTIAL — law enforcement sensitive"
MAX_LOGO_BYTES = 5 * 1024 * 1024
_TOTAL_FORM = "btamTotalPages"


@dataclass(frozen=True)
class Masthead:
    """Who is producing documents: the same for every document of one export."""

    agency: str
    generated_by: str
    generated_at: datetime
    banner: str = DEFAULT_BANNER
    logo: Path | None = None
    # e.g. "REDACTED COPY — profile: School partner (school_partner)"; None: not redacted.
    redaction_line: str | None = None

    @property
    def generated_text(self) -> str:
        """"Generated 2026-03-14 14:05 UTC-05:00 by Dana Reyes"."""
        stamp = self.generated_at.astimezone()
        offset = stamp.strftime("%z")
        zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "local time"
        return f"Generated {stamp:%Y-%m-%d %H:%M} {zone} by {self.generated_by}"


@dataclass(frozen=True)
class DocumentSpec:
    """What one document is: its header title, case number and hidden metadata."""

    title: str
    case_number: str | None = None
    subject: str = ""
    watermark: str | None = None  # "DRAFT" on drafts
    # Extra /Info entries (e.g. {"BTAM-Form": "threat_inquiry@1"}); never case content.
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedPdf:
    """A finished document: its bytes and its number of pages."""

    data: bytes
    pages: int


class _Info(PDFInfo):  # type: ignore[misc]
    """/Info dictionary with extra custom keys (reportlab's PDFInfo has a fixed set)."""

    extra: Mapping[str, str] = {}

    def format(self, document: Any) -> Any:
        entries: dict[str, Any] = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Subject": PDFString(self.subject),
            "Creator": PDFString(self.creator),
            "Producer": PDFString(self.producer),
            "Trapped": PDFName(self.trapped),
        }
        entries["CreationDate"] = entries["ModDate"] = PDFDate(
            ts=document._timeStamp, dateFormatter=self._dateFormatter
        )
        for key, value in self.extra.items():
            entries[key] = PDFString(value)
        return PDFDictionary(entries).format(document)


def _canvas_class(metadata: Mapping[str, str], counted: list[int]) -> type[Canvas]:
    class BtamCanvas(Canvas):  # type: ignore[misc]
        """Canvas that writes custom /Info keys and defines the page total at the end."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            info = _Info()
            info.extra = dict(metadata)
            self._doc.info = info

        def save(self) -> None:
            total = self._pageNumber - 1
            counted.append(total)
            self.beginForm(_TOTAL_FORM)
            self.setFont(REGULAR, 7.5)
            self.setFillColor(INK)
            self.drawString(0, 0, str(total))
            self.endForm()
            super().save()

    return BtamCanvas


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so it fits ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _load_logo(path: Path | None) -> ImageReader | None:
    """The agency logo, or None when unset, missing, too large or not an image (the header
    is still complete without it; a bad setting must not block an export)."""
    if path is None:
        return None
    try:
        # A pipe set as the logo must not hang every export, nor a device be read to the end.
        reader = ImageReader(io.BytesIO(handed.read_handed(path, MAX_LOGO_BYTES)))
        reader.getSize()
    except Exception:  # any unreadable image just means "no logo"
        return None
    return reader


class Bookmark(Flowable):  # type: ignore[misc]
    """Zero-size flowable adding an entry to the PDF outline (the viewer's side panel)."""

    def __init__(self, key: str, title: str, level: int = 0) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.level = level
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(clean(self.title), self.key, self.level)  # viewer font


class _Frame:
    """Draws the running header and footer on each page."""

    def __init__(self, masthead: Masthead, spec: DocumentSpec) -> None:
        self.m = masthead
        self.spec = spec
        self.logo = _load_logo(masthead.logo)
        self.generated = _fit(shown(masthead.generated_text), REGULAR, 7.5, 380)

    def __call__(self, canv: Canvas, doc: Any) -> None:
        canv.saveState()
        if self.spec.watermark:
            self._watermark(canv)
        self._banner(canv)
        self._header(canv)
        self._footer(canv, doc.page)
        canv.restoreState()

    def _watermark(self, canv: Canvas) -> None:
        canv.saveState()
        canv.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.18))
        canv.setFont(BOLD, 96)
        canv.translate(PAGE.width / 2, PAGE.height / 2)
        canv.rotate(35)
        canv.drawCentredString(0, -30, shown(self.spec.watermark))
        canv.restoreState()

    def _banner(self, canv: Canvas) -> None:
        lines = [shown(self.m.banner) or DEFAULT_BANNER]
        if self.m.redaction_line:
            lines.append(shown(self.m.redaction_line))
        height = 8 + 10 * len(lines)
        top = PAGE.height - 18
        canv.setFillColor(BANNER_BG)
        canv.rect(PAGE.left, top - height, PAGE.frame_width, height, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont(BOLD, 8)
        for index, line in enumerate(lines):
            y = top - 12 - 10 * index
            canv.drawCentredString(
                PAGE.width / 2, y, _fit(line, BOLD, 8, PAGE.frame_width - 12)
            )

    def _header(self, canv: Canvas) -> None:
        base = PAGE.height - PAGE.top + 14
        x = PAGE.left
        if self.logo is not None:
            canv.drawImage(
                self.logo, x, base - 2, width=34, height=34, preserveAspectRatio=True,
                anchor="sw", mask="auto",
            )
            x += 42
        right = PAGE.width - PAGE.right
        case = f"Case {shown(self.spec.case_number)}" if self.spec.case_number else ""
        case_width = stringWidth(case, BOLD, 10) if case else 0
        room = right - x - case_width - 16
        canv.setFillColor(INK)
        canv.setFont(BOLD, 11)
        canv.drawString(x, base + 16, _fit(shown(self.m.agency) or "BTAM team", BOLD, 11, room))
        canv.setFont(REGULAR, 8.5)
        canv.setFillColor(MUTED)
        canv.drawString(x, base + 4, _fit(shown(self.spec.title), REGULAR, 8.5, room))
        if case:
            canv.setFillColor(INK)
            canv.setFont(BOLD, 10)
            canv.drawRightString(right, base + 16, case)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.6)
        canv.line(PAGE.left, base - 4, right, base - 4)

    def _footer(self, canv: Canvas, page: int) -> None:
        right = PAGE.width - PAGE.right
        y = PAGE.bottom - 16
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.6)
        canv.line(PAGE.left, y + 10, right, y + 10)
        canv.setFillColor(MUTED)
        canv.setFont(REGULAR, 7.5)
        canv.drawString(PAGE.left, y, self.generated)
        label = f"Page {page} of "
        start = right - 72
        canv.setFillColor(INK)
        canv.drawString(start, y, label)
        canv.saveState()
        canv.translate(start + stringWidth(label, REGULAR, 7.5), y)
        canv.doForm(_TOTAL_FORM)
        canv.restoreState()
        canv.setFont(BOLD, 7.5)
        canv.setFillColor(BANNER_BG)
        banner = shown(self.m.banner) or DEFAULT_BANNER
        canv.drawCentredString(PAGE.width / 2, y - 12, _fit(banner, BOLD, 7.5, PAGE.frame_width))


def build_pdf(story: Sequence[Flowable], masthead: Masthead, spec: DocumentSpec
              ) -> RenderedPdf:
    """Lay out ``story`` on BTAM pages (in memory; nothing touches disk)."""
    styles()  # registers the fonts
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(PAGE.width, PAGE.height),
        leftMargin=PAGE.left,
        rightMargin=PAGE.right,
        topMargin=PAGE.top,
        bottomMargin=PAGE.bottom,
        title=clean(spec.title),
        author=clean(masthead.agency),
        subject=clean(spec.subject),
        creator=f"BTAM Desktop {__version__}",
        lang="en-US",
    )
    frame = Frame(
        PAGE.left, PAGE.bottom, PAGE.frame_width, PAGE.frame_height,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body",
    )
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=_Frame(masthead, spec))])
    counted: list[int] = []
    doc.build(list(story), canvasmaker=_canvas_class(spec.metadata, counted))
    return RenderedPdf(buffer.getvalue(), counted[-1] if counted else 0)
