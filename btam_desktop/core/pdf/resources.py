"""Where the PDF code finds its data files (fonts, redaction profiles): the shared lookup of
:func:`btam_desktop.core.paths.resources_dir` (``BTAM_RESOURCES``, else the package data)."""

from __future__ import annotations

from pathlib import Path

from btam_desktop.core import paths

__all__ = ["resources_dir"]


def resources_dir() -> Path:
    """The folder holding ``fonts/`` and ``redaction/``."""
    return paths.resources_dir(marker="fonts/DejaVuSans.ttf")
