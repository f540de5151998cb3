"""The folder watch in the app: an inbox and an outbox folder, and an on/off switch that scans
them every 30 seconds while the vault is unlocked (:class:`btam_desktop.core.sync.watch.
FolderWatch` does the work; this module only decides when, and shows what happened).

A scan runs off the UI thread through :mod:`btam_desktop.ui.tasks`, whose window-modal
progress dialog keeps the GUI off the store while the scan uses it (the one-connection rule).
So that this dialog does not flash every 30 seconds over an officer's work, a tick starts a
scan only when it can matter, and only when no dialog is open:

* the inbox listing (bundle file names, sizes, modification times) changed since the last
  scan, or that scan left files waiting to settle;
* something changed in the vault since the last scan (there may be something to send);
* the watch was just switched on, "Run a scan now" was pressed, or every tenth tick anyway
  (a file that could not be opened is tried again).

The folders and the switch are remembered per vault with QSettings (paths only); locking
deletes the page and its timer, so nothing runs while locked.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts
from btam_desktop.core.sync.watch import FolderWatch, WatchReport, is_candidate
from btam_desktop.core.words import plural
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.sync.views import WatchGroup

SCAN_INTERVAL_MS = 30_000
FORCE_EVERY = 10  # ticks: a full scan at least every five minutes while on
Listing = tuple[tuple[str, int, int], ...]
# A scan report's line naming the new conflicts of one bundle (core.sync.exchange's words, with
# the CLI's pointer replaced by the Conflicts tab).
_NEW_CONFLICTS = re.compile(r"^(\s*)([\d,]+ new conflicts?) for the team lead: see the"
                            r" Conflicts tab$")


def inbox_listing(folder: Path) -> Listing | None:
    """The bundle files of ``folder`` as (name, size, mtime); None when it cannot be read."""
    try:
        entries = [(e.name, e.stat()) for e in os.scandir(folder) if is_candidate(e.name)]
    except OSError:
        return None
    return tuple(sorted((name, info.st_size, info.st_mtime_ns) for name, info in entries))


class FolderWatcher(QObject):
    """Drives a :class:`FolderWatch` from a QTimer; see the module docstring."""

    def __init__(self, page: QWidget, session: Session, group: WatchGroup) -> None:
        super().__init__(page)
        self._page = page
        self._session = session
        self.group = group
        self.watch: FolderWatch | None = None
        self.job: tasks.BackgroundJob | None = None
        self.dirty = True  # the vault changed since the last scan
        self._listing: Listing | None = None
        self._waiting = False
        self._ticks = 0
        # The last scan's report while it names new conflicts: (its text, its kind, the open
        # conflicts then); see follow_conflicts.
        self._conflict_status: tuple[str, str, int] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(SCAN_INTERVAL_MS)
        self.timer.timeout.connect(lambda: self.tick())
        self._prefix = f"sync-watch/{session.vault_id}/"
        settings = QSettings()
        self.inbox = self._folder(settings.value(self._prefix + "inbox", ""))
        self.outbox = self._folder(settings.value(self._prefix + "outbox", ""))
        on = str(settings.value(self._prefix + "on", "false")).lower() == "true"
        group.inbox_button.clicked.connect(lambda _checked=False: self.choose("inbox"))
        group.outbox_button.clicked.connect(lambda _checked=False: self.choose("outbox"))
        group.switch.toggled.connect(self.set_on)
        group.scan_now.clicked.connect(lambda _checked=False: self.tick(force=True))
        self._show_folders()
        group.switch.blockSignals(True)
        group.switch.setChecked(on and self.inbox is not None and self.outbox is not None)
        group.switch.blockSignals(False)
        if group.switch.isChecked():
            self._start()

    @staticmethod
    def _folder(value: object) -> Path | None:
        text = str(value or "")
        return Path(text) if text else None

    def _show_folders(self) -> None:
        group = self.group
        group.inbox.setText(str(self.inbox) if self.inbox else "not chosen")
        group.outbox.setText(str(self.outbox) if self.outbox else "not chosen")
        group.scan_now.setEnabled(group.switch.isChecked())

    # -- settings -----------------------------------------------------------------------------
    def choose(self, which: str) -> Path | None:
        """Pick the inbox or outbox folder."""
        current = (self.inbox if which == "inbox" else self.outbox) or Path.home()
        title = ("Choose the inbox folder (bundles to take in)" if which == "inbox"
                 else "Choose the outbox folder (bundles for the others)")
        chosen = QFileDialog.getExistingDirectory(self._page, title, str(current))
        if not chosen:
            return None
        self.set_folder(which, Path(chosen))
        return Path(chosen)

    def set_folder(self, which: str, folder: Path) -> None:
        """Use ``folder`` as the inbox or outbox (remembered for this vault)."""
        if which == "inbox":
            self.inbox = folder
        else:
            self.outbox = folder
        QSettings().setValue(self._prefix + which, str(folder))
        self.watch = None  # a new watch for the new folders
        self._listing = None
        self._show_folders()

    def set_on(self, on: bool) -> None:
        """Switch the watch on (needs both folders) or off."""
        group = self.group
        if on and (self.inbox is None or self.outbox is None):
            group.status.show_error("Choose the inbox and the outbox folder first (they may be "
                                    "the same folder).")
            group.switch.blockSignals(True)
            group.switch.setChecked(False)
            group.switch.blockSignals(False)
            return
        QSettings().setValue(self._prefix + "on", "true" if on else "false")
        if on:
            self._start()
            self.tick(force=True)
        else:
            self.timer.stop()
            group.status.show_message("The folder watch is off.", "info")
        self._show_folders()

    def _start(self) -> None:
        self.dirty = True
        self.timer.start()

    def stop(self) -> None:
        """Stop the timer (the page is going away)."""
        self.timer.stop()

    # -- scanning -----------------------------------------------------------------------------
    def tick(self, *, force: bool = False) -> tasks.BackgroundJob | None:
        """A timer tick (or "Run a scan now"): scan when it can matter; see the docstring."""
        if not self.group.switch.isChecked() or self.inbox is None or self.outbox is None:
            return None
        if tasks.is_busy() or QApplication.activeModalWidget() is not None:
            return None  # never over a dialog or another job: the next tick tries again
        if not self._session.is_open:
            return None
        self._ticks += 1
        listing = inbox_listing(self.inbox)
        if not (force or self.dirty or self._waiting or listing != self._listing
                or self._ticks % FORCE_EVERY == 0):
            return None
        return self._scan(listing)

    def _scan(self, before: Listing | None) -> tasks.BackgroundJob:
        if self.watch is None:
            assert self.inbox is not None
            assert self.outbox is not None
            self.watch = FolderWatch(self._session, self.inbox, self.outbox)
        watch = self.watch

        def work(progress: tasks.Progress) -> WatchReport:
            return watch.scan(cancelled=lambda: not progress(0, 0))

        self.job = tasks.run_in_background(
            self._page, "Folder watch", work,
            on_done=lambda report: self._scanned(report, before),
            on_error=lambda error: self.group.status.show_error(
                "The folder watch stopped at an error: " + messages.describe(error)),
            session=self._session,
            label="Taking new bundles from the inbox and writing to the outbox\u2026")
        return self.job

    def _scanned(self, report: WatchReport, before: Listing | None) -> None:
        self.dirty = False  # what this scan committed needs no scan of its own
        self._waiting = bool(report.waiting)
        after = inbox_listing(self.inbox) if self.inbox else None
        ours = {report.exported.path.name} if report.exported is not None else set()
        added = {entry[0] for entry in after or ()} - {entry[0] for entry in before or ()}
        # Our own bundle written into a shared folder is no reason for another scan.
        self._listing = after if added <= ours else before
        now = datetime.now().strftime("%H:%M")
        lines = [line.replace(": see `btam conflicts list`", ": see the Conflicts tab")
                 for line in report.lines()]
        if not lines:
            lines = ["Nothing new."]
        if report.waiting:
            lines.append(f"{plural(len(report.waiting), 'file')} still being copied; "
                         "taken at the next scan.")
        text = f"Last scan at {now}:\n" + "\n".join(lines)
        if report.refused or report.problems or report.export_problem:
            kind = "error"
        else:
            kind = "ok" if report.imported or report.exported else "info"
        self.group.status.show_message(text, kind)
        self._conflict_status = (text, kind, conflicts.open_count(self._session.db)) if any(
            _NEW_CONFLICTS.match(line) for line in lines) else None

    def follow_conflicts(self, count: int) -> None:
        """Once no conflict is open any more, the last scan's "N new conflicts for the team
        lead: see the Conflicts tab" says they were resolved since (the rest of the scan's
        report stays as it was); a report shown since is left alone."""
        status = self._conflict_status
        if status is None or count:
            return
        text, kind, noted = status
        self._conflict_status = None
        if noted == 0 or self.group.status.text() != text:
            return
        self.group.status.show_message("\n".join(
            _NEW_CONFLICTS.sub(r"\1\2 (resolved since)", line)
            for line in text.split("\n")), kind)
