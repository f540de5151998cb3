"""Where a PDF goes: suggested file names, and a path field with a "Browse…" button.

The path is typed or chosen in a (non-native) file dialog opened with ``open()``, never
``exec()``: a lock deletes the main window and everything under it, and a nested event loop
would then return into deleted widgets. Tests set the path in the field directly.

File names carry the case number and the form id, never a name or a title: a file name is
visible in mail programs, on USB sticks and in "recent files" lists, where case content must
not appear.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget
from shiboken6 import isValid

PDF_FILTER = "PDF documents (*.pdf)"
SAVE, OPEN, FOLDER = "save", "open", "folder"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

# The folder last chosen in this run. Deliberately not saved between runs: the name of a
# folder ("To Northgate High") can say who received a copy, and the dissemination log is the
# place for that, not the desktop's settings file.
_last_folder: Path | None = None


def safe_part(text: str, fallback: str = "case") -> str:
    """``text`` as a piece of a file name: letters, digits, dot, dash, underscore."""
    cleaned = _UNSAFE.sub("-", text).strip("-.")
    return cleaned or fallback


def default_folder() -> Path:
    """The folder last used in this run, else Documents, else the home folder."""
    if _last_folder is not None and _last_folder.is_dir():
        return _last_folder
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def remember_folder(folder: Path) -> None:
    """Start the next file dialog in ``folder`` (this run only)."""
    global _last_folder
    if folder.is_dir():
        _last_folder = folder


def unique_path(path: Path) -> Path:
    """``path``, or ``name-2.pdf``, ``name-3.pdf``… if that file exists already."""
    if not path.exists():
        return path
    number = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        if not candidate.exists():
            return candidate
        number += 1


def as_pdf(path: Path) -> Path:
    """``path`` ending in ``.pdf`` (added when the officer typed a bare name). A path without
    a name ("/", ".") is returned as it is: it names a folder, which the checks then say."""
    if not path.name or path.suffix.lower() == ".pdf":
        return path
    return path.with_name(path.name + ".pdf")


def expand(text: str) -> Path:
    """``text`` as a path, ``~`` expanded where it can be (``~someone`` unknown: as typed)."""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:  # no such user, or no home folder to expand to
        return path


class PathField(QWidget):
    """A file or folder path: a text field and "Browse…" (a file dialog, opened with open()).

    ``mode``: ``SAVE`` a new PDF, ``OPEN`` an existing PDF, ``FOLDER`` an existing folder.
    ``changed`` carries the text whenever it changes. A file picked in the save dialog was
    confirmed there if it existed (the dialog asks); :meth:`replace_confirmed` says so.
    """

    changed = Signal(str)

    def __init__(self, mode: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if mode not in (SAVE, OPEN, FOLDER):
            raise ValueError(f"unknown path mode {mode!r}")
        self.mode = mode
        self.caption = caption
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self.browse_button = QPushButton("&Browse\u2026")
        self.browse_button.setAccessibleName(f"Browse: {caption}")
        self.browse_button.setToolTip("Choose in a file dialog")
        self.browse_button.clicked.connect(lambda _checked=False: self.browse())
        self.file_dialog: QFileDialog | None = None
        self._confirmed: Path | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse_button)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self.changed)

    def setAccessibleName(self, name: str) -> None:
        """Name the text field for screen readers too."""
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)

    def text(self) -> str:
        """What the field says, trimmed."""
        return self.edit.text().strip()

    def path(self) -> Path | None:
        """The path given (``~`` expanded; a file to save gets ``.pdf``), or None when empty.
        A file to open is taken exactly as named."""
        text = self.text()
        if not text:
            return None
        path = expand(text)
        return as_pdf(path) if self.mode == SAVE else path

    def problem(self) -> str:
        """Why the path cannot be used, in words ("" when it can). Never raises: the officer
        may type anything, and half a path is only "not yet"."""
        path = self.path()
        if path is None:
            return {FOLDER: "Choose the folder for the PDFs.",
                    OPEN: "Choose the PDF to open."}.get(self.mode, "Choose where to save "
                                                                   "the PDF.")
        try:
            return self._problem(path)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or "it cannot be used as a file name"
            return f"{self.text()} cannot be used: {reason}."

    def _problem(self, path: Path) -> str:
        if "\0" in str(path):
            raise ValueError("embedded null character")
        if self.mode == FOLDER:
            return "" if path.is_dir() else f"There is no folder {path}."
        if self.mode == OPEN:
            return "" if path.is_file() else f"There is no file {path}."
        if path.is_dir():
            return f"{path} is a folder: add a file name."
        if not path.parent.is_dir():
            return f"There is no folder {path.parent}."
        if path.exists() and not self.replace_confirmed():
            return (f"{path.name} already exists there. Choose another name, or pick it "
                    "with Browse\u2026 to replace it.")
        return ""

    def set_path(self, path: Path | str) -> None:
        """Show ``path`` in the field."""
        self.edit.setText(str(path))

    def replace_confirmed(self) -> bool:
        """True when the officer chose to replace this existing file in the save dialog."""
        return self._confirmed is not None and self._confirmed == self.path()

    def browse(self) -> QFileDialog:
        """Open the file dialog (window-modal, non-blocking); the choice fills the field."""
        if self.file_dialog is not None and isValid(self.file_dialog):
            self.file_dialog.raise_()
            return self.file_dialog
        dialog = QFileDialog(self.window(), self.caption)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Qt's own dialog: the same on every desktop, and it honours open() everywhere.
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        current = self.path()
        if self.mode == FOLDER:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
            dialog.setDirectory(str(current if current and current.is_dir()
                                    else default_folder()))
        else:
            dialog.setNameFilter(PDF_FILTER)
            folder = current.parent if current and current.parent.is_dir() else default_folder()
            dialog.setDirectory(str(folder))
            if self.mode == SAVE:
                dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
                dialog.setDefaultSuffix("pdf")
                if current is not None:
                    dialog.selectFile(current.name)
            else:
                dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self._chosen)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _chosen(self, text: str) -> None:
        path = Path(text)
        remember_folder(path if self.mode == FOLDER else path.parent)
        self.set_path(path)
        # Qt's save dialog asked "replace it?" already when the file existed.
        self._confirmed = as_pdf(path) if self.mode == SAVE and path.exists() else None
