"""Composition root: settings, services, QApplication, MainWindow.

The only module outside ui/ that imports PySide6. `run()` is what `therapynotes run`
calls (the CLI imports this module lazily, so other commands never load Qt).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from therapynotes import APP_ID, APP_NAME, __version__
from therapynotes.paths import default_data_dir
from therapynotes.process import harden_process
from therapynotes.services.vault import VaultService
from therapynotes.settings import AppSettings, config_dir_from_env
from therapynotes.ui import collector, icons, upgrade_notice
from therapynotes.ui.context import AppContext
from therapynotes.ui.errors import install_excepthook
from therapynotes.ui.main_window import MainWindow

# One restrained accent (a calm blue-teal), a lighter tint of it in dark mode.
ACCENT_LIGHT = "#2f6f8f"
ACCENT_DARK = "#6fa8c4"


DARK = {
    QPalette.ColorRole.Window: "#2b2d30",
    QPalette.ColorRole.WindowText: "#e8e8e8",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.ToolTipBase: "#2b2d30",
    QPalette.ColorRole.ToolTipText: "#e8e8e8",
    QPalette.ColorRole.PlaceholderText: "#8c8f94",
    QPalette.ColorRole.Text: "#e8e8e8",
    QPalette.ColorRole.Button: "#35373b",
    QPalette.ColorRole.ButtonText: "#e8e8e8",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#45474c",
    QPalette.ColorRole.Midlight: "#3a3c40",
    QPalette.ColorRole.Mid: "#2f3134",
    QPalette.ColorRole.Dark: "#18191b",
    QPalette.ColorRole.Shadow: "#0c0c0d",
}
DARK_DISABLED_TEXT = "#7d8086"


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(DARK_DISABLED_TEXT))
    return palette


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_palette(app: QApplication, *, dark: bool | None = None) -> None:
    """The style's own light palette or our dark one, with the accent for selection and
    links. `dark=None` follows the system's colour scheme."""
    dark = is_dark() if dark is None else dark
    palette = dark_palette() if dark else app.style().standardPalette()
    accent = QColor(ACCENT_DARK if dark else ACCENT_LIGHT)
    on_accent = QColor("#10242e" if dark else "#ffffff")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Highlight, accent)
        palette.setColor(group, QPalette.ColorRole.HighlightedText, on_accent)
        palette.setColor(group, QPalette.ColorRole.Link, accent)
        palette.setColor(group, QPalette.ColorRole.Accent, accent)
    app.setPalette(palette)
    icons.clear_cache()


# How long a thread may keep the GIL while another thread waits for it (issue 18). With
# CPython's 5 ms default, a worker busy in Python holds the UI thread back up to 5 ms at
# each of the many points where the UI thread needs the GIL. Measured with the Add
# diagnosis dialog and the old pure-Python ICD-10 scan (bench.icd_gil_bench, 5 Dec 2026):
# worst UI lateness per typed query, median 43 ms at 5 ms, 18 ms at 1 ms, 14 ms at 0.5 ms
# (with today's SQLite code list: 7 / 4 / 4 ms). 1 ms takes most of the gain; lower only
# adds thread switches for work that shares the GIL.
SWITCH_INTERVAL_S = 0.001


def share_the_gil() -> None:
    """At app start: a worker thread in Python never keeps the UI waiting long."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    share_the_gil()
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationDomain("therapynotes.org")
    app.setDesktopFileName(APP_ID)
    if sys.platform.startswith("linux"):
        app.setStyle("Fusion")
    apply_palette(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: apply_palette(app))
    app.setWindowIcon(icons.app_icon())
    collector.install(app)  # garbage (and the widgets in it) freed on the UI thread only
    return app


def build_window(
    *,
    vault_dir: Path | None = None,
    config_dir: Path | None = None,
    clock: Callable[[], float] = time.time,
    listen_to_os: bool = True,
) -> MainWindow:
    config = config_dir or config_dir_from_env()
    settings = AppSettings.load(config)
    root = vault_dir or settings.vault_path(default_data_dir())
    ctx = AppContext(
        vault=VaultService(root, clock=clock),
        settings=settings,
        config_dir=config,
        clock=clock,
        listen_to_os=listen_to_os,
    )
    return MainWindow(ctx)


def close_on_signals(window: MainWindow) -> QTimer:
    """SIGTERM, SIGHUP (logout) and SIGINT close the window the normal way: drafts saved,
    the vault locked (and backed up if due) before the app quits. During the one-time
    upgrade of the first unlock after an update there is no one to ask (a logout, a
    shutdown): the app quits at once, which is safe (ui/upgrade_notice.py). Python runs
    signal handlers only between bytecodes, so a short timer gives it the chance while Qt
    waits; the handler only queues the close, which then runs from the event loop: run in
    the handler, between any two bytecodes, it could destroy the pages while a chart was
    still being built (a segfault, seen in tests/ui/test_app_signals.py)."""

    def close() -> None:
        if upgrade_notice.running(window.gate) is not None:
            window.quit_during_upgrade()
        else:
            window.close()

    for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, lambda _sig, _frame: QTimer.singleShot(0, close))
    ticker = QTimer(window)
    ticker.start(250)
    ticker.timeout.connect(lambda: None)
    return ticker


def run(*, vault_dir: Path | None = None, argv: Sequence[str] | None = None) -> int:
    harden_process()  # private file modes, no core dumps (therapynotes/process.py)
    app = make_application(argv)
    window = build_window(vault_dir=vault_dir)
    close_on_signals(window)
    install_excepthook(window)
    if os.environ.get("THERAPYNOTES_EXIT_WHEN_SHOWN") == "1":  # cold-start benchmark
        app.installEventFilter(FirstPaint(app))
    window.show()
    return int(app.exec())


class FirstPaint(QObject):
    """The cold-start benchmark's end point (bench/start_bench.py): at the first paint of
    any widget, print FIRST_PAINT on stdout and quit. Installed only when
    THERAPYNOTES_EXIT_WHEN_SHOWN=1; if nothing ever paints, it quits after 20 s."""

    MARKER = "therapynotes: first paint"

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.done = False
        QTimer.singleShot(20_000, app.quit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            print(self.MARKER, flush=True)
            QTimer.singleShot(0, self.app.quit)
        return super().eventFilter(watched, event)
