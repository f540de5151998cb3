"""Everything the Sync page shows, read in one go through the sync core (never SQL here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, exchange, team
from btam_desktop.core.sync.conflicts import Conflict
from btam_desktop.core.sync.roster import Roster
from btam_desktop.ui.sync import words

HISTORY_ROWS = 200


@dataclass
class SyncState:
    """This laptop, its team, the bundle history, what is held, and the conflict queue."""

    device: dict[str, Any] = field(default_factory=dict)
    roster: Roster | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    forks: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    records: dict[str, str] = field(default_factory=dict)  # record id -> "Case 2026-…"
    pending: list[dict[str, Any]] = field(default_factory=list)
    next_sequence: int = 1

    @property
    def in_team(self) -> bool:
        """True once this laptop trusts a roster (created or joined a team)."""
        return self.roster is not None

    @property
    def active(self) -> bool:
        """In a team and not revoked (a laptop that joined but is not approved yet may
        already send: the lead knows its keys)."""
        if self.roster is None:
            return False
        me = self.roster.device(str(self.device.get("device_id", "")))
        return me is None or me.status == "active"

    @property
    def lead_device(self) -> bool:
        """This laptop is an active lead laptop of the team."""
        if self.roster is None:
            return False
        me = self.roster.device(str(self.device.get("device_id", "")))
        return me is not None and me.is_active_lead

    @property
    def open_conflicts(self) -> int:
        """Conflicts waiting for a lead."""
        return sum(1 for c in self.conflicts if not c.resolved)


def load(session: Session, *, include_resolved: bool = False) -> SyncState:
    """Read the page's state (a few small queries inside the sync core)."""
    state = SyncState(device=team.device_info(session), roster=team.roster(session))
    if state.roster is not None:
        state.history = exchange.history(session, limit=HISTORY_ROWS)
        state.held = exchange.held(session)
        state.forks = exchange.forks(session)
        if session.role == "lead" and state.lead_device:
            state.pending = team.pending_requests(session)
    state.conflicts = conflicts.listing(session.db, include_resolved=include_resolved)
    for item in state.conflicts:
        if item.record_id not in state.records:
            state.records[item.record_id] = words.record_label(session, item)
    state.next_sequence = int(session.db.meta("sync:out_seq") or 0) + 1
    return state
