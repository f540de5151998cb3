"""Answer paths, as the engine names them in problems: ``field`` or ``repeat[index].member``.

The view uses the same strings for its own rows so that a problem from
:func:`~btam_desktop.core.forms.validate_answers` finds its input without translation.
Indexes are 0-based, as in the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_PATH = re.compile(r"^([a-z][a-z0-9_]*)(?:\[([0-9]+)\](?:\.([a-z][a-z0-9_]*))?)?$")


@dataclass(frozen=True)
class AnswerPath:
    """A parsed path: a top-level field, a repeat item, or a member of one item."""

    field_id: str
    index: int | None = None
    member: str | None = None

    def __str__(self) -> str:
        return member_path(self.field_id, self.index, self.member)


def member_path(field_id: str, index: int | None = None, member: str | None = None) -> str:
    """``field``, ``repeat[index]`` or ``repeat[index].member``."""
    if index is None:
        return field_id
    if member is None:
        return f"{field_id}[{index}]"
    return f"{field_id}[{index}].{member}"


def parse_path(path: str) -> AnswerPath | None:
    """The parts of ``path``; None for anything that is not a field path (e.g. ``""``)."""
    match = _PATH.match(path)
    if match is None:
        return None
    index = match.group(2)
    return AnswerPath(match.group(1), None if index is None else int(index), match.group(3))


def without_path(answers: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A copy of ``answers`` with the value at ``path`` removed (only the touched parts are
    copied)."""
    parsed = parse_path(path)
    result = dict(answers)
    if parsed is None:
        return result
    if parsed.member is None:
        result.pop(parsed.field_id, None)
        return result
    items = result.get(parsed.field_id)
    if isinstance(items, list) and parsed.index is not None and parsed.index < len(items):
        changed = list(items)
        item = changed[parsed.index]
        if isinstance(item, dict):
            item = dict(item)
            item.pop(parsed.member, None)
            changed[parsed.index] = item
        result[parsed.field_id] = changed
    return result
