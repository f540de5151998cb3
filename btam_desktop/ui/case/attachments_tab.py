"""The Attachments tab: files kept encrypted inside the vault; one is written out only when
the officer asks for it, to a place they choose, and the export is audited."""

from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from btam_desktop.core.dissemination import Dissemination, Release
from btam_desktop.core.model import Attachment
from btam_desktop.core.session import Session
from btam_desktop.core.store import read_attachment_file
from btam_desktop.ui import tasks
from btam_desktop.ui.case.labels import show_datetime, size_text
from btam_desktop.ui.case.tab_base import (
    CaseTab,
    button,
    can_write,
    connect_activation,
    make_table,
    select_first,
)
from btam_desktop.ui.column_fit import ContentColumnFit
from btam_desktop.ui.models.records import Column, RecordTableModel
from btam_desktop.ui.pdf.paths import default_folder, unique_path
from btam_desktop.ui.pdf.release import ReleaseChoice, ReleaseDialog

COLUMNS: tuple[Column[Attachment], ...] = (
    Column("File", lambda a: a.filename),
    Column("Type", lambda a: a.media_type),
    Column("Size", lambda a: size_text(a.size), sort_key=lambda a: a.size),
    Column("Added", lambda a: show_datetime(a.added_at), sort_key=lambda a: a.added_at),
    Column("Description", lambda a: a.description),
)
EXPORT_WARNING = ("The exported copy is not encrypted: keep it on an encrypted drive and "
                  "delete it when it is no longer needed.")


class AttachmentsTab(CaseTab):
    """Files attached to the case."""

    title = "Attach&ments"

    def __init__(self, session: Session, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, case_id, parent)
        self.model: RecordTableModel[Attachment] = RecordTableModel(COLUMNS, parent=self)
        self.table = make_table(self.model, "Attachments")
        # The columns fit the tab's width (fixed widths scrolled sideways at 1024x768): size
        # and time whole, the type next; file name and description share the rest.
        self.column_fit = ContentColumnFit(self.table, 4, whole=(2, 3), prefer=(1,))
        self.layout_.addWidget(self.table, 1)
        self.add_button = button("&Add file\u2026", "Attach a file; it is stored encrypted "
                                 "inside the vault", self.choose_file)
        self.add_button.setEnabled(can_write(session))
        self.export_button = button("&Export\u2026", "Write the selected file out to a "
                                    "place you choose (Enter)", self.choose_export)
        connect_activation(self.table, self.choose_export)
        self.buttons.addWidget(self.add_button)
        self.buttons.addWidget(self.export_button)
        self.add_buttons()
        self.file_dialog: QFileDialog | None = None
        self.export_dialog: ReleaseDialog | None = None

    def load(self) -> None:
        self.model.set_records(self.session.store.attachments(self.case_id))
        select_first(self.table)

    # -- adding ---------------------------------------------------------------------------
    def choose_file(self) -> QFileDialog:
        """Ask which file to attach (a window-modal file dialog, opened with open())."""
        dialog = self._file_dialog("Attach a file", QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.add_file(Path(path)))
        dialog.open()
        return dialog

    def add_file(self, path: Path) -> bool:
        """Store ``path`` in the vault as an attachment of this case."""
        def attach() -> None:
            # The core's reader refuses a pipe (which would block this UI thread for ever)
            # or a device unread, and bounds the read of a regular file that grows.
            self.session.store.add_attachment(self.case_id, path.name,
                                              read_attachment_file(path))

        return self.run(attach, f"{path.name} attached (stored encrypted in the vault).")

    # -- exporting ------------------------------------------------------------------------
    def choose_export(self) -> ReleaseDialog | None:
        """Ask to whom, why, on what legal basis (or consent) and where the selected file goes:
        an attachment leaves the vault like any other export, recorded in the dissemination
        log."""
        chosen = self.selected(self.table)
        if chosen is None:
            self.message.show_message("Select a file first.", "info")
            return None
        attachment: Attachment = chosen

        def work(choice: ReleaseChoice, _progress: tasks.Progress) -> Dissemination | None:
            return self.export_to(attachment, choice.target, choice.release,
                                  replace=choice.replace)

        dialog = ReleaseDialog(
            self.session, self.window(), title=f"Export attachment \u2014 {attachment.filename}",
            intro=f"The file \u201c{attachment.filename}\u201d ({size_text(attachment.size)}), "
                  "written out exactly as it is stored. What you enter here is kept in the "
                  "case's dissemination log.",
            work=work, job_title="Exporting the attachment",
            job_label=f"Writing \u201c{attachment.filename}\u201d\u2026",
            suggested=unique_path(default_folder() / attachment.filename), redaction=False)
        dialog.succeeded.connect(lambda _result: self.message.show_message(
            f"Saved to {dialog.output.path()}. Recorded in the case's dissemination log "
            f"(History & audit). {EXPORT_WARNING}", "ok"))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def export_to(self, attachment: Attachment, path: Path, release: Release, *,
                  replace: bool = False) -> Dissemination | None:
        """Write ``attachment`` to ``path`` and record it in the dissemination log (the core
        does both as one unit). An existing file is replaced only when ``replace`` says the
        officer chose to (the save dialog asked them)."""
        if path.exists() and not replace:
            raise FileExistsError(errno.EEXIST, "a file of that name exists already",
                                  str(path))
        return self.session.store.export_attachment(attachment.id, path, release)

    def _file_dialog(self, title: str, mode: QFileDialog.AcceptMode) -> QFileDialog:
        dialog = QFileDialog(self.window(), title)
        dialog.setAcceptMode(mode)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setDirectory(str(Path.home()))
        self.file_dialog = dialog
        return dialog
