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


def _data_dir(name: str, marker: str, env: str) -> Path | None:
    """Find a shipped data folder: ``$env``, a frozen build's bundle, the source checkout, or
    the copy installed under ``<prefix>/share/btam-desktop``; None when none has ``marker``."""
    candidates: list[Path] = []
    if os.environ.get(env):
        candidates.append(Path(os.environ[env]).expanduser())
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data files here
    if bundle:
        candidates.append(Path(bundle) / name)
    candidates.append(Path(__file__).resolve().parents[2] / name)
    candidates.append(Path(sys.prefix) / "share" / "btam-desktop" / name)
    for candidate in candidates:
        if (candidate / marker).exists():
            return candidate
    return None


def forms_dir() -> Path:
    """The shipped form pack (``BTAM_FORMS_DIR`` overrides)."""
    found = _data_dir("forms", "choice_lists.yaml", "BTAM_FORMS_DIR")
    if found is None and os.environ.get("BTAM_FORMS_DIR"):
        return Path(os.environ["BTAM_FORMS_DIR"]).expanduser()
    return found or Path(sys.prefix) / "share" / "btam-desktop" / "forms"


def resources_dir(marker: str = "styles/base.qss") -> Path | None:
    """The shipped ``resources`` folder (styles, icons, fonts, redaction profiles);
    ``BTAM_RESOURCES`` overrides."""
    return _data_dir("resources", marker, "BTAM_RESOURCES")
