"""Help › About: the version (the one number, ``btam_desktop.__version__``, which
``btam --version`` prints too), and every bundled library and font with its licence
(:mod:`btam_desktop.core.licences`); the licence text of the selected row below the table."""

from __future__ import annotations

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from btam_desktop import __version__
from btam_desktop.core.licences import Component, components
from btam_desktop.ui.dialog import AppDialog

KINDS = {"application": "Application", "runtime": "Runtime", "library": "Library",
         "font": "Font"}


class AboutDialog(AppDialog):
    """Version and licences; read-only, closed with Close or Esc (deleted when closed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("About BTAM Desktop", parent)
        self.components: list[Component] = components()
        self.version_label = QLabel(f"<b>BTAM Desktop {__version__}</b>")
        self.version_label.setTextFormat(Qt.TextFormat.RichText)
        self.version_label.setAccessibleName(f"BTAM Desktop version {__version__}")
        blurb = QLabel("Offline, encrypted case files and assessment forms for behavioral "
                       f"threat assessment teams. Qt {qVersion()}.\nIt bundles the libraries "
                       "and fonts below, each under its own licence.")
        blurb.setWordWrap(True)
        self.table = QTableWidget(len(self.components), 4)
        self.table.setHorizontalHeaderLabels(["Component", "Kind", "Version", "Licence"])
        self.table.setAccessibleName("Bundled components and their licences")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for row, part in enumerate(self.components):
            for column, text in enumerate((part.name, KINDS[part.kind], part.version,
                                           part.licence)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.licence_text = QPlainTextEdit()
        self.licence_text.setReadOnly(True)
        self.licence_text.setAccessibleName("Licence text of the selected component")
        self.licence_text.setPlaceholderText("Select a component to read its licence text.")
        self.table.currentCellChanged.connect(self._show_licence)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.version_label)
        layout.addWidget(blurb)
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel("Licence text:"))
        layout.addWidget(self.licence_text, 2)
        layout.addWidget(buttons)
        self.resize(760, 620)

    def select(self, name: str) -> None:
        """Select the row of the component called ``name`` (for keyboard users and tests)."""
        for row, part in enumerate(self.components):
            if part.name == name:
                self.table.setCurrentCell(row, 0)
                return
        raise KeyError(name)

    def _show_licence(self, row: int, *_: int) -> None:
        if not 0 <= row < len(self.components):
            self.licence_text.clear()
            return
        part = self.components[row]
        self.licence_text.setPlainText(
            part.text or f"{part.name} is used under: {part.licence}. No licence text is "
                         "shipped with it; its licence name is from its package metadata.")
