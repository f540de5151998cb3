"""``${field}`` references inside shown texts (labels, hints, notes, choice labels, messages).

A text reference is filled in with the field's current value when the text is shown (the
form view, validation messages, the PDF); an unanswered or hidden field shows as nothing.
References are checked when a form is validated, so they always name a field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

__all__ = ["fill_text", "text_references"]

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def text_references(text: str) -> Iterator[tuple[str, int]]:
    """(field id, character offset) of every ``${field}`` in ``text``."""
    for match in _REF.finditer(text):
        yield match.group(1), match.start()


def fill_text(text: str, value_of: Callable[[str], str]) -> str:
    """``text`` with each ``${field}`` replaced by ``value_of(field)``."""
    if "${" not in text:
        return text
    return _REF.sub(lambda m: value_of(m.group(1)), text)
