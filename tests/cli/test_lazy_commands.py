"""`btam` imports only what the command given needs: `--version` loads no sub-command module,
no Qt, no database driver, no PDF or crypto library; a command loads its own module only.

Behaviour tests (what is in ``sys.modules`` in a fresh interpreter), not timings: the time
itself is measured by ``tests/bench/bench_app.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from btam_desktop import __version__, cli

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("PySide6", "sqlcipher3", "reportlab", "cryptography", "pypdf", "argon2", "keyring")

PROBE = """
import json, sys
from btam_desktop.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _run(*argv: str) -> tuple[int, str, set[str]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("BTAM_PASSPHRASE", None)
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True, timeout=60)
    *printed, last = out.stdout.rstrip("\n").split("\n")
    report = json.loads(last)
    return report["code"], "\n".join(printed) + out.stderr, set(report["modules"])


def _loaded(modules: set[str], top: str) -> bool:
    return any(m == top or m.startswith(top + ".") for m in modules)


def test_version_loads_no_command_module_and_no_heavy_library() -> None:
    code, output, modules = _run("--version")
    assert code == 0
    assert f"btam {__version__}" in output
    assert not [m for m in HEAVY if _loaded(modules, m)]
    assert not [m for m in modules if m.startswith("btam_desktop.cli.") and
                m.endswith("_commands")]


def test_a_command_loads_only_its_own_module() -> None:
    # `forms list --help` needs form_commands, not the sync, PDF or referral commands.
    code, output, modules = _run("forms", "list", "--help")
    assert code == 0
    assert "usage: btam forms list" in output
    assert "btam_desktop.cli.form_commands" in modules
    for other in ("sync_commands", "pdf_commands", "referral_commands", "case_commands"):
        assert f"btam_desktop.cli.{other}" not in modules


def test_global_options_before_the_command_are_understood() -> None:
    code, output, modules = _run("--vault", "/nowhere/v.btam", "--member=Lee", "forms",
                                 "--help")
    assert code == 0
    assert "usage: btam forms" in output
    assert "btam_desktop.cli.sync_commands" not in modules


def test_help_and_unknown_commands_still_list_every_command(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    listed = capsys.readouterr().out
    for command in cli.COMMAND_MODULES:
        assert command in listed
    assert cli.main(["no-such-command"]) == 1
    err = capsys.readouterr().err
    assert "invalid choice: 'no-such-command'" in err
    assert "referral" in err and "init" in err


def test_the_registry_names_every_command_each_module_defines() -> None:
    """COMMAND_MODULES must stay in step with what each module's register() adds: a command
    missing from it would be unreachable (or load the wrong module)."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(cli.COMMAND_MODULES)
    for command, module in cli.COMMAND_MODULES.items():
        only = cli.parser_for(command)
        one = next(a for a in only._actions if isinstance(a, argparse._SubParsersAction))
        assert command in one.choices, (command, module)
