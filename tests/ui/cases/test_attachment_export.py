"""Exporting an attachment asks for recipient, purpose and legal basis (or consent), like a
PDF export, and records the copy in the case's dissemination log (issue 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from btam_desktop.core import dissemination
from btam_desktop.core.session import Session
from btam_desktop.ui.case.attachments_tab import AttachmentsTab
from btam_desktop.ui.pdf.release import ReleaseDialog
from tests.ui.cases.conftest import CasesApp

RECIPIENT = "J. Okafor, Northgate High counsellor"
PURPOSE = "Safety plan at school"
BASIS = "Written consent of parent, signed 2026-03-02"
CONTENT = b"\x89PNG fake image bytes"
TIMEOUT = 15_000


def session_of(app: CasesApp) -> Session:
    session = app.controller.session
    assert session is not None
    return session


def attachments_tab(app: CasesApp) -> AttachmentsTab:
    session_of(app).store.add_attachment(app.seeded.school, "screenshot of post.png", CONTENT)
    view = app.page.open_case(app.seeded.school)
    assert view is not None
    tab = view.show_tab(AttachmentsTab)
    assert isinstance(tab, AttachmentsTab)
    assert tab.model.rowCount() == 1
    tab.table.selectRow(0)
    return tab


def open_export(tab: AttachmentsTab) -> ReleaseDialog:
    dialog = tab.choose_export()
    assert isinstance(dialog, ReleaseDialog) and dialog.isVisible()
    return dialog


def fill(qtbot: QtBot, dialog: ReleaseDialog, target: Path, *, recipient: str = RECIPIENT
         ) -> None:
    if recipient:
        qtbot.keyClicks(dialog.recipient, recipient)
    qtbot.keyClicks(dialog.purpose, PURPOSE)
    qtbot.keyClicks(dialog.legal_basis, BASIS)
    dialog.output.set_path(target)


def test_attachment_export_is_recorded_in_the_dissemination_log(
        qtbot: QtBot, cases_app: CasesApp, tmp_path: Path) -> None:
    app = cases_app
    tab = attachments_tab(app)
    dialog = open_export(tab)
    # No redaction profile for a file written out as it is stored.
    assert dialog.profile.isHidden() and dialog.profile_about.isHidden()
    assert dialog.output.caption == "Save the file as"
    target = tmp_path / "copy.png"  # kept as named: no ".pdf" added
    fill(qtbot, dialog, target)
    assert dialog.problems() == []
    with qtbot.waitSignal(dialog.succeeded, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == CONTENT
    log = dissemination.for_case(session_of(app), app.seeded.school)
    assert len(log) == 1
    record = log[0]
    assert (record.recipient, record.purpose, record.legal_basis) == (RECIPIENT, PURPOSE, BASIS)
    assert record.what == "attachment" and record.filename == "copy.png"
    qtbot.waitUntil(lambda: "dissemination log" in tab.message.text(), timeout=TIMEOUT)
    assert "not encrypted" in tab.message.text()


def test_attachment_export_without_recipient_is_refused_inline(
        qtbot: QtBot, cases_app: CasesApp, tmp_path: Path) -> None:
    app = cases_app
    tab = attachments_tab(app)
    dialog = open_export(tab)
    target = tmp_path / "copy.png"
    fill(qtbot, dialog, target, recipient="")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.job is None
    assert "recipient" in dialog.message.text().lower()
    assert dialog.message.kind == "error"
    assert dialog.recipient.hasFocus() or dialog.focusWidget() is dialog.recipient
    assert not target.exists()
    assert dissemination.for_case(session_of(app), app.seeded.school) == []


def test_attachment_export_replaces_a_file_only_when_confirmed(
        qtbot: QtBot, cases_app: CasesApp, tmp_path: Path) -> None:
    app = cases_app
    tab = attachments_tab(app)
    dialog = open_export(tab)
    target = tmp_path / "copy.png"
    target.write_bytes(b"older file")
    fill(qtbot, dialog, target)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "already exists" in dialog.message.text()
    assert target.read_bytes() == b"older file"
    # Picked in the save dialog, which asked "replace it?" itself: replaced.
    browse = dialog.output.browse()
    assert isinstance(browse, QFileDialog)
    assert browse.defaultSuffix() == ""
    # (Qt's own "replace it?" box is modal: stand in for the officer answering Yes.)
    browse.fileSelected.emit(str(target))
    browse.reject()
    assert dialog.output.replace_confirmed()
    with qtbot.waitSignal(dialog.succeeded, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == CONTENT
    assert len(dissemination.for_case(session_of(app), app.seeded.school)) == 1


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="a character device")
def test_attaching_a_device_is_refused_unread(qtbot: QtBot, cases_app: CasesApp,
                                              tmp_path: Path) -> None:
    """Found in the hostile-file walk: Attach a file… read the chosen file whole on the UI
    thread after a stat() check: a photo.jpg linked to /dev/zero (a share can hold one)
    passed the 200 MB check (stat says 0) and was read until memory ran out, the window
    frozen meanwhile (a named pipe froze it for good, so it could not even lock)."""
    tab = attachments_tab(cases_app)
    photo = tmp_path / "photo.jpg"
    photo.symlink_to("/dev/zero")
    assert tab.add_file(photo) is False
    assert "not a regular file" in tab.message.text()
    assert tab.model.rowCount() == 1
    assert len(session_of(cases_app).store.attachments(cases_app.seeded.school)) == 1
