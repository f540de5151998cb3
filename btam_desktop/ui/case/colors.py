"""Theme colours for what the palette has no role for (errors, warnings, "ok").

The theme's colour variables (``resources/styles/*.qss``) are read for the theme the current
palette shows, so a painter in a delegate or a badge uses the same, contrast-checked colours
as the style sheet and follows a theme switch at its next repaint. Nothing here holds case
data.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from btam_desktop.ui.theme import Theme, ThemeSheet, load_sheet


def current_theme() -> Theme:
    """Dark when the application palette's window colour is dark."""
    app = QGuiApplication.instance()
    palette = app.palette() if isinstance(app, QGuiApplication) else QPalette()
    window = palette.color(QPalette.ColorRole.Window)
    return Theme.DARK if window.lightnessF() < 0.5 else Theme.LIGHT


@lru_cache(maxsize=2)
def _sheet(theme: Theme) -> ThemeSheet:
    return load_sheet(theme)


def color(name: str) -> QColor:
    """A theme colour variable ("error", "warn", "ok", "muted", ...) for the current theme."""
    return QColor(_sheet(current_theme()).color(name))

