"""ui.md: "Remember window size, splitter positions and the last open chart per vault (in
the non-secret config: geometry only, never names)". Splitters moved by mouse come back
after a lock and after a restart (a new MainWindow on the same config folder); damaged or
foreign positions give the defaults; the note being written gets the most room; the
settings file holds geometry and ids only; the last open chart is remembered per vault."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QSplitter, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import STRONG, FakeClock
from tests.support.settings_file import assert_geometry_and_ids_only
from tests.ui.conftest import Harness, make_ctx
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.settings import SPLITTER_NAMES, AppSettings
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.splitters import saved_sizes

CANARY_NAME = "Perpetua Quillonby-Marrowfax"
CANARY_TEXT = "zephyrquartz-lantern-canary"
SIZE = (1600, 1000)  # room for every pane to move both ways


def drag(splitter: QSplitter, dx: int) -> None:
    """Press on the handle, move the mouse dx pixels, release: as a user drags it."""
    handle = splitter.handle(1)
    start = handle.rect().center()
    steps = [
        (QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseMove, start + QPoint(dx // 2, 0), Qt.MouseButton.NoButton),
        (QEvent.Type.MouseMove, start + QPoint(dx, 0), Qt.MouseButton.NoButton),
        (QEvent.Type.MouseButtonRelease, start + QPoint(dx, 0), Qt.MouseButton.LeftButton),
    ]
    for kind, pos, button in steps:
        held = (
            Qt.MouseButton.NoButton
            if kind == QEvent.Type.MouseButtonRelease
            else Qt.MouseButton.LeftButton
        )
        event = QMouseEvent(
            kind,
            QPointF(pos),
            QPointF(handle.mapToGlobal(pos)),
            button,
            held,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(handle, event)


def new_vault(vault_dir: Path, clock: FakeClock) -> CreatedVault:
    return VaultService(vault_dir, clock=clock).create(STRONG)


def start(
    qtbot: QtBot, vault_dir: Path, created: CreatedVault, clock: FakeClock, config_dir: Path
) -> Harness:
    """A new MainWindow on this vault and config folder (an app start), unlocked.

    The window is set to SIZE first: the offscreen test screen is 800x600, so the saved
    window geometry would come back squeezed onto it (restoreGeometry keeps a window on
    its screen); on the therapist's screen it comes back as it was."""
    window = MainWindow(make_ctx(vault_dir, clock, config_dir))
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    h = Harness(window, window.ctx, clock, created, qtbot)
    h.unlock_ok()
    return h


def open_chart_with_note(h: Harness) -> tuple[ClientChartView, ClientId, int]:
    h.window.show_view("clients")
    page = clients(h)
    client_id = page.records.service.create_client(ClientFields(legal_name=CANARY_NAME))
    page.list.refresh()
    chart = settled(h, page.open_client(client_id))
    chart.show_notes()
    chart.notes.start_note("freeform", None)  # saved, then opened, on the worker
    worker_done()
    assert chart.notes.editor.note is not None
    note_id = chart.notes.editor.note.id
    next(iter(chart.notes.editor.editors.values())).setPlainText(f"About {CANARY_TEXT}")
    chart.notes.editor.save_draft()
    return chart, client_id, int(note_id)


def positions(h: Harness) -> dict[str, list[int]]:
    """Every remembered splitter's pane sizes as shown (each tab shown in turn)."""
    page = clients(h)
    chart = page.chart
    assert chart is not None
    found = {"sidebar": h.window.splitter.sizes(), "clients": page.splitter.sizes()}
    for name, tab in (("plan", chart.plan), ("notes", chart.notes)):
        chart.tabs.setCurrentWidget(tab)
        QApplication.processEvents()
        found[name] = tab.splitter.sizes()
    assert set(found) == set(SPLITTER_NAMES)
    return found


def move_every_splitter(h: Harness) -> None:
    page = clients(h)
    chart = page.chart
    assert chart is not None
    drag(h.window.splitter, 40)
    drag(page.splitter, 80)
    chart.tabs.setCurrentWidget(chart.plan)
    QApplication.processEvents()
    drag(chart.plan.splitter, 120)
    chart.tabs.setCurrentWidget(chart.notes)
    QApplication.processEvents()
    drag(chart.notes.splitter, 100)


def quit_app(h: Harness) -> None:
    h.window.close()
    assert h.window.session is None
    h.flush_deletes()


def test_moved_splitters_come_back_after_lock_and_after_restart(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> None:
    created = new_vault(vault_dir, clock)
    h = start(qtbot, vault_dir, created, clock, config_dir)
    chart, client_id, note_id = open_chart_with_note(h)
    defaults = positions(h)
    move_every_splitter(h)
    moved = positions(h)
    for name in SPLITTER_NAMES:  # each drag really moved its splitter
        assert moved[name] != defaults[name], name
        assert moved[name][0] > defaults[name][0], name

    h.window.lock("manual")
    h.flush_deletes()
    h.unlock_ok()
    settled(h, clients(h).chart)
    assert clients(h).chart is not chart  # the pages were rebuilt
    assert positions(h) == moved

    quit_app(h)
    again = start(qtbot, vault_dir, created, clock, config_dir)
    assert again.window.current_view() == "clients"
    reopened = settled(again, clients(again).chart)
    assert reopened.client_id == client_id  # the last open chart, by id
    # the note itself opens on the database worker (issue 18): wait for it to land
    again.qtbot.waitUntil(lambda: reopened.notes.editor.note is not None, timeout=20000)
    assert reopened.notes.editor.note is not None
    assert reopened.notes.editor.note.id == note_id
    assert positions(again) == moved


def test_the_note_being_written_gets_the_most_room(unlocked: Harness) -> None:
    """Defaults (nothing saved), in the window's default size: the editor is the widest
    of the three panes, and a wider window widens the editor alone."""
    h = unlocked
    chart, _client, _note = open_chart_with_note(h)
    page = clients(h)
    h.records_settled()  # the client list has its rows (it widens to whole names)
    QApplication.processEvents()
    client_list, (note_list, editor) = page.splitter.sizes()[0], chart.notes.splitter.sizes()
    assert editor > note_list and editor > client_list
    h.window.resize(h.window.width() + 200, h.window.height())
    QApplication.processEvents()
    assert page.splitter.sizes()[0] == client_list
    assert chart.notes.splitter.sizes() == [note_list, editor + 200]


def foreign_state(orientation: Qt.Orientation, sizes: list[int]) -> str:
    splitter = QSplitter(orientation)
    for _ in sizes:
        splitter.addWidget(QWidget())
    splitter.setSizes(sizes)
    state = AppSettings.encode_blob(bytes(splitter.saveState().data()))
    splitter.deleteLater()
    return state


def test_damaged_or_foreign_positions_give_the_defaults(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> None:
    created = new_vault(vault_dir, clock)
    h = start(qtbot, vault_dir, created, clock, config_dir)
    open_chart_with_note(h)
    quit_app(h)
    path = AppSettings.path(config_dir)
    data = json.loads(path.read_text())

    def restart_with(splitters: dict[str, str]) -> Harness:
        data["splitters"] = splitters
        path.write_text(json.dumps(data))
        started = start(qtbot, vault_dir, created, clock, config_dir)
        settled(started, clients(started).chart)  # the chart reopens (its id is kept)
        return started

    fresh = restart_with({})  # nothing saved: every splitter at its default
    defaults = positions(fresh)
    quit_app(fresh)
    vertical = foreign_state(Qt.Orientation.Vertical, [300, 500])
    horizontal = foreign_state(Qt.Orientation.Horizontal, [300, 500])
    again = restart_with(
        {
            "sidebar": vertical,  # another splitter's state: two panes, but vertical
            "clients": foreign_state(Qt.Orientation.Horizontal, [0, 900]),  # list hidden
            "notes": foreign_state(Qt.Orientation.Horizontal, [200, 300, 400]),  # 3 panes
            "plan": AppSettings.encode_blob(AppSettings.decode_blob(horizontal)[:-9]),  # cut
        }
    )
    assert set(AppSettings.load(config_dir).splitters) == set(SPLITTER_NAMES)
    assert positions(again) == defaults
    page = clients(again)
    chart = page.chart
    assert chart is not None
    for splitter in (
        again.window.splitter,
        page.splitter,
        chart.notes.splitter,
        chart.plan.splitter,
    ):
        assert splitter.orientation() == Qt.Orientation.Horizontal
        assert splitter.count() == 2

    path.write_text('{"version": 2, "splitters": {"notes": "%%%"}, "places": 7}')
    third = MainWindow(make_ctx(vault_dir, clock, config_dir))  # garbage: no crash
    qtbot.addWidget(third)
    assert third.ctx.settings == AppSettings()


def test_saved_sizes_accepts_only_a_fitting_state() -> None:
    target = QSplitter(Qt.Orientation.Horizontal)
    for _ in range(2):
        target.addWidget(QWidget())
    target.setChildrenCollapsible(False)
    own = AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [120, 480]))
    assert saved_sizes(own, target) == [120, 480]
    for bad in (
        b"",
        b"\x00\x00\x00\xff",
        own[:-3],
        b"\xff" + own[1:],
        AppSettings.decode_blob(foreign_state(Qt.Orientation.Vertical, [120, 480])),
        AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [1, 2, 3])),
        AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [0, 480])),
        own.replace(b"\x00\x00\x00\x78", b"\xff\xff\xff\x88"),  # a negative size
    ):
        assert saved_sizes(bad, target) is None, bad
    target.setChildrenCollapsible(True)  # a pane that may collapse may be saved collapsed
    collapsed = AppSettings.decode_blob(foreign_state(Qt.Orientation.Horizontal, [0, 480]))
    assert saved_sizes(collapsed, target) == [0, 480]
    target.deleteLater()


def test_the_settings_file_holds_geometry_and_ids_only(
    qtbot: QtBot, vault_dir: Path, clock: FakeClock, config_dir: Path
) -> None:
    created = new_vault(vault_dir, clock)
    h = start(qtbot, vault_dir, created, clock, config_dir)
    vault_id = h.window.session.vault_id if h.window.session else ""
    _chart, client_id, note_id = open_chart_with_note(h)
    move_every_splitter(h)
    quit_app(h)
    data = assert_geometry_and_ids_only(AppSettings.path(config_dir), [CANARY_NAME, CANARY_TEXT])
    assert data["places"] == [{"vault": vault_id, "client": str(client_id), "note": str(note_id)}]
    assert set(data["splitters"]) == set(SPLITTER_NAMES)


def test_the_last_open_chart_is_remembered_per_vault(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock, config_dir: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    made = {first: new_vault(first, clock), second: new_vault(second, clock)}
    b = start(qtbot, second, made[second], clock, config_dir)  # the other vault has a client too
    other = clients(b).records.service.create_client(ClientFields(legal_name="Other Person"))
    quit_app(b)

    a = start(qtbot, first, made[first], clock, config_dir)
    _chart, client_id, _note = open_chart_with_note(a)
    assert client_id == other  # the same id in both vaults: only the vault tells them apart
    quit_app(a)

    b = start(qtbot, second, made[second], clock, config_dir)
    assert clients(b).chart is None  # the first vault's chart is not opened here
    quit_app(b)
    a = start(qtbot, first, made[first], clock, config_dir)
    chart = settled(a, clients(a).chart)
    assert chart.client_id == client_id
