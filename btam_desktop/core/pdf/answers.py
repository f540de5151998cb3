"""Answer values as printed text: choice labels instead of names, boxes for multi-choice,
words for yes/no/unknown, names (or roles) for people.

Every function returns escaped Paragraph markup; user text only ever enters through
:func:`~btam_desktop.core.pdf.markup.esc` after the redactor has replaced third-party names.
"""

from __future__ import annotations

from typing import Any

from btam_desktop.core.forms import Field
from btam_desktop.core.forms.fieldtypes import is_empty, not_calculated
from btam_desktop.core.pdf.blocks import BLANK, muted
from btam_desktop.core.pdf.fieldnames import YES_NO_UNKNOWN
from btam_desktop.core.pdf.markup import esc
from btam_desktop.core.pdf.redaction import REDACTED, Redactor

__all__ = ["CHECKED", "NOT_CALCULATED", "UNCHECKED", "format_answer", "plain_answer",
           "withheld"]

CHECKED = "☒"
# A calculated value that cannot be worked out (an answer it needs is missing, a division by
# zero) or that came out as an error marker: said in words, never "ERROR" or "not answered".
NOT_CALCULATED = muted("—&nbsp;&nbsp;not calculated")
UNCHECKED = "☐"


def _keep_together(label: str) -> str:
    """A short option label that does not break across lines (long ones still may)."""
    text = esc(label)
    return text.replace(" ", "&nbsp;") if len(label) <= 48 else text


def withheld() -> str:
    """Markup standing in for a redacted answer."""
    return f"<b>{esc(REDACTED)}</b>"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plain_answer(item: Field, value: Any, redactor: Redactor) -> str:
    """The answer as plain text (not markup); '' when unanswered."""
    if is_empty(value):
        return ""
    kind = item.type
    if kind in ("text", "long_text"):
        return redactor.text(value)
    if kind in ("integer", "decimal"):
        return _number(value)
    if kind == "datetime":
        return str(value).replace("T", " ")
    if kind == "choice":
        labels = {c.name: c.label for c in item.choices}
        return labels.get(str(value), str(value))
    if kind == "multi_choice":
        labels = {c.name: c.label for c in item.choices}
        chosen = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(str(v), str(v)) for v in chosen)
    if kind == "yes_no_unknown":
        return YES_NO_UNKNOWN.get(str(value), str(value))
    if kind == "rating":
        scale = item.scale
        text = _number(value)
        if scale is not None:
            label = scale.label_for(int(value)) if isinstance(value, int) else None
            text += f" — {label}" if label else ""
            text += f" (scale {scale.min} to {scale.max})"
        return text
    if kind == "person":
        name = redactor.person_name(str(value))
        return name if name is not None else "Person record not on this case"
    if kind == "signature" and isinstance(value, dict):
        parts = [str(value.get("name", "")), str(value.get("badge", "")),
                 str(value.get("date", ""))]
        return ", ".join(redactor.text(p) for p in parts if p)
    return redactor.text(value)


def format_answer(item: Field, value: Any, redactor: Redactor, *,
                  computed: bool = False) -> str:
    """The answer as markup; unanswered questions print as a visible blank."""
    if computed and not_calculated(value):
        return NOT_CALCULATED
    if is_empty(value):
        return BLANK
    if item.type == "multi_choice":
        # Paper-form style: every option with its box. Ticked options one per line first;
        # the options not ticked follow in one flowing grey line, so a 12-option list
        # does not take half a page.
        chosen = {str(v) for v in (value if isinstance(value, list) else [value])}
        ticked = [f"{CHECKED}&nbsp;{esc(c.label)}" for c in item.choices if c.name in chosen]
        known = {c.name for c in item.choices}
        ticked += [f"{CHECKED}&nbsp;{esc(v)}" for v in sorted(chosen - known)]
        others = [f"{UNCHECKED}&nbsp;{_keep_together(c.label)}" for c in item.choices
                  if c.name not in chosen]
        text = "<br/>".join(ticked)
        if others:
            text += "<br/>" + muted("&nbsp;&nbsp; ".join(others), 8)
        return text
    text = esc(plain_answer(item, value, redactor))
    if computed:
        text += "&nbsp;&nbsp;" + muted("(calculated)", 7.5)
    return text
