"""DraftController: keeps a FormView's answers saved as a draft submission in the vault.

A half-filled form must never be lost, so the answers are written:

* at most :data:`SAVE_DELAY_MS` after the first unsaved change. The timer is *not* restarted
  by later changes, so an officer typing without a pause is still saved every 0.4 s, well
  inside the promised second;
* at once on :meth:`~DraftController.flush` (Ctrl+S, Save now), when the keyboard focus leaves
  the form (another window, another part of the app), on :meth:`~DraftController.close`, and
  when the view is destroyed with unsaved changes.

The first change of a new form creates the draft (``strict=False``: whatever was typed is
kept, never refused). A failed save keeps the answers on screen and in memory, says so in
plain words, and is retried with the next change or Ctrl+S.

Everything that touches the vault is here; the view itself holds no database code.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTime, QTimer, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from btam_desktop.core.errors import (
    BtamError,
    DiskFull,
    PermissionDenied,
    VaultBusy,
    VaultLocked,
)
from btam_desktop.core.forms import AnswerProblem, FormDefinition, initial_answers
from btam_desktop.core.forms.prefill import Prefill, prefill_for_case
from btam_desktop.core.model import PERSON_ROLE_LABELS
from btam_desktop.core.session import Session
from btam_desktop.core.submissions import AnswersInvalid
from btam_desktop.ui.forms.focus import FocusWatcher
from btam_desktop.ui.forms.prefill import mark_prefilled
from btam_desktop.ui.forms.view import FormView

#: Delay between the first unsaved change and the save.
SAVE_DELAY_MS = 400
KEPT = "Your answers are still on screen"


def case_person_choices(session: Session, case_id: str) -> list[tuple[str, str]]:
    """The case's persons as (person id, "Family, Given (roles)") for person questions.

    A person with several roles on the case is listed once, with all roles.
    """
    roles: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for link in session.store.case_persons(case_id):
        person = link.person
        names[person.id] = person.display_name
        label = PERSON_ROLE_LABELS.get(link.role, link.role.replace("_", " "))
        roles.setdefault(person.id, [])
        if label not in roles[person.id]:
            roles[person.id].append(label)
    return [(pid, f"{names[pid]} ({', '.join(roles[pid])})") for pid in names]


def failure_message(error: BaseException, *, action: str = "saved") -> str:
    """A plain sentence for an officer: what happened, and that nothing typed is lost."""
    if isinstance(error, VaultLocked):
        reason = "the vault is locked"
        after = "unlock the vault to save them"
    elif isinstance(error, PermissionDenied):
        reason = "your role is not allowed to change case files"
        after = "ask your team lead"
    elif isinstance(error, DiskFull):
        reason = "the disk is full"
        after = "free some space, then press Ctrl+S"
    elif isinstance(error, VaultBusy):
        reason = "the vault is busy"
        after = "they will be saved with your next change, or press Ctrl+S"
    else:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "an error"
        after = "they will be saved with your next change, or press Ctrl+S to try again"
    return f"Not {action}: {reason}. {KEPT}; {after}."


class DraftController(QObject):
    """Binds a :class:`FormView` to a case and a draft submission.

    Signals: ``saved(submission_id)`` after each successful save, ``saveFailed(message)``
    when a save failed (the message is fit to show), ``completed(submission_id)``.
    The controller is a child of the view, so it lives exactly as long as the form is open.
    """

    saved = Signal(str)
    saveFailed = Signal(str)
    completed = Signal(str)

    def __init__(
        self,
        session: Session,
        case_id: str,
        form: FormDefinition,
        view: FormView,
        *,
        submission_id: str | None = None,
    ) -> None:
        super().__init__(view)
        self._session = session
        self.case_id = case_id
        self.form = form
        self.view = view
        self._submission_id = submission_id
        self._pending: dict[str, Any] | None = None  # answers not saved yet
        self._closed = False
        self._completed = False
        #: Questions of a new draft filled in from the case (issue 9); empty otherwise.
        self.prefilled: tuple[str, ...] = ()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        view.answersChanged.connect(self._changed)
        view.saveRequested.connect(self.flush)
        view.completeRequested.connect(self._complete_requested)
        # A QWidget announces its destruction before its children (this controller) go, so
        # unsaved answers can still be written here.
        view.destroyed.connect(self._view_destroyed)
        FocusWatcher.watch(self._focus_changed)

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        session: Session,
        case_id: str,
        form_id: str,
        *,
        parent: QWidget | None = None,
    ) -> DraftController:
        """Resume the newest draft of ``form_id`` on the case, or prepare a new one.

        A resumed draft is shown with the exact form version it was started with. A new one
        starts from the form's defaults and what the case already knows (the form's
        ``prefill`` questions, marked "Filled in from the case"), and is only stored once the
        officer changes something, so merely opening a form leaves no empty draft behind. A
        resumed draft is never pre-filled: nothing the officer typed is overwritten.
        """
        case_id = session.store.resolve_case_id(case_id)
        drafts = session.submissions.drafts(case_id, form_id)
        if drafts:
            draft = drafts[0]
            form = session.submissions.form_for(draft)
            answers: dict[str, Any] = draft.answers
            submission_id: str | None = draft.id
        else:
            form = session.forms.definition(form_id)
            try:
                filled = prefill_for_case(session, form, case_id)
            except BtamError:  # the case could not be read: an empty form still opens
                filled = Prefill()
            answers = filled.apply(initial_answers(form))
            submission_id = None
        view = FormView(
            form, answers, persons=case_person_choices(session, case_id), parent=parent
        )
        view.set_status("draft")
        controller = cls(session, case_id, form, view, submission_id=submission_id)
        if submission_id is None:
            controller.prefilled = tuple(mark_prefilled(
                view, {fid: filled.words(fid) for fid in filled.sources}))
        return controller

    # -- state --------------------------------------------------------------------------------
    @property
    def submission_id(self) -> str | None:
        """The draft's id (None until the first change of a new form is saved)."""
        return self._submission_id

    def has_unsaved_changes(self) -> bool:
        return self._pending is not None

    # -- saving -------------------------------------------------------------------------------
    def _changed(self, answers: dict[str, Any]) -> None:
        if self._closed or self._completed:
            return
        self._pending = answers
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> bool:
        """Save unsaved answers now. True when nothing is left unsaved."""
        self._timer.stop()
        answers = self._pending
        if answers is None or self._completed:
            return True
        try:
            self._write(answers)
        except Exception as error:  # whatever failed, keep the answers
            message = failure_message(error)
            if isValid(self.view):
                self.view.set_save_state(message, error=True)
            self.saveFailed.emit(message)
            return False
        if self._pending is answers:
            self._pending = None
        if isValid(self.view):
            self.view.set_save_state(f"Saved {QTime.currentTime().toString('HH:mm:ss')}")
        assert self._submission_id is not None
        self.saved.emit(self._submission_id)
        return True

    def _write(self, answers: dict[str, Any]) -> None:
        submissions = self._session.submissions
        if self._submission_id is None:
            submission = submissions.create(
                self.case_id,
                self.form.id,
                answers,
                strict=False,
                form_version=self.form.version,
            )
            self._submission_id = submission.id
        else:
            submissions.save_draft(self._submission_id, answers)

    def close(self) -> bool:
        """Save what is unsaved and stop following the view. True when nothing was lost."""
        if self._closed:
            return self._pending is None
        ok = self.flush()
        self._closed = ok
        if ok:
            self._disconnect_app()
        return ok

    def _disconnect_app(self) -> None:
        FocusWatcher.unwatch(self._focus_changed)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._pending is None or old is None or not isValid(self.view):
            return
        left = self.view.isAncestorOf(old) and (new is None or not self.view.isAncestorOf(new))
        if left:
            self.flush()

    def _view_destroyed(self, *_args: object) -> None:
        # The view's widgets are going; only the answers kept in memory can still be saved.
        self._disconnect_app()
        if self._pending is not None and not self._completed:
            try:
                self._write(self._pending)
                self._pending = None
            except Exception:  # noqa: S110 - nothing left on screen to report to
                pass
        self._closed = True

    # -- completing ---------------------------------------------------------------------------
    def _complete_requested(self, _answers: dict[str, Any]) -> None:
        self.complete()

    def complete(self) -> list[AnswerProblem]:
        """Complete the submission with the view's answers.

        Returns the problems that stop it (also shown in the view's summary), or ``[]`` after
        ``completed`` was emitted and the view turned read-only.
        """
        if self._completed:
            return []
        self._timer.stop()
        answers = self.view.answers()
        try:
            if self._submission_id is None:
                self._write(answers)
            assert self._submission_id is not None
            submission = self._session.submissions.complete(self._submission_id, answers)
        except AnswersInvalid as invalid:
            self._pending = answers  # still a draft: keep it saved as one
            self.flush()
            self.view.show_problems(invalid.problems)
            return list(invalid.problems)
        except Exception as error:  # report it, keep the answers
            self._pending = answers
            message = failure_message(error, action="completed")
            self.view.set_save_state(message, error=True)
            self.saveFailed.emit(message)
            return [AnswerProblem(None, "", message, "store")]
        self._pending = None
        self._completed = True
        self.view.set_status(submission.status)
        self.view.set_read_only(True)
        self.view.set_save_state(f"Completed {QTime.currentTime().toString('HH:mm')}")
        self.completed.emit(submission.id)
        return []
