"""Adding a form to the vault and marking a form reviewed are the team lead's in a team, as
purges and conflict resolutions are (e99e315): both reach every laptop of the team (form
definitions and submissions travel in bundles), and every officer's vault has a lead of its
own, so the vault role alone let a member laptop add forms to the team's pack and sign off
forms as reviewed. A vault with no team keeps its behaviour (its lead does both)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from btam_desktop.core.errors import PermissionDenied
from btam_desktop.core.session import Session
from tests.core.test_submissions import valid_contact

from .test_exchange import send
from .test_lead_rights import pair  # noqa: F401  (fixture)

Laptops = Callable[[str], Session]


def _new_form(session: Session, tmp_path: Path) -> Path:
    """The shipped contact log as a department's version 2 (a form file a lead imports)."""
    data = yaml.safe_load(Path(session.forms.pack.files["contact_log"]).read_text())
    data["version"] = 2
    data["title"] = "Contact log (department edition)"
    path = tmp_path / "contact_log_v2.json"
    path.write_text(json.dumps(data))
    return path


def _stored_versions(session: Session) -> set[int]:
    return {int(r[0]) for r in session.db.query(
        "SELECT version FROM form_definitions WHERE form_id = 'contact_log'")}


def test_a_member_laptop_may_not_add_a_form_to_the_team_s_pack(
        pair: tuple[Session, Session], tmp_path: Path) -> None:  # noqa: F811
    lead, officer = pair
    assert officer.role == "lead"  # of its own vault: not what decides
    with pytest.raises(PermissionDenied, match="member laptop of team Lakeside BTAM"):
        officer.forms.import_file(_new_form(officer, tmp_path))
    assert 2 not in _stored_versions(officer)
    lead.forms.import_file(_new_form(lead, tmp_path))  # the lead laptop may
    assert 2 in _stored_versions(lead)


def test_a_member_laptop_may_not_mark_a_form_reviewed(
        pair: tuple[Session, Session], tmp_path: Path) -> None:  # noqa: F811
    lead, officer = pair
    case = officer.store.create_case("Letters to the clinic", concern="moderate")
    sub = officer.submissions.create(case.id, "contact_log", valid_contact(officer),
                                     complete=True)
    with pytest.raises(PermissionDenied, match="member laptop"):
        officer.submissions.review(sub.id)
    assert officer.submissions.get(sub.id).status == "complete"
    send(officer, lead, tmp_path)
    assert lead.submissions.review(sub.id).status == "reviewed"  # the lead laptop may


def test_a_vault_with_no_team_still_adds_forms_and_reviews(laptops: Laptops,
                                                           tmp_path: Path) -> None:
    alone = laptops("A")
    alone.forms.import_file(_new_form(alone, tmp_path))
    assert 2 in _stored_versions(alone)
    case = alone.store.create_case("On its own", concern="low")
    sub = alone.submissions.create(case.id, "contact_log", valid_contact(alone),
                                   complete=True)
    assert alone.submissions.review(sub.id).status == "reviewed"
