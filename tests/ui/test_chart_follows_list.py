"""The client list and the open chart never disagree: moving the highlight with the
keyboard opens that client's chart (the last one highlighted, however fast the keys come
and however late the database worker answers), the draft in the previous chart is saved
first, and highlight changes the list makes itself (a filter) open nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import Harness
from tests.ui.test_off_ui_thread import worker_held
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.store import audit
from therapynotes.ui.client_list import FOLLOW_MS
from therapynotes.ui.clients_page import ClientsPage

WAIT = 20000
NAMES = ("Ada Alpha", "Ben Beta", "Cy Gamma", "Di Delta")  # the list sorts Ada, Ben, Cy, Di


def _page_with_clients(h: Harness) -> tuple[ClientsPage, dict[str, ClientId]]:
    h.window.show_view("clients")
    page = clients(h)
    service = page.records.service
    ids = {name: service.create_client(ClientFields(legal_name=name)) for name in NAMES}
    page.list.refresh()
    h.qtbot.waitUntil(lambda: page.list.model.rowCount() == len(NAMES), timeout=WAIT)
    settled(h, page.open_client(ids["Ada Alpha"]))
    page.list.table.setFocus()
    return page, ids


def _highlighted(page: ClientsPage) -> ClientId | None:
    row = page.list.model.row_at(page.list.proxy.mapToSource(page.list.table.currentIndex()))
    return None if row is None else row.id


def _shows(page: ClientsPage, client: ClientId, name: str) -> bool:
    """Settled: the highlight, the chart's client and the chart header all agree."""
    chart = page.chart
    return (
        chart is not None
        and chart._loading == 0
        and chart.chart is not None
        and _highlighted(page) == client
        and chart.client_id == client
        and chart.chart.client.id == client
        and chart.name.text() == name
    )


def _key(page: ClientsPage, key: Qt.Key) -> None:
    QTest.keyClick(page.list.table, key)


def test_arrow_keys_open_the_highlighted_clients_chart(unlocked: Harness) -> None:
    page, ids = _page_with_clients(unlocked)
    assert _shows(page, ids["Ada Alpha"], "Ada Alpha")
    _key(page, Qt.Key.Key_Down)
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Ben Beta"], "Ben Beta"), timeout=WAIT)
    _key(page, Qt.Key.Key_Down)
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Cy Gamma"], "Cy Gamma"), timeout=WAIT)
    _key(page, Qt.Key.Key_Up)
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Ben Beta"], "Ben Beta"), timeout=WAIT)


def test_a_fast_series_of_keys_ends_on_the_last_highlighted_chart(unlocked: Harness) -> None:
    page, ids = _page_with_clients(unlocked)
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Up):
        _key(page, key)
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Cy Gamma"], "Cy Gamma"), timeout=WAIT)
    unlocked.records_settled()
    assert _shows(page, ids["Cy Gamma"], "Cy Gamma")
    # Arrowing past Ben and Di opened (and audited) no chart of theirs.
    viewed = [
        e.subject
        for e in audit.entries(page.records.service.conn)
        if e.kind == audit.AuditKind.CHART_VIEWED.value
    ]
    assert f"client:{ids['Di Delta']}" not in viewed
    assert f"client:{ids['Ben Beta']}" not in viewed


def test_no_stale_chart_wins_when_the_worker_answers_late(unlocked: Harness) -> None:
    """Each settled highlight asks the worker for its chart; held back, the answers
    arrive together, oldest first: only the last highlighted client's chart shows."""
    page, ids = _page_with_clients(unlocked)
    with worker_held(unlocked):
        for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Up):
            _key(page, key)
            unlocked.qtbot.wait(FOLLOW_MS * 3)  # the highlight settles each time
            assert page.chart is not None and page.chart.client_id == _highlighted(page)
            assert page.chart.name.text() in ("Opening chart…", "")
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Cy Gamma"], "Cy Gamma"), timeout=WAIT)
    unlocked.records_settled()
    assert _shows(page, ids["Cy Gamma"], "Cy Gamma")


def test_moving_the_highlight_saves_the_draft_first(unlocked: Harness) -> None:
    page, ids = _page_with_clients(unlocked)
    chart = page.chart
    assert chart is not None
    chart.notes.start_note("freeform", None)
    worker_done()
    editor = chart.notes.editor
    assert editor.note is not None
    note_id = editor.note.id
    next(iter(editor.editors.values())).setPlainText("typed a moment before moving on")
    assert editor.dirty
    page.list.table.setFocus()
    _key(page, Qt.Key.Key_Down)
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Ben Beta"], "Ben Beta"), timeout=WAIT)
    saved = page.records.service.get_note(note_id)
    assert "typed a moment before moving on" in saved.sections["text"]


def test_a_filter_hiding_the_open_client_opens_no_other_chart(unlocked: Harness) -> None:
    page, ids = _page_with_clients(unlocked)
    page.list.search.setText("Gamma")  # hides Ada's row; Cy's is the only one left
    unlocked.qtbot.wait(FOLLOW_MS * 3)
    unlocked.records_settled()
    assert page.chart is not None and page.chart.client_id == ids["Ada Alpha"]
    assert _highlighted(page) is None  # no other client highlighted beside Ada's chart
    page.list.search.clear()
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Ada Alpha"], "Ada Alpha"), timeout=WAIT)


def test_new_note_right_after_a_key_goes_to_the_highlighted_client(unlocked: Harness) -> None:
    page, ids = _page_with_clients(unlocked)
    _key(page, Qt.Key.Key_Down)
    page.new_note()  # before the highlight settled: it settles now
    assert page.chart is not None and page.chart.client_id == ids["Ben Beta"]


def test_a_list_refresh_keeps_a_highlight_that_is_still_settling(unlocked: Harness) -> None:
    page, ids = _page_with_clients(unlocked)
    page.list.follow.setInterval(5000)  # the refresh lands while the highlight settles
    _key(page, Qt.Key.Key_Down)
    page.list.refresh()
    unlocked.records_settled()
    assert _highlighted(page) == ids["Ben Beta"] and page.list.follow.isActive()
    unlocked.qtbot.waitUntil(lambda: _shows(page, ids["Ben Beta"], "Ben Beta"), timeout=WAIT)
