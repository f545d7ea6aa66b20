"""The Schedule page, driven like a therapist would: book a weekly series in the booking
dialog, be warned of a double booking and book anyway, mark attendance on a block (the
note becomes due), reschedule this and the following ones, move between weeks; the
booking dialog's typing survives a lock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt, QTime, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.conftest import Harness, save_settings
from tests.ui.test_clipping import SIZES, _cut_buttons, _size
from tests.ui.test_records_flow import clients, settled
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.domain.schedule import AppointmentStatus
from therapynotes.services.schedule import Booking, ScheduleService
from therapynotes.ui.home_view import HomePage
from therapynotes.ui.schedule.booking_dialog import BookingDialog, RescheduleDialog
from therapynotes.ui.schedule.chart_line import offer_to_cancel_future
from therapynotes.ui.schedule.week_view import SchedulePage

WAIT = 20000


def _page(h: Harness) -> SchedulePage:
    h.window.show_view("schedule")
    page = h.window.pages["schedule"]
    assert isinstance(page, SchedulePage)
    h.qtbot.waitUntil(lambda: page.week is not None, timeout=WAIT)
    return page


def _schedule(h: Harness) -> ScheduleService:
    return ScheduleService(h.window.session, clock=h.clock)  # type: ignore[arg-type]


def _answer(h: Harness, button_text: str) -> None:
    """Click `button_text` in the next message box that opens (they run modally)."""

    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            for button in box.buttons():
                if button.text() == button_text:
                    button.click()
                    return
        QTimer.singleShot(50, look)

    QTimer.singleShot(50, look)


def _open_booking(h: Harness, page: SchedulePage) -> BookingDialog:
    page.book_button.click()
    found: list[BookingDialog] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, BookingDialog) and w.isVisible()
        ]
        return bool(found)

    h.qtbot.waitUntil(shown, timeout=WAIT)
    return found[0]


def _tick(dialog: BookingDialog, client: ClientId) -> None:
    for row in range(dialog.clients.count()):
        item = dialog.clients.item(row)
        if int(item.data(Qt.ItemDataRole.UserRole)) == client:
            item.setCheckState(Qt.CheckState.Checked)


def test_book_warn_mark_and_reschedule_in_the_week_view(unlocked: Harness) -> None:  # noqa: PLR0915
    h = unlocked
    records = clients(h).records.service
    ada = records.create_client(ClientFields(legal_name="Ada Weekview"))
    bo = records.create_client(ClientFields(legal_name="Bo Weekview"))
    page = _page(h)
    assert page.monday == date(2027, 1, 11)  # the fake clock's Friday, 15 Jan 2027
    dialog = _open_booking(h, page)
    _tick(dialog, ada)
    dialog.date.setDate(QDate(2027, 1, 13))
    dialog.start.setTime(QTime(10, 0))
    dialog.repeat.setCurrentIndex(dialog.repeat.findData("weekly"))
    dialog.count.setValue(3)
    assert dialog.count.isVisible() and not dialog.until.isVisible()
    dialog.ok.click()
    h.qtbot.waitUntil(lambda: len(page.grid.blocks) == 1, timeout=WAIT)
    block = page.grid.blocks[0]
    assert block.text() == "10:00\nAda Weekview"
    series = _schedule(h).for_client(ada)
    assert len(series) == 3

    # a double booking is said, and booked only when confirmed
    dialog = _open_booking(h, page)
    _tick(dialog, bo)
    dialog.date.setDate(QDate(2027, 1, 13))
    dialog.start.setTime(QTime(10, 30))
    _answer(h, "Book anyway")
    dialog.ok.click()
    h.qtbot.waitUntil(lambda: len(page.grid.blocks) == 2, timeout=WAIT)
    assert len(_schedule(h).for_client(bo)) == 1

    # mark attended on the block: it becomes the session, its note due
    page.grid.block(series[0].id).click()  # type: ignore[union-attr]
    assert page.selected == series[0].id and page.buttons["attended"].isEnabled()
    assert not page.buttons["note"].isEnabled()
    page.buttons["attended"].click()
    h.qtbot.waitUntil(
        lambda: _schedule(h).get(series[0].id).status is AppointmentStatus.ATTENDED,
        timeout=WAIT,
    )
    h.records_settled()
    assert [d.client_id for d in records.notes_due(ada)] == [ada]
    h.qtbot.waitUntil(lambda: "(Attended)" in page.grid.blocks[0].text(), timeout=WAIT)
    assert page.buttons["note"].isEnabled() and not page.buttons["move"].isEnabled()

    # next week: reschedule this and the following ones to 11:15
    page.next.click()
    h.qtbot.waitUntil(lambda: page.week is not None and page.week.monday == date(2027, 1, 18))
    h.qtbot.waitUntil(lambda: len(page.grid.blocks) == 1, timeout=WAIT)
    page.grid.blocks[0].click()
    page.buttons["move"].click()
    moving = [w for w in QApplication.topLevelWidgets() if isinstance(w, RescheduleDialog)]
    assert moving and moving[-1].isVisible()
    moving[-1].start.setTime(QTime(11, 15))
    _answer(h, "This and following")
    moving[-1].accept()
    h.qtbot.waitUntil(lambda: "11:15" in page.grid.blocks[0].text(), timeout=WAIT)
    times = [
        a.local_start(_schedule(h).zone).strftime("%H:%M") for a in _schedule(h).for_client(ada)
    ]
    assert times == ["10:00", "11:15", "11:15"]

    # keyboard: Alt+Left goes back a week
    h.window.activateWindow()
    h.qtbot.waitUntil(lambda: QApplication.activeWindow() is h.window)
    h.qtbot.keyClick(page.agenda, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    h.qtbot.waitUntil(lambda: page.week is not None and page.week.monday == date(2027, 1, 11))


def test_what_was_typed_in_the_booking_dialog_survives_a_lock(unlocked: Harness) -> None:
    h = unlocked
    records = clients(h).records.service
    ada = records.create_client(ClientFields(legal_name="Ada Locked"))
    page = _page(h)
    dialog = _open_booking(h, page)
    _tick(dialog, ada)
    dialog.memo.setPlainText("bring the intake forms")
    dialog.start.setTime(QTime(14, 30))
    h.window.lock("manual")
    h.unlock_ok()
    found: list[BookingDialog] = []

    def back() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, BookingDialog) and w.isVisible()
        ]
        return bool(found)

    h.qtbot.waitUntil(back, timeout=WAIT)
    again = found[0]
    assert again.memo.toPlainText() == "bring the intake forms"
    assert again.start.time() == QTime(14, 30) and again.chosen() == (ada,)


def test_home_lists_today_and_the_chart_shows_the_next_appointment(unlocked: Harness) -> None:
    h = unlocked
    records = clients(h).records.service
    ada = records.create_client(ClientFields(legal_name="Ada Today"))
    bo = records.create_client(ClientFields(legal_name="Bo Today"))
    schedule = _schedule(h)
    now = datetime.fromtimestamp(h.clock(), UTC).astimezone(schedule.zone).replace(tzinfo=None)
    (past,) = schedule.book(Booking((ada,), now - timedelta(hours=2), 50))
    schedule.set_status(past, AppointmentStatus.ATTENDED)
    schedule.book(Booking((bo,), now + timedelta(minutes=30), 50))
    schedule.book(Booking((bo,), now + timedelta(days=7), 50))
    h.window.show_view("home")
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    h.qtbot.waitUntil(lambda: len(home.today_schedule.lines) == 2, timeout=WAIT)
    words = [line.words for line in home.today_schedule.lines]
    assert "Ada Today" in words[0] and words[0].endswith("Note due")
    assert "Bo Today" in words[1] and words[1].endswith("Scheduled")
    home.today_schedule.list.itemClicked.emit(home.today_schedule.list.item(1))
    chart = settled(h, clients(h).chart)
    assert chart.client_id == bo
    h.qtbot.waitUntil(lambda: chart.overview.schedule_line.text().startswith("Next:"))
    assert "0 no-shows, 0 late cancels" in chart.overview.schedule_line.text()
    # discharge: asked, then the future is cancelled
    _answer(h, "Cancel them")
    offer_to_cancel_future(chart.overview, clients(h).records, bo)
    h.qtbot.waitUntil(
        lambda: [a.status.value for a in _schedule(h).for_client(bo)] == ["cancelled"] * 2,
        timeout=WAIT,
    )


def test_reminders_never_name_the_client(unlocked: Harness) -> None:
    """Notifications carry no record text (design ui.md), unlocked or locked: the system
    shows them on its lock screen and keeps them in its list."""
    h = unlocked
    records = clients(h).records.service
    ada = records.create_client(ClientFields(legal_name="Ada Reminded"))
    schedule = _schedule(h)
    now = datetime.fromtimestamp(h.clock(), UTC).astimezone(schedule.zone).replace(tzinfo=None)
    schedule.book(Booking((ada,), now + timedelta(minutes=10), 50))
    schedule.book(Booking((ada,), now + timedelta(minutes=60), 50))
    watcher = h.window.reminders
    h.ctx.settings.reminder_minutes = 15
    watcher.tick()
    h.qtbot.waitUntil(lambda: len(watcher.shown) == 1, timeout=WAIT)
    assert watcher.shown[0].startswith("Appointment at ") and "Ada" not in watcher.shown[0]
    assert watcher.shown[0].endswith("(in 10 minutes)")
    assert all("Ada" not in repr(u) for u in watcher.upcoming)  # not even kept in memory
    watcher.open_schedule()  # a clicked reminder
    assert h.window.current_view() == "schedule"
    h.window.lock("manual")
    h.clock.advance(50 * 60)  # the second is now 10 minutes away, the app locked
    watcher.tick()
    assert len(watcher.shown) == 2
    assert "Ada" not in watcher.shown[1] and watcher.shown[1].startswith("Appointment at ")
    watcher.tick()
    assert len(watcher.shown) == 2  # once each


def test_settings_set_working_hours_and_reminders(unlocked: Harness) -> None:
    h = unlocked
    h.window.show_view("settings")
    panel = h.window.pages["settings"]
    group = panel.schedule  # type: ignore[attr-defined]
    group.reminder.setValue(10)
    group.starts.setValue(7)
    group.ends.setValue(7)  # not after the start: refused next to the field
    assert not panel.forms.save()  # type: ignore[attr-defined]
    note = group.notes[group.ends]
    assert note.isVisibleTo(group) and "end after they start" in note.text()
    assert h.ctx.settings.reminder_minutes != 10  # nothing saved
    group.ends.setValue(8)
    save_settings(h)
    assert (h.ctx.settings.reminder_minutes, h.ctx.settings.work_starts) == (10, 7)
    assert h.ctx.settings.work_ends == 8
    page = _page(h)
    page.refresh()
    h.qtbot.waitUntil(lambda: page.grid.first_hour == 7, timeout=WAIT)


def test_a_reschedule_in_another_week_survives_a_lock(unlocked: Harness) -> None:
    h = unlocked
    records = clients(h).records.service
    ada = records.create_client(ClientFields(legal_name="Ada Moving"))
    (later,) = _schedule(h).book(Booking((ada,), datetime(2027, 2, 3, 9, 0), 50))
    page = _page(h)
    page.next.click()
    page.show_week_then(date(2027, 2, 1), lambda: None)
    h.qtbot.waitUntil(lambda: page.week is not None and page.week.monday == date(2027, 2, 1))
    dialog = page.reschedule(page.appointment(later))  # type: ignore[arg-type]
    assert dialog is not None
    dialog.start.setTime(QTime(13, 45))
    h.window.lock("manual")
    h.unlock_ok()
    found: list[RescheduleDialog] = []

    def back() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, RescheduleDialog) and w.isVisible()
        ]
        return bool(found)

    h.qtbot.waitUntil(back, timeout=WAIT)
    page = h.window.pages["schedule"]  # type: ignore[assignment]
    assert found[0].start.time() == QTime(13, 45)
    assert page.week is not None and page.week.monday == date(2027, 2, 1)


def test_enter_on_a_block_opens_the_chart_and_write_note_the_note(unlocked: Harness) -> None:
    h = unlocked
    records = clients(h).records.service
    ada = records.create_client(ClientFields(legal_name="Ada Keyboard"))
    schedule = _schedule(h)
    (aid,) = schedule.book(Booking((ada,), datetime(2027, 1, 12, 9, 0), 50))
    page = _page(h)
    h.qtbot.waitUntil(lambda: page.grid.block(aid) is not None, timeout=WAIT)
    block = page.grid.block(aid)
    assert block is not None
    h.qtbot.keyClick(block, Qt.Key.Key_Return)
    chart = settled(h, clients(h).chart)
    assert chart.client_id == ada and h.window.current_view() == "clients"
    schedule.set_status(aid, AppointmentStatus.ATTENDED)
    page = _page(h)
    page.refresh()
    h.qtbot.waitUntil(lambda: "(Attended)" in page.grid.blocks[0].text(), timeout=WAIT)
    page.choose(aid)
    page.buttons["note"].click()
    h.qtbot.waitUntil(lambda: h.window.current_view() == "clients", timeout=WAIT)
    h.qtbot.waitUntil(lambda: clients(h).chart is not None, timeout=WAIT)
    chart = settled(h, clients(h).chart)
    assert chart.client_id == ada


@pytest.mark.parametrize("which", list(SIZES))
def test_the_schedule_pages_buttons_are_not_cut(unlocked: Harness, which: str) -> None:
    h = unlocked
    records = clients(h).records.service
    ada = records.create_client(ClientFields(legal_name="Philippa Wetherington-Smythe"))
    (aid,) = _schedule(h).book(Booking((ada,), datetime(2027, 1, 13, 9, 0), 50))
    page = _page(h)
    _size(h, which)
    h.qtbot.waitUntil(lambda: page.grid.block(aid) is not None, timeout=WAIT)
    page.choose(aid)
    QApplication.processEvents()
    blocks = {b.text() for b in page.grid.blocks}  # a block shows what fits; its tooltip all
    assert [t for t in _cut_buttons(page) if t not in blocks] == []
    block = page.grid.block(aid)
    assert block is not None and block.toolTip() == "09:00 Philippa Wetherington-Smythe"
