"""Form submissions on a case: drafts that autosave, completion with full validation,
amendments that keep the earlier version readable, and a team lead's review.

Answers are stored as JSON; each save logs one change row per answer that changed
(``answers.<field id>``), so drafts are durable on every keystroke batch and merge per answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from btam_desktop.core import audit, search
from btam_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from btam_desktop.core.formlib import FormLibrary, canonical_answers
from btam_desktop.core.forms import AnswerProblem, FormDefinition, validate_answers
from btam_desktop.core.forms.answers import fill_metadata, stored_answers
from btam_desktop.core.forms.fieldtypes import MEDIA_FORMATS

if TYPE_CHECKING:
    from btam_desktop.core.db import Row
    from btam_desktop.core.session import Session

STATUSES = ("draft", "complete", "reviewed")


class AnswersInvalid(InvalidInput):
    """Answers failed validation; ``problems`` names each failing field and its message."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        super().__init__("answers rejected:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Submission:
    """A filled (or partly filled) form on a case."""

    id: str
    case_id: str
    form_id: str
    form_version: int
    status: str
    answers: dict[str, Any] = field(default_factory=dict)
    amends: str | None = None
    amendment_reason: str = ""
    created_at: str = ""
    created_by: str | None = None
    completed_at: str | None = None
    reviewed_at: str | None = None
    updated_at: str = ""
    superseded_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {
            "id": self.id, "case_id": self.case_id, "form_id": self.form_id,
            "form_version": self.form_version, "status": self.status,
            "answers": self.answers, "amends": self.amends,
            "amendment_reason": self.amendment_reason, "created_at": self.created_at,
            "completed_at": self.completed_at, "reviewed_at": self.reviewed_at,
            "updated_at": self.updated_at, "superseded_by": self.superseded_by,
        }


def _submission(row: Row) -> Submission:
    return Submission(
        id=row["id"], case_id=row["case_id"], form_id=row["form_id"],
        form_version=int(row["form_version"]), status=row["status"],
        answers=json.loads(row["answers"] or "{}"), amends=row["amends"],
        amendment_reason=row["amendment_reason"], created_at=row["created_at"],
        created_by=row["created_by"], completed_at=row["completed_at"],
        reviewed_at=row["reviewed_at"], updated_at=row["updated_at"],
        superseded_by=row["newer"] if "newer" in row.keys() else None,  # noqa: SIM118
    )


_SELECT = ("SELECT s.*, (SELECT n.id FROM submissions n WHERE n.amends = s.id) AS newer"
           " FROM submissions s")


class SubmissionStore:
    """Submissions of one session's vault."""

    def __init__(self, session: Session, library: FormLibrary | None = None) -> None:
        self.session = session
        # Drafts already in this session's audit trail: autosave runs every few seconds, and
        # one line per draft and session says who worked on it (the change log keeps every
        # answer's history), where a line per autosave buried the trail (7 for one form).
        self._draft_audited: set[str] = set()
        self.library = library or FormLibrary(session)

    def _problems(self, form: FormDefinition, case_id: str, answers: dict[str, Any],
                  complete: bool) -> list[AnswerProblem]:
        person_ids = [r[0] for r in self.session.db.query(
            "SELECT person_id FROM case_persons WHERE case_id = ? AND deleted_at IS NULL",
            (case_id,))]
        attachment_ids = None
        if any(f.text_format in MEDIA_FORMATS for f in form.iter_fields()):
            attachment_ids = [r[0] for r in self.session.db.query(
                "SELECT id FROM attachments WHERE case_id = ? AND deleted_at IS NULL",
                (case_id,))]
        return validate_answers(form, answers, complete, today=date.today(),
                                person_ids=person_ids, attachment_ids=attachment_ids)

    def validate(self, submission_id: str, *, complete: bool = True) -> list[AnswerProblem]:
        """Problems of a stored submission against its own form version."""
        sub = self.get(submission_id)
        form = self.library.definition(sub.form_id, sub.form_version)
        return self._problems(form, sub.case_id, sub.answers, complete)

    def _prepared(self, form: FormDefinition, answers: dict[str, Any], event: str
                  ) -> dict[str, Any]:
        """Answers with the form's metadata fields (start, end, today, deviceid,
        username) filled in."""
        if not any(f.metadata for f in form.iter_fields(members=False)):
            return answers
        return fill_metadata(
            form, answers, event=event, now=datetime.now(),
            device_id=str(getattr(self.session, "device_id", "") or ""),
            username=str(self.session.actor_name or ""))

    def _index(self, submission_id: str, case_id: str, answers: dict[str, Any]) -> None:
        search.index(self.session.db, "submission", submission_id, case_id,
                     search.answer_text(answers))

    def create(self, case: str, form_id: str, answers: dict[str, Any] | None = None, *,
               complete: bool = False, strict: bool = True,
               form_version: int | None = None) -> Submission:
        """Start a submission of the newest (or given) version of a form on a case.

        ``complete`` validates fully and stores it complete. A draft is checked for malformed
        values only (``strict``); the form view passes ``strict=False`` so that whatever the
        officer typed is kept, never refused.
        """
        case_id = self.session.store.resolve_case_id(case)
        form = self.library.definition(form_id, form_version)
        answers = self._prepared(form, dict(answers or {}), "create")
        if complete:
            answers = self._prepared(form, answers, "complete")
        if strict or complete:
            problems = self._problems(form, case_id, answers, complete)
            if problems:
                raise AnswersInvalid(problems)
        # Only what the form says is true: computed values from the engine, and (when
        # complete) no answers to questions that are not relevant.
        answers = stored_answers(form, answers, complete=complete, today=date.today())
        self.library.ensure_stored(form)
        now = audit.utc_now()
        with self.session.operation("submission.create") as op:
            op.require_writer()
            sub_id = op.insert("submissions", {
                "case_id": case_id, "form_id": form.id, "form_version": form.version,
                "status": "complete" if complete else "draft",
                "answers": canonical_answers(answers), "created_at": now,
                "created_by": self.session.member_id,
                "completed_at": now if complete else None,
                "completed_by": self.session.member_id if complete else None})
            self._index(sub_id, case_id, answers)
            op.audit("submission.create", "case", case_id, submission=sub_id, form=form.id,
                     status="complete" if complete else "draft")
        self._draft_audited.add(sub_id)
        return self.get(sub_id)

    def save_draft(self, submission_id: str, answers: dict[str, Any]) -> list[str]:
        """Autosave: store a draft's answers as they are; returns the answer ids changed.
        The audit trail gets one line per draft and session (or the creation's line)."""
        sub = self.get(submission_id)
        if sub.status != "draft":
            raise InvalidInput("only drafts are saved in place; amend a completed form")
        with self.session.operation("submission.draft") as op:
            op.require_writer()
            changed = op.update_json("submissions", sub.id, "answers", dict(answers))
            if changed:
                self._index(sub.id, sub.case_id, answers)
                if sub.id not in self._draft_audited:
                    op.audit("submission.draft", "case", sub.case_id, submission=sub.id,
                             answers_changed=len(changed))
                else:
                    op.audited_earlier()
            else:
                op.audited_earlier()  # nothing changed, nothing written: nothing to audit
        if changed:
            self._draft_audited.add(sub.id)
        return changed

    def complete(self, submission_id: str, answers: dict[str, Any] | None = None
                 ) -> Submission:
        """Finish a draft: every required, relevant answer present and valid."""
        sub = self.get(submission_id)
        if sub.status != "draft":
            raise InvalidInput("this submission is already complete")
        final = dict(answers) if answers is not None else dict(sub.answers)
        form = self.library.definition(sub.form_id, sub.form_version)
        final = self._prepared(form, final, "complete")
        problems = self._problems(form, sub.case_id, final, complete=True)
        if problems:
            raise AnswersInvalid(problems)
        final = stored_answers(form, final, complete=True, today=date.today())
        with self.session.operation("submission.complete") as op:
            op.require_writer()
            op.update_json("submissions", sub.id, "answers", final)
            op.update("submissions", sub.id, {
                "status": "complete", "completed_at": audit.utc_now(),
                "completed_by": self.session.member_id})
            self._index(sub.id, sub.case_id, final)
            op.audit("submission.complete", "case", sub.case_id, submission=sub.id)
        return self.get(sub.id)

    def amend(self, submission_id: str, answers: dict[str, Any], reason: str) -> Submission:
        """Change a completed submission: a new, complete version that names its reason; the
        earlier version stays readable."""
        sub = self.get(submission_id)
        if sub.status == "draft":
            raise InvalidInput("a draft is changed in place, not amended")
        if sub.superseded_by:
            raise InvalidInput("that version was already amended; amend the newest version")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("an amendment needs a reason")
        form = self.library.definition(sub.form_id, sub.form_version)
        answers = self._prepared(form, dict(answers), "complete")
        problems = self._problems(form, sub.case_id, answers, complete=True)
        if problems:
            raise AnswersInvalid(problems)
        answers = stored_answers(form, answers, complete=True, today=date.today())
        now = audit.utc_now()
        with self.session.operation("submission.amend", reason=reason) as op:
            op.require_writer()
            new_id = op.insert("submissions", {
                "case_id": sub.case_id, "form_id": sub.form_id,
                "form_version": sub.form_version, "status": "complete",
                "answers": canonical_answers(answers), "amends": sub.id,
                "amendment_reason": reason, "created_at": now,
                "created_by": self.session.member_id, "completed_at": now,
                "completed_by": self.session.member_id})
            search.unindex(self.session.db, sub.id)
            self._index(new_id, sub.case_id, answers)
            op.audit("submission.amend", "case", sub.case_id, submission=new_id,
                     amends=sub.id)
        return self.get(new_id)

    def review(self, submission_id: str) -> Submission:
        """A team lead marks a completed submission as reviewed."""
        sub = self.get(submission_id)
        if self.session.role != "lead":
            raise PermissionDenied("only a team lead may mark a form reviewed")
        if sub.status != "complete":
            raise InvalidInput("only a completed submission can be reviewed")
        with self.session.operation("submission.review") as op:
            # The review is the team's sign-off and travels to every laptop: in a team, only
            # a lead laptop of the roster gives it (every officer's vault has a lead).
            op.require_team_lead()
            op.update("submissions", sub.id, {
                "status": "reviewed", "reviewed_at": audit.utc_now(),
                "reviewed_by": self.session.member_id})
            op.audit("submission.review", "case", sub.case_id, submission=sub.id)
        return self.get(sub.id)

    def discard_draft(self, submission_id: str) -> None:
        """Move an unwanted draft to the trash."""
        sub = self.get(submission_id)
        if sub.status != "draft":
            raise InvalidInput("completed forms are kept; amend them instead")
        with self.session.operation("submission.discard") as op:
            op.require_writer()
            op.trash("submissions", sub.id)
            search.unindex(self.session.db, sub.id)
            op.audit("submission.discard", "case", sub.case_id, submission=sub.id)

    def get(self, submission_id: str) -> Submission:
        """One submission (any status)."""
        row = self.session.db.query_one(_SELECT + " WHERE s.id = ?", (submission_id,))
        if row is None:
            raise NotFound(f"no submission {submission_id}")
        return _submission(row)

    def for_case(self, case: str, *, include_superseded: bool = True) -> list[Submission]:
        """A case's submissions and drafts, oldest first."""
        case_id = self.session.store.resolve_case_id(case)
        rows = self.session.db.query(
            _SELECT + " WHERE s.case_id = ? AND s.deleted_at IS NULL ORDER BY s.created_at",
            (case_id,))
        subs = [_submission(r) for r in rows]
        if not include_superseded:
            subs = [s for s in subs if s.superseded_by is None]
        return subs

    def drafts(self, case: str, form_id: str | None = None) -> list[Submission]:
        """Open drafts on a case (optionally of one form), newest first."""
        subs = [s for s in self.for_case(case) if s.status == "draft"
                and (form_id is None or s.form_id == form_id)]
        return sorted(subs, key=lambda s: s.updated_at, reverse=True)

    def form_for(self, submission: Submission) -> FormDefinition:
        """The exact form version a submission was made with."""
        return self.library.definition(submission.form_id, submission.form_version)
