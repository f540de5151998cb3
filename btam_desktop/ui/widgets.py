"""Small widgets shared by the windows: inline messages, rule check lists, headings.

Style is carried by object names and dynamic properties (``kind``, ``ruleState``) that
``resources/styles/base.qss`` selects on; state is never shown by colour alone (a message has
words, a rule has a tick or a cross) so it reads in both themes and for colour-blind users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

TICK = "\u2714"  # heavy check mark
CROSS = "\u2718"  # heavy ballot x
PENDING = "\u25cb"  # white circle: not judged yet


def tick_list(widget: QWidget) -> QWidget:
    """Mark a list of checkable items (base.qss gives its rows room for the tick box)."""
    widget.setProperty("tickList", True)
    return widget


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property used by a selector changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def heading(text: str, *, object_name: str = "heading") -> QLabel:
    """A large title label."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def muted(text: str) -> QLabel:
    """Secondary text (explanations under a title)."""
    label = QLabel(text)
    label.setProperty("muted", True)
    label.setWordWrap(True)
    return label


def line_edit(accessible_name: str, *, secret: bool = False) -> QLineEdit:
    """A text field with a name for screen readers; ``secret`` for passphrases."""
    edit = QLineEdit()
    edit.setAccessibleName(accessible_name)
    if secret:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        # Ask on-screen keyboards and input methods not to learn, predict or show it.
        edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhSensitiveData
        )
    return edit


def file_row(path: QLineEdit, button: QPushButton) -> QWidget:
    """A file's path and the button that chooses it, side by side (one form row): the path
    takes the width, the button its own."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(path, 1)
    layout.addWidget(button)
    return row


def field_label(text: str, buddy: QWidget) -> QLabel:
    """A form label for ``buddy`` (its mnemonic focuses the field), centred on the field.

    QFormLayout aligns labels with the top of the row; our fields are taller than a line of
    text (generous padding), so the label is given the field's height and centred in it.
    """
    label = QLabel(text)
    # A composite field (a date, a path) passes the focus on to its input but takes none
    # itself, and Qt moves no focus to such a buddy: name the input that takes it.
    target = buddy
    proxy = target.focusProxy()
    while target.focusPolicy() == Qt.FocusPolicy.NoFocus and proxy is not None:
        target, proxy = proxy, proxy.focusProxy()
    label.setBuddy(target)
    buddy.ensurePolished()
    label.setMinimumHeight(buddy.sizeHint().height())
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return label


@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor while the key derivation runs (a few tenths of a second)."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


class MessageLabel(QLabel):
    """An inline message (error, information, success); hidden while empty.

    Screen readers are told with an alert event, because the message appears away from the
    field that has the focus.
    """

    KINDS = ("error", "info", "ok")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Message")
        self.setProperty("kind", "info")
        self.hide()

    @property
    def kind(self) -> str:
        """"error", "info" or "ok"."""
        return str(self.property("kind"))

    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text`` styled as ``kind``."""
        if kind not in self.KINDS:
            raise ValueError(f"unknown message kind {kind!r}")
        self.setProperty("kind", kind)
        repolish(self)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        if text:
            QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))

    def show_error(self, text: str) -> None:
        """Show an error."""
        self.show_message(text, "error")

    def clear_message(self) -> None:
        """Hide the message."""
        self.setText("")
        self.setAccessibleDescription("")
        self.hide()


class RuleList(QWidget):
    """A list of rules, each shown met (tick), unmet (cross) or not judged yet (circle).

    Rules are keyed by the text shown; :meth:`set_extra` shows rules the caller did not know
    about in advance (e.g. a rule added to the core later), so nothing broken is hidden.
    """

    def __init__(self, rules: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Passphrase rules")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._labels: dict[str, QLabel] = {}
        self._extra: dict[str, QLabel] = {}
        for rule in rules:
            self._labels[rule] = self._add_label(rule)

    def _add_label(self, rule: str) -> QLabel:
        label = QLabel()
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        self._layout.addWidget(label)
        self._apply(label, rule, None)
        return label

    @staticmethod
    def _apply(label: QLabel, rule: str, met: bool | None) -> None:
        if met is None:
            mark, state, said = PENDING, "pending", "not checked yet"
        elif met:
            mark, state, said = TICK, "met", "met"
        else:
            mark, state, said = CROSS, "unmet", "not met"
        label.setText(f"{mark}  {rule}")
        label.setAccessibleName(f"{rule}: {said}")
        if label.property("ruleState") != state:
            label.setProperty("ruleState", state)
            repolish(label)

    def set_state(self, rule: str, met: bool | None) -> None:
        """Mark ``rule`` met (True), unmet (False) or not judged (None)."""
        self._apply(self._labels[rule], rule, met)

    def state(self, rule: str) -> str:
        """"met", "unmet" or "pending" (for tests and accessibility checks)."""
        labels = {**self._labels, **self._extra}
        return str(labels[rule].property("ruleState"))

    def set_extra(self, rules: Sequence[str]) -> None:
        """Show exactly ``rules`` as additional unmet rules."""
        for rule in list(self._extra):
            if rule not in rules:
                label = self._extra.pop(rule)
                self._layout.removeWidget(label)
                label.deleteLater()
        for rule in rules:
            if rule not in self._extra:
                self._extra[rule] = self._add_label(rule)
            self._apply(self._extra[rule], rule, False)

    def rules(self) -> list[str]:
        """Every rule shown, in order."""
        return [*self._labels, *self._extra]


class FocusFollower(QObject):
    """Scrolls ``area`` to the widget inside it that takes the keyboard focus (Tab in a long
    page stopped below the bottom edge)."""

    MARGIN = 24

    def __init__(self, area: QScrollArea) -> None:
        super().__init__(area)
        self._area = area
        from btam_desktop.ui.forms.focus import FocusWatcher

        FocusWatcher.watch(self._changed)

    def _changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        content = self._area.widget()
        if new is not None and content is not None and content.isAncestorOf(new):
            self._area.ensureWidgetVisible(new, self.MARGIN, self.MARGIN)


def follow_focus(area: QScrollArea) -> QScrollArea:
    """Keep the focused widget of ``area`` on screen (see :class:`FocusFollower`)."""
    FocusFollower(area)
    return area


class ThemeStyle(QObject):
    """Keeps a widget's own style sheet, built from theme colours, in step with the theme.

    A style sheet that names a colour (``color: #b3261e``) is fixed text: switching to the
    night theme leaves the light theme's colour behind on every widget already open. This
    rebuilds it whenever the widget's palette changes, which a theme switch always does.
    """

    def __init__(self, widget: QWidget, build: Callable[[], str]) -> None:
        super().__init__(widget)
        self._build = build
        widget.installEventFilter(self)
        self.update(widget)

    def update(self, widget: QWidget) -> None:
        """Rebuild now (after what the sheet depends on changed, e.g. a case became overdue)."""
        sheet = self._build()
        if widget.styleSheet() != sheet:  # setting the same text again would loop
            widget.setStyleSheet(sheet)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Rebuild on a palette change (a theme switch)."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) \
                and isinstance(watched, QWidget):
            self.update(watched)
        return False


def theme_style(widget: QWidget, build: Callable[[], str]) -> ThemeStyle:
    """Give ``widget`` the style sheet ``build()`` returns, rebuilt at every theme switch."""
    return ThemeStyle(widget, build)


def first_item_active(menu: QMenu) -> QMenu:
    """Open ``menu`` with its first item highlighted, so Enter right after the button's
    mnemonic (Alt+A, Enter) chooses it instead of doing nothing."""

    def highlight() -> None:
        for action in menu.actions():
            if action.isEnabled() and not action.isSeparator():
                menu.setActiveAction(action)
                return

    menu.aboutToShow.connect(highlight)
    return menu
