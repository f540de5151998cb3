"""Where the shipped data is found: the form pack and resources/ are package data reached
through importlib.resources (checkout, installed wheel and frozen build alike); a department's
own copy, named by BTAM_FORMS_DIR / BTAM_RESOURCES, wins when it holds what is asked for.

The wheel itself is built, installed in a fresh venv and checked by packaging/smoke.py
(run by .ci/run); these tests keep the lookup and the packaging configuration honest fast."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import btam_desktop
from btam_desktop.core import paths
from btam_desktop.core.formlib import shipped_pack

PACKAGE = Path(btam_desktop.__file__).resolve().parent
REPO = PACKAGE.parent


def test_the_shipped_data_is_inside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BTAM_FORMS_DIR", raising=False)
    monkeypatch.delenv("BTAM_RESOURCES", raising=False)
    assert paths.forms_dir().resolve() == PACKAGE / "forms"
    assert (paths.forms_dir() / "choice_lists.yaml").is_file()
    assert (paths.forms_dir() / "form.schema.json").is_file()
    assert paths.resources_dir().resolve() == PACKAGE / "resources"
    for name in ("styles/base.qss", "fonts/DejaVuSans.ttf", "redaction/none.yaml",
                 "icons/btam-desktop.svg"):
        assert (paths.resources_dir() / name).is_file(), name
    assert "threat_inquiry" in shipped_pack().forms


def test_a_department_pack_named_by_the_environment_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "metro-forms"
    shutil.copytree(PACKAGE / "forms", pack)
    monkeypatch.setenv("BTAM_FORMS_DIR", str(pack))
    assert paths.forms_dir() == pack
    # A folder that is not a pack (no shared choice lists) is not taken for one.
    monkeypatch.setenv("BTAM_FORMS_DIR", str(tmp_path / "nothing-here"))
    assert paths.forms_dir().resolve() == PACKAGE / "forms"


def test_department_resources_win_only_for_what_they_hold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "resources"
    (own / "redaction").mkdir(parents=True)
    (own / "redaction" / "county_partner.yaml").write_text("id: county_partner\n")
    monkeypatch.setenv("BTAM_RESOURCES", str(own))
    assert paths.resources_dir(marker="redaction/county_partner.yaml") == own
    # Styles and fonts still come from the package when the override has none.
    assert paths.resources_dir().resolve() == PACKAGE / "resources"
    assert paths.resources_dir(marker="fonts/DejaVuSans.ttf").resolve() == PACKAGE / "resources"


def test_a_copy_of_the_package_away_from_the_checkout_finds_its_data(tmp_path: Path) -> None:
    # As in a wheel installed into site-packages: no repository around the package, so no
    # search of the checkout can be what finds the data.
    site = tmp_path / "site-packages"
    shutil.copytree(PACKAGE, site / "btam_desktop",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from btam_desktop.core import paths;"
        "print(paths.forms_dir()); print(paths.resources_dir())"
    )
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("BTAM_FORMS_DIR", "BTAM_RESOURCES", "PYTHONPATH")}
    out = subprocess.run([sys.executable, "-c", script, str(site)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert Path(out[0]) == site / "btam_desktop" / "forms"
    assert Path(out[1]) == site / "btam_desktop" / "resources"


def test_every_shipped_data_file_is_in_the_wheel_configuration() -> None:
    # setuptools ships only what [tool.setuptools.package-data] names: a new file type under
    # forms/ or resources/ (say a .png icon) must be added there, or the wheel and the frozen
    # build would lack it while the checkout works.
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    assert "data-files" not in config["tool"]["setuptools"]
    patterns = config["tool"]["setuptools"]["package-data"]["btam_desktop"]
    shipped = {p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}
    data = {p for folder in ("forms", "resources") for p in (PACKAGE / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    assert data, "no data files found"
    assert sorted(str(p.relative_to(PACKAGE)) for p in data - shipped) == []
