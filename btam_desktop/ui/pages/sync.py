"""The Sync page: exchange encrypted bundles with the other laptops of the team, look after
the team roster, and settle conflicts.

Four tabs (each scrolls on its own, for 1024x768 screens):

* **Send and receive**: this laptop (device code, fingerprint to read out, team and role);
  "Create a team" (leads) and "Join a team with an invitation…" before it is in one; export
  (to all other laptops or those picked; since the last sync or everything) and import (a file
  dialog for several files, or files dropped anywhere on the page); the folder watch.
* **History**: bundles in and out, records held for a record that has not arrived, and (for
  leads) two different bundles under one number from one laptop: a cloned laptop.
* **Team**: the roster; on a lead laptop, invite, approve a join request after comparing the
  fingerprint, revoke, make lead / make member.
* **Conflicts**: the queue, critical fields first and marked with a word and a sign; a lead
  resolves in :class:`~btam_desktop.ui.sync.conflict_dialog.ConflictDialog`, others read.

Export, import, invitation and joining run off the UI thread through
:mod:`btam_desktop.ui.tasks` (progress dialog; import of several files stops between files on
Cancel). Everything is read and written through ``btam_desktop.core.sync``; never SQL here.

The folder watch (inbox and outbox folders, on/off, a scan every 30 seconds while unlocked)
is in the Send and receive tab; :mod:`btam_desktop.ui.sync.watching` decides when it scans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QTabWidget, QWidget

from btam_desktop.core.errors import BtamError
from btam_desktop.core.ops import ChangeSummary
from btam_desktop.core.session import Session
from btam_desktop.core.sync import conflicts, exchange, team
from btam_desktop.core.sync.exchange import SUFFIX, ExportResult, ImportSummary
from btam_desktop.core.sync.invite import Invitation
from btam_desktop.core.words import plural
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case.dialog_base import RecordDialog
from btam_desktop.ui.case.tab_base import confirm
from btam_desktop.ui.pages.base import Page
from btam_desktop.ui.session_events import SessionEvents
from btam_desktop.ui.sync import words
from btam_desktop.ui.sync.conflict_dialog import ConflictDialog, open_conflict
from btam_desktop.ui.sync.dialogs import (
    ApproveDialog,
    CreateTeamDialog,
    InfoDialog,
    InviteDialog,
    JoinDialog,
    ask_save_path,
    request_written_dialog,
)
from btam_desktop.ui.sync.state import SyncState, load
from btam_desktop.ui.sync.views import ConflictsTab, ExchangeTab, HistoryTab, TeamTab
from btam_desktop.ui.sync.watching import FolderWatcher
from btam_desktop.ui.widgets import MessageLabel, muted

INTRO = ("Exchange work with the other laptops of your team as encrypted bundle files, carried "
         "on a USB stick, by mail or through a shared folder: no server. Each bundle is sealed "
         "to the laptops it is for and signed by this one.")
TAB_TITLES = ("&Send and receive", "&History", "&Team", "&Conflicts")


@dataclass(frozen=True)
class ImportOutcome:
    """One file of an import: its summary, or the error that refused it."""

    path: Path
    summary: ImportSummary | None
    error: BaseException | None


def import_report(outcomes: list[ImportOutcome], total: int) -> list[str]:
    """The lines of the import summary dialog: per file, what came in or why not."""
    lines: list[str] = []
    for outcome in outcomes:
        lines.append(outcome.path.name)
        if outcome.summary is not None:
            lines += [f"  {line}" for line in words.summary_lines(outcome.summary)]
        else:
            lines.append(f"  {words.refusal_text(outcome.error or Exception())}")
        lines.append("")
    if len(outcomes) < total:
        lines.append(f"{total - len(outcomes)} file(s) not imported: the import was "
                     "cancelled before them. Nothing of them changed the vault.")
    return lines


def dropped_bundles(mime: QMimeData) -> list[Path]:
    """The bundle files among dropped URLs (local files ending in .btambundle)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls()
            if url.isLocalFile() and url.toLocalFile().lower().endswith(SUFFIX)]


class SyncPage(Page):
    """Bundles, team and conflicts; see the module docstring."""

    def __init__(self, session: Session, events: SessionEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__("Sync", parent)
        self._session = session
        self._refreshing = False
        self.folder = Path.home()  # where the last bundle was saved or opened
        self.state = SyncState()
        self.dialog: QWidget | None = None  # the last dialog opened (tests look at it)
        self.last_job: tasks.BackgroundJob | None = None
        self.message = MessageLabel()
        # The import's message that names new conflicts, while it is shown: (its text, the
        # text without the conflicts' sentence, its kind, the open conflicts it was written
        # for). A refresh with another count rewrites that sentence (see _follow_conflicts).
        self._conflict_note: tuple[str, str, str, int] | None = None
        self.exchange = ExchangeTab()
        self.history = HistoryTab()
        self.team = TeamTab()
        self.queue = ConflictsTab()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Sync sections")
        self.tabs.setDocumentMode(True)
        for widget, title in zip((self.exchange, self.history, self.team, self.queue),
                                 TAB_TITLES, strict=True):
            self.tabs.addTab(widget, title)
        intro = muted(INTRO)
        intro.setMaximumWidth(900)
        self.body.addWidget(intro)
        self.body.addWidget(self.message)
        self.body.addWidget(self.tabs, 1)
        self.setAcceptDrops(True)

        ex = self.exchange
        ex.copy_fingerprint.clicked.connect(self.copy_fingerprint)
        ex.create_team.clicked.connect(self.create_team)
        ex.join_team.clicked.connect(lambda _checked=False: self.join_team())
        ex.export_button.clicked.connect(self.choose_export)
        ex.import_button.clicked.connect(self.choose_import)
        tm = self.team
        tm.invite.clicked.connect(self.invite)
        tm.approve.clicked.connect(self.choose_request)
        tm.revoke.clicked.connect(self.revoke_selected)
        tm.make_lead.clicked.connect(lambda _checked=False: self.set_selected_role("lead"))
        tm.make_member.clicked.connect(lambda _checked=False: self.set_selected_role("member"))
        tm.scope.clicked.connect(lambda _checked=False: self.toggle_selected_scope())
        self.queue.resolve.clicked.connect(self.resolve_selected)
        self.queue.table.activated.connect(lambda _index: self.resolve_selected())
        self.queue.show_resolved.toggled.connect(lambda _on: self.refresh())
        self.watcher = FolderWatcher(self, session, self.exchange.watch)
        self.watch(events)

    # -- reading ------------------------------------------------------------------------------
    def changed_elsewhere(self, summary: ChangeSummary) -> None:
        """A change may be something to send."""
        self.watcher.dirty = True

    def refresh(self) -> None:
        """Re-read this laptop, the team, the history and the queue."""
        if tasks.is_busy():
            self.stale = True
            return
        if self._refreshing:
            return  # a first look creates the device keys, which is a change of its own
        self._refreshing = True
        try:
            state = load(self._session, include_resolved=self.queue.show_resolved.isChecked())
        except Exception as error:  # e.g. the vault was locked underneath us
            self.message.show_error(messages.describe(error))
            return
        finally:
            self._refreshing = False
        self.stale = False
        self.state = state
        for tab in (self.exchange, self.history, self.team, self.queue):
            tab.show_state(self._session, state)
        count = state.open_conflicts
        critical = any(c.critical and not c.resolved for c in state.conflicts)
        title = TAB_TITLES[3] + (f" ({count})" if count else "")
        self.tabs.setTabText(3, (f"{words.WARNING} " if critical else "") + title)
        self.tabs.setTabToolTip(3, f"{plural(count, 'conflict')} to resolve"
                                   + (", some critical" if critical else ""))
        self.tabs.setTabVisible(1, state.in_team)
        self.tabs.setTabVisible(2, state.in_team)
        self._follow_conflicts(count)
        self.watcher.follow_conflicts(count)

    def _follow_conflicts(self, count: int) -> None:
        """The import's "N new conflicts for the team lead" follows the open count once
        conflicts are resolved (here or by a bundle): "N still to resolve", then gone; the
        rest of the message (what the import did) stays."""
        note = self._conflict_note
        if note is None:
            return
        shown, base, kind, noted = note
        if self.message.text() != shown:  # another message has replaced it
            self._conflict_note = None
            return
        if count == noted:
            return
        if count:
            text = (f"{base} {plural(count, 'conflict')} still to resolve: see the Conflicts"
                    " tab.")
            self._conflict_note = (text, base, kind, count)
        else:
            text, self._conflict_note = base, None
        self.message.show_message(text, kind)

    def teardown(self) -> None:
        """Stop the folder watch; drop the conflict values held by the queue."""
        self.watcher.stop()
        self.queue.model.set_conflicts([], {})

    def place(self) -> dict[str, object]:
        """The tab shown (restored after a lock)."""
        return {"tab": self.tabs.currentIndex()}

    def restore_place(self, state: object) -> None:
        """Show the tab :meth:`place` recorded."""
        if isinstance(state, dict) and isinstance(state.get("tab"), int):
            self.tabs.setCurrentIndex(state["tab"])

    def show_conflicts(self) -> None:
        """Bring the conflict queue to the front (the dashboard's "N conflicts to resolve")."""
        self.tabs.setCurrentWidget(self.queue)
        self.refresh()
        self.queue.table.setFocus()

    def _show_dialog(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        if isinstance(dialog, (RecordDialog, QMessageBox)) and not dialog.isVisible():
            dialog.open()
        return dialog

    def _run(self, action: Callable[[], Any], done: str) -> bool:
        """A quick core call; its refusal in words on the page."""
        try:
            action()
        except (BtamError, OSError) as error:
            self.message.show_error(messages.describe(error))
            return False
        self.message.show_message(done, "ok")
        self.refresh()
        return True

    def copy_fingerprint(self) -> None:
        """Put this laptop's fingerprint on the clipboard."""
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(str(self.state.device.get("fingerprint") or ""))
        self.message.show_message("Fingerprint copied.", "info")

    # -- team set-up --------------------------------------------------------------------------
    def create_team(self) -> RecordDialog:
        """Ask for the team's name; this laptop becomes its first lead laptop."""
        dialog = CreateTeamDialog(self._session, self.window())
        dialog.applied.connect(lambda _roster: self._after_team(
            "Team created. Invite the other laptops under Team."))
        self._show_dialog(dialog)
        return dialog

    def _after_team(self, text: str) -> None:
        self.message.show_message(text, "ok")
        self.refresh()

    def join_team(self, invitation: str = "", problem: str = "", *, passphrase: str = "",
                  device_name: str = "") -> JoinDialog:
        """The invitation file and passphrase, checked; then where to save the join request.
        (The arguments: what was typed before an error, and the error.)"""
        dialog = JoinDialog(self._session, self.window(), invitation=invitation,
                            problem=problem, passphrase=passphrase, device_name=device_name)
        # After the dialog has closed: the Save dialog and the job need the window free.
        dialog.applied.connect(lambda values: QTimer.singleShot(
            0, self, lambda: self._join_chosen(values)))
        self._show_dialog(dialog)
        return dialog

    def _join_chosen(self, values: tuple[Path, str, str]) -> tasks.BackgroundJob | None:
        # The invitation is opened with the passphrase first: a wrong passphrase or a bad
        # file is said before the officer is asked where to save a request.
        invitation, passphrase, _name = values
        session = self._session

        def work(_progress: tasks.Progress) -> Invitation:
            return team.open_invitation_file(session, invitation, passphrase)

        self.last_job = tasks.run_in_background(
            self, "Joining the team", work,
            on_done=lambda opened: self._ask_and_join(values, opened),
            on_error=lambda error: self._join_failed(values, error),
            cancellable=False, session=session,
            label="Opening the invitation with the passphrase\u2026")
        return self.last_job

    def _ask_and_join(self, values: tuple[Path, str, str], opened: Invitation) -> None:
        invitation, passphrase, name = values
        session = self._session
        suggested = invitation.parent / f"btam-join-{session.device_code}{words.REQUEST_SUFFIX}"
        out = ask_save_path(self, "Save the join request", suggested, words.REQUEST_SUFFIX,
                            "BTAM join requests")
        if out is None:
            return

        def work(_progress: tasks.Progress) -> Invitation:
            return team.join(session, invitation, passphrase, out, device_name=name or None,
                             opened=opened)

        self.last_job = tasks.run_in_background(
            self, "Joining the team", work,
            on_done=lambda joined: self._joined(out, joined),
            on_error=lambda error: self._join_failed(values, error),
            cancellable=False, session=session, label="Writing the join request\u2026")

    def _join_failed(self, values: tuple[Path, str, str], error: BaseException) -> None:
        # Open the dialog again with the reason and everything typed kept (the file, the
        # passphrase to correct, the laptop's name).
        invitation, passphrase, name = values
        self.join_team(str(invitation), messages.describe(error), passphrase=passphrase,
                       device_name=name)

    def _joined(self, out: Path, opened: Invitation) -> None:
        self.folder = out.parent
        self.refresh()
        fingerprint = str(self.state.device.get("fingerprint") or "")
        self.message.show_message(
            f"Join request saved to {out}. Hand it to your team lead and read out this "
            "laptop's fingerprint when asked.", "ok")
        self.dialog = request_written_dialog(self.window(), out, fingerprint, opened.team_name)

    # -- roster (leads) -----------------------------------------------------------------------
    def invite(self) -> InviteDialog:
        """A one-time passphrase shown large, then Save for the invitation file."""
        dialog = InviteDialog(self._session, self.window(),
                              on_saved=lambda path: setattr(self, "folder", path.parent))
        self._show_dialog(dialog)
        return dialog

    def choose_request(self) -> ApproveDialog | None:
        """Open a join request file, then compare its fingerprint in the approve dialog."""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open a join request", str(self.folder),
            f"BTAM join requests (*{words.REQUEST_SUFFIX});;All files (*)")
        if not path:
            return None
        return self.approve_file(Path(path))

    def approve_file(self, path: Path) -> ApproveDialog | None:
        """Read a join request (it must answer an invitation of this laptop) and ask the lead
        to compare the fingerprint before approving."""
        try:
            request = team.receive_request(self._session, path)
        except (BtamError, OSError) as error:
            self.message.show_error(messages.describe(error))
            return None
        self.folder = path.parent
        dialog = ApproveDialog(self._session, request, self.window())
        dialog.applied.connect(lambda _roster: self._after_team(
            f"{request.device_name} is in the team. Send it a bundle: it carries the new "
            "roster and everything it has not received yet."))
        self._show_dialog(dialog)
        return dialog

    def revoke_selected(self) -> QMessageBox | None:
        """Ask, naming the laptop, then revoke it."""
        device = self.team.selected()
        if device is None:
            return None
        session = self._session
        box = confirm(
            self.window(), "Revoke a laptop",
            f"Revoke \u201c{device.name}\u201d (device code {device.code})?\n\nFrom now on its "
            "bundles are refused and nothing new is sealed to it. A revoked laptop cannot "
            "come back into the team. The other laptops learn of it with your next bundle.",
            "Revoke",
            lambda: self._run(lambda: team.revoke(session, device.device_id),
                              f"{device.name} was revoked."))
        self.dialog = box
        return box

    def set_selected_role(self, role: str) -> bool:
        """Make the selected laptop a lead or a member laptop."""
        device = self.team.selected()
        if device is None:
            return False
        session = self._session
        said = "a lead laptop" if role == "lead" else "a member laptop"
        return self._run(lambda: team.set_role(session, device.device_id, role),
                         f"{device.name} is now {said}.")

    def toggle_selected_scope(self) -> bool:
        """Need to know: limit the selected laptop to its assigned cases, or undo that."""
        device = self.team.selected()
        if device is None:
            return False
        session = self._session
        scope = "all" if device.scope == "assigned" else "assigned"
        said = ("now receives only the cases its members are assigned to; cases outside that"
                " are withdrawn from it with its next bundle" if scope == "assigned"
                else "now receives the whole case file")
        return self._run(lambda: team.set_scope(session, device.device_id, scope),
                         f"{device.name} {said}.")

    # -- export -------------------------------------------------------------------------------
    def choose_export(self) -> tasks.BackgroundJob | None:
        """Ask where (the default name says who and which number), then export."""
        ex = self.exchange
        to: list[str] | None = None
        if ex.to_picked.isChecked():
            to = ex.picked()
            if not to:
                ex.export_result.show_error("Tick at least one laptop to send to, or choose "
                                            "all other laptops.")
                ex.recipients.setFocus()
                return None
        suggested = self.folder / exchange.default_name(self._session,
                                                        self.state.next_sequence)
        path = ask_save_path(self, "Export a sync bundle", suggested, SUFFIX,
                             "BTAM sync bundles")
        if path is None:
            return None
        return self.export_to(path, to=to, full=ex.everything.isChecked())

    def export_to(self, path: Path, *, to: list[str] | None = None, full: bool = False
                  ) -> tasks.BackgroundJob:
        """Write a bundle in the background and say what was written."""
        session = self._session
        result_label = self.exchange.export_result
        result_label.clear_message()

        def work(progress: tasks.Progress) -> ExportResult:
            if not progress(0, 1):
                raise tasks.JobCancelled
            result = exchange.export_bundle(session, path, to=to, full=full)
            progress(1, 1)
            return result

        def done(result: ExportResult) -> None:
            self.folder = result.path.parent
            result_label.show_message(
                words.export_text(result, self.state.roster, session.device_id), "ok")

        self.last_job = tasks.run_in_background(
            self, "Exporting a bundle", work, on_done=done,
            on_error=lambda error: result_label.show_error(messages.describe(error)),
            on_cancelled=lambda: result_label.show_message("Export cancelled; nothing was "
                                                           "written.", "info"),
            session=session,
            label="Gathering what the other laptops have not received and sealing it to "
                  "them\u2026")
        return self.last_job

    # -- import -------------------------------------------------------------------------------
    def choose_import(self) -> tasks.BackgroundJob | None:
        """Pick one or more bundle files, then import them."""
        paths, _filter = QFileDialog.getOpenFileNames(
            self, "Import sync bundles", str(self.folder),
            f"BTAM sync bundles (*{SUFFIX});;All files (*)")
        if not paths:
            return None
        return self.import_paths([Path(p) for p in paths])

    def _can_import(self) -> str:
        """Why bundles cannot be imported now ("" when they can)."""
        if self._session.role not in ("officer", "lead"):
            return "Your role can read case files but not import bundles."
        if not self.state.in_team:
            return "This laptop is not in a team yet: create or join one first."
        if tasks.is_busy():
            return "Another task is still running; try again when it has finished."
        return ""

    def import_paths(self, paths: list[Path]) -> tasks.BackgroundJob | None:
        """Import bundle files one by one in the background (each all or nothing), then show
        what each brought in or why it was refused."""
        problem = self._can_import()
        if problem:
            self.message.show_error(problem)
            return None
        session = self._session
        total = len(paths)

        def work(progress: tasks.Progress) -> list[ImportOutcome]:
            outcomes: list[ImportOutcome] = []
            for number, path in enumerate(paths):
                if not progress(number, total):
                    break  # Cancel: the files not started are left alone
                try:
                    outcomes.append(ImportOutcome(path, exchange.import_file(session, path),
                                                  None))
                except Exception as error:  # refused (or broken) file: say why, go on
                    outcomes.append(ImportOutcome(path, None, error))
            progress(total, total)
            return outcomes

        self.message.clear_message()
        self.last_job = tasks.run_in_background(
            self, "Importing bundles", work,
            on_done=lambda outcomes: self.show_import_summary(outcomes, total),
            on_error=lambda error: self.message.show_error(messages.describe(error)),
            session=session,
            label=f"Checking, opening and merging {plural(total, 'bundle')}\u2026")
        return self.last_job

    def show_import_summary(self, outcomes: list[ImportOutcome], total: int) -> None:
        """The summary dialog: what each file brought in, or why it was refused."""
        if outcomes:
            self.folder = outcomes[-1].path.parent
        done = sum(1 for o in outcomes if o.summary is not None)
        refused = len(outcomes) - done
        intro = f"{plural(done, 'bundle')} imported"
        intro += f", {refused} refused (nothing of those changed the vault)." if refused else "."
        base = intro
        new_conflicts = sum(o.summary.report.new_conflicts for o in outcomes
                            if o.summary is not None)
        if new_conflicts:
            intro += (f" {plural(new_conflicts, 'new conflict')} for the team lead: see "
                      "the Conflicts tab.")
        kind = "error" if refused else "ok"
        self.message.show_message(intro, kind)
        # The count now (the page's own state may not have been re-read since the import).
        self._conflict_note = (intro, base, kind, conflicts.open_count(self._session.db)) if (
            new_conflicts) else None
        self._show_dialog(InfoDialog("Import summary", self.window(), intro=intro,
                                     lines=import_report(outcomes, total)))

    # -- drag and drop ------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept bundle files dragged over the page."""
        if dropped_bundles(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep accepting while the files move over the page."""
        if dropped_bundles(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Import the dropped bundle files (after the drop has finished)."""
        paths = dropped_bundles(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, self, lambda: self.import_paths(paths))

    # -- conflicts ----------------------------------------------------------------------------
    def resolve_selected(self) -> ConflictDialog | None:
        """Open the selected conflict (read-only for members who are not leads)."""
        conflict = self.queue.selected()
        if conflict is None:
            return None
        dialog = open_conflict(self._session, conflict, self.window())
        self.dialog = dialog
        return dialog
