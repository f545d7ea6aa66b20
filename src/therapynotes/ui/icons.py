"""The bundled icon set: our own simple line icons (24 px grid, 1.75 px stroke).

The SVGs draw with `currentColor`; we substitute the palette's text colour, so icons
follow light and dark mode, then render crisp pixmaps with QSvgRenderer (no image-format
plugin needed).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parent / "resources"
ICON_DIR = RESOURCES / "icons"
APP_ICON = RESOURCES / "app-icon.svg"
SIZES = (16, 20, 24, 32, 48, 64)
APP_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_svg(svg: bytes, size: int, ratio: float = 1.0) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg))
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _colour(role: QPalette.ColorRole, fallback: str) -> str:
    if QGuiApplication.instance() is None:
        return fallback
    return QGuiApplication.palette().color(role).name()


def icon(name: str, colour: str | None = None) -> QIcon:
    """The icon in the text colour, and in the highlighted-text colour when selected."""
    return _icon(
        name,
        colour or _colour(QPalette.ColorRole.WindowText, "#1f2328"),
        _colour(QPalette.ColorRole.HighlightedText, "#ffffff"),
    )


@cache
def _icon(name: str, colour: str, selected: str) -> QIcon:
    raw = (ICON_DIR / f"{name}.svg").read_bytes()
    screen = QGuiApplication.primaryScreen()
    ratio = max(screen.devicePixelRatio() if screen else 1.0, 1.0)
    result = QIcon()
    for mode, tint in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Selected, selected)):
        svg = raw.replace(b"currentColor", tint.encode())
        for size in SIZES:
            result.addPixmap(render_svg(svg, size, ratio), mode)
    return result


@cache
def app_icon() -> QIcon:
    svg = APP_ICON.read_bytes()
    result = QIcon()
    for size in APP_SIZES:
        result.addPixmap(render_svg(svg, size))
    return result


def clear_cache() -> None:
    """After a light/dark switch: icons are re-rendered in the new text colour."""
    _icon.cache_clear()
