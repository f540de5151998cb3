"""Submissions: drafts autosave per answer, completion validates, amendments keep history,
forms in use travel with the vault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from btam_desktop.core import vault
from btam_desktop.core.errors import InvalidInput, PermissionDenied
from btam_desktop.core.formlib import FormProblems
from btam_desktop.core.session import Session
from btam_desktop.core.submissions import AnswersInvalid
from tests.conftest import LEAD_PASS, OFFICER, OFFICER_PASS

CONTACT = {
    "contact_date": "2026-03-04",
    "contact_type": "phone",
    "recorded_by": "Dana Reyes 4471",
    "participants": [{"participant_name": "School counsellor", "participant_role": "partner"}],
    "poc_present": "no",
    "purposes": ["welfare_check"],
    "contact_summary": "Counsellor reports he is attending classes and calmer.",
    "new_concerns": "no",
    "contact_outcome": "completed",
    "next_step": "Call again in two weeks",
    "plan_changed": "no",
}


def valid_contact(session: Session) -> dict[str, object]:
    """The sample answers above, adjusted to the shipped form's actual choice names."""
    form = session.forms.definition("contact_log")
    answers = dict(CONTACT)
    for field_id in ("contact_type", "contact_outcome"):
        names = sorted(form.field(field_id).choice_names)
        if answers[field_id] not in names:
            answers[field_id] = names[0]
    purpose_names = sorted(form.field("purposes").choice_names)
    answers["purposes"] = [purpose_names[0]]
    role_names = sorted(form.field("participant_role").choice_names)
    if role_names:
        answers["participants"] = [{"participant_name": "School counsellor",
                                    "participant_role": role_names[0]}]
    return answers


def test_draft_saves_and_resumes_exactly(session: Session, vault_path: Path) -> None:
    case = session.store.create_case("Drafts")
    draft = session.submissions.create(case.id, "contact_log", {}, strict=False)
    changed = session.submissions.save_draft(draft.id, {"contact_summary": "Half typed",
                                                        "contact_date": "2026-03-0"})
    assert changed == ["contact_date", "contact_summary"]
    session.lock()
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    resumed = again.submissions.drafts(case.id, "contact_log")
    assert [d.answers for d in resumed] == [{"contact_summary": "Half typed",
                                             "contact_date": "2026-03-0"}]
    again.lock()


def test_draft_changes_are_logged_per_answer(session: Session) -> None:
    case = session.store.create_case("Per answer")
    draft = session.submissions.create(case.id, "contact_log", {}, strict=False)
    session.submissions.save_draft(draft.id, {"contact_summary": "a"})
    session.submissions.save_draft(draft.id, {"contact_summary": "ab", "next_step": "x"})
    fields = [r[0] for r in session.db.query(
        "SELECT field FROM change_log WHERE record_id = ? ORDER BY seq", (draft.id,))]
    assert fields == ["*", "answers.contact_summary", "answers.contact_summary",
                      "answers.next_step"]


def test_strict_draft_rejects_malformed_values(session: Session) -> None:
    case = session.store.create_case("Strict")
    with pytest.raises(AnswersInvalid) as exc:
        session.submissions.create(case.id, "contact_log",
                                   {"contact_date": "yesterday", "nonsense": 1})
    paths = {p.path for p in exc.value.problems}
    assert {"contact_date", "nonsense"} <= paths


def test_complete_requires_required_fields(session: Session) -> None:
    case = session.store.create_case("Complete")
    draft = session.submissions.create(case.id, "contact_log", {"contact_date": "2026-03-04"})
    with pytest.raises(AnswersInvalid) as exc:
        session.submissions.complete(draft.id)
    assert any(p.code == "required" for p in exc.value.problems)
    assert session.submissions.get(draft.id).status == "draft"
    done = session.submissions.complete(draft.id, valid_contact(session))
    assert done.status == "complete" and done.completed_at


def test_amend_needs_reason_and_keeps_earlier_version(session: Session) -> None:
    case = session.store.create_case("Amend")
    original = session.submissions.create(case.id, "contact_log", valid_contact(session),
                                          complete=True)
    changed = dict(original.answers, next_step="Home visit on Monday")
    with pytest.raises(InvalidInput, match="reason"):
        session.submissions.amend(original.id, changed, "  ")
    with pytest.raises(InvalidInput, match="in place"):
        session.submissions.save_draft(original.id, changed)
    amended = session.submissions.amend(original.id, changed, "Wrong next step recorded")
    assert amended.amends == original.id and amended.status == "complete"
    old = session.submissions.get(original.id)
    assert old.superseded_by == amended.id
    assert old.answers["next_step"] == valid_contact(session)["next_step"]
    with pytest.raises(InvalidInput, match="newest"):
        session.submissions.amend(original.id, changed, "again")
    live = session.submissions.for_case(case.id, include_superseded=False)
    assert [s.id for s in live] == [amended.id]


def test_review_is_for_leads(session: Session, vault_path: Path) -> None:
    session.add_member(OFFICER, "officer", OFFICER_PASS)
    case = session.store.create_case("Review")
    sub = session.submissions.create(case.id, "contact_log", valid_contact(session),
                                     complete=True)
    session.lock()
    officer, _ = vault.unlock(vault_path, passphrase_text=OFFICER_PASS, member=OFFICER)
    with pytest.raises(PermissionDenied):
        officer.submissions.review(sub.id)
    officer.lock()
    lead, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS, member="Dana Reyes")
    assert lead.submissions.review(sub.id).status == "reviewed"
    lead.lock()


def test_submission_keeps_rendering_with_its_own_form_version(
    session: Session, tmp_path: Path
) -> None:
    """A department changes a form; old submissions still use the version they were made
    with, because the definition in use is kept in the vault."""
    case = session.store.create_case("Versions")
    old = session.submissions.create(case.id, "contact_log", {"contact_summary": "v1 text"})
    pack_file = Path(session.forms.pack.files["contact_log"])
    data = yaml.safe_load(pack_file.read_text())
    data["version"] = 2
    data["title"] = "Contact log (department edition)"
    data["sections"][0]["fields"].append(
        {"id": "dept_extra", "type": "text", "label": "Department reference"})
    changed = tmp_path / "contact_log_v2.json"
    changed.write_text(json.dumps(data))
    session.forms.import_file(changed)
    assert session.forms.definition("contact_log").version == 2
    new = session.submissions.create(case.id, "contact_log", {"dept_extra": "REF-1"})
    assert (old.form_version, new.form_version) == (1, 2)
    assert session.submissions.form_for(session.submissions.get(old.id)).version == 1
    with pytest.raises(AnswersInvalid) as exc:  # v1 has no such question
        session.submissions.complete(old.id, {"dept_extra": "x"})
    assert any(p.code == "unknown_field" for p in exc.value.problems)
    stored = {(r[0], r[1]) for r in session.db.query(
        "SELECT form_id, version FROM form_definitions")}
    assert {("contact_log", 1), ("contact_log", 2)} <= stored


def test_import_refuses_same_version_with_other_content(session: Session,
                                                        tmp_path: Path) -> None:
    case = session.store.create_case("Same version")
    session.submissions.create(case.id, "contact_log", {})
    pack_file = Path(session.forms.pack.files["contact_log"])
    data = yaml.safe_load(pack_file.read_text())
    data["title"] = "Sneakily changed"
    changed = tmp_path / "contact_log.json"
    changed.write_text(json.dumps(data))
    with pytest.raises(InvalidInput, match="higher version"):
        session.forms.import_file(changed)


def test_bad_form_file_lists_every_problem(session: Session, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({
        "format": "btam-form/1", "id": "bad_form", "version": 1, "title": "Bad",
        "sections": [{"id": "s1", "title": "S", "fields": [
            {"id": "alpha", "type": "text", "label": "A", "relevant": "${missing} = 'x'"},
            {"id": "beta", "type": "integer", "label": "B", "constraint": ". >",
             "constraint_message": "too small"},
        ]}]}))
    with pytest.raises(FormProblems) as exc:
        session.forms.import_file(bad)
    text = "\n".join(exc.value.problems)
    assert "missing" in text and "'beta'" in text
    assert "bad_form" not in {i.form_id for i in session.forms.available()}


def test_submission_text_is_searchable(session: Session) -> None:
    case = session.store.create_case("Searchable answers")
    session.submissions.create(case.id, "contact_log",
                               {"contact_summary": "Mentioned the quarry meeting"})
    assert [c.id for c in session.store.list_cases(text="quarry")] == [case.id]


def test_broken_form_in_the_pack_is_reported_clearly(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    pack = tmp_path / "forms"
    shutil.copytree(Path(session.forms.pack.files["contact_log"]).parent, pack)
    (pack / "broken.yaml").write_text(
        "format: btam-form/1\nid: broken_form\nversion: 1\ntitle: Broken\nsections: []\n")
    monkeypatch.setenv("BTAM_FORMS_DIR", str(pack))
    from btam_desktop.core.formlib import FormLibrary

    before = session.db.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(FormProblems) as exc:
        FormLibrary(session).available()
    assert any("broken.yaml" in p and "sections" in p for p in exc.value.problems)
    assert session.db.scalar("SELECT count(*) FROM change_log") == before


def test_autosaves_write_one_audit_line_per_draft_and_session(session: Session,
                                                              vault_path: Path) -> None:
    """Issue 9: every autosave wrote an audit line (7 for one form)."""
    case = session.store.create_case("Autosave audit")
    draft = session.submissions.create(case.id, "contact_log", {}, strict=False)
    for n in range(7):
        session.submissions.save_draft(draft.id, {"contact_summary": "x" * (n + 1)})
        session.submissions.save_draft(draft.id, {"contact_summary": "x" * (n + 1)})  # same

    def lines(s: Session) -> list[str]:
        return [r[0] for r in s.db.query(
            "SELECT action FROM audit WHERE action LIKE 'submission.%' ORDER BY seq")]

    assert lines(session) == ["submission.create"]  # creating it was this session's line
    session.lock()
    again, _ = vault.unlock(vault_path, passphrase_text=LEAD_PASS)
    for n in range(5):
        again.submissions.save_draft(draft.id, {"contact_summary": "y" * (n + 1)})
    assert lines(again) == ["submission.create", "submission.draft"]
    again.submissions.complete(draft.id, valid_contact(again))
    assert lines(again)[-1] == "submission.complete"
    again.lock()
