"""Child for test_signal_endurance (issue 20): the real main window, offscreen, over a
real vault, driven through thousands of database operations on the worker (chart
and note openings, draft saves, Home and client-list refreshes) with lock/unlock cycles
between them, all in this one process. Then it quits the way the app does and exits.

argv: folder (vault, config and home go inside), iterations, iterations per lock cycle.
Prints one line `RESULT {json}` before quitting: the operations run, the cycles, and
the reference counts of True, False and None after the warm-up and at the end. The exit
status is the parent's other check: a binding that drops references aborts (-6).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import keyring
import pyotp
import PySide6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from tests.conftest import STRONG, FakeClock
from tests.support.memkeyring import MemoryKeyring
from tests.ui.conftest import make_ctx
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.models import ClientFields
from therapynotes.services.vault import VaultService
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.clients_page import ClientsPage
from therapynotes.ui.home_view import HomePage
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.ops import database_pool, tracker
from therapynotes.ui.unlock_view import UnlockView

CLIENTS = 3
WAIT_S = 20.0
WARMUP = 10  # iterations after the first lock/unlock before the first count: caches fill,
# pages get built, and modules loaded on first use (issue 18's lazy imports) are loaded


def counts() -> list[int]:
    # Collected first: pages torn down at a lock leave cycles of widgets (and the dicts
    # and frames holding True/False) until the next full collection, whose timing moves
    # with every allocation anywhere; uncollected garbage is not a dropped or leaked
    # reference (64 "True" at one count, 0 after gc.collect(), on the same run).
    settle()
    gc.collect()
    return [sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)]


def wait(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        settle()
        time.sleep(0.0005)


def settle() -> None:
    """What the app's event loop does between events, deferred deletions included."""
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def idle() -> bool:
    return tracker.running() == 0 and database_pool().activeThreadCount() == 0


class Driver:
    def __init__(self, folder: Path) -> None:
        self.clock = FakeClock()
        vault_dir = folder / "vault"
        self.created = VaultService(vault_dir, clock=self.clock).create(STRONG)
        self.window = MainWindow(make_ctx(vault_dir, self.clock, folder / "config"))
        self.window.show()
        self.ops = 0
        self.cycles = 0
        self.drafts: dict[ClientId, NoteId] = {}

    # --- lock and unlock, as the therapist does --------------------------------------

    def unlock(self) -> None:
        window = self.window
        wait(lambda: isinstance(window.gate, UnlockView) and window.gate.isEnabled(), "unlock")
        view = window.gate
        assert isinstance(view, UnlockView)
        view.passphrase.setText(STRONG)
        self.clock.advance(30)  # a fresh TOTP step: codes are never accepted twice
        view.code.setText(pyotp.TOTP(self.created.totp_secret).at(self.clock()))
        view.unlock_button.click()
        wait(lambda: window.session is not None and idle(), "the session")

    def lock(self) -> None:
        self.window.lock("manual")
        settle()
        self.cycles += 1

    # --- the pages ---------------------------------------------------------------------

    @property
    def clients(self) -> ClientsPage:
        page = self.window.pages["clients"]
        assert isinstance(page, ClientsPage)
        return page

    @property
    def home(self) -> HomePage:
        page = self.window.pages["home"]
        assert isinstance(page, HomePage)
        return page

    def seed(self) -> None:
        records = self.clients.records
        for n in range(CLIENTS):
            client = records.call(lambda s, n=n: s.create_client(ClientFields(legal_name=f"C{n}")))
            note = records.call(
                lambda s, c=client: s.start_note(c, "freeform", sections={"text": "start"})
            )
            self.drafts[client] = note

    # --- one iteration: five operations on the database worker ------------------------

    def iteration(self, i: int) -> None:
        client = list(self.drafts)[i % CLIENTS]
        self.window.show_view("clients")
        chart = self.clients.open_client(client)  # 1: the chart loads on the worker
        assert isinstance(chart, ClientChartView)
        wait(lambda: chart.chart is not None and chart._loading == 0 and idle(), "the chart")
        chart.show_notes(self.drafts[client])
        editor = chart.notes.editor
        wait(lambda: editor.note is not None and idle(), "the note")  # read on the worker
        assert editor.note is not None and editor.note.id == self.drafts[client]
        next(iter(editor.editors.values())).setPlainText(f"iteration {i} " + "word " * 40)
        assert editor.dirty
        self.clock.advance(3)
        editor.autosave()  # 2: the draft saves on the worker
        wait(lambda: not editor.dirty and idle(), "the draft save")
        self.window.show_view("home")
        self.home.refresh()  # 3
        self.clients.list.refresh()  # 4
        wait(idle, "the refreshes")
        self.ops += 5


def main() -> None:
    folder, iterations, per_cycle = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    keyring.set_keyring(MemoryKeyring())
    app = QApplication([])
    driver = Driver(folder)
    driver.unlock()
    driver.seed()
    start: list[int] = []
    started = time.monotonic()
    for i in range(iterations):
        if i and i % per_cycle == 0:
            driver.lock()
            driver.unlock()
        driver.iteration(i)
        if i == per_cycle + WARMUP - 1:
            start = counts()
    end = counts()
    seconds = time.monotonic() - started
    print("RESULT " + json.dumps({
        "ops": driver.ops, "cycles": driver.cycles, "seconds": round(seconds, 1),
        "start": start, "end": end, "binding": f"PySide6 {PySide6.__version__}",
    }), flush=True)  # fmt: skip
    driver.window.close()  # quit: saves drafts and window state, locks
    del driver
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    del app


if __name__ == "__main__":
    main()
