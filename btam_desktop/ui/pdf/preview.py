"""Looking at a PDF before it is saved, where Qt can show one.

PySide6-Essentials (what BTAM Desktop ships with) has no QtPdf module; the full PySide6
distribution has it. :func:`preview_available` tells which one is installed, and the export
dialogs offer "Preview…" only when it is: without it the confirmation after the export says
how many pages the file has and how big it is, so the officer still knows what went out.

QtPdf is loaded by name at run time (``importlib``): importing it at the top would break
the app, and type-checking, where only PySide6-Essentials is installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from btam_desktop.ui.dialog import AppDialog

__all__ = ["PreviewDialog", "preview_available", "size_text"]


def preview_available() -> bool:
    """True when Qt's PDF modules (QtPdf and QtPdfWidgets) are installed."""
    try:
        return all(importlib.util.find_spec(name) is not None
                   for name in ("PySide6.QtPdf", "PySide6.QtPdfWidgets"))
    except (ImportError, ValueError):
        return False


def size_text(size: int) -> str:
    """"48 KB", "1.3 MB" (what an officer compares with a mail size limit)."""
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1_000_000:.1f} MB"


class PreviewDialog(AppDialog):
    """The rendered pages, read-only, before anything is written (needs QtPdf).

    The bytes live in memory only (a QBuffer): a preview never leaves a file behind.
    """

    def __init__(self, data: bytes, pages: int, title: str, parent: QWidget) -> None:
        super().__init__(f"Preview: {title}", parent, accessible_name=f"Preview of {title}")
        # A page's width and most of its height; shown no larger than the screen (taller
        # than a 768-pixel laptop screen before), the pages scroll.
        self.resize(820, 900)
        qtpdf: Any = importlib.import_module("PySide6.QtPdf")
        widgets: Any = importlib.import_module("PySide6.QtPdfWidgets")
        self._bytes = QByteArray(data)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document: Any = qtpdf.QPdfDocument(self)
        self.document.load(self._buffer)
        self.view: Any = widgets.QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(widgets.QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(widgets.QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName("Pages")
        note = QLabel(f"{pages} page{'' if pages == 1 else 's'}, {size_text(len(data))}. "
                      "Nothing has been saved yet: close the preview, then press Export.")
        note.setWordWrap(True)
        note.setProperty("muted", True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
