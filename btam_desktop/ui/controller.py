"""The application's flow: create or unlock, the main window, lock (by hand or when idle).

:class:`AppController` owns the current :class:`~btam_desktop.core.session.Session` and the
windows, so the flow can be driven by tests without ``app.exec()``. It is the only place that
locks: the main window and its pages are deleted (not hidden), the session is locked (the
database closes and the key is forgotten), and a fresh unlock window appears.

Windows closed by the user (the title bar's close button, Quit) end the application: the
controller locks and emits ``finished``; ``app.py`` connects that to ``QApplication.quit``.

What locks, besides the Lock button: Ctrl+L in any window of the application, dialogs
included (:class:`LockKeyFilter`, an application-wide event filter: a window-modal dialog
blocks the main window's own shortcut); the idle delay, checked against the wall clock after
a wake-up (:class:`~btam_desktop.ui.idle.IdleWatcher`); and the operating system locking its
screen or going to sleep (:class:`~btam_desktop.ui.system_lock.SystemLockWatcher`).

Ctrl+Q (Lock and quit) works in every window the same way (the same filter): before, it did
nothing while a dialog had the keyboard. A lock holds typed dialog text for the same member;
a quit cannot, so when a case dialog has typed, unsaved text the quit asks first
(:meth:`AppController.request_quit`, the discard box's question), and otherwise quits at
once; form drafts are saved on the way out either way.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QKeyCombination, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from shiboken6 import isValid

from btam_desktop.core import vault
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.ui import tasks
from btam_desktop.ui.idle import IdleWatcher
from btam_desktop.ui.system_lock import SystemLockWatcher
from btam_desktop.ui.theme import ThemeManager
from btam_desktop.ui.unlock import UnlockWindow
from btam_desktop.ui.wizard import CreateVaultWizard

if TYPE_CHECKING:
    # Imported when the first session opens, not at start-up: the main window pulls in every
    # page (forms engine, spreadsheets, PDF), which would slow the way to the unlock window.
    from btam_desktop.ui.held import HeldDialog, HeldForm
    from btam_desktop.ui.main_window import MainWindow

_log = logging.getLogger(__name__)

LOCKED_BY_HAND = "The vault is locked."
# Cmd+L on a Mac: Qt maps Ctrl to the Command key there.
LOCK_KEY = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_L)
QUIT_KEY = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_Q)
QUIT_TITLE = "Quit BTAM Desktop?"
# The window that was unlocked stays up ("Opening…") until the main window has painted, but
# never longer than this, should no paint come (a window system that shows nothing).
HANDOVER_LIMIT_MS = 3000
# The main window's code is imported this long after the unlock window appears, while the
# member types (a few tenths of a second that would otherwise follow the Enter key).
PRELOAD_DELAY_MS = 300


def _preload_main_window() -> None:
    import btam_desktop.ui.main_window  # noqa: F401 (imported for its side effect: loaded)


def _preload_icons(theme: ThemeManager | None) -> None:
    from btam_desktop.ui.main_window import preload_icons

    preload_icons(theme)


def _warm_up_dashboard() -> None:
    from btam_desktop.ui.pages import dashboard

    dashboard.warm_up()


def _warm_up_crypto() -> None:
    vault.warm_up()


def idle_message(minutes: float) -> str:
    """What the unlock window says after an idle lock."""
    if minutes >= 1:
        whole = round(minutes)
        return f"Locked after {whole} minute{'s' if whole != 1 else ''} without activity."
    return "Locked after a period without activity."


def _owned_windows(window: QWidget) -> list[QWidget]:
    """The dialogs and other top-level windows whose parent chain leads to ``window``."""
    owned = []
    for candidate in QApplication.topLevelWidgets():
        above = candidate.parentWidget()
        while above is not None and above is not window:
            above = above.parentWidget()
        if above is window:
            owned.append(candidate)
    return owned


def show_sized_for_screen(window: QWidget) -> None:
    """Patrol laptops have small screens (1280x800, 1366x768): fill them; on a large desk
    monitor keep the default size."""
    screen = window.screen()
    available = screen.availableGeometry() if screen is not None else None
    if available is not None and (available.width() <= 1440 or available.height() <= 900) \
            and QGuiApplication.platformName() != "offscreen":
        window.resize(available.size())  # without a window manager, maximising is ignored
        window.showMaximized()
    else:
        window.show()


def centre_on_screen(window: QWidget) -> None:
    """Put a small window in the middle of its screen (without a window manager, or under
    one that places new windows at the corner, it would sit in the top left)."""
    screen = window.screen()
    if screen is None:
        return
    available = screen.availableGeometry()
    size = window.size().boundedTo(available.size())
    window.resize(size)
    window.move(available.center().x() - size.width() // 2,
                available.center().y() - size.height() // 2)


def _discard(window: QWidget | None) -> None:
    """Hide and delete a window (hide, not close: closing means "quit" to our windows).

    Its dialogs are hidden at once too: Qt hides child windows only when the parent is
    deleted, and until then a dialog with case data would stay on screen over the unlock
    window (for one turn of the event loop, or longer under a nested one).
    """
    if window is None:
        return
    for owned in _owned_windows(window):
        owned.blockSignals(True)
        owned.hide()
    window.blockSignals(True)
    window.hide()
    window.deleteLater()


class _FirstPaint(QObject):
    """Calls ``then`` once, from the event loop, after the watched window's first paint."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then: Callable[[], None] | None = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On the first paint, schedule ``then`` (not from inside the paint)."""
        if event.type() == QEvent.Type.Paint and self._then is not None:
            then, self._then = self._then, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, then)
        return False


def _combination(event: QKeyEvent) -> QKeyCombination:
    # The keypad flag aside, which some layouts set.
    return QKeyCombination(event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier,
                           Qt.Key(event.key()))


def is_lock_key(event: QKeyEvent) -> bool:
    """True for Ctrl+L (the keypad flag aside, which some layouts set)."""
    return bool(_combination(event) == LOCK_KEY)


def is_quit_key(event: QKeyEvent) -> bool:
    """True for Ctrl+Q (the keypad flag aside)."""
    return bool(_combination(event) == QUIT_KEY)


def unlock_problems_box(session: Session, parent: QWidget) -> QMessageBox | None:
    """A non-blocking warning, in plain words, about problems the unlock found (an unknown
    key slot, an audit trail cut, rewritten or wrongly signed); None when there are none."""
    slots = list(session.slot_problems_at_unlock)
    trail = list(session.audit_problems_at_unlock)
    if not slots and not trail:
        return None
    said: list[str] = []
    if slots:
        said.append(
            "This vault's key file has a key slot the vault never issued. Someone may have "
            "added it to keep access (for example before being removed); it was not used to "
            "open the vault and will never receive a new key.")
    if trail:
        if all("removed from the end" in problem for problem in trail):
            said.append(
                "Entries were removed from the end of the audit trail since this laptop last "
                "wrote to it. Someone with access to the vault file may have hidden what they "
                "did.")
        else:
            # Since the audit anchor (issue 10) the trail can also be rewritten or wrongly
            # signed; say what is certain and leave the particulars to the details.
            said.append(
                "The audit trail does not match what was recorded of it outside the vault: "
                "entries may have been removed, rewritten or signed with a key that is not "
                "the member's. Someone with access to the vault file may have hidden what "
                "they did (the details say which).")
    box = QMessageBox(QMessageBox.Icon.Warning, "Problems found at unlock - BTAM Desktop",
                      "\n\n".join(said), QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(
        "What to do: tell your team lead today, make no changes you cannot redo, and run "
        "Settings \u203a Check integrity to see every problem. Keep the vault file and key "
        "file as they are for the team lead to examine.")
    box.setDetailedText("\n".join([*slots, *trail]))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.NonModal)
    # Over the main window, without taking the keyboard from it: nothing is blocked.
    box.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    box.show()
    return box


class LockKeyFilter(QObject):
    """Ctrl+L in any window of the application emits ``triggered``, once per key press;
    Ctrl+Q likewise emits ``quit_triggered``.

    Installed on the QApplication while a vault is open. Shortcuts of a window blocked by a
    modal dialog do not fire, so the key is taken before Qt looks for shortcuts: the
    ShortcutOverride event is accepted (no shortcut of any window, the main window's Lock
    action or a dialog's own forwarder, runs for it), and the key press that Qt then sends to
    the focused widget locks and goes no further.
    """

    triggered = Signal()
    quit_triggered = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._installed = False

    def install(self) -> None:
        """Start watching the keyboard of the whole application."""
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def remove(self) -> None:
        """Stop watching (while locked, Ctrl+L is an ordinary key again)."""
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Claim Ctrl+L and Ctrl+Q from every shortcut, then act on the key press."""
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(event, QKeyEvent):
            return False
        signal = self.triggered if is_lock_key(event) else \
            self.quit_triggered if is_quit_key(event) else None
        if signal is None:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # "this key is mine": Qt delivers it as a key press instead
            return True
        if not event.isAutoRepeat():  # holding the keys down must not act twice
            signal.emit()
        return True


class AppController(QObject):
    """Owns the session and the windows; see the module docstring for the flow."""

    session_started = Signal(object)  # Session: the main window is up
    locked = Signal()  # the vault was locked and the unlock window is shown
    finished = Signal()  # the application should end

    def __init__(
        self,
        vault_path: Path,
        *,
        theme: ThemeManager | None = None,
        idle_ms: int | None = None,
        clock: Callable[[], float] = time.time,
        system_lock: SystemLockWatcher | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault_path = Path(vault_path)
        self.theme = theme
        self._idle_override_ms = idle_ms
        self._session: Session | None = None
        self._main: MainWindow | None = None
        self._unlock: UnlockWindow | None = None
        self._wizard: CreateVaultWizard | None = None
        # The unlock window (or the wizard) showing "Opening…" until the main window painted.
        self._opening: QWidget | None = None
        self._notices: list[str] = []
        self._finished = False
        # The key remembered on this device opens only the first unlock after start-up.
        self._unlocked_once = False
        # (member id, MainWindow.place()): where the member was when the vault locked, so
        # that unlocking returns there: ids, and the case list's search text and filters
        # (in this process's memory only, like a held dialog's typing; dropped when another
        # member unlocks or the app quits).
        self._place: tuple[str | None, dict[str, object]] | None = None
        # (member id, held dialogs): case dialogs with unsaved input, kept in memory only
        # across a lock and reopened for the same member (see btam_desktop.ui.held).
        self._held: tuple[str | None, list[HeldDialog]] | None = None
        # (member id, held form windows): reopened at the question being edited for the same
        # member; their drafts were saved when the lock came (see btam_desktop.ui.held).
        self._held_forms: tuple[str | None, list[HeldForm]] | None = None
        # What the lock screen says about the drafts saved (or not) when the vault locked.
        self._lock_lines: list[str] = []
        # The warning about problems found at unlock (see unlock_problems_box).
        self._unlock_problems: QMessageBox | None = None
        # The warning that the recovery key was never confirmed (ui.recovery_key).
        self._recovery_warning: QMessageBox | None = None
        self.idle = IdleWatcher(idle_ms or 60_000, self, clock=clock)
        self.idle.timed_out.connect(self._on_idle)
        self.lock_keys = LockKeyFilter(self)
        self.lock_keys.triggered.connect(self.lock)
        self.lock_keys.quit_triggered.connect(self.request_quit)
        self._quit_box: QMessageBox | None = None
        # Started with the first session, not before: nothing to lock until then, and the
        # way to the unlock window stays as short as it can be.
        self.system_lock = system_lock or SystemLockWatcher(self)
        self.system_lock.lock_requested.connect(self._on_system_lock)

    # -- state ----------------------------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        """The unlocked session, or None while locked."""
        return self._session

    @property
    def main_window(self) -> MainWindow | None:
        """The main window while unlocked."""
        return self._main

    @property
    def unlock_window(self) -> UnlockWindow | None:
        """The unlock window while locked."""
        return self._unlock

    @property
    def wizard(self) -> CreateVaultWizard | None:
        """The create-vault wizard while no vault exists yet."""
        return self._wizard

    # -- flow -----------------------------------------------------------------------------------
    def start(self) -> None:
        """The first window: the wizard when there is no vault at the path, else unlock."""
        if vault.vault_exists(self.vault_path):
            self.show_unlock()
        else:
            self.show_wizard()

    def show_wizard(self) -> CreateVaultWizard:
        """Show the create-vault wizard."""
        wizard = CreateVaultWizard(self.vault_path)
        wizard.created.connect(self._on_created)
        wizard.restored.connect(self._on_restored)
        wizard.rejected.connect(self.shutdown)
        self._wizard = wizard
        wizard.show()
        # Take the keyboard, as the unlock window does: where nothing activates a new window
        # (no window manager, some kiosk sessions) its Alt+letter keys typed letters instead.
        wizard.activateWindow()
        return wizard

    def show_unlock(self, message: str = "", drafts: list[str] | None = None) -> UnlockWindow:
        """Show a fresh unlock window (nothing typed before a lock survives it); ``drafts``
        are lines about the drafts saved when the vault locked."""
        _discard(self._unlock)
        window = UnlockWindow(self.vault_path, message=message, drafts=drafts or [],
                              allow_device_key=not self._unlocked_once)
        window.unlocked.connect(self._on_unlocked)
        window.notice.connect(self._notices.append)
        window.closed.connect(self.shutdown)
        window.restored.connect(self._on_restored)
        self._unlock = window
        centre_on_screen(window)
        window.show()
        window.activateWindow()
        if "btam_desktop.ui.main_window" not in sys.modules:
            QTimer.singleShot(PRELOAD_DELAY_MS, self._preload)
        return window

    def _preload(self) -> None:
        """While the member types: set OpenSSL up for the key slot, load the main window's
        code, then (each in its own turn of the event loop, so typing is never held up
        long) render its icons and warm Qt up for the dashboard page: work that would otherwise come
        between Enter and the dashboard painted. Stops once a vault is open."""
        steps: list[Callable[[], None]] = [
            _warm_up_crypto, _preload_main_window, lambda: _preload_icons(self.theme),
            _warm_up_dashboard]

        def next_step() -> None:
            if not steps or self._session is not None or self._finished:
                return
            step = steps.pop(0)
            try:
                step()
            except Exception as exc:  # a head start only: never in the way of unlocking
                from btam_desktop.ui import errors

                errors.log_exception("could not prepare the main window", exc)
            QTimer.singleShot(0, next_step)

        next_step()

    def _on_restored(self, message: str) -> None:
        """A backup was restored (from the wizard or the unlock window): a fresh unlock
        window reads the restored vault's own members."""
        wizard, self._wizard = self._wizard, None
        _discard(wizard)  # its signals blocked first: closing it now is not "quit"
        self.show_unlock(message)

    def _on_created(self, session: Session) -> None:
        wizard, self._wizard = self._wizard, None
        self._notices.append(f"Vault created. Welcome, {session.actor_name}.")
        self._hand_over(wizard)
        self._enter(session)

    def _on_unlocked(self, session: Session) -> None:
        window, self._unlock = self._unlock, None
        if window is not None:
            window.set_opening(True)
        self._hand_over(window)
        self._enter(session)

    def _hand_over(self, window: QWidget | None) -> None:
        """Keep ``window`` on screen (showing it is busy, input off) until the main window
        has been painted, then remove it: no blank screen between the two."""
        _discard(self._opening)
        self._opening = window
        if window is None:
            return
        if not isinstance(window, UnlockWindow):  # the unlock window turned its input off
            window.setEnabled(False)
        window.blockSignals(True)  # closing it now is not "quit": the vault is opening
        QTimer.singleShot(HANDOVER_LIMIT_MS, lambda: self._handed_over(window))

    def _handed_over(self, window: QWidget | None = None) -> None:
        """The main window is painted (or the wait is over): remove the old window."""
        if window is not None and window is not self._opening:
            return  # a later hand-over, or already done
        opening, self._opening = self._opening, None
        if opening is not None and isValid(opening):
            _discard(opening)

    @property
    def opening_window(self) -> QWidget | None:
        """The window still showing "Opening…" while the main window comes up (or None)."""
        return self._opening

    def _enter(self, session: Session) -> None:
        if self._session is not None:  # cannot happen through the windows; be safe anyway
            _log.warning("a second session was opened; locking it")
            session.lock()
            return
        self._session = session
        self._unlocked_once = True
        from btam_desktop.ui.main_window import MainWindow
        from btam_desktop.ui.pages import dashboard

        # The dashboard's reads run on a worker thread while the window is built; the page
        # takes them before its first paint (a failure there: it reads as usual).
        try:
            dashboard.start_first_load(session)
        except Exception as exc:
            from btam_desktop.ui import errors

            errors.log_exception("could not start the dashboard's first read", exc)
        window = MainWindow(session, theme=self.theme)
        self._attach_next_steps(window, session)
        window.events.changed.connect(self._on_session_change)
        window.lock_requested.connect(self.lock)
        window.close_requested.connect(self.shutdown)
        self._main = window
        for notice in self._notices:
            window.show_notice(notice)
        self._notices.clear()
        if self._opening is not None:
            _FirstPaint(window, self._handed_over)
        show_sized_for_screen(window)
        window.activateWindow()
        self._return_to_place(session, window)
        self._unlock_problems = unlock_problems_box(session, window)
        self._recovery_warning = self._recovery_key_warning(session, window)
        self.idle.set_interval(self.idle_interval_ms(session))
        self.idle.start()
        self.lock_keys.install()
        self.system_lock.start()
        self.system_lock.watch_window(window)
        self.session_started.emit(session)

    @property
    def unlock_problems(self) -> QMessageBox | None:
        """The warning about problems found at unlock, while it is shown (or None)."""
        box = self._unlock_problems
        return box if box is not None and isValid(box) else None

    @staticmethod
    def _attach_next_steps(window: MainWindow, session: Session) -> None:
        """A new vault's dashboard shows what to do first (btam_desktop.ui.next_steps)."""
        from btam_desktop.ui.next_steps import attach

        try:
            attach(window, session)
        except Exception as exc:  # a helping panel must never stop the unlock
            from btam_desktop.ui import errors

            errors.log_exception("could not show the next steps", exc)

    @property
    def recovery_warning(self) -> QMessageBox | None:
        """The warning that the recovery key was never confirmed, while shown (or None)."""
        box = self._recovery_warning
        return box if box is not None and isValid(box) else None

    def _recovery_key_warning(self, session: Session, window: MainWindow) -> QMessageBox | None:
        """Say plainly, after the unlock, when the vault's recovery key was never confirmed
        as written down; a lead is offered a new one at once (Settings does it)."""
        from btam_desktop.ui.pages.settings import SettingsPage
        from btam_desktop.ui.recovery_key import unconfirmed_warning

        def reissue() -> None:
            if not isValid(window):
                return
            window.show_page("settings")
            page = window.page("settings")
            if isinstance(page, SettingsPage):
                page.reissue_recovery_key()

        try:
            return unconfirmed_warning(session, window, reissue)
        except Exception as exc:  # never let the warning stop the unlock
            from btam_desktop.ui import errors

            errors.log_exception("could not check the recovery key's confirmation", exc)
            return None

    def _return_to_place(self, session: Session, window: MainWindow) -> None:
        place, self._place = self._place, None
        held, self._held = self._held, None
        forms, self._held_forms = self._held_forms, None
        # Only for the member who locked: someone else unlocking starts afresh, and what the
        # first member typed is dropped (it was never saved, and is not theirs to see).
        if place is None or place[0] != session.member_id:
            return
        try:
            window.restore_place(place[1])
        except Exception as exc:  # never let a page stop the unlock
            from btam_desktop.ui import errors

            # Type and code locations only: the message may quote case data.
            errors.log_exception("could not return to where the member was", exc)
        if forms is not None and forms[0] == session.member_id and forms[1]:
            from btam_desktop.ui.held import reopen_forms

            lost_forms = reopen_forms(window, forms[1])
            if lost_forms:
                window.show_notice("Could not reopen " + ", ".join(lost_forms) + " after the "
                                   "lock; its draft is on the case's Forms tab.", 30_000)
        if held is not None and held[0] == session.member_id and held[1]:
            from btam_desktop.ui.held import reopen_held

            lost = reopen_held(session, window, held[1])
            if lost:
                window.show_notice("Could not reopen " + ", ".join(lost) + " after the lock; "
                                   "what was typed there is lost.", 30_000)

    def idle_interval_ms(self, session: Session) -> int:
        """The idle lock delay: the test override, else the vault's setting."""
        if self._idle_override_ms is not None:
            return self._idle_override_ms
        return session.idle_minutes * 60_000

    def _on_session_change(self, summary: ChangeSummary) -> None:
        # A new idle delay (Settings) applies to the running timer at once.
        if summary.action == "setting.change" and self._session is not None:
            self.idle.set_interval(self.idle_interval_ms(self._session))

    def _on_idle(self) -> None:
        self.lock(message=idle_message(self.idle.interval_ms / 60_000))

    def _on_system_lock(self, message: str) -> None:
        self.lock(message=message)  # nothing happens while already locked

    def lock(self, message: str = LOCKED_BY_HAND) -> None:
        """Delete the main window and its dialogs, lock the session, show the unlock window.
        Does nothing while locked."""
        if self._session is None:
            return
        self._close_session()
        lines, self._lock_lines = self._lock_lines, []
        self.show_unlock(message, lines)
        self.locked.emit()

    def _close_session(self) -> None:
        self._handed_over()  # a lock before the dashboard painted: the old window goes now
        self.idle.stop()
        self.lock_keys.remove()
        window, self._main = self._main, None
        if window is not None:
            if self._session is not None and not self._finished:
                from btam_desktop.ui.held import hold_dialogs, hold_forms

                member = self._session.member_id
                # Forms first: saving their drafts needs the vault, and the place records
                # the case tabs they belong to.
                forms = hold_forms(window)
                self._held_forms = (member, forms)
                self._lock_lines = [line for f in forms if (line := f.lock_line())]
                self._place = (member, window.place())
                self._held = (member, hold_dialogs(window))
                # Said on the lock screen too (the dialog's title only, never its text).
                self._lock_lines += [held.lock_line() for held in self._held[1]]
            self.system_lock.unwatch_window(window)
            window.teardown()
            # Deleted, not hidden: the widgets holding case data must not outlive the lock.
            # Child dialogs go with it.
            _discard(window)
        # A background job may be using the connection: stop it before the session closes.
        tasks.cancel_all_and_wait()
        session, self._session = self._session, None
        if session is not None:
            session.lock()
        clipboard = QGuiApplication.clipboard()
        # Text copied from a case must not stay readable after the vault locks; only our
        # own clipboard content is cleared, never what another program put there.
        if clipboard.ownsClipboard():
            clipboard.clear(QClipboard.Mode.Clipboard)

    def request_quit(self) -> QMessageBox | None:
        """Ctrl+Q anywhere: quit (the main window closes, which locks and ends), after asking
        when a case dialog holds typed text a quit would lose; returns that question."""
        window = self._main
        if window is None:
            return None
        if self._quit_box is not None and isValid(self._quit_box):
            self._quit_box.raise_()
            self._quit_box.activateWindow()
            return self._quit_box
        from btam_desktop.ui.case.dialog_base import RecordDialog

        dialogs = [d for d in window.findChildren(RecordDialog)
                   if d.isVisible() and d.has_typed()]
        if not dialogs:
            window.close()
            return None
        for dialog in dialogs:
            dialog.close_discard_question()  # this question replaces it
        # Titles only ("Change concern level"): never the typed case text.
        names = ", ".join(f"\u201c{d.windowTitle()}\u201d" for d in dialogs)
        parent = QApplication.activeModalWidget() or QApplication.activeWindow() or window
        box = QMessageBox(QMessageBox.Icon.Question, QUIT_TITLE,
                          f"Discard what you typed in {names} and quit? It has not been "
                          "saved. Form drafts are saved.",
                          QMessageBox.StandardButton.NoButton, parent)
        quit_button = box.addButton("&Quit", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Queued: the box finishes closing before the windows under it are deleted.
        quit_button.clicked.connect(lambda: QTimer.singleShot(0, self, self._quit_now))
        box.finished.connect(self._quit_box_closed)
        self._quit_box = box
        box.open()
        return box

    def _quit_box_closed(self, _result: int) -> None:
        self._quit_box = None

    def _quit_now(self) -> None:
        if self._main is not None:
            self._main.close()

    def shutdown(self) -> None:
        """Lock whatever is open, remove every window and emit ``finished`` (once)."""
        if self._finished:
            return
        self._finished = True
        self._held = None  # typed input held across a lock ends with the program
        self._held_forms = None
        self._close_session()
        if self._wizard is not None:
            orphan = self._wizard.take_session()
            if orphan is not None:
                orphan.lock()
        _discard(self._wizard)
        _discard(self._unlock)
        self._handed_over()
        self._wizard = None
        self._unlock = None
        self.finished.emit()
