"""Exception classes the CLI and UI map to messages and exit codes.

Environment problems (busy, disk full, corrupt file) are classified apart from bugs, as
qutebrowser's SQL wrapper does, so the user gets a message they can act on.
"""

from __future__ import annotations


class BtamError(Exception):
    """Base of every expected, user-facing error. ``exit_code`` follows the CLI contract."""

    exit_code = 1


class InvalidInput(BtamError):
    """The user asked for something malformed or impossible (exit 1)."""


class NotFound(InvalidInput):
    """A case, person, member or record named by the user does not exist."""


class PermissionDenied(BtamError):
    """The unlocked member's role does not allow this action."""

    exit_code = 2


class AuthError(BtamError):
    """Unlocking failed (exit 2)."""

    exit_code = 2


class WrongPassphrase(AuthError):
    """Wrong passphrase, or the file is not a BTAM vault. Never says which, on purpose."""

    def __init__(self, message: str = "wrong passphrase or not a BTAM vault") -> None:
        super().__init__(message)


class AccountLocked(AuthError):
    """Too many failed unlocks in a row; ``until`` is when the member may try again."""

    def __init__(self, member: str, until: str) -> None:
        super().__init__(
            f"account '{member}' is locked after too many failed unlocks; try again after {until}"
        )
        self.member = member
        self.until = until


class VaultExists(InvalidInput):
    """Refusal to create or restore over an existing vault."""


class VaultNotFound(InvalidInput):
    """No vault at the given path; opening never creates one by itself."""


class WeakPassphrase(InvalidInput):
    """A new passphrase breaks the CJIS-style rules; ``problems`` lists each rule broken."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("passphrase rejected: " + "; ".join(problems))
        self.problems = problems


class IntegrityProblem(BtamError):
    """The vault or the audit chain failed an integrity check (exit 3)."""

    exit_code = 3


class VaultCorrupt(IntegrityProblem):
    """SQLite/SQLCipher reports a malformed database."""


class VaultBusy(BtamError):
    """Another program holds the vault's write lock for too long."""


class DiskFull(BtamError):
    """The disk holding the vault is full; the last change was not saved."""


class VaultLocked(BtamError):
    """An operation was attempted on a vault session that has been locked."""

    exit_code = 2
