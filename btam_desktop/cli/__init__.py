"""``btam``: the headless command line over the core, for scripting and for tests.

Exit codes: 0 success, 1 invalid input, 2 wrong passphrase / not allowed, 3 integrity problem.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from btam_desktop import __version__
from btam_desktop.cli.common import Context, UsageError
from btam_desktop.core import hardening
from btam_desktop.core.errors import BtamError

EXIT_INTERNAL = 70

# Each top-level command -> the module (in btam_desktop.cli) whose ``register`` defines it.
# Only the module of the command given is imported: the modules pull in the database driver,
# PDF, crypto and form libraries (0.6 s), which ``btam --version`` or ``btam forms list``
# never need. ``btam --help`` and an unknown command import them all to list every command.
# A new module: add its commands here (tests/cli/test_lazy_commands.py checks the list).
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("init", "member", "check", "rekey", "backup", "restore", "audit",
                     "settings", "recovery"), "vault_commands"),
    **dict.fromkeys(("case", "note", "entry", "person", "task", "partner", "attach", "demo"),
                    "case_commands"),
    **dict.fromkeys(("forms", "submit", "submissions"), "form_commands"),
    "pdf": "pdf_commands",
    **dict.fromkeys(("device", "team", "bundle", "conflicts", "sync"), "sync_commands"),
    "referral": "referral_commands",
    "report": "report_commands",
}
# Help lists the commands module by module, in this order.
MODULES = tuple(dict.fromkeys(COMMAND_MODULES.values()))


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; our contract says 1 (2 means authentication)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"btam: error: {message}", file=sys.stderr)
        raise SystemExit(1)


class _NotUnderstood(Exception):
    """The quick first look at the arguments gave up: the full parser will explain."""


class _Prepass(argparse.ArgumentParser):
    """Global options only, to find the command's name (and answer ``--version``)."""

    def error(self, message: str) -> NoReturn:
        raise _NotUnderstood(message)


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"btam {__version__}")
    parser.add_argument("--vault", help="vault file (default: BTAM_VAULT or the data folder)")
    parser.add_argument("--passphrase-file", help="read the passphrase from this file")
    parser.add_argument("--member", help="who unlocks (or BTAM_MEMBER)")
    parser.add_argument("--use-recovery-key", metavar="FILE",
                        help="unlock with the recovery key read from FILE")
    parser.add_argument("--remember", action="store_true",
                        help="remember the key on this device (OS keyring)")


def _parser(modules: Sequence[str]) -> argparse.ArgumentParser:
    parser = _Parser(prog="btam", description="BTAM Desktop command line")
    _global_options(parser)
    json_parent = argparse.ArgumentParser(add_help=False)
    json_parent.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in modules:
        importlib.import_module(f"{__name__}.{name}").register(sub, json_parent)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, every command in it (also used to document the CLI)."""
    return _parser(MODULES)


def parser_for(command: str | None) -> argparse.ArgumentParser:
    """A parser that knows ``command`` (with the other commands of its module) and imports
    nothing else; the full parser when ``command`` is None or unknown."""
    module = COMMAND_MODULES.get(command or "")
    return _parser((module,)) if module else build_parser()


def command_in(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` after the global options, or None (none given, ``-h``,
    or something the full parser must explain). ``btam --version`` prints and exits here."""
    prepass = _Prepass(prog="btam", add_help=False)
    _global_options(prepass)
    prepass.add_argument("command", nargs="?")
    prepass.add_argument("rest", nargs=argparse.REMAINDER)  # the command's own arguments
    try:
        known = prepass.parse_args(list(argv))
    except _NotUnderstood:
        return None
    return known.command or None


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
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = parser_for(command_in(arguments))
        args = parser.parse_args(arguments)
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
