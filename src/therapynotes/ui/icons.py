"""The bundled icon set: our own simple line icons (24 px grid, 1.75 px stroke).

The SVGs draw with `currentColor`; we substitute the palette's text colour, so icons
follow light and dark mode, then render crisp pixmaps with QSvgRenderer (no image-format
plugin needed), each at the size and mode it is first shown in (an icon engine that
renders on demand: the lock screen no longer renders 150 pixmaps before its first
paint; issue 18).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyleOption

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


class SvgIconEngine(QIconEngine):
    """One SVG per icon mode, rendered when a size is first asked for, then kept. A mode
    without its own SVG uses the Normal one (Disabled and Active styled by the style, as
    Qt does for pixmap icons)."""

    def __init__(self, svgs: dict[QIcon.Mode, bytes], sizes: tuple[int, ...]) -> None:
        super().__init__()
        self.svgs = svgs
        self.sizes = sizes
        self.rendered: dict[tuple[int, int, float], QPixmap] = {}

    def clone(self) -> QIconEngine:
        return SvgIconEngine(self.svgs, self.sizes)

    def availableSizes(  # noqa: N802 - Qt API
        self,
        _mode: QIcon.Mode = QIcon.Mode.Normal,
        _state: QIcon.State = QIcon.State.Off,
    ) -> list[QSize]:
        return [QSize(size, size) for size in self.sizes]

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(  # noqa: N802 - Qt API
        self, size: QSize, mode: QIcon.Mode, _state: QIcon.State, scale: float
    ) -> QPixmap:
        side = max(1, min(size.width(), size.height()))
        own = mode in self.svgs
        key = (side, list(QIcon.Mode).index(mode) if own else 0, scale)
        found = self.rendered.get(key)
        if found is None:
            found = render_svg(self.svgs[mode if own else QIcon.Mode.Normal], side, scale)
            self.rendered[key] = found
        if own or mode == QIcon.Mode.Normal or QApplication.instance() is None:
            return found
        return QApplication.style().generatedIconPixmap(mode, found, QStyleOption())

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, ratio))


@cache
def _icon(name: str, colour: str, selected: str) -> QIcon:
    raw = (ICON_DIR / f"{name}.svg").read_bytes()
    svgs = {
        QIcon.Mode.Normal: raw.replace(b"currentColor", colour.encode()),
        QIcon.Mode.Selected: raw.replace(b"currentColor", selected.encode()),
    }
    return QIcon(SvgIconEngine(svgs, SIZES))


@cache
def app_icon() -> QIcon:
    return QIcon(SvgIconEngine({QIcon.Mode.Normal: APP_ICON.read_bytes()}, APP_SIZES))


def clear_cache() -> None:
    """After a light/dark switch: icons are re-rendered in the new text colour."""
    _icon.cache_clear()
