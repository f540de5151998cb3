"""CJIS-style passphrase rules."""

from __future__ import annotations

import pytest

from btam_desktop.core.passphrase import check


@pytest.mark.parametrize("good", ["Correct-Lantern-42", "blue harbour at dawn", "ŽlutýKůň-2026"])
def test_good_passphrases_pass(good: str) -> None:
    assert check(good, "Dana Reyes") == []


@pytest.mark.parametrize(("bad", "rule"), [
    ("short", "at least 10"),
    ("qwertyuiop", "commonly used"),
    ("Password123!", "commonly used"),
    ("thinblueline2026", "commonly used"),
    ("aaaaaaaaaaaa", "repeat"),
    ("reyes-is-my-name", "your name"),
])
def test_bad_passphrases_name_the_rule(bad: str, rule: str) -> None:
    assert any(rule in problem for problem in check(bad, "Dana Reyes"))
