"""Every record model under QAbstractItemModelTester; note labels (void, addendum, late
entry); psychotherapy notes kept out of search unless asked; group sessions show in each
participant's chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QDialog, QMessageBox

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.enums import Modality
from therapynotes.domain.models import ClientFields
from therapynotes.ui.search_view import SearchView, snippet_html


def _practice(h: Harness):  # type: ignore[no-untyped-def]
    h.window.show_view("clients")
    page = clients(h)
    service = page.records.service
    a = service.create_client(ClientFields(legal_name="Ada Group"))
    b = service.create_client(ClientFields(legal_name="Bo Group"))
    start = datetime.fromtimestamp(h.clock(), UTC) - timedelta(days=3)
    sid = service.log_session(
        [a, b],
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        service_code="90853",
        modality=Modality.IN_PERSON,
    )
    page.list.refresh()
    return page, service, a, b, sid


def test_models_pass_the_tester_and_group_session_shows_in_both_charts(
    unlocked: Harness,
) -> None:
    page, service, a, b, sid = _practice(unlocked)
    late = service.start_note(a, "soap", session_id=sid, sections={"subjective": "grouptalk"})
    service.sign_note(late)  # three days after the session: late entry
    service.add_addendum(late, "one more thing")
    void = service.start_note(a, "freeform", sections={"text": "wrong chart"})
    service.sign_note(void)
    service.void_note(void, "written in the wrong chart")
    service.start_note(a, "psychotherapy", sections={"process": "privatemusing"})
    testers = [QAbstractItemModelTester(page.list.model), QAbstractItemModelTester(page.list.proxy)]
    chart = settled(unlocked, page.open_client(a))
    chart.notes.private_toggle.setChecked(True)
    chart.tabs.setCurrentWidget(chart.history)
    unlocked.qtbot.waitUntil(lambda: chart.history.model.rowCount() > 0)
    worker_done()  # the private list too
    for model in (
        chart.sessions.model,
        chart.notes.model,
        chart.notes.private_model,
        chart.diagnoses.model,
        chart.attachments.model,
        chart.history.model,
    ):
        testers.append(QAbstractItemModelTester(model))
    labels = [chart.notes.model.index(r, 2).data() for r in range(chart.notes.model.rowCount())]
    assert "Voided" in labels and "Signed" in labels  # a word in the list ...
    tips = [
        chart.notes.model.index(r, 2).data(Qt.ItemDataRole.ToolTipRole)
        for r in range(chart.notes.model.rowCount())
    ]  # ... the whole state in the row's tooltip
    assert any("Late entry" in x and "1 addendum" in x for x in tips)
    assert chart.notes.private_model.rowCount() == 1
    chart.notes.open_note(chart.notes.private_model.rows[0].id)
    worker_done()
    assert chart.notes.editor.marker.isVisible() or chart.notes.editor.marker.isVisibleTo(
        chart.notes.editor
    )
    assert chart.sessions.model.rowCount() == 1
    assert chart.sessions.model.index(0, 5).data() == "Group of 2"
    other = settled(unlocked, page.open_client(b))
    assert other.sessions.model.rowCount() == 1
    assert len(testers) == 8


def test_psychotherapy_notes_only_in_search_when_asked(unlocked: Harness) -> None:
    _page, service, a, _b, _sid = _practice(unlocked)
    service.start_note(a, "psychotherapy", sections={"process": "privatemusing"})
    unlocked.window.show_view("search")
    search = unlocked.window.pages["search"]
    assert isinstance(search, SearchView)
    QAbstractItemModelTester(search.model)
    search.field.setText("privatemusing")
    search.run_search()
    unlocked.qtbot.waitUntil(lambda: search.status.text().startswith("Nothing found"))
    search.private.setChecked(True)
    search.run_search()
    unlocked.qtbot.waitUntil(lambda: search.model.rowCount() == 1)
    assert search.model.index(0, 2).data() == "Psychotherapy note: private"


def test_snippets_are_escaped_before_highlighting() -> None:
    assert snippet_html("a <b>x</b> \x02hit\x03", "note") == "a &lt;b&gt;x&lt;/b&gt; <b>hit</b>"
    assert snippet_html("[Ada] <i>", "client") == "<b>Ada</b> &lt;i&gt;"


def test_void_needs_a_reason_and_a_second_step(unlocked: Harness) -> None:
    page, service, a, _b, _sid = _practice(unlocked)
    note = service.start_note(a, "freeform", sections={"text": "wrong chart"})
    service.sign_note(note)
    chart = settled(unlocked, page.open_client(a))
    chart.show_notes(note)
    worker_done()
    unlocked.qtbot.waitUntil(lambda: chart.notes.editor.note is not None)
    dialog = chart.notes.editor.void()
    assert dialog is not None and not dialog.ok.isEnabled()
    dialog.editor.setPlainText("written in the wrong chart")
    assert not dialog.ok.isEnabled()  # the second, explicit step is still missing
    dialog.understood.setChecked(True)
    assert dialog.ok.isEnabled()
    dialog.ok.click()
    worker_done()
    assert chart.notes.editor.state.text() == "Voided"
    assert service.get_note(note).void_reason == "written in the wrong chart"


def test_records_request_says_not_available_without_the_pdf_module(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, _service, a, _b, _sid = _practice(unlocked)
    chart = settled(unlocked, page.open_client(a))

    def missing(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr("therapynotes.ui.client_view.importlib.import_module", missing)
    chart.records_button.click()
    box = chart.findChild(QMessageBox)
    assert box is not None and "not available in this version" in box.text()


def test_switching_clients_quickly_never_shows_the_first_clients_chart(unlocked: Harness) -> None:
    page, _service, a, b, _sid = _practice(unlocked)
    page.open_client(a)
    chart = settled(unlocked, page.open_client(b))  # before a's chart arrived
    unlocked.qtbot.wait(50)
    assert chart.chart is not None and chart.chart.client.id == b
    assert chart.overview.values["legal_name"].text() == "Bo Group"


def test_an_image_attachment_opens_in_the_app(unlocked: Harness, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QImage

    page, _service, a, _b, _sid = _practice(unlocked)
    chart = settled(unlocked, page.open_client(a))
    image = QImage(16, 16, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    path = tmp_path / "consent-scan.png"
    image.save(str(path))
    chart.attachments.add_path(path)
    unlocked.qtbot.waitUntil(lambda: chart.attachments.model.rowCount() == 1)
    chart.attachments.table.selectRow(0)
    chart.attachments.open_selected()  # read on the database worker, then shown
    worker_done()
    dialogs = [d for d in chart.attachments.findChildren(QDialog) if d.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].windowTitle() == "Attachment"  # never the name
    dialogs[0].close()


def test_a_note_due_on_home_opens_a_draft_for_that_session(unlocked: Harness) -> None:
    _page, _service, a, _b, sid = _practice(unlocked)
    unlocked.window.show_view("home")
    unlocked.records_settled()
    home = unlocked.window.pages["home"]
    assert home.due_model.rowCount() == 2  # type: ignore[attr-defined]
    QAbstractItemModelTester(home.due_model)  # type: ignore[attr-defined]
    row = next(i for i, r in enumerate(home.due_model.rows) if r[0].client_id == a)  # type: ignore[attr-defined]
    home.due_table.clicked.emit(home.due_model.index(row, 0))  # type: ignore[attr-defined]
    page = clients(unlocked)
    unlocked.qtbot.waitUntil(
        lambda: page.chart is not None and page.chart.notes.editor.note is not None
    )
    note = page.chart.notes.editor.note  # type: ignore[union-attr]
    assert note is not None and note.session_id == sid and note.client_id == a


def test_a_new_plan_version_keeps_the_earlier_one(unlocked: Harness) -> None:
    page, service, a, _b, _sid = _practice(unlocked)
    chart = settled(unlocked, page.open_client(a))
    chart.tabs.setCurrentWidget(chart.plan)
    for problem in ("Panic in crowds", "Panic in crowds, now only on trains"):
        dialog = chart.plan.new_version()
        assert dialog is not None
        dialog.problem.setText(problem)
        dialog.goal.setText("Travel to work by train")
        dialog.objective.setText("Three train trips a week")
        dialog.accept()  # saved on the database worker, then the chart refreshes
        unlocked.records_settled()
        settled(unlocked, chart)
    assert [p.version for p in service.plan_versions(a)] == [1, 2]
    assert chart.plan.versions.count() == 2
    assert "only on trains" in chart.plan.text.toPlainText()


def test_the_connection_is_used_by_one_thread_at_a_time(unlocked: Harness) -> None:
    """Record queries run on exactly one worker, and the UI thread's own record calls
    take the same session lock as that worker (and as the audit writes)."""
    import threading

    from therapynotes.ui.ops import database_pool

    page = clients(unlocked)
    session = unlocked.window.session
    assert session is not None
    assert database_pool().maxThreadCount() == 1
    assert page.records._lock is session.db_lock
    inside: list[bool] = []
    held = threading.Event()
    release = threading.Event()

    def hold(_service):  # type: ignore[no-untyped-def]
        held.set()
        release.wait(5)

    page.records.op(page, hold).run(database=True)
    assert held.wait(5)
    # While the worker holds the lock, another thread cannot enter.
    threading.Thread(target=lambda: inside.append(session.db_lock.acquire(timeout=0.05))).start()
    unlocked.qtbot.waitUntil(lambda: bool(inside))
    assert inside == [False]
    release.set()
    database_pool().waitForDone(5000)


def test_opening_a_chart_is_audited_once_and_edits_refresh_without_a_view_row(
    unlocked: Harness,
) -> None:
    page, service, a, _b, _sid = _practice(unlocked)
    chart = settled(unlocked, page.open_client(a))
    views = [e for e in service.client_history(a) if e.kind == "chart.viewed"]
    assert len(views) == 1
    chart.refresh()
    settled(unlocked, chart)
    assert len([e for e in service.client_history(a) if e.kind == "chart.viewed"]) == 1
    rows = service.client_history(a)
    assert all(a_name not in str(e.detail) for e in rows for a_name in ("Ada", "Group"))


def test_records_request_and_print_open_from_the_chart(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from therapynotes.ui import chart_pdf
    from therapynotes.ui.chart_pdf import ChartPdfDialog

    page, _service, a, _b, _sid = _practice(unlocked)
    chart = settled(unlocked, page.open_client(a))
    target = tmp_path / "records-request.pdf"
    monkeypatch.setattr(chart_pdf, "ask_save_path", lambda _parent, _today: target)
    chart.records_button.click()
    dialogs = chart.findChildren(ChartPdfDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].accept()  # the PDF is written from the chart, end to end
    unlocked.qtbot.waitUntil(target.exists, timeout=10_000)
    assert target.read_bytes().startswith(b"%PDF")
    chart.print_button.click()
    dialogs = [d for d in chart.findChildren(ChartPdfDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].reject()


def test_search_client_filter_lists_clients_added_since(unlocked: Harness) -> None:
    from therapynotes.domain.models import ClientFields
    from therapynotes.ui.search_view import SearchView

    _page, service, _a, _b, _sid = _practice(unlocked)
    search = unlocked.window.pages["search"]
    assert isinstance(search, SearchView)
    unlocked.window.show_view("search")
    unlocked.records_settled()
    before = search.client.count()
    service.create_client(ClientFields(legal_name="Added Later"))
    unlocked.window.show_view("home")
    unlocked.records_settled()
    unlocked.window.show_view("search")
    unlocked.records_settled()
    names = [search.client.itemText(i) for i in range(search.client.count())]
    assert search.client.count() == before + 1 and "Added Later" in names


def test_the_note_view_names_the_signer_as_they_were(unlocked: Harness) -> None:
    """A note signed before the profile shows what it always did; one signed after names
    the clinician, and keeps that name when the profile changes later."""
    from PySide6.QtWidgets import QLabel  # noqa: PLC0415

    from therapynotes.domain.profile import ClinicianProfile  # noqa: PLC0415
    from therapynotes.services.profile import ProfileService  # noqa: PLC0415

    page, service, a, _b, _sid = _practice(unlocked)
    profiles = ProfileService(service.session, clock=unlocked.clock)
    before = service.start_note(a, "freeform", sections={"text": "before"})
    service.sign_note(before)
    profiles.set(ClinicianProfile("Dana Reyes", "PsyD", "PSY 12345", "CA"))
    after = service.start_note(a, "freeform", sections={"text": "after"})
    service.sign_note(after)
    service.add_addendum(after, "later")
    profiles.set(ClinicianProfile("Dana Reyes-Park", "PhD", "PSY 99999"))
    chart = settled(unlocked, page.open_client(a))
    editor = chart.notes.editor

    def lines(note_id: int) -> list[str]:
        chart.show_notes(note_id)
        worker_done()
        unlocked.qtbot.waitUntil(
            lambda: editor.note is not None and editor.note.id == note_id, timeout=20000
        )
        unlocked.qtbot.wait(10)  # widgets added to a shown layout show on the next turn
        return [w.text() for w in editor.page.findChildren(QLabel) if not w.isHidden()]

    old = lines(before)
    assert not any("Electronically signed" in t for t in old)
    assert editor.state.text().startswith("Signed ")
    new = lines(after)
    signed = [t for t in new if t.startswith("Electronically signed by ")]
    assert len(signed) == 1 and signed[0].startswith(
        "Electronically signed by Dana Reyes, PsyD, PSY 12345, "
    )
    assert any(t.startswith("Addendum, signed by Dana Reyes, PsyD, PSY 12345, ") for t in new)
    assert not any("Reyes-Park" in t for t in new)
