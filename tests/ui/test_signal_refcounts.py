"""Issue 20: PySide6 6.12.0 dropped a reference to True (and, through the event loop, to
None) with signals emitted from Python; on Python 3.11, where True, False and None are
not immortal, the app aborted ("bool_dealloc") after a few thousand database operations.

Every signal the app declares is found by walking the modules (nothing listed by hand),
re-declared on a throwaway QObject (the same Signal object, so the same signature and
overloads), connected to Python slots both directly and queued, and emitted many times
with bools and the other values its types take. The reference counts of True, False and
None must not move. This fails on a leaking binding and passes on the pinned one
(pyproject.toml). The whole app under load: tests/ui/test_signal_endurance.py.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal

import therapynotes.ui

EMISSIONS = 500  # per value and argument position, in batches
BATCH = 25  # a leaking binding loses at most this many references before we stop

# Values each C++ parameter type can carry, bools first (the issue), then the others.
SAMPLES: dict[str, tuple[object, ...]] = {
    "bool": (True, False),
    "int": (True, False, 0, 1, -1),
    "double": (True, 0.5),
    "QString": ("", "reason"),
    "PyObject": (True, False, None, 0, "text", (True, None), object()),
}
PY_TYPES: dict[str, type] = {
    "bool": bool,
    "int": int,
    "double": float,
    "QString": str,
    "PyObject": object,
}


@dataclass(frozen=True)
class Declared:
    owner: str  # module.Class
    attribute: str
    signal: Signal


def app_modules() -> list[str]:
    names = ["therapynotes.app"]
    for info in pkgutil.walk_packages(therapynotes.ui.__path__, "therapynotes.ui."):
        names.append(info.name)
    return names


def declared_signals() -> list[Declared]:
    """Every Signal attribute of every QObject subclass defined in the app's Qt modules."""
    found: list[Declared] = []
    for name in app_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, QObject):
                continue
            for attribute, value in vars(cls).items():
                if isinstance(value, Signal):
                    found.append(Declared(f"{name}.{cls.__qualname__}", attribute, value))
    return found


def _counts() -> tuple[int, int, int]:
    return sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)


def _repair(drift: tuple[int, int, int]) -> None:
    """Give back what a leaking binding took, so the run reports a failure instead of
    aborting later in the session (the counts are only ever short, never long)."""
    for obj, lost in zip((True, False, None), drift, strict=True):
        for _ in range(max(0, -lost)):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _overloads(probe: QObject) -> list[list[str]]:
    meta = probe.metaObject()
    out = []
    for i in range(meta.methodOffset(), meta.methodCount()):
        method = meta.method(i)
        if method.methodType() == method.MethodType.Signal:
            out.append([bytes(t.data()).decode() for t in method.parameterTypes()])
    return out


def _argument_lists(types: list[str]) -> Iterator[tuple[object, ...]]:
    """Each sample in each position, the other positions at their first sample."""
    base = [SAMPLES[t][0] for t in types]
    if not types:
        yield ()
    for position, kind in enumerate(types):
        for value in SAMPLES[kind]:
            args = list(base)
            args[position] = value
            yield tuple(args)


def _flush() -> None:
    """Let whatever an earlier test left queued (deferred deletions, timers) happen now,
    not inside a measured batch."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def _batch(emit: Callable[[], object], queued: bool) -> tuple[int, int, int]:
    _flush()
    before = _counts()
    for _ in range(BATCH):
        emit()
    if queued:
        QCoreApplication.processEvents()
    after = _counts()
    return (after[0] - before[0], after[1] - before[1], after[2] - before[2])


def _drift_of(emit: Callable[[], object], queued: bool, calls: list[int]) -> tuple[int, ...]:
    """Emit in batches (garbage collection off); a batch that moves a count is repaired
    and checked by one more: a leak moves every batch, an event from elsewhere that
    happened to land in one does not. The first batch may warm up caches that keep a
    reference (a count going up once)."""
    was_on = gc.isenabled()  # off already under the UI tests' collector (ui/collector.py)
    gc.disable()
    try:
        sent = 0
        for batch in range(EMISSIONS // BATCH):
            drift = _batch(emit, queued)
            sent += BATCH
            if any(d < 0 for d in drift) or (batch > 0 and any(drift)):
                _repair(drift)
                drift = _batch(emit, queued)
                sent += BATCH
                _repair(drift)
                if any(drift):
                    return drift
    finally:
        if was_on:
            gc.enable()
    assert calls[0] == sent, "every emission reaches the slot"
    return (0, 0, 0)


def signature_leaks(declared: Declared, also: Callable[..., None] | None = None) -> list[str]:
    """Emit through a throwaway QObject carrying the same Signal; describe each leak.
    `also`: one more slot to connect (the self-test's leaking one)."""
    probe_type = type("Probe", (QObject,), {declared.attribute: declared.signal})
    problems = []
    for types in _overloads(probe_type()):
        missing = [t for t in types if t not in SAMPLES]
        if missing:
            problems.append(f"no sample values for {missing}: add them to SAMPLES")
            continue
        for queued in (False, True):
            probe = probe_type()
            bound = getattr(probe, declared.attribute)
            if len(_overloads(probe)) > 1:
                bound = bound[tuple(PY_TYPES[t] for t in types)]
            calls = [0]

            def slot(*_args: object, calls: list[int] = calls) -> None:
                calls[0] += 1

            kind = (
                Qt.ConnectionType.QueuedConnection if queued else Qt.ConnectionType.DirectConnection
            )
            bound.connect(slot, kind)
            if also is not None:
                bound.connect(also, kind)
            QCoreApplication.processEvents()  # nothing else queued inside the batches
            for args in _argument_lists(types):
                calls[0] = 0
                drift = _drift_of(lambda args=args, bound=bound: bound.emit(*args), queued, calls)
                if any(drift):
                    how = "queued" if queued else "direct"
                    problems.append(
                        f"{declared.owner}.{declared.attribute}({', '.join(types)}) {how} "
                        f"emit{args!r}: True/False/None counts moved by {drift} in one batch"
                    )
            probe.deleteLater()
    return problems


def test_the_walk_finds_the_apps_signals() -> None:
    """Keeps the walk honest: signals from several modules, every kind of signature, the
    worker's answer and the busy indicator among them."""
    found = {(d.owner, d.attribute) for d in declared_signals()}
    assert ("therapynotes.ui.ops._Bridge", "done") in found
    assert ("therapynotes.ui.ops.BusyTracker", "became_busy") in found
    assert ("therapynotes.ui.main_window.MainWindow", "locked") in found
    assert ("therapynotes.ui.search_view.SearchView", "open_requested") in found  # QtSignal
    assert ("therapynotes.ui.chart_tabs.notes.NotesTab", "note_opened") in found  # subpackage
    assert len(found) >= 30
    kinds = set()
    for declared in declared_signals():
        probe = type("Probe", (QObject,), {declared.attribute: declared.signal})()
        for types in _overloads(probe):
            kinds.update(types)
    assert {"int", "QString", "PyObject"} <= kinds <= set(SAMPLES)


def test_no_signal_carries_a_bare_bool() -> None:
    """Show/hide and worker answers do not depend on the binding's bool handling."""
    carrying = [
        f"{d.owner}.{d.attribute}"
        for d in declared_signals()
        for types in _overloads(type("Probe", (QObject,), {d.attribute: d.signal})())
        if "bool" in types
    ]
    assert carrying == []


def test_the_check_sees_a_leak(qtbot: object) -> None:
    """The measurement itself: a slot that drops one reference to True per call (what the
    leaking binding did) is reported for each way of emitting, and repaired."""
    busy = next(d for d in declared_signals() if d.attribute == "became_busy")

    def leaky(*_args: object) -> None:
        ctypes.pythonapi.Py_DecRef(ctypes.py_object(True))

    gc.collect()  # live references only: the UI tests collect on a timer (ui/collector.py)
    before = _counts()
    problems = signature_leaks(busy, also=leaky)
    assert len(problems) == 2 and "direct emit()" in problems[0] and "queued" in problems[1]
    assert f"moved by ({-BATCH}, 0, " in problems[0]  # one batch's worth
    gc.collect()
    assert abs(_counts()[0] - before[0]) <= 2  # and repaired (a cache may keep one)


@pytest.mark.parametrize("declared", declared_signals(), ids=lambda d: f"{d.owner}.{d.attribute}")
def test_emitting_leaves_true_false_and_none_alone(qtbot: object, declared: Declared) -> None:
    problems = signature_leaks(declared)
    assert not problems, f"{len(problems)} ways of emitting moved a count; the first: {problems[0]}"
