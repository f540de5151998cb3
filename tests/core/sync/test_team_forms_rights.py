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
from btam_desktop.core.sync import exchange, team
from btam_desktop.core.sync.bundle import BundleRefused
from tests.core.test_submissions import valid_contact

from .test_exchange import enrol, send
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


# -- the merge: a review made on a member laptop is not applied -----------------------------------
def _reviewed_by(session: Session, sub_id: str) -> str | None:
    value = session.db.scalar("SELECT reviewed_by FROM submissions WHERE id = ?", (sub_id,))
    return None if value is None else str(value)


def _reviewed_on_the_officer_s_laptop(lead: Session, officer: Session,
                                      monkeypatch: pytest.MonkeyPatch) -> str:
    """A completed form marked reviewed on an officer's laptop that does not check the roster
    (an older version, or a tampered one): the lead's merge must not rely on its checks."""
    case = officer.store.create_case("Letters to the clinic", concern="moderate")
    sub = officer.submissions.create(case.id, "contact_log", valid_contact(officer),
                                     complete=True)
    monkeypatch.setattr(team, "lead_refusal", lambda session: None)
    assert officer.submissions.review(sub.id).status == "reviewed"
    monkeypatch.undo()
    return sub.id


def test_a_review_made_on_a_member_laptop_is_not_applied_by_the_lead(
        pair: tuple[Session, Session], tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead, officer = pair
    sub_id = _reviewed_on_the_officer_s_laptop(lead, officer, monkeypatch)
    summary = send(officer, lead, tmp_path)
    # The submission and its answers came in; the review did not (it waits for the lead).
    arrived = lead.submissions.get(sub_id)
    assert arrived.status == "complete"
    assert arrived.reviewed_at is None
    assert arrived.answers == officer.submissions.get(sub_id).answers
    assert summary.report.not_lead_reviews == 1
    text = "\n".join(summary.lines())
    assert "1 form review" in text and "not a lead laptop" in text
    (entry,) = [h for h in exchange.history(lead) if h["direction"] == "in"]
    assert entry["summary"]["not_lead_reviews"] == 1
    # The lead reviews it; that review reaches the officer's laptop and is applied there.
    assert lead.submissions.review(sub_id).status == "reviewed"
    back = send(lead, officer, tmp_path)
    assert back.report.not_lead_reviews == 0
    assert _reviewed_by(officer, sub_id) == lead.member_id


def test_a_member_laptop_s_review_is_not_relayed_as_if_it_counted(
        laptops: Laptops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set aside, the review is not logged on the lead's laptop, so the lead's next bundle
    does not carry it on to a third laptop."""
    lead, officer, third = laptops("A"), laptops("B"), laptops("C")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, officer, tmp_path)
    enrol(lead, third, tmp_path)
    send(lead, officer, tmp_path)
    send(lead, third, tmp_path)
    sub_id = _reviewed_on_the_officer_s_laptop(lead, officer, monkeypatch)
    send(officer, lead, tmp_path)
    onward = send(lead, third, tmp_path)
    assert third.submissions.get(sub_id).status == "complete"
    assert onward.report.not_lead_reviews == 0  # nothing of it travelled


def test_a_member_laptop_may_not_undo_the_lead_s_review(
        pair: tuple[Session, Session], tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A tampered laptop that sets a reviewed form back to 'complete' (or clears who reviewed
    it) undoes the team's sign-off: set aside as a review too."""
    lead, officer = pair
    case = officer.store.create_case("Letters to the clinic", concern="moderate")
    sub = officer.submissions.create(case.id, "contact_log", valid_contact(officer),
                                     complete=True)
    send(officer, lead, tmp_path)
    lead.submissions.review(sub.id)
    send(lead, officer, tmp_path)
    with officer.operation("tampered") as op:
        op.update("submissions", sub.id, {"status": "complete", "reviewed_at": None,
                                          "reviewed_by": None})
    summary = send(officer, lead, tmp_path)
    kept = lead.submissions.get(sub.id)
    assert kept.status == "reviewed" and _reviewed_by(lead, sub.id) == lead.member_id
    assert summary.report.not_lead_reviews == 1


def test_a_form_that_arrives_already_reviewed_from_a_member_laptop_is_refused(
        pair: tuple[Session, Session], tmp_path: Path) -> None:  # noqa: F811
    """No laptop creates a form already reviewed (it is created draft or complete, reviewed
    later): a member laptop's bundle holding one was crafted and is refused whole."""
    lead, officer = pair
    case = officer.store.create_case("Letters to the clinic", concern="moderate")
    sub = officer.submissions.create(case.id, "contact_log", valid_contact(officer),
                                     complete=True)
    # The logged insert rewritten past the write path (it travels as logged).
    logged = json.loads(officer.db.scalar(
        "SELECT value FROM changes WHERE record_id = ? AND field = '*'", (sub.id,)))
    logged.update(status="reviewed", reviewed_at="2026-12-03T10:00:00Z",
                  reviewed_by=officer.member_id)
    officer.db.execute("UPDATE changes SET value = ? WHERE record_id = ? AND field = '*'",
                       (json.dumps(logged), sub.id))
    before = lead.db.scalar("SELECT count(*) FROM cases")
    with pytest.raises(BundleRefused, match="already marked reviewed"):
        send(officer, lead, tmp_path)
    assert lead.db.scalar("SELECT count(*) FROM cases") == before


def test_a_form_completed_on_a_member_laptop_comes_in_complete(
        pair: tuple[Session, Session], tmp_path: Path) -> None:  # noqa: F811
    """Completing a draft is the officer's: only the review is set aside, never a status."""
    lead, officer = pair
    case = officer.store.create_case("Letters to the clinic", concern="moderate")
    draft = officer.submissions.create(case.id, "contact_log", {})
    send(officer, lead, tmp_path)  # the draft first, then its completion in a bundle of its own
    officer.submissions.complete(draft.id, valid_contact(officer))
    late = officer.submissions.create(case.id, "contact_log", {})
    officer.submissions.complete(late.id, valid_contact(officer))  # both in one bundle
    summary = send(officer, lead, tmp_path)
    assert summary.report.not_lead_reviews == 0
    assert lead.submissions.get(draft.id).status == "complete"
    assert lead.submissions.get(late.id).status == "complete"


def test_a_lead_s_review_relayed_by_a_member_laptop_is_applied(
        laptops: Laptops, tmp_path: Path) -> None:
    """Judged by the laptop that made the review, not by the one that passes it on."""
    lead, officer, third = laptops("A"), laptops("B"), laptops("C")
    team.create_team(lead, "Lakeside BTAM")
    enrol(lead, officer, tmp_path)
    enrol(lead, third, tmp_path)
    send(lead, officer, tmp_path)
    send(lead, third, tmp_path)
    case = officer.store.create_case("Letters to the clinic", concern="moderate")
    sub = officer.submissions.create(case.id, "contact_log", valid_contact(officer),
                                     complete=True)
    send(officer, lead, tmp_path)
    lead.submissions.review(sub.id)
    send(lead, officer, tmp_path)
    relayed = send(officer, third, tmp_path)
    assert relayed.report.not_lead_reviews == 0
    assert third.submissions.get(sub.id).status == "reviewed"
    assert _reviewed_by(third, sub.id) == lead.member_id
