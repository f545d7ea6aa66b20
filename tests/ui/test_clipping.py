"""No clipped text where it can be measured (issue 12), at 1280x800 and at the window's
smallest size: the note list's state column and the psychotherapy list, the Sessions
tab's service column, an empty note's prompts, Search's filters, the records-request
form's labels. Each check compares the text's advance in the widget's own font with the
room the widget gives it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionComboBox,
    QTableView,
    QWidget,
)

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.enums import Modality
from therapynotes.domain.models import ClientFields
from therapynotes.ui.chart_pdf import ChartPdfDialog
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.search_view import SearchView

TEXT_MARGIN = 6  # Fusion draws a cell's text 3 px in from each side
SIZES = {"1280x800": QSize(1280, 800), "smallest": QSize(0, 0)}


def _size(h: Harness, which: str) -> None:
    size = SIZES[which]
    h.window.resize(size if size.width() else h.window.minimumSize())
    QApplication.processEvents()


def _chart(h: Harness) -> ClientChartView:
    h.window.show_view("clients")
    page = clients(h)
    service = page.records.service
    client = service.create_client(ClientFields(legal_name="Philippa Wetherington-Smythe"))
    start = datetime.fromtimestamp(h.clock(), UTC) - timedelta(days=3)
    sid = service.log_session(
        [client],
        starts_at=start,
        ends_at=start + timedelta(minutes=60),
        service_code="90837",  # the longest service description
        modality=Modality.IN_PERSON,
    )
    late = service.start_note(client, "soap", session_id=sid, sections={"subjective": "x"})
    service.sign_note(late)  # late entry, with an addendum: the longest state
    service.add_addendum(late, "one more thing")
    service.start_note(client, "intake", sections={})
    service.start_note(client, "psychotherapy", sections={"process": "x"})
    page.list.refresh()
    chart = settled(h, page.open_client(client))
    chart.show_notes()
    chart.notes.private_toggle.setChecked(True)  # the private list loads on the worker
    worker_done()
    QApplication.processEvents()
    return chart


def _clipped_cells(table: QTableView, *, in_view: bool) -> list[str]:
    model, header = table.model(), table.horizontalHeader()
    found = []
    for column in range(model.columnCount()):
        if header.isSectionHidden(column):
            continue
        texts = [str(model.headerData(column, Qt.Orientation.Horizontal))]
        texts += [str(model.index(r, column).data()) for r in range(model.rowCount())]
        room = header.sectionSize(column) - TEXT_MARGIN
        found += [t for t in texts if header.fontMetrics().horizontalAdvance(t) > room]
        if in_view:
            end = header.sectionViewportPosition(column) + header.sectionSize(column)
            if end > table.viewport().width():
                found.append(f"{texts[0]} (outside the list)")
    return found


@pytest.mark.parametrize("which", list(SIZES))
def test_note_lists_and_session_services_are_not_cut(unlocked: Harness, which: str) -> None:
    chart = _chart(unlocked)
    _size(unlocked, which)
    notes = chart.notes
    assert notes.model.rowCount() == 2 and notes.private_model.rowCount() == 1
    # At 1280x800 the whole note list shows; at the smallest size it may scroll sideways,
    # but no column is cut short ("Signe…").
    in_view = which == "1280x800"
    assert _clipped_cells(notes.table, in_view=in_view) == []
    assert _clipped_cells(notes.private_table, in_view=in_view) == []
    chart.tabs.setCurrentWidget(chart.sessions)
    QApplication.processEvents()
    assert chart.sessions.model.rowCount() == 1
    assert _clipped_cells(chart.sessions.table, in_view=False) == []


@pytest.mark.parametrize("which", list(SIZES))
def test_an_empty_note_shows_its_whole_prompts(unlocked: Harness, which: str) -> None:
    chart = _chart(unlocked)
    _size(unlocked, which)
    notes = chart.notes
    private = notes.private_model.rows[0]
    for row in (*notes.model.rows, private):
        if row.state.value != "draft":
            continue
        notes.open_note(row.id)
        worker_done()
        QApplication.processEvents()
        for section in notes.editor.editors.values():
            if section.toPlainText():
                continue
            margin = int(section.document().documentMargin())
            room = section.viewport().rect().adjusted(margin, margin, -margin, -margin)
            wrapped = section.fontMetrics().boundingRect(
                QRect(0, 0, room.width(), 100_000),
                int(Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                section.placeholderText(),
            )
            assert wrapped.height() <= room.height(), section.accessibleName()


def _combo_room(combo: QWidget) -> int:
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)  # type: ignore[attr-defined]
    return (
        combo.style()
        .subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
        )
        .width()
    )


@pytest.mark.parametrize("which", list(SIZES))
def test_search_filters_are_not_cut(unlocked: Harness, which: str) -> None:
    _size(unlocked, which)
    unlocked.window.show_view("search")
    search = unlocked.window.pages["search"]
    assert isinstance(search, SearchView)
    unlocked.qtbot.waitUntil(lambda: search.client.count() > 0, timeout=20000)
    QApplication.processEvents()
    for combo in (search.client, search.kind):
        text = combo.currentText()
        assert combo.fontMetrics().horizontalAdvance(text) <= _combo_room(combo), text
    for widget in (search.private, search.since, search.until):
        assert widget.width() >= widget.sizeHint().width(), widget.accessibleName()
        assert widget.geometry().right() <= search.width(), widget.accessibleName()


def test_records_request_labels_are_not_cut(unlocked: Harness) -> None:
    dialog = ChartPdfDialog(today=date(2026, 12, 4), action="Save as PDF…", parent=unlocked.window)
    dialog.show()
    QApplication.processEvents()
    form = dialog.findChild(QFormLayout)
    assert form is not None
    checked = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if not isinstance(label, QLabel) or not label.text():
            continue
        text = label.text().replace("&", "")
        # A mnemonic breaks the kerning after the underlined letter: letter by letter.
        letters = sum(label.fontMetrics().horizontalAdvance(c) for c in text)
        assert letters <= label.contentsRect().width(), text
        checked.append(text)
    assert checked == ["From", "To"]
    dialog.close()


def _cut_buttons(root: QWidget) -> list[str]:
    """Visible buttons and checkboxes narrower than their text, or reaching past the
    window's edge."""
    window = root.window()
    cut = []
    for button in root.findChildren(QPushButton) + root.findChildren(QCheckBox):
        if not button.isVisible():
            continue
        corner = button.mapTo(window, button.rect().bottomRight())
        if button.width() < button.sizeHint().width() or corner.x() > window.width():
            cut.append(button.text())
    return cut


@pytest.mark.parametrize("which", list(SIZES))
def test_chart_buttons_are_not_cut(unlocked: Harness, which: str) -> None:
    chart = _chart(unlocked)
    _size(unlocked, which)
    notes = chart.notes
    signed = next(r for r in notes.model.rows if r.state.value == "signed")
    notes.open_note(signed.id)
    worker_done()
    QApplication.processEvents()
    assert notes.editor.note is not None
    assert _cut_buttons(chart) == []
    chart.tabs.setCurrentWidget(chart.sessions)
    QApplication.processEvents()
    assert _cut_buttons(chart) == []
