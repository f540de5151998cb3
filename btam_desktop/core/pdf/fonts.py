"""The embedded fonts of every PDF: DejaVu Sans (regular, bold) and DejaVu Sans Mono.

The PDF standard fonts (Helvetica...) only cover Western European letters; a Greek,
Vietnamese or Cyrillic name would print as black boxes. DejaVu covers those scripts and is
free to embed, so every document uses it (subset: only the glyphs used are embedded).
"""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from btam_desktop.core.pdf.errors import ResourceMissing
from btam_desktop.core.pdf.resources import resources_dir

__all__ = ["BOLD", "MONO", "REGULAR", "printable", "register_fonts"]

REGULAR = "BTAMSans"
BOLD = "BTAMSans-Bold"
MONO = "BTAMMono"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}
_lock = threading.Lock()
_registered = False
_covered: frozenset[int] = frozenset()


def register_fonts() -> None:
    """Register the fonts with reportlab once per process (cheap after the first call)."""
    global _registered, _covered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = resources_dir() / "fonts"
        faces: dict[str, TTFont] = {}
        for name, filename in _FILES.items():
            path = folder / filename
            if not path.is_file():
                # A broken installation, not a user error; say which file is missing.
                raise ResourceMissing(f"font file missing: {path}")
            faces[name] = TTFont(name, str(path))
            pdfmetrics.registerFont(faces[name])
        # Text may be set in either face, so only what both have counts as printable.
        # Characters beyond U+FFFF (DejaVu has a few emoji) are left out: reportlab writes
        # a malformed text map for them, so they would draw but not copy or search.
        _covered = frozenset(
            c for c in set(faces[REGULAR].face.charToGlyph) & set(faces[BOLD].face.charToGlyph)
            if c <= 0xFFFF)
        # No italic face is shipped: <i> falls back to the upright face instead of failing.
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        _registered = True


def printable(text: str) -> str:
    """``text`` with characters the fonts cannot draw spelled out as code points.

    DejaVu has no Chinese, Japanese or Korean characters (and emoji are excluded, see
    :func:`register_fonts`). reportlab would silently drop them and a name would vanish
    from a court document; they print as "[U+738B U+5C0F]" instead, so the reader sees that
    something is there and can recover it.
    """
    register_fonts()
    if all(ord(c) in _covered or c == "\n" for c in text):
        return text
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if ord(char) in _covered or char == "\n":
            if run:
                out.append("[" + " ".join(run) + "]")
                run = []
            out.append(char)
        else:
            run.append(f"U+{ord(char):04X}")
    if run:
        out.append("[" + " ".join(run) + "]")
    return "".join(out)
