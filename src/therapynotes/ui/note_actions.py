"""Opening, signing, adding an addendum to and voiding the note in the editor, all on the
database worker (issue 18: the UI thread never waits for the vault).

A part of NoteEditorWidget (ui/note_editor.py). Each request takes a ticket; only the
answer to the latest one is shown, so a slow answer for a note chosen earlier never
replaces the one chosen since. Text typed before a request is saved by that request's
job first (the worker runs jobs in order, after any autosave already queued); text typed
while it runs stays on screen and is saved before the answer replaces it. A failed write
gives back what was typed: the note's text is marked unsaved again, and an addendum or a
void reason comes back in its dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import NoteId
from therapynotes.domain.models import Note
from therapynotes.domain.templates import TEMPLATES, Template
from therapynotes.services.records import RecordsService
from therapynotes.ui.errors import show_error
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.note_dialogs import AddendumDialog, SignDialog, VoidDialog
from therapynotes.ui.spelling.access import spelling_for
from therapynotes.ui.spelling.plain import check_spelling

if TYPE_CHECKING:
    from therapynotes.ui.note_editor import NoteEditorWidget

Unsaved = tuple[NoteId, dict[str, str]]
Loaded = tuple[Note, Template | None]
Then = Callable[[Note | None], None]


def loaded(service: RecordsService, note: Note) -> Loaded:
    """The note with its template (a therapist's own one is read from the vault)."""
    return note, TEMPLATES.get(note.template) or service.template(note.template)


def _nothing(_note: Note | None) -> None:
    return None


class NoteActions:
    """The editor's requests to the worker (NoteEditorWidget delegates to this)."""

    def __init__(self, editor: NoteEditorWidget) -> None:
        self.editor = editor
        self._ticket = 0

    def _next_ticket(self) -> int:
        self._ticket += 1
        return self._ticket

    def _take_unsaved(self) -> Unsaved | None:
        """The note's unsaved text, for the next worker job to save first. From here it
        counts as saved (a queued autosave with older text is skipped); a failure marks
        it unsaved again (`_give_back`)."""
        self.editor.debounce.stop()
        self.editor._save_seq[0] += 1
        note = self.editor.note
        if note is None or not self.editor.dirty or note.state is not NoteState.DRAFT:
            return None
        self.editor.dirty = False
        self.editor.dirty_since = None
        return note.id, self.editor.sections()

    def _give_back(self, unsaved: Unsaved | None) -> None:
        if (
            unsaved is not None
            and self.editor.note is not None
            and self.editor.note.id == unsaved[0]
        ):
            self.editor.dirty = True
            self.editor.dirty_since = self.editor.records.clock()
            self.editor.saved.setText("Not saved")
            self.editor.debounce.start()  # try again as for typing

    def _request(
        self,
        work: Callable[[RecordsService], Loaded],
        *,
        then: Then = _nothing,
        failed: Callable[[BaseException], None] | None = None,
        changed: NoteId | None = None,
    ) -> None:
        """Save what is unsaved, run `work`, show the note it answers with (if this is
        still the latest request). `changed`: a write to that note (lists refresh)."""
        unsaved = self._take_unsaved()
        ticket = self._next_ticket()

        def job(service: RecordsService) -> Loaded:
            if unsaved is not None:
                service.save_draft(*unsaved)
            return work(service)

        def done(answer: Loaded) -> None:
            if changed is not None:
                self.editor.note_changed.emit(int(changed))
            if ticket != self._ticket:
                then(None)  # another note was chosen meanwhile: that one shows
                return
            note, template = answer
            if self.editor.dirty:  # typed on while this ran: save that, then read again
                self.open_note(note.id, then)
                return
            if unsaved is not None:
                self.editor.saved_at = self.editor.records.clock()
            self.editor.show_note(note, template)
            then(note)

        def fail(exc: BaseException) -> None:
            self._give_back(unsaved)
            if ticket == self._ticket and self.editor.note is not None:
                self._writable(self.editor.note.state is NoteState.DRAFT)
            (failed or (lambda e: show_error(self.editor, e)))(exc)
            then(None)

        self.editor.records.op(self.editor, job).success(done).failure(fail).run(database=True)

    def _writable(self, on: bool) -> None:
        for editor in self.editor.editors.values():
            editor.setReadOnly(not on)

    # --- open ----------------------------------------------------------------------

    def open_note(self, note_id: NoteId, then: Then = _nothing) -> None:
        """Show the note once the worker has read it; `then` gets it (None if it could
        not be shown). The note on screen stays editable meanwhile."""
        self._request(lambda s: loaded(s, s.get_note(note_id)), then=then)

    def close_note(self) -> None:
        """Save what is unsaved (on the worker), then show nothing. Should the save fail,
        the note stays on screen with its text, and the failure is shown."""
        unsaved = self._take_unsaved()
        note = self.editor.note
        ticket = self._next_ticket()
        self._writable(False)

        def done(_none: object) -> None:
            if ticket == self._ticket and self.editor.note is note:
                self.editor.clear()

        def fail(exc: BaseException) -> None:
            self._give_back(unsaved)
            if ticket == self._ticket and note is not None:
                self._writable(note.state is NoteState.DRAFT)
            show_error(self.editor, exc)

        def job(service: RecordsService) -> None:
            if unsaved is not None:
                service.save_draft(*unsaved)

        self.editor.records.op(self.editor, job).success(done).failure(fail).run(database=True)

    # --- sign, addendum, void --------------------------------------------------------

    def sign(self) -> SignDialog | None:
        if self.editor.note is None:
            return None
        dialog = SignDialog(self.editor)
        dialog.accepted.connect(self.sign_now)
        dialog.open()
        return dialog

    def sign_now(self) -> None:
        note = self.editor.note
        if note is None:
            return
        self._writable(False)  # what is on screen now is what gets signed
        self._request(lambda s: loaded(s, s.sign_note(note.id)), changed=note.id)

    def add_addendum(self) -> AddendumDialog | None:
        if self.editor.note is None:
            return None
        dialog = AddendumDialog(self.editor)
        tag(dialog, "note.addendum", self.editor.note.client_id, note=self.editor.note.id)
        spelling = spelling_for(self.editor.records, self.editor)
        if spelling is not None:
            dialog.spelling = check_spelling(dialog.editor, spelling)  # type: ignore[attr-defined]
        dialog.accepted.connect(lambda: self.addendum_now(dialog.text()))
        dialog.open()
        return dialog

    def addendum_now(self, text: str) -> None:
        note = self.editor.note
        if note is None:
            return

        def work(s: RecordsService) -> Loaded:
            s.add_addendum(note.id, text)
            return loaded(s, s.get_note(note.id))

        def failed(exc: BaseException) -> None:
            show_error(self.editor, exc)
            if self.editor.note is not None and self.editor.note.id == note.id:
                again = self.add_addendum()  # the words typed come back, not lost
                if again is not None:
                    again.restore_state({"text": text})

        self._request(work, changed=note.id, failed=failed)

    def void(self) -> VoidDialog | None:
        if self.editor.note is None:
            return None
        dialog = VoidDialog(self.editor)
        tag(dialog, "note.void", self.editor.note.client_id, note=self.editor.note.id)
        dialog.accepted.connect(lambda: self.void_now(dialog.reason()))
        dialog.open()
        return dialog

    def void_now(self, reason: str) -> None:
        note = self.editor.note
        if note is None:
            return

        def work(s: RecordsService) -> Loaded:
            s.void_note(note.id, reason)
            return loaded(s, s.get_note(note.id))

        def failed(exc: BaseException) -> None:
            show_error(self.editor, exc)
            if self.editor.note is not None and self.editor.note.id == note.id:
                again = self.void()
                if again is not None:
                    again.restore_state({"reason": reason, "understood": True})

        self._request(work, changed=note.id, failed=failed)
