"""One dialog scaffold (ui/case/dialog_base.DialogBase; issue 9 found four): the case
dialogs, the PDF/job dialogs and the settings dialogs are built on it, so they behave alike:
OK is the one default button, Ctrl+Enter is OK from any field, never past a disabled OK."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from btam_desktop.ui.case.dialog_base import DialogBase, RecordDialog
from btam_desktop.ui.pages.settings import _Dialog as SettingsDialog
from btam_desktop.ui.pdf.job_dialog import JobDialog


def test_the_dialogs_share_one_base() -> None:
    for dialog_class in (RecordDialog, JobDialog, SettingsDialog):
        assert issubclass(dialog_class, DialogBase), dialog_class.__name__


class Counting(DialogBase):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("Counting", parent, ok_text="&Do it")
        self.field = QLineEdit()
        self.add_row("&Field:", self.field)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.buttons)
        self.accepted_times = 0

    def accept(self) -> None:
        self.accepted_times += 1


def test_ctrl_enter_is_ok_unless_ok_is_disabled(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    dialog = Counting(host)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    dialog.field.setFocus()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.accepted_times == 1
    dialog.ok_button.setEnabled(False)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.accepted_times == 1
    dialog.done(0)


class WithMessage(DialogBase):
    """A job dialog's shape: rows, the message line, a stretch, the buttons, and a width of
    its own (a dialog's own minimum size stops Qt growing it to its layout)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("With a message", parent, ok_text="&Do it")
        self.setMinimumWidth(560)
        self.fields = [QLineEdit() for _ in range(3)]
        for number, field in enumerate(self.fields):
            self.add_row(f"Field {number}:", field)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.buttons)


def test_a_message_gets_room_instead_of_squeezing_the_rows(qtbot: QtBot) -> None:
    """Found in the restore dialog at 1024x768: a two-line error shown in an open dialog
    squeezed its fields (buttons cut off at the bottom) instead of the dialog growing."""
    host = QWidget()
    qtbot.addWidget(host)
    dialog = WithMessage(host)
    dialog.show()
    qtbot.waitExposed(dialog)
    before = dialog.height()
    dialog.message.show_error("Wrong passphrase for this backup: it opens with the passphrase "
                              "that was valid when it was written. " * 2)
    qtbot.waitUntil(lambda: dialog.height() > before, timeout=3000)

    def unsqueezed() -> bool:
        return (all(f.height() >= f.sizeHint().height() for f in dialog.fields)
                and dialog.message.height()
                >= dialog.message.heightForWidth(dialog.message.width()))

    qtbot.waitUntil(unsqueezed, timeout=3000)
    assert dialog.buttons.geometry().bottom() < dialog.height()
    dialog.done(0)
