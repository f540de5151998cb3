"""Page geometry, colours and paragraph styles shared by every PDF.

Sober on purpose: these pages are read in court, photocopied and faxed. Black text, one dark
accent for section bars, light grey fills that survive a photocopier, nothing that needs
colour to be understood.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle

from btam_desktop.core.pdf.fonts import BOLD, MONO, REGULAR, register_fonts

__all__ = [
    "BANNER_BG",
    "GRID",
    "INK",
    "LABEL_BG",
    "MUTED",
    "NOTE_BG",
    "PAGE",
    "SECTION_BG",
    "SUBHEAD_BG",
    "SUPERSEDED",
    "Styles",
    "styles",
]

PAGE_SIZE = LETTER  # US departments print on Letter; A4 readers scale it without loss.
INK = colors.HexColor("#111111")
MUTED = colors.HexColor("#5A5F66")
GRID = colors.HexColor("#9AA0A6")
LABEL_BG = colors.HexColor("#F1F3F4")
SECTION_BG = colors.HexColor("#2F3B4C")
SUBHEAD_BG = colors.HexColor("#DADFE5")
NOTE_BG = colors.HexColor("#FFF8E1")
BANNER_BG = colors.HexColor("#8B1A1A")
SUPERSEDED = colors.HexColor("#80868B")


@dataclass(frozen=True)
class PageGeometry:
    """Letter page with room for the running header and footer."""

    width: float = PAGE_SIZE[0]
    height: float = PAGE_SIZE[1]
    left: float = 42.0
    right: float = 42.0
    top: float = 96.0  # banner + agency/case header
    bottom: float = 54.0  # footer: generated at/by, page x of y, banner

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.height - self.top - self.bottom


PAGE = PageGeometry()


@dataclass(frozen=True)
class Styles:
    """The paragraph styles (built once fonts are registered)."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    label: ParagraphStyle
    answer: ParagraphStyle
    blank: ParagraphStyle
    section: ParagraphStyle
    subsection: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_muted: ParagraphStyle
    header_cell: ParagraphStyle
    mono: ParagraphStyle
    banner: ParagraphStyle


_STYLES: Styles | None = None


def styles() -> Styles:
    """The shared styles (fonts are registered on first use)."""
    global _STYLES
    if _STYLES is None:
        register_fonts()
        base = ParagraphStyle(
            "base", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK,
            alignment=TA_LEFT, splitLongWords=1,
        )

        def make(name: str, **kw: object) -> ParagraphStyle:
            return ParagraphStyle(name, parent=base, **kw)

        _STYLES = Styles(
            title=make("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=2),
            subtitle=make("subtitle", fontSize=9.5, leading=13, textColor=MUTED),
            body=make("body"),
            small=make("small", fontSize=8, leading=10),
            muted=make("muted", fontSize=8, leading=10, textColor=MUTED),
            label=make("label", fontName=BOLD, fontSize=8.5, leading=11),
            answer=make("answer"),
            blank=make("blank", textColor=MUTED),
            section=make("section", fontName=BOLD, fontSize=11, leading=14,
                         textColor=colors.white),
            subsection=make("subsection", fontName=BOLD, fontSize=10, leading=13,
                            spaceBefore=6, spaceAfter=3),
            note=make("note", fontSize=8.5, leading=11, textColor=INK),
            cell=make("cell", fontSize=8.5, leading=10.5),
            cell_bold=make("cell_bold", fontName=BOLD, fontSize=8.5, leading=10.5),
            cell_muted=make("cell_muted", fontSize=8.5, leading=10.5, textColor=SUPERSEDED),
            header_cell=make("header_cell", fontName=BOLD, fontSize=8, leading=10),
            mono=make("mono", fontName=MONO, fontSize=7.5, leading=9.5),
            banner=make("banner", fontName=BOLD, fontSize=8.5, leading=10.5,
                        textColor=colors.white, alignment=TA_CENTER),
        )
    return _STYLES
