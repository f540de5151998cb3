"""Where things live on disk by default (``platformdirs``), where the shipped data is, and the
overrides.

The form pack and ``resources/`` (styles, icons, fonts, redaction profiles) are package data of
``btam_desktop``: one lookup through :mod:`importlib.resources` finds them in the checkout, in
an installed wheel and in the frozen build alike (PyInstaller puts them under the bundle's
``btam_desktop/`` folder, which the frozen importer serves). A department's own copy is named
by ``BTAM_FORMS_DIR`` / ``BTAM_RESOURCES`` and wins when it holds what is asked for.
"""

from __future__ import annotations

import atexit
import os
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "BTAM Desktop"
APP_AUTHOR = "BTAM"
VAULT_FILENAME = "vault.btam"
PACKAGE = "btam_desktop"
FORMS_ENV = "BTAM_FORMS_DIR"
RESOURCES_ENV = "BTAM_RESOURCES"
FORMS_MARKER = "choice_lists.yaml"

# Holds extracted copies alive for the process when the package is not on a file system
# (a zip import); never used by the checkout, a wheel or the frozen build.
_EXTRACTED = ExitStack()
atexit.register(_EXTRACTED.close)


def default_vault_path() -> Path:
    """``BTAM_VAULT`` if set, else ``vault.btam`` in the user data folder."""
    override = os.environ.get("BTAM_VAULT")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / VAULT_FILENAME


def wal_paths(vault: Path) -> list[Path]:
    """The SQLite side files that belong to ``vault``."""
    return [vault.with_name(vault.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def shipped_dir(name: str) -> Path:
    """The folder ``name`` (``forms`` or ``resources``) shipped inside the package."""
    found = resources.files(PACKAGE) / name
    if isinstance(found, Path):
        return found
    return _EXTRACTED.enter_context(resources.as_file(found))


def _data_dir(name: str, marker: str, env: str) -> Path:
    """``$env`` when it holds ``marker`` (a department's own copy), else the shipped folder."""
    override = os.environ.get(env)
    if override:
        folder = Path(override).expanduser()
        if (folder / marker).exists():
            return folder
    return shipped_dir(name)


def forms_dir() -> Path:
    """The form pack: ``BTAM_FORMS_DIR`` when it holds a pack, else the shipped one."""
    return _data_dir("forms", FORMS_MARKER, FORMS_ENV)


def resources_dir(marker: str = "styles/base.qss") -> Path:
    """The ``resources`` folder (styles, icons, fonts, redaction profiles): ``BTAM_RESOURCES``
    when it holds ``marker``, else the shipped one."""
    return _data_dir("resources", marker, RESOURCES_ENV)
