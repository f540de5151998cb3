"""What every tab of the case view shares: reading through the core, refreshing when shown,
showing core errors in words, and tables and buttons set up the same way.

A tab holds its case's records only in its models; :meth:`CaseTab.teardown` empties them, and
the main window's deletion on lock deletes the tab itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.errors import BtamError
from btam_desktop.core.session import Session
from btam_desktop.ui import messages
from btam_desktop.ui.case.dialog_base import RecordDialog
from btam_desktop.ui.flow import FlowLayout
from btam_desktop.ui.models.records import RECORD_ROLE, RecordTableModel
from btam_desktop.ui.widgets import MessageLabel

ROW_HEIGHT = 34  # generous: read at arm's length, tapped with gloves


def can_write(session: Session) -> bool:
    """Analysts read case files; officers and leads change them."""
    return session.role in ("officer", "lead")


def make_table(model: QAbstractItemModel, name: str, *, sortable: bool = True,
               stretch: int | None = None) -> QTableView:
    """A read-only, row-selecting table for a tab; column ``stretch`` (else the last) takes
    the width the others leave, so a laptop screen needs no sideways scrolling."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrow keys move inside it
    # No sort indicator until the officer clicks a header: the records come in their own
    # meaningful order (chronological, open tasks first), which an arrow must not misstate.
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSortingEnabled(sortable)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def button(text: str, tip: str, slot: Callable[[], Any], *, name: str = "") -> QPushButton:
    """A push button whose tooltip says what it does (and its shortcut, if any)."""
    widget = QPushButton(text)
    widget.setToolTip(tip)
    widget.setAccessibleName(name or text.replace("&", "").rstrip("\u2026."))
    widget.clicked.connect(lambda _checked=False: slot())
    return widget


class CaseTab(QWidget):
    """A tab about one case; subclasses build their widgets and implement :meth:`load`."""

    title = ""  # tab label (with mnemonic)

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.stale = True
        self.setAccessibleName(self.title.replace("&&", "\x00").replace("&", "")
                               .replace("\x00", "&"))
        self.message = MessageLabel()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 10, 0, 0)
        self.layout_.setSpacing(10)
        # Wraps to a second row on a narrow screen instead of cutting the button texts.
        self.buttons = FlowLayout(spacing=8)

    def add_buttons(self) -> None:
        """Put the button row (filled by the subclass) under the content."""
        self.layout_.addLayout(self.buttons)
        self.layout_.addWidget(self.message)

    def refresh(self) -> None:
        """Re-read the case's records (errors are shown in the tab, never raised)."""
        try:
            self.load()
        except (BtamError, OSError) as error:
            self.message.show_error(messages.describe(error))
            return
        self.stale = False

    def load(self) -> None:
        """Read the records and fill the models."""

    def teardown(self) -> None:
        """Empty the models (the tab is deleted with the window right after)."""
        for model in self.findChildren(RecordTableModel):
            model.clear()

    def open_dialog(self, dialog: RecordDialog, after: Callable[[Any], None] | None = None
                    ) -> RecordDialog:
        """Open ``dialog`` window-modal (never exec: a lock may delete the window)."""
        if after is not None:
            dialog.applied.connect(after)
        dialog.open()
        return dialog

    def run(self, action: Callable[[], Any], done: str = "") -> bool:
        """Do a core call; show its refusal in the tab. True when it worked."""
        try:
            action()
        except (BtamError, OSError, ValueError) as error:
            self.message.show_error(messages.describe(error))
            return False
        if done:
            self.message.show_message(done, "ok")
        else:
            self.message.clear_message()
        return True

    @staticmethod
    def selected(table: QTableView) -> Any:
        """The record of the table's current row, or None."""
        index: QModelIndex = table.currentIndex()
        if not index.isValid() or not table.selectionModel().isRowSelected(index.row()):
            return None
        return index.data(RECORD_ROLE)


def confirm(parent: QWidget, title: str, text: str, yes_text: str,
            on_yes: Callable[[], Any]) -> QMessageBox:
    """Ask a yes/cancel question window-modally (``open()``, never ``exec()``); Cancel is the
    default, so a stray Enter changes nothing."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    yes = box.button(QMessageBox.StandardButton.Yes)
    yes.setText(yes_text)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    yes.clicked.connect(lambda _checked=False: on_yes())
    box.open()
    return box


def connect_activation(table: QTableView, slot: Callable[[], Any]) -> None:
    """Enter or a double-click on a row runs ``slot``."""
    table.activated.connect(lambda _index: slot())


def select_first(table: QTableView) -> None:
    """Select the first row, if any (keyboard users start on a record)."""
    if table.model().rowCount() and not table.currentIndex().isValid():
        table.setCurrentIndex(table.model().index(0, 0))



