"""Every `btam` command in the guides (docs/guides/*.md) runs, in the order written, against
demo vaults: a guide that names a command or an option that does not exist, or a flow that
does not work, fails here.

How a guide is read:
- every line of every ```sh block is a `btam ...` command (``\\`` continues a line, ``#``
  starts a comment, ``< FILE`` feeds standard input); anything else in such a block fails;
- words in CAPITALS are the reader's to fill in; this runner fills them from the vault:
  CASE (the case the guide last opened, else the newest), SUBMISSION_ID (the case's newest
  submission), ENTRY_ID (its timeline entry recorded last), CONFLICT_ID (the first open conflict),
  DEVICE_CODE (the officer laptop's code), REFERRAL_ID (the newest referral received and not
  yet decided on that laptop, else its newest referral), PARTNER_ID (the partner the guide
  last added on that laptop);
- ``NAME=value btam ...`` sets an environment variable for that command (``BTAM_FORMS_DIR``);
- a hidden comment ``<!-- guide: laptop=officer member="Sam Ortiz" expect=1 -->`` sets, for
  the blocks after it, which laptop's vault is used, who unlocks, and the exit status
  expected (default 0); ``as-typed=yes`` answers "y" to the questions a command asks at a
  terminal (``team approve``), as the reader would; ``file=PATH`` before a ```yaml block
  writes that block to PATH (the file the reader saves), before the commands after it run.
Files the reader is told they have are there: the example workbooks of docs/guides/examples,
a copy of the shipped form pack in ``lakeside-forms/`` (the department's own pack),
``note.txt`` and, outside the team lead's guide, ``answers.json`` and ``recovery.txt``.
Each guide but the team lead's starts from a vault with demo cases, a lead ("Dana Reyes")
and an officer ("Sam Ortiz"); the team lead's guide sets its laptops up itself.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from btam_desktop.cli import common, main
from btam_desktop.core import demo, paths, vault
from tests.conftest import LEAD, LEAD_PASS, OFFICER
from tests.core.test_submissions import valid_contact

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "guides"
GUIDE_FILES = ["team-lead.md", "officer.md", "security-officer.md", "form-author.md"]
PLACEHOLDERS = ("SUBMISSION_ID", "ENTRY_ID", "CONFLICT_ID", "DEVICE_CODE", "REFERRAL_ID",
                "PARTNER_ID", "CASE")
DIRECTIVE = re.compile(r"<!--\s*guide:(.*?)-->", re.DOTALL)
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Command:
    """One command of a guide, with where it is and how it is to be run."""

    line: int
    argv: list[str]
    stdin: str | None
    laptop: str
    member: str
    expect: int
    as_typed: bool
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class File:
    """A file whose whole text the guide shows, saved by the reader before going on."""

    path: str
    text: str


def commands(guide: Path) -> Iterator[Command | File]:
    """The guide's commands in order, with the settings of the directives before them."""
    settings = {"laptop": "lead", "member": LEAD, "expect": "0", "as-typed": "no"}
    lines = guide.read_text("utf-8").splitlines()
    in_sh = False
    saving: list[str] | None = None
    pending = ""
    for number, raw in enumerate(lines, 1):
        fence = FENCE.match(raw.strip())
        if saving is not None:
            if fence:
                yield File(settings.pop("file"), "\n".join(saving) + "\n")
                saving = None
            else:
                saving.append(raw)
            continue
        if fence:
            if not in_sh and fence.group(1) == "yaml" and "file" in settings:
                saving = []
                continue
            in_sh = not in_sh and fence.group(1) == "sh"
            continue
        if not in_sh:
            for directive in DIRECTIVE.findall(raw):
                for pair in shlex.split(directive):
                    key, _, value = pair.partition("=")
                    settings[key] = value
            continue
        text = pending + raw.strip()
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        words = shlex.split(text, comments=True)
        if not words:
            continue
        env = {}
        while "=" in words[0] and re.fullmatch(r"[A-Z_]+=.*", words[0]):
            key, _, value = words.pop(0).partition("=")
            env[key] = value
        assert words[0] == "btam", f"{guide.name}:{number}: not a btam command: {raw}"
        stdin = None
        if "<" in words:
            at = words.index("<")
            stdin, words = words[at + 1], words[:at]
        yield Command(number, words[1:], stdin, settings["laptop"], settings["member"],
                      int(settings["expect"]), settings["as-typed"] == "yes", env)


@dataclass
class World:
    """The laptops' vaults in one folder (the current directory while the guide runs)."""

    folder: Path
    case: dict[str, str] = field(default_factory=dict)  # laptop -> case number in use
    partner: dict[str, str] = field(default_factory=dict)  # laptop -> partner added last

    def run(self, argv: list[str], laptop: str, member: str, *,
            stdin: str | None = None) -> tuple[int, str, str]:
        """`btam` in-process as the reader would type it on that laptop."""
        out, err = io.StringIO(), io.StringIO()
        old = sys.stdin, sys.stdout, sys.stderr
        sys.stdin = io.StringIO((self.folder / stdin).read_text("utf-8") if stdin else "")
        sys.stdout, sys.stderr = out, err
        try:
            code = main(["--vault", str(self.folder / f"{laptop}.btam"), "--member", member,
                         *argv])
        finally:
            sys.stdin, sys.stdout, sys.stderr = old
        return code, out.getvalue(), err.getvalue()

    def json(self, argv: list[str], laptop: str, member: str) -> object:
        code, out, err = self.run([*argv, "--json"], laptop, member)
        assert code == 0, err
        return json.loads(out)

    def fill(self, word: str, laptop: str, member: str) -> str:
        """Replace the placeholders in one word with what the vault holds."""
        for name in PLACEHOLDERS:
            if name not in word:
                continue
            word = word.replace(name, self.value(name, laptop, member))
        return word

    def value(self, name: str, laptop: str, member: str) -> str:
        if name == "DEVICE_CODE":
            return str(self.json(["device", "show"], "officer", OFFICER)["code"])  # type: ignore[index]
        if name == "PARTNER_ID":
            assert laptop in self.partner, "the guide names a partner but added none"
            return self.partner[laptop]
        if name == "REFERRAL_ID":
            refs = self.json(["referral", "list"], laptop, member)
            assert refs, f"the guide names a referral but the {laptop} laptop has none"
            undecided = [r for r in refs  # type: ignore[attr-defined]
                         if r["direction"] == "in" and r["status"] == "received"]
            return str(max(undecided or refs, key=lambda r: r["created_at"])["id"])  # type: ignore[arg-type,index]
        if name == "CONFLICT_ID":
            conflicts = self.json(["conflicts", "list"], laptop, member)
            assert conflicts, "the guide resolves a conflict but there is none"
            return str(conflicts[0]["id"])  # type: ignore[index]
        case = self.case.get(laptop) or self.newest_case(laptop, member)
        if name == "CASE":
            return case
        if name == "SUBMISSION_ID":
            subs = self.json(["submissions", "list", case], laptop, member)
            return str(max(subs, key=lambda s: s["created_at"])["id"])  # type: ignore[arg-type,index]
        shown = self.json(["case", "show", case], laptop, member)
        # The entry recorded last (the timeline itself is in order of occurrence).
        newest = max(shown["timeline"], key=lambda e: e["recorded_at"])  # type: ignore[index]
        return str(newest["id"])

    def newest_case(self, laptop: str, member: str) -> str:
        cases = self.json(["case", "list"], laptop, member)
        assert cases, f"no case on the {laptop} laptop"
        return str(max(cases, key=lambda c: c["created_at"])["number"])  # type: ignore[arg-type,index]


def _demo_world(folder: Path) -> None:
    """A lead laptop with demo cases, a lead and an officer (the recovery key in
    recovery.txt, as a lead would have it on paper), and answers for a contact log."""
    session, recovery = vault.create_vault(folder / "lead.btam", member_name=LEAD,
                                           new_passphrase=LEAD_PASS, agency="Lakeside PD")
    (folder / "recovery.txt").write_text(recovery + "\n", "utf-8")
    session.add_member(OFFICER, "officer", LEAD_PASS)
    demo.generate(session, 12, seed=7)
    session.store.create_case("Guide: statements about a coworker")
    (folder / "answers.json").write_text(json.dumps(valid_contact(session)), "utf-8")
    session.lock()


@pytest.mark.parametrize("name", GUIDE_FILES)
def test_every_command_in_the_guide_runs(name: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    guide = GUIDES / name
    found = list(commands(guide))
    assert found, f"{name} has no commands"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BTAM_PASSPHRASE", LEAD_PASS)
    monkeypatch.setenv("BTAM_NEW_PASSPHRASE", LEAD_PASS)
    (tmp_path / "note.txt").write_text("Met with HR; employee assistance contacted.\n")
    for example in (GUIDES / "examples").iterdir():
        shutil.copy(example, tmp_path / example.name)
    shutil.copytree(paths.shipped_dir("forms"), tmp_path / "lakeside-forms")
    if name != "team-lead.md":
        _demo_world(tmp_path)
    world = World(tmp_path)
    for command in found:
        if isinstance(command, File):
            (tmp_path / command.path).write_text(command.text, "utf-8")
            continue
        with monkeypatch.context() as scoped:
            for key, value in command.env.items():
                scoped.setenv(key, value)  # a relative path: the guide's folder is the cwd
            _run(world, command, name, monkeypatch)


def _run(world: World, command: Command, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One command, as the reader types it; its exit status must be the expected one."""
    argv = [world.fill(w, command.laptop, command.member) for w in command.argv]
    monkeypatch.setattr(common, "_interactive", lambda c=command: c.as_typed)
    monkeypatch.setattr("builtins.input", lambda _prompt="": "y")
    code, out, err = world.run(argv, command.laptop, command.member, stdin=command.stdin)
    assert code == command.expect, (
        f"{name}:{command.line}: btam {' '.join(argv)} exited {code}, expected "
        f"{command.expect}\n{out}\n{err}")
    if command.argv[:2] == ["case", "add"] and code == 0:
        world.case[command.laptop] = world.newest_case(command.laptop, command.member)
    if command.argv[:2] == ["partner", "add"] and code == 0:
        # "Added NAME (ID)." (or the partner as JSON with --json); ID is a 22-character short
        # id (letters and digits) or, in a vault made before them, a UUID.
        found = re.search(r"\(([0-9A-Za-z-]+)\)\.\s*$", out)
        world.partner[command.laptop] = (
            str(json.loads(out)["id"]) if "--json" in argv else found.group(1) if found else "")


TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


@pytest.mark.parametrize("name", GUIDE_FILES)
def test_every_test_a_guide_names_exists(name: str) -> None:
    # The security guide maps controls to the tests that prove them: a renamed or removed
    # test must not leave the table pointing at nothing.
    repo = GUIDES.parents[1]
    for path, test in TEST_REFERENCE.findall((GUIDES / name).read_text("utf-8")):
        source = repo / path
        assert source.is_file(), f"{name} names {path}, which does not exist"
        assert re.search(rf"^def {test}\(", source.read_text("utf-8"), re.MULTILINE), (
            f"{name} names {path}::{test}, which does not exist")
