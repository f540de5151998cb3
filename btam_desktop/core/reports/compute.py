"""One entry point for the three reports (the CLI and the Reports page)."""

from __future__ import annotations

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.reports import KINDS, Period, Report, gaps, post_evaluation, resource_map
from btam_desktop.core.session import Session


def build(session: Session, kind: str, period: Period | None) -> Report:
    """Compute the report ``kind`` (one of :data:`KINDS`); the gap analysis and the
    post-evaluation default to the last 12 months, the resource map to all time."""
    if kind == "resource-map":
        return resource_map.build(session, period)
    if kind == "gaps":
        return gaps.build(session, period or Period.parse(None, None))
    if kind == "post-evaluation":
        return post_evaluation.build(session, period or Period.parse(None, None))
    raise InvalidInput(f"unknown report {kind!r} (known: {', '.join(KINDS)})")
