"""Waiting for the database worker in UI tests: opening, signing, voiding a note and
opening an attachment answer from the worker (ui/ops.py), so a test waits for the answer
to land before it looks."""

from __future__ import annotations

import time

from PySide6.QtTest import QTest

from therapynotes.ui.ops import database_pool, tracker


def worker_done(timeout_s: float = 20.0) -> None:
    """Until no operation is in flight (each answer delivered, and what it asked next)."""
    end = time.monotonic() + timeout_s
    while tracker.running() or database_pool().activeThreadCount():
        if time.monotonic() > end:
            raise TimeoutError("the database worker did not finish")
        QTest.qWait(10)
    QTest.qWait(1)
