"""The "Save as" field of the PDF dialogs, typed by keyboard: any text is fine while typing
(a half-typed path is not an error), a path that cannot be used gets a plain inline message,
and Enter exports rather than opening Browse."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from btam_desktop.ui.pdf.forms import BlankFormDialog
from btam_desktop.ui.pdf.paths import SAVE, PathField
from btam_desktop.ui.pdf.release import ReleaseDialog
from tests.ui.pdf.test_pdf_dialogs import (
    BASIS,
    PURPOSE,
    RECIPIENT,
    TIMEOUT,
    CasesApp,
    open_case,
)


def release_dialog(qtbot: QtBot, app: CasesApp) -> ReleaseDialog:
    view = open_case(app, app.seeded.school)
    dialog = view.export_case_report()
    assert dialog is not None
    qtbot.keyClicks(dialog.recipient, RECIPIENT)
    qtbot.keyClicks(dialog.purpose, PURPOSE)
    qtbot.keyClicks(dialog.legal_basis, BASIS)
    dialog.set_profile("none")
    return dialog


def type_path(qtbot: QtBot, field: PathField, text: str) -> None:
    """Empty the field and type ``text`` key by key, as the officer does."""
    field.edit.setFocus(Qt.FocusReason.TabFocusReason)
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(field.edit, text)


def test_typing_a_path_is_never_an_error(qtbot: QtBot, cases_app: CasesApp,
                                         tmp_path: Path) -> None:
    dialog = release_dialog(qtbot, cases_app)
    # Every prefix of this is checked as it is typed: "/", "/t", ... and "~", "~/", ".".
    for text in (f"{tmp_path}/out/report", "~nobody-such/x", "./", "~/"):
        type_path(qtbot, dialog.output, text)
    type_path(qtbot, dialog.output, "/")
    assert dialog.output.text() == "/"
    assert dialog.message.isVisible() and "/ is a folder" in dialog.message.text()
    type_path(qtbot, dialog.output, f"{tmp_path}/missing/report")
    assert f"There is no folder {tmp_path}/missing" in dialog.message.text()
    type_path(qtbot, dialog.output, "~nobody-such/x")
    assert "There is no folder ~nobody-such" in dialog.message.text()
    # Nothing of what was typed elsewhere is lost, and nothing was written.
    assert dialog.recipient.text() == RECIPIENT
    assert not (tmp_path / "out").exists()
    dialog.reject()


def test_enter_in_save_as_exports_and_does_not_browse(qtbot: QtBot, cases_app: CasesApp,
                                                      tmp_path: Path) -> None:
    dialog = release_dialog(qtbot, cases_app)
    type_path(qtbot, dialog.output, f"{tmp_path}/report")
    assert not dialog.message.isVisible()
    with qtbot.waitSignal(dialog.succeeded, timeout=TIMEOUT):
        qtbot.keyClick(dialog.output.edit, Qt.Key.Key_Return)
    assert dialog.output.file_dialog is None  # Browse was not opened
    assert (tmp_path / "report.pdf").is_file()


def test_enter_on_an_unusable_path_says_why_and_does_not_browse(
    qtbot: QtBot, cases_app: CasesApp, tmp_path: Path
) -> None:
    dialog = release_dialog(qtbot, cases_app)
    type_path(qtbot, dialog.output, f"{tmp_path}/missing/report")
    qtbot.keyClick(dialog.output.edit, Qt.Key.Key_Return)
    assert dialog.output.file_dialog is None
    assert dialog.job is None and dialog.isVisible()
    assert dialog.message.kind == "error"
    assert "There is no folder" in dialog.message.text()
    dialog.reject()


def test_blank_form_save_as_takes_any_typed_text(qtbot: QtBot, cases_app: CasesApp,
                                                 tmp_path: Path) -> None:
    dialog = BlankFormDialog(cases_app.controller.session, cases_app.main)  # type: ignore[arg-type]
    dialog.open()
    qtbot.waitExposed(dialog)
    type_path(qtbot, dialog.output, "/")
    dialog.form_combo.setCurrentIndex(1)  # re-suggests a name from what is typed
    type_path(qtbot, dialog.output, f"{tmp_path}/missing/x")
    qtbot.keyClick(dialog.output.edit, Qt.Key.Key_Return)
    assert dialog.output.file_dialog is None and dialog.job is None
    assert "There is no folder" in dialog.message.text()
    type_path(qtbot, dialog.output, "/")
    qtbot.keyClick(dialog.output.edit, Qt.Key.Key_Return)
    assert "is a folder" in dialog.message.text()
    dialog.reject()


def test_path_field_never_raises_on_odd_text(qtbot: QtBot) -> None:
    field = PathField(SAVE, "Save as")
    qtbot.addWidget(field)
    for text in ("/", ".", "..", "~", "~nobody-such", "a\0b", "x" * 5000):
        field.set_path(text)
        field.path()
        assert isinstance(field.problem(), str)
    field.set_path("/")
    assert field.problem() == "/ is a folder: add a file name."
    field.set_path("a\0b")
    assert "cannot be used" in field.problem()
