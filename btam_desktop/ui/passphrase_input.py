"""The one widget for choosing a new passphrase: the passphrase, its confirmation, and the
rules ticked off live as it is typed. Used by the create-vault wizard and by Settings (my
passphrase, a member's new passphrase, a new member).

The core (:func:`btam_desktop.core.passphrase.check`) decides; this module only shows each
rule it returns as a tick-list entry. A rule the core returns that is not listed here (a rule
added later) is still shown, as an extra unmet rule, so the list can never hide a problem.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QVBoxLayout, QWidget

from btam_desktop.core import passphrase
from btam_desktop.core.errors import WeakPassphrase
from btam_desktop.ui import messages
from btam_desktop.ui.widgets import RuleList, field_label, line_edit

RULE_LENGTH = f"At least {passphrase.MIN_LENGTH} characters"
RULE_COMMON = "Not a commonly used password"
RULE_REPEAT = "Not one character repeated"
RULE_NAME = "Does not contain your name"
RULE_MATCH = "Both entries match"
#: The core's sentence for each rule -> the tick-list entry shown for it.
CORE_RULES = {
    f"use at least {passphrase.MIN_LENGTH} characters": RULE_LENGTH,
    "this is a commonly used password": RULE_COMMON,
    "do not repeat a single character": RULE_REPEAT,
    "do not include your name": RULE_NAME,
}


def refused(error: WeakPassphrase) -> str:
    """The message for a passphrase the core refused."""
    return "The passphrase was refused: " + "; ".join(
        messages.sentence(p) for p in error.problems)


class PassphraseFields(QWidget):
    """New passphrase + confirmation with the live rule list; ``changed`` on every edit.

    ``form`` is the layout of the two fields: callers may insert rows (the current
    passphrase, a name). ``member_name`` is the name the passphrase must not contain; it may
    be set later (the wizard learns it on the page before).
    """

    changed = Signal()

    def __init__(self, member_name: str = "", parent: QWidget | None = None, *,
                 new_label: str = "&New passphrase", confirm_label: str = "Con&firm") -> None:
        super().__init__(parent)
        self.member_name = member_name
        self.passphrase = line_edit("New passphrase", secret=True)
        self.confirm = line_edit("Confirm the new passphrase", secret=True)
        self.rules = RuleList([*CORE_RULES.values(), RULE_MATCH])
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.addRow(field_label(new_label, self.passphrase), self.passphrase)
        self.form.addRow(field_label(confirm_label, self.confirm), self.confirm)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addSpacing(8)
        layout.addWidget(self.rules)
        self.passphrase.textChanged.connect(self.update_rules)
        self.confirm.textChanged.connect(self.update_rules)
        self.update_rules()

    def set_member_name(self, name: str) -> None:
        """The name the passphrase must not contain; the rules are checked again."""
        self.member_name = name
        self.update_rules()

    def problems(self) -> list[str]:
        """Rules the new passphrase breaks (core wording)."""
        return passphrase.check(self.passphrase.text(), self.member_name)

    def update_rules(self) -> None:
        """Tick, cross or leave pending each rule for what is typed now."""
        text = self.passphrase.text()
        problems = self.problems()
        for core_text, shown in CORE_RULES.items():
            self.rules.set_state(shown, None if not text else core_text not in problems)
        self.rules.set_extra(
            [messages.sentence(p) for p in problems if p not in CORE_RULES] if text else [])
        confirm = self.confirm.text()
        self.rules.set_state(RULE_MATCH, None if not confirm else confirm == text)
        self.changed.emit()

    def is_valid(self) -> bool:
        """Every rule met and both entries match."""
        text = self.passphrase.text()
        return bool(text) and not self.problems() and self.confirm.text() == text

    def value(self) -> str:
        """The new passphrase."""
        return self.passphrase.text()

    def clear(self) -> None:
        """Empty both fields (after use: a passphrase is never left in a widget)."""
        self.passphrase.clear()
        self.confirm.clear()
