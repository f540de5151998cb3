"""Where things live on disk by default (``platformdirs``), and the overrides."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "BTAM Desktop"
APP_AUTHOR = "BTAM"
VAULT_FILENAME = "vault.btam"


def default_vault_path() -> Path:
    """``BTAM_VAULT`` if set, else ``vault.btam`` in the user data folder."""
    override = os.environ.get("BTAM_VAULT")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / VAULT_FILENAME


def wal_paths(vault: Path) -> list[Path]:
    """The SQLite side files that belong to ``vault``."""
    return [vault.with_name(vault.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def forms_dir() -> Path:
    """The shipped form pack: ``BTAM_FORMS_DIR``, the checkout's ``forms/``, or the copy
    installed under ``<prefix>/share/btam-desktop/forms``."""
    override = os.environ.get("BTAM_FORMS_DIR")
    if override:
        return Path(override).expanduser()
    checkout = Path(__file__).resolve().parents[2] / "forms"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "btam-desktop" / "forms"
