"""Small things a therapist notices on the first day (issue 12): no Qt warnings at run
time, the passphrase rule said once and kept current, the user guide in Help."""

from __future__ import annotations

from pytestqt.logging import QtLoggingPlugin
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Harness
from therapynotes.ui.search_view import DEBOUNCE_MS, SearchView


def _search(h: Harness) -> SearchView:
    h.window.show_view("search")
    view = h.window.pages["search"]
    assert isinstance(view, SearchView)
    return view


def test_search_filters_and_lock_log_no_qt_warnings(
    unlocked: Harness, qtlog: QtLoggingPlugin, qtbot: QtBot
) -> None:
    """A filter's signal argument (a list index, -1 when a lock clears the list; True from
    a checkbox) once became QTimer.start(msec): "negative intervals" warnings and a
    debounce of 1 ms instead of DEBOUNCE_MS."""
    view = _search(unlocked)
    unlocked.records_settled()
    view.private.setChecked(True)
    assert view.timer.isActive() and view.timer.interval() == DEBOUNCE_MS
    view.kind.setCurrentIndex(2)
    assert view.timer.interval() == DEBOUNCE_MS
    unlocked.window.idle.timed_out.emit()  # an idle lock clears the search
    assert unlocked.window.session is None
    messages = [r.message for r in qtlog.records]
    assert not [m for m in messages if "QTimer" in m or "negative" in m], messages
