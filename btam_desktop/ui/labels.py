"""Words the windows show for core values (roles, who is signed in)."""

from __future__ import annotations

from btam_desktop.core.session import Session

ROLE_LABELS = {"lead": "Team lead", "officer": "Officer", "analyst": "Analyst"}


def role_label(role: str) -> str:
    """"Team lead" for "lead"; an unknown role is shown as stored, capitalised."""
    return ROLE_LABELS.get(role, role.replace("_", " ").capitalize())


def signed_in(session: Session) -> str:
    """"Dana Reyes · Team lead" (or "Recovery key · Team lead")."""
    return f"{session.actor_name} \u00b7 {role_label(session.role)}"
