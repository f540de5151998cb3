#!/usr/bin/env python3
"""Smoke test of a frozen build (and of the wheel it was made from), run by ``.ci/run``.

    build/release/venv/bin/python packaging/smoke.py [--app "dist/BTAM Desktop"]
                                                     [--venv build/release/venv]

With the frozen ``btam``: ``--version``, ``init``, ``demo``, ``check``, ``forms list``,
``forms validate`` (the pack inside the bundle and an XLSForm), ``forms import`` of that
XLSForm, ``pdf case``, then a second laptop's vault joins the team and ``bundle export`` /
``bundle import`` carry the cases to it, which then checks clean. The frozen ``btam-desktop``
starts offscreen on the first vault, shows the unlock window and quits
(``--quit-when-ready``). The installed (non-editable) wheel in ``--venv`` finds its form pack
through importlib.resources, away from the checkout.

Every step must pass: nothing is skipped. Everything runs in a temporary folder with its own
HOME, so no real vault, settings or keyring is touched. Needs openpyxl (the build venv has it)
to write the XLSForm. Exit status 0 only when every step passed; prints
``smoke: N passed, N failed``.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if sys.platform == "win32" else ""
LEAD, LEAD_PASS = "Dana Reyes", "Correct-Lantern-42"
OFFICER, OFFICER_PASS = "Sam Ortiz", "Purple-Harbor-Gate-7"
RELEASE = ["--recipient", "Smoke test, Lakeside PD", "--purpose", "release smoke test",
           "--legal-basis", "synthetic demo data"]
STEP_TIMEOUT_S = 180


class StepFailed(Exception):
    """A step's command failed or its output was not what was expected."""


@dataclass
class Smoke:
    """The temporary world the steps run in, and what they found out."""

    app: Path
    venv: Path
    work: Path
    env: dict[str, str]
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    def run(self, argv: Sequence[str | Path], *, expect: int = 0) -> str:
        """Run a command in the work folder; its stdout, or StepFailed with what it said."""
        started = time.monotonic()
        try:
            done = subprocess.run([str(a) for a in argv], cwd=self.work, env=self.env,  # noqa: S603
                                  capture_output=True, text=True, timeout=STEP_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as exc:
            raise StepFailed(f"timed out after {STEP_TIMEOUT_S} s: {argv}") from exc
        print(f"    {Path(str(argv[0])).name} {' '.join(str(a) for a in argv[1:])}"
              f"  -> {done.returncode} ({time.monotonic() - started:.1f} s)", flush=True)
        if done.returncode != expect:
            raise StepFailed(f"exit {done.returncode} (expected {expect})\n--- stdout\n"
                             f"{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}")
        if "Traceback" in done.stderr or "internal error" in done.stderr:
            raise StepFailed(f"error output:\n{done.stderr[-3000:]}")
        return done.stdout

    def btam(self, vault: str, *argv: str | Path, expect: int = 0) -> str:
        """The frozen ``btam`` against ``<vault>.btam`` with that laptop's passphrase file."""
        return self.run([self.app / f"btam{EXE}", "--vault", self.work / f"{vault}.btam",
                         "--passphrase-file", self.work / f"{vault}.pw", *argv], expect=expect)

    def step(self, name: str, body: Callable[[Smoke], None]) -> bool:
        """Run one named step; record and print the outcome."""
        print(f"smoke: {name}", flush=True)
        try:
            body(self)
        except (StepFailed, AssertionError, OSError, ValueError, KeyError) as exc:
            print(f"FAILED {name}: {exc}", flush=True)
            self.failed.append(name)
            return False
        self.passed.append(name)
        return True


def _version() -> str:
    text = (ROOT / "btam_desktop" / "__init__.py").read_text(encoding="utf-8")
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


def version(s: Smoke) -> None:
    out = s.run([s.app / f"btam{EXE}", "--version"])
    assert out.strip() == f"btam {_version()}", out
    out = s.run([s.app / f"btam-desktop{EXE}", "--version"])
    # A windowed Windows program may have no stdout (argparse then prints nothing).
    if sys.platform != "win32" or out:
        assert out.strip() == f"btam-desktop {_version()}", out


def init(s: Smoke) -> None:
    (s.work / "lead.pw").write_text(LEAD_PASS + "\n", encoding="utf-8")
    s.btam("lead", "init", "--member", LEAD, "--role", "lead", "--agency", "Lakeside PD",
           "--recovery-key-file", s.work / "lead.recovery.txt")
    assert (s.work / "lead.btam").is_file()
    # The vault is SQLCipher: no SQLite header in the clear.
    assert not (s.work / "lead.btam").read_bytes().startswith(b"SQLite format 3")


def demo(s: Smoke) -> None:
    s.btam("lead", "demo", "--cases", "6", "--seed", "14")
    cases = json.loads(s.btam("lead", "case", "list", "--json"))
    assert len(cases) == 6, cases
    s.facts["cases"] = sorted(c["number"] for c in cases)


def check(s: Smoke) -> None:
    s.btam("lead", "check")


def shipped_forms(s: Smoke) -> None:
    forms = {f["id"] for f in json.loads(s.btam("lead", "forms", "list", "--json"))}
    assert {"threat_inquiry", "contact_log", "intake_referral"} <= forms, forms
    # The pack inside the bundle (package data beside the frozen modules) validates.
    packs = [p.parent for p in s.app.rglob("choice_lists.yaml")]
    assert len(packs) == 1, packs
    s.run([s.app / f"btam{EXE}", "forms", "validate", packs[0]])


def about_data(s: Smoke) -> None:
    # Help › About reads versions and licences through importlib.metadata and the fonts'
    # licence from resources/fonts: the bundle must carry them.
    names = {p.name.split("-")[0].lower() for p in s.app.rglob("*.dist-info")}
    for wanted in ("btam_desktop", "pyside6_essentials", "cryptography", "sqlcipher3",
                   "reportlab", "pyxform", "zxcvbn"):
        assert wanted in names, f"no {wanted} metadata in the bundle: {sorted(names)}"
    assert list(s.app.rglob("fonts/LICENSE-DejaVu.txt")), "no font licence in the bundle"


def xlsform(path: Path) -> Path:
    """A small XLSForm of a new form, written with openpyxl as a form author would in Excel."""
    import openpyxl  # the build venv has it (runtime dependency)

    book = openpyxl.Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    for row in (["type", "name", "label", "required", "relevant"],
                ["text", "who", "Who was visited?", "yes", None],
                ["select_one yn", "weapon", "Access to a weapon?", "yes", None],
                ["text", "weapon_kind", "Which weapon?", None, "${weapon} = 'yes'"],
                ["integer", "minutes", "Length of the visit (minutes)", None, None]):
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in (["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]):
        choices.append(row)
    settings = book.create_sheet("settings")
    for row in (["form_id", "form_title", "version"], ["smoke_home_visit", "Home visit", "1"]):
        settings.append(row)
    book.save(path)
    return path


def forms_import(s: Smoke) -> None:
    workbook = xlsform(s.work / "home_visit.xlsx")
    s.run([s.app / f"btam{EXE}", "forms", "validate", workbook])
    s.btam("lead", "forms", "import", workbook)
    forms = {f["id"]: f for f in json.loads(s.btam("lead", "forms", "list", "--json"))}
    assert "smoke_home_visit" in forms, sorted(forms)


def pdf_case(s: Smoke) -> None:
    number = s.facts["cases"][0]  # type: ignore[index]
    out = s.work / "case.pdf"
    s.btam("lead", "pdf", "case", str(number), "-o", out, *RELEASE)
    data = out.read_bytes()
    assert data.startswith(b"%PDF"), data[:20]
    assert len(data) > 2000, len(data)
    if sys.platform != "win32":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600, oct(out.stat().st_mode)


def second_laptop(s: Smoke) -> None:
    (s.work / "officer.pw").write_text(OFFICER_PASS + "\n", encoding="utf-8")
    s.btam("officer", "init", "--member", OFFICER, "--role", "lead",
           "--recovery-key-file", s.work / "officer.recovery.txt")
    s.btam("lead", "team", "create", "Lakeside BTAM")
    s.btam("lead", "team", "invite", "-o", s.work / "car7.btaminvite",
           "--invite-passphrase-file", s.work / "invite.pass")
    s.btam("officer", "team", "join", s.work / "car7.btaminvite", "--invite-passphrase-file",
           s.work / "invite.pass", "-o", s.work / "car7.btamjoin")
    s.btam("lead", "team", "approve", s.work / "car7.btamjoin", "--yes")


def bundle_export(s: Smoke) -> None:
    outbox = s.work / "usb"
    outbox.mkdir()
    s.btam("lead", "bundle", "export", "-o", outbox)
    bundles = sorted(outbox.glob("*.btambundle"))
    assert len(bundles) == 1, bundles
    s.facts["bundle"] = bundles[0]


def bundle_import(s: Smoke) -> None:
    s.btam("officer", "bundle", "import", str(s.facts["bundle"]))
    cases = json.loads(s.btam("officer", "case", "list", "--json"))
    assert sorted(c["number"] for c in cases) == s.facts["cases"], cases
    # Importing the same bundle again changes nothing.
    s.btam("officer", "bundle", "import", str(s.facts["bundle"]))
    s.btam("officer", "check")


def old_vaults(s: Smoke) -> None:
    # Vaults written by earlier releases (the stored fixtures of every schema version since
    # the first; the newest is the previous release's) open, migrate and check clean.
    fixtures = sorted((ROOT / "tests" / "data" / "vaults").glob("schema-v*"),
                      key=lambda p: int(p.name.rsplit("v", 1)[-1]))
    assert fixtures, "no stored vaults under tests/data/vaults"
    for fixture in (fixtures[0], fixtures[-1]):
        expected = json.loads((fixture / "expected.json").read_text("utf-8"))
        name = f"old-{fixture.name}"
        for suffix in ("", ".keys"):
            (s.work / f"{name}.btam{suffix}").write_bytes(
                (fixture / f"vault.btam{suffix}").read_bytes())
        (s.work / f"{name}.pw").write_text(expected["passphrase"] + "\n", encoding="utf-8")
        s.btam(name, "--member", expected["member"], "check")
        cases = json.loads(s.btam(name, "--member", expected["member"], "case", "list",
                                  "--json"))
        assert {c["number"]: c["title"] for c in cases} == expected["cases"], cases


def desktop(s: Smoke) -> None:
    out = s.run([s.app / f"btam-desktop{EXE}", "--vault", s.work / "lead.btam",
                 "--quit-when-ready", "-platform", "offscreen"])
    # A windowed Windows build may have no stdout to say it: there, exit 0 within the step's
    # time (it quits itself when painted, or after 10 s) is what can be checked.
    if sys.platform != "win32" or out:
        assert "ready: Unlock - BTAM Desktop" in out, out


def wheel(s: Smoke) -> None:
    bindir = s.venv / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / f"python{EXE}"
    # -I: no checkout on the path, no PYTHONPATH; the installed wheel is what is imported.
    code = ("import btam_desktop, importlib.metadata as m;"
            "from btam_desktop.core import paths;"
            "print(btam_desktop.__file__); print(paths.forms_dir());"
            "print(m.version('btam-desktop'))")
    lines = s.run([python, "-I", "-c", code]).splitlines()
    package, forms = Path(lines[0]).parent, Path(lines[1])
    assert "site-packages" in package.parts, package
    assert package != ROOT / "btam_desktop", package
    assert forms == package / "forms", forms
    assert (forms / "choice_lists.yaml").is_file(), forms
    assert lines[2] == _version(), lines
    s.run([bindir / f"btam{EXE}", "forms", "validate", forms])


STEPS: list[tuple[str, Callable[[Smoke], None]]] = [
    ("btam and btam-desktop --version", version),
    ("btam init", init),
    ("btam demo", demo),
    ("btam check", check),
    ("shipped forms list and validate", shipped_forms),
    ("About box data (metadata, font licence) bundled", about_data),
    ("forms validate and import of an XLSForm", forms_import),
    ("pdf case", pdf_case),
    ("second laptop joins the team", second_laptop),
    ("bundle export", bundle_export),
    ("bundle import on the second laptop", bundle_import),
    ("vaults of earlier releases open and migrate", old_vaults),
    ("btam-desktop offscreen to the unlock window", desktop),
    ("installed wheel finds its form pack", wheel),
]


def isolated_env(home: Path) -> dict[str, str]:
    """The caller's environment less anything that points at real data or another Python."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BTAM_", "PYTHON", "XDG_", "QT_")) and k != "VIRTUAL_ENV"}
    env.update(HOME=str(home), USERPROFILE=str(home), APPDATA=str(home / "AppData"),
               LOCALAPPDATA=str(home / "AppData" / "Local"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CACHE_HOME=str(home / ".cache"), XDG_RUNTIME_DIR=str(home / "run"),
               QT_QPA_PLATFORM="offscreen",
               # No keyring daemon in a smoke run: the "remember" option is just hidden.
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    (home / "run").mkdir(parents=True, mode=0o700)
    return env


def main(argv: list[str] | None = None) -> int:
    """Run every step; exit 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=ROOT / "dist" / "BTAM Desktop",
                        help="the frozen one-folder app (default: dist/BTAM Desktop)")
    parser.add_argument("--venv", type=Path, default=ROOT / "build" / "release" / "venv",
                        help="the build venv holding the installed wheel")
    args = parser.parse_args(argv)
    app = args.app.resolve()
    if not (app / f"btam{EXE}").is_file():
        print(f"smoke: no frozen build in {app} (run packaging/build.py first)", file=sys.stderr)
        print("smoke: 0 passed, 1 failed")
        return 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="btam-smoke-") as tmp:
        work = Path(tmp)
        smoke = Smoke(app=app, venv=args.venv.resolve(), work=work / "work",
                      env=isolated_env(work / "home"))
        smoke.work.mkdir()
        for name, body in STEPS:
            smoke.step(name, body)
    print(f"smoke: {time.monotonic() - started:.0f} s")
    print(f"smoke: {len(smoke.passed)} passed, {len(smoke.failed)} failed")
    return 1 if smoke.failed else 0


if __name__ == "__main__":
    sys.exit(main())
