"""What the main window makes after the lock screen's first paint (issue 18: a quick
start). A mixin of MainWindow (ui/main_window.py).

The lock screen needs none of it: the sidebar and the pages' stack (shown once
unlocked; the sidebar's first viewport() alone made PySide6 create every widget class it
had left lazy, ~7 ms), the clipboard guard, the schedule's reminders, the idle WAL
checkpoints and the OS-lock listener (synchronous D-Bus calls, and QtDBus to load).
`finish_start()` makes them soon after the first paint, or at the first unlock if that
comes first. The helpers are cached properties, so anything asking earlier gets them made
then.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStackedWidget, QWidget

from therapynotes.ui.icons import icon
from therapynotes.ui.pages import PAGE_ICONS, PAGE_TITLES, WINDOW_VIEWS
from therapynotes.ui.widgets import GRID

if TYPE_CHECKING:
    from PySide6.QtWidgets import QListWidget, QMainWindow, QSplitter

    from therapynotes.ui.clipboard import SecureClipboard
    from therapynotes.ui.context import AppContext
    from therapynotes.ui.idle_checkpoint import IdleCheckpointer
    from therapynotes.ui.os_lock import OsLockListener
    from therapynotes.ui.schedule.reminders import ReminderWatcher

    _Window = QMainWindow
else:
    _Window = object

SIDEBAR_WIDTH = 22 * GRID


class _AfterFirstPaint(QObject):
    """Calls `then` once, from the event loop, after `widget` first paints (a child of
    `widget`: nothing is called once the window is gone)."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self.then)  # dropped if the window is gone by then
        return False


class WindowStart(_Window):
    """Needs from MainWindow: ctx, central, lock, _on_sidebar_row."""

    if TYPE_CHECKING:
        ctx: AppContext
        central: QStackedWidget
        sidebar: QListWidget
        content: QStackedWidget
        splitter: QSplitter
        shell: QWidget

        def lock(self, reason: str = "manual") -> None: ...

        def _on_sidebar_row(self, row: int) -> None: ...

    _started = False

    def start_after_first_paint(self) -> None:
        """Called once the window has its lock screen (or wizard) and menus."""
        _AfterFirstPaint(self, self.finish_start)

    def finish_start(self) -> None:
        """Make what the lock screen doesn't show (see the module docstring); once."""
        if self._started:
            return
        self._started = True
        self._build_shell()
        for name in ("clipboard", "reminders", "checkpointer", "os_lock"):
            getattr(self, name)  # a cached property: made now rather than at first use
        if self.ctx.listen_to_os:
            self.os_lock.start()

    @cached_property
    def clipboard(self) -> SecureClipboard:
        from therapynotes.ui.clipboard import SecureClipboard  # noqa: PLC0415 - see above

        return SecureClipboard(parent=self)

    @cached_property
    def reminders(self) -> ReminderWatcher:
        """The schedule's reminders (issue 13): the therapist's own."""
        from therapynotes.ui.schedule.reminders import ReminderWatcher  # noqa: PLC0415

        settings, clock = self.ctx.settings, self.ctx.clock
        return ReminderWatcher(self, minutes=lambda: settings.reminder_minutes, clock=clock)

    @cached_property
    def checkpointer(self) -> IdleCheckpointer:
        """The WAL folded when the app is quiet (issue 18)."""
        from therapynotes.ui.idle_checkpoint import IdleCheckpointer  # noqa: PLC0415

        return IdleCheckpointer(parent=self)

    @cached_property
    def os_lock(self) -> OsLockListener:
        from therapynotes.ui.os_lock import OsLockListener  # noqa: PLC0415 - see above

        listener = OsLockListener(self)
        listener.lock_requested.connect(self.lock)
        return listener

    def _build_shell(self) -> None:
        """The sidebar and the pages' stack, behind the lock screen until unlocked."""
        from PySide6.QtWidgets import QListWidget, QListWidgetItem, QSplitter  # noqa: PLC0415

        from therapynotes.ui.splitters import RememberedSplitter  # noqa: PLC0415 - see above

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("Sidebar")
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.sidebar.setBackgroundRole(QPalette.ColorRole.Window)
        self.sidebar.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setSpacing(GRID // 4)
        self.sidebar.setMinimumWidth(18 * GRID)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for view_id in WINDOW_VIEWS:
            item = QListWidgetItem(icon(PAGE_ICONS[view_id]), PAGE_TITLES[view_id])
            item.setData(Qt.ItemDataRole.UserRole, view_id)
            item.setSizeHint(QSize(SIDEBAR_WIDTH, 5 * GRID))
            item.setToolTip(PAGE_TITLES[view_id])
            self.sidebar.addItem(item)
        self.content = QStackedWidget()
        self.content.setObjectName("Content")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.content)
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, False)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([SIDEBAR_WIDTH, 100 * GRID])
        RememberedSplitter(self.splitter, "sidebar", self.ctx.settings)
        self.shell = self.splitter
        self.central.insertWidget(0, self.shell)  # behind the lock screen
        self.sidebar.currentRowChanged.connect(self._on_sidebar_row)
