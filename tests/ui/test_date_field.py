"""The one date field: typed dates, a calendar that opens near a sensible year, empty
optional dates, and a clear message for text that is no date."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate, QLocale, QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QCalendarWidget
from pytestqt.qtbot import QtBot

from therapynotes.ui.chart_pdf import ChartPdfDialog
from therapynotes.ui.chart_tabs.plan import PlanDialog
from therapynotes.ui.chart_tabs.sessions import SessionDialog
from therapynotes.ui.client_dialog import ClientDialog
from therapynotes.ui.widgets import DateField


@pytest.fixture
def us_locale() -> Iterator[None]:
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(before)


@pytest.fixture
def uk_locale() -> Iterator[None]:
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(before)


def _type(qtbot: QtBot, field: DateField, text: str) -> None:
    field.setFocus()
    field.lineEdit().selectAll()
    if text:
        qtbot.keyClicks(field, text)
    else:
        qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _open_calendar(qtbot: QtBot, field: DateField) -> QCalendarWidget:
    field.show()
    qtbot.mouseClick(
        field, Qt.MouseButton.LeftButton, pos=QPoint(field.width() - 4, field.height() // 2)
    )
    calendar = field.findChild(QCalendarWidget)
    assert calendar is not None and calendar.isVisible()
    return calendar


@pytest.mark.parametrize(
    "typed", ["14 Mar 1985", "14 March 1985", "1985-03-14", "03/14/1985", "March 14, 1985"]
)
def test_typed_dates_are_taken(qtbot: QtBot, us_locale: None, typed: str) -> None:
    dialog = ClientDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    _type(qtbot, dialog.date_of_birth, typed)
    assert dialog.date_of_birth.iso() == "1985-03-14"
    assert dialog.date_of_birth.lineEdit().text() == "14 Mar 1985"
    assert dialog.fields().date_of_birth == "1985-03-14"


def test_numeric_dates_follow_the_locale(qtbot: QtBot, uk_locale: None) -> None:
    field = DateField("Date of birth")
    qtbot.addWidget(field)
    field.show()
    _type(qtbot, field, "03/04/1985")
    assert field.iso() == "1985-04-03"  # day first here
    _type(qtbot, field, "14/03/1985")
    assert field.iso() == "1985-03-14"


def test_us_locale_reads_month_first(qtbot: QtBot, us_locale: None) -> None:
    field = DateField("Date of birth")
    qtbot.addWidget(field)
    field.show()
    _type(qtbot, field, "03/04/1985")
    assert field.iso() == "1985-03-04"


def test_an_optional_date_can_be_emptied(qtbot: QtBot) -> None:
    field = DateField("Discharge date")
    qtbot.addWidget(field)
    field.show()
    assert field.iso() is None and field.lineEdit().text() == "Not set"
    _type(qtbot, field, "1 Feb 2026")
    assert field.iso() == "2026-02-01"
    _type(qtbot, field, "")
    assert field.iso() is None


def test_date_of_birth_calendar_opens_about_35_years_ago(qtbot: QtBot) -> None:
    dialog = ClientDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    calendar = _open_calendar(qtbot, dialog.date_of_birth)
    assert calendar.yearShown() == QDate.currentDate().year() - 35
    assert all(c.accessibleName() for c in calendar.findChildren(QAbstractButton))


def test_other_empty_calendars_open_on_today_and_a_set_date_on_itself(qtbot: QtBot) -> None:
    dialog = ClientDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    calendar = _open_calendar(qtbot, dialog.discharge_date)
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    calendar.window().close()
    dialog.date_of_birth.set_iso("1990-07-02")
    calendar = _open_calendar(qtbot, dialog.date_of_birth)
    assert (calendar.yearShown(), calendar.monthShown()) == (1990, 7)


def test_text_that_is_no_date_stays_and_is_named(qtbot: QtBot) -> None:
    dialog = ClientDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.legal_name.setText("Ada Lovelace")
    field = dialog.date_of_birth
    field.setFocus()
    qtbot.keyClicks(field, "14 Mar 85")
    dialog.legal_name.setFocus()  # leaving the field keeps what was typed
    assert field.lineEdit().text() == "14 Mar 85"
    assert "isn't a date" in field.problem()
    dialog._check()
    assert dialog.result() == 0 and dialog.isVisible()
    assert dialog.message.text().startswith("Date of birth: that isn't a date.")
    _type(qtbot, field, "14 Mar 1985")
    assert field.problem() == ""
    dialog._check()
    assert dialog.result() == ClientDialog.DialogCode.Accepted


def test_every_date_field_is_the_one_date_field(qtbot: QtBot) -> None:
    from datetime import date  # noqa: PLC0415

    session_dialog = SessionDialog(client_id=1, others=[])  # type: ignore[arg-type]
    plan_dialog = PlanDialog(None)
    pdf_dialog = ChartPdfDialog(today=date(2026, 3, 1), action="Save as PDF…")
    for widget in (session_dialog, plan_dialog, pdf_dialog):
        qtbot.addWidget(widget)
    fields = [
        session_dialog.date,
        plan_dialog.target,
        plan_dialog.review,
        pdf_dialog.date_from,
        pdf_dialog.date_to,
    ]
    assert all(isinstance(f, DateField) for f in fields)
    _type(qtbot, session_dialog.date, "2026-02-03")
    assert session_dialog.date.date() == QDate(2026, 2, 3)
