"""Dialogs with unsaved input, held across a lock and reopened after the same member unlocks.

A lock deletes the main window and every dialog under it (the widgets holding case data must
not outlive it). A note half-typed in Add entry › Note… vanished with them. Before the window
goes, :func:`hold_dialogs` takes from every open case dialog in which something was typed the
way to build it again (ids only) and the values of its inputs. They are kept in this process's
memory only, by the controller, beside where the member was, and never written anywhere: the
vault is locked and nothing of a case may reach the disk in plaintext. After the same member
unlocks, :func:`reopen_held` builds the dialogs again over the new main window and puts the
input back. Anyone else unlocking, or quitting, drops them.

A form is not held here: its draft is saved in the vault when the lock comes
(:class:`~btam_desktop.ui.forms.autosave.DraftController`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from btam_desktop.core.session import Session
from btam_desktop.ui.case.dialog_base import RecordDialog, Reopen

_log = logging.getLogger(__name__)

KEPT = ("What you typed was kept while the vault was locked; it is not saved yet. Check it, "
        "then save.")


@dataclass
class HeldDialog:
    """One dialog's way back and its input (memory only)."""

    title: str
    reopen: Reopen
    state: list[Any]


def hold_dialogs(window: QWidget) -> list[HeldDialog]:
    """The open case dialogs of ``window`` that have typed input, oldest first."""
    held = []
    for dialog in window.findChildren(RecordDialog):
        if dialog.reopen is not None and dialog.isVisible() and dialog.has_typed():
            held.append(HeldDialog(dialog.windowTitle(), dialog.reopen, dialog.input_state()))
    return held


def reopen_held(session: Session, window: QWidget, held: list[HeldDialog]) -> list[str]:
    """Build the dialogs again over ``window`` with their input; returns the titles of those
    that could not be (their case or entry is gone, or the member may no longer write)."""
    lost = []
    for each in held:
        try:
            dialog = each.reopen(session, window)
        except Exception as exc:  # never let one dialog stop the unlock
            from btam_desktop.ui import errors

            # Type and code locations only: the message may quote case data.
            errors.log_exception("could not reopen a dialog held across a lock", exc)
            lost.append(each.title)
            continue
        dialog.set_input_state(each.state)
        dialog.message.show_message(KEPT, "info")
        dialog.open()
    return lost
