"""Exceptions and problem records shared by the forms engine.

Problems are plain frozen dataclasses so callers (CLI, UI, importer) can sort, filter and
render them; exceptions carry the complete list rather than stopping at the first problem,
because a form author wants to fix everything in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DefinitionProblem",
    "ExpressionSyntaxError",
    "FormDefinitionError",
    "FormsError",
]


class FormsError(Exception):
    """Base class of every error raised by the forms engine."""


class ExpressionSyntaxError(FormsError, ValueError):
    """An expression could not be tokenized or parsed.

    ``position`` is the 0-based character offset in the expression text.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (char {position})")
        self.message = message
        self.position = position


ProblemScope = Literal["form", "section", "field"]


@dataclass(frozen=True)
class DefinitionProblem:
    """One problem found in a form definition.

    ``field_id`` holds the id of the field or section the problem belongs to (``scope`` says
    which), or ``None`` for form-level problems. ``where`` names the property (``relevant``,
    ``choices``, ``scale.min`` ...) and ``position`` the 0-based character offset inside an
    expression, when the problem is in one. ``file`` is filled in by loaders.
    """

    form_id: str | None
    field_id: str | None
    where: str | None
    position: int | None
    message: str
    scope: ProblemScope = "field"
    file: str | None = None

    def __str__(self) -> str:
        head = f"{self.form_id or '<form>'}:"
        parts: list[str] = []
        if self.field_id is not None and self.scope != "form":
            parts.append(f"{self.scope} '{self.field_id}'")
        if self.where:
            parts.append(self.where)
        if self.position is not None:
            parts.append(f"(char {self.position})")
        if parts:
            return f"{head} {' '.join(parts)}: {self.message}"
        return f"{head} {self.message}"


class FormDefinitionError(FormsError):
    """A form definition (or pack) is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[DefinitionProblem]) -> None:
        self.problems: tuple[DefinitionProblem, ...] = tuple(problems)
        lines = [_located(p) for p in self.problems]
        count = len(lines)
        summary = f"{count} problem{'s' if count != 1 else ''} in form definition"
        super().__init__("\n".join([summary, *lines]))


def _located(problem: DefinitionProblem) -> str:
    """Render a problem prefixed with its file, when known."""
    return f"{problem.file}: {problem}" if problem.file else str(problem)
