"""The hashed lock files a release is built from (packaging/build.py installs them with
``pip install --require-hashes``) agree with pyproject.toml: a dependency added or narrowed
there without re-running packaging/lock.sh fails here, in seconds, instead of in the frozen
build."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "packaging" / "requirements-lock.txt"
BUILD = REPO / "packaging" / "requirements-build-lock.txt"
ENTRY = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _pins(lock: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) for every entry of a lock file."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in lock.read_text("utf-8").splitlines():
        found = ENTRY.match(line)
        if found:
            current = canonicalize_name(found.group(1))
            assert current not in pins, f"{lock.name}: {current} pinned twice"
            pins[current] = (found.group(2), 0)
        elif line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_every_runtime_dependency_is_pinned_within_its_range_with_hashes() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    pins = _pins(RUNTIME)
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {RUNTIME.name}: run packaging/lock.sh"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} in the lock is outside {requirement.specifier}: relock")
    for name, (version, hashes) in pins.items():
        assert hashes >= 1, f"{name}=={version} has no hash"


def test_the_build_lock_has_the_freezer_and_agrees_with_the_runtime_lock() -> None:
    build, runtime = _pins(BUILD), _pins(RUNTIME)
    assert {"pyinstaller", "setuptools", "wheel"} <= set(build)
    for name, (version, hashes) in build.items():
        assert hashes >= 1, f"{name}=={version} has no hash"
        # Both files are installed into one venv: a package in both must have one version.
        if name in runtime:
            assert runtime[name][0] == version, name
    for lock in (RUNTIME, BUILD):
        assert "packaging/lock.sh" in lock.read_text("utf-8").splitlines()[1], lock.name
