"""Idle auto-lock measured on the wall clock, so time asleep counts.

KeePassXC's InactivityTimer restarts one single-shot timer from an app-wide event filter;
its known flaw is that a suspended machine's sleep doesn't count. Here any user input
moves a wall-clock deadline, and a one-second tick compares the injected clock against
it: a sleep, or any jump of the clock, locks on the next tick (within a second), and
input arriving after the deadline passed locks instead of resetting. `countdown` reports
the seconds left during the last `warn_seconds` ("Locked in 30 s"), then -1 when cleared.

The same app-wide filter hears the lock key (`lock_key`, Ctrl+L) while a modal dialog
is open: Qt does not deliver a window's shortcuts to it then (the dialog blocks it), and
"lock now" must work whatever is on screen. The key is consumed and `lock_key_pressed`
is emitted, queued, so the lock runs after the dialog's event is done.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.Shortcut,
    }
)


class IdleWatcher(QObject):
    countdown = Signal(int)  # seconds left while warning; -1 when the warning is over
    timed_out = Signal()
    lock_key_pressed = Signal()  # the lock key, pressed while a modal dialog is open

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        timeout_seconds: float = 300,
        warn_seconds: int = 30,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.timeout_seconds = timeout_seconds
        self.warn_seconds = warn_seconds
        self._deadline = 0.0
        self._warning = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.timeout.connect(self.tick)
        self.lock_key: QKeySequence | None = None

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def seconds_left(self) -> float:
        return self._deadline - self._clock()

    def set_timeout(self, seconds: float) -> None:
        self.timeout_seconds = seconds
        if self.active:
            self.reset()

    def start(self) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._deadline = self._clock() + self.timeout_seconds
        self._timer.start()

    def stop(self) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._timer.stop()
        self._clear_warning()

    def reset(self) -> None:
        """User activity: move the deadline, unless it already passed (then lock)."""
        if self.seconds_left() <= 0:
            self._expire()
            return
        self._deadline = self._clock() + self.timeout_seconds
        self._clear_warning()

    def tick(self) -> None:
        if not self.active:
            return
        left = self.seconds_left()
        if left <= 0:
            self._expire()
        elif left <= self.warn_seconds:
            self._warning = True
            self.countdown.emit(math.ceil(left))

    def _expire(self) -> None:
        self.stop()
        self.timed_out.emit()

    def _clear_warning(self) -> None:
        if self._warning:
            self._warning = False
            self.countdown.emit(-1)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in INPUT_EVENTS and self.active:
            self.reset()
            if event.type() == QEvent.Type.KeyPress and self._is_lock_key(event):
                QTimer.singleShot(0, self.lock_key_pressed.emit)
                return True
        return False

    def _is_lock_key(self, event: QEvent) -> bool:
        """The lock key, while a modal window keeps it from the main window's action."""
        if self.lock_key is None or QGuiApplication.modalWindow() is None:
            return False
        if not isinstance(event, QKeyEvent) or event.isAutoRepeat():
            return False
        pressed = QKeySequence(event.keyCombination())
        return pressed.matches(self.lock_key) == QKeySequence.SequenceMatch.ExactMatch
