"""The release files agree on the one version number (btam_desktop.__version__) and the Linux
desktop metadata validates with the distributions' own validators (.ci/run installs
Debian's appstream and desktop-file-utils; a missing validator fails, it is not skipped)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from btam_desktop import __version__
from btam_desktop.cli import main

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
METAINFO = PACKAGING / "linux" / "org.btamdesktop.BTAMDesktop.metainfo.xml"
DESKTOP = PACKAGING / "linux" / "btam-desktop.desktop"


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("btam_build", PACKAGING / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_version_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"btam {__version__}"
    # build.py reads the same number (without importing the package) and hands it to Inno.
    assert _build_module().version() == __version__
    iss = (PACKAGING / "windows" / "btam-desktop.iss").read_text("utf-8")
    assert "AppVersion={#AppVersion}" in iss
    assert not re.search(r'#define\s+AppVersion\s+"', iss), "the .iss must not hold a version"
    # The newest AppStream release is this version.
    releases = ET.parse(METAINFO).getroot().find("releases")
    assert releases is not None
    assert releases[0].get("version") == __version__


def test_the_desktop_entry_and_appstream_metadata_validate() -> None:
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    launchable = ET.parse(METAINFO).getroot().find("launchable")
    assert launchable is not None
    assert launchable.text == DESKTOP.name
    # The app tells Wayland/X11 this desktop file is its own (ui/app.py setDesktopFileName).
    app = (REPO / "btam_desktop" / "ui" / "app.py").read_text("utf-8")
    assert f'setDesktopFileName("{DESKTOP.stem}")' in app
