"""Passphrase rules after the CJIS Security Policy for data at rest.

At least 10 characters, not a common password (shipped list, compared after folding case and
stripping the digits and symbols people tack on), not containing the member's name, and not a
single repeated character. ``check`` returns every rule broken so the UI can show them live.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

MIN_LENGTH = 10


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = resources.files("btam_desktop.core").joinpath("data/common_passphrases.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _folded(passphrase: str) -> str:
    return re.sub(r"[\W\d_]+$", "", passphrase.lower())


def check(passphrase: str, member_name: str = "") -> list[str]:
    """Return the rules ``passphrase`` breaks (empty list: acceptable)."""
    problems: list[str] = []
    if len(passphrase) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters")
    lowered = passphrase.lower()
    common = _common()
    if lowered in common or _folded(passphrase) in common or lowered.strip() in common:
        problems.append("this is a commonly used password")
    if passphrase and len(set(passphrase)) == 1:
        problems.append("do not repeat a single character")
    for part in re.split(r"\s+", member_name.strip().lower()):
        if len(part) >= 3 and part in lowered:
            problems.append("do not include your name")
            break
    return problems
