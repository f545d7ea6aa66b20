"""Records retention: the rule, the clients due for destruction (or every client) with
their dates, legal hold on and off with a reason, and the purge of a whole record with
the CLI's guarantees: a first confirmation that says exactly what goes (and, before the
retention date, asks the reason the audit log keeps), then a last "cannot be undone".

Every read and write runs on the database worker; names are shown through
display_name and never leave the window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from therapynotes.domain.ids import ClientId
from therapynotes.domain.retention import RecordRetentionPolicy, RetentionStatus
from therapynotes.retention_errors import HoldReasonInvalid
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import MAX_REASON, PurgePreview, RetentionService
from therapynotes.services.session import VaultSession
from therapynotes.ui.admin.common import db_op, fill, selected_row, word_table
from therapynotes.ui.admin.purge_dialog import PurgeDialog, Row
from therapynotes.ui.errors import show_inline
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.ops import Op
from therapynotes.ui.records_access import day
from therapynotes.ui.widgets import GRID, body, busy_bar, hbox, heading, message_label, vbox

Clock = Callable[[], float]
HOLD_FORM = "retention.hold"  # kept forms (ui/form_drafts.py; reopened by ui/admin/menu.py)
PURGE_FORM = "retention.purge"
T = TypeVar("T")


def state_words(status: RetentionStatus, today: date) -> str:
    if status.on_hold:
        return "On legal hold"
    return "Due for destruction" if status.is_due(today) else "Kept"


def rule_words(policy: RecordRetentionPolicy) -> str:
    return (
        f"Records are kept {policy.years} years after the last service; a minor's until "
        f"{policy.minor_years} years after turning {policy.age_of_majority}, if that is later. "
        "Change the rule in Settings → Records."
    )


class RetentionDialog(QDialog):
    HEADERS = ("Client", "Last service", "Keep until", "Status")

    def __init__(
        self, session: VaultSession, *, clock: Clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Records retention")
        self.setAccessibleName("Records retention")
        self.session = session
        self.clock = clock
        self.rows: list[Row] = []
        self.today = date.today()
        self.reason_dialog: HoldReasonDialog | None = None
        self.purge_dialog: PurgeDialog | None = None
        self._after_load: list[Callable[[], None]] = []  # a kept form's reopening
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Records retention", size_delta=3))
        self.rule = body("", parent=self)
        self.rule.setAccessibleName("Retention rule")
        layout.addWidget(self.rule)
        self.show_which = QComboBox(self)
        self.show_which.addItems(["Due for destruction", "Every client"])
        self.show_which.setAccessibleName("Show")
        self.show_which.currentIndexChanged.connect(self.refresh)
        top = hbox()
        top.addWidget(QLabel("&Show", self))
        top.itemAt(0).widget().setBuddy(self.show_which)  # type: ignore[union-attr]
        top.addWidget(self.show_which)
        top.addStretch(1)
        layout.addLayout(top)
        self.table = word_table(self, self.HEADERS, "Records and their retention dates")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table)
        self.empty = body("No record is due for destruction.", parent=self)
        layout.addWidget(self.empty)
        self.busy = busy_bar(self, name="Loading retention dates", keep_space=True)
        layout.addWidget(self.busy)
        layout.addLayout(self._buttons())
        self.message = message_label(self)
        self.message.setAccessibleName("Retention message")
        layout.addWidget(self.message)
        self.resize(100 * GRID, 60 * GRID)
        self._selection_changed()
        self.refresh()

    def _buttons(self) -> QHBoxLayout:
        buttons = hbox()
        self.hold_button = QPushButton("Place legal hold…", self)
        self.hold_button.setAccessibleName("Place legal hold")
        self.release_button = QPushButton("Release legal hold…", self)
        self.release_button.setAccessibleName("Release legal hold")
        self.purge_button = QPushButton("Destroy record…", self)
        self.purge_button.setAccessibleName("Destroy record")
        for button in (self.hold_button, self.release_button, self.purge_button):
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        self.hold_button.clicked.connect(lambda: self.ask_hold(held=True))
        self.release_button.clicked.connect(lambda: self.ask_hold(held=False))
        self.purge_button.clicked.connect(lambda: self.ask_purge())  # noqa: PLW0108 - not `checked`
        return buttons

    # --- work on the database worker ------------------------------------------------

    def _service(self) -> RetentionService:
        return RetentionService(self.session, clock=self.clock)

    def _op(self, fn: Callable[[], T]) -> Op[T]:
        return db_op(self, self.session, fn).busy(self.busy.setVisible)

    def refresh(self) -> None:
        every = self.show_which.currentIndex() == 1

        def load() -> tuple[RecordRetentionPolicy, date, list[Row]]:
            svc = self._service()
            names = RecordsService(self.session, clock=self.clock)
            today = svc.today()
            found = svc.statuses() if every else svc.due()
            rows = [
                Row(s, names.get_client(ClientId(s.client_id)).display_name, state_words(s, today))
                for s in found
            ]
            return svc.policy(), today, rows

        self._op(load).success(self._show).failure(self._fail).run(database=True)

    def _show(self, answer: tuple[RecordRetentionPolicy, date, list[Row]]) -> None:
        policy, self.today, self.rows = answer
        self.rule.setText(rule_words(policy))
        chosen = self.selected()
        fill(
            self.table,
            [
                (
                    row.name,
                    day(row.status.last_service.isoformat()),
                    day(row.status.retention_date.isoformat()),
                    row.state,
                )
                for row in self.rows
            ],
        )
        if chosen is not None:
            self.select_client(chosen.status.client_id)
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        self.empty.setText(
            "No record is due for destruction."
            if self.show_which.currentIndex() == 0
            else "There are no clients yet."
        )
        self._selection_changed()
        waiting, self._after_load = self._after_load, []
        for then in waiting:
            then()

    def after_load(self, then: Callable[[], None]) -> None:
        """Run `then` once the list has been shown (ui/admin/menu.py reopens kept forms)."""
        self._after_load.append(then)

    def _fail(self, exc: BaseException) -> None:
        show_inline(self.message, exc)

    def selected(self) -> Row | None:
        index = selected_row(self.table)
        return None if index is None or index >= len(self.rows) else self.rows[index]

    def select_client(self, client_id: int) -> None:
        for i, row in enumerate(self.rows):
            if row.status.client_id == client_id:
                self.table.selectRow(i)

    def _selection_changed(self) -> None:
        row = self.selected()
        self.hold_button.setEnabled(row is not None and not row.status.on_hold)
        self.release_button.setEnabled(row is not None and row.status.on_hold)
        self.purge_button.setEnabled(row is not None and not row.status.on_hold)

    # --- legal hold -----------------------------------------------------------------

    def ask_hold(self, *, held: bool) -> HoldReasonDialog | None:
        row = self.selected()
        if row is None:
            return None
        self.reason_dialog = HoldReasonDialog(row, held=held, parent=self)
        tag(self.reason_dialog, HOLD_FORM, ClientId(row.status.client_id), held=int(held))
        self.reason_dialog.accepted.connect(self._hold_answered)
        self.reason_dialog.open()
        return self.reason_dialog

    def _hold_answered(self) -> None:
        dialog = self.reason_dialog
        if dialog is None:
            return
        client, held, reason = ClientId(dialog.row.status.client_id), dialog.held, dialog.reason()
        words = "placed" if held else "released"
        name = dialog.row.name

        def change() -> bool:
            return self._service().set_hold(client, held=held, reason=reason)

        def done(_changed: bool) -> None:
            self.message.setText(f"Legal hold {words} for {name}.")
            self.message.setVisible(True)
            self.refresh()

        self._op(change).success(done).failure(self._fail).run(database=True)

    # --- purge ----------------------------------------------------------------------

    def ask_purge(self, fill: Callable[[PurgeDialog], None] | None = None) -> None:
        row = self.selected()
        self.purge_dialog = None
        if row is None:
            return
        client = ClientId(row.status.client_id)
        self._op(lambda: self._service().preview_purge(client)).success(
            lambda preview: self._open_purge(row, preview, fill)
        ).failure(self._fail).run(database=True)

    def _open_purge(
        self, row: Row, preview: PurgePreview, fill: Callable[[PurgeDialog], None] | None
    ) -> None:
        self.purge_dialog = PurgeDialog(row, preview, today=self.today, parent=self)
        tag(self.purge_dialog, PURGE_FORM, ClientId(row.status.client_id))
        self.purge_dialog.confirmed.connect(self._purge)
        self.purge_dialog.open()
        if fill is not None:
            fill(self.purge_dialog)

    def _purge(self) -> None:
        dialog = self.purge_dialog
        if dialog is None:
            return
        client, reason, name = (
            ClientId(dialog.row.status.client_id),
            dialog.reason(),
            dialog.row.name,
        )

        def purge() -> dict[str, int]:
            return self._service().purge(client, before_retention_date=reason)

        def done(_counts: dict[str, int]) -> None:
            dialog.finished_purge(None)
            self.message.setText(
                f"The whole record of {name} was destroyed. The audit trail keeps a note that "
                "it was, without any of its content. Older backups still hold it."
            )
            self.message.setVisible(True)
            self.refresh()

        def failed(exc: BaseException) -> None:
            dialog.finished_purge(exc)

        self._op(purge).success(done).failure(failed).run(database=True)


class HoldReasonDialog(QDialog):
    """The reason for placing or releasing a legal hold (kept in the audit trail)."""

    def __init__(self, row: Row, *, held: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row, self.held = row, held
        title = "Place a legal hold" if held else "Release the legal hold"
        self.setWindowTitle(title)
        layout = vbox(self, margins=3 * GRID, spacing=GRID)
        layout.addWidget(heading(title, size_delta=2))
        layout.addWidget(
            body(
                f"{row.name}'s record will be kept whatever its retention date, and cannot be "
                "destroyed, until the hold is released."
                if held
                else f"{row.name}'s record will follow its retention date again.",
                parent=self,
            )
        )
        self.reason_field = QLineEdit(self)
        self.reason_field.setMaxLength(MAX_REASON)
        self.reason_field.setAccessibleName("Reason")
        self.reason_field.setPlaceholderText(
            "For example: subpoena received (do not name the client)"
        )
        layout.addWidget(QLabel("&Reason (kept in the audit trail)", self))
        layout.itemAt(layout.count() - 1).widget().setBuddy(self.reason_field)  # type: ignore[union-attr]
        layout.addWidget(self.reason_field)
        self.message = message_label(self)
        layout.addWidget(self.message)
        row_box = hbox()
        row_box.addStretch(1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel")
        self.ok_button = QPushButton("Place hold" if held else "Release hold", self)
        self.ok_button.setDefault(True)
        row_box.addWidget(self.cancel_button)
        row_box.addWidget(self.ok_button)
        layout.addLayout(row_box)
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self.submit)

    def reason(self) -> str:
        return " ".join(self.reason_field.text().split())

    def form_state(self) -> dict[str, object]:
        return {"reason": self.reason_field.text()}

    def restore_state(self, state: dict[str, object]) -> None:
        self.reason_field.setText(str(state.get("reason", "")))

    def submit(self) -> None:
        if not self.reason():
            show_inline(self.message, HoldReasonInvalid())
            return
        self.accept()
