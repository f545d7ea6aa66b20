"""Log session keeps its input on a bad value: the problem shows next to its field and
the dialog stays open; the end time follows the start and the service's length; a CPT
code that doesn't fit the length (90832 16-37 min, 90834 38-52, 90837 53+) is flagged
before anything is saved."""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from therapynotes.domain.enums import Attendance
from therapynotes.domain.models import ClientFields
from therapynotes.ui.chart_tabs.sessions import SessionDialog
from therapynotes.ui.client_view import ClientChartView


def _dialog(h: Harness) -> tuple[ClientChartView, SessionDialog]:
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name="Cy Form"))
    chart = settled(h, page.open_client(client))
    chart.tabs.setCurrentWidget(chart.sessions)
    chart.sessions.log_button.click()
    h.qtbot.waitUntil(lambda: chart.sessions.log_dialog is not None, timeout=20000)
    dialog = chart.sessions.log_dialog
    assert dialog is not None and dialog.isVisible()
    return chart, dialog


def _save(dialog: SessionDialog) -> None:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    save = box.button(QDialogButtonBox.StandardButton.Save)
    assert save is not None
    save.click()


def _sessions(h: Harness, chart: ClientChartView) -> int:
    h.records_settled()
    return len(clients(h).records.service.open_chart(chart.client_id).sessions)


def test_an_end_before_the_start_is_said_next_to_the_field_and_nothing_is_lost(
    unlocked: Harness,
) -> None:
    h = unlocked
    chart, dialog = _dialog(h)
    dialog.place.setText("Room 2")
    dialog.start.setTime(QTime(10, 0))
    dialog.end.setTime(QTime(9, 30))
    _save(dialog)
    assert dialog.isVisible()  # still open, everything as typed
    assert dialog.place.text() == "Room 2" and dialog.end.time() == QTime(9, 30)
    assert dialog.end_message.isVisible()
    assert dialog.end_message.text() == (
        "The session ends before it starts. Set an end time after the start."
    )
    assert not [b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox)]
    assert _sessions(h, chart) == 0
    dialog.end.setTime(QTime(10, 45))
    assert not dialog.end_message.isVisible()  # fixed: the message goes
    _save(dialog)
    h.qtbot.waitUntil(lambda: not dialog.isVisible())
    h.qtbot.waitUntil(lambda: _sessions(h, chart) == 1, timeout=20000)


def test_the_end_follows_the_start_and_the_service(unlocked: Harness) -> None:
    _chart, dialog = _dialog(unlocked)
    dialog.code.setCurrentIndex(dialog.code.findData("90834"))
    dialog.start.setTime(QTime(14, 0))
    assert dialog.end.time() == QTime(14, 45)
    dialog.code.setCurrentIndex(dialog.code.findData("90837"))
    assert dialog.end.time() == QTime(15, 0)
    dialog.code.setCurrentIndex(dialog.code.findData("90832"))
    assert dialog.end.time() == QTime(14, 30)
    dialog.start.setTime(QTime(8, 10))
    assert dialog.end.time() == QTime(8, 40)
    dialog.reject()


def test_a_code_that_does_not_fit_the_length_is_flagged_before_saving(
    unlocked: Harness,
) -> None:
    h = unlocked
    chart, dialog = _dialog(h)
    dialog.code.setCurrentIndex(dialog.code.findData("90834"))
    dialog.start.setTime(QTime(10, 0))
    dialog.end.setTime(QTime(10, 30))
    _save(dialog)
    assert dialog.isVisible() and dialog.code_message.isVisible()
    assert dialog.code_message.text() == (
        "90834 is for 38 to 52 minutes; this session is 30 minutes. "
        "Choose 90832, or correct the times."
    )
    assert not dialog.end_message.isVisible()
    assert _sessions(h, chart) == 0
    dialog.code.setCurrentIndex(dialog.code.findData("90837"))  # the end follows: 11:00
    assert not dialog.code_message.isVisible()
    dialog.end.setTime(QTime(10, 50))  # 50 minutes is 90834, not 90837
    assert "Choose 90834" in dialog.code_message.text()
    dialog.attendance.setCurrentIndex(dialog.attendance.findData(Attendance.NO_SHOW))
    assert not dialog.code_message.isVisible()  # no time rule for a session not held
    _save(dialog)
    h.qtbot.waitUntil(lambda: not dialog.isVisible())
    h.qtbot.waitUntil(lambda: _sessions(h, chart) == 1, timeout=20000)
