"""A case open while the theme switches takes the new theme's colours (issue 9: in the night
theme an open case kept the light theme's red for an overdue review)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from btam_desktop.ui.theme import Theme, ThemeManager, ThemeMode, load_sheet
from tests.ui.cases.conftest import CasesApp
from tests.ui.cases.test_case_view import open_school, session_of


def test_an_open_case_follows_a_switch_to_the_night_theme(qtbot: QtBot,
                                                         cases_app: CasesApp) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    session_of(cases_app).store.update_case(cases_app.seeded.school,
                                            {"next_review": "2020-01-01"})
    theme = ThemeManager(app, ThemeMode.LIGHT)
    theme.apply()
    try:
        view = open_school(cases_app)
        review = view.header.review
        light = load_sheet(Theme.LIGHT).color("error").name()
        dark = load_sheet(Theme.DARK).color("error").name()
        assert light != dark
        assert light in review.styleSheet()
        theme.set_mode(ThemeMode.DARK)
        qtbot.waitUntil(lambda: dark in review.styleSheet(), timeout=3000)
        theme.set_mode(ThemeMode.LIGHT)
        qtbot.waitUntil(lambda: light in review.styleSheet(), timeout=3000)
    finally:
        theme.set_mode(ThemeMode.LIGHT)
