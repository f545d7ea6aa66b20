"""The week grid: Monday to Sunday across, the working hours down, each appointment a
block (a flat button: keyboard focus, accessible name) showing its time, the clients'
names and, when it is not simply scheduled, what happened, in words (never colour
alone). Pure drawing: the page (week_view.py) gives it the rows and handles clicks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from therapynotes.domain.formatting import wall_clock, weekday
from therapynotes.domain.schedule import Appointment, AppointmentStatus
from therapynotes.ui.widgets import GRID

STATUS_WORDS = {
    AppointmentStatus.SCHEDULED: "Scheduled",
    AppointmentStatus.ATTENDED: "Attended",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.LATE_CANCEL: "Late cancel",
    AppointmentStatus.CANCELLED: "Cancelled",
}
HOUR_HEIGHT = 7 * GRID
HEADER = 4 * GRID
GUTTER = 7 * GRID


class AppointmentBlock(QPushButton):
    chosen = Signal(int)
    opened = Signal(int)

    def __init__(self, appointment: Appointment, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.appointment_id = appointment.id
        self.status = appointment.status
        self.setText(text)
        self.setToolTip(text.replace("\n", " "))
        self.setAccessibleName(f"Appointment {text.replace(chr(10), ' ')}")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(
            "QPushButton { text-align: left; padding: 2px 6px; border-radius: 4px;"
            " background: palette(button); border: 1px solid palette(mid);"
            " border-left: 4px solid palette(highlight); }"
            "QPushButton:checked { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        if appointment.status is AppointmentStatus.CANCELLED:
            font = self.font()
            font.setStrikeOut(True)
            self.setFont(font)
        self.clicked.connect(lambda: self.chosen.emit(self.appointment_id))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self.opened.emit(self.appointment_id)
        event.accept()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.opened.emit(self.appointment_id)
            return
        super().keyPressEvent(event)


class WeekGrid(QWidget):
    chosen = Signal(int)
    opened = Signal(int)
    empty_slot = Signal(object)  # a naive local datetime: book there

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Week")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.monday = date.today()
        self.first_hour, self.last_hour = 8, 19
        self.zone: ZoneInfo | None = None
        self.blocks: list[AppointmentBlock] = []
        self._places: list[tuple[AppointmentBlock, int, float, float]] = []

    def show_week(
        self,
        monday: date,
        rows: list[Appointment],
        names: dict[int, str],
        zone: ZoneInfo,
        hours: tuple[int, int],
    ) -> None:
        for block in self.blocks:
            block.deleteLater()
        self.blocks, self._places = [], []
        self.monday, self.zone = monday, zone
        first, last = hours
        for a in rows:  # the grid grows to hold an appointment outside working hours
            start = a.local_start(zone)
            first = min(first, start.hour)
            last = max(last, min(24, (start + timedelta(minutes=a.minutes)).hour + 1))
        self.first_hour, self.last_hour = first, last
        self.setFixedHeight(HEADER + (last - first) * HOUR_HEIGHT + GRID)
        for a in rows:
            start = a.local_start(zone)
            who = ", ".join(names.get(c, "Client") for c in a.client_ids)
            words = wall_clock(start)
            if a.status is not AppointmentStatus.SCHEDULED:
                words += f" ({STATUS_WORDS[a.status]})"
            block = AppointmentBlock(a, f"{words}\n{who}", self)
            block.chosen.connect(self.chosen)
            block.opened.connect(self.opened)
            day = (start.date() - monday).days
            top = start.hour + start.minute / 60
            self._places.append((block, day, top, a.minutes / 60))
            self.blocks.append(block)
            block.show()
        self._place_blocks()
        self.update()

    def select(self, appointment_id: int | None) -> None:
        for block in self.blocks:
            block.setChecked(block.appointment_id == appointment_id)

    def block(self, appointment_id: int) -> AppointmentBlock | None:
        return next((b for b in self.blocks if b.appointment_id == appointment_id), None)

    def _column_width(self) -> float:
        return max(1.0, (self.width() - GUTTER) / 7)

    def _y(self, hour: float) -> int:
        return int(HEADER + (hour - self.first_hour) * HOUR_HEIGHT)

    def _place_blocks(self) -> None:
        width = self._column_width()
        for block, day, top, length in self._places:
            x = int(GUTTER + day * width) + 2
            y = self._y(top) + 1
            h = max(int(length * HOUR_HEIGHT) - 2, 2 * GRID + 4)
            block.setGeometry(QRect(x, y, int(width) - 4, h))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._place_blocks()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        pos = event.position()
        day = int((pos.x() - GUTTER) // self._column_width())
        if 0 <= day < 7 and pos.y() > HEADER:
            hour = self.first_hour + (pos.y() - HEADER) / HOUR_HEIGHT
            minutes = int(hour * 60) // 30 * 30
            when = datetime.combine(self.monday + timedelta(days=day), datetime.min.time())
            self.empty_slot.emit(when + timedelta(minutes=minutes))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802, ARG002 - Qt API
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        line = palette.color(QPalette.ColorRole.Mid)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        width = self._column_width()
        today = date.today()
        for day in range(7):
            x = int(GUTTER + day * width)
            current = self.monday + timedelta(days=day)
            if current == today:
                tint = QColor(palette.color(QPalette.ColorRole.Highlight))
                tint.setAlpha(28)
                painter.fillRect(QRect(x, 0, int(width), self.height()), tint)
            painter.setPen(line)
            painter.drawLine(x, 0, x, self.height())
            painter.setPen(text)
            font = painter.font()
            font.setBold(current == today)
            painter.setFont(font)
            painter.drawText(
                QRect(x, 0, int(width), HEADER),
                Qt.AlignmentFlag.AlignCenter,
                weekday(current),
            )
        font = painter.font()
        font.setBold(False)
        painter.setFont(font)
        for hour in range(self.first_hour, self.last_hour + 1):
            y = self._y(hour)
            painter.setPen(line)
            painter.drawLine(GUTTER, y, self.width(), y)
            painter.setPen(muted)
            painter.drawText(
                QRect(0, y - GRID, GUTTER - GRID, 2 * GRID),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{hour:02d}:00",
            )
        painter.end()
