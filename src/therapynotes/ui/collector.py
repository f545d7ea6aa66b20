"""Python's cyclic garbage collector runs on the UI thread only.

CPython collects on whichever thread happens to allocate past the threshold. When that is
a worker of the database pool and the garbage holds Qt widgets (a page torn down at a
lock, a warning card's rows), their C++ destructors run on the worker: against Qt's rule
that widgets die on the thread that made them, and it deadlocked once here (found while
merging issue 17: the worker, collecting in `DeviceWarningCard.refresh`, waited for a Qt
lock the UI thread held while the UI thread waited for the GIL). So automatic collection
is off, and a timer on the UI thread does what CPython's thresholds would have done: a
young-generation collection when enough objects were allocated, an older one as often as
CPython itself would. The recipe PyQt applications use for the same reason.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500  # a young-generation collection costs well under a millisecond


class UiThreadCollector(QObject):
    """Turns automatic collection off and collects from a timer on the UI thread."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start()

    def collect_if_due(self) -> int:
        """Collect the generation CPython would have collected by now; -1 if none."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return -1
        generation = 0
        if counts[1] > self.thresholds[1]:
            generation = 1
            if counts[2] > self.thresholds[2]:
                generation = 2
        gc.collect(generation)
        return generation


def install(parent: QObject) -> UiThreadCollector:
    """Once per application: the collector, owned by `parent` (the QApplication)."""
    existing = parent.findChild(UiThreadCollector)
    return existing if existing is not None else UiThreadCollector(parent)


def uninstall(parent: QObject) -> None:
    """Automatic collection back on (the test suite, once its UI tests are done)."""
    existing = parent.findChild(UiThreadCollector)
    if existing is not None:
        existing.timer.stop()
        existing.setParent(None)
        existing.deleteLater()
    gc.enable()
