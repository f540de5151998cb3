"""``btam``: the headless command line over the core, for scripting and for tests.

Exit codes: 0 success, 1 invalid input, 2 wrong passphrase / not allowed, 3 integrity problem.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import NoReturn

from btam_desktop import __version__
from btam_desktop.cli import (
    case_commands,
    form_commands,
    pdf_commands,
    referral_commands,
    sync_commands,
    vault_commands,
)
from btam_desktop.cli.common import Context, UsageError
from btam_desktop.core import hardening
from btam_desktop.core.errors import BtamError

EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; our contract says 1 (2 means authentication)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"btam: error: {message}", file=sys.stderr)
        raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to document the CLI)."""
    parser = _Parser(prog="btam", description="BTAM Desktop command line")
    parser.add_argument("--version", action="version", version=f"btam {__version__}")
    parser.add_argument("--vault", help="vault file (default: BTAM_VAULT or the data folder)")
    parser.add_argument("--passphrase-file", help="read the passphrase from this file")
    parser.add_argument("--member", help="who unlocks (or BTAM_MEMBER)")
    parser.add_argument("--use-recovery-key", metavar="FILE",
                        help="unlock with the recovery key read from FILE")
    parser.add_argument("--remember", action="store_true",
                        help="remember the key on this device (OS keyring)")
    json_parent = argparse.ArgumentParser(add_help=False)
    json_parent.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    vault_commands.register(sub, json_parent)
    case_commands.register(sub, json_parent)
    form_commands.register(sub, json_parent)
    pdf_commands.register(sub, json_parent)
    sync_commands.register(sub, json_parent)
    referral_commands.register(sub, json_parent)
    return parser


# Free text that may hold case content: ``-`` reads it from standard input instead, so it is
# neither visible to other local users in /proc/<pid>/cmdline nor kept in shell history.
FREE_TEXT_OPTIONS = ("title", "summary", "context", "reason", "closure_reason", "outcome",
                     "details", "description", "purpose", "legal_basis")


def _free_text_from_stdin(args: argparse.Namespace) -> None:
    """Replace each free-text option given as ``-`` with standard input's text."""
    wanted = [name for name in FREE_TEXT_OPTIONS if getattr(args, name, None) == "-"]
    if not wanted:
        return
    if len(wanted) > 1:
        raise UsageError("only one value can come from standard input ('-'): "
                         + ", ".join("--" + n.replace("_", "-") for n in wanted))
    text = sys.stdin.read() if sys.stdin is not None else ""
    setattr(args, wanted[0], text[:-1] if text.endswith("\n") else text)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``btam`` console script."""
    hardening.harden()  # no core dumps or debugger attach: they would hold keys and case text
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors, --help, --version: return, don't exit
        return exc.code if isinstance(exc.code, int) else 1
    try:
        _free_text_from_stdin(args)
        return int(args.func(Context(args)))
    except BtamError as exc:
        print(f"btam: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("btam: interrupted; nothing half-saved (each change is one transaction)",
              file=sys.stderr)
        return 130
    except Exception as exc:
        # No message text: it might quote case data. The type is enough to report a bug.
        print(f"btam: internal error ({type(exc).__name__}); please report it."
              " Set BTAM_DEBUG=1 for details.", file=sys.stderr)
        if os.environ.get("BTAM_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
