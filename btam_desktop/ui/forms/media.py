"""File questions (``text_format`` image, audio, video, file): a "Choose file…" button that
stores the file as an encrypted attachment of the case, and the attached file's name.

The answer is the attachment's id (the engine checks it names an attachment of the case).
The view has no session: the host (the form window) gives it an :class:`AttachmentSource`,
which adds a file to the case through the store (one ``Operation``, audited, with the
store's 200 MB limit checked before the file is read) and knows the case's file names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.forms import Field
from btam_desktop.ui.forms.inputs import FieldEditor, box_layout

if TYPE_CHECKING:
    from btam_desktop.core.session import Session

__all__ = ["AttachmentSource", "MediaEditor", "case_attachments"]

NO_FILE = "No file attached"
# What the file dialog offers first for each kind (every file can still be chosen).
_FILTERS = {
    "image": "Images (*.jpg *.jpeg *.png *.gif *.bmp *.tif *.tiff *.heic *.webp)",
    "audio": "Audio (*.mp3 *.m4a *.wav *.ogg *.aac *.flac *.amr)",
    "video": "Video (*.mp4 *.mov *.avi *.mkv *.webm *.3gp)",
}


@dataclass
class AttachmentSource:
    """The case's attachments as a form sees them: ``names`` (id -> file name, read when
    first needed, so a form without file questions costs nothing) and ``add`` (store a file,
    return its id and name; raises the store's error when it cannot)."""

    load: Callable[[], dict[str, str]] | None = None
    add: Callable[[Path], tuple[str, str]] | None = None
    _names: dict[str, str] | None = field(default=None, repr=False)

    @property
    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = self.load() if self.load is not None else {}
        return self._names


def case_attachments(session: Session, case_id: str) -> AttachmentSource:
    """The attachment source of one case: files go into the vault through the store."""
    from btam_desktop.core.store import read_attachment_file

    source = AttachmentSource(
        lambda: {a.id: a.filename for a in session.store.attachments(case_id)})

    def add(path: Path) -> tuple[str, str]:
        content = read_attachment_file(path)  # size checked before anything is read
        attachment = session.store.add_attachment(case_id, path.name, content,
                                                  description="Added from a form")
        source.names[attachment.id] = attachment.filename
        return attachment.id, attachment.filename

    source.add = add
    return source


class MediaEditor(FieldEditor):
    """A file question: the attached file's name, "Choose file…" and "Remove"."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        layout = box_layout(self)
        self.name_label = QLabel(NO_FILE, self)
        self.name_label.setObjectName("mediaName")
        self.choose_button = QPushButton("Choose file\u2026", self)
        self.choose_button.setToolTip("Attach a file to the case (kept encrypted in the vault) "
                                      "as the answer to this question")
        self.choose_button.clicked.connect(self.choose)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Answer without a file (the file stays attached to the "
                                      "case)")
        self.remove_button.clicked.connect(self.clear)
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.name_label, 1)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.remove_button)
        layout.addWidget(self.error_label, 1)
        self._id: str | None = None
        self._update()

    # -- where files go -------------------------------------------------------------------
    def source(self) -> AttachmentSource | None:
        """The attachment source of the form view this editor is in (set by the host)."""
        widget = self.parentWidget()
        while widget is not None:
            found = getattr(widget, "attachment_source", None)
            if isinstance(found, AttachmentSource):
                return found
            widget = widget.parentWidget()
        return None

    def choose(self) -> None:
        """Ask for a file, then attach it."""
        kind = self.field.text_format or "file"
        filters = ";;".join([*([_FILTERS[kind]] if kind in _FILTERS else []), "All files (*)"])
        path, _ = QFileDialog.getOpenFileName(self, f"Attach a file \u2014 {self.field.label}",
                                              "", filters)
        if path:
            self.attach_file(Path(path))

    def attach_file(self, path: Path) -> bool:
        """Store ``path`` as an attachment of the case and answer with it (emits
        ``changed``); False, with the reason shown, when it cannot be stored."""
        source = self.source()
        if source is None or source.add is None:
            self._error("Files can be attached only to a form of a case.")
            return False
        try:
            attachment_id, _name = source.add(path)
        except BtamError as error:
            self._error(str(error))
            return False
        self._error("")
        self._id = attachment_id
        self._update()
        self._edited()
        return True

    def _error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- FieldEditor ----------------------------------------------------------------------
    def value(self) -> Any:
        return self._id

    def _show(self, value: Any) -> None:
        self._id = value if isinstance(value, str) and value else None
        self._update()

    def refresh(self) -> None:
        """Show the file name again (the host gave the view its attachment source)."""
        self._update()

    def _update(self) -> None:
        if self._id is None:
            text = NO_FILE
        else:
            source = self.source()
            name = source.names.get(self._id) if source is not None else None
            text = name if name is not None else "Attached file (not on this case)"
        self.name_label.setText(text)
        self.name_label.setToolTip(f"Attachment {self._id}" if self._id else "")
        self.remove_button.setVisible(self._id is not None and not self._read_only)

    def _apply_read_only(self, read_only: bool) -> None:
        self.choose_button.setVisible(not read_only)
        self._update()

    def focus_target(self) -> QWidget:
        return self.choose_button if not self._read_only else self.name_label
