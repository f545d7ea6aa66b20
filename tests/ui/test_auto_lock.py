"""Idle lock on the wall clock, OS lock signals, lock on minimize."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import Harness, save_settings
from therapynotes.settings import SecuritySettings, load_security
from therapynotes.ui.idle_watcher import IdleWatcher


def _press_key(harness: Harness) -> None:
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Shift, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(harness.window.sidebar, event)


def test_idle_lock_at_timeout_and_input_resets(unlocked: Harness) -> None:
    window, clock = unlocked.window, unlocked.clock
    timeout = window.idle.timeout_seconds
    assert timeout == 5 * 60
    clock.advance(timeout - 20)
    window.idle.tick()
    assert window.session is not None
    assert window.countdown_label.isVisible() or window.countdown_label.text() == "Locked in 20 s"
    assert window.countdown_label.text() == "Locked in 20 s"
    _press_key(unlocked)  # the app-wide filter sees input anywhere
    assert not window.countdown_label.isVisibleTo(window)
    clock.advance(timeout - 1)
    window.idle.tick()
    assert window.session is not None
    clock.advance(1.0)
    session = window.session
    window.idle.tick()
    assert window.session is None and not session.is_open


def test_a_wall_clock_jump_locks_on_the_next_tick(unlocked: Harness) -> None:
    window = unlocked.window
    unlocked.clock.advance(8 * 3600)  # the laptop slept overnight
    window.idle.tick()
    assert window.session is None


def test_input_after_the_deadline_locks_rather_than_resets(unlocked: Harness) -> None:
    unlocked.clock.advance(3600)
    _press_key(unlocked)  # the key that woke the machine must not rescue the session
    assert unlocked.window.session is None


def test_watcher_counts_down_then_clears() -> None:
    now = [1000.0]
    watcher = IdleWatcher(clock=lambda: now[0], timeout_seconds=60, warn_seconds=30)
    seen: list[int] = []
    fired: list[bool] = []
    watcher.countdown.connect(seen.append)
    watcher.timed_out.connect(lambda: fired.append(True))
    watcher.start()
    now[0] += 31
    watcher.tick()
    now[0] += 0.5
    watcher.tick()
    watcher.reset()
    assert seen == [29, 29, -1]
    now[0] += 60
    watcher.tick()
    assert fired == [True] and not watcher.active


def test_timeout_setting_is_applied_at_once(unlocked: Harness) -> None:
    window = unlocked.window
    window.show_view("settings")
    panel = window.pages["settings"]
    panel.idle.setValue(2)  # type: ignore[attr-defined]
    assert window.idle.timeout_seconds != 120  # not before Save (issue 16)
    save_settings(unlocked)
    assert window.idle.timeout_seconds == 120
    assert window.session is not None
    assert load_security(window.session.conn).idle_timeout_minutes == 2
    unlocked.clock.advance(121)
    window.idle.tick()
    assert window.session is None


@pytest.mark.parametrize(
    ("slot", "arg", "locks"),
    [
        ("on_screensaver_active", True, True),
        ("on_screensaver_active", False, False),
        ("on_prepare_for_sleep", True, True),
        ("on_prepare_for_sleep", False, False),
        ("on_session_lock", None, True),
        ("on_presence", 3, True),
        ("on_presence", 0, False),
    ],
)
def test_os_signals_lock(unlocked: Harness, slot: str, arg: object, locks: bool) -> None:
    handler = getattr(unlocked.window.os_lock, slot)
    handler() if arg is None else handler(arg)
    assert (unlocked.window.session is None) is locks


def test_lock_on_minimize_when_chosen(unlocked: Harness) -> None:
    window = unlocked.window
    window.showMinimized()
    assert window.session is not None  # off by default
    window.showNormal()
    window.apply_security(SecuritySettings(lock_on_minimize=True))
    window.showMinimized()
    unlocked.qtbot.waitUntil(lambda: window.session is None)


DBUS_SCRIPT = textwrap.dedent(
    """
    import subprocess
    from PySide6.QtCore import QCoreApplication, QTimer
    from therapynotes.ui.os_lock import OsLockListener
    app = QCoreApplication([])
    listener = OsLockListener()
    listener.start()
    got = []
    listener.lock_requested.connect(got.append)
    subprocess.run(["dbus-send", "--session", "--type=signal", "/org/gnome/ScreenSaver",
                    "org.gnome.ScreenSaver.ActiveChanged", "boolean:true"], check=True)
    QTimer.singleShot(1000, app.quit)
    app.exec()
    print("GOT", got)
    """
)


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("dbus-send")),
    reason="needs dbus-run-session and dbus-send",
)
def test_real_session_bus_screensaver_signal_is_heard() -> None:
    result = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-c", DBUS_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in __import__("os").environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"},
        check=False,
    )
    assert "GOT ['screen locked']" in result.stdout, result.stderr
