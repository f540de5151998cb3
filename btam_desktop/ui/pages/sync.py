"""The sync page, before sync exists: what sync bundles will do, in plain words.

No buttons that do nothing: a page that pretends to export would be worse than one that says
it is not there yet.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.widgets import muted

EXPLANATION = (
    "Sync bundles are coming in a later release. Until then, each laptop keeps its own "
    "vault; use Settings \u203a Back up vault to keep a copy safe."
)
TEXT_WIDTH = 860  # lines longer than this are hard to follow
WHAT_IT_WILL_DO = (
    ("One encrypted file", "A sync bundle carries the changes this laptop made since the "
     "last exchange with a team member, as one file sealed to their device: a USB stick, a "
     "mail attachment or a shared folder can carry it, and nobody else can open it."),
    ("Nothing silently lost", "Notes, contacts and interventions from several officers are "
     "merged, never overwritten. When two people changed the same field differently, the "
     "team lead sees both values side by side and decides."),
    ("Safe to repeat", "Importing the same bundle twice, or bundles in any order, gives the "
     "same result."),
    ("Checked before it is opened", "A bundle from an unknown or removed device, a copied "
     "laptop, or a file changed on the way is refused with the reason."),
    ("Recorded", "Every export and import is written to the audit trail: who sent what to "
     "whom, and when."),
)


class SyncPage(Page):
    """Explains the coming sync bundles; offers no actions yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sync", parent)
        intro = QLabel(EXPLANATION)
        intro.setWordWrap(True)
        intro.setAccessibleName("Sync is not available yet")
        intro.setMaximumWidth(TEXT_WIDTH)
        self.body.addWidget(intro)
        heading = QLabel("What sync bundles will do")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.body.addSpacing(6)
        self.body.addWidget(heading)
        for title, text in WHAT_IT_WILL_DO:
            label = QLabel(f"<b>{title}.</b> {text}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setAccessibleName(f"{title}. {text}")
            label.setMaximumWidth(TEXT_WIDTH)
            self.body.addWidget(label)
        self.body.addSpacing(6)
        transport = muted("Transport stays yours: the app will read from an inbox folder and "
                          "write to an outbox folder, so an existing file-sync tool or a "
                          "network share can carry bundles.")
        transport.setMaximumWidth(TEXT_WIDTH)
        self.body.addWidget(transport)
        self.body.addStretch(1)
