#!/usr/bin/env python3
"""Build the one-folder frozen app (``btam-desktop`` and ``btam``) on the machine it runs on.

    python3 packaging/build.py [--dist DIR] [--work DIR] [--reuse-venv] [--installer]

Steps, each from the repository's own files, so a release can be rebuilt from its sources:

1. a fresh venv (``<work>/venv``) with exactly the pinned dependencies of
   ``packaging/requirements-lock.txt`` and ``packaging/requirements-build-lock.txt``
   (``pip install --require-hashes``: a file whose SHA-256 is not in the lock is refused);
2. the project's own wheel, built in that venv without build isolation (so no unpinned build
   tool is fetched) and installed in it, non-editable;
3. PyInstaller with ``packaging/btam-desktop.spec`` into ``<dist>/BTAM Desktop``, with
   ``SOURCE_DATE_EPOCH`` set to the last commit's time and a fixed hash seed, for
   repeatable output;
4. on Windows with ``--installer``: Inno Setup (``iscc``) with the version passed in, giving
   ``<dist>/BTAM-Desktop-<version>-setup.exe``.

The version is the one number in ``btam_desktop/__init__.py``. Needs Python 3.11 (the lock
files are resolved for it) and network access to PyPI, or a pip configuration pointing at a
mirror that holds the same files. ``packaging/smoke.py`` checks the result.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
LOCKS = [PACKAGING / "requirements-lock.txt", PACKAGING / "requirements-build-lock.txt"]
SPEC = PACKAGING / "btam-desktop.spec"
ISS = PACKAGING / "windows" / "btam-desktop.iss"
APP_FOLDER = "BTAM Desktop"


def version() -> str:
    """The one version number, read from the source without importing the package."""
    text = (ROOT / "btam_desktop" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if not found:
        raise SystemExit("btam_desktop/__init__.py has no __version__ line")
    return found.group(1)


def venv_python(venv: Path) -> Path:
    """The venv's interpreter on this platform."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def run(argv: list[str | Path], **kwargs: object) -> None:
    """Run one step, echoing it; a failed step ends the build with its exit status."""
    print("+", " ".join(str(a) for a in argv), flush=True)
    result = subprocess.run([str(a) for a in argv], check=False, **kwargs)  # type: ignore[call-overload]  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"build step failed (exit {result.returncode}): {argv[0]} ...")


def source_date_epoch() -> str:
    """The last commit's time (falls back to the version file's mtime outside git)."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, check=True,  # noqa: S607
                             capture_output=True, text=True).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    return str(int((ROOT / "btam_desktop" / "__init__.py").stat().st_mtime))


def make_venv(venv: Path, *, reuse: bool) -> Path:
    """A venv holding exactly the locked dependencies (and nothing else but pip)."""
    python = venv_python(venv)
    if reuse and python.exists():
        return python
    if venv.exists():
        shutil.rmtree(venv)
    if sys.version_info[:2] != (3, 11):
        print(f"warning: the lock files are resolved for Python 3.11; this is "
              f"{sys.version.split()[0]}", file=sys.stderr)
    run([sys.executable, "-m", "venv", venv])
    install = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
               "--require-hashes", "--only-binary", ":all:"]
    for lock in LOCKS:
        install += ["-r", lock]
    run(install)
    return python


def build_wheel(python: Path, work: Path, env: dict[str, str]) -> Path:
    """Build the project's wheel with the locked setuptools and install it (not editable)."""
    wheels = work / "wheel"
    if wheels.exists():
        shutil.rmtree(wheels)
    # A stale build/ of setuptools would leak removed files into the wheel.
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)
    # SOURCE_DATE_EPOCH: the wheel's zip entries carry the commit's time, not the build's.
    run([python, "-m", "pip", "wheel", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "-w", wheels, ROOT], env=env)
    (wheel,) = wheels.glob("btam_desktop-*.whl")
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "--no-deps",
         "--force-reinstall", wheel], env=env)
    _forget_wheel_location(python)
    return wheel


def _forget_wheel_location(python: Path) -> None:
    """Drop pip's direct_url.json (PEP 610) from the installed project: it names the build
    folder and the wheel's hash, and the frozen app ships this dist-info (for the About box),
    so it would make two builds of the same sources differ."""
    done = subprocess.run(  # noqa: S603
        [str(python), "-I", "-c", "import importlib.metadata as m;"
         "print(*[f.locate() for f in m.distribution('btam-desktop').files or []"
         " if f.name in ('direct_url.json', 'RECORD')], sep='\\n')"],
        check=True, capture_output=True, text=True)
    found = {Path(line).name: Path(line) for line in done.stdout.splitlines() if line}
    if "direct_url.json" not in found or "RECORD" not in found:
        return
    found["direct_url.json"].unlink()
    record = found["RECORD"]
    lines = record.read_text("utf-8").splitlines(keepends=True)
    record.write_text("".join(x for x in lines if "/direct_url.json," not in x), "utf-8")


def freeze(python: Path, work: Path, dist: Path, env: dict[str, str]) -> Path:
    """PyInstaller, from a folder outside the checkout so the installed wheel is what's frozen.
    """
    target = dist / APP_FOLDER
    if target.exists():
        shutil.rmtree(target)
    run([python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", dist, "--workpath", work / "pyinstaller", SPEC], cwd=work, env=env)
    return target


def installer(dist: Path, ver: str) -> None:
    """The per-user Windows installer (Inno Setup), given the one version number."""
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        raise SystemExit("--installer needs Inno Setup's iscc on PATH")
    run([iscc, f"/DAppVersion={ver}", f"/DDistDir={dist}", f"/O{dist}", ISS])


def main(argv: list[str] | None = None) -> int:
    """Build; prints where the frozen app is."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where the frozen folder (and installer) go (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "release",
                        help="venv and PyInstaller's work files (default: build/release/)")
    parser.add_argument("--reuse-venv", action="store_true",
                        help="keep an existing venv from an earlier build (faster, for trying)")
    parser.add_argument("--installer", action="store_true",
                        help="also build the Windows installer (Windows with Inno Setup)")
    args = parser.parse_args(argv)
    work, dist = args.work.resolve(), args.dist.resolve()
    work.mkdir(parents=True, exist_ok=True)
    dist.mkdir(parents=True, exist_ok=True)
    ver = version()
    started = time.monotonic()
    env = dict(os.environ, SOURCE_DATE_EPOCH=source_date_epoch(), PYTHONHASHSEED="0",
               BTAM_VERSION=ver)
    python = make_venv(work / "venv", reuse=args.reuse_venv)
    wheel = build_wheel(python, work, env)
    target = freeze(python, work, dist, env)
    if args.installer:
        installer(dist, ver)
    print(f"built BTAM Desktop {ver} in {time.monotonic() - started:.0f} s: {target}"
          f" (wheel {wheel.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
