"""Outcome measures on real widgets over a real vault: giving a measure from the chart
(full screen, nothing of the record on it, scored and stored), the item-9 banner at once,
in the Overview and on Home until addressed (audited), the form back after an idle lock,
inserting a score into the note in one click, and the trend chart drawn (not blank, every
band's shade present) in light and dark."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QDialog

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain import measures as defs
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.services.measures import MeasuresService
from therapynotes.store import audit
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.home_view import HomePage
from therapynotes.ui.measures.banner import AddressDialog, RiskBanner
from therapynotes.ui.measures.form import MeasureForm
from therapynotes.ui.measures.panel import ResultDialog
from therapynotes.ui.measures.trend import (
    Colours,
    Point,
    TrendChart,
    band_areas,
    layout_for,
    paint_trend,
)
from therapynotes.ui.records_access import day

NAME = "Wren Questionnaire"


def _chart(h: Harness) -> tuple[ClientChartView, ClientId]:
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name=NAME))
    page.list.refresh()
    return settled(h, page.open_client(client)), client


def _measures(h: Harness) -> MeasuresService:
    service = clients(h).records.service
    return MeasuresService(service.session, clock=service.clock)


def _visible(kind: type) -> list:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def _answer(form: MeasureForm, answers: list[int]) -> None:
    for group, value in zip(form.groups, answers, strict=True):
        group.button(value).click()


def test_give_a_measure_full_screen_scored_and_flagged_at_once(unlocked: Harness) -> None:
    h = unlocked
    chart, client = _chart(h)
    panel = chart.overview.measures
    form = panel.give("PHQ-9")
    assert form is not None and form.isVisible()
    assert form.windowState() & Qt.WindowState.WindowFullScreen
    assert form.windowTitle() == "Questionnaire"
    shown = " ".join(w.text() for w in form.findChildren(type(form.progress)))
    assert "Wren" not in shown and NAME not in form.windowTitle()  # nothing of the record
    assert defs.PHQ9.items[8] in shown and "No permission required" in shown
    assert not form.save_button.isEnabled()
    _answer(form, [2, 2, 2, 1, 1, 1, 1, 0, 1][:8] + [0])
    form.groups[8].button(1).click()  # item 9: several days
    assert form.save_button.isEnabled()
    form.save_button.click()
    h.qtbot.waitUntil(lambda: bool(_visible(ResultDialog)), timeout=20000)
    result = _visible(ResultDialog)[0]
    assert "Score 11, moderate" in " ".join(
        w.text() for w in result.findChildren(type(form.progress))
    )
    assert result.findChild(RiskBanner) is not None  # flagged at once
    [stored] = _measures(h).history(client)
    assert stored.answers == (2, 2, 2, 1, 1, 1, 1, 0, 1) and stored.total == 11
    result.accept()
    # the Overview: a coloured banner until addressed
    h.qtbot.waitUntil(lambda: len(panel.risk_banners) == 1, timeout=20000)
    banner = panel.risk_banners[0]
    colour = banner.palette().color(QPalette.ColorRole.Window)
    assert colour.red() > 150 and colour.green() < 80  # red, not plain text
    assert "item 9" in banner.label.text() and "Several days" in banner.label.text()
    assert "PHQ-9 11, moderate" in panel.latest.text()


def test_item9_banner_on_home_until_addressed_with_an_audited_note(unlocked: Harness) -> None:
    h = unlocked
    chart, client = _chart(h)
    _measures(h).record(client, "PHQ-9", [0] * 8 + [2])
    chart.refresh()
    panel = chart.overview.measures
    h.qtbot.waitUntil(lambda: len(panel.risk_banners) == 1, timeout=20000)
    h.window.show_view("home")
    home = h.window.pages["home"]
    assert isinstance(home, HomePage)
    home.refresh()
    h.qtbot.waitUntil(lambda: len(home.risks.banners) == 1, timeout=20000)
    assert home.risks.banners[0].label.text().startswith(f"\u26a0  {NAME}: Safety")
    home.risks.banners[0].button.click()  # to the chart's Overview
    chart = settled(h, clients(h).chart)
    assert chart.client_id == client and chart.tabs.currentWidget() is chart.overview
    panel = chart.overview.measures
    h.qtbot.waitUntil(lambda: len(panel.risk_banners) == 1, timeout=20000)
    dialog = panel.address(panel.history[0].id)
    assert isinstance(dialog, AddressDialog) and not dialog.ok.isEnabled()
    dialog.editor.setPlainText("Risk assessed: no plan or intent. Safety plan reviewed.")
    dialog.ok.click()
    h.qtbot.waitUntil(
        lambda: not panel.risk_banners and bool(panel.history) and not panel.history[0].risk_open,
        timeout=20000,
    )
    h.records_settled()
    assert not panel.history[0].risk_open
    entries = audit.entries(clients(h).records.service.conn)
    edited = [
        e for e in entries if e.kind == "record.edited" and e.detail.get("record") == "measure"
    ]
    assert edited and edited[-1].detail["fields"] == ["addressed"]
    assert "Safety plan" not in repr(edited[-1].detail)
    h.window.show_view("home")
    home.refresh()
    h.records_settled()
    h.qtbot.waitUntil(lambda: not home.risks.banners, timeout=20000)
    assert not home.risks.isVisible()


def test_form_comes_back_after_an_idle_lock(unlocked: Harness) -> None:
    h = unlocked
    chart, client = _chart(h)
    form = chart.overview.measures.give("GAD-7")
    assert form is not None
    _answer(form, [1, 2, 3, 0, 1, 2, 0])
    h.records_settled()
    h.clock.advance(h.window.idle.timeout_seconds + 1)
    h.window.idle.tick()  # left idle: back to the lock screen
    assert h.window.session is None
    h.flush_deletes()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog)]
    h.unlock_ok()
    h.qtbot.waitUntil(lambda: len(_visible(MeasureForm)) == 1, timeout=20000)
    back = _visible(MeasureForm)[0]
    assert back.definition.id == "GAD-7" and back.answers() == [1, 2, 3, 0, 1, 2, 0]
    back.save_button.click()
    h.qtbot.waitUntil(lambda: bool(_visible(ResultDialog)), timeout=20000)
    assert [r.total for r in _measures(h).history(client)] == [9]


def test_insert_a_score_into_the_note_in_one_click(unlocked: Harness) -> None:
    h = unlocked
    chart, client = _chart(h)
    measures = _measures(h)
    measures.record(client, "PHQ-9", [3, 3, 3, 2, 2, 2, 2, 2, 0], given_on="2026-11-05")
    service = clients(h).records.service
    note_id = service.start_note(client, "soap", sections={"subjective": "Reports better sleep."})
    chart.refresh()
    settled(h, chart)
    chart.show_notes(note_id)
    worker_done()
    editor = chart.notes.editor
    h.qtbot.waitUntil(lambda: editor.note is not None and editor.note.id == note_id, timeout=20000)
    assert editor.measures.button.isVisible() or not editor.isVisible()
    section = editor.editors["subjective"]
    section.setFocus()
    cursor = section.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    section.setTextCursor(cursor)
    editor.measures._remember_target()
    editor.measures.give("PHQ-9")
    forms = _visible(MeasureForm)
    assert len(forms) == 1
    _answer(forms[0], [2, 2, 2, 2, 2, 2, 1, 1, 0])
    forms[0].save_button.click()
    h.qtbot.waitUntil(lambda: bool(_visible(ResultDialog)), timeout=20000)
    result = _visible(ResultDialog)[0]
    assert result.ok.text() == "Insert into note"
    result.ok.click()  # the one click
    today = day(_measures(h).history(client)[-1].given_on)
    assert section.toPlainText() == (
        f"Reports better sleep.\nPHQ-9 14, moderate, {today}; was 19 on 5 Nov 2026\n"
    )
    h.qtbot.waitUntil(lambda: not editor.dirty, timeout=20000)  # autosaved like typing
    saved = service.get_note(note_id).sections["subjective"]
    assert "PHQ-9 14, moderate" in saved


def _band_present(image: QImage, area: QRectF, colour: QColor) -> bool:
    """Most pixels along the band's middle line carry its shade."""
    y = int(area.center().y())
    xs = range(int(area.left()) + 2, int(area.right()) - 2, 3)
    hits = sum(image.pixelColor(QPoint(x, y)).rgb() == colour.rgb() for x in xs)
    return hits > len(xs) * 0.3


def test_trend_chart_renders_bands_points_light_and_dark(qtbot) -> None:  # type: ignore[no-untyped-def]
    for dark in (False, True):
        chart = TrendChart()
        qtbot.addWidget(chart)
        palette = chart.palette()
        if dark:
            palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
            palette.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
        chart.setPalette(palette)
        chart.resize(700, 300)
        points = [Point("2026-09-01", 19), Point("2026-10-01", 12), Point("2026-11-01", 7)]
        chart.show_points(defs.PHQ9, points, ["2026-09-01", "2026-09-08", "2026-10-01"])
        image = chart.render_image()
        colours = Colours.from_palette(chart.palette())
        assert colours.dark is dark
        assert len({image.pixel(x, y) for x in range(0, 700, 7) for y in range(0, 300, 7)}) > 8
        painter = QPainter(image)
        layout = paint_trend(painter, QRectF(image.rect()), defs.PHQ9, points, colours=colours)
        painter.end()
        areas = band_areas(layout, defs.PHQ9, colours)
        assert [a[2] for a in areas] == [b.label for b in defs.PHQ9.bands]
        for area, colour, label in areas:
            assert _band_present(image, area, colour), (label, dark)
        assert len({c.rgb() for _, c, _ in areas}) == 5
        # the score line is drawn: the line colour appears
        assert any(
            image.pixelColor(QPoint(x, y)).rgb() == colours.line.rgb()
            for x in range(0, 700, 2)
            for y in range(0, 300, 2)
        )
    pcl = band_areas(layout_for_pcl(), defs.PCL5, Colours.paper())
    assert [a[2] for a in pcl] == ["above threshold"]


def layout_for_pcl():  # type: ignore[no-untyped-def]
    return layout_for(QRectF(0, 0, 600, 300), defs.PCL5, [Point("2026-10-01", 40)], [])


def test_a_failed_save_keeps_the_form_open_with_every_answer(unlocked: Harness) -> None:
    from therapynotes.services.retention import RetentionService  # noqa: PLC0415

    h = unlocked
    chart, client = _chart(h)
    form = chart.overview.measures.give("GAD-7")
    assert form is not None
    _answer(form, [3, 3, 3, 3, 3, 3, 3])
    service = clients(h).records.service
    RetentionService(service.session, clock=service.clock).purge(
        client, before_retention_date="the chart was opened by mistake"
    )
    form.save_button.click()
    h.qtbot.waitUntil(lambda: "No client has that id" in form.message.text(), timeout=20000)
    assert form.isVisible() and form.answers() == [3] * 7 and form.save_button.isEnabled()
    assert not _visible(ResultDialog)


def test_measures_buttons_are_not_cut_at_the_smallest_window(unlocked: Harness) -> None:
    from tests.ui.test_clipping import _cut_buttons  # noqa: PLC0415

    h = unlocked
    chart, client = _chart(h)
    _measures(h).record(client, "PHQ-9", [1] * 9)
    service = clients(h).records.service
    note_id = service.start_note(client, "soap", sections={"subjective": "x"})
    chart.refresh()
    settled(h, chart)
    h.window.resize(h.window.minimumSize())
    QApplication.processEvents()
    chart.tabs.setCurrentWidget(chart.overview)
    panel = chart.overview.measures
    h.qtbot.waitUntil(lambda: len(panel.risk_banners) == 1, timeout=20000)
    QApplication.processEvents()
    assert _cut_buttons(chart) == []
    chart.show_notes(note_id)
    worker_done()
    editor = chart.notes.editor
    h.qtbot.waitUntil(lambda: editor.note is not None and editor.note.id == note_id, timeout=20000)
    QApplication.processEvents()
    assert editor.measures.button.isVisible()
    assert _cut_buttons(chart) == []
