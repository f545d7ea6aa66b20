"""Event-loop lag of the record screens on the reference-size demo vault.

A QTimer fires every 10 ms and records how late each tick is; the real main window
(unlocked over a demo practice of about 12,000 notes, client 1 with about 300) then
opens the 300-note chart and its notes, runs a search mix through the search view,
types into a draft for a while with autosave on, then refreshes the client list, shows
Home, adds a diagnosis, a session and a 20 MB attachment to the chart, opens that
attachment and saves a copy of it, and signs and then voids the typed note. Prints max
and p99 lateness per phase. Target: the UI thread never blocks more than 50 ms. Not a
test: nothing asserts.

The QApplication is the app's own (therapynotes.app.make_application: style, palette and
the GIL switch interval); `--switch-interval S` overrides that interval, to measure it.

Usage: .venv/bin/python -m bench.ui_lag_bench [--size small|reference] [--type-seconds N]
       [--switch-interval S]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QDialog  # noqa: E402

from bench.common import machine, use_bench_keyring  # noqa: E402
from bench.records_bench import SIZES, TODAY  # noqa: E402
from therapynotes.app import make_application  # noqa: E402
from therapynotes.domain.ids import ClientId  # noqa: E402
from therapynotes.services import demo  # noqa: E402
from therapynotes.services.vault import VaultService  # noqa: E402
from therapynotes.settings import AppSettings  # noqa: E402
from therapynotes.ui.chart_tabs import attachments as attachments_tab  # noqa: E402
from therapynotes.ui.chart_tabs.sessions import SessionDialog  # noqa: E402
from therapynotes.ui.client_view import ClientChartView  # noqa: E402
from therapynotes.ui.clients_page import ClientsPage  # noqa: E402
from therapynotes.ui.context import AppContext  # noqa: E402
from therapynotes.ui.main_window import MainWindow  # noqa: E402
from therapynotes.ui.ops import tracker  # noqa: E402
from therapynotes.ui.search_view import SearchView  # noqa: E402

PASSPHRASE = "orange piano little sunset"
PERIOD_MS = 10
SEARCHES = ("anxious", "sleep", "exposure hierarchy", '"safety plan"', "grief loss", "smith")
ATTACHMENT_MB = 20
SIZES_HERE = {"small": demo.DemoSpec(clients=40, years=2, seed=1, long_term_sessions=335)}


def _schedstat() -> tuple[int, int]:
    """The calling thread's time on a CPU and time waiting in the run queue for one, in
    ns (Linux /proc; zeros elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as fh:
            ran, waited, _slices = fh.read().split()
        return int(ran), int(waited)
    except (OSError, ValueError):
        return 0, 0


class GcWatch:
    """The longest cyclic garbage collection on the UI thread (Python runs one on the
    thread that happens to allocate, often the UI thread), and on any other thread (the
    worker's collection holds the GIL, so the UI thread waits it out asleep)."""

    def __init__(self) -> None:
        self.ui_thread = threading.get_ident()
        self.started: dict[int, float] = {}
        self.longest = 0.0
        self.elsewhere = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        thread = threading.get_ident()
        if phase == "start":
            self.started[thread] = time.perf_counter()
            return
        started = self.started.pop(thread, 0.0)
        if not started:
            return
        took = (time.perf_counter() - started) * 1000
        if thread == self.ui_thread:
            self.longest = max(self.longest, took)
        else:
            self.elsewhere = max(self.elsewhere, took)

    def take(self) -> tuple[float, float]:
        taken = (self.longest, self.elsewhere)
        self.longest = self.elsewhere = 0.0
        return taken


GC = GcWatch()


class TimedLock:
    """Stands in for the session's db_lock (an RLock) and notes the longest time the UI
    thread waited to take it: a worker holding it through a slow commit shows here."""

    def __init__(self, inner: threading.RLock) -> None:
        self.inner = inner
        self.ui_thread = threading.get_ident()
        self.longest = 0.0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        started = time.perf_counter()
        got = self.inner.acquire(blocking, timeout)
        if threading.get_ident() == self.ui_thread:
            self.longest = max(self.longest, (time.perf_counter() - started) * 1000)
        return got

    def release(self) -> None:
        self.inner.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def take(self) -> float:
        longest, self.longest = self.longest, 0.0
        return longest


DB_LOCK: TimedLock | None = None


class LagProbe:
    """Lateness of a 10-ms timer: how long the event loop was kept from it. For the
    worst gap between two ticks it also says where the UI thread's time went: running
    (its own work), waiting in the run queue for a CPU (a busy machine), or asleep (on
    the GIL or a lock, plus the timer's own 10 ms)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(PERIOD_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.stat = (0, 0)
        self.split = (0.0, 0.0, 0.0, 0.0)  # gap, ran, run queue, asleep (ms)

    def start(self) -> None:
        self.samples = []
        self.clock.start()
        self.last = 0
        self.stat = _schedstat()
        self.split = (0.0, 0.0, 0.0, 0.0)
        GC.take()
        if DB_LOCK is not None:
            DB_LOCK.take()
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        stat = _schedstat()
        gap = now - self.last
        late = max(0.0, gap - PERIOD_MS)
        if not self.samples or late > max(self.samples):
            ran = (stat[0] - self.stat[0]) / 1e6
            queued = (stat[1] - self.stat[1]) / 1e6
            self.split = (gap, ran, queued, max(0.0, gap - ran - queued))
        self.samples.append(late)
        self.last = now
        self.stat = stat

    def stop(
        self,
    ) -> tuple[float, float, int, tuple[float, ...]]:
        self._tick()  # a block at the very end counts too
        self.timer.stop()
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        waited = DB_LOCK.take() if DB_LOCK is not None else 0.0
        return ordered[-1], p99, len(ordered), (*self.split, *GC.take(), waited)


def spin(ms: int) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.001)


def wait_for(condition, timeout_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there")
        QCoreApplication.processEvents()
        time.sleep(0.001)


def build_window(root: Path, spec: demo.DemoSpec) -> MainWindow:
    vault = VaultService(root / "vault")
    created = vault.create(PASSPHRASE, passphrase_only=True)
    import pyotp  # noqa: PLC0415

    session = vault.unlock(PASSPHRASE, pyotp.TOTP(created.totp_secret).now())
    started = time.perf_counter()
    counts = demo.build(session.conn, spec, today=TODAY if spec.years >= 10 else date.today())
    print(
        f"demo vault: {counts.clients} clients, {counts.notes} notes, built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    ctx = AppContext(
        vault=vault,
        settings=AppSettings.load(root / "config"),
        config_dir=root / "config",
        listen_to_os=False,
    )
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    global DB_LOCK  # noqa: PLW0603 - one window per run
    DB_LOCK = TimedLock(session.db_lock)
    session.db_lock = DB_LOCK  # type: ignore[assignment]  # before the window's doors
    window._on_unlocked(session)
    return window


def report(name: str, result: tuple[float, float, int, tuple[float, ...]]) -> None:
    worst, p99, n, (gap, ran, queued, asleep, collected, elsewhere, waited) = result
    verdict = "ok" if worst <= 50 else "OVER 50 ms"
    print(
        f"{name:<36} max {worst:4.0f} ms  p99 {p99:4.0f} ms  ({n:4} ticks)  {verdict:<10}"
        f"  worst gap {gap:4.0f} = ran {ran:3.0f} + CPU wait {queued:3.0f} + asleep {asleep:3.0f}"
        f"  (longest GC: UI thread {collected:3.0f}, others {elsewhere:3.0f};"
        f" wait for the db lock {waited:3.0f})"
    )


def run(window: MainWindow, type_seconds: float) -> None:
    probe = LagProbe()
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    window.show_view("clients")
    spin(300)

    probe.start()
    spin(100)
    chart = page.open_client(ClientId(1))
    assert chart is not None
    chart.show_notes()
    wait_for(lambda: chart.chart is not None and chart._loading == 0)
    spin(300)
    report(f"open chart ({chart.notes.model.rowCount()} notes)", probe.stop())

    probe.start()
    spin(50)
    chart.notes.open_note(chart.notes.model.rows[0].id)
    wait_for(lambda: tracker.running() == 0)  # read on the database worker
    spin(200)
    report("open a signed note", probe.stop())

    window.show_view("search")
    search = window.pages["search"]
    assert isinstance(search, SearchView)
    probe.start()
    for query in SEARCHES:
        search.field.setText(query)  # the view searches after its 200-ms debounce
        spin(10)
        wait_for(lambda: not search.timer.isActive() and tracker.running() == 0)
        spin(50)
    report(f"search ({len(SEARCHES)} queries)", probe.stop())

    window.show_view("clients")
    chart.notes.start_note("soap", None)
    wait_for(lambda: chart._loading == 0 and tracker.running() == 0)
    editor = chart.notes.editor
    target = next(iter(editor.editors.values()))
    target.setFocus()
    probe.start()
    words = "client described feeling calmer about sleep this week and practised breathing "
    end = time.monotonic() + type_seconds
    saves = 0
    while time.monotonic() < end:
        for ch in words:
            QTest.keyClicks(target, ch)
            was = editor.saved_at
            spin(60)  # about 16 characters a second, a brisk typist
            saves += editor.saved_at != was
            if time.monotonic() >= end:
                break
    was = editor.saved_at
    spin(2500)  # the last debounced autosave
    saves += editor.saved_at != was
    report(f"typing {type_seconds:.0f} s with autosave ({saves} saves)", probe.stop())
    record_actions(window, page, chart, probe)


def settle(probe: LagProbe, name: str) -> None:
    """Until the work in flight and the refresh it asks for have landed, then report."""
    spin(50)
    wait_for(lambda: tracker.running() == 0)
    spin(300)
    wait_for(lambda: tracker.running() == 0)
    report(name, probe.stop())


def record_actions(
    window: MainWindow, page: ClientsPage, chart: ClientChartView, probe: LagProbe
) -> None:
    """Home, the client list and the chart's add actions (each with the chart's refresh
    that follows). Written against what both the synchronous and the worker versions of
    these screens expose, so the same phases time either."""
    window.show_view("clients")
    spin(300)
    probe.start()
    page.list.refresh()
    settle(probe, f"client list refresh ({page.list.model.rowCount()})")

    probe.start()
    window.show_view("home")
    settle(probe, "home (notes due, today)")
    window.show_view("clients")
    spin(300)

    chart.tabs.setCurrentWidget(chart.diagnoses)
    spin(100)
    probe.start()
    dialog = chart.diagnoses.add()
    assert dialog is not None
    dialog.query.setText("F41.1")
    wait_for(lambda: dialog.results.count() > 0)
    dialog.accept()
    settle(probe, "add diagnosis")

    chart.tabs.setCurrentWidget(chart.sessions)
    spin(100)
    probe.start()
    chart.sessions.log_button.click()
    wait_for(lambda: any(d.isVisible() for d in chart.sessions.findChildren(SessionDialog)))
    log = next(d for d in chart.sessions.findChildren(SessionDialog) if d.isVisible())
    log.accept()
    settle(probe, "log session")

    chart.tabs.setCurrentWidget(chart.attachments)
    spin(100)
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "scanned-records.pdf"
        big.write_bytes(os.urandom(ATTACHMENT_MB * 1024 * 1024))
        before = chart.attachments.model.rowCount()
        probe.start()
        chart.attachments.add_path(big)
        wait_for(lambda: chart.attachments.model.rowCount() > before)
        settle(probe, f"add a {ATTACHMENT_MB} MB attachment")
        attachment_actions(chart, Path(tmp))
    note_actions(chart, probe)


def _viewers(chart: ClientChartView) -> list[QDialog]:
    return [d for d in chart.attachments.findChildren(QDialog) if d.isVisible()]


class _ChosenPath:
    """Stands in for the file dialog: the copy goes to a path chosen here."""

    path = ""

    @classmethod
    def getSaveFileName(cls, *_args: object) -> tuple[str, str]:  # noqa: N802 - Qt's name
        return cls.path, ""


def attachment_actions(chart: ClientChartView, folder: Path) -> None:
    """Open the 20 MB attachment in the app, then save a copy of it out."""
    probe = LagProbe()
    tab = chart.attachments
    row = max(range(tab.model.rowCount()), key=lambda r: tab.model.rows[r].size)
    tab.table.selectRow(row)
    spin(100)
    probe.start()
    tab.open_selected()
    wait_for(lambda: bool(_viewers(chart)))
    settle(probe, f"open the {ATTACHMENT_MB} MB attachment")
    for viewer in _viewers(chart):
        viewer.close()
    spin(100)
    _ChosenPath.path = str(folder / "copy.pdf")
    real, attachments_tab.QFileDialog = attachments_tab.QFileDialog, _ChosenPath  # type: ignore[misc]
    try:
        probe.start()
        tab.save_copy()
        wait_for((folder / "copy.pdf").exists)
        settle(probe, f"save a copy of the {ATTACHMENT_MB} MB attachment")
    finally:
        attachments_tab.QFileDialog = real  # type: ignore[misc]


def note_actions(chart: ClientChartView, probe: LagProbe) -> None:
    """Sign the note typed earlier (its text saved first), then void it."""
    chart.tabs.setCurrentWidget(chart.notes)
    spin(100)
    editor = chart.notes.editor
    note = editor.note
    assert note is not None
    probe.start()
    sign = editor.sign()
    assert sign is not None
    sign.accept()
    wait_for(lambda: editor.note is not None and editor.note.state.value == "signed")
    settle(probe, "sign a note")
    spin(100)
    probe.start()
    void = editor.void()
    assert void is not None
    void.editor.setPlainText("written in the wrong chart")
    void.understood.setChecked(True)
    void.ok.click()
    wait_for(lambda: editor.note is not None and editor.note.state.value == "voided")
    settle(probe, "void a note")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["small", "reference"], default="reference")
    parser.add_argument("--type-seconds", type=float, default=10.0)
    parser.add_argument("--switch-interval", type=float, default=None)
    args = parser.parse_args()
    use_bench_keyring()
    print(machine())
    spec = SIZES_HERE.get(args.size) or SIZES[args.size]
    app = make_application()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms")
    with tempfile.TemporaryDirectory() as tmp:
        window = build_window(Path(tmp), spec)
        run(window, args.type_seconds)
        window.lock("quit")
        window.close()
        app.processEvents()
    sys.stdout.flush()
    os._exit(0)  # PySide6 can crash in its own teardown at interpreter exit


if __name__ == "__main__":
    main()
