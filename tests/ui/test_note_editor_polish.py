"""The note editor's small promises: "Saved … ago" speaks of the note on screen only (not
of the one before), and Tab into a section below the fold scrolls it into view."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QTextCursor

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from tests.ui.waits import worker_done
from therapynotes.domain.models import ClientFields
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.note_editor import SectionEditor


def _chart(h: Harness) -> ClientChartView:
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name="Di Editor"))
    chart = settled(h, page.open_client(client))
    chart.show_notes()
    return chart


def test_saved_ago_does_not_carry_over_to_a_new_note(unlocked: Harness) -> None:
    h = unlocked
    chart = _chart(h)
    chart.notes.start_note("freeform", None)
    worker_done()
    editor = chart.notes.editor
    next(iter(editor.editors.values())).setPlainText("first note")
    editor.save_draft()
    h.clock.advance(90)
    editor._tick()
    assert editor.saved.text() == "Saved 1 min ago"
    chart.notes.start_note("soap", None)  # a new note, seconds old
    worker_done()
    editor._tick()
    assert editor.saved.text() == "Draft: saves as you type"
    next(iter(editor.editors.values())).setPlainText("second note")
    editor.save_draft()
    h.clock.advance(5)
    editor._tick()
    assert editor.saved.text() == "Saved 5 s ago"


def test_tab_into_the_plan_section_scrolls_to_where_typing_goes(unlocked: Harness) -> None:
    """Into a section below the fold, and into a long one whose cursor is at its end
    (where the therapist left off): the cursor line is in view, so typing is seen."""
    h = unlocked
    h.window.resize(1000, 640)
    chart = _chart(h)
    h.window.activateWindow()
    h.qtbot.waitUntil(h.window.isActiveWindow)
    chart.notes.start_note("soap", None)
    worker_done()
    editor = chart.notes.editor
    long_text = "\n".join(f"line {i}" for i in range(40))
    for key in ("subjective", "objective", "plan"):
        editor.editors[key].setPlainText(long_text)
    assessment, plan = editor.editors["assessment"], editor.editors["plan"]
    plan.moveCursor(QTextCursor.MoveOperation.End)
    viewport = editor.scroller.viewport()

    def typing_seen(widget: SectionEditor) -> bool:
        cursor = widget.cursorRect()
        area = QRect(widget.mapTo(viewport, cursor.topLeft()), cursor.size())
        return viewport.rect().contains(area)

    assessment.setFocus()
    h.qtbot.waitUntil(assessment.hasFocus)
    h.qtbot.waitUntil(lambda: typing_seen(assessment), timeout=20_000)
    h.qtbot.keyClick(assessment, Qt.Key.Key_Tab)
    h.qtbot.waitUntil(plan.hasFocus)
    h.qtbot.waitUntil(lambda: typing_seen(plan), timeout=20_000)
    h.qtbot.keyClick(plan, Qt.Key.Key_Return)  # typing on at the end stays in view
    h.qtbot.keyClicks(plan, "next step")
    h.qtbot.waitUntil(lambda: typing_seen(plan), timeout=20_000)
    h.qtbot.keyClick(plan, Qt.Key.Key_Backtab)
    h.qtbot.waitUntil(assessment.hasFocus)
    h.qtbot.waitUntil(lambda: typing_seen(assessment), timeout=20_000)


def test_underlines_alone_do_not_make_the_note_unsaved(unlocked: Harness) -> None:
    """A highlighter (the spell checker's underlines) re-colouring a saved section emits
    textChanged without a keystroke: the note stays saved, and no autosave is started
    (it made the endurance run wait two seconds per save, and wrote needless saves)."""
    from PySide6.QtGui import QSyntaxHighlighter, QTextCharFormat  # noqa: PLC0415

    class Underline(QSyntaxHighlighter):
        def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt API
            fmt = QTextCharFormat()
            fmt.setFontUnderline(True)
            self.setFormat(0, len(text), fmt)

    h = unlocked
    chart = _chart(h)
    chart.notes.start_note("freeform", None)
    worker_done()
    editor = chart.notes.editor
    section = next(iter(editor.editors.values()))
    section.setPlainText("teh client said")
    editor.save_draft()
    assert not editor.dirty
    highlighter = Underline(section.document())
    highlighter.rehighlight()
    assert not editor.dirty and not editor.debounce.isActive()
    section.insertPlainText(" more")  # a real keystroke still counts
    assert editor.dirty
