"""Idle auto-lock measured on the wall clock, so time asleep counts.

KeePassXC's InactivityTimer restarts one single-shot timer from an app-wide event filter;
its known flaw is that a suspended machine's sleep doesn't count. Here any user input
moves a wall-clock deadline, and a one-second tick compares the injected clock against
it: a sleep, or any jump of the clock, locks on the next tick (within a second), and
input arriving after the deadline passed locks instead of resetting. `countdown` reports
the seconds left during the last `warn_seconds` ("Locked in 30 s"), then -1 when cleared.

The same app-wide filter gives every dialog that shows while unlocked the window's lock
action (`lock_action`, Ctrl+L): Qt gives a window's shortcuts nothing while another
window is active, and a modal dialog blocks the window outright, yet "lock now" must
work whatever is on screen. Added to the dialog, the action is matched by Qt's own
shortcut map (keyboard layouts included) while the dialog has the keyboard.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog

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
        self.lock_action: QAction | None = None  # given to each dialog that shows

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if self.active:
            kind = event.type()
            if kind in INPUT_EVENTS:
                self.reset()
            elif kind == QEvent.Type.Show and isinstance(watched, QDialog):
                self._give_lock_action(watched)
        return False

    def _give_lock_action(self, dialog: QDialog) -> None:
        action = self.lock_action
        if action is not None and action not in dialog.actions():
            dialog.addAction(action)
