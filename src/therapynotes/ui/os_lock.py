"""Lock when the operating system locks the screen, suspends or switches user.

Linux (QtDBus), as KeePassXC listens:
- session bus: `ActiveChanged(bool)` of org.freedesktop.ScreenSaver, org.gnome.ScreenSaver
  and org.xfce.ScreenSaver (KDE serves the freedesktop name); GNOME SessionManager
  Presence `StatusChanged(uint)` with 3 = idle;
- system bus: login1 Manager `PrepareForSleep(bool)`, and `Lock()` on our own login1
  session object (sent by `loginctl lock-session` and by user switching on most desktops).
A missing bus or service is not an error: the app still has the idle lock and Ctrl+L.

Windows (not wired yet; documented for the packaging round): register the main window
with `WTSRegisterSessionNotification` (ctypes, wtsapi32) and watch `WM_WTSSESSION_CHANGE`
with `WTS_SESSION_LOCK` / `WTS_CONSOLE_DISCONNECT` in a QAbstractNativeEventFilter;
`WM_POWERBROADCAST` / `PBT_APMSUSPEND` for sleep. macOS: the distributed notification
`com.apple.screenIsLocked` and NSWorkspace `willSleepNotification` (pyobjc). On every
platform the wall-clock idle watcher still counts time asleep.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import SLOT, QObject, Signal, Slot

if TYPE_CHECKING:  # QtDBus loads in start(), after the lock screen's first paint
    from PySide6.QtDBus import QDBusConnection

SCREENSAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.freedesktop.ScreenSaver", "/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
    ("org.xfce.ScreenSaver", "/org/xfce/ScreenSaver", "org.xfce.ScreenSaver"),
)
PRESENCE = (
    "org.gnome.SessionManager",
    "/org/gnome/SessionManager/Presence",
    "org.gnome.SessionManager.Presence",
)
LOGIN1 = "org.freedesktop.login1"
LOGIN1_PATH = "/org/freedesktop/login1"
PRESENCE_IDLE = 3


def _connect(bus: QDBusConnection, *args: object) -> bool:
    """QDBusConnection.connect with a SLOT() string (PySide6 wants the str, its stubs
    say bytes)."""
    return bool(bus.connect(*args))  # type: ignore[call-overload]


class OsLockListener(QObject):
    lock_requested = Signal(str)  # the reason, for the audit log

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connected: list[str] = []  # what we listen to (for diagnostics and tests)

    def start(self) -> None:
        from PySide6.QtDBus import QDBusConnection  # noqa: PLC0415 - see the imports

        session = QDBusConnection.sessionBus()
        if session.isConnected():
            # Any sender on the session bus may ask us to lock: the worst a rogue one can
            # do is lock the app, and screensavers differ in the names they own.
            for _service, path, iface in SCREENSAVERS:
                if _connect(
                    session,
                    "",
                    path,
                    iface,
                    "ActiveChanged",
                    self,
                    SLOT("on_screensaver_active(bool)"),
                ):
                    self.connected.append(f"{iface} {path}")
            _service, path, iface = PRESENCE
            if _connect(session, "", path, iface, "StatusChanged", self, SLOT("on_presence(uint)")):
                self.connected.append(iface)
        system = QDBusConnection.systemBus()
        if system.isConnected():
            if _connect(
                system,
                LOGIN1,
                LOGIN1_PATH,
                f"{LOGIN1}.Manager",
                "PrepareForSleep",
                self,
                SLOT("on_prepare_for_sleep(bool)"),
            ):
                self.connected.append("login1 PrepareForSleep")
            session_path = self._login1_session_path(system)
            if session_path and _connect(
                system,
                LOGIN1,
                session_path,
                f"{LOGIN1}.Session",
                "Lock",
                self,
                SLOT("on_session_lock()"),
            ):
                self.connected.append("login1 Session.Lock")

    @staticmethod
    def _login1_session_path(system: QDBusConnection) -> str:
        from PySide6.QtDBus import QDBusInterface, QDBusObjectPath  # noqa: PLC0415

        manager = QDBusInterface(LOGIN1, LOGIN1_PATH, f"{LOGIN1}.Manager", system)
        if not manager.isValid():
            return ""
        reply = manager.call("GetSessionByPID", os.getpid())
        args = reply.arguments()
        if not args:
            return ""
        value = args[0]
        return value.path() if isinstance(value, QDBusObjectPath) else str(value)

    @Slot(bool)
    def on_screensaver_active(self, active: bool) -> None:
        if active:
            self.lock_requested.emit("screen locked")

    @Slot("uint")
    def on_presence(self, status: int) -> None:
        if status == PRESENCE_IDLE:
            self.lock_requested.emit("desktop idle")

    @Slot(bool)
    def on_prepare_for_sleep(self, going_to_sleep: bool) -> None:
        if going_to_sleep:
            self.lock_requested.emit("sleep")

    @Slot()
    def on_session_lock(self) -> None:
        self.lock_requested.emit("session locked")
