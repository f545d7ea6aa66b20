"""The record screens end to end: new client → note → autosave → sign → addendum →
search → idle lock → unlock returns to the same client and note; after a lock no live
QObject holds record text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import shiboken6
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QThreadPool
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from tests.conftest import FakeClock
from tests.support.settings_file import assert_geometry_and_ids_only
from tests.ui.conftest import Harness, make_ctx
from tests.ui.test_first_run_and_lock import _run_wizard
from tests.ui.waits import worker_done
from therapynotes import APP_NAME
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.clients_page import ClientsPage
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.search_view import SearchView

CANARY_NAME = "Zebulonqx Canarywick"
CANARY_TEXT = "quokkafjord-canary"


def _wait_db(h: Harness) -> None:
    h.qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)
    from therapynotes.ui.ops import database_pool

    database_pool().waitForDone(5000)
    QApplication.processEvents()


def settled(h: Harness, chart: ClientChartView | None) -> ClientChartView:
    """Wait for the chart to arrive from the database worker."""
    assert chart is not None
    h.qtbot.waitUntil(lambda: chart.chart is not None and chart._loading == 0)
    return chart


def clients(h: Harness) -> ClientsPage:
    page = h.window.pages["clients"]
    assert isinstance(page, ClientsPage)
    return page


def add_client(h: Harness, name: str) -> ClientId:
    page = clients(h)
    dialog = page.list.add_client()
    dialog.legal_name.setText(name)
    dialog.accept()  # saved on the database worker, then the chart opens
    h.qtbot.waitUntil(lambda: page.chart is not None)
    assert page.chart is not None
    return page.chart.client_id


def _texts(obj: QObject) -> list[str]:
    found: list[str] = []
    for getter in ("text", "toPlainText", "windowTitle", "placeholderText", "toolTip"):
        fn = getattr(obj, getter, None)
        if callable(fn):
            try:
                value = fn()
            except TypeError:
                continue
            if isinstance(value, str):
                found.append(value)
    if isinstance(obj, QAbstractItemModel):
        root = QModelIndex()
        for row in range(obj.rowCount(root)):
            try:
                columns = obj.columnCount(root)
            except TypeError:  # list models keep columnCount private
                columns = 1
            for col in range(columns):
                found.append(str(obj.data(obj.index(row, col))))
    if isinstance(obj, QAbstractItemView) and obj.model() is not None:
        found.extend(_texts(obj.model()))
    return found


def live_texts() -> list[str]:
    seen: list[str] = []
    objects: list[QObject] = list(QApplication.allWidgets())
    for top in QApplication.topLevelWidgets():
        objects.extend(top.findChildren(QObject))
    for obj in objects:
        if shiboken6.isValid(obj):
            seen.extend(_texts(obj))
    clip = QApplication.clipboard().text()
    seen.append(clip)
    return seen


def _first_run(qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path) -> Harness:
    """First run (the wizard, as a user walks it), then Ctrl+L and unlock again."""
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.show()
    folder = vault_dir.parent / "usb"
    folder.mkdir()
    secret = _run_wizard(qtbot, window, clock, folder)
    qtbot.waitUntil(lambda: window.session is not None)
    h = Harness(window, window.ctx, clock, SimpleNamespace(totp_secret=secret), qtbot)  # type: ignore[arg-type]
    window.lock("manual")
    h.unlock_ok()
    return h


def test_full_flow_first_run_to_idle_lock_returns_to_same_client_and_note(  # noqa: PLR0915 - one flow, step by step
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> None:
    h = _first_run(qtbot, vault_dir, clock, config_dir)
    window = h.window
    window.show_view("clients")
    page = clients(h)
    # The list arrives from the database worker: wait for it, don't assert before it loaded.
    h.qtbot.waitUntil(lambda: page.list.stack.currentWidget() is page.list.empty, timeout=20000)
    assert page.list.empty.text() == "No clients yet. Add your first client."
    dialog = page.list.add_client()
    dialog.legal_name.setText(CANARY_NAME)
    dialog.pronouns.setText("they/them")
    dialog.accept()
    h.qtbot.waitUntil(lambda: page.chart is not None)
    settled(h, page.chart)
    assert page.chart is not None
    client_id = page.chart.client_id
    assert window.windowTitle() == APP_NAME
    h.qtbot.waitUntil(lambda: page.list.model.rowCount() == 1, timeout=20000)

    # A session, then a SOAP note for it (Ctrl+N path).
    service = page.records.service
    start = datetime.fromtimestamp(h.clock(), UTC) - timedelta(hours=2)
    service.log_session(
        [client_id],
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        service_code="90834",
        modality=Modality.VIDEO,
    )
    page.chart.refresh()
    settled(h, page.chart)
    window.new_note()
    new = page.chart.notes
    dialog2 = next(w for w in QApplication.topLevelWidgets() if w.windowTitle() == "New note")
    dialog2.accept()
    worker_done()
    editor = new.editor
    assert editor.note is not None and editor.note.session_id is not None
    note_id = editor.note.id
    first = next(iter(editor.editors.values()))
    h.qtbot.keyClicks(first, f"Client reports {CANARY_TEXT} at work")
    assert editor.dirty and editor.saved.text() == "Editing…"
    h.clock.advance(3)
    editor.debounce.timeout.emit()  # the debounce fires (real timers are too slow here)
    h.qtbot.waitUntil(lambda: not editor.dirty)  # saved on the database worker
    saved = service.get_note(note_id)
    assert CANARY_TEXT in saved.sections["subjective"]
    h.clock.advance(2)
    editor._tick()
    assert editor.saved.text() == "Saved 2 s ago"

    # Sign (confirmation), then read-only with the signed time.
    sign = editor.sign()
    assert sign is not None
    sign.accept()
    worker_done()
    assert editor.note is not None and editor.note.state.value == "signed"
    assert editor.state.text().startswith("Signed ")
    assert all(e.isReadOnly() for e in editor.editors.values())

    # Addendum.
    addendum = editor.add_addendum()
    assert addendum is not None
    addendum.editor.setPlainText("Corrected the date of the work event.")
    addendum.accept()
    worker_done()
    assert "1 addendum" in editor.state.text()

    # Search finds the note, highlighted.
    window.show_view("search")
    search = window.pages["search"]
    assert isinstance(search, SearchView)
    search.field.setText(CANARY_TEXT)
    search.run_search()
    h.qtbot.waitUntil(lambda: search.model.rowCount() > 0)
    html = search.model.data(search.model.index(0, 3), search.model.HTML_ROLE)
    assert "<b>quokkafjord-canary</b>" in html  # a hyphenated word is found as one phrase
    settled(h, page.chart).notes.editor.clear()
    search.table.doubleClicked.emit(search.model.index(0, 3))  # opens the note in its chart
    assert window.current_view() == "clients"
    h.qtbot.waitUntil(lambda: page.chart is not None and page.chart.notes.editor.note is not None)
    assert page.chart.notes.editor.note.id == note_id

    # Idle lock on the injected clock (the scan does see the canaries while unlocked).
    seen = live_texts()
    assert any(CANARY_NAME in t for t in seen) and any(CANARY_TEXT in t for t in seen)
    _wait_db(h)
    h.clock.advance(window.idle.timeout_seconds + 1)
    window.idle.tick()
    assert window.session is None
    h.flush_deletes()
    leaked = [t for t in live_texts() if CANARY_NAME in t or CANARY_TEXT in t]
    assert leaked == []
    assert "Zebulonqx" not in (h.ctx.settings.path(h.ctx.config_dir).read_text())
    h.ctx.save_settings()  # what a quit now would leave on disk: geometry and ids
    saved = assert_geometry_and_ids_only(
        h.ctx.settings.path(h.ctx.config_dir), [CANARY_NAME, CANARY_TEXT, "they/them"]
    )
    vault_id = h.ctx.vault.status().vault_id
    assert saved["places"] == [{"vault": vault_id, "client": str(client_id), "note": str(note_id)}]

    # Unlock returns to the same client and note.
    h.unlock_ok()
    page = clients(h)
    assert window.current_view() == "clients"
    settled(h, page.chart)
    assert page.chart is not None and page.chart.client_id == client_id
    chart = page.chart  # the note itself opens on the database worker (issue 18)
    h.qtbot.waitUntil(lambda: chart.notes.editor.note is not None, timeout=20000)
    assert page.chart.notes.editor.note is not None
    assert page.chart.notes.editor.note.id == note_id
    assert window.windowTitle() == APP_NAME


def test_lock_saves_the_open_draft_first(unlocked: Harness) -> None:
    h, window = unlocked, unlocked.window
    window.show_view("clients")
    page = clients(h)
    client_id = page.records.service.create_client(ClientFields(legal_name=CANARY_NAME))
    page.list.refresh()
    chart = settled(h, page.open_client(client_id))
    chart.notes.start_note("freeform", None)
    worker_done()
    editor = chart.notes.editor
    assert editor.note is not None
    note_id = editor.note.id
    next(iter(editor.editors.values())).setPlainText(f"typed just before {CANARY_TEXT}")
    assert editor.dirty
    typing = page.list.add_client()  # a dialog open at lock time, with a name typed in
    typing.legal_name.setText(f"{CANARY_NAME} Second")
    addendum_box = chart.notes.editor.sign()  # and a confirmation on screen
    assert addendum_box is not None
    window.lock("manual")
    h.flush_deletes()
    assert not [t for t in live_texts() if CANARY_TEXT in t or CANARY_NAME in t]
    h.unlock_ok()
    note = clients(h).records.service.get_note(note_id)
    assert CANARY_TEXT in note.sections["text"]
