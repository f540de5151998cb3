"""What every CLI command shares: where the vault is, getting passphrases without echo or
logging, unlocking, and printing text or ``--json``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from btam_desktop.core.errors import AuthError, InvalidInput
from btam_desktop.core.handed import check_regular

# The vault (database driver, crypto), keyring and paths modules load when a command first
# needs them, not when ``btam`` starts: ``btam --version`` imports this module too.
if TYPE_CHECKING:
    from btam_desktop.core.session import Session


class UsageError(InvalidInput):
    """Bad command-line usage (exit 1, as every invalid input)."""


def first_line(path: str) -> str:
    """The first line of a file (passphrase files), without its line ending."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    # Only the line ending is removed: spaces may be part of a passphrase.
    return text.splitlines()[0] if text else ""


def handed_file(text: str | Path) -> Path:
    """A file handed over (bundle, backup, form, card, referral, attachment), refused at once
    when it is a pipe, a device or a folder, before the vault is unlocked (core.handed's
    check; the core's readers check the opened file again). A missing file is left to the
    command, which says so in its own words."""
    return check_regular(Path(text).expanduser())


def output_file(text: str | Path, *, force: bool) -> Path:
    """A file a command is about to write (a backup, a PDF, an exported attachment): an
    existing one only with ``--force`` (an older backup may be the only good one), never a
    folder. Checked before the vault is unlocked, so a refusal leaves no audit entry."""
    out = Path(text).expanduser()
    if out.exists() and not force:
        raise UsageError(f"{out} already exists; choose another name or add --force")
    if out.is_dir():
        raise UsageError(f"{out} is a folder; give a file name")
    return out


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def confirm(ctx: Context, question: str, *, without_terminal: str, declined: str) -> bool:
    """Whether a command that cannot be undone (an approval, a purge, a revocation) may go on:
    ``--yes`` says so for a script; in a terminal ``question`` is asked ([y/N], no by
    default); without a terminal and without ``--yes`` nothing is done and the command says
    why (``without_terminal``, an error: exit 1). ``declined`` is said on a "no" (then False:
    the command changes nothing and exits 1)."""
    if getattr(ctx.args, "yes", False):
        return True
    if not _interactive():
        raise UsageError(without_terminal)
    # In --json mode stdout is for the JSON document: the question and a "no" go to stderr.
    say = sys.stderr if ctx.as_json else sys.stdout
    print(f"{question} [y/N] ", end="", file=say, flush=True)
    if input("").strip().lower() in ("y", "yes"):
        return True
    print(declined, file=say)
    return False


@dataclass
class Context:
    """Parsed global options."""

    args: argparse.Namespace

    @property
    def vault_path(self) -> Path:
        """``--vault``, else ``BTAM_VAULT``, else the user data folder."""
        from btam_desktop.core.paths import default_vault_path

        given = getattr(self.args, "vault", None)
        return Path(given).expanduser() if given else default_vault_path()

    @property
    def member(self) -> str | None:
        """``--member`` or ``BTAM_MEMBER``."""
        return getattr(self.args, "member", None) or os.environ.get("BTAM_MEMBER") or None

    @property
    def as_json(self) -> bool:
        """Whether ``--json`` was given."""
        return bool(getattr(self.args, "json", False))

    def passphrase(self, prompt: str = "Passphrase: ") -> str | None:
        """From ``--passphrase-file``, ``BTAM_PASSPHRASE`` or a prompt (None: none given)."""
        if getattr(self.args, "passphrase_file", None):
            return first_line(self.args.passphrase_file)
        if os.environ.get("BTAM_PASSPHRASE"):
            return os.environ["BTAM_PASSPHRASE"]
        return None if not _interactive() else getpass.getpass(prompt)

    def new_passphrase(self, who: str, *, allow_keep: bool = False) -> str | None:
        """A new passphrase from ``--new-passphrase-file``, ``BTAM_NEW_PASSPHRASE`` or a
        prompt asked twice. With ``allow_keep`` an empty answer (or no source) keeps it."""
        if getattr(self.args, "new_passphrase_file", None):
            return first_line(self.args.new_passphrase_file)
        if os.environ.get("BTAM_NEW_PASSPHRASE"):
            return os.environ["BTAM_NEW_PASSPHRASE"]
        if not _interactive():
            if allow_keep:
                return None
            raise UsageError(
                f"no new passphrase for {who}: use --new-passphrase-file or BTAM_NEW_PASSPHRASE"
            )
        hint = " (Enter to keep the current one)" if allow_keep else ""
        first = getpass.getpass(f"New passphrase for {who}{hint}: ")
        if not first and allow_keep:
            return None
        if getpass.getpass("Repeat the new passphrase: ") != first:
            raise UsageError("the two passphrases differ")
        return first

    def unlock(self) -> Session:
        """Open the vault as the chosen member (or with the recovery key); problems found
        while unlocking (unknown key slots, entries cut from the audit trail's end) are said
        on standard error by every command, not only by ``check``."""
        session = self._unlock()
        found = [*session.slot_problems_at_unlock, *session.audit_problems_at_unlock]
        for problem in found:
            print(f"btam: warning: {safe_text(problem)}", file=sys.stderr)
        if found:
            print("btam: warning: a team lead should run `btam check`", file=sys.stderr)
        return session

    def _unlock(self) -> Session:
        from btam_desktop.core import vault

        path = self.vault_path
        recovery_file = getattr(self.args, "use_recovery_key", None)
        if recovery_file:
            return vault.unlock_with_recovery(path, first_line(recovery_file))
        secret = self.passphrase()
        if secret is None:
            remembered = vault.unlock_with_device_key(path, self.member)
            if remembered is not None:
                return remembered
            vault.member_slots(path)  # a missing vault is reported as such, not as auth
            raise AuthError(
                "no passphrase given: use --passphrase-file, BTAM_PASSPHRASE or a terminal"
            )
        session, private = vault.unlock(path, passphrase_text=secret, member=self.member)
        if getattr(self.args, "remember", False):
            if session.remember_on_device(private):
                print("Key remembered on this device (OS keyring).", file=sys.stderr)
            else:
                print("No usable OS keyring here: nothing was remembered.", file=sys.stderr)
        return session

    def emit(self, data: Any, text: str) -> None:
        """Print ``data`` as JSON under ``--json``, else ``text``."""
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        elif text:
            print(safe_lines(text))


def keyring_note() -> str:
    """One line about "remember on this device" for status output."""
    from btam_desktop.core import keyring_store

    return "available" if keyring_store.available() else "unavailable (no OS keyring)"


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Control, format (bidi overrides, zero-width), surrogate, private-use and line/paragraph
# separator characters: a terminal may act on them, or they hide or reorder what is shown.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def safe_text(value: object) -> str:
    """``value`` as text that is safe to print on a terminal: every control character
    (escape sequences, bidi overrides, newlines...) is shown as a visible escape such as
    ``\\x1b`` or ``\\u202e``. Use it on every value that came from a vault or a file."""
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    out: list[str] = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == " " or unicodedata.category(ch) not in _UNSAFE_CATEGORIES:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100
                       else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def safe_lines(text: str) -> str:
    """Multi-line ``text`` with every line passed through :func:`safe_text`: the line breaks
    stay, escape sequences and bidi overrides inside lines (from titles, labels, names...)
    are shown escaped instead of acting on the terminal."""
    return "\n".join(safe_text(line) for line in text.split("\n"))


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain fixed-width table for terminal output."""
    return "\n".join(table_lines(rows, headers))


def table_lines(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> Iterator[str]:
    """The lines of :func:`table`, one at a time (to print a long table as it goes)."""
    if not rows:
        yield "(none)"
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    yield "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    for r in rows:
        yield "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
