"""Light and night themes: the Fusion style, a palette and a style sheet from ``resources/``.

Each theme file (``resources/styles/light.qss``, ``dark.qss``) defines colour variables
(``@name: #rrggbb;``) and may add rules; ``base.qss`` holds the rules every theme shares and
refers to the variables by ``@name``. The same variables build the :class:`QPalette` Fusion
draws with, so widgets the sheet does not style (scroll bars, check boxes, the wizard frame)
still match, and each colour is defined once.

Which theme: the system's colour scheme by default ("system"), or a fixed choice ("light",
"dark"), later a per-device setting in the Settings page.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_log = logging.getLogger(__name__)

_VARIABLE = re.compile(r"^[ \t]*@([a-z][a-z0-9-]*)[ \t]*:[ \t]*([^;\n]+);[ \t]*$", re.MULTILINE)
_REFERENCE = re.compile(r"@([a-z][a-z0-9-]*)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)

#: Variables each theme file must define (the palette and base.qss use all of them).
REQUIRED_VARIABLES = (
    "window", "window-text", "base", "alt-base", "text", "muted", "placeholder",
    "disabled-text", "button", "button-text", "border", "border-subtle", "highlight",
    "highlighted-text", "accent", "focus", "error", "error-bg", "ok", "warn", "nav-bg", "link",
)


class Theme(StrEnum):
    """A concrete look."""

    LIGHT = "light"
    DARK = "dark"


class ThemeMode(StrEnum):
    """What the user chose: follow the system, or a fixed theme."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


def resources_dir() -> Path | None:
    """The ``resources`` folder: $BTAM_RESOURCES, a frozen build's bundle, or the source tree.

    None when it cannot be found (an installed wheel without the data files): the app then
    runs with the palette of the built-in fallback colours and no style sheet.
    """
    candidates: list[Path] = []
    override = os.environ.get("BTAM_RESOURCES")
    if override:
        candidates.append(Path(override))
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data files here
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    candidates.append(Path(sys.prefix) / "share" / "btam-desktop" / "resources")
    for candidate in candidates:
        if (candidate / "styles" / "base.qss").is_file():
            return candidate
    return None


# Used only when resources/ is missing, so that a broken install is still readable.
_FALLBACK: dict[Theme, dict[str, str]] = {
    Theme.LIGHT: {
        "window": "#f3f4f6", "window-text": "#1b1d21", "base": "#ffffff", "alt-base": "#ffffff",
        "text": "#1b1d21", "muted": "#4a505a", "placeholder": "#5f6670",
        "disabled-text": "#737a84", "button": "#e4e7eb", "button-text": "#1b1d21",
        "border": "#7b8390", "border-subtle": "#d3d7dd", "highlight": "#1d5bb8",
        "highlighted-text": "#ffffff", "accent": "#1d5bb8", "focus": "#1d5bb8",
        "error": "#b3261e", "error-bg": "#fdecea", "ok": "#1b7340", "warn": "#845400",
        "nav-bg": "#e6e9ed", "link": "#1d5bb8",
    },
    Theme.DARK: {
        "window": "#17191d", "window-text": "#e3e6ea", "base": "#0f1114", "alt-base": "#1f2227",
        "text": "#e3e6ea", "muted": "#aab1bb", "placeholder": "#8d949e",
        "disabled-text": "#858c96", "button": "#272b31", "button-text": "#e3e6ea",
        "border": "#6b737e", "border-subtle": "#30353c", "highlight": "#2c5796",
        "highlighted-text": "#ffffff", "accent": "#8cb8ff", "focus": "#8cb8ff",
        "error": "#ff8f85", "error-bg": "#2a1716", "ok": "#7fdca4", "warn": "#ffd27a",
        "nav-bg": "#111316", "link": "#8cb8ff",
    },
}


class ThemeError(ValueError):
    """A theme file is malformed (a missing or unknown variable)."""


@dataclass(frozen=True)
class ThemeSheet:
    """A theme resolved from its files: colour variables and the final style sheet."""

    theme: Theme
    variables: dict[str, str]
    stylesheet: str

    def color(self, name: str) -> QColor:
        """A colour variable as a QColor."""
        return QColor(self.variables[name])


def parse_variables(text: str) -> tuple[dict[str, str], str]:
    """Split a theme file into its ``@name: value;`` variables and the remaining rules."""
    text = _COMMENT.sub("", text)
    variables = {m.group(1): m.group(2).strip() for m in _VARIABLE.finditer(text)}
    return variables, _VARIABLE.sub("", text)


def substitute(rules: str, variables: dict[str, str]) -> str:
    """Replace every ``@name`` in ``rules``; ThemeError on a name no variable defines."""
    rules = _COMMENT.sub("", rules)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise ThemeError(f"style sheet uses @{name}, which the theme does not define")
        return variables[name]

    return _REFERENCE.sub(replace, rules)


def load_sheet(theme: Theme, resources: Path | None = None) -> ThemeSheet:
    """Read ``base.qss`` and the theme's file; the built-in colours if resources are missing."""
    folder = resources if resources is not None else resources_dir()
    if folder is None:
        _log.warning("resources folder not found: using built-in colours without a style sheet")
        return ThemeSheet(theme, dict(_FALLBACK[theme]), "")
    styles = folder / "styles"
    variables, theme_rules = parse_variables(
        (styles / f"{theme.value}.qss").read_text(encoding="utf-8")
    )
    missing = [name for name in REQUIRED_VARIABLES if name not in variables]
    if missing:
        raise ThemeError(f"{theme.value}.qss does not define: {', '.join(missing)}")
    for name, value in variables.items():
        if not QColor.isValidColorName(value):
            raise ThemeError(f"{theme.value}.qss: @{name} is not a colour: {value}")
    # Paths inside url(...) must use forward slashes, also on Windows.
    extra = {"icons": (folder / "icons").as_posix(), "theme": theme.value}
    base = (styles / "base.qss").read_text(encoding="utf-8")
    sheet = substitute(base + "\n" + theme_rules, {**variables, **extra})
    return ThemeSheet(theme, variables, sheet)


def build_palette(sheet: ThemeSheet) -> QPalette:
    """The Fusion palette for a theme (what the style sheet does not cover uses it)."""
    c = sheet.color
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: c("window"),
        QPalette.ColorRole.WindowText: c("window-text"),
        QPalette.ColorRole.Base: c("base"),
        QPalette.ColorRole.AlternateBase: c("alt-base"),
        QPalette.ColorRole.Text: c("text"),
        QPalette.ColorRole.Button: c("button"),
        QPalette.ColorRole.ButtonText: c("button-text"),
        QPalette.ColorRole.Highlight: c("highlight"),
        QPalette.ColorRole.HighlightedText: c("highlighted-text"),
        QPalette.ColorRole.ToolTipBase: c("alt-base"),
        QPalette.ColorRole.ToolTipText: c("text"),
        QPalette.ColorRole.PlaceholderText: c("placeholder"),
        QPalette.ColorRole.Link: c("link"),
        QPalette.ColorRole.LinkVisited: c("link"),
        QPalette.ColorRole.BrightText: c("error"),
        QPalette.ColorRole.Accent: c("highlight"),
        # Fusion shades bevels and frames from these.
        QPalette.ColorRole.Light: c("button").lighter(130),
        QPalette.ColorRole.Midlight: c("button").lighter(115),
        QPalette.ColorRole.Mid: c("border"),
        QPalette.ColorRole.Dark: c("border-subtle"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
    }
    for role, color in roles.items():
        palette.setColor(QPalette.ColorGroup.All, role, color)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, c("disabled-text"))
    return palette


class ThemeManager(QObject):
    """Applies a theme to the application and follows the system when asked to.

    ``changed`` is emitted with the theme's name after every change, so widgets that draw
    with theme colours themselves (icons) can redraw.
    """

    changed = Signal(str)

    def __init__(
        self,
        app: QApplication,
        mode: ThemeMode = ThemeMode.SYSTEM,
        *,
        resources: Path | None = None,
    ) -> None:
        super().__init__(app)
        self._app = app
        self._mode = mode
        self._resources = resources
        self._sheet: ThemeSheet | None = None
        self._applying = False
        app.styleHints().colorSchemeChanged.connect(self._on_system_scheme_changed)

    @property
    def mode(self) -> ThemeMode:
        """What the user chose."""
        return self._mode

    @property
    def theme(self) -> Theme:
        """The theme in use (the system's when the mode is "system")."""
        if self._mode is ThemeMode.LIGHT:
            return Theme.LIGHT
        if self._mode is ThemeMode.DARK:
            return Theme.DARK
        return system_theme()

    @property
    def sheet(self) -> ThemeSheet:
        """The applied theme's colours and style sheet."""
        if self._sheet is None:
            self._sheet = load_sheet(self.theme, self._resources)
        return self._sheet

    def color(self, name: str) -> QColor:
        """A colour of the current theme (e.g. for tinting icons)."""
        return self.sheet.color(name)

    def set_mode(self, mode: ThemeMode) -> None:
        """Switch to ``mode`` and re-apply."""
        self._mode = mode
        self.apply()

    def apply(self) -> None:
        """Apply the current theme to the whole application."""
        if self._applying:
            return
        self._applying = True
        try:
            hints = self._app.styleHints()
            # Tell the platform too, so a night theme also gets a dark window title bar
            # (Windows) instead of a bright white strip across the top of the screen. This
            # comes first: the system's own scheme is only readable once our override is gone.
            if self._mode is ThemeMode.SYSTEM:
                hints.unsetColorScheme()
            else:
                hints.setColorScheme(
                    Qt.ColorScheme.Dark if self._mode is ThemeMode.DARK else Qt.ColorScheme.Light
                )
            theme = self.theme
            self._sheet = load_sheet(theme, self._resources)
            self._app.setStyle("Fusion")
            self._app.setPalette(build_palette(self._sheet))
            self._app.setStyleSheet(self._sheet.stylesheet)
        finally:
            self._applying = False
        self.changed.emit(theme.value)

    def _on_system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._applying or self._mode is not ThemeMode.SYSTEM or self._sheet is None:
            return
        if self._sheet.theme is not system_theme():
            self.apply()


def system_theme() -> Theme:
    """Dark when the operating system says so; light otherwise (also when it cannot say)."""
    app = QGuiApplication.instance()
    if (
        isinstance(app, QGuiApplication)
        and app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    ):
        return Theme.DARK
    return Theme.LIGHT


def contrast_ratio(foreground: QColor, background: QColor) -> float:
    """WCAG 2.x contrast ratio of two opaque colours (1.0 to 21.0)."""

    def luminance(color: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(color.redF())
            + 0.7152 * channel(color.greenF())
            + 0.0722 * channel(color.blueF())
        )

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
