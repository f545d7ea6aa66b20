"""Garbage is collected on the UI thread only (ui/collector.py)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from therapynotes.app import make_application
from therapynotes.ui import collector


class _Cycle:
    def __init__(self) -> None:
        self.me = self
        self.widget: QWidget | None = None


def test_the_app_turns_automatic_collection_off_and_collects_on_a_timer(qtbot: QtBot) -> None:
    app = make_application()
    assert isinstance(app, QApplication)
    installed = collector.install(app)
    assert app.findChildren(collector.UiThreadCollector) == [installed]  # once
    assert not gc.isenabled()
    assert installed.timer.isActive()
    thresholds = gc.get_threshold()
    garbage = [_Cycle() for _ in range(thresholds[0] * 2)]
    probe = weakref.ref(garbage[0])
    del garbage
    qtbot.waitUntil(lambda: probe() is None, timeout=10_000)  # the timer collected it


def test_a_worker_allocating_never_collects_widgets_off_the_ui_thread(qtbot: QtBot) -> None:
    collector.install(make_application())
    ui_thread = threading.get_ident()
    freed_on: list[int] = []

    class Watched(QWidget):
        def __del__(self) -> None:
            freed_on.append(threading.get_ident())

    holder = _Cycle()
    holder.widget = Watched()
    del holder

    def allocate() -> None:  # what a worker does: allocate well past every threshold
        junk = [_Cycle() for _ in range(gc.get_threshold()[0] * 20)]
        del junk

    done = threading.Event()

    class Task:
        def run(self) -> None:
            allocate()
            done.set()

    from PySide6.QtCore import QRunnable  # noqa: PLC0415

    QThreadPool.globalInstance().start(QRunnable.create(Task().run))
    qtbot.waitUntil(done.is_set, timeout=10_000)
    qtbot.waitUntil(lambda: bool(freed_on), timeout=10_000)
    assert freed_on == [ui_thread]


def test_collection_stays_off_for_the_ui_tests() -> None:
    """Whatever ran before (some tests turn collection off and on for a measurement), the
    UI tests still run as the app does: automatic collection off."""
    assert not gc.isenabled()
