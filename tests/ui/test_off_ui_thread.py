"""Record actions that used to touch the database on the UI thread now run on the one
database worker (ui/ops.py), end to end on a real vault: Home's counts, Add diagnosis,
Log session, Add file, Edit details, New plan version, the client list (its refresh
after every chart change, and Add client) and Search's client filter; the diagnosis
search (a code list, no database) runs on a background thread too. While the worker is
busy the UI thread stays free (the call returns at once, the button is disabled), the
table refreshes when the work is done, a refusal shows the same message as before, and
the UI thread never takes the session's database lock nor runs the service method for
them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTime
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.records_errors import InvalidRecord
from therapynotes.services.records import RecordsService
from therapynotes.ui.chart_tabs.sessions import SessionDialog
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.errors import user_message
from therapynotes.ui.home_view import HomePage
from therapynotes.ui.ops import Op
from therapynotes.ui.records_access import RecordsAccess

UI_THREAD = threading.main_thread().ident


class ThreadLog:
    """Which threads ran what: the session's database lock (every record call from the
    UI goes through it) and chosen methods."""

    def __init__(self) -> None:
        self.seen: dict[str, list[int]] = {}

    def note(self, name: str) -> None:
        self.seen.setdefault(name, []).append(threading.get_ident())

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.note(name)
            return fn(*args, **kwargs)

        return wrapper

    def on_ui_thread(self, name: str) -> bool:
        return UI_THREAD in self.seen.get(name, [])


class RecordingLock:
    """Stands in for the session's lock inside RecordsAccess and notes who takes it."""

    def __init__(self, inner: Any, log: ThreadLog) -> None:
        self.inner, self.log = inner, log

    def __enter__(self) -> Any:
        self.log.note("db_lock")
        return self.inner.__enter__()

    def __exit__(self, *exc: object) -> Any:
        return self.inner.__exit__(*exc)


def _records(h: Harness) -> RecordsAccess:
    return clients(h).records


@pytest.fixture
def log(unlocked: Harness, monkeypatch: pytest.MonkeyPatch) -> ThreadLog:
    """Record from now on (set-up before this may use the database from the test)."""
    assert threading.get_ident() == UI_THREAD
    found = ThreadLog()
    records = _records(unlocked)
    monkeypatch.setattr(records, "_lock", RecordingLock(records._lock, found))
    return found


def _spy(
    monkeypatch: pytest.MonkeyPatch, log: ThreadLog, service: RecordsService, name: str
) -> None:
    monkeypatch.setattr(service, name, log.wrap(name, getattr(service, name)))


@contextmanager
def worker_held(h: Harness) -> Iterator[None]:
    """Keep the one database worker busy: anything queued behind waits, the UI must not."""
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(10)

    Op(None, hold).run(database=True)
    assert started.wait(5)
    try:
        yield
    finally:
        release.set()


def _settle(h: Harness) -> None:
    h.records_settled()


def _client_with_chart(h: Harness, name: str = "Ada Worker") -> tuple[ClientId, ClientChartView]:
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name=name))
    page.list.refresh()
    return client, settled(h, page.open_client(client))


def _error_text(parent: Any) -> str | None:
    boxes = [b for b in parent.findChildren(QMessageBox) if b.isVisible()]
    return boxes[0].text() if boxes else None


# --- Home --------------------------------------------------------------------


def test_home_counts_come_from_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    records = _records(h)
    client, _chart = _client_with_chart(h)
    start = datetime.fromtimestamp(h.clock(), UTC) - timedelta(days=2)
    records.service.log_session(
        [client],
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        service_code="90834",
        modality=Modality.VIDEO,
    )
    _settle(h)
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    _spy(monkeypatch, log, records.service, "notes_due")
    log.seen.clear()
    with worker_held(h):
        h.window.show_view("home")  # returns at once: the worker is busy
        assert home.due_model.rowCount() == 0
    h.qtbot.waitUntil(lambda: home.due_model.rowCount() == 1)
    assert home.due_model.rows[0][1] == "Ada Worker"
    assert home.due_card.text.text().startswith("1 session without a signed note")
    assert home.due_table.isVisibleTo(home)
    _settle(h)
    assert log.seen["notes_due"] and not log.on_ui_thread("notes_due")
    assert log.seen["db_lock"] and not log.on_ui_thread("db_lock")


def test_an_older_home_answer_never_replaces_a_newer_one(unlocked: Harness) -> None:
    h = unlocked
    h.window.show_view("home")
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    _settle(h)
    home.today_card.text.setText("unchanged")
    home._show(home._generation - 1, [], {}, [])  # a stale answer arriving late
    assert home.today_card.text.text() == "unchanged"


# --- Add diagnosis -----------------------------------------------------------


def test_add_diagnosis_saves_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    client, chart = _client_with_chart(h)
    chart.tabs.setCurrentWidget(chart.diagnoses)
    records = _records(h)
    _spy(monkeypatch, log, records.service, "add_diagnosis")
    log.seen.clear()
    tab = chart.diagnoses
    dialog = tab.add()
    assert dialog is not None
    dialog.query.setText("F41.1")  # the code search runs on a background thread
    h.qtbot.waitUntil(lambda: dialog.results.count() > 0)
    with worker_held(h):
        dialog.accept()
        assert not tab.add_button.isEnabled()  # saving
        assert tab.model.rowCount() == 0
    h.qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    h.qtbot.waitUntil(tab.add_button.isEnabled)
    assert str(tab.model.index(0, 0).data()) == "F41.1"
    _settle(h)
    found = records.service.open_chart(client, record_view=False).diagnoses
    assert [d.code for d in found] == ["F41.1"] and found[0].primary
    assert log.seen["add_diagnosis"] and not log.on_ui_thread("add_diagnosis")
    assert not log.on_ui_thread("db_lock")


def test_a_refused_diagnosis_says_why_and_enables_the_button_again(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, chart = _client_with_chart(h)
    tab = chart.diagnoses
    records = _records(h)

    def refuse(*_a: object, **_k: object) -> None:
        raise InvalidRecord

    monkeypatch.setattr(records.service, "add_diagnosis", refuse)
    dialog = tab.add()
    assert dialog is not None
    dialog.query.setText("F41.1")  # the code search runs on a background thread
    h.qtbot.waitUntil(lambda: dialog.results.count() > 0)
    dialog.accept()
    h.qtbot.waitUntil(lambda: _error_text(tab) is not None)
    assert _error_text(tab) == user_message(InvalidRecord())
    assert tab.add_button.isEnabled() and tab.model.rowCount() == 0


# --- Log session -------------------------------------------------------------


def _log_dialog(h: Harness, chart: ClientChartView) -> SessionDialog:
    h.qtbot.waitUntil(lambda: chart.sessions.log_dialog is not None)
    dialog = chart.sessions.log_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_log_session_reads_and_saves_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    records = _records(h)
    other = records.service.create_client(ClientFields(legal_name="Bo Worker"))
    client, chart = _client_with_chart(h)
    chart.tabs.setCurrentWidget(chart.sessions)
    tab = chart.sessions
    for name in ("list_clients", "log_session"):
        _spy(monkeypatch, log, records.service, name)
    log.seen.clear()
    with worker_held(h):
        tab.log_button.click()  # the client list for "Also present" comes from the worker
        assert not tab.log_button.isEnabled() and tab.log_dialog is None
    dialog = _log_dialog(h, chart)
    assert tab.log_button.isEnabled()
    assert dialog.others.count() == 1 and dialog.others.item(0).text() == "Bo Worker"
    dialog.start.setTime(QTime(9, 0))
    dialog.end.setTime(QTime(9, 45))
    with worker_held(h):
        dialog.accept()
        assert not tab.log_button.isEnabled()  # saving
        assert tab.model.rowCount() == 0
    h.qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    h.qtbot.waitUntil(tab.log_button.isEnabled)
    _settle(h)
    sessions = records.service.open_chart(client, record_view=False).sessions
    assert len(sessions) == 1 and [p.client_id for p in sessions[0].participants] == [client]
    assert sessions[0].modality is Modality.IN_PERSON and sessions[0].service_code == "90834"
    assert sessions[0].participants[0].attendance is Attendance.ATTENDED
    assert _error_text(tab) is None
    assert not records.service.open_chart(other, record_view=False).sessions
    for name in ("list_clients", "log_session", "db_lock"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_a_refused_session_says_why(unlocked: Harness) -> None:
    h = unlocked
    _client, chart = _client_with_chart(h)
    tab = chart.sessions
    tab.log_button.click()
    dialog = _log_dialog(h, chart)
    dialog.start.setTime(QTime(10, 0))
    dialog.end.setTime(QTime(9, 0))  # ends before it starts
    dialog.accept()
    h.qtbot.waitUntil(lambda: _error_text(tab) is not None)
    assert _error_text(tab) == user_message(InvalidRecord())
    assert tab.log_button.isEnabled() and tab.model.rowCount() == 0


# --- Add file ------------------------------------------------------------------


def test_add_file_reads_and_stores_off_the_ui_thread(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    h = unlocked
    client, chart = _client_with_chart(h)
    chart.tabs.setCurrentWidget(chart.attachments)
    tab = chart.attachments
    records = _records(h)
    data = bytes(range(256)) * (8 * 4096)  # 8 MiB
    path = tmp_path / "release-of-information.pdf"
    path.write_bytes(data)
    monkeypatch.setattr(Path, "read_bytes", log.wrap("read_bytes", Path.read_bytes))
    _spy(monkeypatch, log, records.service, "add_attachment")
    log.seen.clear()
    with worker_held(h):
        tab.add_path(path)
        assert not tab.add_button.isEnabled()  # reading and saving
        h.qtbot.waitUntil(lambda: "read_bytes" in log.seen)  # read while the worker is busy
        assert tab.model.rowCount() == 0
    h.qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    h.qtbot.waitUntil(tab.add_button.isEnabled)
    assert str(tab.model.index(0, 0).data()) == path.name
    _settle(h)
    meta = records.service.open_chart(client, record_view=False).attachments[0]
    assert meta.media_type == "application/pdf" and meta.size == len(data)
    assert records.service.read_attachment(meta.id) == data
    for name in ("read_bytes", "add_attachment", "db_lock"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_a_file_that_cannot_be_read_says_so(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    _client, chart = _client_with_chart(h)
    tab = chart.attachments
    tab.add_path(tmp_path / "gone.pdf")
    h.qtbot.waitUntil(lambda: _error_text(tab) is not None)
    assert _error_text(tab) == user_message(FileNotFoundError())
    assert tab.add_button.isEnabled() and tab.model.rowCount() == 0


# --- Client list -------------------------------------------------------------


def test_add_client_saves_and_the_list_refreshes_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    h.window.show_view("clients")
    page = clients(h)
    records = _records(h)
    for name in ("create_client", "list_clients"):
        _spy(monkeypatch, log, records.service, name)
    log.seen.clear()
    dialog = page.list.add_client()
    dialog.legal_name.setText("Cy Worker")
    with worker_held(h):
        dialog.accept()
        assert not page.list.add_button.isEnabled()  # saving
        assert page.chart is None and page.list.model.rowCount() == 0
    h.qtbot.waitUntil(lambda: page.list.model.rowCount() == 1)
    h.qtbot.waitUntil(lambda: page.chart is not None)
    assert page.list.add_button.isEnabled()
    assert page.list.model.rows[0].display_name == "Cy Worker"
    chart = settled(h, page.chart)
    assert page.list.model.rows[0].id == chart.client_id
    _settle(h)
    for name in ("create_client", "list_clients", "db_lock"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_an_older_list_answer_never_replaces_a_newer_one(unlocked: Harness) -> None:
    h = unlocked
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name="Di Worker"))
    page.list.refresh()
    _settle(h)
    assert page.list.model.rowCount() == 1
    page.list._show(page.list._generation - 1, [])  # a stale answer arriving late
    assert [r.id for r in page.list.model.rows] == [client]


def test_the_diagnosis_search_runs_off_the_ui_thread_and_shows_the_latest_text(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, chart = _client_with_chart(h)
    log = ThreadLog()
    service = _records(h).service
    _spy(monkeypatch, log, service, "find_diagnosis")
    dialog = chart.diagnoses.add()
    assert dialog is not None
    dialog.query.setText("anxiety")
    dialog.query.setText("F43.1")  # typed on before the first answer came
    h.qtbot.waitUntil(lambda: dialog.results.count() > 0)
    h.records_settled()
    codes = [dialog.results.item(i).data(256) for i in range(dialog.results.count())]
    assert codes and all(c.startswith("F43.1") for c in codes)
    assert log.seen["find_diagnosis"] and not log.on_ui_thread("find_diagnosis")
    dialog.reject()


# --- Edit details, New plan version, Search's client filter ------------------


def test_edit_details_saves_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    client, chart = _client_with_chart(h)
    records = _records(h)
    _spy(monkeypatch, log, records.service, "update_client")
    log.seen.clear()
    tab = chart.overview
    dialog = tab.edit()
    assert dialog is not None
    dialog.pronouns.setText("she/her")
    with worker_held(h):
        dialog.accept()
        assert not tab.edit_button.isEnabled()  # saving
    h.qtbot.waitUntil(
        lambda: chart.chart is not None and chart.chart.client.fields.pronouns == "she/her"
    )
    h.qtbot.waitUntil(tab.edit_button.isEnabled)
    _settle(h)
    assert records.service.open_chart(client, record_view=False).client.fields.pronouns == "she/her"
    assert log.seen["update_client"] and not log.on_ui_thread("update_client")
    assert not log.on_ui_thread("db_lock")


def test_new_plan_version_saves_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    client, chart = _client_with_chart(h)
    chart.tabs.setCurrentWidget(chart.plan)
    records = _records(h)
    _spy(monkeypatch, log, records.service, "save_plan")
    log.seen.clear()
    tab = chart.plan
    dialog = tab.new_version()
    assert dialog is not None
    dialog.problem.setText("Panic on trains")
    dialog.goal.setText("Travel to work by train")
    dialog.objective.setText("Three train trips a week")
    with worker_held(h):
        dialog.accept()
        assert not tab.new_button.isEnabled()  # saving
        assert tab.versions.count() == 0
    h.qtbot.waitUntil(lambda: tab.versions.count() == 1)
    h.qtbot.waitUntil(tab.new_button.isEnabled)
    _settle(h)
    assert [p.version for p in records.service.plan_versions(client)] == [1]
    assert log.seen["save_plan"] and not log.on_ui_thread("save_plan")


def test_search_client_filter_comes_from_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, _chart = _client_with_chart(h)
    _settle(h)
    records = _records(h)
    _spy(monkeypatch, log, records.service, "list_clients")
    log.seen.clear()
    search = h.window.pages["search"]
    with worker_held(h):
        h.window.show_view("search")
    h.qtbot.waitUntil(lambda: search.client.count() == 2)  # type: ignore[attr-defined]
    assert search.client.itemText(1) == "Ada Worker"  # type: ignore[attr-defined]
    _settle(h)
    assert log.seen["list_clients"] and not log.on_ui_thread("list_clients")
    assert not log.on_ui_thread("db_lock")
