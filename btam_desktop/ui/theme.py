"""Light and night themes: the Fusion style, a palette and a style sheet from ``resources/``.

Each theme file (``resources/styles/light.qss``, ``dark.qss``) defines colour variables
(``@name: #rrggbb;``) and may add rules; ``base.qss`` holds the rules every theme shares and
refers to the variables by ``@name``. The same variables build the :class:`QPalette` Fusion
draws with, so widgets the sheet does not style (scroll bars, check boxes, the wizard frame)
still match, and each colour is defined once.

Which theme: the system's colour scheme by default ("system"), or a fixed choice ("light",
"dark"), later a per-device setting in the Settings page.

Two things no style sheet can say are done in code as each widget is polished
(:class:`WidgetPolisher`): a calendar's weekend days are a text format in pure red (4.0:1 on
white), so they get the theme's error colour, which the contrast tests cover; and a spin box
or date field with step buttons ignores its left padding under a style sheet (Qt puts its text
against the frame), so its line edit gets the indent as a text margin.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QCalendarWidget, QDateTimeEdit

from btam_desktop.core import paths

_log = logging.getLogger(__name__)

_VARIABLE = re.compile(r"^[ \t]*@([a-z][a-z0-9-]*)[ \t]*:[ \t]*([^;\n]+);[ \t]*$", re.MULTILINE)
_REFERENCE = re.compile(r"@([a-z][a-z0-9-]*)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)

#: QSettings key of the theme chosen on this laptop (the Settings page writes it).
THEME_KEY = "appearance/theme"
#: The theme colour of weekend days in calendars (Qt's own is pure red).
WEEKEND_COLOR = "error"
#: Text indent (pixels) of spin boxes with step buttons: base.qss's 8 px padding, less the
#: 1 px the frame already gives.
SPIN_TEXT_INDENT = 7
_WEEK = (Qt.DayOfWeek.Monday, Qt.DayOfWeek.Tuesday, Qt.DayOfWeek.Wednesday,
         Qt.DayOfWeek.Thursday, Qt.DayOfWeek.Friday, Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday)

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
    """The ``resources`` folder with the style sheets (:func:`core.paths.resources_dir`:
    $BTAM_RESOURCES, a frozen build's bundle, the source tree, or the installed copy).

    None when it cannot be found (an installed wheel without the data files): the app then
    runs with the palette of the built-in fallback colours and no style sheet.
    """
    return paths.resources_dir(marker="styles/base.qss")


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


# Fusion opens a styled drop-down as a menu laid over the current item, sized before the
# style sheet's padding is known: near the bottom of the screen it showed two or three rows,
# the last cut in half. A plain list below the field shows up to ``maxVisibleItems`` whole
# rows and scrolls for the rest.
COMBO_POPUP_RULE = (
    "\nQComboBox { combobox-popup: 0; }\n"
    "QComboBox QAbstractItemView::item { min-height: 26px; padding: 0px 6px; }\n"
)


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
    sheet = substitute(base + "\n" + theme_rules, {**variables, **extra}) + COMBO_POPUP_RULE
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


def weekend_days(calendar: QCalendarWidget) -> list[Qt.DayOfWeek]:
    """The days the calendar's locale does not work (Saturday and Sunday in most)."""
    working = set(calendar.locale().weekdays())
    return [day for day in _WEEK if day not in working] or list(_WEEK[5:])


def polish_calendar(calendar: QCalendarWidget, weekend: QColor) -> None:
    """Weekend days (and their column headings) in ``weekend`` instead of pure red."""
    for day in weekend_days(calendar):
        text_format = calendar.weekdayTextFormat(day)
        text_format.setForeground(QBrush(weekend))
        calendar.setWeekdayTextFormat(day, text_format)


def polish_spin_box(box: QAbstractSpinBox) -> None:
    """Indent the text of a spin box whose step buttons make Qt drop its left padding."""
    if isinstance(box, QDateTimeEdit) and box.calendarPopup():
        return  # a drop-down instead of step buttons: the padding is honoured there
    edit = box.lineEdit()
    if edit is not None and edit.textMargins().left() < SPIN_TEXT_INDENT:
        margins = edit.textMargins()
        margins.setLeft(SPIN_TEXT_INDENT)
        edit.setTextMargins(margins)


_POLISHED = (QCalendarWidget, QAbstractSpinBox)
#: Whether each class met so far is one of _POLISHED (or derives from one).
_polished_kinds: dict[type, bool] = {}


class WidgetPolisher(QObject):
    """Applies :func:`polish_calendar` and :func:`polish_spin_box` to each new widget.

    An application event filter that reacts only to ``Polish``, which Qt sends once per
    widget before it is first shown; any other object's events are passed on after one class
    check.
    """

    def __init__(self, weekend: QColor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.weekend = QColor(weekend)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Finish calendars and spin boxes as they are polished; never stops an event."""
        # The class first, looked up once per class: this sees every event of every object
        # in the application, and asking a PySide event its type builds a Python enum each
        # time (with isinstance too, 2-4x this lookup); the filter was some 7-10 % of
        # building and showing a long form.
        kind = type(watched)
        polished = _polished_kinds.get(kind)
        if polished is None:
            polished = _polished_kinds[kind] = issubclass(kind, _POLISHED)
        if not polished:
            return False
        if event.type() == QEvent.Type.Polish:
            if isinstance(watched, QCalendarWidget):
                polish_calendar(watched, self.weekend)
            elif isinstance(watched, QAbstractSpinBox):
                polish_spin_box(watched)
        return False

    def set_weekend(self, weekend: QColor) -> None:
        """A new theme: recolour the calendars that exist already."""
        self.weekend = QColor(weekend)
        for widget in QApplication.allWidgets():
            if isinstance(widget, QCalendarWidget):
                polish_calendar(widget, self.weekend)


_polisher: WidgetPolisher | None = None


def install_polisher(app: QApplication, weekend: QColor) -> WidgetPolisher:
    """The application's one :class:`WidgetPolisher`, with the current theme's colours (one
    for all theme managers: the theme applied last is the one on screen)."""
    global _polisher
    if _polisher is None:
        _polisher = WidgetPolisher(weekend, app)
        app.installEventFilter(_polisher)
        # Forget it with the application (tests make a new one for each process only, but a
        # dangling wrapper must never be reused).
        _polisher.destroyed.connect(_forget_polisher)
    _polisher.set_weekend(weekend)
    return _polisher


def _forget_polisher() -> None:
    global _polisher
    _polisher = None


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
            install_polisher(self._app, self._sheet.color(WEEKEND_COLOR))
        finally:
            self._applying = False
        self.changed.emit(theme.value)

    def _on_system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._applying or self._mode is not ThemeMode.SYSTEM or self._sheet is None:
            return
        if self._sheet.theme is not system_theme():
            self.apply()


def saved_theme_mode() -> ThemeMode | None:
    """The theme chosen on this laptop in Settings, if any.

    Read here rather than through the Settings page, whose module pulls in the PDF engine:
    importing it at start-up doubled the time to the unlock window."""
    value = QSettings().value(THEME_KEY)
    try:
        return ThemeMode(str(value)) if value else None
    except ValueError:
        return None


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
