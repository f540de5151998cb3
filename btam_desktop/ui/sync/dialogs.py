"""The Sync page's dialogs, all on the one dialog base (:class:`RecordDialog`): create a team,
join one, invite a laptop, approve a join request, and the read-only "what happened" dialogs
(import summary, join request written).

Files are chosen with the standard file dialogs; work that derives a key from a passphrase
(Argon2id: invitation and joining) runs off the UI thread through :mod:`btam_desktop.ui.tasks`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from btam_desktop.core.session import Session
from btam_desktop.core.sync import team
from btam_desktop.core.sync.invite import JoinRequest, new_invite_passphrase
from btam_desktop.ui import messages, tasks
from btam_desktop.ui.case.dialog_base import RecordDialog, refused
from btam_desktop.ui.sync import words
from btam_desktop.ui.widgets import file_row, line_edit

TITLE_SUFFIX = " - BTAM Desktop"


def big_code(text: str, spoken: str, name: str) -> QLabel:
    """A passphrase or fingerprint: large, monospaced, selectable, read out group by group."""
    label = QLabel(text)
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.5)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    label.setAccessibleName(name)
    label.setAccessibleDescription(spoken)
    label.setObjectName("syncCode")
    return label


def with_suffix(path: str, suffix: str) -> Path:
    """``path`` ending in ``suffix`` (added when the officer typed a bare name)."""
    chosen = Path(path)
    return chosen if chosen.suffix == suffix else chosen.with_name(chosen.name + suffix)


def ask_save_path(parent: QWidget, title: str, suggested: Path, suffix: str, kind: str
                  ) -> Path | None:
    """A Save dialog; None when cancelled."""
    target, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested),
                                                  f"{kind} (*{suffix})")
    return with_suffix(target, suffix) if target else None


class InfoDialog(RecordDialog):
    """A read-only report: an intro, optionally a large code, and lines of text; one Close."""

    def __init__(self, title: str, parent: QWidget, *, intro: str = "",
                 code: tuple[str, str, str] | None = None, lines: list[str] | None = None
                 ) -> None:
        super().__init__(title + TITLE_SUFFIX, parent, ok_text="&Close")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.set_intro(intro)
        self.code: QLabel | None = None
        if code is not None:
            self.code = big_code(*code)
            self.form.addRow(self.code)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(title)
        self.text.setTabChangesFocus(True)
        self.text.setPlainText("\n".join(lines or []))
        self.text.setVisible(bool(lines))
        self.text.setMinimumHeight(160)
        self.form.addRow(self.text)
        self.setMinimumWidth(620)

    def apply(self) -> None:
        """Nothing to write: Close just closes."""


class CreateTeamDialog(RecordDialog):
    """A lead makes this laptop the first lead laptop of a new team."""

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__("Create a team" + TITLE_SUFFIX, parent, ok_text="C&reate team")
        self._session = session
        self.set_intro("This laptop becomes the team's first lead laptop. You then invite "
                       "the other laptops one by one; each one's officer joins with an "
                       "invitation file and a one-time passphrase you tell them.")
        self.team_name = line_edit("Team name")
        self.team_name.setPlaceholderText("e.g. Lakeside BTAM team")
        self.device_name = line_edit("This laptop's name")
        self.device_name.setText(team.default_device_name(session))
        self.add_row("&Team name", self.team_name)
        self.add_row("This &laptop's name", self.device_name)
        self.team_name.setFocus()

    def apply(self) -> Any:
        """Create the team through the core."""
        name = self.team_name.text().strip()
        if not name:
            raise refused(self, "Give the team a name.", self.team_name)
        return team.create_team(self._session, name,
                                device_name=self.device_name.text().strip() or None)


class JoinDialog(RecordDialog):
    """The officer's side of joining: the invitation file and the passphrase the lead told.

    OK only checks what was typed; the page then opens the invitation with the passphrase in
    the background (the key derivation takes a moment) and, only when it opens, asks where to
    save the join request. After an error the page opens this dialog again with what was
    typed (``invitation``, ``passphrase``, ``device_name``) and the reason (``problem``).
    """

    def __init__(self, session: Session, parent: QWidget, *, invitation: str = "",
                 problem: str = "", passphrase: str = "", device_name: str = "") -> None:
        super().__init__("Join a team" + TITLE_SUFFIX, parent, ok_text="&Join\u2026")
        self._session = session
        self.set_intro("Your team lead gave you an invitation file (USB stick or mail) and, "
                       "separately, told you a one-time passphrase. This laptop then writes a "
                       "join request for the lead to approve.")
        self.invitation = line_edit("Invitation file")
        self.invitation.setText(invitation)
        self.browse = QPushButton("&Browse\u2026")
        self.browse.setAccessibleName("Choose the invitation file")
        self.browse.clicked.connect(self.choose_file)
        self.add_row("Invitation &file", file_row(self.invitation, self.browse))
        self.invitation.setAccessibleName("Invitation file")
        self.passphrase = line_edit("One-time passphrase")
        self.passphrase.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.passphrase.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX")
        self.passphrase.setText(passphrase)
        self.add_row("One-time &passphrase", self.passphrase)
        self.device_name = line_edit("This laptop's name")
        self.device_name.setText(device_name or team.default_device_name(session))
        self.add_row("This &laptop's name", self.device_name)
        if problem:
            self.message.show_error(problem)
        (self.passphrase if invitation else self.invitation).setFocus()

    def choose_file(self) -> None:
        """Pick the invitation file."""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open the invitation", self.invitation.text() or str(Path.home()),
            f"BTAM invitations (*{words.INVITE_SUFFIX});;All files (*)")
        if path:
            self.invitation.setText(path)
            self.passphrase.setFocus()

    def apply(self) -> tuple[Path, str, str]:
        """Check what was typed; (invitation path, passphrase, laptop name)."""
        path = self.invitation.text().strip()
        if not path or not Path(path).is_file():
            raise refused(self, "Choose the invitation file your team lead gave you.",
                          self.invitation)
        passphrase = self.passphrase.text().strip()
        if not passphrase:
            raise refused(self, "Type the passphrase your team lead told you.",
                          self.passphrase)
        return Path(path), passphrase, self.device_name.text().strip()


class InviteDialog(RecordDialog):
    """A lead invites a laptop: a fresh one-time passphrase shown large, then the invitation
    file is saved (in the background: the passphrase's key takes a moment to derive)."""

    def __init__(self, session: Session, parent: QWidget, *,
                 on_saved: Callable[[Path], None] | None = None) -> None:
        super().__init__("Invite a laptop" + TITLE_SUFFIX, parent,
                         ok_text="&Save invitation file\u2026")
        self._session = session
        self._on_saved = on_saved
        self.passphrase = new_invite_passphrase()
        self.saved_to: Path | None = None
        self.job: tasks.BackgroundJob | None = None
        self.set_intro("The officer joining needs two things: the invitation file, and this "
                       "one-time passphrase.")
        self.code = big_code(self.passphrase, words.fingerprint_spoken(self.passphrase),
                             "One-time passphrase")
        self.form.addRow(self.code)
        warning = QLabel(f"{words.WARNING}  Tell it in person or by phone; never send it with "
                         "the file. The invitation is valid for "
                         f"{team.INVITE_DAYS} days and works once.")
        warning.setWordWrap(True)
        warning.setAccessibleName(warning.text())
        self.form.addRow(warning)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("Close")
        self.code.setFocus()

    def accept(self) -> None:
        """Save the invitation (asks where first); the dialog stays open to show the
        passphrase until the lead closes it."""
        if self.saved_to is not None:
            super().accept()
            return
        suggested = Path.home() / f"btam-invitation{words.INVITE_SUFFIX}"
        path = ask_save_path(self, "Save the invitation", suggested, words.INVITE_SUFFIX,
                             "BTAM invitations")
        if path is None:
            return
        session, passphrase = self._session, self.passphrase
        self.message.clear_message()
        self.job = tasks.run_in_background(
            self, "Writing the invitation",
            lambda _progress: team.invite(session, path, passphrase),
            on_done=lambda secret: self._saved(path, str(secret.expires_at)),
            on_error=lambda error: self.message.show_error(messages.describe(error)),
            cancellable=False, session=session,
            label="Protecting the invitation with the passphrase\u2026")

    def _saved(self, path: Path, expires: str) -> None:
        self.saved_to = path
        self.message.show_message(
            f"Invitation saved to {path} (valid until {expires[:10]}). Hand the file to the "
            "officer, then tell them the passphrase above. When their join request comes "
            "back, choose \u201cApprove a join request\u2026\u201d.", "ok")
        self.ok_button.hide()
        self.cancel_button.setFocus()
        if self._on_saved is not None:
            self._on_saved(path)

    def apply(self) -> None:
        """Not used: :meth:`accept` saves."""


class ApproveDialog(RecordDialog):
    """A lead approves a laptop after the officer read out the same fingerprint."""

    def __init__(self, session: Session, request: JoinRequest, parent: QWidget) -> None:
        super().__init__("Approve a join request" + TITLE_SUFFIX, parent, ok_text="&Approve")
        self._session = session
        self.request = request
        self.fingerprint = request.device.fingerprint()
        self.set_intro(
            f"\u201c{request.device_name}\u201d (device code {request.device_code}) asks to "
            "join the team. Ask the officer to open Sync on that laptop and read out the "
            "fingerprint shown under \u201cThis laptop\u201d. Approve only if every group "
            "matches the one below: otherwise the file may not come from that laptop.")
        name = QLabel(request.device_name)
        name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_row("Laptop", name)
        code = QLabel(request.device_code)
        self.add_row("Device code", code)
        members = ", ".join(m.name for m in request.members) or "none listed"
        self.add_row("Members", QLabel(members))
        self.code = big_code(words.fingerprint_lines(self.fingerprint),
                             words.fingerprint_spoken(self.fingerprint), "Fingerprint")
        self.form.addRow(self.code)
        self.role = QComboBox()
        self.role.addItem("Member laptop", "member")
        self.role.addItem("Lead laptop (a second lead)", "lead")
        self.add_row("&Role in the team", self.role)
        self.confirmed = QCheckBox("The officer read out the &same fingerprint")
        self.confirmed.setAccessibleName("The officer read out the same fingerprint")
        self.form.addRow(self.confirmed)
        self.confirmed.setFocus()

    def apply(self) -> Any:
        """Approve through the core (only once the fingerprint was compared)."""
        if not self.confirmed.isChecked():
            raise refused(self, "Compare the fingerprint with the officer first, then tick "
                          "the box.", self.confirmed)
        return team.approve(self._session, self.request.device.device_id,
                            role=str(self.role.currentData()))


def request_written_dialog(parent: QWidget, path: Path, fingerprint: str, team_name: str
                           ) -> InfoDialog:
    """After joining: where the request is, and the fingerprint to read out to the lead."""
    dialog = InfoDialog(
        "Join request written", parent,
        intro=(f"This laptop now trusts the team \u201c{team_name}\u201d. The join request "
               f"was saved to {path}. Hand it to your team lead (USB stick or mail). When the "
               "lead asks, read out this laptop's fingerprint:"),
        code=(words.fingerprint_lines(fingerprint), words.fingerprint_spoken(fingerprint),
              "This laptop's fingerprint"))
    dialog.open()
    return dialog

