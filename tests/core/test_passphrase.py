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


@pytest.mark.parametrize("weak", ["Welcome2024", "Summer2025!", "12345678901", "policepolice",
                                  "abcabcabca"])
def test_guessable_passphrases_refused_in_plain_words(weak: str) -> None:
    """Long enough and not on the shipped list, yet guessed in minutes: a strength estimate
    (zxcvbn) refuses them, and says why in words a member can act on."""
    problems = check(weak, "Dana Reyes")
    assert any("too easy to guess" in p for p in problems), problems
    assert all("score" not in p and "zxcvbn" not in p for p in problems)


def test_strength_estimate_knows_the_members_name() -> None:
    assert any("your name" in p for p in check("Dana-Reyes-2026", "Dana Reyes"))
