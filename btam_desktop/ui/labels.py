"""Words the windows show for core values (roles, who is signed in, the last backup)."""

from __future__ import annotations

from datetime import date

from btam_desktop.core.errors import BtamError
from btam_desktop.core.session import Session
from btam_desktop.core.sync import team

ROLE_LABELS = {"lead": "Team lead", "officer": "Officer", "analyst": "Analyst"}
BACKUP_STALE_DAYS = 7  # a last backup older than this is said as a problem


def backup_age(session: Session) -> tuple[str, int, str] | None:
    """When the last backup on this laptop was written ("2026-12-03 14:05", local time), how
    many days ago (calendar days) and by whom; None when there is none."""
    from btam_desktop.ui.case.labels import show_datetime  # the case labels import Qt

    last = session.last_backup()
    if last is None:
        return None
    shown = show_datetime(last[0])
    return shown, (date.today() - date.fromisoformat(shown[:10])).days, last[1]


def role_label(role: str) -> str:
    """"Team lead" for "lead"; an unknown role is shown as stored, capitalised."""
    return ROLE_LABELS.get(role, role.replace("_", " ").capitalize())


def leads_team(session: Session) -> bool:
    """Whether this laptop settles what only a team lead settles (team.is_team_lead); an
    unreadable roster: the vault role decides, as before teams existed."""
    try:
        return team.is_team_lead(session)
    except BtamError:
        return session.role == "lead"


def refers_for_team(session: Session) -> bool:
    """Whether referrals to another team may be sent and decided here: a team lead signed in
    on a lead laptop of a team (only those are on the team's contact card). The vault role
    alone would say yes on a member laptop too (every vault's first member is its lead)."""
    if session.role != "lead":
        return False
    try:
        current = team.require_roster(session)
    except BtamError:
        return False
    me = current.device(session.device_id)
    return me is not None and me.is_active_lead


def team_role_label(session: Session) -> str:
    """The signed-in member's role as the team sees it.

    Every vault's first member is its lead, so the vault role alone says "Team lead" on a
    member laptop too; on a laptop in a team the roster decides (team.is_team_lead, as the
    dashboard and the Conflicts tab do): a vault lead on a member laptop is shown as
    "Member laptop of <team>". Officers and analysts keep their role's name."""
    if session.role != "lead" or leads_team(session):
        return role_label(session.role)
    try:
        current = team.roster(session)
    except BtamError:
        return role_label(session.role)  # an unreadable roster: the vault role, as before
    return f"Member laptop of {current.team_name}" if current is not None else \
        "Member laptop"


def signed_in(session: Session) -> str:
    """"Dana Reyes · Team lead" (or "Recovery key · Team lead", or on a member laptop of a
    team "Dana Reyes · Member laptop of Lakeside BTAM")."""
    return f"{session.actor_name} \u00b7 {team_role_label(session)}"
