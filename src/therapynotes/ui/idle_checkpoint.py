"""Fold the vault's WAL into its main file when the app is idle, not inside a save.

Commits no longer run SQLite's auto-checkpoint at 1,000 pages (store/connection.py):
with synchronous = FULL that made an autosave now and then wait 74-112 ms for the main
file's fsync. Instead, once nobody has touched the keyboard or mouse for `IDLE_MS`,
one PASSIVE checkpoint, which never waits for another connection
(store/connection.checkpoint), runs on the database worker (ui/ops.py), behind any save
still queued there, and never on the UI thread. One per quiet spell: the next input re-arms
it. Locking and quitting checkpoint too (close_db), and so does every CLI command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer

from therapynotes.ui.idle_watcher import INPUT_EVENTS
from therapynotes.ui.ops import Op

if TYPE_CHECKING:  # made before the lock screen shows; the session loads at unlock
    from therapynotes.services.session import VaultSession

# After the note editor's autosave (2 s after the last keystroke) has had time to land.
IDLE_MS = 5000


class IdleCheckpointer(QObject):
    def __init__(self, *, idle_ms: int = IDLE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session: VaultSession | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(idle_ms)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.timeout.connect(self._checkpoint)
        self.frames_folded = 0  # for tests and the curious: frames moved so far

    def attach(self, session: VaultSession | None) -> None:
        """Start watching for quiet spells on `session`; None (at lock) stops."""
        self._session = session
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
            if session is not None:
                app.installEventFilter(self)
        if session is None:
            self._timer.stop()
        else:
            self._timer.start()

    def set_idle_ms(self, idle_ms: int) -> None:
        self._timer.setInterval(idle_ms)

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in INPUT_EVENTS and self._session is not None:
            self._timer.start()  # (re)arm: the checkpoint waits for the next quiet spell
        return False

    def _checkpoint(self) -> None:
        session = self._session
        if session is None or not session.is_open:
            return
        Op(self, session.checkpoint).success(self._folded).failure(lambda _exc: None).run(
            database=True
        )  # a failed checkpoint is harmless (the WAL holds every save); lock retries it

    def _folded(self, frames: int) -> None:
        self.frames_folded += frames
