"""The trend chart of one instrument for one client, drawn with QPainter.

Why QPainter rather than QtCharts or pyqtgraph: the same function draws the chart on
screen and into the chart PDF, where a QPainter on a QPdfWriter keeps it a vector figure
(QtCharts renders through QGraphicsScene and pyqtgraph through raster items, and both
bring a large module into the bundle for one small figure). The picture is simple: the
severity bands shaded (or the area above the provisional threshold), the scores as a
line with each total written by its point, the sessions as ticks along the bottom, and a
ring on each score that differs from the one before by the instrument's reliable change.

Colours: each band's shade is mixed here with the background, opaque, so the figure
reads the same on screen (light or dark) and on paper, and a test can find each band.
Information is never carried by colour alone: bands are named at the right edge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from therapynotes.domain import formatting
from therapynotes.domain import measures as defs


@dataclass(frozen=True)
class Point:
    given_on: str  # YYYY-MM-DD
    total: int


@dataclass(frozen=True)
class Colours:
    background: QColor
    text: QColor
    grid: QColor
    line: QColor
    dark: bool

    @classmethod
    def from_palette(cls, palette: QPalette) -> Colours:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        dark = base.lightness() < 128
        line = QColor("#8ab4f8") if dark else QColor("#1a56b0")
        grid = QColor(text)
        grid.setAlpha(90)
        return cls(base, text, grid, line, dark)

    @classmethod
    def paper(cls) -> Colours:
        return cls(QColor("white"), QColor("black"), QColor("#999999"), QColor("#1a56b0"), False)


# Band hues from calm to alarming: green, yellow-green, amber, orange, red.
_HUES = (120, 75, 45, 25, 0)


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    """`share` of b over a, opaque."""
    return QColor(
        round(a.red() * (1 - share) + b.red() * share),
        round(a.green() * (1 - share) + b.green() * share),
        round(a.blue() * (1 - share) + b.blue() * share),
    )


def band_colour(index: int, count: int, colours: Colours) -> QColor:
    hue = _HUES[round(index * (len(_HUES) - 1) / max(1, count - 1))]
    shade = QColor.fromHsv(hue, 200, 230)
    return _mix(colours.background, shade, 0.32 if colours.dark else 0.22)


def threshold_colour(colours: Colours) -> QColor:
    return _mix(colours.background, QColor.fromHsv(25, 200, 230), 0.3 if colours.dark else 0.2)


@dataclass(frozen=True)
class Layout:
    plot: QRectF
    first: date
    last: date
    top: int

    def x(self, day: date) -> float:
        span = max(1, (self.last - self.first).days)
        return self.plot.left() + self.plot.width() * (day - self.first).days / span

    def y(self, value: float) -> float:
        return self.plot.bottom() - self.plot.height() * value / max(1, self.top)


def layout_for(
    rect: QRectF, definition: defs.Instrument, points: Sequence[Point], sessions: Sequence[str]
) -> Layout:
    days = [date.fromisoformat(p.given_on) for p in points] + [
        date.fromisoformat(when) for when in sessions
    ]
    if not days:
        days = [date.today()]  # noqa: DTZ011 - only the axis of an empty chart
    first, last = min(days), max(days)
    pad = max(7, (last - first).days // 20)
    unit = max(8.0, rect.height() / 18)
    plot = QRectF(
        rect.left() + unit * 2.6,
        rect.top() + unit * 1.6,
        rect.width() - unit * 2.6 - unit * 6.0,
        rect.height() - unit * 1.6 - unit * 2.4,
    )
    return Layout(
        plot, first - timedelta(days=pad), last + timedelta(days=pad), definition.max_total
    )


def band_areas(
    layout: Layout, definition: defs.Instrument, colours: Colours
) -> list[tuple[QRectF, QColor, str]]:
    """Each shaded area: its rectangle, colour and name (bands, or above the threshold)."""
    plot = layout.plot
    areas = []
    bands = definition.bands
    for i, band in enumerate(bands):
        upper = bands[i + 1].lowest if i + 1 < len(bands) else definition.max_total + 1
        top = layout.y(min(definition.max_total, upper - 0.5 if i + 1 < len(bands) else upper - 1))
        bottom = layout.y(max(0, band.lowest - 0.5)) if band.lowest else plot.bottom()
        areas.append(
            (
                QRectF(plot.left(), top, plot.width(), bottom - top),
                band_colour(i, len(bands), colours),
                band.label,
            )
        )
    if not bands and definition.threshold is not None:
        top = plot.top()
        bottom = layout.y(definition.threshold - 0.5)
        areas.append(
            (
                QRectF(plot.left(), top, plot.width(), bottom - top),
                threshold_colour(colours),
                "above threshold",
            )
        )
    return areas


def paint_trend(
    painter: QPainter,
    rect: QRectF,
    definition: defs.Instrument,
    points: Sequence[Point],
    *,
    sessions: Sequence[str] = (),
    colours: Colours | None = None,
) -> Layout:
    """Draw the chart into `rect`; returns the layout used (tests read it)."""
    colours = colours or Colours.paper()
    layout = layout_for(rect, definition, points, sessions)
    plot = layout.plot
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillRect(rect, colours.background)
    font = QFont(painter.font())
    font.setPixelSize(max(11, round(rect.height() / 32)))  # screen pixels or PDF dots
    painter.setFont(font)
    metrics_h = painter.fontMetrics().height()
    for area, colour, label in band_areas(layout, definition, colours):
        painter.fillRect(area, colour)
        painter.setPen(colours.text)
        painter.drawText(
            QRectF(plot.right() + 6, area.top(), rect.right() - plot.right() - 6, area.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            label,
        )
    _axes(painter, layout, definition, colours, metrics_h)
    if definition.threshold is not None:
        pen = QPen(colours.text, max(1.2, metrics_h / 12), Qt.PenStyle.DashLine)
        painter.setPen(pen)
        y = layout.y(definition.threshold)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.drawText(
            QRectF(plot.left() + 4, y - metrics_h - 2, plot.width(), metrics_h),
            int(Qt.AlignmentFlag.AlignLeft),
            f"{definition.threshold}: provisional threshold",
        )
    _sessions(painter, layout, sessions, colours, metrics_h)
    _scores(painter, layout, definition, points, colours=colours, text_h=metrics_h)
    painter.setPen(colours.text)
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    title = f"{definition.id} over time"
    band = QRectF(plot.left(), rect.top(), rect.right() - plot.left(), plot.top() - rect.top())
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    painter.drawText(band, flags, title)
    if definition.reliable_change is not None:
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(title) * 1.15 + metrics_h
        legend = f"ring: reliable change ({definition.reliable_change}+ points)"
        painter.drawText(band.adjusted(width, 0, 0, 0), flags, legend)
    painter.restore()
    return layout


def _axes(
    painter: QPainter, layout: Layout, definition: defs.Instrument, colours: Colours, text_h: float
) -> None:
    plot = layout.plot
    painter.setPen(QPen(colours.grid, 1))
    painter.drawRect(plot)
    step = 5 if definition.max_total <= 30 else 10
    painter.setPen(colours.text)
    for value in range(0, definition.max_total + 1, step):
        y = layout.y(value)
        painter.drawText(
            QRectF(plot.left() - 3.5 * text_h, y - text_h / 2, 3 * text_h, text_h),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            str(value),
        )
    # month labels along the bottom
    day = date(layout.first.year, layout.first.month, 1)
    # every month that fits: labels never run into each other
    month_px = layout.plot.width() * 30.4 / max(1, (layout.last - layout.first).days)
    label_px = painter.fontMetrics().horizontalAdvance("Sep 2026") * 1.3
    every = max(1, math.ceil(label_px / max(1.0, month_px)))
    n = 0
    while day <= layout.last:
        if day >= layout.first and n % every == 0:
            x = layout.x(day)
            painter.drawText(
                QRectF(x - 4 * text_h, plot.bottom() + text_h * 0.9, 8 * text_h, text_h),
                int(Qt.AlignmentFlag.AlignHCenter),
                formatting.month(day),
            )
        n += 1
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _sessions(
    painter: QPainter, layout: Layout, sessions: Sequence[str], colours: Colours, text_h: float
) -> None:
    plot = layout.plot
    painter.setPen(QPen(colours.text, 1))
    tick = max(3.0, text_h * 0.35)
    for when in sessions:
        x = layout.x(date.fromisoformat(when))
        painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + tick))


def _scores(
    painter: QPainter,
    layout: Layout,
    definition: defs.Instrument,
    points: Sequence[Point],
    *,
    colours: Colours,
    text_h: float,
) -> None:
    if not points:
        painter.setPen(colours.text)
        painter.drawText(
            layout.plot, int(Qt.AlignmentFlag.AlignCenter), f"No {definition.id} given yet."
        )
        return
    xy = [QPointF(layout.x(date.fromisoformat(p.given_on)), layout.y(p.total)) for p in points]
    path = QPainterPath(xy[0])
    for q in xy[1:]:
        path.lineTo(q)
    painter.setPen(QPen(colours.line, max(2.0, text_h / 7)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    radius = max(3.0, text_h * 0.3)
    labelled_x = -1e9
    for i, (p, q) in enumerate(zip(points, xy, strict=True)):
        painter.setPen(QPen(colours.line, max(1.5, text_h / 10)))
        painter.setBrush(colours.line)
        painter.drawEllipse(q, radius, radius)
        if i and defs.reliable_change(definition, points[i - 1].total, p.total):
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(colours.text, max(1.5, text_h / 10)))
            painter.drawEllipse(q, radius * 2.3, radius * 2.3)
        last = i == len(points) - 1
        if q.x() - labelled_x < 2.2 * text_h and not last:
            continue  # dense: every total stays in the table and the accessible text
        labelled_x = q.x()
        painter.setPen(colours.text)
        painter.drawText(
            QRectF(q.x() - 3 * text_h, q.y() - radius - text_h - 2, 6 * text_h, text_h),
            int(Qt.AlignmentFlag.AlignHCenter),
            str(p.total),
        )


class TrendChart(QWidget):
    """The chart on screen, following the palette (light or dark)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition: defs.Instrument = defs.PHQ9
        self.points: list[Point] = []
        self.sessions: list[str] = []
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Trend chart")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(640, 280)

    def show_points(
        self, definition: defs.Instrument, points: Sequence[Point], sessions: Sequence[str]
    ) -> None:
        self.definition = definition
        self.points = list(points)
        self.sessions = list(sessions)
        totals = ", ".join(f"{p.given_on}: {p.total}" for p in points) or "none yet"
        self.setAccessibleDescription(f"{definition.id} scores, oldest first: {totals}")
        self.update()

    def clear(self) -> None:
        self.points = []
        self.sessions = []
        self.setAccessibleDescription("")
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        try:
            paint_trend(
                painter,
                QRectF(self.rect()),
                self.definition,
                self.points,
                sessions=self.sessions,
                colours=Colours.from_palette(self.palette()),
            )
        finally:
            painter.end()

    def render_image(self) -> QImage:
        image = QImage(self.size(), QImage.Format.Format_RGB32)
        painter = QPainter(image)
        try:
            paint_trend(
                painter, QRectF(image.rect()), self.definition, self.points,
                sessions=self.sessions, colours=Colours.from_palette(self.palette()),
            )  # fmt: skip
        finally:
            painter.end()
        return image
