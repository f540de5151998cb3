"""A UI test during which the app logs an unexpected error fails (tests/conftest.py), as a Qt
warning does: the error dialog the officer would see is a bug, not a passing test."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytest_plugins = ["pytester"]


def test_a_logged_unexpected_error_fails_the_test(pytester: pytest.Pytester,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(
        "from tests.conftest import _unexpected_errors_fail, pytest_configure  # noqa: F401\n")
    pytester.makepyfile("""
        import pytest
        from btam_desktop.ui import messages

        def test_slot_bug():
            messages.describe(KeyError("typed name"))  # logged as an unexpected error

        @pytest.mark.unexpected_errors_expected
        def test_about_error_reporting():
            messages.describe(KeyError("typed name"))

        def test_an_expected_problem_is_not_a_bug():
            messages.describe(PermissionError(13, "Permission denied"))
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=3, errors=1)  # the test fails at its teardown
    result.stdout.fnmatch_lines(["*the app logged an unexpected error*", "*KeyError*"])
    assert "typed name" not in result.stdout.str()  # the log never holds the message
