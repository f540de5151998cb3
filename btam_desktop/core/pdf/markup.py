"""Turning user text into safe reportlab Paragraph markup.

Paragraph text is a small XML dialect (``<b>``, ``<font>``, ``<a href>``, ``<img>``...). Case
text typed by users must never be interpreted as markup: ``<font size=80>`` in a summary, or
an ``<img src="/etc/passwd">``, must print literally. Every piece of user text goes through
:func:`esc` before it meets markup written here.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from btam_desktop.core.pdf.fonts import printable

__all__ = ["clean", "esc", "shown"]

# C0/C1 control characters other than tab and newline: invisible, and some of them make
# reportlab's parser or the PDF text operators misbehave.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def shown(text: object) -> str:
    """Plain text for drawing on the canvas: cleaned, unprintable characters spelled out."""
    return printable(clean(text))


def clean(text: object) -> str:
    """``text`` as a string without control characters; tabs become spaces, and Windows or
    old-Mac line ends become ``\\n``."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _CONTROL.sub("", value)


def esc(text: object) -> str:
    """User text escaped for Paragraph markup; its line breaks are kept as ``<br/>``."""
    escaped = escape(printable(clean(text)), {'"': "&quot;"})
    return escaped.replace("\n", "<br/>")
