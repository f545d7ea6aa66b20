"""Issue 18: opening, signing, voiding a note (and its addendum), opening an attachment
and saving a copy of it run on the one database worker, end to end on a real vault. While
the worker is busy the UI thread stays free (the call returns at once and the screen
keeps what it shows), the answer lands when the work is done, the UI thread never takes
the session's database lock nor runs the service method, nothing typed is lost, and a
slow answer for an earlier choice never replaces the note chosen since."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialog, QWidget

from tests.ui.conftest import Harness
from tests.ui.test_off_ui_thread import (
    RecordingLock,
    ThreadLog,
    _client_with_chart,
    _error_text,
    _records,
    _spy,
    worker_held,
)
from tests.ui.waits import worker_done
from therapynotes import app
from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.records_errors import NoteSigned
from therapynotes.ui import attachment_viewer
from therapynotes.ui.chart_tabs import attachments as attachments_tab
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.errors import user_message
from therapynotes.ui.note_editor import NoteEditorWidget


@pytest.fixture
def log(unlocked: Harness, monkeypatch: pytest.MonkeyPatch) -> ThreadLog:
    """Who takes the session's lock through the UI's records door, and runs what."""
    found = ThreadLog()
    records = _records(unlocked)
    monkeypatch.setattr(records, "_lock", RecordingLock(records._lock, found))
    return found


def _notes(h: Harness) -> tuple[ClientId, ClientChartView, NoteId, NoteId]:
    """A chart with a draft and a signed note, its Notes tab showing."""
    client, chart = _client_with_chart(h)
    service = _records(h).service
    draft = service.start_note(client, "freeform", sections={"text": "draft words"})
    signed = service.start_note(client, "freeform", sections={"text": "signed words"})
    service.sign_note(signed)
    chart.refresh()
    chart.show_notes()
    worker_done()
    return client, chart, draft, signed


def _open(chart: ClientChartView, note_id: NoteId) -> NoteEditorWidget:
    chart.notes.open_note(note_id)
    worker_done()
    editor = chart.notes.editor
    assert editor.note is not None and editor.note.id == note_id
    return editor


def _text(editor: NoteEditorWidget) -> str:
    return next(iter(editor.editors.values())).toPlainText()


def _selected_note(chart: ClientChartView) -> NoteId | None:
    rows = chart.notes.table.selectionModel().selectedRows()
    row = chart.notes.model.row_at(rows[0]) if rows else None
    return row.id if row is not None else None


def test_opening_a_note_reads_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, chart, _draft, signed = _notes(h)
    _spy(monkeypatch, log, _records(h).service, "get_note")
    log.seen.clear()
    editor = chart.notes.editor
    with worker_held(h):
        chart.notes.open_note(signed)  # returns at once: the worker is busy
        assert editor.note is None and editor.title.text() == "No note open"
    worker_done()
    assert editor.note is not None and editor.note.id == signed
    assert _text(editor) == "signed words" and _selected_note(chart) == signed
    for name in ("get_note", "db_lock"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_starting_a_note_writes_on_the_worker_then_opens_it(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    client, chart, draft, _signed = _notes(h)
    editor = _open(chart, draft)  # (a draft reads the spelling and snippet lists once)
    service = _records(h).service
    _spy(monkeypatch, log, service, "start_note")
    log.seen.clear()
    with worker_held(h):
        chart.notes.start_note("soap", None)  # returns at once: the worker is busy
        assert editor.note is not None and editor.note.id == draft
    worker_done()
    assert editor.note is not None and editor.note.template == "soap"
    assert editor.note.client_id == client and editor.note.state is NoteState.DRAFT
    assert editor.note.id in {n.id for n in service.open_chart(client).notes}
    for name in ("start_note", "db_lock"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_a_slow_answer_for_an_earlier_choice_never_replaces_the_current_one(
    unlocked: Harness,
) -> None:
    h = unlocked
    _client, chart, draft, signed = _notes(h)
    editor = chart.notes.editor
    with worker_held(h):
        chart.notes.open_note(draft)
        chart.notes.open_note(signed)  # chosen after: this one shows
    worker_done()
    assert editor.note is not None and editor.note.id == signed
    assert _text(editor) == "signed words" and _selected_note(chart) == signed
    with worker_held(h):
        chart.notes.open_note(signed)
        chart.notes.open_note(draft)
    worker_done()
    assert editor.note is not None and editor.note.id == draft
    assert _text(editor) == "draft words" and _selected_note(chart) == draft


def test_text_typed_while_another_note_opens_is_saved_not_lost(unlocked: Harness) -> None:
    h = unlocked
    _client, chart, draft, signed = _notes(h)
    editor = _open(chart, draft)
    box = next(iter(editor.editors.values()))
    box.setPlainText("typed before")
    with worker_held(h):
        chart.notes.open_note(signed)
        box.setPlainText("typed before, and while it opened")  # still on screen, editable
        assert editor.note is not None and editor.note.id == draft and editor.dirty
    worker_done()
    assert editor.note is not None and editor.note.id == signed
    saved = _records(h).service.get_note(draft).sections
    assert next(iter(saved.values())) == "typed before, and while it opened"


def test_signing_saves_what_was_typed_and_signs_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, chart, draft, _signed = _notes(h)
    editor = _open(chart, draft)
    next(iter(editor.editors.values())).setPlainText("the last words typed")
    service = _records(h).service
    for name in ("sign_note", "save_draft"):
        _spy(monkeypatch, log, service, name)
    log.seen.clear()
    with worker_held(h):
        dialog = editor.sign()
        assert dialog is not None
        dialog.accept()
        assert all(e.isReadOnly() for e in editor.editors.values())  # what gets signed
        assert editor.note is not None and editor.note.state is NoteState.DRAFT
    worker_done()
    assert editor.note is not None and editor.note.state is NoteState.SIGNED
    assert editor.state.text().startswith("Signed ")
    note = service.get_note(draft)
    assert note.state is NoteState.SIGNED
    assert next(iter(note.sections.values())) == "the last words typed"
    for name in ("save_draft", "sign_note", "db_lock"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_a_refused_sign_gives_the_note_back_to_edit(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, chart, draft, _signed = _notes(h)
    editor = _open(chart, draft)
    next(iter(editor.editors.values())).setPlainText("kept when signing fails")
    service = _records(h).service

    def refuse(_note_id: NoteId) -> None:
        raise NoteSigned

    monkeypatch.setattr(service, "sign_note", refuse)
    dialog = editor.sign()
    assert dialog is not None
    dialog.accept()
    worker_done()
    assert _error_text(editor) == user_message(NoteSigned())
    assert editor.note is not None and editor.note.state is NoteState.DRAFT
    assert not any(e.isReadOnly() for e in editor.editors.values())
    assert _text(editor) == "kept when signing fails"
    saved = service.get_note(draft).sections  # saved before the refused signature
    assert next(iter(saved.values())) == "kept when signing fails"


def test_addendum_and_void_write_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, chart, _draft, signed = _notes(h)
    editor = _open(chart, signed)
    service = _records(h).service
    for name in ("add_addendum", "void_note"):
        _spy(monkeypatch, log, service, name)
    addendum = editor.add_addendum()  # (its spelling settings are read once, here)
    assert addendum is not None
    addendum.editor.setPlainText("A later correction.")
    log.seen.clear()
    with worker_held(h):
        addendum.accept()
        assert "addendum" not in editor.state.text()
    worker_done()
    assert "1 addendum" in editor.state.text()
    void = editor.void()
    assert void is not None
    void.editor.setPlainText("wrong chart")
    void.understood.setChecked(True)
    with worker_held(h):
        void.ok.click()
        assert editor.state.text() != "Voided"
    worker_done()
    assert editor.state.text() == "Voided"
    note = service.get_note(signed)
    assert note.void_reason == "wrong chart" and note.addenda[0].text == "A later correction."
    for name in ("add_addendum", "void_note", "db_lock"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_a_refused_void_brings_the_reason_back(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = unlocked
    _client, chart, _draft, signed = _notes(h)
    editor = _open(chart, signed)

    def refuse(_note_id: NoteId, _reason: str) -> None:
        raise NoteSigned

    monkeypatch.setattr(_records(h).service, "void_note", refuse)
    void = editor.void()
    assert void is not None
    void.editor.setPlainText("the reason typed")
    void.understood.setChecked(True)
    void.ok.click()
    worker_done()
    assert _error_text(editor) == user_message(NoteSigned())
    again = [d for d in editor.findChildren(QDialog) if d.isVisible() and d is not void]
    assert any(getattr(d, "reason", lambda: "")() == "the reason typed" for d in again)


def _png() -> bytes:
    image = QImage(32, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def test_opening_and_saving_an_attachment_run_on_the_worker(
    unlocked: Harness, log: ThreadLog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    h = unlocked
    client, chart = _client_with_chart(h)
    data = _png()
    _records(h).service.add_attachment(
        client, filename="scan.png", media_type="image/png", data=data
    )
    chart.refresh()
    worker_done()
    tab = chart.attachments
    chart.tabs.setCurrentWidget(tab)
    tab.table.selectRow(0)
    for module in (attachment_viewer, attachments_tab):
        for name in ("load_attachment", "save_attachment_copy"):
            monkeypatch.setattr(module, name, log.wrap(name, getattr(module, name)))
    decode = log.wrap("prepare", attachment_viewer.prepare)  # the image, decoded off it too
    monkeypatch.setattr(attachment_viewer, "prepare", decode)
    log.seen.clear()

    def viewers() -> list[QDialog]:
        return [d for d in tab.findChildren(QDialog) if d.isVisible()]

    with worker_held(h):
        tab.open_selected()  # returns at once: the worker is busy
        assert viewers() == []
    worker_done()
    assert len(viewers()) == 1
    viewers()[0].close()

    target = tmp_path / "copy.png"

    class Chosen:
        @staticmethod
        def getSaveFileName(*_args: object) -> tuple[str, str]:  # noqa: N802 - Qt's name
            return str(target), ""

    monkeypatch.setattr(attachments_tab, "QFileDialog", Chosen)
    with worker_held(h):
        tab.save_copy()
        assert not target.exists()
    worker_done()
    assert target.read_bytes() == data
    for name in ("load_attachment", "prepare", "save_attachment_copy"):
        assert log.seen[name] and not log.on_ui_thread(name), name


def test_big_attachments_show_progress_while_the_worker_moves_them(
    unlocked: Harness, tmp_path: Path
) -> None:
    """A file of TransferStatus.BIG bytes or more shows a bar that the worker's chunks
    move forward while it is stored, opened and read for a copy, and that is hidden when
    the last chunk is done; a small file never shows it. The bytes come back exact."""
    h = unlocked
    client, chart = _client_with_chart(h)
    tab = chart.attachments
    chart.tabs.setCurrentWidget(tab)
    big = bytes(range(256)) * (5 * 4096) + b"tail"  # 5 MiB and 4 bytes: six chunks
    assert len(big) >= attachments_tab.TransferStatus.BIG
    seen: list[tuple[int, int, bool, int]] = []
    tab.status.progress.moved.connect(  # after the bar's own slot, so it sees the result
        lambda step: seen.append((*step, tab.status.isVisible(), tab.status.bar.value()))
    )

    def moved(expect_bar: bool) -> None:
        h.qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] == seen[-1][1], timeout=20000)
        assert [s[0] for s in seen] == sorted(s[0] for s in seen)
        assert len(seen) > 1 or not expect_bar
        assert [s[2] for s in seen[:-1]] == [expect_bar] * (len(seen) - 1)
        assert not seen[-1][2] and seen[-1][3] == 100
        assert [s[3] for s in seen] == sorted(s[3] for s in seen)
        seen.clear()

    path = tmp_path / "scanned-records.pdf"
    path.write_bytes(big)
    tab.add_path(path)
    moved(expect_bar=True)
    h.qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=20000)
    assert tab.status.label.text() == "Storing scanned-records.pdf in the vault…"
    tab.table.selectRow(0)
    opened: list[QDialog] = []
    tab.open_selected()
    moved(expect_bar=True)
    h.qtbot.waitUntil(lambda: bool(_viewers(tab, opened)), timeout=20000)
    viewer = opened[0]
    assert isinstance(viewer, attachment_viewer.AttachmentViewerDialog)
    assert b"".join(viewer._data) == big
    viewer.close()
    target = tmp_path / "copy.pdf"

    class Chosen:
        @staticmethod
        def getSaveFileName(*_args: object) -> tuple[str, str]:  # noqa: N802 - Qt's name
            return str(target), ""

    real, attachments_tab.QFileDialog = attachments_tab.QFileDialog, Chosen  # type: ignore[misc]
    try:
        tab.save_copy()
        moved(expect_bar=True)
        h.qtbot.waitUntil(target.exists, timeout=20000)
    finally:
        attachments_tab.QFileDialog = real  # type: ignore[misc]
    assert target.read_bytes() == big
    worker_done()
    assert not tab.status.isVisible()

    small = tmp_path / "letter.pdf"
    small.write_bytes(b"%PDF-1.4 small")
    tab.add_path(small)
    moved(expect_bar=False)
    h.qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=20000)


def _viewers(tab: QWidget, into: list[QDialog]) -> list[QDialog]:
    into[:] = [d for d in tab.findChildren(QDialog) if d.isVisible()]
    return into


def test_app_start_sets_a_short_gil_switch_interval() -> None:
    """CPython's 5 ms default let a worker in Python hold the UI thread back (issue 18)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        app.make_application()
        assert sys.getswitchinterval() == pytest.approx(app.SWITCH_INTERVAL_S)
        assert app.SWITCH_INTERVAL_S <= 0.002
    finally:
        sys.setswitchinterval(before)
