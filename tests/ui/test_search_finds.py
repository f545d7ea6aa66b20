"""The search view finds what people type (issue 18): "First 50 of N" with Show more and
sort by date, prefixes and diagnosis words, a type-ahead client filter, and a hit opened
in its chart scrolled to and highlighted at the words found."""

from __future__ import annotations

import pytest

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.store import search
from therapynotes.ui.search_view import LIMIT, SearchView

WAIT = 20000


def _service(h: Harness) -> RecordsService:
    return clients(h).records.service


def _signed(h: Harness, client: ClientId, text: str, day: str | None = None) -> int:
    service = _service(h)
    note = service.start_note(client, "freeform", service_date=day, sections={"text": text})
    service.sign_note(note)
    return int(note)


def _view(h: Harness) -> SearchView:
    h.window.show_view("search")
    view = h.window.pages["search"]
    assert isinstance(view, SearchView)
    return view


def _search(h: Harness, view: SearchView, text: str, rows: int) -> None:
    view.model.clear()  # so the wait below is for this query's answer
    view.field.setText(text)
    view.run_search()
    h.qtbot.waitUntil(lambda: view.model.rowCount() == rows, timeout=WAIT)


def _column(view: SearchView, column: int) -> list[str]:
    return [view.model.index(r, column).data() for r in range(view.model.rowCount())]


def test_a_count_stopped_at_the_cap_says_more_than(
    unlocked: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past store.search.COUNT_CAP matches a page stops counting: the view says "more
    than" that many and still offers Show more."""
    monkeypatch.setattr(search, "COUNT_CAP", 20)
    ada = _service(unlocked).create_client(ClientFields(legal_name="Ada Many"))
    for i in range(LIMIT + 3):
        _signed(unlocked, ada, f"Rumination again {i}")
    view = _view(unlocked)
    _search(unlocked, view, "rumination", LIMIT)
    assert view.status.text().startswith(f"First {LIMIT} of more than {LIMIT} results")
    assert view.more.isVisibleTo(view)
    view.more.click()
    unlocked.qtbot.waitUntil(lambda: view.model.rowCount() == LIMIT + 3, timeout=WAIT)
    assert view.status.text().startswith(f"{LIMIT + 3} results.")  # all shown: counted
    assert not view.more.isVisibleTo(view)
    monkeypatch.setattr(search, "COUNT_CAP", 1000)
    _search(unlocked, view, "again", LIMIT)
    assert view.status.text().startswith(f"First {LIMIT} of {LIMIT + 3} results, best first")


def test_first_50_of_n_then_show_more_and_sort_by_date(unlocked: Harness) -> None:
    ada = _service(unlocked).create_client(ClientFields(legal_name="Ada Many"))
    written = [f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}" for i in range(LIMIT + 7)]
    for i, day in enumerate(written):
        _signed(unlocked, ada, f"Rumination again {i}", day)
    view = _view(unlocked)
    _search(unlocked, view, "rumination", LIMIT)
    assert view.status.text().startswith(f"First {LIMIT} of {LIMIT + 7} results, best first")
    assert view.more.isVisibleTo(view) and view.more.text() == f"Show {LIMIT} more"
    view.more.click()
    unlocked.qtbot.waitUntil(lambda: view.model.rowCount() == LIMIT + 7, timeout=WAIT)
    assert view.status.text().startswith(f"{LIMIT + 7} results.")
    assert not view.more.isVisibleTo(view)
    view.order.setCurrentIndex(view.order.findText("Newest first"))  # a new first page
    unlocked.qtbot.waitUntil(lambda: view.model.rowCount() == LIMIT, timeout=WAIT)
    service = _service(unlocked)
    days = [service.get_note(h.note_id).service_date for h in view.model.rows if h.note_id]
    assert days == sorted(days, reverse=True) and days[0] == max(written)
    assert "newest first" in view.status.text()


def test_the_word_being_typed_and_diagnosis_words_find(unlocked: Harness) -> None:
    service = _service(unlocked)
    ada = service.create_client(ClientFields(legal_name="Ada Canary"))
    _signed(unlocked, ada, "Insomnia most nights.")
    service.add_diagnosis(ada, "F32.1")
    view = _view(unlocked)
    _search(unlocked, view, "insom", 1)
    assert [h.source for h in view.model.rows] == ["note"]
    _search(unlocked, view, "depress", 1)
    assert _column(view, 2) == ["Diagnosis"] and "F32.1" in _column(view, 3)[0]
    _search(unlocked, view, "f321", 1)  # the code typed without its dot
    _search(unlocked, view, 'insom" AND *', 1)  # stray syntax: read as words, no error
    assert view.status.text().startswith("1 result.")


def test_client_filter_is_a_type_ahead(unlocked: Harness) -> None:
    service = _service(unlocked)
    for name in ("Ada Canary", "Bob Stone", "Bea Stonewall"):
        service.create_client(ClientFields(legal_name=name))
    view = _view(unlocked)
    unlocked.qtbot.waitUntil(lambda: view.client.count() == 4, timeout=WAIT)
    assert view.client.isEditable()
    completer = view.client.completer()
    completer.setCompletionPrefix("stone")  # any part of the name, any case
    shown = [completer.completionModel().index(r, 0).data() for r in range(3)]
    assert completer.completionCount() == 2 and shown[:2] == ["Bea Stonewall", "Bob Stone"]
    edit = view.client.lineEdit()
    edit.setText("bob stone")
    edit.editingFinished.emit()
    assert view.client.currentText() == "Bob Stone" and view.client.currentData() is not None
    edit.setText("nobody by that name")
    edit.editingFinished.emit()  # chooses nothing: the chosen client stays, and shows
    assert edit.text() == "Bob Stone" and view.client.currentText() == "Bob Stone"


def test_opening_a_hit_scrolls_to_the_words_and_highlights_them(unlocked: Harness) -> None:
    unlocked.window.resize(1200, 700)
    ada = _service(unlocked).create_client(ClientFields(legal_name="Ada Canary"))
    filler = "\n".join(f"Line {i}: the session went on as planned." for i in range(120))
    note = _signed(unlocked, ada, f"{filler}\nThe zeppelin dream came back; Zeppelins again.")
    view = _view(unlocked)
    _search(unlocked, view, "zeppel", 1)
    view.table.doubleClicked.emit(view.model.index(0, 3))
    page = clients(unlocked)
    unlocked.qtbot.waitUntil(
        lambda: (
            page.chart is not None
            and page.chart.notes.editor.note is not None
            and page.chart.notes.editor.finder.found > 0
        ),
        timeout=WAIT,
    )
    assert page.chart is not None
    editor = page.chart.notes.editor
    assert editor.note is not None and int(editor.note.id) == note
    section = next(iter(editor.editors.values()))
    marked = [m.cursor.selectedText() for m in section.extraSelections()]
    assert marked == ["zeppelin", "Zeppelins"]
    bar = editor.scroller.verticalScrollBar()
    unlocked.qtbot.waitUntil(lambda: bar.value() > 0, timeout=WAIT)

    def in_view() -> bool:  # the first word found is inside the scroller's viewport
        marks = section.extraSelections()
        rect = section.cursorRect(marks[0].cursor)
        point = section.mapTo(editor.scroller.viewport(), rect.center())
        return editor.scroller.viewport().rect().contains(point)

    unlocked.qtbot.waitUntil(in_view, timeout=WAIT)
    assert editor.finder.pending is None
    # Another note opened by hand is not highlighted.
    other = _signed(unlocked, ada, "The zeppelin once more.")
    page.chart.notes.open_note(other)  # type: ignore[arg-type]  (opens on the worker)
    unlocked.qtbot.waitUntil(
        lambda: editor.note is not None and int(editor.note.id) == other, timeout=WAIT
    )
    assert editor.finder.found == 0
    assert all(not e.extraSelections() for e in editor.editors.values())
