"""The recovery rehearsal in the window (services/rehearsal.py): type the recovery key
from the Emergency Kit; the newest backup in the backup folder is test-restored with it
inside the vault's own folder, verified and removed, on the database worker. The key is
never kept (the field is cleared whatever the outcome); the result goes into the audit
trail, and Home shows when the last rehearsal passed (`RehearsalCard`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QSpinBox, QWidget

from therapynotes.services.rehearsal import MAX_MONTHS, RehearsalResult, RehearsalService
from therapynotes.services.session import VaultSession
from therapynotes.ui.admin.common import db_op
from therapynotes.ui.errors import show_inline
from therapynotes.ui.pages import Card
from therapynotes.ui.records_access import day
from therapynotes.ui.widgets import (
    GRID,
    body,
    busy_bar,
    hbox,
    heading,
    message_label,
    password_field,
    vbox,
)

Clock = Callable[[], float]


class RehearsalDialog(QDialog):
    def __init__(
        self, session: VaultSession, folder: str, *, clock: Clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recovery rehearsal")
        self.setAccessibleName("Recovery rehearsal")
        self.session, self.folder, self.clock = session, folder, clock
        self.outcome: RehearsalResult | None = None
        self.failed: BaseException | None = None
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Recovery rehearsal", size_delta=3))
        layout.addWidget(
            body(
                "Every few months, prove you could get your records back if this computer "
                "were lost: type the recovery key from your Emergency Kit, and TherapyNotes opens "
                "your newest backup with it, restores it as a test, checks it and deletes "
                "the test copy. Your records are not changed and the key is not kept.",
                parent=self,
            )
        )
        where = f"Backup folder: {folder}" if folder else "Choose a backup folder first (Backups)."
        layout.addWidget(body(where, parent=self))
        self.every = QSpinBox(self)
        self.every.setRange(0, MAX_MONTHS)
        self.every.setSpecialValueText("Never")
        self.every.setSuffix(" months")
        self.every.setAccessibleName("Remind me to rehearse every months")
        self.every.setMinimumWidth(14 * GRID)
        remind = hbox()
        remind.addWidget(QLabel("Remind me on Home every", self))
        remind.addWidget(self.every)
        remind.addStretch(1)
        layout.addLayout(remind)
        self._loading_every = True
        db_op(self, session, RehearsalService(session, clock=clock).every_months).success(
            self._show_every
        ).run(database=True)
        self.every.valueChanged.connect(self._set_every)
        self.key = password_field("Recovery key", self)
        self.key.setPlaceholderText("Recovery key")
        layout.addWidget(self.key)
        self.busy = busy_bar(self, name="Rehearsing", keep_space=True)
        layout.addWidget(self.busy)
        self.message = message_label(self)
        self.message.setAccessibleName("Rehearsal result")
        layout.addWidget(self.message)
        row = hbox()
        row.addStretch(1)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        self.start = QPushButton("Start the rehearsal", self)
        self.start.setAccessibleName("Start the rehearsal")
        self.start.setEnabled(bool(folder))
        self.start.clicked.connect(self.rehearse)
        row.addWidget(self.close_button)
        row.addWidget(self.start)
        layout.addLayout(row)

    def _show_every(self, months: int) -> None:
        self.every.setValue(months)
        self._loading_every = False

    def _set_every(self, months: int) -> None:
        if self._loading_every:
            return
        service = RehearsalService(self.session, clock=self.clock)
        db_op(self, self.session, lambda: service.set_every_months(months)).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)

    def rehearse(self) -> None:
        key = self.key.text()
        self.key.clear()
        if not key.strip():
            self.message.setText("Type the recovery key first.")
            self.message.setVisible(True)
            return
        folder = Path(self.folder)
        service = RehearsalService(self.session, clock=self.clock)
        show_inline(self.message, None)

        def passed(result: RehearsalResult) -> None:
            self.outcome = result
            self.message.setText(
                "The rehearsal passed: your newest backup opens with your recovery key and "
                "holds your records. Keep the Emergency Kit where it is."
            )
            self.message.setVisible(True)

        def failed(exc: BaseException) -> None:
            self.failed = exc
            show_inline(self.message, exc)

        db_op(self, self.session, lambda: service.rehearse(key, folder)).busy(self._busy).success(
            passed
        ).failure(failed).run(database=True)

    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.start.setEnabled(not busy)


def rehearsal_words(last: str | None, due: bool) -> str:
    if last is None:
        return "No recovery rehearsal yet. Records → Recovery rehearsal… takes two minutes."
    when = day(last)
    if due:
        return f"The last recovery rehearsal passed on {when}; it is time for the next one."
    return f"The last recovery rehearsal passed on {when}."


class RehearsalCard(Card):
    """Home: when the last rehearsal passed, and whether one is due."""

    def __init__(self, session: VaultSession, *, clock: Clock, parent: QWidget) -> None:
        super().__init__("Recovery rehearsal", "", parent=parent)
        self.loaded = False
        service = RehearsalService(session, clock=clock)
        db_op(self, session, lambda: (service.last_passed(), service.is_due())).success(
            self._show
        ).run(database=True)

    def _show(self, answer: tuple[str | None, bool]) -> None:
        self.text.setText(rehearsal_words(*answer))
        self.loaded = True
