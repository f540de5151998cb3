"""The base of the case dialogs, and the inputs they share.

A dialog is a child of the main window and is opened with ``open()`` (never ``exec()``): a
lock deletes the main window, and a nested event loop would then return into a deleted
widget. When the officer presses OK the dialog calls :meth:`RecordDialog.apply`, which writes
through the core; if the core refuses (a missing rationale, a bad date), the dialog stays
open with the reason in words, and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpacerItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from btam_desktop.core.errors import BtamError
from btam_desktop.core.forms.fieldtypes import SENSITIVITY_TAGS
from btam_desktop.core.model import SENSITIVITY_LABELS
from btam_desktop.core.session import Session
from btam_desktop.ui import keys, messages
from btam_desktop.ui.date_input import InputProblem, OptionalDate
from btam_desktop.ui.dialog import FRAME_ROOM, AppDialog, free_area, keep_on_screen
from btam_desktop.ui.widgets import MessageLabel, field_label

ISO_FORMAT = "yyyy-MM-dd"
# OptionalDate is re-exported: the dialogs take their inputs from here.
__all__ = ["OptionalDate", "SensitivityInput"]


#: What recreates a dialog after an unlock: (the new session, the new main window) -> dialog.
Reopen = Callable[[Session, QWidget], "RecordDialog"]
DISCARD_TITLE = "Discard what you typed?"
LEAST_BODY_HEIGHT = 160  # a scrolled dialog body still shows a few rows


class DialogBody(QScrollArea):
    """A dialog's fields, scrolled when the screen is too short for them (a 768-pixel laptop
    screen, a message shown above the buttons). As tall as its fields when there is room;
    its least height is small, so the dialog can be made as short as the screen."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields, not the area

    def sizeHint(self) -> QSize:
        """The fields' own size (QScrollArea caps its hint at a few dozen lines)."""
        content = self.widget()
        hint = content.sizeHint().expandedTo(content.minimumSizeHint()) \
            if content is not None else QSize()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(),
                     hint.height())

    def minimumSizeHint(self) -> QSize:
        """The fields' least width, a few rows' height."""
        content = self.widget()
        least = content.minimumSizeHint() if content is not None else QSize()
        return QSize(least.width() + self.verticalScrollBar().sizeHint().width(),
                     min(LEAST_BODY_HEIGHT, self.sizeHint().height()))


class DialogBase(AppDialog):
    """The scaffold of the app's input dialogs: an :class:`~btam_desktop.ui.dialog.AppDialog`
    (title, plain buttons, never larger than the screen, deleted when closed unless
    ``delete_on_close=False``) that is a window-modal-friendly child of the main window, with
    a form of labelled rows, a message line, and OK (primary, Ctrl+Enter from any field) and
    Cancel. Subclasses arrange :attr:`layout_` and decide what OK does (:class:`RecordDialog`
    applies a change, ``ui.pdf.job_dialog.JobDialog`` runs a background job,
    ``ui.unlock.RecoveryKeyDialog`` tries a recovery key)."""

    def __init__(self, title: str, parent: QWidget | None, *, ok_text: str = "Save",
                 delete_on_close: bool = True) -> None:
        super().__init__(title, parent, delete_on_close=delete_on_close)
        self.form = QFormLayout()
        self.form.setSpacing(10)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.message = MessageLabel()
        # A message appearing in a shown dialog gets room: the dialog grows (up to the
        # screen) instead of its layout squeezing the rows (seen in the restore dialog).
        self.message.installEventFilter(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setObjectName("primary")
        self.ok_button.setDefault(True)  # the one button Enter in a field presses
        plain = ok_text.replace("&", "").rstrip("\u2026")
        self.ok_button.setAccessibleName(plain)
        self.ok_button.setToolTip(keys.DIALOG_OK.hint(plain))
        self.cancel_button: QPushButton = self.buttons.button(
            QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        # Ctrl+Enter from any field, a multi-line one too (where Enter starts a new line);
        # never past an OK the dialog has disabled (input not complete yet).
        keys.bind_shortcut(self, keys.DIALOG_OK, self._ctrl_enter)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setSpacing(12)

    def add_row(self, text: str, widget: QWidget) -> QWidget:
        """A labelled field (the label's mnemonic focuses it)."""
        widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        self.form.addRow(field_label(text, widget), widget)
        return widget

    def _ctrl_enter(self) -> None:
        if self.ok_button.isEnabled():
            self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The message line shown: make room for it once the layout has taken it in."""
        if watched is self.message and event.type() == QEvent.Type.Show and self.isVisible():
            QTimer.singleShot(0, self, self._make_room)
        return super().eventFilter(watched, event)

    def _make_room(self) -> None:
        if not self.isVisible():
            return
        layout, width = self.layout_, self.width()
        # At the dialog's own width: a wrapped message is as tall as that width makes it.
        need = (layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                else layout.totalSizeHint().height())
        need = max(need, layout.totalMinimumSize().height())
        area = free_area(self)
        if area is not None:
            need = min(need, area.height() - FRAME_ROOM.height())
        if need > self.height():
            self.resize(width, need)
            keep_on_screen(self)


class RecordDialog(DialogBase):
    """OK applies the change through the core; a refusal keeps the dialog open.

    What the officer typed is never lost without a word: Esc, Cancel and the window's close
    button ask first when anything was typed (:meth:`has_typed`), and a lock keeps the input
    (:meth:`input_state`, in memory only) for the dialog to be reopened with it after the same
    member unlocks (see :mod:`btam_desktop.ui.held`), when the dialog said how
    (:meth:`reopen_with`).
    """

    applied = Signal(object)  # whatever apply() returned

    def __init__(self, title: str, parent: QWidget, *, ok_text: str = "Save") -> None:
        super().__init__(title, parent, ok_text=ok_text)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setProperty("muted", True)
        self.intro.hide()
        # The intro and fields scroll when the screen is too short for them; the message (a
        # refusal, "What you typed was kept…") and the buttons stay in view below.
        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(12)
        # At least 520 pixels wide, and never narrower than what the fields need (an explicit
        # minimum width would override the layout's and cut "No review date yet").
        body.addSpacerItem(QSpacerItem(520, 0, QSizePolicy.Policy.Minimum,
                                       QSizePolicy.Policy.Fixed))
        body.addWidget(self.intro)
        body.addLayout(self.form)
        body.addStretch(1)
        self.body = DialogBody(content)
        layout = self.layout_
        layout.addWidget(self.body, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reopen: Reopen | None = None
        self._baseline: list[Any] | None = None  # the inputs as first shown
        self._discard_box: QMessageBox | None = None

    # -- typed input: kept across a lock, not discarded without asking --------------------------
    def reopen_with(self, reopen: Reopen) -> None:
        """How to build this dialog again after an unlock (ids only: re-read what it shows)."""
        self.reopen = reopen

    def inputs(self) -> list[QWidget]:
        """Every input of the dialog, in a fixed order (the same for a dialog built again with
        the same arguments)."""
        kinds = (QLineEdit, QPlainTextEdit, QComboBox, QCheckBox, QRadioButton, QTabWidget)
        return [w for w in self.findChildren(QWidget) if isinstance(w, kinds)
                and w.window() is self  # not a calendar pop-up's or a message box's
                and not isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox)]

    def input_state(self) -> list[Any]:
        """The value of every input (see :meth:`inputs`)."""
        state: list[Any] = []
        for widget in self.inputs():
            if isinstance(widget, QLineEdit):
                state.append(widget.text())
            elif isinstance(widget, QPlainTextEdit):
                state.append(widget.toPlainText())
            elif isinstance(widget, QComboBox | QTabWidget):
                state.append(widget.currentIndex())
            elif isinstance(widget, QCheckBox | QRadioButton):
                state.append(widget.isChecked())
        return state

    def set_input_state(self, state: list[Any]) -> None:
        """Put back what :meth:`input_state` gave (of a dialog built the same way)."""
        if self._baseline is None:
            self._baseline = self.input_state()
        for widget, value in zip(self.inputs(), state, strict=False):
            if isinstance(widget, QLineEdit) and isinstance(value, str):
                widget.setText(value)
            elif isinstance(widget, QPlainTextEdit) and isinstance(value, str):
                widget.setPlainText(value)
            elif isinstance(widget, QComboBox | QTabWidget) and isinstance(value, int):
                widget.setCurrentIndex(value)
            elif isinstance(widget, QCheckBox | QRadioButton) and isinstance(value, bool):
                widget.setChecked(value)

    def has_typed(self) -> bool:
        """True when any input differs from what the dialog first showed."""
        return self._baseline is not None and self.input_state() != self._baseline

    def showEvent(self, event: QShowEvent) -> None:
        """Remember the inputs as first shown, to know later whether anything was typed."""
        if self._baseline is None:
            self._baseline = self.input_state()
        super().showEvent(event)

    def reject(self) -> None:
        """Esc, Cancel or the close button: close, after asking when something was typed."""
        if not self.has_typed():
            super().reject()
            return
        if self._discard_box is not None:
            self._discard_box.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Question, DISCARD_TITLE,
                          f"Discard what you typed in \u201c{self.windowTitle()}\u201d? It "
                          "has not been saved.", QMessageBox.StandardButton.NoButton, self)
        discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        discard.clicked.connect(self.discard)
        box.finished.connect(self._discard_box_closed)
        self._discard_box = box
        box.open()

    def _discard_box_closed(self, _result: int) -> None:
        self._discard_box = None

    def close_discard_question(self) -> None:
        """Close the "Discard what you typed?" box, if open, as Keep editing would (a quit
        asks the same question over it: one question on the screen, not two)."""
        box = self._discard_box
        if box is not None:
            box.reject()

    def discard(self) -> None:
        """Close without saving and without asking (the officer said so)."""
        self._baseline = self.input_state()
        super().reject()

    def set_intro(self, text: str) -> None:
        """A sentence above the fields saying what the dialog does."""
        self.intro.setText(text)
        self.intro.setVisible(bool(text))

    def apply(self) -> Any:
        """Write the change; raise a core error (or ValueError) to refuse."""
        raise NotImplementedError

    def refuse(self, text: str, focus: QWidget | None = None) -> None:
        """Show why OK did nothing, and put the cursor where the fix goes."""
        self.message.show_error(text)
        if focus is not None:
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def accept(self) -> None:
        """Apply; close only when the core accepted."""
        try:
            result = self.apply()
        except _Refused:
            return
        except InputProblem as problem:  # said under the field too
            self.refuse(str(problem), problem.widget)
            return
        except (BtamError, ValueError, OSError) as error:
            self.message.show_error(messages.describe(error))
            return
        self.message.clear_message()
        self.applied.emit(result)
        super().accept()



class _Refused(Exception):
    """Raised by :func:`refused` inside apply(): the message is already shown."""


def refused(dialog: RecordDialog, text: str, focus: QWidget | None = None) -> _Refused:
    """Show ``text`` on ``dialog`` and return the exception that stops apply()."""
    dialog.refuse(text, focus)
    return _Refused(text)


# -- inputs -------------------------------------------------------------------------------------
def choice_combo(vocabulary: Mapping[str, str], current: str | None = None,
                 *, empty: str | None = None) -> QComboBox:
    """A drop-down of a vocabulary's words with the keys as item data; ``empty`` adds a first
    entry meaning "none/any" (data "")."""
    combo = QComboBox()
    if empty is not None:
        combo.addItem(empty, "")
    for key, text in vocabulary.items():
        combo.addItem(text, key)
    if current is not None:
        found = combo.findData(current)
        if found >= 0:
            combo.setCurrentIndex(found)
    return combo


def combo_key(combo: QComboBox) -> str:
    """The key of the chosen entry."""
    return str(combo.currentData() or "")


def long_text(placeholder: str = "", text: str = "") -> QPlainTextEdit:
    """A multi-line field; Tab moves on (officers fill dialogs by keyboard)."""
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setPlaceholderText(placeholder)
    edit.setPlainText(text)
    edit.setMinimumHeight(90)
    return edit


class SensitivityInput(QWidget):
    """Tick boxes for the sensitivity tags of a timeline entry or plan item.

    :meth:`suggest` ticks what the words suggest (core ``suggest_sensitivity``) on every box
    the officer has not clicked; a box the officer clicked keeps their choice. Redaction
    profiles leave tagged entries out of a partner's copy.
    """

    changed = Signal()

    def __init__(self, current: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        self.boxes: dict[str, QCheckBox] = {}
        self._touched: set[str] = set(current)  # what the record already had is a choice
        for index, tag in enumerate(SENSITIVITY_TAGS):
            box = QCheckBox(SENSITIVITY_LABELS.get(tag, tag))
            box.setChecked(tag in current)
            box.clicked.connect(lambda _on=False, t=tag: self._clicked(t))
            grid.addWidget(box, index // 3, index % 3)
            self.boxes[tag] = box
        # The row's mnemonic (Alt+V) lands on the first box.
        self.setFocusProxy(self.boxes[SENSITIVITY_TAGS[0]])
        self.hint = QLabel("Ticked from what you wrote: untick what does not apply. A "
                           "partner's copy leaves out what its profile withholds.")
        self.hint.setWordWrap(True)
        self.hint.setProperty("muted", True)
        grid.addWidget(self.hint, (len(SENSITIVITY_TAGS) + 2) // 3, 0, 1, 3)

    def _clicked(self, tag: str) -> None:
        self._touched.add(tag)
        self.changed.emit()

    def value(self) -> tuple[str, ...]:
        """The ticked tags, in vocabulary order."""
        return tuple(t for t, box in self.boxes.items() if box.isChecked())

    def suggest(self, tags: tuple[str, ...]) -> None:
        """Tick the suggested tags (and untick earlier suggestions) the officer left alone."""
        for tag, box in self.boxes.items():
            if tag not in self._touched and box.isChecked() != (tag in tags):
                box.setChecked(tag in tags)
                self.changed.emit()
