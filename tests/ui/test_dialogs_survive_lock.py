"""Nothing typed into a dialog is lost to an idle lock: each record dialog is opened,
typed into, locked by the idle watcher (fake clock), unlocked; it is back over the same
chart with what was typed, and saving it lands in the record. What it held was kept only
inside the vault (no plaintext in any file), and the kept draft is gone once used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.enums import Attendance, Modality, NoteState
from therapynotes.domain.ids import ClientId, DiagnosisId, NoteId, SessionId
from therapynotes.domain.models import ClientFields, PlanContent, Problem
from therapynotes.services.records import RecordsService
from therapynotes.ui.chart_pdf import ChartPdfDialog
from therapynotes.ui.chart_tabs.diagnoses import DiagnosisDialog, ResolveDialog
from therapynotes.ui.chart_tabs.notes import NewNoteDialog
from therapynotes.ui.chart_tabs.plan import PlanDialog
from therapynotes.ui.chart_tabs.sessions import AttendanceDialog, SessionDialog
from therapynotes.ui.client_dialog import ClientDialog
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.note_dialogs import AddendumDialog, VoidDialog
from therapynotes.ui.settings_dialog import ChangePassphraseDialog

CANARY = "Lockcanary"
D = TypeVar("D", bound=QDialog)


@dataclass
class Chart:
    service: RecordsService
    client: ClientId
    note: NoteId  # signed
    session: SessionId
    diagnosis: DiagnosisId
    view: ClientChartView


def _chart(h: Harness) -> Chart:
    h.window.show_view("clients")
    page = clients(h)
    service = page.records.service
    client = service.create_client(ClientFields(legal_name="Ada Locked"))
    start = datetime.fromtimestamp(h.clock(), UTC) - timedelta(days=2)
    session = service.log_session(
        [client],
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        service_code="90834",
        modality=Modality.IN_PERSON,
    )
    note = service.start_note(client, "freeform", session_id=session, sections={"text": "x"})
    service.sign_note(note)
    diagnosis = service.add_diagnosis(client, "F41.1", primary=True)
    service.save_plan(client, PlanContent((Problem("Worry", ()),)), effective_date="2027-01-04")
    page.list.refresh()
    view = settled(h, page.open_client(client))
    return Chart(service, client, note, session, diagnosis, view)


def _idle_lock_and_unlock(h: Harness) -> None:
    h.records_settled()
    h.clock.advance(h.window.idle.timeout_seconds + 1)
    h.window.idle.tick()
    assert h.window.session is None
    h.flush_deletes()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)]
    h.unlock_ok()


def _back(h: Harness, kind: type[D]) -> D:
    """The one dialog of this kind on screen again (the chart loads first)."""

    def shown() -> list[D]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

    h.qtbot.waitUntil(lambda: len(shown()) == 1, timeout=20000)
    return shown()[0]


def _save(h: Harness, dialog: QDialog) -> None:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    button = next(b for b in box.buttons() if box.buttonRole(b).name == "AcceptRole")
    button.click()
    h.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    h.records_settled()


def _svc(h: Harness) -> RecordsService:
    """The record service of the session open now (a lock closes the one before)."""
    return clients(h).records.service


def _kept(h: Harness) -> int:
    return len(clients(h).records.call(lambda s: s.form_drafts()))


def _no_plaintext_in_files(tmp_path: Path) -> None:
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in (CANARY.encode(), CANARY.encode("utf-16-le")):
                assert needle not in data, path.name


def test_add_client_comes_back_filled(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    h.window.show_view("clients")
    dialog = clients(h).list.add_client()
    dialog.legal_name.setText(f"Bea {CANARY}")
    dialog.phone.setText("555 0100")
    dialog.alerts.setPlainText("Prefers mornings")
    _idle_lock_and_unlock(h)
    _no_plaintext_in_files(tmp_path)
    back = _back(h, ClientDialog)
    assert back.windowTitle() == "Add client"
    assert (back.legal_name.text(), back.phone.text()) == (f"Bea {CANARY}", "555 0100")
    assert back.alerts.toPlainText() == "Prefers mornings"
    assert _kept(h) == 1  # until saved or cancelled
    _save(h, back)
    names = [c.display_name for c in clients(h).records.service.list_clients()]
    assert f"Bea {CANARY}" in names
    assert _kept(h) == 0


def test_edit_details_comes_back_filled(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    c = _chart(h)
    dialog = c.view.overview.edit()
    assert dialog is not None
    dialog.pronouns.setText("she/her")
    dialog.address.setText(f"1 {CANARY} Road")
    _idle_lock_and_unlock(h)
    _no_plaintext_in_files(tmp_path)
    back = _back(h, ClientDialog)
    assert back.windowTitle() == "Edit client"
    assert back.address.text() == f"1 {CANARY} Road" and back.pronouns.text() == "she/her"
    _save(h, back)
    h.qtbot.waitUntil(lambda: _svc(h).get_client(c.client).fields.pronouns == "she/her")
    assert _svc(h).get_client(c.client).fields.address == f"1 {CANARY} Road"


def test_log_session_comes_back_filled(unlocked: Harness) -> None:
    h = unlocked
    c = _chart(h)
    c.view.tabs.setCurrentWidget(c.view.sessions)
    c.view.sessions.log_button.click()
    dialog = _back(h, SessionDialog)
    dialog.code.setCurrentIndex(dialog.code.findData("90837"))
    dialog.start.setTime(QTime(9, 0))
    dialog.modality.setCurrentIndex(dialog.modality.findData(Modality.VIDEO))
    dialog.place.setText(f"Room {CANARY}")
    _idle_lock_and_unlock(h)
    back = _back(h, SessionDialog)
    assert back is not dialog
    assert back.place.text() == f"Room {CANARY}"
    assert (back.start.time(), back.end.time()) == (QTime(9, 0), QTime(10, 0))
    assert back.code.currentData() == "90837"
    _save(h, back)
    h.qtbot.waitUntil(lambda: len(_svc(h).open_chart(c.client).sessions) == 2)
    logged = [s for s in _svc(h).open_chart(c.client).sessions if s.id != c.session][0]
    assert (logged.place, logged.service_code, logged.modality) == (
        f"Room {CANARY}",
        "90837",
        Modality.VIDEO,
    )


def test_new_plan_version_comes_back_filled(unlocked: Harness) -> None:
    h = unlocked
    c = _chart(h)
    c.view.tabs.setCurrentWidget(c.view.plan)
    dialog = c.view.plan.new_version()
    assert dialog is not None
    dialog.problem.setText(f"Sleep {CANARY}")
    dialog.interventions.setPlainText("CBT-I\nSleep diary")
    _idle_lock_and_unlock(h)
    back = _back(h, PlanDialog)
    assert back.problem.text() == f"Sleep {CANARY}"
    assert back.interventions.toPlainText() == "CBT-I\nSleep diary"
    _save(h, back)
    h.qtbot.waitUntil(lambda: len(_svc(h).plan_versions(c.client)) == 2)
    newest = _svc(h).plan_versions(c.client)[-1].content.problems[0]
    assert newest.text == f"Sleep {CANARY}"
    assert newest.goals[0].interventions == ("CBT-I", "Sleep diary")


def test_add_diagnosis_comes_back_with_the_search_and_choice(unlocked: Harness) -> None:
    h = unlocked
    c = _chart(h)
    c.view.tabs.setCurrentWidget(c.view.diagnoses)
    dialog = c.view.diagnoses.add()
    assert dialog is not None
    dialog.query.setText("F43.1")
    h.qtbot.waitUntil(lambda: dialog.results.count() > 1, timeout=20000)
    dialog.results.setCurrentRow(1)
    chosen = dialog.code()
    _idle_lock_and_unlock(h)
    back = _back(h, DiagnosisDialog)
    assert back.query.text() == "F43.1"
    h.qtbot.waitUntil(lambda: back.code() == chosen, timeout=20000)
    _save(h, back)
    h.qtbot.waitUntil(lambda: chosen in [d.code for d in _svc(h).open_chart(c.client).diagnoses])


def test_add_addendum_comes_back_over_the_same_note(unlocked: Harness, tmp_path: Path) -> None:
    h = unlocked
    c = _chart(h)
    c.view.show_notes(c.note)
    worker_done()
    h.qtbot.waitUntil(lambda: c.view.notes.editor.note is not None)
    dialog = c.view.notes.editor.add_addendum()
    assert dialog is not None
    dialog.editor.setPlainText(f"Late detail {CANARY}")
    _idle_lock_and_unlock(h)
    _no_plaintext_in_files(tmp_path)
    back = _back(h, AddendumDialog)
    chart = clients(h).chart
    assert chart is not None and chart.notes.editor.note is not None
    assert chart.notes.editor.note.id == c.note
    assert back.text() == f"Late detail {CANARY}" and back.ok.isEnabled()
    back.ok.click()
    h.records_settled()
    assert [a.text for a in _svc(h).get_note(c.note).addenda] == [f"Late detail {CANARY}"]
    assert _kept(h) == 0


def test_void_comes_back_with_reason_and_confirmation(unlocked: Harness) -> None:
    h = unlocked
    c = _chart(h)
    c.view.show_notes(c.note)
    worker_done()
    h.qtbot.waitUntil(lambda: c.view.notes.editor.note is not None)
    dialog = c.view.notes.editor.void()
    assert dialog is not None
    dialog.editor.setPlainText("Wrong chart")
    dialog.understood.setChecked(True)
    _idle_lock_and_unlock(h)
    back = _back(h, VoidDialog)
    assert back.reason() == "Wrong chart" and back.understood.isChecked()
    back.ok.click()
    h.records_settled()
    note = _svc(h).get_note(c.note)
    assert note.state is NoteState.VOIDED and note.void_reason == "Wrong chart"


def test_choices_come_back_too(unlocked: Harness) -> None:
    """Set attendance, Mark resolved and New note hold choices, not text: they come back
    the same way (one lock, three kept dialogs would be unusual; one at a time here)."""
    h = unlocked
    c = _chart(h)
    c.view.tabs.setCurrentWidget(c.view.sessions)
    c.view.sessions.select(c.session)
    attendance = c.view.sessions.set_attendance()
    assert attendance is not None
    attendance.buttons[Attendance.LATE_CANCEL].setChecked(True)
    _idle_lock_and_unlock(h)
    back = _back(h, AttendanceDialog)
    assert back.choice() is Attendance.LATE_CANCEL
    back.ok.click()
    h.records_settled()
    mine = _svc(h).open_chart(c.client).sessions[0].participants[0]
    assert mine.attendance is Attendance.LATE_CANCEL

    chart = settled(h, clients(h).chart)
    chart.tabs.setCurrentWidget(chart.diagnoses)
    chart.diagnoses.select(c.diagnosis)
    resolve = chart.diagnoses.resolve()
    assert resolve is not None
    resolve.date.setDate(resolve.date.date().addDays(-1))
    wanted = resolve.resolved_date()
    _idle_lock_and_unlock(h)
    back_resolve = _back(h, ResolveDialog)
    assert back_resolve.resolved_date() == wanted
    back_resolve.ok.click()
    h.records_settled()
    assert _svc(h).open_chart(c.client).diagnoses[0].resolved_date == wanted

    chart = settled(h, clients(h).chart)
    chart.tabs.setCurrentWidget(chart.notes)
    new = chart.notes.new_note()
    assert new is not None
    new.template.setCurrentIndex(new.template.findData("dap"))
    new.session.setCurrentIndex(0)
    _idle_lock_and_unlock(h)
    back_new = _back(h, NewNoteDialog)
    assert back_new.template.currentData() == "dap" and back_new.session.currentData() is None
    back_new.reject()
    h.records_settled()
    assert _kept(h) == 0


def test_cancelling_the_dialog_that_came_back_drops_the_kept_draft(unlocked: Harness) -> None:
    h = unlocked
    c = _chart(h)
    dialog = c.view.overview.edit()
    assert dialog is not None
    dialog.phone.setText("555 0199")
    _idle_lock_and_unlock(h)
    back = _back(h, ClientDialog)
    _idle_lock_and_unlock(h)  # locked again before deciding: still kept, once
    again = _back(h, ClientDialog)
    assert again.phone.text() == "555 0199" and _kept(h) == 1
    again.reject()
    assert _kept(h) == 0 and back is not again
    _idle_lock_and_unlock(h)
    h.flush_deletes()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, ClientDialog)]


def test_a_passphrase_dialog_is_never_kept(unlocked: Harness) -> None:
    h = unlocked
    settings = h.window.pages["settings"]
    dialog = ChangePassphraseDialog(settings.vault, settings.session, parent=settings)  # type: ignore[attr-defined]
    dialog.open()
    _idle_lock_and_unlock(h)
    assert _kept(h) == 0
    h.flush_deletes()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, ChangePassphraseDialog)]


def test_records_request_comes_back_with_its_dates(unlocked: Harness) -> None:
    """Its choices come back; including psychotherapy notes is asked again."""
    h = unlocked
    c = _chart(h)
    dialog = c.view.records_request()
    assert isinstance(dialog, ChartPdfDialog)
    dialog.limit.setChecked(True)
    dialog.date_from.setDate(QDate(2026, 2, 1))
    dialog.date_to.setDate(QDate(2026, 11, 30))
    _idle_lock_and_unlock(h)
    back = _back(h, ChartPdfDialog)
    assert back.windowTitle() == "Records request" and back.limit.isChecked()
    assert (back.options().date_from, back.options().date_to) == ("2026-02-01", "2026-11-30")
    assert not back.psychotherapy.isChecked()
    back.reject()
    assert _kept(h) == 0


def test_a_date_typed_but_not_yet_entered_comes_back(unlocked: Harness) -> None:
    """Date fields take their text when typing ends (Enter, Tab): a lock in the middle of
    typing a date of birth must still keep what was typed."""
    h = unlocked
    h.window.show_view("clients")
    dialog = clients(h).list.add_client()
    dialog.legal_name.setText("Cleo Marsh")
    dialog.date_of_birth.lineEdit().setText("14 Mar 1985")  # typed, focus still there
    _idle_lock_and_unlock(h)
    back = _back(h, ClientDialog)
    assert back.date_of_birth.iso() == "1985-03-14"
