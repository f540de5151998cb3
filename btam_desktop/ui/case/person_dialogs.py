"""Adding a person to a case (someone already in the directory, found by name or alias, or
a new person) and editing a person's details."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.model import PERSON_ROLE_LABELS, Case, Person
from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import (
    OptionalDate,
    RecordDialog,
    choice_combo,
    combo_key,
    long_text,
    refused,
)
from btam_desktop.ui.case.labels import role_label
from btam_desktop.ui.widgets import field_label

SEARCH_DELAY_MS = 200
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
POC = "person_of_concern"


def describe_person(person: Person) -> str:
    """"Family, Given · aka X, Y · born 2001-02-03" for lists."""
    parts = [person.display_name]
    if person.aliases:
        parts.append("aka " + ", ".join(person.aliases))
    if person.date_of_birth:
        parts.append(f"born {person.date_of_birth}")
    return " \u00b7 ".join(parts)


def describe_match(person: Person, cases: Sequence[tuple[Case, str]]) -> str:
    """Two lines that tell look-alikes apart: name, aliases and date of birth; then address,
    phone and the cases the person is on, each with their role."""
    second = [part for part in (person.address, person.phone) if part]
    if cases:
        second.append("on " + ", ".join(f"{case.number} ({role_label(role)})"
                                         for case, role in cases))
    else:
        second.append("on no case")
    return describe_person(person) + "\n" + " \u00b7 ".join(second)


class PersonFields(QWidget):
    """The editable details of a person."""

    def __init__(self, person: Person | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.family = QLineEdit(person.family_name if person else "")
        self.given = QLineEdit(person.given_names if person else "")
        self.aliases = QLineEdit(", ".join(person.aliases) if person else "")
        self.aliases.setPlaceholderText("Nicknames, online handles; separate with commas")
        self.birth = OptionalDate(person.date_of_birth if person else None, "Unknown",
                                  no_future=True, what="date of birth")
        self.phone = QLineEdit(person.phone if person else "")
        self.email = QLineEdit(person.email if person else "")
        self.address = QLineEdit(person.address if person else "")
        self.notes = long_text("Anything that helps recognise or reach the person",
                               person.notes if person else "")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for text, widget in (
            ("&Family name:", self.family), ("&Given names:", self.given),
            ("&Aliases:", self.aliases), ("Date of &birth:", self.birth),
            ("&Phone:", self.phone), ("&E-mail:", self.email), ("Add&ress:", self.address),
            ("&Notes:", self.notes),
        ):
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(field_label(text, widget), widget)

    def values(self) -> dict[str, Any]:
        """The fields as ``CaseStore.add_person``/``update_person`` take them."""
        return {
            "family_name": self.family.text(), "given_names": self.given.text(),
            "aliases": [a.strip() for a in self.aliases.text().split(",") if a.strip()],
            "date_of_birth": self.birth.value(), "phone": self.phone.text(),
            "email": self.email.text(), "address": self.address.text(),
            "notes": self.notes.toPlainText(),
        }

    def has_name(self) -> bool:
        """A family or a given name is filled in."""
        return bool(self.family.text().strip() or self.given.text().strip())


class AddPersonDialog(RecordDialog):
    """Link someone to the case in a role; ``applied`` gives the link id."""

    def __init__(self, session: Session, case_id: str, parent: QWidget) -> None:
        super().__init__("Add person to case", parent, ok_text="Add to case")
        self._session = session
        self._case_id = case_id
        self.reopen_with(lambda again, window: AddPersonDialog(again, case_id, window))
        self.resize(640, 620)
        # The likely role of the first person on a case; once the case has its person of
        # concern the officer chooses (a look-alike must not become a second one by default).
        has_poc = any(link.role == POC for link in session.store.case_persons(case_id))
        self.role = choice_combo(PERSON_ROLE_LABELS, None if has_poc else POC,
                                 empty="(choose the role)")
        if has_poc:
            self.role.setCurrentIndex(0)
        self.add_row("&Role on this case:", self.role)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Existing or new person")
        # -- existing
        existing = QWidget()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, alias, phone or e-mail")
        self.search.setAccessibleName("Find a person")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setAccessibleName("People found")
        self.results.setSpacing(3)  # rows apart enough to pick the right one in a moving car
        self.results.setToolTip("Select the person with the arrow keys or a click, then "
                                "press Add to case (Ctrl+Enter). Enter adds nobody.")
        self.found_label = QLabel("Type to search the people already in the vault.")
        self.found_label.setProperty("muted", True)
        layout = QVBoxLayout(existing)
        layout.addWidget(field_label("&Find:", self.search))
        layout.addWidget(self.search)
        layout.addWidget(self.found_label)
        layout.addWidget(self.results, 1)
        # -- new
        self.fields = PersonFields()
        self.tabs.addTab(existing, "E&xisting person")
        self.tabs.addTab(self.fields, "&New person")
        self.form.addRow(self.tabs)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(self._timer.start)
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())
        # Enter, pressed by reflex after typing a name, never links anybody: in Find it runs
        # the search now and moves to the results; in the results it does nothing.
        self.search.installEventFilter(self)
        self.results.installEventFilter(self)
        self.search.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in Find searches and moves to the results; Enter in the results is eaten."""
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in ENTER_KEYS
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            if watched is self.search:
                self._timer.stop()
                self._run_search()
                if self.results.count():
                    self.results.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if watched is self.results:
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter anywhere else adds nobody either (Ctrl+Enter or the button does)."""
        if (event.key() in ENTER_KEYS
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            event.accept()
            return
        super().keyPressEvent(event)

    def set_input_state(self, state: list[Any]) -> None:
        """Put the input back, and the people found for the search text."""
        super().set_input_state(state)
        self._timer.stop()
        self._run_search()

    def _run_search(self) -> None:
        self.results.clear()
        text = self.search.text().strip()
        if not text:
            self.found_label.setText("Type to search the people already in the vault.")
            return
        store = self._session.store
        people = store.search_persons(text, limit=100)
        for person in people:
            item = QListWidgetItem(describe_match(person, store.cases_of_person(person.id)))
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setToolTip(item.text())
            self.results.addItem(item)
        found = f"{len(people)} found" + (" (first 100)" if len(people) == 100 else "")
        if people:
            found += "; select the right person, then Add to case"
        self.found_label.setText(found)
        # Nobody is chosen for the officer: the first of many look-alikes is a guess.
        self.results.setCurrentRow(-1)

    def apply(self) -> str:
        store = self._session.store
        role = combo_key(self.role)
        if not role:
            raise refused(self, "Choose the person's role on this case.", self.role)
        if self.tabs.currentIndex() == 0:
            item = self.results.currentItem()
            if item is None or not item.isSelected():
                raise refused(self, "Find the person and select them, or use \u201cNew "
                                    "person\u201d.", self.search)
            person_id = str(item.data(Qt.ItemDataRole.UserRole))
        else:
            if not self.fields.has_name():
                raise refused(self, "Give a family name or a given name.", self.fields.family)
            values = self.fields.values()
            person_id = store.add_person(
                values.pop("family_name"), values.pop("given_names"), **values).id
        return store.link_person(self._case_id, person_id, role)


class EditPersonDialog(RecordDialog):
    """Change a person's details (they are shared by every case the person is on)."""

    def __init__(self, session: Session, person: Person, parent: QWidget) -> None:
        super().__init__("Edit person", parent, ok_text="Save")
        self._session = session
        self._person = person
        person_id = person.id  # ids only: the person is read again
        self.reopen_with(lambda again, window: EditPersonDialog(
            again, again.store.get_person(person_id), window))
        self.set_intro("These details are shared by every case this person is on.")
        self.fields = PersonFields(person)
        self.form.addRow(self.fields)
        self.fields.family.setFocus()

    def apply(self) -> list[str]:
        if not self.fields.has_name():
            raise refused(self, "Give a family name or a given name.", self.fields.family)
        return self._session.store.update_person(self._person.id, self.fields.values())
