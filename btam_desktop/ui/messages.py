"""Plain-language messages for the errors the core raises; never a traceback on screen.

Unexpected exceptions are logged with their traceback (for a support person) and shown as a
short sentence (for the officer).
"""

from __future__ import annotations

import logging

from btam_desktop.core.errors import (
    AccountLocked,
    BtamError,
    DiskFull,
    IntegrityProblem,
    VaultBusy,
    VaultCorrupt,
    VaultLocked,
    VaultNotFound,
    WrongPassphrase,
)
from btam_desktop.core.handed import HandedFileRefused

_log = logging.getLogger(__name__)

WRONG_PASSPHRASE = "Wrong passphrase or not a BTAM vault."  # noqa: S105 (a message)
WRONG_RECOVERY_KEY = "Wrong recovery key or not a BTAM vault."
UNEXPECTED = (
    "Something unexpected went wrong. Nothing was shown or changed; please try again, and tell"
    " your team lead if it keeps happening."
)


def sentence(text: str) -> str:
    """Capitalise the first letter and end with a full stop (core messages are lower case)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def handed_message(error: HandedFileRefused) -> str:
    """A refused file named by its whole path: the core's message starts with the file's
    name, which :func:`sentence` would capitalise ("Walk is not a regular file")."""
    return sentence(f"{error.path} {error.reason}")


def locked_message(error: AccountLocked) -> str:
    """What the unlock window says while a member is locked out."""
    return (
        f"Account '{error.member}' is locked after too many failed unlocks. "
        f"Try again after {error.until}."
    )


def describe(error: BaseException, *, recovery: bool = False) -> str:
    """A message for ``error`` an officer can act on."""
    if isinstance(error, WrongPassphrase):
        return WRONG_RECOVERY_KEY if recovery else WRONG_PASSPHRASE
    if isinstance(error, AccountLocked):
        return locked_message(error)
    if isinstance(error, VaultNotFound):
        return sentence(str(error)) + " Check the vault's location."
    if isinstance(error, VaultCorrupt):
        return (
            "The vault file is damaged and cannot be opened. Restore it from a backup "
            f"({sentence(str(error))})"
        )
    if isinstance(error, IntegrityProblem):
        return "The vault cannot be opened: " + sentence(str(error))
    if isinstance(error, VaultBusy):
        return "The vault is busy (another BTAM window may be using it). Try again in a moment."
    if isinstance(error, DiskFull):
        return "The disk is full. Free some space, then try again."
    if isinstance(error, VaultLocked):
        return "The vault is locked. Unlock it again to continue."
    if isinstance(error, HandedFileRefused):
        return handed_message(error)
    if isinstance(error, BtamError):
        return sentence(str(error))
    if isinstance(error, OSError):
        _log_safely("file system error", error)
        reason = error.strerror or type(error).__name__
        return f"The vault file could not be read or written ({reason})."
    _log_safely("unexpected error", error)
    return UNEXPECTED


def _log_safely(what: str, error: BaseException) -> None:
    """Log type and code locations only: an exception's text may quote case data."""
    from btam_desktop.ui import errors  # errors imports this module

    errors.log_exception(f"{what} {errors.new_reference()}", error)
