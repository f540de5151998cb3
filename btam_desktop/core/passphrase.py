"""Passphrase rules after the CJIS Security Policy for data at rest.

At least 10 characters, not a common password (shipped list, compared after folding case and
stripping the digits and symbols people tack on), not containing the member's name, not a
single repeated character, and not easy to guess by a strength estimate (``zxcvbn``: dictionary
words, names, dates, keyboard patterns, repeats and l33t substitutions, with its own list of
30,000 breached passwords; NIST SP 800-63B asks for such a check). A score below 3 of 4 —
roughly, guessable with fewer than 10^8 tries, minutes offline — is refused, and the refusal is
explained with zxcvbn's own warning and suggestions. ``check`` returns every rule broken so the
UI can show them live.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from zxcvbn import zxcvbn  # type: ignore[import-untyped]

MIN_LENGTH = 10
MIN_SCORE = 3
# zxcvbn is exponential-ish in length; a passphrase is never longer than this in practice.
_ESTIMATE_CHARS = 100


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = resources.files("btam_desktop.core").joinpath("data/common_passphrases.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _folded(passphrase: str) -> str:
    return re.sub(r"[\W\d_]+$", "", passphrase.lower())


def _too_guessable(passphrase: str, member_name: str) -> str | None:
    """A plain-words refusal when zxcvbn scores ``passphrase`` below :data:`MIN_SCORE`."""
    names = [part for part in re.split(r"\s+", member_name.strip()) if part]
    result: dict[str, Any] = zxcvbn(passphrase[:_ESTIMATE_CHARS], user_inputs=names)
    if int(result["score"]) >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    advice = [str(feedback.get("warning") or "").strip(),
              *(str(s).strip() for s in feedback.get("suggestions") or [])]
    text = "this is too easy to guess (common words, names, dates, keyboard runs or repeats)"
    said = " ".join(a if a.endswith(".") else a + "." for a in advice if a)
    if not said:
        said = "Add another word or two. Uncommon words are better."
    return f"{text}: {said}"


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
    if not problems:
        weak = _too_guessable(passphrase, member_name)
        if weak:
            problems.append(weak)
    return problems
