"""Filling in assessment forms: a view for any form definition, and autosaved drafts.

``FormView`` renders a :class:`~btam_desktop.core.forms.FormDefinition` and produces answers in
the ANSWERS.json shapes; ``DraftController`` keeps those answers saved as a draft submission
and completes it. Typical use by a host window::

    controller = DraftController.open(session, case_id, "threat_inquiry", parent=page)
    layout.addWidget(controller.view)
    ...
    controller.close()          # before the vault locks or the page goes away
"""

from btam_desktop.ui.forms.autosave import (
    SAVE_DELAY_MS,
    DraftController,
    case_person_choices,
    failure_message,
)
from btam_desktop.ui.forms.view import FormView

__all__ = [
    "SAVE_DELAY_MS",
    "DraftController",
    "FormView",
    "case_person_choices",
    "failure_message",
]
