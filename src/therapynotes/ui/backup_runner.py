"""Runs backups for the main window: "Back up now", the schedule, and the lock/quit hand-off.

Owns no widgets but the reminder box at unlock. The slow part (`PendingRun.write`) runs
through `ops.Op` on a pool of its own and opens its own database connections; reading
and recording state (`begin`, `finish`) happen here on the GUI thread on the vault's
connection. A lock that comes
while a backup runs (or that starts one because something changed) takes the records
off screen at once and closes the vault when the backup ends (`lock_when_done`).

The timer only asks the pure policy in backup/schedule.py each minute, on the injected
clock, so tests move the clock rather than wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from therapynotes import APP_NAME
from therapynotes.domain import formatting
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import plain_buttons

if TYPE_CHECKING:  # the runner exists before the first unlock: these load at it (issue 18)
    from therapynotes.backup.schedule import BackupState, BackupWarning, Trigger
    from therapynotes.backup.writer import Written
    from therapynotes.services.backups import BackupResult, BackupService, PendingRun
    from therapynotes.services.session import VaultSession

TICK_MS = 60_000


@cache
def warning_words() -> dict[BackupWarning, str]:
    """The sentence for each warning (the schedule module loads at the first use)."""
    from therapynotes.backup.schedule import BackupWarning  # noqa: PLC0415 - see imports

    return {
        BackupWarning.DRIVE_MISSING: (
            "Your backup drive isn't connected. Connect it, or choose another folder."
        ),
        BackupWarning.LAST_RUN_FAILED: "The last backup didn't finish. Try Back up now.",
        BackupWarning.NEVER_BACKED_UP: (
            "There is no backup yet. Back up now to keep your records safe."
        ),
        BackupWarning.TOO_OLD: "Your last backup is more than {days} days old. Back up now.",
    }


def when(ts: float) -> str:
    """A date and time in the computer's own time zone, in words a person reads."""
    return formatting.timestamp(ts)


class _Progress(QObject):
    """Emitted from the worker thread; Qt queues it to the GUI thread."""

    moved = Signal(str, int, int)


class BackupRunner(QObject):
    progress = Signal(str, int, int)  # phase, done, total
    started = Signal()
    finished = Signal(object)  # BackupResult, None (cancelled) or the exception
    state_changed = Signal()  # state, warnings or the busy flag changed

    def __init__(
        self,
        *,
        folder: Callable[[], str],
        clock: Callable[[], float],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._folder = folder
        self.clock = clock
        self.session: VaultSession | None = None
        self.service: BackupService | None = None
        self._pending: PendingRun | None = None
        self._cancel = threading.Event()
        self._then_lock: str | None = None
        self._after_lock: list[Callable[[], None]] = []
        self.last_error: BaseException | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._bridge = _Progress(self)
        self._bridge.moved.connect(self.progress)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    # --- session ---------------------------------------------------------------------

    def attach(self, session: VaultSession) -> None:
        self.session = session
        from therapynotes.services.backups import BackupService  # noqa: PLC0415 - see imports
        from therapynotes.services.policy import UseCase, allowed  # noqa: PLC0415

        if not allowed(session.login.role, UseCase.BACKUP):
            # Backups are the owner's (issue 17): another login's lock only closes the
            # vault, and its status bar says nothing about backups.
            self.service = None
            self.state_changed.emit()
            return
        self.service = BackupService(session, clock=self.clock)
        self.timer.start()
        self.state_changed.emit()

    @property
    def busy(self) -> bool:
        return self._pending is not None

    @property
    def folder(self) -> Path | None:
        text = self._folder()
        return Path(text) if text else None

    def state(self) -> BackupState:
        from therapynotes.backup.schedule import BackupState  # noqa: PLC0415 - see imports

        return self.service.state() if self.service else BackupState()

    def warnings(self) -> list[BackupWarning]:
        folder = self.folder
        if self.service is None or folder is None:
            return []
        return self.service.warnings(folder)

    def warning_text(self, warning: BackupWarning) -> str:
        days = self.service.schedule_policy.warn_after_days if self.service else 7
        return warning_words()[warning].format(days=f"{days:g}")

    # --- running ---------------------------------------------------------------------

    def tick(self) -> None:
        from therapynotes.backup.schedule import Trigger  # noqa: PLC0415 - see imports

        self.maybe_run(Trigger.TIMER)

    def maybe_run(self, trigger: Trigger) -> bool:
        """Start a backup when the policy says so; a missing drive skips quietly."""
        folder = self.folder
        if self.busy or self.service is None or folder is None:
            return False
        if not self.service.should_run(trigger, folder):
            return False
        return self.start()

    def start(self) -> bool:
        folder = self.folder
        if self.busy or self.service is None or folder is None:
            return False
        self._cancel.clear()
        pending = self._pending = self.service.begin(folder)
        emit = self._bridge.moved.emit

        def work() -> Written:
            return pending.write(progress=emit, cancel=self._cancel.is_set)

        self.started.emit()
        self.state_changed.emit()
        Op(self, work, pool=self.pool, survives_lock=True).success(self._done).failure(
            self._done
        ).run()
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def _done(self, outcome: Written | BaseException) -> None:
        pending, self._pending = self._pending, None
        result: BackupResult | BaseException | None
        try:
            if pending is None or self.service is None:
                result = None
            else:
                result = self.service.finish(pending, outcome)
        except BaseException as exc:  # noqa: BLE001 - shown to the user, never re-raised
            result = exc
        self.last_error = result if isinstance(result, BaseException) else None
        from therapynotes.backup.errors import BackupCancelled  # noqa: PLC0415 - see imports

        if isinstance(result, BackupCancelled):
            result = None
        self.finished.emit(result)
        self.state_changed.emit()
        if self._then_lock is not None:
            self._close_session()

    # --- locking ---------------------------------------------------------------------

    def lock_when_done(
        self, reason: str, trigger: Trigger, after: Callable[[], None] | None = None
    ) -> bool:
        """At lock or quit: back up first if something changed, then close the vault.
        True when the vault stays open for a backup (closed later, then `after` runs)."""
        if self.session is None:
            return False
        self.maybe_run(trigger)
        if after is not None:
            self._after_lock.append(after)
        if not self.busy:
            self._then_lock = reason
            self._close_session()
            return False
        self._then_lock = reason
        self.timer.stop()
        return True

    def _close_session(self) -> None:
        session, reason = self.session, self._then_lock or "manual"
        self.session, self.service, self._then_lock = None, None, None
        self.timer.stop()
        if session is not None:
            session.lock(reason)
        after, self._after_lock = self._after_lock, []
        self.state_changed.emit()
        for callback in after:
            callback()


@cache
def status_bar_words() -> dict[BackupWarning, str]:
    """The status bar's few words for each warning."""
    from therapynotes.backup.schedule import BackupWarning  # noqa: PLC0415 - see imports

    return {
        BackupWarning.DRIVE_MISSING: "Backup drive not connected",
        BackupWarning.LAST_RUN_FAILED: "Last backup failed",
        BackupWarning.NEVER_BACKED_UP: "Not backed up yet",
        BackupWarning.TOO_OLD: "Last backup is too old",
    }


def status_words(runner: BackupRunner) -> tuple[str, str]:
    """(short status bar text, the full sentence for its tooltip)."""
    if runner.session is None:
        return ("Finishing a backup…", "") if runner.busy else ("", "")
    if runner.service is None:  # another login than the owner's (issue 17)
        return "", ""
    if runner.folder is None:
        return "No backup folder yet", "Choose a backup folder on the Backups page."
    if runner.busy:
        return "Backing up…", ""
    warnings = runner.warnings()
    if warnings:
        return status_bar_words()[warnings[0]], runner.warning_text(warnings[0])
    last = runner.state().last_good_at
    return (f"Backed up {when(last)}" if last is not None else "Not backed up yet"), ""


def warn_if_old(parent: QWidget, runner: BackupRunner) -> QMessageBox | None:
    """At unlock: a gentle, non-blocking reminder when the last good backup is too old."""
    from therapynotes.backup.schedule import BackupWarning  # noqa: PLC0415 - see imports

    if BackupWarning.TOO_OLD not in runner.warnings():
        return None
    box = QMessageBox(QMessageBox.Icon.Information, APP_NAME, "", parent=parent)
    box.setText(runner.warning_text(BackupWarning.TOO_OLD))
    box.setAccessibleName("Backup reminder")
    plain_buttons(box)
    box.open()
    return box
