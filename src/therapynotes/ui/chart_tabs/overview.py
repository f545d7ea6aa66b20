"""Overview & demographics (edit through the client dialog) and the chart's history
(audit rows, no text). The Diagnoses tab is in diagnoses.py."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QWidget

from therapynotes.domain.enums import ClientStatus
from therapynotes.domain.models import Chart, ClientFields
from therapynotes.store.audit import AuditEntry
from therapynotes.ui.client_dialog import STATUS_WORDS, ClientDialog
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.measures.panel import MeasuresPanel
from therapynotes.ui.records_access import RecordsAccess, day, local_time
from therapynotes.ui.schedule.chart_line import offer_to_cancel_future, show_schedule_line
from therapynotes.ui.table_model import RowTableModel, fit_columns, table_view
from therapynotes.ui.widgets import GRID, hbox, vbox


class OverviewTab(QWidget):
    changed = Signal()

    ROWS = (
        ("Legal name", "legal_name"),
        ("Preferred name", "preferred_name"),
        ("Pronouns", "pronouns"),
        ("Date of birth", "date_of_birth"),
        ("Phone", "phone"),
        ("Email", "email"),
        ("Address", "address"),
        ("Emergency contact", "emergency_contact"),
        ("Guardian", "guardian"),
        ("Referral source", "referral_source"),
        ("Intake date", "intake_date"),
        ("Status", "status"),
        ("Discharge date", "discharge_date"),
        ("Alerts", "alerts"),
    )

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.chart: Chart | None = None
        layout = vbox(self, margins=2 * GRID, spacing=2 * GRID)
        form = QFormLayout()
        form.setHorizontalSpacing(3 * GRID)
        form.setVerticalSpacing(GRID)
        self.values: dict[str, QLabel] = {}
        for title, key in self.ROWS:
            value = QLabel(self)
            value.setWordWrap(True)
            value.setAccessibleName(title)
            form.addRow(title, value)
            self.values[key] = value
        self.schedule_line = QLabel(self)  # the schedule (issue 13)
        self.schedule_line.setWordWrap(True)
        self.schedule_line.setAccessibleName("Appointments")
        form.addRow("Appointments", self.schedule_line)
        # Outcome measures (ui/measures/): the details on the left, the measures beside them.
        columns = hbox(spacing=4 * GRID)
        left = vbox(spacing=GRID)
        left.addLayout(form)
        left.addStretch(1)
        columns.addLayout(left, 2)
        self.measures = MeasuresPanel(records, self)
        self.measures.changed.connect(self.changed)
        columns.addWidget(self.measures, 3)
        layout.addLayout(columns, 8)
        row = hbox()
        self.edit_button = QPushButton("Edit details…", self)
        self.edit_button.setAccessibleName("Edit details")
        self.edit_button.clicked.connect(self.edit)
        row.addWidget(self.edit_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        fields = chart.client.fields
        for key, label in self.values.items():
            value = getattr(fields, key)
            if key == "status":
                text = STATUS_WORDS[value]
            elif key.endswith("date") or key == "date_of_birth":
                text = day(value)
            else:
                text = value
            label.setText(text or "—")
        self.measures.show_chart(chart)
        show_schedule_line(self, self.records, chart.client.id, self.schedule_line)

    def clear(self) -> None:
        self.chart = None
        for label in self.values.values():
            label.clear()
        self.measures.clear()

    def edit(self) -> ClientDialog | None:
        if self.chart is None:
            return None
        client_id = self.chart.client.id
        dialog = ClientDialog(self.chart.client.fields, parent=self)
        tag(dialog, "client.edit", client_id)

        was_discharged = self.chart.client.fields.status is ClientStatus.DISCHARGED

        def saved() -> None:
            self.changed.emit()
            if fields_now[0].status is ClientStatus.DISCHARGED and not was_discharged:
                offer_to_cancel_future(self, self.records, client_id)  # the schedule

        fields_now: list[ClientFields] = []

        def save() -> None:
            fields = dialog.fields()  # read here: the write runs on the database worker
            fields_now[:] = [fields]
            self.records.op(self, lambda s: s.update_client(client_id, fields)).busy(
                lambda busy: self.edit_button.setEnabled(not busy)
            ).success(lambda _none: saved()).run(database=True)

        dialog.accepted.connect(save)
        dialog.open()
        return dialog


HISTORY_WORDS = {
    "chart.viewed": "Chart opened",
    "record.created": "Added",
    "record.edited": "Changed",
    "note.signed": "Note signed",
    "note.addended": "Addendum added",
    "note.voided": "Note voided",
    "export": "Exported",
    "print": "Printed",
}


# Field names an edit's audit row lists (never values), in the therapist's words.
FIELD_WORDS = {"resolved_date": "resolved", "primary": "made primary", "addressed": "addressed"}


class HistoryColumn(Enum):
    WHEN = "When"
    WHAT = "What"
    RECORD = "Record"


class HistoryModel(RowTableModel[AuditEntry]):
    columns = HistoryColumn

    def display(self, row: AuditEntry, column: HistoryColumn) -> str:
        if column is HistoryColumn.WHEN:
            return local_time(row.at[:19] + "Z")
        if column is HistoryColumn.WHAT:
            return HISTORY_WORDS.get(row.kind, row.kind)
        kind = row.subject.split(":", 1)[0]
        record = str(row.detail.get("record", kind)).replace("_", " ").capitalize()
        fields = row.detail.get("fields")
        if isinstance(fields, list) and fields:
            words = (FIELD_WORDS.get(str(f), str(f).replace("_", " ")) for f in fields)
            record += f" ({', '.join(words)})"
        return record


class HistoryTab(QWidget):
    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.model = HistoryModel(self)
        layout = vbox(self, margins=2 * GRID)
        self.table = table_view(self.model, "Chart history", self)
        layout.addWidget(self.table)

    def show_chart(self, chart: Chart) -> None:
        client_id = chart.client.id
        self.records.op(self, lambda s: s.client_history(client_id)).success(self._loaded).run(
            database=True
        )

    def _loaded(self, rows: list[AuditEntry]) -> None:
        self.model.set_rows(list(reversed(rows)))
        fit_columns(self.table)
