"""The About box's list of bundled components comes from the installed metadata: every
runtime dependency of pyproject.toml is in it (so a new dependency is listed without anyone
remembering to), with a licence name, and so are the shipped fonts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from btam_desktop import __version__
from btam_desktop.core.licences import components, fonts, libraries

REPO = Path(__file__).resolve().parents[2]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_runtime_dependency_is_listed_with_a_licence() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = {_canonical(re.match(r"[A-Za-z0-9._-]+", d).group(0))  # type: ignore[union-attr]
              for d in project["dependencies"]}
    listed = {_canonical(c.name): c for c in libraries()}
    assert wanted <= set(listed), wanted - set(listed)
    # Indirect ones too (cryptography needs cffi; jsonschema needs referencing).
    assert {"cffi", "referencing"} <= set(listed)
    # Test tools are not bundled.
    assert not {"pytest", "mypy", "ruff", "hypothesis"} & set(listed)
    for part in listed.values():
        assert part.licence and part.licence != "not stated in its metadata", part.name


def test_fonts_and_the_version_are_listed() -> None:
    names = {f.name: f for f in fonts()}
    assert {"DejaVu Sans", "DejaVu Sans Bold", "DejaVu Sans Mono"} <= set(names)
    assert all("Bitstream Vera" in f.text for f in names.values())
    first = components()[0]
    assert (first.name, first.version) == ("BTAM Desktop", __version__)
