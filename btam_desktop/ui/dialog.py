"""The one base of every dialog of the app (:class:`AppDialog`), and fitting a window to its
screen.

Whatever a dialog shows, it needs the same few things; dialogs that set them up themselves
each missed one or another (a default button that Enter pressed from a field, a preview
taller than a laptop screen, a title a screen reader did not announce):

* a title, with the same words (or the words given) as its accessible name;
* plain buttons (:func:`~btam_desktop.ui.buttons.plain_buttons`): Enter typed in a field
  presses no button by accident, only a button made the default on purpose;
* never larger than its screen: when shown it gets the size its layout asks for, but no more
  than the screen's free area less a title bar's room (:func:`fit_to_screen`; the app is laid
  out for 1024x768), and is moved inside that area (:func:`keep_on_screen`);
* deleted when closed, so closed dialogs do not pile up under the main window, unless the
  code that opened it keeps it to show again or reads it after it closed (``delete_on_close``).

:class:`~btam_desktop.ui.case.dialog_base.DialogBase` adds the labelled fields, the message
line and OK/Cancel of the input dialogs. A dialog built on one of Qt's own dialog classes
(``QWizard``, ``QProgressDialog``, ``QMessageBox``) cannot take this base as well: a widget
class has one Qt base.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QWidget

from btam_desktop.ui.buttons import plain_buttons

__all__ = ["FRAME_ROOM", "AppDialog", "fit_to_screen", "free_area", "keep_on_screen"]

# Room a window manager takes around a dialog (title bar, borders): a dialog as tall as the
# screen's free area would put its buttons under the taskbar or below the bottom edge.
FRAME_ROOM = QSize(16, 48)


def free_area(window: QWidget) -> QRect | None:
    """The free area (without taskbars and docks) of the screen ``window`` is on, if any."""
    screen = window.screen()
    return screen.availableGeometry() if screen is not None else None


def fit_to_screen(window: QWidget) -> None:
    """Give ``window`` the height its fields ask for and the width its layout needs, but never
    more than its screen's free area (less a title bar's room): what does not fit scrolls
    (``ui.case.dialog_base.DialogBody``, a form's own scroll area, a table)."""
    area = free_area(window)
    if area is None:
        return
    room = area.size() - FRAME_ROOM
    # An explicit minimum width (or an early resize) stops Qt's own sizing on show; the
    # scrolled body no longer forces the height either: ask for both here.
    natural = QSize(window.minimumSizeHint().width(), window.sizeHint().height())
    window.resize(window.size().expandedTo(natural).boundedTo(room))


def keep_on_screen(window: QWidget) -> None:
    """Move ``window`` (with its frame) inside its screen's free area where it sticks out."""
    room = free_area(window)
    if room is None:
        return
    frame = window.frameGeometry()
    x = max(room.left(), min(frame.left(), room.right() - frame.width() + 1))
    y = max(room.top(), min(frame.top(), room.bottom() - frame.height() + 1))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)


class AppDialog(QDialog):
    """What every dialog of the app needs (see the module docstring).

    ``title`` is the window title and, unless ``accessible_name`` says otherwise, the
    accessible name; a dialog whose title depends on what it loads passes "" and calls
    :meth:`set_title` later. ``delete_on_close=False`` for a dialog its opener keeps (shows
    again, or deletes itself once it has read the result).
    """

    def __init__(self, title: str, parent: QWidget | None, *, accessible_name: str = "",
                 delete_on_close: bool = True) -> None:
        super().__init__(parent)
        # First, before any button exists: buttons added later are made plain as Qt polishes
        # them, and all of them once more when the dialog is shown.
        plain_buttons(self)
        self.set_title(title, accessible_name)
        if delete_on_close:
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def set_title(self, title: str, accessible_name: str = "") -> None:
        """The window title, and the accessible name (the title unless given) a screen
        reader announces for the dialog."""
        self.setWindowTitle(title)
        self.setAccessibleName(accessible_name or title)

    def showEvent(self, event: QShowEvent) -> None:
        """Never larger than the screen (before QDialog centres it over its parent)."""
        if not event.spontaneous():
            fit_to_screen(self)
        super().showEvent(event)
        if not event.spontaneous():
            keep_on_screen(self)  # QDialog centred it over its parent, frame not counted
