"""The window a form is filled in, read or amended in: a :class:`FormView` in a dialog that is
a child of the main window (opened with ``open()``).

* Draft: a :class:`DraftController` autosaves within a second; closing the dialog (Esc,
  Close, or the vault locking) saves what is unsaved first, and stays open if that fails.
* Read: a completed submission with its own form version, read-only.
* Amend: a completed submission's answers, editable, saved as a new version that names its
  reason; the earlier version stays readable.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.errors import BtamError
from btam_desktop.core.session import Session
from btam_desktop.core.submissions import AnswersInvalid, Submission
from btam_desktop.ui import errors, messages
from btam_desktop.ui.dialog import AppDialog
from btam_desktop.ui.forms import DraftController, FormView, case_person_choices
from btam_desktop.ui.forms.media import case_attachments
from btam_desktop.ui.widgets import MessageLabel, field_label

DRAFT, READ, AMEND = "draft", "read", "amend"
POC = "person_of_concern"


def case_caption(session: Session, case_id: str) -> str:
    """"2026-0042-K7Q \u2014 Lio Marchetti": the case number and its person of concern (if
    the case has one), so a form window always says whose case it belongs to."""
    try:
        parts = [session.store.get_case(case_id).number]
        people = session.store.case_persons(case_id)
    except BtamError:
        return ""
    for link in people:
        if link.role == POC:
            person = link.person
            name = " ".join(n for n in (person.given_names, person.family_name) if n)
            parts.append(name or person.display_name)
            break
    return " \u2014 ".join(parts)


class FormDialog(AppDialog):
    """One form of a case; see the module docstring. ``changed`` after a save or amend."""

    changed = Signal(str)  # submission id

    def __init__(self, session: Session, case_id: str, parent: QWidget, *, mode: str,
                 form_id: str = "", submission: Submission | None = None) -> None:
        # The title names the form, known once it is loaded below (set_title).
        super().__init__("", parent)
        self._session = session
        self._mode = mode
        self._submission = submission
        self.case_id = case_id
        self.controller: DraftController | None = None
        self.message = MessageLabel()
        persons = case_person_choices(session, case_id)
        if mode == DRAFT and submission is None:
            self.controller = DraftController.open(session, case_id, form_id, parent=self)
            self.view = self.controller.view
        elif mode == DRAFT:
            assert submission is not None
            form = session.submissions.form_for(submission)
            self.view = FormView(form, submission.answers, persons=persons, parent=self)
            self.view.set_status("draft")
            self.controller = DraftController(session, case_id, form, self.view,
                                              submission_id=submission.id)
        else:
            assert submission is not None
            form = session.submissions.form_for(submission)
            self.view = FormView(form, submission.answers, persons=persons,
                                 read_only=mode == READ, parent=self)
            self.view.set_status(submission.status)
        # File questions store their files as attachments of this case (issue 11).
        self.view.set_attachment_source(case_attachments(session, case_id))
        if self.controller is not None:
            self.controller.saved.connect(self.changed)
            self.controller.completed.connect(self.changed)
            # An unexpected error anywhere first saves this draft (the error dialog says so).
            remove_hook = errors.add_flush_hook(self.controller.flush)
            self.destroyed.connect(lambda *_: remove_hook())
        title = self.view.form.title
        verb = {DRAFT: "", READ: " (read only)", AMEND: " \u2014 amend"}[mode]
        self.caption = case_caption(session, case_id)
        case_part = f" \u2014 {self.caption}" if self.caption else ""
        self.set_title(f"{title}{case_part} (version {self.view.form.version}){verb}")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 12)
        self.case_label = QLabel(f"Case {self.caption}" if self.caption else "", self)
        self.case_label.setObjectName("formCase")
        self.case_label.setContentsMargins(16, 8, 16, 0)
        self.case_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.case_label.setVisible(bool(self.caption))
        layout.addWidget(self.case_label)
        layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(16, 0, 16, 0)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("What is corrected or added, and why")
        self.reason.setAccessibleName("Reason for the amendment")
        self.amend_button = QPushButton("Save &amendment")
        self.amend_button.setObjectName("primary")
        self.amend_button.setToolTip("Save the changed answers as a new version (the earlier "
                                     "one stays readable)")
        self.amend_button.clicked.connect(self.save_amendment)
        if mode == AMEND:
            bottom.addWidget(field_label("&Reason:", self.reason))
            bottom.addWidget(self.reason, 1)
            bottom.addWidget(self.amend_button)
            # The reason and Save amendment are the confirmation: Ctrl+Enter saves at once.
            self.view.confirm_complete = False
            self.view.completeRequested.connect(lambda _answers: self.save_amendment())
        else:
            bottom.addStretch(1)
        self.close_button = QPushButton("&Close")
        self.close_button.setToolTip("Close the form (Esc); a draft is saved first")
        self.close_button.clicked.connect(self.reject)
        bottom.addWidget(self.close_button)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        # Nearly the main window's size; when shown, no larger than the screen (AppDialog).
        self.resize(max(900, parent.width() - 80), max(620, parent.height() - 80))

    def setVisible(self, visible: bool) -> None:
        """Show: the first question has the focus (FormView.showEvent), but QDialog then sends
        that input a focus-in event with the Tab reason, and a line edit selects all its text
        on that: in a resumed draft the officer's next key wiped the answer. Undo that
        selection; the cursor stays at the end of the text, as the line edit was filled."""
        super().setVisible(visible)
        focus = self.focusWidget()
        if visible and isinstance(focus, QLineEdit) and focus.hasSelectedText():
            focus.deselect()
            focus.end(False)

    @property
    def mode(self) -> str:
        """"draft", "read" or "amend"."""
        return self._mode

    @property
    def submission(self) -> Submission | None:
        """The submission shown (None for a new form's draft until it is first saved: see
        ``controller.submission_id``)."""
        return self._submission

    def save_amendment(self) -> bool:
        """Store the answers as an amendment; refused without a reason."""
        assert self._submission is not None
        reason = self.reason.text().strip()
        if not reason:
            self.message.show_error("Write the reason for the amendment; it is kept with the "
                                    "new version.")
            self.reason.setFocus()
            return False
        try:
            new = self._session.submissions.amend(self._submission.id, self.view.answers(),
                                                  reason)
        except AnswersInvalid as invalid:
            self.view.show_problems(invalid.problems)
            self.message.show_error("Some answers need attention before the amendment can be "
                                    "saved; they are listed at the top of the form.")
            return False
        except BtamError as error:
            self.message.show_error(messages.describe(error))
            return False
        self.changed.emit(new.id)
        self._mode = READ
        super().accept()
        return True

    def teardown(self) -> None:
        """Before a lock: write what is unsaved while the vault is still open."""
        if self.controller is not None:
            self.controller.close()

    def reject(self) -> None:
        """Esc or Close: save a draft first; stay open if that failed."""
        if self.controller is not None and not self.controller.close():
            self.message.show_error("The draft could not be saved; the form stays open so "
                                    "nothing is lost. Try Ctrl+S.")
            return
        super().reject()
