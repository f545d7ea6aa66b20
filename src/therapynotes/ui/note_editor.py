"""The note being written: template sections as labelled plain-text editors, autosave
(debounced, through `save_draft`, with a visible "Saved 2 s ago"), Sign, Add addendum and
Void (those four run on the database worker: ui/note_actions.py). A psychotherapy note
carries the "Psychotherapy note: private" marker.

Registered with the main window as a draft saver, so a lock saves it first. `clear()`
drops every piece of note text it holds (editors, undo history, addenda).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFont,
    QPalette,
    QResizeEvent,
    QTextBlockFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import NoteId
from therapynotes.domain.models import Note
from therapynotes.domain.profile import signature_line
from therapynotes.domain.templates import TEMPLATES, Template
from therapynotes.services.templates import last_sections
from therapynotes.ui.clipboard import ConcealedCopy
from therapynotes.ui.found_in_note import FoundInNote
from therapynotes.ui.measures.note_menu import NoteMeasures
from therapynotes.ui.note_actions import NoteActions, Then
from therapynotes.ui.note_dialogs import AddendumDialog, SignDialog, VoidDialog
from therapynotes.ui.records_access import (
    KIND_WORDS,
    PRIVATE_MARK,
    RecordsAccess,
    attempt,
    day,
    local_time,
    note_state_label,
)
from therapynotes.ui.snippets.access import snippets_for
from therapynotes.ui.spelling.access import spelling_for
from therapynotes.ui.widgets import GRID, body, hbox, heading, vbox
from therapynotes.ui.writing_aids import WritingAids

AUTOSAVE_MS = 2000  # after the last keystroke
AUTOSAVE_MAX_S = 5  # while typing without pause
EDITOR_POINT_SIZE = 11.5
LINE_HEIGHT_PERCENT = 135
MIN_LINES = 4


def comfortable(editor: QTextEdit) -> None:
    """11-12 pt and about 1.35 line spacing for long text."""
    font = QFont(editor.font())
    font.setPointSizeF(EDITOR_POINT_SIZE)
    editor.setFont(font)
    fmt = QTextBlockFormat()
    fmt.setLineHeight(
        LINE_HEIGHT_PERCENT, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
    )
    cursor = QTextCursor(editor.document())
    cursor.select(QTextCursor.SelectionType.Document)
    cursor.mergeBlockFormat(fmt)
    editor.textCursor().mergeBlockFormat(fmt)


class SectionEditor(ConcealedCopy, WritingAids, QTextEdit):
    """Plain text only (rich text is refused on paste). A QTextEdit rather than a
    QPlainTextEdit because only its layout honours the 1.35 line height. Copies (also
    from a signed, read-only note) go through the secure clipboard (ui/clipboard.py)."""

    typing_moved = Signal()  # focus came in or the cursor moved: the page shows it

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptRichText(False)
        self.setAccessibleName(title)
        self.setAccessibleDescription(prompt)
        self.setPlaceholderText(prompt)
        self.setTabChangesFocus(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self._grow)
        self.cursorPositionChanged.connect(self.typing_moved)
        self._grow()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusInEvent(event)
        self.typing_moved.emit()

    def _grow(self, *_args: object) -> None:
        """Grow with the text, so the note scrolls as one page, not box by box; an empty
        section is tall enough for its whole prompt, wrapped to the box's width."""
        line = self.fontMetrics().lineSpacing() * LINE_HEIGHT_PERCENT / 100
        text_height = max(MIN_LINES * line, self.document().size().height())
        if self.document().isEmpty() and self.placeholderText():
            text_height = max(text_height, self.placeholder_height())
        margins = self.contentsMargins().top() + self.contentsMargins().bottom()
        self.setFixedHeight(int(text_height + margins) + GRID // 2)

    def placeholder_room(self) -> QRect:
        """Where Qt draws the placeholder: the viewport less the document margin."""
        margin = int(self.document().documentMargin())
        return self.viewport().rect().adjusted(margin, margin, -margin, -margin)

    def placeholder_height(self) -> int:
        room = self.placeholder_room()
        wrapped = self.fontMetrics().boundingRect(
            QRect(0, 0, max(1, room.width()), 100_000),
            int(Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
            self.placeholderText(),
        )
        return wrapped.height() + 2 * int(self.document().documentMargin())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._grow()
        if self.hasFocus():  # grown with the text: where typing goes has moved
            self.typing_moved.emit()

    def load(self, text: str) -> None:
        self.setUndoRedoEnabled(False)  # a loaded note starts with no undo history
        self.setPlainText(text)
        comfortable(self)
        self.setUndoRedoEnabled(True)
        self._grow()


class NoteEditorWidget(QWidget):
    note_changed = Signal(int)  # signed, voided or addended: lists refresh
    shown = Signal(object)  # the note now on screen, or None (issue 17: the review panel)

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        # A login that reads but never writes notes (a supervisor, issue 17): no typing,
        # no Sign, Addendum or Void (ui/users/chart_roles.py sets it).
        self.read_only = False
        self.requests = NoteActions(self)  # open, sign, addendum, void: on the worker
        self.note: Note | None = None
        self.editors: dict[str, SectionEditor] = {}
        self.dirty = False
        self.dirty_since: float | None = None
        self.edits = 0
        self._texts: dict[str, str] = {}  # each section's text as last seen
        # Bumped by every save; a queued background autosave older than the last save
        # is skipped (a list, so the worker reads it without touching this widget).
        self._save_seq = [0]
        self.saved_at: float | None = None
        self.setAccessibleName("Note")
        outer = vbox(self, spacing=GRID)
        self.title = heading("", size_delta=2, parent=self)
        self.marker = QLabel(PRIVATE_MARK, self)
        self.marker.setAccessibleName("Private note marker")
        self.marker.setFrameShape(QFrame.Shape.StyledPanel)
        self.marker.setMargin(GRID // 2)
        self.state = QLabel(self)
        self.state.setAccessibleName("Note state")
        self.saved = QLabel(self)
        self.saved.setAccessibleName("Autosave state")
        header = hbox()
        header.addWidget(self.title, 1)
        header.addWidget(self.marker)
        outer.addLayout(header)
        status = hbox()
        status.addWidget(self.state)
        status.addStretch(1)
        status.addWidget(self.saved)
        outer.addLayout(status)
        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.page = QWidget()
        self.sections_layout = QVBoxLayout(self.page)
        self.sections_layout.setContentsMargins(0, 0, GRID, 0)
        self.sections_layout.setSpacing(GRID)
        self.scroller.setWidget(self.page)
        outer.addWidget(self.scroller, 1)
        self._build_actions(outer)

    def _build_actions(self, outer: QVBoxLayout) -> None:
        self.buttons = QHBoxLayout()
        self.sign_button = self._button("Sign note…", self.sign)
        self.addendum_button = self._button("Add addendum…", self.add_addendum)
        self.void_button = self._button("Void note…", self.void)
        self.buttons.addStretch(1)
        self.measures = NoteMeasures(self)  # Give a measure / insert a score (ui/measures)
        outer.addLayout(self.buttons)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(AUTOSAVE_MS)
        self.debounce.timeout.connect(self.autosave)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()
        # The page scrolls to where typing goes (Tab into a section below the fold, a
        # long section's end, a new line) once the layout has caught up with the text.
        self._following: SectionEditor | None = None
        self.follow = QTimer(self)
        self.follow.setSingleShot(True)
        self.follow.setInterval(0)
        self.follow.timeout.connect(self._show_typing)
        self.page.installEventFilter(self)
        self.finder = FoundInNote(self)  # a search hit opened here: its words highlighted
        self.clear()

    def _button(self, text: str, slot) -> QPushButton:  # type: ignore[no-untyped-def]
        button = QPushButton(text, self)
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        self.buttons.addWidget(button)
        return button

    # --- loading -------------------------------------------------------------------

    def clear(self) -> None:
        """Show nothing and hold no note text (also used by the lock)."""
        self.debounce.stop()
        self.note = None
        self.dirty = False
        self.saved_at = None  # "Saved … ago" speaks of the note on screen only
        self._clear_sections()
        self.title.setText("No note open")
        self.state.setText("Choose a note, or start one with New note (Ctrl+N).")
        self.saved.clear()
        self.marker.setVisible(False)
        for button in (self.sign_button, self.addendum_button, self.void_button):
            button.setVisible(False)
        self.measures.show_for(None)
        self.finder.note_shown(None)
        self.shown.emit(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """The page grew (a section grew with its text): follow the typing again once
        the scroll area knows the page's new size."""
        if watched is self.page and event.type() == QEvent.Type.Resize:
            focused = next((e for e in self.editors.values() if e.hasFocus()), None)
            if focused is not None:
                self._follow_typing(focused)
        return super().eventFilter(watched, event)

    def _follow_typing(self, editor: SectionEditor) -> None:
        if editor.hasFocus():
            self._following = editor
            self.follow.start()

    def _show_typing(self) -> None:
        editor, self._following = self._following, None
        if editor is None or editor not in self.editors.values():
            return
        cursor = editor.cursorRect()
        point = editor.mapTo(self.page, cursor.center())
        self.scroller.ensureVisible(point.x(), point.y(), GRID, cursor.height())

    def _clear_sections(self) -> None:
        self._following = None
        self.follow.stop()
        for editor in self.editors.values():
            editor.document().clear()
        self.editors = {}
        self._texts = {}
        while self.sections_layout.count():
            item = self.sections_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone from sight now, deleted on the next loop turn
                widget.deleteLater()

    def show_note(self, note: Note, template: Template | None = None) -> None:
        """`template`: the note's own (ui/note_actions.py `loaded` reads it with the note
        on the worker); without it, a built-in template."""
        template = template or TEMPLATES.get(note.template)
        self._clear_sections()
        if self.note is None or self.note.id != note.id:
            self.saved_at = None  # another note: the last one's save time is not its own
        self.note = note
        self.dirty = False
        draft = note.state is NoteState.DRAFT and not self.read_only
        self.title.setText(f"{KIND_WORDS[note.kind]}, {day(note.service_date)}")
        self.marker.setVisible(note.is_psychotherapy)
        self.state.setText(note_state_label(note))
        self.saved.setText("Draft: saves as you type" if draft else "")
        sections = template.sections if template else ()
        for section in sections:
            label = QLabel(section.title, self.page)
            font = label.font()
            font.setWeight(QFont.Weight.DemiBold)
            label.setFont(font)
            editor = SectionEditor(section.title, section.prompt, self.page)
            editor.load(note.sections.get(section.key, ""))
            editor.setReadOnly(not draft)
            spelling = spelling_for(self.records, self) if draft else None
            if spelling is not None:
                editor.check_spelling(spelling)
            if draft:
                editor.use_snippets(snippets_for(self.records))
                editor.last_note = lambda key=section.key: self._last_section(key)
            if not draft:  # a signed note reads as a document, not as a form
                editor.setFrameShape(QFrame.Shape.NoFrame)
                editor.viewport().setBackgroundRole(QPalette.ColorRole.Window)
            label.setBuddy(editor)
            self._texts[section.key] = editor.toPlainText()
            editor.textChanged.connect(lambda key=section.key: self._changed(key))
            editor.typing_moved.connect(lambda e=editor: self._follow_typing(e))
            self.sections_layout.addWidget(label)
            self.sections_layout.addWidget(editor)
            self.editors[section.key] = editor
        self._add_signatures(note)
        self.sign_button.setVisible(draft)
        self.addendum_button.setVisible(note.state is NoteState.SIGNED and not self.read_only)
        self.void_button.setVisible(note.state is NoteState.SIGNED and not self.read_only)
        self.measures.show_for(None if self.read_only else note)
        self.sections_layout.addStretch(1)
        if draft and self.editors:
            next(iter(self.editors.values())).setFocus()
        self.finder.note_shown(note)
        self.shown.emit(note)

    def find_on_show(self, note_id: NoteId, words: list[str]) -> None:
        """When note `note_id` is shown next, scroll to `words` and highlight them."""
        self.finder.expect(note_id, words)

    def _last_section(self, key: str) -> str:
        note = self.note
        if note is None:
            return ""
        found = attempt(self, lambda: self.records.call(lambda s: last_sections(s.conn, note)))
        return (found or {}).get(key, "")

    def _add_signatures(self, note: Note) -> None:
        """Signature, void and addenda lines. Those made before a clinician profile
        existed (no signer stored) keep the wording they always had."""
        if note.signed_by is not None and note.signed_at is not None:
            line = signature_line(note.signed_by, local_time(note.signed_at))
            signature = body(line, parent=self.page)
            signature.setAccessibleName("Signature")
            self.sections_layout.addWidget(signature)
        if note.state is NoteState.VOIDED:
            voided = f"Voided: {note.void_reason or ''}"
            if note.voided_by is not None and note.voided_at is not None:
                by = signature_line(note.voided_by, local_time(note.voided_at), what="Voided")
                voided = f"{by}: {note.void_reason or ''}"
            self.sections_layout.addWidget(body(voided, parent=self))
        for addendum in note.addenda:
            when = local_time(addendum.signed_at)
            if addendum.signed_by is None:
                text = f"Addendum, signed {when}"
            else:
                text = f"Addendum, {signature_line(addendum.signed_by, when, what='signed')}"
            box = QLabel(text, self.page)
            box.setWordWrap(True)
            box.setAccessibleName("Addendum")
            self.sections_layout.addWidget(box)
            self.sections_layout.addWidget(body(addendum.text, parent=self.page))

    # --- autosave --------------------------------------------------------------------

    def _changed(self, key: str) -> None:
        if self.note is None or self.note.state is not NoteState.DRAFT:
            return
        editor = self.editors.get(key)
        if editor is None:
            return
        text = editor.toPlainText()
        if self._texts.get(key) == text:
            return  # only formats changed (the spell checker's underlines): nothing typed
        self._texts[key] = text
        now = self.records.clock()
        if not self.dirty:
            self.dirty_since = now
        self.dirty = True
        self.edits += 1
        self.saved.setText("Editing…")
        if self.dirty_since is not None and now - self.dirty_since >= AUTOSAVE_MAX_S:
            self.autosave()
        else:
            self.debounce.start()

    def sections(self) -> dict[str, str]:
        return {key: editor.toPlainText() for key, editor in self.editors.items()}

    def autosave(self) -> None:
        """Save on the database worker (the UI thread never waits for the disk)."""
        self.debounce.stop()
        note = self.note
        if note is None or not self.dirty or note.state is not NoteState.DRAFT:
            return
        sections = self.sections()
        mark = self.edits
        self.dirty_since = self.records.clock()
        box = self._save_seq
        box[0] += 1
        seq = box[0]

        def work(service):
            if box[0] != seq:
                return False  # a later save (e.g. the lock's) already has newer text
            service.save_draft(note.id, sections)
            return True

        self.records.op(self, work).success(lambda ok: self._autosaved(ok, note.id, mark)).run(
            database=True
        )

    def _autosaved(self, ok: bool, note_id: NoteId, mark: int) -> None:
        if not ok or self.note is None or self.note.id != note_id:
            return
        self.saved_at = self.records.clock()
        if self.edits == mark:
            self.dirty = False
            self.dirty_since = None
            self._tick()

    def save_draft(self) -> None:
        """Save now, on this thread, if anything changed: before a lock, before another
        note opens, before signing."""
        self.debounce.stop()
        self._save_seq[0] += 1
        note = self.note
        if note is None or not self.dirty or note.state is not NoteState.DRAFT:
            return
        sections = self.sections()
        self.records.call(lambda s: s.save_draft(note.id, sections))
        self.dirty = False
        self.dirty_since = None
        self.saved_at = self.records.clock()
        self._tick()

    def _tick(self) -> None:
        if self.note is None or self.dirty or self.saved_at is None:
            return
        if self.note.state is NoteState.DRAFT:
            seconds = max(0, int(self.records.clock() - self.saved_at))
            if seconds < 1:
                self.saved.setText("Saved just now")
                return
            when = f"{seconds} s" if seconds < 60 else f"{seconds // 60} min"
            self.saved.setText(f"Saved {when} ago")

    # --- open, sign, addendum, void: on the database worker (ui/note_actions.py) ------

    def open_note(self, note_id: NoteId, then: Then | None = None) -> None:
        self.requests.open_note(note_id, then or (lambda _note: None))

    def close_note(self) -> None:
        self.requests.close_note()

    def sign(self) -> SignDialog | None:
        return self.requests.sign()

    def _sign_now(self) -> None:
        self.requests.sign_now()

    def add_addendum(self) -> AddendumDialog | None:
        return self.requests.add_addendum()

    def void(self) -> VoidDialog | None:
        return self.requests.void()
