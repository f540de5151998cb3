"""Small helpers for the plain words the app and the command line say to people."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """"1 case", "3 cases", "1,200 audit entries" (``many`` for irregular plurals)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
