"""Under a note (issue 17): its co-signatures and review comments; for a supervisor a
Co-sign button (their own signing line, asked for once) and a comment box.

A comment being typed is kept through a lock like any typed text (ui/form_drafts.py: the
panel is tagged while it holds text; the note reopens with it after unlock). All vault
work runs on the database worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import NoteId
from therapynotes.domain.models import Note
from therapynotes.domain.review import Cosignature, ReviewComment
from therapynotes.services import review
from therapynotes.ui import form_drafts
from therapynotes.ui.errors import show_inline
from therapynotes.ui.records_access import RecordsAccess, local_time
from therapynotes.ui.users.access import WindowAccess
from therapynotes.ui.widgets import GRID, body, hbox, message_label, ok_cancel, plain_buttons, vbox

if TYPE_CHECKING:
    from therapynotes.ui.note_editor import NoteEditorWidget

COMMENT_FORM = "review.comment"


@dataclass(frozen=True)
class ReviewState:
    cosignatures: list[Cosignature]
    comments: list[ReviewComment]
    my_line: str


class ReviewPanel(QFrame):
    finished = Signal(int)  # the kept comment is saved or cleared: its draft drops

    def __init__(self, records: RecordsAccess, editor: NoteEditorWidget) -> None:
        super().__init__(editor)
        self.records = records
        self.session = records.service.session
        self.access = WindowAccess(self.session.login)
        self.note: Note | None = None
        self.state: ReviewState | None = None
        self._token = 0
        self._unsent: dict[int, str] = {}  # comments typed under other notes, not added yet
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Review")
        layout = vbox(self, margins=GRID, spacing=GRID)
        self.signatures = body("", parent=self)
        self.signatures.setAccessibleName("Co-signatures")
        self.comment_list = body("", parent=self)
        self.comment_list.setAccessibleName("Review comments")
        layout.addWidget(self.signatures)
        layout.addWidget(self.comment_list)
        self.comment = QPlainTextEdit(self)
        self.comment.setAccessibleName("Review comment")
        self.comment.setPlaceholderText("A comment for the clinician (kept with the note)")
        self.comment.setFixedHeight(6 * GRID)
        self.comment.setTabChangesFocus(True)
        layout.addWidget(self.comment)
        row = hbox()
        self.comment_button = QPushButton("Add comment", self)
        self.comment_button.setAccessibleName("Add comment")
        self.comment_button.clicked.connect(self.add_comment)
        self.cosign_button = QPushButton("Co-sign…", self)
        self.cosign_button.setAccessibleName("Co-sign")
        self.cosign_button.clicked.connect(self.cosign)
        row.addWidget(self.comment_button)
        row.addStretch(1)
        row.addWidget(self.cosign_button)
        layout.addLayout(row)
        for widget in (self.comment, self.comment_button, self.cosign_button):
            widget.setVisible(self.access.cosigns)
        self.message = message_label(self)
        layout.addWidget(self.message)
        self.setVisible(False)
        outer = editor.layout()
        assert isinstance(outer, QVBoxLayout)  # noqa: S101 - the editor's own column
        outer.insertWidget(outer.count() - 1, self)  # above the note's buttons
        editor.shown.connect(self.show_for)
        self.comment.textChanged.connect(self._tag_while_typed)

    # --- showing ---------------------------------------------------------------------

    def show_for(self, note: Note | None) -> None:
        if self.note is not None and (note is None or note.id != self.note.id):
            # typed under another note: kept for it, never added to this one
            self._unsent[int(self.note.id)] = self.comment.toPlainText()
            self.comment.setPlainText(self._unsent.pop(int(note.id), "") if note else "")
        self._token += 1
        self.note, self.state = note, None
        self.signatures.clear()
        self.comment_list.clear()
        show_inline(self.message, None)
        if note is None or note.is_psychotherapy:
            self.setVisible(False)
            return
        self.setVisible(self.access.cosigns)  # the owner's shows once there is something
        self.cosign_button.setVisible(False)
        self._load(note.id)

    def _load(self, note_id: NoteId) -> None:
        session, token, cosigns = self.session, self._token, self.access.cosigns

        def work(_s: object) -> ReviewState:
            line = review.signature(session) if cosigns else ""
            return ReviewState(
                review.cosignatures(session, note_id), review.comments(session, note_id), line
            )

        self.records.op(self, work).success(
            lambda state: self._show(state) if token == self._token else None
        ).failure(lambda exc: show_inline(self.message, exc)).run(database=True)

    def _show(self, state: ReviewState) -> None:
        self.state = state
        lines = [
            f"Co-signed by {c.signature_line}, {local_time(c.signed_at)}"
            for c in state.cosignatures
        ]
        self.signatures.setText("\n".join(lines) or "Not co-signed yet.")
        said = [f"{c.login}, {local_time(c.created_at)}: {c.body}" for c in state.comments]
        self.comment_list.setText("\n".join(said))
        self.comment_list.setVisible(bool(said))
        if not self.access.cosigns:  # the owner reads what the supervisor left
            self.setVisible(bool(state.cosignatures or state.comments))
        me = self.session.login.name
        mine = any(c.login == me for c in state.cosignatures)
        signed = self.note is not None and self.note.state is NoteState.SIGNED
        self.cosign_button.setVisible(self.access.cosigns and signed and not mine)

    # --- co-signing ------------------------------------------------------------------

    def cosign(self) -> QDialog | QMessageBox | None:
        if self.note is None or self.state is None:
            return None
        if not self.state.my_line:
            dialog = SigningLineDialog(self.records, parent=self)
            dialog.saved.connect(self._line_saved)
            dialog.open()
            return dialog
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Co-sign note")
        box.setText(
            "Co-sign this note? Your co-signature is added under it; the note stays as it is."
        )
        box.setInformativeText(f"Co-signed by {self.state.my_line}")
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Cancel | buttons.Yes)
        box.button(buttons.Yes).setText("Co-sign")
        box.setDefaultButton(buttons.Yes)
        plain_buttons(box)
        box.accepted.connect(self._cosign_now)
        box.open()
        return box

    def _line_saved(self, line: str) -> None:
        if self.state is not None:
            self.state = ReviewState(self.state.cosignatures, self.state.comments, line)
            self.cosign()

    def _cosign_now(self) -> None:
        note = self.note
        if note is None:
            return
        session = self.session
        self.records.op(self, lambda _s: review.cosign(session, note.id)).busy(
            self.cosign_button.setDisabled
        ).success(lambda _c: self._load(note.id)).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    # --- comments --------------------------------------------------------------------

    def add_comment(self) -> None:
        note, text = self.note, self.comment.toPlainText()
        if note is None:
            return
        if not text.strip():
            show_inline(self.message, None)
            self.message.setText("Type a comment first.")
            self.message.setVisible(True)
            return
        session = self.session
        self.records.op(self, lambda _s: review.add_comment(session, note.id, text)).busy(
            self.comment_button.setDisabled
        ).success(lambda _c: self._commented(note.id)).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    def _commented(self, note_id: NoteId) -> None:
        self.comment.clear()
        self.finished.emit(0)
        self._load(note_id)

    # --- kept through a lock (ui/form_drafts.py) --------------------------------------

    def _tag_while_typed(self) -> None:
        if self.note is not None:
            form_drafts.tag_page(self, COMMENT_FORM)
            self.form_tag = form_drafts.FormTag(
                COMMENT_FORM, self.note.client_id, {"note": int(self.note.id)}
            )

    def has_unsaved(self) -> bool:
        return self.note is not None and bool(self.comment.toPlainText().strip())

    def form_state(self) -> dict[str, Any]:
        return {"comment": self.comment.toPlainText()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.comment.setPlainText(str(state.get("comment", "")))


class SigningLineDialog(QDialog):
    """The supervisor's own signing line, asked for before the first co-signature (also
    in Settings). Kept per login in the vault."""

    saved = Signal(str)

    def __init__(self, records: RecordsAccess, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.setWindowTitle("Your signing line")
        self.setMinimumWidth(64 * GRID)
        self.line = QLineEdit(self)
        self.line.setAccessibleName("Signing line")
        self.line.setPlaceholderText("Dr. R. Lee, PhD, licensed psychologist #12345")
        self.message = message_label(self)
        self.buttons, self.ok = ok_cancel(self, "Save")
        form = QFormLayout()
        form.addRow("&Signing line", self.line)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(
            body(
                "Your name and credentials as they appear under each note you co-sign.",
                parent=self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form_drafts.tag(self, "review.signature", None)

    def submit(self) -> None:
        text, session = self.line.text(), self.records.service.session
        self.records.op(self, lambda _s: review.set_signature(session, text)).success(
            lambda _none: self._done(text)
        ).failure(lambda exc: show_inline(self.message, exc)).run(database=True)

    def _done(self, text: str) -> None:
        self.saved.emit(" ".join(text.split()))
        self.accept()

    def form_state(self) -> dict[str, Any]:
        return {"line": self.line.text()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.line.setText(str(state.get("line", "")))


def register_forms() -> None:
    """At unlock, before ui/form_drafts.offer_back: a kept comment reopens its note."""
    form_drafts.OPENERS[COMMENT_FORM] = form_drafts._on_note(  # noqa: SLF001 - its opener
        lambda chart: chart.review_panel  # type: ignore[arg-type, return-value]
    )
    form_drafts.OPENERS["review.signature"] = _signing_line


def _signing_line(window: Any, _d: object, _p: dict[str, int], fill: form_drafts.Fill) -> None:
    dialog = SigningLineDialog(window.records_access(), parent=window)
    dialog.open()
    fill(dialog)
