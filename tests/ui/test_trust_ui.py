"""The trust suite's UI passes (issue 8), here because only tests/ui may import Qt:

- canary scan after driving the real window offscreen: first-run wizard creates the
  vault → lock → unlock → every page, a canary typed into search → lock → quit; then
  HOME (data, config, Qt's cache under XDG_CACHE_HOME, state/logs), the temp folder and
  the vault and config folders hold no canary, passphrase, TOTP secret or recovery key.
- endurance: N lock/unlock cycles of MainWindow leave no page widget and no session.

UI_FEATURES drives the record screens once the vault is unlocked, each with canaries of
its own: the search field, a client added through the client dialog, a note typed in
the editor (autosave runs, then sign), a search that finds it, and the chart PDF into a
folder the user chose (the one place plaintext may be). The folders are scanned after
the lock and again after quitting.
"""

from __future__ import annotations

import gc
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, FakeClock
from tests.support.canary import scan
from tests.support.pdf import pdf_text
from tests.support.trust import figure, rss_mib, scaled
from tests.ui.conftest import Harness, make_ctx
from tests.ui.test_first_run_and_lock import _run_wizard
from tests.ui.test_records_flow import _wait_db, clients, settled
from tests.ui.waits import worker_done
from therapynotes.services.chart_document import ChartOptions
from therapynotes.services.session import VaultSession
from therapynotes.services.vault_create import CreatedVault
from therapynotes.settings import VIEW_IDS
from therapynotes.ui.chart_pdf import write_chart_pdf
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.search_view import SearchView


@dataclass
class UiRun:
    """What a UI feature gets: the canaries it plants (by field kind), the folder the
    user chose for files they ask for (a chart PDF), and what earlier features made."""

    canaries: dict[str, str]
    chosen: Path
    state: dict[str, Any] = field(default_factory=dict)

    def canary(self, kind: str) -> str:
        if kind not in self.canaries:
            self.canaries[kind] = (
                f"QzUi{kind.replace('_', '').title()}Canary{len(self.canaries):03d}"
            )
        return self.canaries[kind]


UiFeature = Callable[[Harness, UiRun], None]


def search_field(harness: Harness, run: UiRun) -> None:
    harness.window.show_view("search")
    field = harness.window.pages["search"].field  # type: ignore[attr-defined]
    harness.qtbot.keyClicks(field, run.canary("search_query"))


def client_dialog(harness: Harness, run: UiRun) -> None:
    """A client added through the client dialog, as the user types it."""
    harness.window.show_view("clients")
    page = clients(harness)
    dialog = page.list.add_client()
    harness.qtbot.keyClicks(dialog.legal_name, f"{run.canary('client_name')} Doe")
    dialog.pronouns.setText(run.canary("client_pronouns"))
    dialog.accept()
    harness.qtbot.waitUntil(lambda: page.chart is not None)
    chart = settled(harness, page.chart)
    run.state["client"] = chart.client_id


def note_editor_autosave_and_sign(harness: Harness, run: UiRun) -> None:
    """A note typed in the editor, saved by autosave (the debounce firing), then signed."""
    chart = settled(harness, clients(harness).chart)
    chart.notes.start_note("freeform", None)
    worker_done()
    editor = chart.notes.editor
    assert editor.note is not None
    text = next(iter(editor.editors.values()))
    harness.qtbot.keyClicks(text, f"Client reports {run.canary('typed_note')} at work")
    assert editor.dirty
    harness.clock.advance(3)
    editor.debounce.timeout.emit()  # real timers are too slow here
    harness.qtbot.waitUntil(lambda: not editor.dirty)
    sign = editor.sign()
    assert sign is not None
    sign.accept()
    worker_done()
    assert editor.note is not None and editor.note.state.value == "signed"
    _wait_db(harness)


def search_results(harness: Harness, run: UiRun) -> None:
    """A search that finds the typed note, results shown highlighted."""
    harness.window.show_view("search")
    search = harness.window.pages["search"]
    assert isinstance(search, SearchView)
    search.field.setText(run.canary("typed_note"))
    search.run_search()
    harness.qtbot.waitUntil(lambda: search.model.rowCount() > 0)


def chart_pdf(harness: Harness, run: UiRun) -> None:
    """The chart as a PDF, into the folder the user chose (plaintext there only)."""
    session = harness.window.session
    assert session is not None
    path = run.chosen / "chart.pdf"
    write_chart_pdf(session, run.state["client"], ChartOptions(), path, today=date(2027, 3, 1))
    assert run.canary("typed_note") in pdf_text(path)  # the requested file does hold it
    run.state["pdf"] = path


UI_FEATURES: list[tuple[str, UiFeature]] = [
    ("search field", search_field),
    ("client dialog", client_dialog),
    ("note editor: autosave and sign", note_editor_autosave_and_sign),
    ("search results", search_results),
    ("chart PDF", chart_pdf),
]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmpdir"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


def _folders(tmp: Path, vault: Path, config: Path, drive: Path, chosen: Path) -> dict[str, Path]:
    return {
        "home": Path.home(),
        "temp": tmp,
        "vault": vault,
        "config": config,
        "backups": drive,
        "chosen": chosen,
    }


def _harness_unlock(harness: Harness, secret: str) -> None:
    # a lock that started a backup keeps the unlock screen disabled until it ends
    harness.qtbot.waitUntil(
        lambda: harness.window.gate is not None and harness.window.gate.isEnabled(),
        timeout=10_000,
    )
    view = harness.unlock_view
    view.passphrase.setText(STRONG)
    harness.clock.advance(30)
    view.code.setText(pyotp.TOTP(secret).at(harness.clock()))
    view.unlock_button.click()
    harness.qtbot.waitUntil(lambda: harness.window.session is not None, timeout=10_000)


def test_ui_pass_leaves_no_canary_on_disk(
    qtbot: QtBot,
    vault_dir: Path,
    clock: FakeClock,
    config_dir: Path,
    private_tmp: Path,
) -> None:
    ctx = make_ctx(vault_dir, clock, config_dir)
    made: list[CreatedVault] = []
    create = ctx.vault.create

    def keep_created(*args: Any, **kwargs: Any) -> CreatedVault:
        made.append(create(*args, **kwargs))
        return made[-1]

    ctx.vault.create = keep_created  # type: ignore[method-assign]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    drive = private_tmp.parent / "usb"
    drive.mkdir()
    secret = _run_wizard(qtbot, window, clock, drive)
    qtbot.waitUntil(lambda: window.session is not None, timeout=10_000)
    harness = Harness(window, window.ctx, clock, None, qtbot)
    recovery = made[0].recovery_key
    window.lock("manual")
    _harness_unlock(harness, secret)
    chosen = private_tmp.parent / "chosen-pdf-folder"
    chosen.mkdir(mode=0o700)
    run = UiRun({}, chosen)
    for view_id in VIEW_IDS:
        window.show_view(view_id)
    for _name, use in UI_FEATURES:
        use(harness, run)
    canaries = run.canaries
    window.lock("manual")
    harness.flush_deletes()
    after_lock = scan(
        _folders(private_tmp, vault_dir, config_dir, drive, chosen),
        [*canaries.values()],
        allowed=[chosen],
    )
    _harness_unlock(harness, secret)
    window.close()  # quit: saves window state and settings, locks
    harness.flush_deletes()

    groups = recovery.split("-")
    secrets_ = [STRONG, secret, recovery, "".join(groups), *canaries.values()]
    folders = _folders(private_tmp, vault_dir, config_dir, drive, chosen)
    result = scan(folders, secrets_, allowed=[chosen])
    for where, found in (("after lock", after_lock), ("after quit", result)):
        for hit in found.leaks:
            print(f"LEAK ({where}): {hit}")
    figure("canary.ui.files_scanned", result.files)
    figure("canary.ui.features", len(UI_FEATURES), note=", ".join(n for n, _ in UI_FEATURES))
    figure("canary.ui.kinds", len(canaries), note="canaries typed or planted through the UI")
    figure("canary.ui.hits", len(after_lock.leaks) + len(result.leaks), note="must be 0")
    assert (config_dir / "settings.json").exists() and result.files >= 4
    assert after_lock.leaks == [] and result.leaks == []


def _record_widgets() -> list[QWidget]:
    return [w for w in QApplication.allWidgets() if w.property("holdsRecords")]


def _sessions_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is VaultSession)


@pytest.mark.slow
def test_lock_unlock_cycles_leak_no_pages(unlocked: Harness) -> None:
    window = unlocked.window
    cycles = scaled(ci=20, full=200)
    unlocked.flush_deletes()  # windows of earlier tests may still await deletion
    others = {id(w) for w in _record_widgets() if w.window() is not window}
    # Earlier tests' windows must not leave a session behind either: this counts every
    # VaultSession in the process. (Callables handed to QTimer.singleShot used to keep a
    # dead page, and through it a locked session, alive.)
    mine = [w for w in _record_widgets() if id(w) not in others]
    assert len(mine) == len(VIEW_IDS)  # the count sees live pages
    del mine  # our own references would keep the pages' Python side (and session) alive
    window.lock("manual")
    unlocked.flush_deletes()
    rss_start = rss_mib()
    for _ in range(cycles):
        unlocked.unlock_ok()
        for view_id in VIEW_IDS:
            window.show_view(view_id)
        window.lock("manual")
        unlocked.flush_deletes()
    rss_end = rss_mib()
    _wait_db(unlocked)  # a page's load still on a worker holds the session until it ends
    widgets = len([w for w in _record_widgets() if id(w) not in others])
    sessions = _sessions_alive()
    all_widgets = len(QApplication.allWidgets())
    figure("endurance.ui.cycles", cycles)
    figure("endurance.ui.record_widgets_alive", widgets, note="after lock")
    figure("endurance.ui.sessions_alive", sessions, note="after lock")
    figure("endurance.ui.rss_start", round(rss_start, 1), unit="MiB")
    figure("endurance.ui.rss_end", round(rss_end, 1), unit="MiB")
    figure("endurance.ui.widgets_total", all_widgets, note="every QWidget alive at the end")
    assert widgets == 0 and sessions == 0
    assert rss_end - rss_start < 20.0


class _Sentinel:
    """Stands for what a view's callbacks hold (a setup flow with the recovery key)."""


def test_a_finished_op_keeps_nothing_alive(qtbot: QtBot) -> None:
    """Regression (issue 8): a finished job's runnable wrapper, which PySide may keep,
    held the job's closure and through it the view that asked (after a lock too)."""
    from therapynotes.ui.ops import Op

    refs = []
    for _ in range(8):  # several jobs per pool thread
        held = _Sentinel()
        refs.append(weakref.ref(held))
        delivered: list[object] = []
        parent = QWidget()
        Op(parent, lambda held=held: held).success(delivered.append).run()
        qtbot.waitUntil(lambda delivered=delivered: delivered != [])
        delivered.clear()
        parent.deleteLater()
        del held, parent
    QThreadPool.globalInstance().waitForDone(5000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert [r for r in refs if r() is not None] == []
