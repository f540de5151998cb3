"""The application's flow: create or unlock, the main window, lock (by hand or when idle).

:class:`AppController` owns the current :class:`~btam_desktop.core.session.Session` and the
windows, so the flow can be driven by tests without ``app.exec()``. It is the only place that
locks: the main window and its pages are deleted (not hidden), the session is locked (the
database closes and the key is forgotten), and a fresh unlock window appears.

Windows closed by the user (the title bar's close button, Quit) end the application: the
controller locks and emits ``finished``; ``app.py`` connects that to ``QApplication.quit``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QWidget

from btam_desktop.core import vault
from btam_desktop.core.session import Session
from btam_desktop.ui.idle import IdleWatcher
from btam_desktop.ui.main_window import MainWindow
from btam_desktop.ui.theme import ThemeManager
from btam_desktop.ui.unlock import UnlockWindow
from btam_desktop.ui.wizard import CreateVaultWizard

_log = logging.getLogger(__name__)

LOCKED_BY_HAND = "The vault is locked."


def idle_message(minutes: float) -> str:
    """What the unlock window says after an idle lock."""
    if minutes >= 1:
        whole = round(minutes)
        return f"Locked after {whole} minute{'s' if whole != 1 else ''} without activity."
    return "Locked after a period without activity."


def _discard(window: QWidget | None) -> None:
    """Hide and delete a window (hide, not close: closing means "quit" to our windows)."""
    if window is None:
        return
    window.blockSignals(True)
    window.hide()
    window.deleteLater()


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
        self._notices: list[str] = []
        self._finished = False
        self.idle = IdleWatcher(idle_ms or 60_000, self)
        self.idle.timed_out.connect(self._on_idle)

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
        wizard.rejected.connect(self.shutdown)
        self._wizard = wizard
        wizard.show()
        return wizard

    def show_unlock(self, message: str = "") -> UnlockWindow:
        """Show a fresh unlock window (nothing typed before a lock survives it)."""
        _discard(self._unlock)
        window = UnlockWindow(self.vault_path, message=message)
        window.unlocked.connect(self._on_unlocked)
        window.notice.connect(self._notices.append)
        window.closed.connect(self.shutdown)
        self._unlock = window
        window.show()
        window.activateWindow()
        return window

    def _on_created(self, session: Session) -> None:
        _discard(self._wizard)
        self._wizard = None
        self._notices.append(f"Vault created. Welcome, {session.actor_name}.")
        self._enter(session)

    def _on_unlocked(self, session: Session) -> None:
        _discard(self._unlock)
        self._unlock = None
        self._enter(session)

    def _enter(self, session: Session) -> None:
        if self._session is not None:  # cannot happen through the windows; be safe anyway
            _log.warning("a second session was opened; locking it")
            session.lock()
            return
        self._session = session
        window = MainWindow(session, theme=self.theme)
        window.lock_requested.connect(self.lock)
        window.close_requested.connect(self.shutdown)
        self._main = window
        for notice in self._notices:
            window.show_notice(notice)
        self._notices.clear()
        window.show()
        window.activateWindow()
        self.idle.set_interval(self.idle_interval_ms(session))
        self.idle.start()
        self.session_started.emit(session)

    def idle_interval_ms(self, session: Session) -> int:
        """The idle lock delay: the test override, else the vault's setting."""
        if self._idle_override_ms is not None:
            return self._idle_override_ms
        return session.idle_minutes * 60_000

    def _on_idle(self) -> None:
        self.lock(message=idle_message(self.idle.interval_ms / 60_000))

    def lock(self, message: str = LOCKED_BY_HAND) -> None:
        """Delete the main window, lock the session, show the unlock window."""
        if self._session is None:
            return
        self._close_session()
        self.show_unlock(message)
        self.locked.emit()

    def _close_session(self) -> None:
        self.idle.stop()
        window, self._main = self._main, None
        if window is not None:
            window.teardown()
            # Deleted, not hidden: the widgets holding case data must not outlive the lock.
            # Child dialogs go with it.
            _discard(window)
        session, self._session = self._session, None
        if session is not None:
            session.lock()
        clipboard = QGuiApplication.clipboard()
        # Text copied from a case must not stay readable after the vault locks; only our
        # own clipboard content is cleared, never what another program put there.
        if clipboard.ownsClipboard():
            clipboard.clear(QClipboard.Mode.Clipboard)

    def shutdown(self) -> None:
        """Lock whatever is open, remove every window and emit ``finished`` (once)."""
        if self._finished:
            return
        self._finished = True
        self._close_session()
        if self._wizard is not None:
            orphan = self._wizard.take_session()
            if orphan is not None:
                orphan.lock()
        _discard(self._wizard)
        _discard(self._unlock)
        self._wizard = None
        self._unlock = None
        self.finished.emit()
