"""The one background helper: run slow work off the UI thread, come back by signal.

Modelled on Anki's CollectionOp: `Op(parent, fn).success(cb).failure(cb).run()`. `fn`
runs on the global QThreadPool and must never touch widgets; its result (or exception)
comes back to the GUI thread through a queued signal, and the callbacks are skipped when
`parent` was destroyed meanwhile (for example by a lock). `became_busy`/`became_idle`
let the main window show one busy indicator for all work in flight. `finish_for_lock`
lets a lock wait for work that may still use the database before it is closed.

No signal here carries a bare bool (issue 20: PySide6 6.12.0 dropped a reference to
True/False with each one emitted from Python and the app aborted after a few thousand
operations): busy and idle are two argument-less signals, and a worker's answer travels
as one `(result, exception)` tuple, so a job returning True or False is not a bool
argument either. tests/ui/test_signal_refcounts.py checks every signal the app declares.

Work that reads the vault runs with `run(database=True)`: on a pool of exactly one
thread, so two record queries never run at once; the UI thread's own short record calls
and that one worker share the session's `db_lock` (ui/records_access.py), so the SQLite
connection (opened with check_same_thread=False) is never used from two threads at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from therapynotes.ui.errors import show_error

T = TypeVar("T")


class _Bridge(QObject):
    """Lives in the GUI thread; the worker emits, Qt queues the call back to us."""

    done = Signal(object)  # a (result, exception) tuple: never a bare bool (issue 20)

    def __init__(self, op: Op[Any]) -> None:
        super().__init__()
        self._op: Op[Any] | None = op
        self.done.connect(self._deliver)

    @Slot(object)
    def _deliver(self, answer: tuple[object, object]) -> None:
        result, exc = answer
        op = self._op
        if op is None:
            return
        _RUNNING.discard(op)
        tracker.changed()
        try:
            op.deliver(result, exc)  # type: ignore[arg-type]
        finally:
            op._bridge = None
            self._op = None  # a wrapper Qt keeps past deleteLater must not keep the op
            self.deleteLater()


class _Task(QRunnable):
    """One job on the pool. PySide may keep a finished runnable's Python wrapper alive
    (until the next job on that thread), so `run` drops the work and the bridge when
    done: otherwise a finished job kept its closure, the view that asked and whatever
    that view held (a setup flow with the recovery key) alive after a lock."""

    def __init__(self, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self._fn: Callable[[], Any] | None = fn
        self._bridge: _Bridge | None = bridge

    def run(self) -> None:
        fn, bridge = self._fn, self._bridge
        self._fn = self._bridge = None
        if fn is None or bridge is None:
            return
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI
            bridge.done.emit((None, exc))
        else:
            bridge.done.emit((result, None))
        del fn, bridge


class BusyTracker(QObject):
    """Counts operations in flight; the main window shows a busy indicator from it.
    Two signals rather than one carrying a bool (issue 20)."""

    became_busy = Signal()
    became_idle = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._was_busy = False

    def changed(self) -> None:
        busy = bool(_RUNNING)
        if busy != self._was_busy:
            self._was_busy = busy
            (self.became_busy if busy else self.became_idle).emit()

    @staticmethod
    def running() -> int:
        return len(_RUNNING)


_RUNNING: set[Op[Any]] = set()
tracker = BusyTracker()
_DB_POOL: QThreadPool | None = None


def database_pool() -> QThreadPool:
    """The one worker thread for record queries (searches, chart loads)."""
    global _DB_POOL  # noqa: PLW0603 - one pool per process, made on first use
    if _DB_POOL is None:
        _DB_POOL = QThreadPool()
        _DB_POOL.setMaxThreadCount(1)
    return _DB_POOL


class Op(Generic[T]):
    def __init__(
        self,
        parent: QObject | None,
        fn: Callable[[], T],
        *,
        pool: QThreadPool | None = None,
        survives_lock: bool = False,
    ) -> None:
        """`pool` and `survives_lock` are for work that a lock waits for on its own terms
        (a backup keeps the vault open until it ends; ui/backup_runner.py)."""
        self._parent = parent
        self._fn = fn
        self._pool = pool
        self.survives_lock = survives_lock
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._busy: Callable[[bool], None] | None = None
        self._bridge: _Bridge | None = None
        self.dropped = False

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        self._failure = callback
        return self

    def busy(self, callback: Callable[[bool], None]) -> Op[T]:
        """Called with True now and False when the work is over (before the callbacks)."""
        self._busy = callback
        return self

    def run(self, *, database: bool = False) -> None:
        # The op (kept in _RUNNING until delivery) owns the bridge, so the bridge never
        # dies on the worker thread with the queued answer still pending.
        self._bridge = bridge = _Bridge(self)
        _RUNNING.add(self)
        tracker.changed()
        if self._busy is not None:
            self._busy(True)
        default = database_pool() if database else QThreadPool.globalInstance()
        (self._pool or default).start(_Task(self._fn, bridge))

    def deliver(self, result: T, exc: BaseException | None) -> None:
        if self.dropped or (self._parent is not None and not shiboken6.isValid(self._parent)):
            return  # the view that asked is gone (e.g. locked); drop the answer
        if self._busy is not None:
            self._busy(False)
        if exc is not None:
            if self._failure is not None:
                self._failure(exc)
            else:
                show_error(self._parent, exc)
        elif self._success is not None:
            self._success(result)


def finish_for_lock(timeout_ms: int = 10_000) -> bool:
    """Before a lock: wait for work in flight (it may be using the open database), then
    drop its answers, since the views that asked are about to be destroyed. False when
    some work was still running at the timeout."""
    done = database_pool().waitForDone(timeout_ms)
    done = QThreadPool.globalInstance().waitForDone(timeout_ms) and done
    for op in list(_RUNNING):
        if not op.survives_lock:
            op.dropped = True
    return bool(done)
