"""Icons drawn as SVG in ``resources/icons``, tinted with the current theme's text colour.

The line icons use ``currentColor``; Qt's SVG renderer has no notion of it, so the colour is
written into the SVG text before rendering. Pixmaps are rendered at several sizes (and the
screen's device pixel ratio) so they stay sharp on high-DPI laptop screens.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from btam_desktop.ui.theme import resources_dir

APP_ICON = "btam-desktop"
_SIZES = (16, 20, 24, 32, 48, 64, 128, 256)


def _svg_text(name: str) -> str | None:
    folder = resources_dir()
    if folder is None:
        return None
    path = folder / "icons" / f"{name}.svg"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _pixmap(renderer: QSvgRenderer, size: int, ratio: float) -> QPixmap:
    pixels = max(1, round(size * ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


@lru_cache(maxsize=128)
def icon(name: str, color: str = "#000000") -> QIcon:
    """The icon ``name`` with ``currentColor`` drawn in ``color``; an empty icon if missing."""
    text = _svg_text(name)
    if text is None:
        return QIcon()
    renderer = QSvgRenderer(QByteArray(text.replace("currentColor", color).encode("utf-8")))
    if not renderer.isValid():
        return QIcon()
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    result = QIcon()
    for size in _SIZES:
        result.addPixmap(_pixmap(renderer, size, ratio))
    return result


def app_icon() -> QIcon:
    """The application's own icon (full colour, not tinted)."""
    return icon(APP_ICON)
