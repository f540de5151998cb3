"""The counted words people read: one thing in the singular, thousands grouped."""

from btam_desktop.core.words import plural


def test_one_is_singular_and_others_plural() -> None:
    assert plural(1, "case") == "1 case"
    assert plural(0, "case") == "0 cases"
    assert plural(3, "conflict") == "3 conflicts"


def test_irregular_plurals_and_thousands() -> None:
    assert plural(1, "audit entry", "audit entries") == "1 audit entry"
    assert plural(1200, "audit entry", "audit entries") == "1,200 audit entries"
