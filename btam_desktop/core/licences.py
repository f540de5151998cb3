"""What BTAM Desktop bundles and under which licences: the libraries it depends on (read from
their installed metadata through :mod:`importlib.metadata`, so the list is always the one
actually shipped, in the checkout, a wheel install and the frozen build alike) and the fonts in
``resources/fonts`` (read from the font files' own name tables). Shown by Help › About.
"""

from __future__ import annotations

import importlib.metadata as metadata
import platform
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from btam_desktop import __version__
from btam_desktop.core import paths

DISTRIBUTION = "btam-desktop"
# A "License" field longer than this is the licence's whole text, not its name.
_SHORT = 80
_NAME = re.compile(r"^[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Component:
    """One bundled piece: a library, a font or the Python runtime."""

    name: str
    version: str
    licence: str  # a short name (SPDX where the metadata gives one)
    kind: str  # "application", "runtime", "library" or "font"
    text: str = ""  # the licence text shipped with it, when there is one


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _licence_text(dist: metadata.Distribution) -> str:
    """The licence files a distribution ships (PEP 639 puts them under ``licenses/``)."""
    texts = []
    for name in dist.metadata.get_all("License-File") or []:
        for candidate in (f"licenses/{name}", name):
            text = dist.read_text(candidate)
            if text:
                texts.append(text.strip())
                break
    return "\n\n".join(texts)


def _field(dist: metadata.Distribution, name: str) -> str:
    """One metadata field, or "" when the distribution does not state it."""
    values = dist.metadata.get_all(name) or []
    return str(values[0]) if values else ""


def _licence_name(dist: metadata.Distribution, text: str) -> str:
    """A short licence name: the SPDX expression, a short License field, or the classifier."""
    meta = dist.metadata
    expression = _field(dist, "License-Expression")
    if expression:
        return expression
    field = _field(dist, "License").strip()
    if field and "\n" not in field and len(field) <= _SHORT:
        return field
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License :: ")]
    if classifiers:
        return ", ".join(classifiers)
    if field or text:
        return "see the licence text"
    return "not stated in its metadata"


def _requirements(dist: metadata.Distribution) -> list[str]:
    """Names of what ``dist`` needs at run time (no extras such as ``test``)."""
    names = []
    for requirement in dist.requires or []:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        found = _NAME.match(spec.strip())
        if found:
            names.append(found.group(0))
    return names


def libraries(root: str = DISTRIBUTION) -> list[Component]:
    """Every installed distribution ``root`` depends on, directly or not, sorted by name.

    A requirement that is not installed is one whose environment marker excludes this
    platform (say ``pywin32-ctypes`` on Linux): it is not bundled here, so not listed.
    """
    seen: dict[str, Component] = {}
    todo = _requirements(metadata.distribution(root))
    while todo:
        name = todo.pop()
        key = _canonical(name)
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        text = _licence_text(dist)
        seen[key] = Component(dist.metadata["Name"], dist.version, _licence_name(dist, text),
                              "library", text)
        todo.extend(_requirements(dist))
    return sorted(seen.values(), key=lambda c: c.name.lower())


def _font_names(path: Path) -> dict[int, str]:
    """The English (Windows, Unicode) strings of a TrueType font's ``name`` table."""
    data = path.read_bytes()
    tables = struct.unpack_from(">H", data, 4)[0]
    for index in range(tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if tag != b"name":
            continue
        _, count, strings = struct.unpack_from(">HHH", data, offset)
        names: dict[int, str] = {}
        for record in range(count):
            platform_id, encoding, language, name_id, length, start = struct.unpack_from(
                ">HHHHHH", data, offset + 6 + 12 * record)
            if (platform_id, encoding, language) == (3, 1, 0x409):
                raw = data[offset + strings + start:offset + strings + start + length]
                names[name_id] = raw.decode("utf-16-be", errors="replace")
        return names
    return {}


def fonts() -> list[Component]:
    """The fonts shipped in ``resources/fonts`` (embedded in every PDF), with their licence
    file (``LICENSE-<family>.txt``) beside them."""
    folder = paths.resources_dir(marker="fonts/DejaVuSans.ttf") / "fonts"
    found = []
    for path in sorted(folder.glob("*.ttf")):
        names = _font_names(path)
        full = names.get(4) or path.stem
        version = (names.get(5) or "").removeprefix("Version ").strip()
        licence_files = [f for f in sorted(folder.glob("LICENSE-*.txt"))
                         if full.replace(" ", "").lower().startswith(
                             f.stem.removeprefix("LICENSE-").lower())]
        # Name ID 13 is the font's own licence description: its first paragraph says whose
        # licences apply (the rest is their text, which the licence file holds too).
        description = names.get(13) or ""
        summary = " ".join(description.split("\n\n")[0].replace(" (see below)", "").split())
        text = licence_files[0].read_text("utf-8") if licence_files else description
        found.append(Component(full, version, summary or "see the licence text", "font", text))
    return found


def components() -> list[Component]:
    """The application, the Python runtime, every bundled library and every font."""
    return [
        Component("BTAM Desktop", __version__, "Proprietary", "application"),
        Component("Python", platform.python_version(), "PSF-2.0", "runtime"),
        *libraries(),
        *fonts(),
    ]
