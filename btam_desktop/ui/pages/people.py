"""The people page: find a person across every case (name, alias, phone, e-mail), see their
cases and roles, and possible duplicate records.

Search uses the vault's full-text index (``CaseStore.search_persons``), so an alias or a
phone number finds the person too. Results that may be the same person as another record are
flagged (:mod:`btam_desktop.core.duplicates`), and "Find possible duplicates" lists every
such pair in the directory (a background job: it reads every person).

Showing a person's details records a "view" in the audit trail, as opening a case does.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core import duplicates
from btam_desktop.core.duplicates import DuplicatePair
from btam_desktop.core.model import PERSON_ROLE_LABELS, STATUS_LABELS, Person
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import RecordTableModel
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.pages.dashboard import open_case
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import MessageLabel, muted

SEARCH_DELAY_MS = 250  # typing pauses this long before a search runs
RESULT_LIMIT = 200
FLAG = "\u26a0"  # warning sign: shown with words, never alone
CASE_ROLE = Qt.ItemDataRole.UserRole
PERSON_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex
# The flag comes early: a narrow window must not hide it behind a horizontal scroll.
COLUMNS = ("Name", "Date of birth", "Possible duplicate", "Also known as", "Phone", "E-mail")
FLAG_COLUMN = 2


class PersonTableModel(RecordTableModel[Person]):
    """Search results, or the persons of the duplicate pairs, with their duplicate flags."""

    titles = COLUMNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self._flags: dict[str, list[DuplicatePair]] = {}

    def set_persons(self, persons: list[Person],
                    flags: dict[str, list[DuplicatePair]] | None = None) -> None:
        """Replace the rows and their flags."""
        self.beginResetModel()
        self._rows = list(persons)
        self._flags = dict(flags or {})
        self.endResetModel()

    def person(self, row: int) -> Person:
        """The person on ``row``."""
        return self._rows[row]

    def persons(self) -> list[Person]:
        """Every person shown."""
        return list(self._rows)

    def pairs(self, person_id: str) -> list[DuplicatePair]:
        """Possible duplicates of ``person_id`` (as flagged)."""
        return list(self._flags.get(person_id, ()))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; the flag column says why in its tooltip."""
        person = self._record(index)
        if person is None:
            return None
        column = index.column()
        pairs = self._flags.get(person.id, [])
        if role == Qt.ItemDataRole.ToolTipRole and column == FLAG_COLUMN and pairs:
            return "\n".join(f"{pair.other(person.id)[1]}: {pair.reason}" for pair in pairs)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        if column == FLAG_COLUMN:
            if not pairs:
                return ""
            return f"{FLAG} {len(pairs)} possible duplicate{'s' if len(pairs) > 1 else ''}"
        values = (person.display_name, person.date_of_birth or "", "",
                  ", ".join(person.aliases), person.phone, person.email)
        return values[column] if 0 <= column < len(values) else None


class PersonDetails(QFrame):
    """The selected person: details, cases and roles, possible duplicates."""

    case_activated = Signal(str)
    person_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.name = QLabel()
        self.name.setObjectName("pageTitle")
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts.setAccessibleName("Details")
        self.cases = QListWidget()
        self.cases.setAccessibleName("Cases and roles")
        self.duplicates = QListWidget()
        self.duplicates.setAccessibleName("Possible duplicates")
        for widget in (self.cases, self.duplicates):
            # Long titles are cut with "..." (full text in the tooltip), no sideways scroll.
            widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            widget.setTextElideMode(Qt.TextElideMode.ElideRight)
        # The reason is the point of the list: wrap it rather than cut it off.
        self.duplicates.setWordWrap(True)
        self.placeholder = muted("Search, then choose a person to see their cases.")
        cases_label = QLabel("Cases and roles")
        cases_label.setBuddy(self.cases)
        self.duplicates_label = QLabel("Possible duplicates")
        self.duplicates_label.setBuddy(self.duplicates)
        for label in (cases_label, self.duplicates_label):
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addWidget(cases_label)
        layout.addWidget(self.cases, 2)
        layout.addWidget(self.duplicates_label)
        layout.addWidget(self.duplicates, 1)
        self._detail_widgets: list[QWidget] = [
            self.name, self.facts, cases_label, self.cases, self.duplicates_label,
            self.duplicates]
        self.cases.itemActivated.connect(self._case_activated)
        self.cases.itemClicked.connect(self._case_activated)
        self.duplicates.itemActivated.connect(self._person_activated)
        self.show_person(None)

    def show_person(self, person: Person | None,
                    cases: list[tuple[str, str, str]] | None = None,
                    pairs: list[DuplicatePair] | None = None) -> None:
        """Show ``person`` with (case id, number and title, role) rows and duplicate pairs."""
        self.placeholder.setVisible(person is None)
        for widget in self._detail_widgets:
            widget.setVisible(person is not None)
        self.cases.clear()
        self.duplicates.clear()
        if person is None:
            return
        self.name.setText(person.display_name)
        self.name.setAccessibleName(f"Person: {person.display_name}")
        facts = [f"Date of birth: {person.date_of_birth or 'not recorded'}"]
        if person.aliases:
            facts.append("Also known as: " + ", ".join(person.aliases))
        for label, value in (("Phone", person.phone), ("E-mail", person.email),
                             ("Address", person.address)):
            if value:
                facts.append(f"{label}: {value}")
        self.facts.setText("\n".join(facts))
        for case_id, text, role in cases or []:
            item = QListWidgetItem(f"{role}: {text}")
            item.setToolTip(f"{role}: {text}")
            item.setData(CASE_ROLE, case_id)
            self.cases.addItem(item)
        if not cases:
            item = QListWidgetItem("Not on any open case file.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.cases.addItem(item)
        for pair in pairs or []:
            other_id, other_name = pair.other(person.id)
            item = QListWidgetItem(f"{FLAG} {other_name}\n{pair.reason}")
            item.setData(PERSON_ROLE, other_id)
            item.setToolTip(f"{other_name}: {pair.reason}. Press Enter or double-click to "
                            "show this record.")
            self.duplicates.addItem(item)
        self.duplicates_label.setVisible(bool(pairs))
        self.duplicates.setVisible(bool(pairs))

    def _case_activated(self, item: QListWidgetItem) -> None:
        case_id = item.data(CASE_ROLE)
        if case_id:
            self.case_activated.emit(str(case_id))

    def _person_activated(self, item: QListWidgetItem) -> None:
        person_id = item.data(PERSON_ROLE)
        if person_id:
            self.person_activated.emit(str(person_id))



def _concerns_people(summary: ChangeSummary) -> bool:
    """People, their roles on cases and case numbers are what the page shows."""
    return summary.action != "view" and bool(
        {"persons", "case_persons", "cases"} & set(summary.touched))

class PeoplePage(Page):
    """Person search across cases, with duplicate flags and a person's cases."""

    open_case_requested = Signal(str)

    def __init__(self, session: Session, events: SessionEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__("People", parent)
        self._session = session
        self._shown_id: str | None = None
        self.search = QLineEdit()
        self.search.setAccessibleName("Search people")
        self.search.setPlaceholderText("Name, alias, phone or e-mail")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("&Search")
        search_label.setBuddy(self.search)
        self.duplicates_button = QPushButton("Find possible &duplicates")
        self.duplicates_button.setToolTip(
            "List every pair of records that may be the same person (same date of birth and a "
            "similar name, or the same phone number or e-mail).")
        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        top.addWidget(self.duplicates_button)
        self.summary = muted("Type at least two letters of a name, an alias, a phone number "
                             "or an e-mail address.")
        self.summary.setAccessibleName("Search result summary")
        self.message = MessageLabel()

        self.model = PersonTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("People found")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The columns fit the table (fixed widths scrolled sideways at 1024x768, "Possible
        # duplicate" cut): date of birth and the duplicate mark first, the rest share what
        # is left ("…", tooltip whole) and the name takes any spare room. Where even the
        # headings do not fit (the table beside the details at 1024x768), E-mail, Phone and
        # Also known as are hidden: the details beside it list them for the chosen person.
        self.column_fit = ContentColumnFit(self.table, 0, prefer=(1, 2), drop=(5, 4, 3))
        self.details = PersonDetails()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 400])
        splitter.setChildrenCollapsible(False)

        self.body.addLayout(top)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.message)
        self.body.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.duplicates_button.clicked.connect(self.find_all_duplicates)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.activated.connect(lambda _index: self.details.cases.setFocus())
        self.details.case_activated.connect(self._open_case)
        self.details.person_activated.connect(self.show_person_by_id)
        self.watch(events, _concerns_people, stale=False)
        QWidget.setTabOrder(self.search, self.duplicates_button)
        QWidget.setTabOrder(self.duplicates_button, self.table)

    # -- searching --------------------------------------------------------------------------
    def run_search(self) -> None:
        """Search now (also after the typing pause)."""
        self._timer.stop()
        if tasks.is_busy():
            self.stale = True
            return
        text = self.search.text().strip()
        if len(text) < 2:
            self.model.set_persons([])
            self.details.show_person(None)
            self.summary.setText("Type at least two letters of a name, an alias, a phone "
                                 "number or an e-mail address.")
            return
        try:
            persons = self._session.store.search_persons(text, limit=RESULT_LIMIT)
            pairs = duplicates.find_duplicates(self._session, [p.id for p in persons])
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self.message.clear_message()
        self._set_results(persons, pairs)
        count = len(persons)
        flagged = sum(1 for p in persons if self.model.pairs(p.id))
        text_count = f"{count}{'+' if count >= RESULT_LIMIT else ''}"
        summary = f"{text_count} {'person' if count == 1 else 'people'} found"
        if flagged:
            summary += f"; {flagged} may be recorded twice ({FLAG})"
        self.summary.setText(summary + ".")

    def _set_results(self, persons: list[Person], pairs: list[DuplicatePair]) -> None:
        keep = self._shown_id
        self.model.set_persons(persons, duplicates.duplicates_by_person(pairs))
        row = next((i for i, p in enumerate(persons) if p.id == keep), 0 if persons else -1)
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.details.show_person(None)
            self._shown_id = None

    def find_all_duplicates(self) -> tasks.BackgroundJob:
        """List every possible duplicate pair (reads the whole directory: a background job)."""
        session = self._session
        return tasks.run_in_background(
            self, "Looking for possible duplicates",
            lambda _progress: self._load_pairs(session),
            on_done=self._show_all_pairs, cancellable=False, session=session,
            label="Comparing dates of birth, names, phone numbers and e-mail addresses\u2026")

    @staticmethod
    def _load_pairs(session: Session) -> tuple[list[Person], list[DuplicatePair]]:
        pairs = duplicates.find_duplicates(session)
        ids = list(dict.fromkeys(i for p in pairs for i in (p.first_id, p.second_id)))
        persons = [session.store.get_person(person_id) for person_id in ids[:RESULT_LIMIT]]
        return persons, pairs

    def _show_all_pairs(self, result: tuple[list[Person], list[DuplicatePair]]) -> None:
        persons, pairs = result
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._set_results(persons, pairs)
        if not pairs:
            self.summary.setText("No possible duplicates found.")
        else:
            shown = f" (the first {len(persons)} people shown)" if len(persons) < len(
                {i for p in pairs for i in (p.first_id, p.second_id)}) else ""
            self.summary.setText(f"{len(pairs):,} possible duplicate pair"
                                 f"{'s' if len(pairs) != 1 else ''}{shown}. Compare the "
                                 "records before changing either; nothing is merged "
                                 "automatically.")

    # -- details ----------------------------------------------------------------------------
    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {index.row() for index in selected.indexes()}
        if not rows:
            return
        self._show(self.model.person(min(rows)))

    def _show(self, person: Person) -> None:
        store = self._session.store
        try:
            cases = store.cases_of_person(person.id)
            if self._shown_id != person.id:
                self._session.record_view("person", person.id)
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self._shown_id = person.id
        rows = []
        for case, role in cases:
            status = STATUS_LABELS.get(case.status, case.status)
            rows.append((case.id, f"{case.number}  {case.title} ({status})",
                         PERSON_ROLE_LABELS.get(role, role)))
        self.details.show_person(person, rows, self.model.pairs(person.id))

    def show_person_by_id(self, person_id: str) -> None:
        """Select a person in the results (adding them if not there), e.g. a duplicate."""
        persons = self.model.persons()
        for row, person in enumerate(persons):
            if person.id == person_id:
                self.table.selectRow(row)
                return
        try:
            person = self._session.store.get_person(person_id)
            pairs = duplicates.find_duplicates(self._session, [p.id for p in persons]
                                               + [person_id])
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self.model.set_persons([*persons, person], duplicates.duplicates_by_person(pairs))
        self.table.selectRow(len(persons))

    def _open_case(self, case_id: str) -> None:
        if not open_case(self, case_id):
            self.open_case_requested.emit(case_id)

    # -- refreshing -------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on changes made elsewhere (Page); the search field gets the cursor."""
        super().showEvent(event)
        self.search.setFocus()

    def refresh(self) -> None:
        """Run the current search again (people or cases may have changed)."""
        self.stale = False
        if self.search.text().strip():
            self.run_search()
