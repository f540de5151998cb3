"""Partners & resources: the department's directory of partner agencies (schools, mental
health, social services, ...) and community resources, for referrals and resource mapping.

Search (name, services, contact person), a discipline filter and a kind filter; Add and Edit
open a dialog. Officers and team leads change entries; analysts read them. The dialog's
"Resource map" tab holds what the resource map and its gaps are computed from: the
prevention tiers and age groups served, area, hours, capacity and the usual wait.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QWidget,
)

from btam_desktop.core.model import AGE_GROUPS, DISCIPLINES, PARTNER_KINDS, TIERS, Partner
from btam_desktop.core.session import Session
from btam_desktop.core.words import plural
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case.dialog_base import RecordDialog, refused
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.flow import flow_row, labelled
from btam_desktop.ui.models.records import RecordTableModel
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.widgets import MessageLabel, field_label, line_edit, muted

DISCIPLINE_LABELS = {
    "mental_health": "Mental health",
    "school": "School / education",
    "public_health": "Public health",
    "social_services": "Social services",
    "victim_services": "Victim services",
    "law_enforcement": "Law enforcement",
    "other": "Other",
}
KIND_LABELS = {"agency": "Partner agency", "resource": "Community resource"}
KIND_SHORT = {"agency": "Agency", "resource": "Resource"}  # the table's narrow column
SEARCH_DELAY_MS = 200

Index = QModelIndex | QPersistentModelIndex
NAME_LEAST = "Harlow County Sheriff"  # a partner's name shows at least this much
PHONE_LEAST = "(555) 555-0100"  # a phone number is shown whole
COLUMNS = ("Name", "Kind", "Discipline", "Tiers", "Wait", "Contact", "Phone", "E-mail",
           "Services")
TIER_TEXT = {"universal": "&Universal", "selective": "Se&lective", "intensive": "Intensi&ve"}
AGE_TEXT = {"youth": "&Young people", "adults": "Adul&ts"}
# The resource-map tab's text fields: (field, label).
MAP_FIELDS: tuple[tuple[str, str], ...] = (
    ("area_served", "A&rea served"),
    ("hours", "&Hours"),
    ("capacity", "Capacity / &waiting list"),
)
NOT_KNOWN = "not known"


def wait_text(days: int | None) -> str:
    """"6 weeks", "10 days", "none", "" (not recorded)."""
    if days is None:
        return ""
    if days == 0:
        return "none"
    if days % 7 == 0:
        return plural(days // 7, "week")
    return plural(days, "day")


def wait_suffix(days: int) -> str:
    """The wait box's unit after its number: " day" after 1, " days" otherwise."""
    return plural(days, "day")[len(f"{days:,}"):]
# Fields of the dialog in order: (field, label, multi-line).
FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("name", "&Name", False),
    ("contact_name", "&Contact person", False),
    ("phone", "&Phone", False),
    ("email", "&E-mail", False),
    ("address", "A&ddress", True),
    ("services", "&Services offered", True),
    ("notes", "N&otes", True),
)


class PartnerTableModel(RecordTableModel[Partner]):
    """The directory entries shown (read-only cells; edit through the dialog)."""

    titles = COLUMNS

    def set_partners(self, partners: list[Partner]) -> None:
        """Replace the rows."""
        self.set_records(partners)

    def partner(self, row: int) -> Partner:
        """The entry on ``row``."""
        return self._rows[row]

    def row_of(self, partner_id: str) -> int:
        """The row showing ``partner_id`` (-1 if not shown)."""
        return next((i for i, p in enumerate(self._rows) if p.id == partner_id), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; long services text in full as the tooltip."""
        partner = self._record(index)
        if partner is None:
            return None
        values = (
            partner.name, KIND_SHORT.get(partner.kind, partner.kind),
            DISCIPLINE_LABELS.get(partner.discipline, partner.discipline),
            ", ".join(partner.tiers), wait_text(partner.wait_days),
            partner.contact_name, partner.phone, partner.email,
            " ".join(partner.services.split()),
        )
        column = index.column()
        if not 0 <= column < len(values):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 8 and partner.services:
            return partner.services
        return None


def _choice_combo(name: str, labels: dict[str, str], keys: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for key in keys:
        combo.addItem(labels.get(key, key), key)
    return combo


class PartnerDialog(RecordDialog):
    """Add or edit one directory entry; saves through the store and stays open on errors.

    On the app's one dialog base: "Save" ("Add" for a new entry) is OK, Ctrl+Enter saves
    from any field, and Esc or Cancel ask before discarding what was typed."""

    saved = Signal(str)  # partner id

    def __init__(self, session: Session, partner: Partner | None, parent: QWidget) -> None:
        adding = partner is None
        super().__init__(("Add a partner or resource" if adding else "Edit partner")
                         + " - BTAM Desktop", parent, ok_text="&Add" if adding else "&Save")
        self._session = session
        self._partner = partner
        self.setMinimumWidth(560)
        self.kind = _choice_combo("Kind", KIND_LABELS, PARTNER_KINDS)
        self.discipline = _choice_combo("Discipline", DISCIPLINE_LABELS, DISCIPLINES)
        self.fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for name, label, multi in FIELDS:
            widget: QLineEdit | QPlainTextEdit
            plain = label.replace("&", "")
            if multi:
                widget = QPlainTextEdit()
                widget.setAccessibleName(plain)
                widget.setTabChangesFocus(True)  # Tab moves on, as in every other field
                widget.setFixedHeight(widget.fontMetrics().lineSpacing() * 3 + 20)
                form.addRow(_buddy(label, widget), widget)
            else:
                widget = line_edit(plain)
                form.addRow(field_label(label, widget), widget)
            self.fields[name] = widget
            if name == "name":
                form.addRow(field_label("&Kind", self.kind), self.kind)
                form.addRow(field_label("D&iscipline", self.discipline), self.discipline)
        # The resource map's fields on a second tab: the dialog stays within 768 pixels.
        self.tiers = {t: QCheckBox(TIER_TEXT[t]) for t in TIERS}
        self.ages = {a: QCheckBox(AGE_TEXT[a]) for a in AGE_GROUPS}
        self.map_inputs = {name: line_edit(label.replace("&", "")) for name, label in MAP_FIELDS}
        self.wait = QSpinBox()
        self.wait.setRange(-1, 3650)
        self.wait.setSpecialValueText(NOT_KNOWN)
        self.wait.setSuffix(wait_suffix(0))
        # "1 day", not "1 days" (found in the issue 9 walk).
        self.wait.valueChanged.connect(lambda days: self.wait.setSuffix(wait_suffix(days)))
        self.wait.setValue(-1)
        self.wait.setAccessibleName("Usual wait for a first appointment, in days")
        map_form = QFormLayout()
        map_form.addRow(muted("What the partner offers, for the resource map and its gaps "
                              "(Reports)."))
        map_form.addRow("Prevention tiers", _boxes(list(self.tiers.values()),
                                                   "Prevention tiers served"))
        map_form.addRow("Serves", _boxes(list(self.ages.values()), "Age groups served"))
        map_form.addRow(muted("No age group ticked: serves everyone."))
        for name, label in MAP_FIELDS:
            map_form.addRow(field_label(label, self.map_inputs[name]), self.map_inputs[name])
        map_form.addRow(field_label("Wait for a &first appointment", self.wait), self.wait)
        details = QWidget()
        details.setLayout(form)
        resource = QWidget()
        resource.setLayout(map_form)
        self.tabs = QTabWidget()
        self.tabs.addTab(details, "Details")
        self.tabs.addTab(resource, "Resource &map")
        self.form.addRow(self.tabs)  # the base's form, between its message line and OK
        self.layout_.setContentsMargins(20, 20, 20, 20)
        if partner is not None:
            self._load(partner)
        self.fields["name"].setFocus()

    def _load(self, partner: Partner) -> None:
        for name, widget in self.fields.items():
            value = str(getattr(partner, name))
            if isinstance(widget, QLineEdit):
                widget.setText(value)
            else:
                widget.setPlainText(value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(partner.kind)))
        self.discipline.setCurrentIndex(max(0, self.discipline.findData(partner.discipline)))
        for tier, box in self.tiers.items():
            box.setChecked(tier in partner.tiers)
        for age, box in self.ages.items():
            box.setChecked(age in partner.ages)
        for name, edit in self.map_inputs.items():
            edit.setText(str(getattr(partner, name)))
        self.wait.setValue(-1 if partner.wait_days is None else partner.wait_days)

    def values(self) -> dict[str, Any]:
        """What the fields hold, by store field name."""
        values: dict[str, Any] = {
            name: (w.text() if isinstance(w, QLineEdit) else w.toPlainText()).strip()
            for name, w in self.fields.items()}
        values["kind"] = str(self.kind.currentData())
        values["discipline"] = str(self.discipline.currentData())
        values["tiers"] = [t for t, box in self.tiers.items() if box.isChecked()]
        values["ages"] = [a for a, box in self.ages.items() if box.isChecked()]
        values.update({name: edit.text().strip() for name, edit in self.map_inputs.items()})
        values["wait_days"] = None if self.wait.value() < 0 else self.wait.value()
        return values

    def apply(self) -> str:
        """Save (the base shows a refusal and stays open: nothing typed is lost)."""
        values = self.values()
        if not values["name"]:
            raise refused(self, "Give the partner's name.", self.fields["name"])
        store = self._session.store
        if self._partner is None:
            name, discipline = values.pop("name"), values.pop("discipline")
            partner_id = store.add_partner(name, discipline, **values).id
        else:
            store.update_partner(self._partner.id, values)
            partner_id = self._partner.id
        self.saved.emit(partner_id)
        return partner_id


def _boxes(boxes: list[QCheckBox], name: str) -> QWidget:
    """Check boxes side by side (a row of the form)."""
    row = QWidget()
    row.setAccessibleName(name)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for box in boxes:
        layout.addWidget(box)
    layout.addStretch(1)
    return row


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


class PartnersPage(Page):
    """The partner and resource directory with search, filters, Add and Edit."""

    def __init__(self, session: Session, events: SessionEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__("Partners & resources", parent)
        self._session = session
        self.dialog: PartnerDialog | None = None
        intro = muted("Partner agencies and community resources the team refers people to: "
                      "who they are, what they offer and how to reach them.")
        self.search = QLineEdit()
        self.search.setAccessibleName("Search partners")
        self.search.setPlaceholderText("Name, service or contact person")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("&Search")
        search_label.setBuddy(self.search)
        self.discipline = QComboBox()
        self.discipline.setAccessibleName("Discipline filter")
        self.discipline.addItem("All disciplines", "")
        for key in DISCIPLINES:
            self.discipline.addItem(DISCIPLINE_LABELS[key], key)
        discipline_label = QLabel("&Discipline")
        discipline_label.setBuddy(self.discipline)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind filter")
        self.kind.addItem("All kinds", "")
        for key in PARTNER_KINDS:
            self.kind.addItem(KIND_SHORT[key] + "s only", key)
        self.add_button = QPushButton("&Add\u2026")
        self.add_button.setAccessibleName("Add a partner or resource")
        self.edit_button = QPushButton("&Edit\u2026")
        self.edit_button.setAccessibleName("Edit the selected partner")
        writer = session.role in ("officer", "lead")
        self.add_button.setVisible(writer)
        self.edit_button.setVisible(writer)
        self.search.setMinimumWidth(260)
        # Wraps to a second row on a narrow screen instead of cutting the drop-downs.
        filters = flow_row(labelled(search_label, self.search),
                           labelled(discipline_label, self.discipline), self.kind,
                           self.add_button, self.edit_button, spacing=10)
        self.summary = muted("")
        self.summary.setAccessibleName("Directory summary")
        self.message = MessageLabel()

        self.model = PartnerTableModel(parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Partners and resources")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The columns fit the table (fixed widths, 1,240 pixels, scrolled sideways at 1024x768
        # with Wait half shown): kind, wait and the phone number whole (a cut number is of no
        # use at night in a car), then the name (a few words at least) and discipline; the
        # rest share what is left and end in "…" (tooltip whole); Services takes any spare
        # room. Where the number, the name's few words and the headings do not fit,
        # Services, Tiers, then E-mail are hidden (Edit… shows them).
        self.column_fit = ContentColumnFit(self.table, 8, prefer=(1, 4, 6, 0, 2),
                                           least={0: NAME_LEAST, 6: PHONE_LEAST},
                                           drop=(8, 3, 7))

        self.body.addWidget(intro)
        self.body.addLayout(filters)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.message)
        self.body.addWidget(self.table, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.discipline.currentIndexChanged.connect(self.refresh)
        self.kind.currentIndexChanged.connect(self.refresh)
        self.add_button.clicked.connect(self.add_partner)
        self.edit_button.clicked.connect(self.edit_selected)
        self.table.activated.connect(lambda index: self.edit_partner(index.row()))
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        # Read when first shown, and after changes to the directory (Page.watch).
        self.watch(events, lambda summary: "partners" in summary.touched)
        self._update_buttons()

    # -- data -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the directory with the current search and filters."""
        self._timer.stop()
        if tasks.is_busy():
            self.stale = True
            return
        selected = self.selected_partner()
        try:
            partners = self._session.store.partners(
                text=self.search.text().strip(),
                discipline=str(self.discipline.currentData() or "") or None,
                kind=str(self.kind.currentData() or "") or None)
        except Exception as error:
            self.message.show_error(messages.describe(error))
            return
        self.stale = False
        self.message.clear_message()
        self.model.set_partners(partners)
        filtered = bool(self.search.text().strip() or self.discipline.currentData()
                        or self.kind.currentData())
        noun = "entry" if len(partners) == 1 else "entries"
        self.summary.setText(f"{len(partners)} {noun}{' match' if filtered else ''}.")
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()

    def selected_partner(self) -> Partner | None:
        """The entry selected in the table."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.partner(rows[0].row()) if rows else None

    def select(self, partner_id: str) -> None:
        """Select ``partner_id`` if shown."""
        row = self.model.row_of(partner_id)
        if row >= 0:
            self.table.selectRow(row)

    def _update_buttons(self) -> None:
        self.edit_button.setEnabled(self.selected_partner() is not None)

    # -- editing ----------------------------------------------------------------------------
    def add_partner(self) -> PartnerDialog:
        """Open the dialog for a new entry (window-modal, not blocking)."""
        return self._open_dialog(None)

    def edit_selected(self) -> PartnerDialog | None:
        """Open the dialog for the selected entry."""
        partner = self.selected_partner()
        return self._open_dialog(partner) if partner is not None else None

    def edit_partner(self, row: int) -> PartnerDialog | None:
        """Open the dialog for the entry on ``row`` (Enter or double-click)."""
        if not self.edit_button.isVisible() or not 0 <= row < self.model.rowCount():
            return None
        return self._open_dialog(self.model.partner(row))

    def _open_dialog(self, partner: Partner | None) -> PartnerDialog:
        dialog = PartnerDialog(self._session, partner, self)
        dialog.saved.connect(self._saved)
        # A lock keeps what was typed (memory only) and brings the dialog back after the
        # same member unlocks (ui/held.py); built again from the id, re-read then.
        partner_id = partner.id if partner is not None else None
        dialog.reopen_with(lambda session, window: PartnerDialog(
            session, session.store.get_partner(partner_id) if partner_id else None, window))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, partner_id: str) -> None:
        self.refresh()  # the change event did this already unless it was filtered out
        self.select(partner_id)
