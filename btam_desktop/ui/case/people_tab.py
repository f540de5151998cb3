"""The People tab: who is on the case and in what role; add (new or found), edit, unlink."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from btam_desktop.core.model import CasePerson
from btam_desktop.core.session import Session
from btam_desktop.ui import keys
from btam_desktop.ui.case.labels import role_label
from btam_desktop.ui.case.person_dialogs import AddPersonDialog, EditPersonDialog
from btam_desktop.ui.case.tab_base import (
    CaseTab,
    button,
    can_write,
    confirm,
    connect_activation,
    make_table,
    select_first,
)
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import Column, RecordTableModel

COLUMNS: tuple[Column[CasePerson], ...] = (
    Column("Name", lambda p: p.person.display_name),
    Column("Role", lambda p: role_label(p.role)),
    Column("Aliases", lambda p: ", ".join(p.person.aliases)),
    Column("Born", lambda p: p.person.date_of_birth or ""),
    Column("Phone", lambda p: p.person.phone),
    Column("E-mail", lambda p: p.person.email),
)


class PeopleTab(CaseTab):
    """Persons and their roles on the case."""

    title = "&People"

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, case_id, parent)
        self.model: RecordTableModel[CasePerson] = RecordTableModel(COLUMNS, parent=self)
        self.table = make_table(self.model, "People on this case")
        # The columns fit the tab's width (fixed widths, 840 pixels, scrolled sideways at
        # 1024x768): names and roles whole first, long texts end in "…" (tooltip whole).
        self.column_fit = ContentColumnFit(self.table, 4, prefer=(0, 1))
        connect_activation(self.table, self.edit_person)
        self.layout_.addWidget(self.table, 1)
        writable = can_write(session)
        self.add_button = button("&Add person\u2026", keys.ADD_PERSON.hint(
            "Add someone to this case: a person already in the vault, or a new one"),
            self.add_person)
        # An action, not the button's shortcut: that replaced its Alt+A.
        self.edit_button = button("Edit &details\u2026", "Change the selected person's "
                                  "details (Enter)", self.edit_person)
        self.unlink_button = button("Rem&ove from case\u2026", "Take the selected person off "
                                    "this case; they stay in the vault", self.unlink_person)
        for widget in (self.add_button, self.edit_button, self.unlink_button):
            widget.setEnabled(writable)
            self.buttons.addWidget(widget)
        self.add_buttons()

    def load(self) -> None:
        self.model.set_records(self.session.store.case_persons(self.case_id))
        select_first(self.table)

    def add_person(self) -> None:
        """Open the add-person dialog."""
        self.open_dialog(AddPersonDialog(self.session, self.case_id, self.window()),
                         lambda _link: self.message.show_message("Person added.", "ok"))

    def edit_person(self) -> None:
        """Edit the selected person."""
        chosen = self.selected(self.table)
        if chosen is None:
            self.message.show_message("Select a person first.", "info")
            return
        if not can_write(self.session):
            return
        self.open_dialog(EditPersonDialog(self.session, chosen.person, self.window()))

    def unlink_person(self) -> None:
        """Ask, then remove the selected person's role on this case."""
        chosen = self.selected(self.table)
        if chosen is None:
            self.message.show_message("Select a person first.", "info")
            return
        confirm(self.window(), "Remove from case",
                f"Remove {chosen.person.display_name} ({role_label(chosen.role)}) from this "
                "case? They stay in the vault and on other cases.", "Remove",
                lambda: self.run(lambda: self.session.store.unlink_person(chosen.link_id),
                                 f"{chosen.person.display_name} removed from the case."))
