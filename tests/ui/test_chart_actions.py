"""The chart's record actions as a therapist uses them, on real widgets over a real vault:
a session row opens that client's note for the session (or offers to start one); Set
attendance… changes the table, the record and the History tab; Mark resolved… and Make
primary on the Diagnoses tab; a group session on Home asks whose chart to open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes import APP_NAME
from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.ids import ClientId, DiagnosisId, NoteId, SessionId
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.ui.chart_tabs.diagnoses import ResolveDialog
from therapynotes.ui.chart_tabs.notes import NewNoteDialog
from therapynotes.ui.chart_tabs.sessions import AttendanceDialog, SessionColumn
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.clients_page import ClientsPage
from therapynotes.ui.home_view import HomePage, ParticipantDialog


@dataclass
class Practice:
    page: ClientsPage
    service: RecordsService
    ada: ClientId
    bo: ClientId
    group: SessionId  # Ada and Bo, both with a note
    single: SessionId  # Ada alone, no note yet (only a voided one and a private one)
    ada_note: NoteId
    bo_note: NoteId


def _practice(h: Harness) -> Practice:
    h.window.show_view("clients")
    page = clients(h)
    service = page.records.service
    ada = service.create_client(ClientFields(legal_name="Ada Chart"))
    bo = service.create_client(ClientFields(legal_name="Bo Chart"))
    start = datetime.fromtimestamp(h.clock(), UTC) - timedelta(days=7)
    group = service.log_session(
        [ada, bo],
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        service_code="90853",
        modality=Modality.IN_PERSON,
    )
    single = service.log_session(
        [ada],
        starts_at=start + timedelta(days=3),
        ends_at=start + timedelta(days=3, minutes=45),
        service_code="90834",
        modality=Modality.VIDEO,
    )
    bo_note = service.start_note(bo, "soap", session_id=group, sections={"subjective": "bo"})
    ada_note = service.start_note(ada, "dap", session_id=group, sections={"data": "ada"})
    wrong = service.start_note(ada, "freeform", session_id=single, sections={"text": "oops"})
    service.sign_note(wrong)
    service.void_note(wrong, "written in the wrong chart")
    service.start_note(ada, "psychotherapy", session_id=single, sections={"process": "private"})
    page.list.refresh()
    return Practice(page, service, ada, bo, group, single, ada_note, bo_note)


def _sessions_of(h: Harness, p: Practice, client: ClientId) -> ClientChartView:
    chart = settled(h, p.page.open_client(client))
    chart.tabs.setCurrentWidget(chart.sessions)
    return chart


def _row(chart: ClientChartView, session: SessionId) -> int:
    row = chart.sessions.model.row_of(session)
    assert row >= 0
    return row


def _cell(chart: ClientChartView, session: SessionId, column: SessionColumn) -> str:
    model = chart.sessions.model
    return str(model.index(_row(chart, session), list(SessionColumn).index(column)).data())


def _error_box(parent: ClientChartView) -> QMessageBox | None:
    boxes = [b for b in parent.findChildren(QMessageBox) if b.isVisible()]
    return boxes[0] if boxes else None


def _new_note_dialog() -> NewNoteDialog:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, NewNoteDialog)]
    visible = [d for d in found if d.isVisible()]
    assert len(visible) == 1
    return visible[0]


def test_double_click_on_a_session_opens_this_clients_note_for_it(unlocked: Harness) -> None:
    p = _practice(unlocked)
    chart = _sessions_of(unlocked, p, p.ada)
    assert _cell(chart, p.group, SessionColumn.NOTE) == "Draft"
    table = chart.sessions.table
    rect = table.visualRect(chart.sessions.model.index(_row(chart, p.group), 0))
    # a double-click as the platform delivers it: press-release, then the double click
    unlocked.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chart.tabs.currentWidget() is chart.sessions  # one click only chooses the row
    unlocked.qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chart.tabs.currentWidget() is chart.notes
    unlocked.qtbot.waitUntil(lambda: chart.notes.editor.note is not None)
    note = chart.notes.editor.note
    assert note is not None and note.id == p.ada_note  # Ada's, not Bo's note for the group
    assert note.client_id == p.ada and note.session_id == p.group


def test_enter_on_a_session_without_a_note_offers_to_start_one(unlocked: Harness) -> None:
    p = _practice(unlocked)
    chart = _sessions_of(unlocked, p, p.ada)
    # only a voided and a private note: the record has no note for this session
    assert _cell(chart, p.single, SessionColumn.NOTE) == "No note"
    table = chart.sessions.table
    table.setFocus()
    table.selectRow(_row(chart, p.single))
    assert chart.sessions.open_button.text() == "Start note…"
    unlocked.qtbot.keyClick(table, Qt.Key.Key_Return)
    dialog = _new_note_dialog()
    assert "has no note for this client yet" in dialog.intro.text()
    assert dialog.session.currentData() == p.single
    assert chart.tabs.currentWidget() is chart.sessions  # nothing moves until it is accepted
    dialog.reject()
    assert chart.tabs.currentWidget() is chart.sessions
    assert chart.notes.editor.note is None
    unlocked.qtbot.keyClick(table, Qt.Key.Key_Enter)
    dialog = _new_note_dialog()
    dialog.template.setCurrentIndex(dialog.template.findData("birp"))
    dialog.accept()
    worker_done()
    assert chart.tabs.currentWidget() is chart.notes
    note = chart.notes.editor.note
    assert note is not None and note.session_id == p.single and note.client_id == p.ada
    assert note.template == "birp"
    settled(unlocked, chart)
    chart.tabs.setCurrentWidget(chart.sessions)
    assert _cell(chart, p.single, SessionColumn.NOTE) == "Draft"
    assert chart.sessions.selected() is not None  # the refresh kept the row chosen
    assert chart.sessions.open_button.text() == "Open note"


def test_set_attendance_shows_at_once_and_lands_in_the_record_and_history(
    unlocked: Harness,
) -> None:
    p = _practice(unlocked)
    chart = _sessions_of(unlocked, p, p.bo)
    tab = chart.sessions
    assert not tab.attendance_button.isEnabled()  # nothing chosen yet
    tab.table.selectRow(_row(chart, p.group))
    assert tab.attendance_button.isEnabled() and tab.attendance_action.isEnabled()
    tab.attendance_button.setFocus()
    unlocked.qtbot.keyClick(tab.attendance_button, Qt.Key.Key_Space)  # keyboard only
    dialog = tab.findChild(AttendanceDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Set attendance" and "Bo" not in dialog.session.text()
    assert "Only this client's attendance changes" in dialog.session.text()
    assert dialog.buttons[Attendance.ATTENDED].isChecked() and not dialog.ok.isEnabled()
    dialog.buttons[Attendance.LATE_CANCEL].setChecked(True)
    assert dialog.ok.isEnabled()
    unlocked.qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter confirms the default
    unlocked.qtbot.waitUntil(
        lambda: _cell(chart, p.group, SessionColumn.ATTENDANCE) == "Late cancel"
    )
    entry = next(
        e for e in p.service.open_chart(p.bo, record_view=False).sessions if e.id == p.group
    )
    assert {q.client_id: q.attendance for q in entry.participants} == {
        p.ada: Attendance.ATTENDED,  # the other participant's attendance stays
        p.bo: Attendance.LATE_CANCEL,
    }
    edits = [
        e
        for e in p.service.client_history(p.bo)
        if e.kind == "record.edited" and e.subject == f"session:{p.group}"
    ]
    assert [e.detail for e in edits] == [
        {"record": "session", "client": p.bo, "fields": ["attendance"]}
    ]
    settled(unlocked, chart)
    assert tab.selected() is not None and tab.selected().id == p.group  # type: ignore[union-attr]
    chart.tabs.setCurrentWidget(chart.history)
    history = chart.history.model
    unlocked.qtbot.waitUntil(
        lambda: any(
            history.index(r, 1).data() == "Changed"
            and history.index(r, 2).data() == "Session (attendance)"
            for r in range(history.rowCount())
        )
    )


def test_set_attendance_from_the_context_menu(unlocked: Harness) -> None:
    p = _practice(unlocked)
    chart = _sessions_of(unlocked, p, p.ada)
    tab = chart.sessions
    table = tab.table
    assert table.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
    assert [a.text() for a in table.actions()] == ["Open note", "Set attendance…"]
    table.selectRow(_row(chart, p.single))
    assert [a.text() for a in table.actions()] == ["Start note…", "Set attendance…"]
    tab.attendance_action.trigger()
    dialog = tab.findChild(AttendanceDialog)
    assert dialog is not None and "Only this client's" not in dialog.session.text()
    dialog.buttons[Attendance.NO_SHOW].setChecked(True)
    dialog.ok.click()
    unlocked.qtbot.waitUntil(lambda: _cell(chart, p.single, SessionColumn.ATTENDANCE) == "No-show")
    settled(unlocked, chart)
    assert _cell(chart, p.single, SessionColumn.ATTENDANCE) == "No-show"  # after the refresh
    dialog = tab.set_attendance()
    assert dialog is not None
    dialog.reject()  # cancel writes nothing
    edits = [e for e in p.service.client_history(p.ada) if e.kind == "record.edited"]
    assert len([e for e in edits if e.subject == f"session:{p.single}"]) == 1


def _today(h: Harness) -> date:
    return date.fromtimestamp(h.clock())  # noqa: DTZ012 - the app's local day


def _dx_rows(chart: ClientChartView) -> list[tuple[str, ...]]:
    model = chart.diagnoses.model
    return [
        tuple(str(model.index(r, c).data()) for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def _diagnoses_of(h: Harness) -> tuple[Practice, ClientChartView, dict[str, DiagnosisId]]:
    p = _practice(h)
    onset = _today(h) - timedelta(days=60)
    ids = {
        code: p.service.add_diagnosis(
            p.ada, code, primary=code == "F41.1", onset_date=onset.isoformat()
        )
        for code in ("F41.1", "F32.1", "F43.10")
    }
    chart = settled(h, p.page.open_client(p.ada))
    chart.tabs.setCurrentWidget(chart.diagnoses)
    return p, chart, ids


def test_mark_resolved_with_a_date_shows_it_as_resolved_in_words(unlocked: Harness) -> None:
    p, chart, ids = _diagnoses_of(unlocked)
    tab = chart.diagnoses
    assert [r[0] for r in _dx_rows(chart)] == ["F41.1", "F32.1", "F43.10"]
    assert {r[4] for r in _dx_rows(chart)} == {"Current"}
    assert not tab.resolve_button.isEnabled() and not tab.primary_button.isEnabled()
    tab.table.selectRow(0)  # the primary one
    assert tab.resolve_button.isEnabled() and not tab.primary_button.isEnabled()
    tab.resolve_button.setFocus()
    unlocked.qtbot.keyClick(tab.resolve_button, Qt.Key.Key_Space)
    dialog = tab.findChild(ResolveDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Mark diagnosis resolved"
    assert "F41.1" in dialog.diagnosis.text() and "cannot be undone" in dialog.explain.text()
    assert "stays marked primary" in dialog.explain.text()
    today, onset = _today(unlocked), _today(unlocked) - timedelta(days=60)
    assert dialog.resolved_date() == today.isoformat()  # default: today
    assert dialog.date.maximumDate().toPython() == today
    assert dialog.date.minimumDate().toPython() == onset  # not before onset
    dialog.date.setDate(QDate(onset.year, onset.month, onset.day).addDays(-5))
    assert dialog.resolved_date() == onset.isoformat()  # the field will not go earlier
    resolved_on = today - timedelta(days=2)
    dialog.date.setDate(QDate(resolved_on.year, resolved_on.month, resolved_on.day))
    unlocked.qtbot.keyClick(dialog, Qt.Key.Key_Return)
    words = f"Resolved {resolved_on.day} {resolved_on:%b %Y}"
    unlocked.qtbot.waitUntil(lambda: _dx_rows(chart)[-1][4] == words)
    rows = _dx_rows(chart)
    assert [r[0] for r in rows] == ["F32.1", "F43.10", "F41.1"]  # resolved ones last
    model = chart.diagnoses.model
    assert model.index(2, 1).data(Qt.ItemDataRole.FontRole).italic()
    assert model.index(0, 1).data(Qt.ItemDataRole.FontRole) is None
    stored = next(
        d for d in p.service.open_chart(p.ada, record_view=False).diagnoses if d.id == ids["F41.1"]
    )
    assert stored.resolved_date == resolved_on.isoformat()
    # the resolved row stays chosen; it can be neither resolved again nor made primary
    assert tab.selected() is not None and tab.selected().id == ids["F41.1"]  # type: ignore[union-attr]
    assert not tab.resolve_button.isEnabled() and not tab.resolve_action.isEnabled()
    assert not tab.primary_button.isEnabled() and not tab.primary_action.isEnabled()
    assert tab.resolve() is None
    chart.tabs.setCurrentWidget(chart.history)
    history = chart.history.model
    unlocked.qtbot.waitUntil(
        lambda: any(
            history.index(r, 2).data() == "Diagnosis (resolved)" for r in range(history.rowCount())
        )
    )


def test_make_primary_from_the_context_menu_moves_the_flag(unlocked: Harness) -> None:
    p, chart, ids = _diagnoses_of(unlocked)
    tab = chart.diagnoses
    table = tab.table
    assert table.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
    assert [a.text() for a in table.actions()] == ["Mark resolved…", "Make primary"]
    table.selectRow(2)
    assert tab.selected() is not None and tab.selected().code == "F43.10"  # type: ignore[union-attr]
    tab.primary_action.trigger()
    unlocked.qtbot.waitUntil(lambda: _dx_rows(chart)[0][0] == "F43.10")
    assert [(r[0], r[2]) for r in _dx_rows(chart)] == [
        ("F43.10", "Primary"),
        ("F41.1", ""),
        ("F32.1", ""),
    ]
    assert not tab.primary_button.isEnabled()  # it is the primary one now
    flags = {d.id: d.primary for d in p.service.open_chart(p.ada, record_view=False).diagnoses}
    assert flags == {ids["F41.1"]: False, ids["F32.1"]: False, ids["F43.10"]: True}


def test_a_refused_resolve_says_why_and_changes_nothing(unlocked: Harness) -> None:
    p, chart, ids = _diagnoses_of(unlocked)
    tab = chart.diagnoses
    tab.table.selectRow(1)
    dialog = tab.resolve()
    assert dialog is not None
    p.service.resolve_diagnosis(ids["F32.1"], _today(unlocked).isoformat())  # meanwhile
    dialog.accept()
    unlocked.qtbot.waitUntil(lambda: _error_box(chart) is not None)
    box = _error_box(chart)
    assert box is not None and "already marked resolved" in box.text()
    box.accept()


def _today_row(home: HomePage, session: SessionId) -> QModelIndex:
    row = next(i for i, r in enumerate(home.today_model.rows) if r[0].id == session)
    return home.today_model.index(row, 1)


def _choosers(home: HomePage) -> list[ParticipantDialog]:
    return [d for d in home.findChildren(ParticipantDialog) if d.isVisible()]


def test_a_group_session_on_home_asks_whose_chart_to_open(unlocked: Harness) -> None:
    h = unlocked
    service = clients(h).records.service
    ada, bo, cy = (
        service.create_client(ClientFields(legal_name=n, preferred_name=p))
        for n, p in (("Ada Home", ""), ("Robert Home", "Bo"), ("Cy Home", ""))
    )
    now = datetime.fromtimestamp(h.clock(), UTC)
    today = _today(h).isoformat()
    group = service.log_session(
        [ada, bo, cy],
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(minutes=30),
        service_code="90853",
        modality=Modality.IN_PERSON,
        service_date=today,
    )
    alone = service.log_session(
        [cy],
        starts_at=now - timedelta(hours=4),
        ends_at=now - timedelta(hours=3, minutes=15),
        service_code="90834",
        modality=Modality.VIDEO,
        service_date=today,
    )
    h.window.show_view("home")
    h.records_settled()
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    index = _today_row(home, group)
    # the names the app shows everywhere: full name, preferred name in brackets
    assert index.data() == "Ada Home, Robert Home (Bo), Cy Home"
    home.today_table.clicked.emit(index)
    home.today_table.activated.emit(index)  # the rest of a double-click: still one chooser
    choosers = _choosers(home)
    assert len(choosers) == 1
    chooser = choosers[0]
    assert chooser.windowTitle() == "Open a chart"
    names = [chooser.people.item(r).text() for r in range(chooser.people.count())]
    assert names == ["Ada Home", "Robert Home (Bo)", "Cy Home"]
    assert h.window.current_view() == "home"  # nothing opens before the choice
    chooser.people.setCurrentRow(1)
    h.qtbot.keyClick(chooser, Qt.Key.Key_Return)  # Enter opens the chosen chart
    page = clients(h)
    h.qtbot.waitUntil(
        lambda: (
            page.chart is not None
            and page.chart.client_id == bo
            and page.chart.notes.editor.note is not None
        )
    )
    note = page.chart.notes.editor.note  # type: ignore[union-attr]
    assert note is not None and note.client_id == bo and note.session_id == group
    assert h.window.current_view() == "clients" and h.window.windowTitle() == APP_NAME

    h.window.show_view("home")
    h.records_settled()
    home.today_table.clicked.emit(_today_row(home, group))
    chooser = _choosers(home)[0]
    chooser.reject()  # Cancel: nothing moves
    assert h.window.current_view() == "home" and page.chart.client_id == bo  # type: ignore[union-attr]
    home.today_table.clicked.emit(_today_row(home, group))
    chooser = _choosers(home)[0]
    where = chooser.people.visualItemRect(chooser.people.item(0)).center()
    for click in (h.qtbot.mouseClick, h.qtbot.mouseDClick):  # a double-click on Ada
        click(chooser.people.viewport(), Qt.MouseButton.LeftButton, pos=where)
    h.qtbot.waitUntil(lambda: page.chart is not None and page.chart.client_id == ada)

    h.window.show_view("home")
    h.records_settled()
    home.today_table.clicked.emit(_today_row(home, alone))  # one client: straight there
    assert _choosers(home) == []
    h.qtbot.waitUntil(
        lambda: (
            page.chart is not None
            and page.chart.client_id == cy
            and page.chart.notes.editor.note is not None
            and page.chart.notes.editor.note.session_id == alone
        )
    )


def test_a_double_click_on_a_note_due_starts_one_draft_and_shows_no_error(
    unlocked: Harness,
) -> None:
    p = _practice(unlocked)
    p.service.discard_draft(p.ada_note)  # Ada's group session is due again, with no note
    unlocked.window.show_view("home")
    unlocked.records_settled()
    home = unlocked.window.pages["home"]
    assert isinstance(home, HomePage)
    row = next(i for i, r in enumerate(home.due_model.rows) if r[0].client_id == p.ada)
    table = home.due_table
    where = table.visualRect(home.due_model.index(row, 0)).center()
    for click in (unlocked.qtbot.mouseClick, unlocked.qtbot.mouseDClick):
        click(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    page = p.page
    unlocked.qtbot.waitUntil(
        lambda: page.chart is not None and page.chart.notes.editor.note is not None
    )
    chart = settled(unlocked, page.chart)
    unlocked.qtbot.wait(50)
    assert [b.text() for b in chart.window().findChildren(QMessageBox) if b.isVisible()] == []
    notes = p.service.open_chart(p.ada, record_view=False).notes
    assert [n.session_id for n in notes if n.session_id == p.group] == [p.group]
    assert chart.notes.editor.note is not None and chart.notes.editor.note.session_id == p.group
