"""Every `btam` command that reads a file someone handed over refuses a pipe or a device at
once, with a plain message, instead of waiting forever or reading without end.

Found in the hostile-file walk: `bundle import`, `restore`, `forms import`, `attach add`,
`referral card-import` and `referral import` of a named pipe (a FIFO left on a share, or a
path typed by mistake) blocked in open() until killed; `forms import` of a character device
(``/dev/zero`` named ``form.yaml``) read until the machine ran out of memory (23 GB before the
kernel killed it), because the size limit was checked with stat(), which says 0 for both.
The commands run in a child process so that a hang is seen as one (and cannot hang the suite).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LEAD, LEAD_PASS

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")

# Far more than any of these commands takes on a refused file; a blocked open() never ends.
HANG = 30


def btam(vault: Path, pw: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, BTAM_KEYRING="memory")
    return subprocess.run(
        [sys.executable, "-m", "btam_desktop.cli", "--vault", str(vault),
         "--passphrase-file", str(pw), *argv],
        capture_output=True, text=True, timeout=HANG, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A vault (its lead is the only member, with a team of one) and its one case."""
    tmp = tmp_path_factory.mktemp("special")
    vault, pw = tmp / "v.btam", tmp / "pw"
    pw.write_text(LEAD_PASS + "\n")
    assert btam(vault, pw, "init", "--member", LEAD, "--role", "lead",
                "--recovery-key-file", str(tmp / "rk")).returncode == 0
    assert btam(vault, pw, "team", "create", "Lakeside BTAM").returncode == 0
    made = btam(vault, pw, "case", "add", "--title", "Fictional case")
    assert made.returncode == 0, made.stderr
    number = made.stdout.split()[2]
    return vault, pw, number


COMMANDS = {
    "bundle import": ["bundle", "import", "{f}"],
    "bundle inspect": ["bundle", "inspect", "{f}"],
    "restore": ["restore", "--replace", "{f}"],
    "forms import": ["forms", "import", "{f}"],
    "forms validate": ["forms", "validate", "{f}"],
    "attach add": ["attach", "add", "{case}", "{f}"],
    "referral card-import": ["referral", "card-import", "--yes", "{f}"],
    "referral import": ["referral", "import", "{f}"],
}
SUFFIX = {"restore": ".btambackup", "forms import": ".yaml", "forms validate": ".yaml",
          "referral card-import": ".btamcard", "referral import": ".btamref"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_named_pipe_is_refused_at_once(command: str, lab: tuple[Path, Path, str],
                                         tmp_path: Path) -> None:
    vault, pw, number = lab
    pipe = tmp_path / f"handed-over{SUFFIX.get(command, '.btambundle')}"
    os.mkfifo(pipe)
    argv = [a.format(f=pipe, case=number) for a in COMMANDS[command]]
    try:
        done = btam(vault, pw, *argv)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`btam {command}` of a named pipe was still waiting after {HANG} s")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "not a regular file" in done.stderr, done.stderr
    assert btam(vault, pw, "case", "list").returncode == 0  # the vault still opens


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="a character device")
def test_an_endless_device_is_not_read(lab: tuple[Path, Path, str], tmp_path: Path) -> None:
    vault, pw, _ = lab
    form = tmp_path / "form.yaml"
    form.symlink_to("/dev/zero")
    done = btam(vault, pw, "forms", "import", str(form))
    assert done.returncode == 1 and "not a regular file" in done.stderr, done.stderr
