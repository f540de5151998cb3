"""One conflict, both values side by side, and the lead's decision.

The value in effect on this laptop (and on every laptop holding the same changes: the winner
is chosen by clock, not by who imported what) is on the left, the other value, kept aside, on
the right; each with who set it, when (the change's clock stamp, in local time), on which
laptop and why. Either may have been typed on this laptop, so the buttons say "the value in
effect" and "the other value" rather than "this laptop's" and "incoming". "Keep the value in
effect" (the core's ``keep="local"``), "Take the other value" (``keep="incoming"``) and "Edit
merged value…" call :func:`btam_desktop.core.sync.conflicts.resolve`; the resolution is a
change of its own and travels in the next bundle. Members who are not team leads see the same
dialog read-only, with the reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.errors import BtamError
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts
from btam_desktop.core.sync.conflicts import Conflict, Side
from btam_desktop.core.sync.roster import Roster
from btam_desktop.ui import labels
from btam_desktop.ui.case.dialog_base import RecordDialog, refused
from btam_desktop.ui.sync import words
from btam_desktop.ui.widgets import field_label, line_edit

LOCAL, INCOMING, MERGED = "local", "incoming", "merged"
READ_ONLY_NOTE = ("Only a team lead can resolve conflicts, on a lead laptop of the team. "
                  "Until then the value on the left is in effect on every laptop, and the "
                  "other value is kept, not lost.")


def can_resolve(session: Session) -> bool:
    """Resolving is for team leads, and in a team for its lead laptops: every officer's vault
    has a lead of its own (the core checks it again). A roster that cannot be read (written
    by a newer version, damaged): the vault role decides, as for the dashboard's conflict link
    and the role shown (labels.leads_team); the core's own check then says why it refuses."""
    return labels.leads_team(session)


def _roster(session: Session) -> Roster | None:
    """The roster for naming laptops; None when it cannot be read (laptops go by their id)."""
    try:
        return words.current_roster(session)
    except BtamError:
        return None


class ConflictDialog(RecordDialog):
    """Shows a conflict; a lead settles it with one of three buttons."""

    def __init__(self, session: Session, conflict: Conflict, parent: QWidget) -> None:
        super().__init__("Resolve a conflict - BTAM Desktop", parent,
                         ok_text="&Save merged value")
        self._session = session
        self.conflict = conflict
        self.choice: str | None = None
        self.writable = can_resolve(session) and not conflict.resolved
        roster = _roster(session)
        what = f"{words.record_label(session, conflict)}: {words.field_label(conflict)}"
        intro = {
            "value": "Two laptops changed this without seeing each other's change.",
            "trash": "This was changed on one laptop after it was moved to the trash on "
                     "another.",
            "fork": "Two laptops each replaced the same record with a version of their own.",
        }.get(conflict.kind, "Two laptops disagree about this.")
        if conflict.critical:
            intro += (f" {words.WARNING} Critical: this field is never settled automatically; "
                      "a team lead decides.")
        self.set_intro(f"{what}. {intro}")
        self.setMinimumWidth(760)

        self.local_box = self._side_box("Value in effect on this laptop", conflict,
                                        conflict.current, roster)
        self.incoming_box = self._side_box("The other value (kept aside)", conflict,
                                           conflict.other, roster)
        sides = QHBoxLayout()
        sides.setSpacing(12)
        sides.addWidget(self.local_box, 1)
        sides.addWidget(self.incoming_box, 1)
        self.form.addRow(sides)

        texts = {
            "trash": ("&Keep it in the trash", "&Restore it with the other change"),
            "fork": ("&Keep the version in effect", "Take the &other version"),
        }.get(conflict.kind, ("&Keep the value in effect", "Take the &other value"))
        self.keep_local = QPushButton(texts[0])
        self.keep_incoming = QPushButton(texts[1])
        self.edit_merged = QPushButton("&Edit merged value\u2026")
        for widget in (self.keep_local, self.keep_incoming, self.edit_merged):
            widget.setAccessibleName(widget.text().replace("&", "").rstrip("\u2026"))
        self.keep_local.clicked.connect(lambda _checked=False: self.choose(LOCAL))
        self.keep_incoming.clicked.connect(lambda _checked=False: self.choose(INCOMING))
        self.edit_merged.clicked.connect(lambda _checked=False: self.start_merge())
        choices = QHBoxLayout()
        choices.setSpacing(8)
        choices.addWidget(self.keep_local)
        choices.addWidget(self.keep_incoming)
        choices.addWidget(self.edit_merged)
        choices.addStretch(1)
        self.form.addRow(choices)

        self.merged = line_edit("Merged value")
        self.merged.setText(words.editable_value(conflict.current.value)
                            if conflict.kind == "value" else "")
        self.merged_label = field_label("Merged &value", self.merged)
        self.form.addRow(self.merged_label, self.merged)
        self.merged_label.hide()
        self.merged.hide()
        self.merged.returnPressed.connect(self.accept)

        self.note = QLabel(READ_ONLY_NOTE if not can_resolve(session) else
                           "This conflict is already resolved." if conflict.resolved else "")
        self.note.setWordWrap(True)
        self.note.setProperty("muted", True)
        self.note.setVisible(bool(self.note.text()))
        self.form.addRow(self.note)

        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("Close")
        self.ok_button.setDefault(False)  # Enter presses nothing until a merged value is typed
        self.ok_button.hide()
        for widget in (self.keep_local, self.keep_incoming, self.edit_merged):
            widget.setEnabled(self.writable)
        if conflict.kind != "value":
            self.edit_merged.hide()
        (self.keep_local if self.writable else self.cancel_button).setFocus()

    def _side_box(self, title: str, conflict: Conflict, side: Side,
                  roster: Roster | None) -> QGroupBox:
        box = QGroupBox(title)
        box.setAccessibleName(title)
        value = QLabel(words.value_text(conflict, side))
        value.setWordWrap(True)
        value.setTextFormat(Qt.TextFormat.PlainText)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                      | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        value.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        font = value.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        value.setFont(font)
        value.setAccessibleName(f"{title}: {value.text()}")
        facts = QFormLayout()
        facts.setSpacing(4)
        for caption, text in words.side_facts(self._session, side, roster):
            fact = QLabel(text)
            fact.setWordWrap(True)
            fact.setTextFormat(Qt.TextFormat.PlainText)
            fact.setAccessibleName(f"{caption}: {text}")
            facts.addRow(QLabel(caption), fact)
        layout = QVBoxLayout(box)
        layout.addWidget(value)
        layout.addLayout(facts)
        layout.addStretch(1)
        return box

    # -- choosing -----------------------------------------------------------------------------
    def choose(self, choice: str) -> None:
        """Keep one side: resolves at once (the dialog closes when the core accepted)."""
        self.choice = choice
        self.accept()

    def start_merge(self) -> None:
        """Show the merged-value field (pre-filled with the value in effect)."""
        self.choice = MERGED
        self.merged_label.show()
        self.merged.show()
        self.ok_button.show()
        self.ok_button.setDefault(True)  # on purpose now: Enter in the field saves
        self.merged.setFocus()
        self.merged.selectAll()

    def apply(self) -> Conflict:
        """Settle the conflict through the core."""
        if not can_resolve(self._session):
            raise refused(self, READ_ONLY_NOTE)
        if self.choice is None:
            raise refused(self, "Choose which value stands: the one in effect, the other one, "
                          "or a merged value.", self.keep_local)
        if self.choice == MERGED:
            text = self.merged.text().strip()
            if not text:
                raise refused(self, "Type the merged value.", self.merged)
            return conflicts.resolve(self._session, self.conflict.id, value=text)
        return conflicts.resolve(self._session, self.conflict.id, keep=self.choice)


def open_conflict(session: Session, conflict: Conflict, parent: QWidget) -> ConflictDialog:
    """Open the dialog window-modally (never exec: a lock may delete the window)."""
    dialog = ConflictDialog(session, conflict, parent)
    dialog.open()
    return dialog

