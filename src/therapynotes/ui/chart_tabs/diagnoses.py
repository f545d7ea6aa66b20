"""The Diagnoses tab of a chart: add a diagnosis by ICD-10-CM name or code, mark one
resolved on a day (shown as resolved in words), make one the primary diagnosis. Writes
run on the database worker; the chart refreshes when they are saved. Both dialogs keep
what was chosen or typed through a lock (ui/form_drafts.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from therapynotes.domain.formatting import QT_ISO_DATE
from therapynotes.domain.icd10 import IcdCode
from therapynotes.domain.ids import DiagnosisId
from therapynotes.domain.models import Chart, Diagnosis
from therapynotes.services.records import RecordsService
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.ops import Op
from therapynotes.ui.records_access import RecordsAccess, day
from therapynotes.ui.table_model import (
    Index,
    RowTableModel,
    TableOrEmpty,
    fit_columns,
    table_view,
)
from therapynotes.ui.widgets import GRID, DateField, body, hbox, ok_cancel, plain_buttons, vbox


class DiagnosisColumn(Enum):
    CODE = "Code"
    DESCRIPTION = "Diagnosis"
    PRIMARY = "Primary"
    ONSET = "Onset"
    STATUS = "Status"


def diagnosis_status(row: Diagnosis) -> str:
    """In words, never by colour alone: 'Current' or 'Resolved 3 Mar 2027'."""
    return f"Resolved {day(row.resolved_date)}" if row.resolved_date else "Current"


class DiagnosisModel(RowTableModel[Diagnosis]):
    columns = DiagnosisColumn

    def display(self, row: Diagnosis, column: DiagnosisColumn) -> str:
        if column is DiagnosisColumn.CODE:
            return row.code
        if column is DiagnosisColumn.DESCRIPTION:
            return row.description
        if column is DiagnosisColumn.PRIMARY:
            return "Primary" if row.primary else ""
        if column is DiagnosisColumn.STATUS:
            return diagnosis_status(row)
        return day(row.onset_date)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Resolved diagnoses also in italics (their Status column says so in words)."""
        row = self.row_at(index)
        if role == Qt.ItemDataRole.FontRole and row is not None and row.resolved_date:
            font = QFont()
            font.setItalic(True)
            return font
        return super().data(index, role)

    def row_of(self, diagnosis_id: DiagnosisId) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == diagnosis_id), -1)


class ResolveDialog(QDialog):
    """Mark a diagnosis resolved on a day: today unless another is chosen, never before
    its onset nor after today. Says what will happen; the button is the second step."""

    def __init__(self, diagnosis: Diagnosis, today: date, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark diagnosis resolved")
        self.setMinimumWidth(60 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        self.diagnosis = body(f"{diagnosis.code}  {diagnosis.description}", parent=self)
        self.diagnosis.setAccessibleName("Diagnosis")
        layout.addWidget(self.diagnosis)
        form = QFormLayout()
        form.setHorizontalSpacing(2 * GRID)
        self.date = DateField(
            "Resolved on", self, value=QDate(today.year, today.month, today.day), optional=False
        )
        self.date.setMaximumDate(self.date.date())
        if diagnosis.onset_date:
            onset = date.fromisoformat(diagnosis.onset_date)
            self.date.setMinimumDate(QDate(onset.year, onset.month, onset.day))
        form.addRow("&Resolved on", self.date)
        layout.addLayout(form)
        text = (
            "The diagnosis stays in the chart, shown as resolved from this day. This cannot "
            "be undone; if it comes back, add it again as a new diagnosis."
        )
        if diagnosis.primary:
            text += " It stays marked primary until you make another diagnosis primary."
        self.explain = body(text, parent=self)
        layout.addWidget(self.explain)
        box, self.ok = ok_cancel(self, "Mark resolved")
        self.ok.setAccessibleName("Mark resolved")
        self.ok.setDefault(True)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def resolved_date(self) -> str:
        return str(self.date.date().toString(QT_ISO_DATE))

    def form_state(self) -> dict[str, Any]:
        return {"date": self.resolved_date()}

    def restore_state(self, state: dict[str, Any]) -> None:
        chosen = QDate.fromString(str(state.get("date", "")), QT_ISO_DATE)
        if chosen.isValid():
            self.date.setDate(chosen)


class DiagnosisDialog(QDialog):
    """Find an ICD-10-CM code by name or code (DSM-5-TR names work too)."""

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self._generation = 0
        self._wanted = ""  # a code to choose once the results for a restored search arrive
        self.setWindowTitle("Add diagnosis")
        self.setMinimumSize(64 * GRID, 48 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=GRID)
        self.query = QLineEdit(self)
        self.query.setAccessibleName("Find a diagnosis")
        self.query.setPlaceholderText("Name or ICD-10-CM code, for example F41.1 or anxiety")
        self.query.textChanged.connect(self._find)
        self.results = QListWidget(self)
        self.results.setAccessibleName("Diagnoses found")
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        add = box.addButton("Add diagnosis", QDialogButtonBox.ButtonRole.AcceptRole)
        add.setAccessibleName("Add diagnosis")
        plain_buttons(box)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def _find(self, text: str) -> None:
        """The search (one SQLite query over some 74,000 codes, domain/icd10.py) runs on a
        background thread; only the answer for the latest text is shown."""
        self._generation += 1
        generation = self._generation
        self.results.clear()
        query = text.strip()
        if len(query) < 2:
            return
        find = self.records.service.find_diagnosis  # a code list: no database
        Op(self, lambda: find(query, limit=30)).success(
            lambda found: self._show(generation, found)
        ).run()

    def _show(self, generation: int, codes: list[IcdCode]) -> None:
        if generation != self._generation:
            return  # typed on meanwhile: a newer search is on its way
        self.results.clear()
        for found in codes:
            item = QListWidgetItem(f"{found.code}  {found.description}")
            item.setData(256, found.code)
            self.results.addItem(item)
        if self.results.count():
            wanted = [
                row
                for row in range(self.results.count())
                if self.results.item(row).data(256) == self._wanted
            ]
            self.results.setCurrentRow(wanted[0] if wanted else 0)

    def form_state(self) -> dict[str, Any]:
        return {"query": self.query.text(), "code": self.code() or self._wanted}

    def restore_state(self, state: dict[str, Any]) -> None:
        self._wanted = str(state.get("code", ""))
        self.query.setText(str(state.get("query", "")))

    def code(self) -> str:
        item = self.results.currentItem()
        return str(item.data(256)) if item is not None else ""


class DiagnosesTab(QWidget):
    """Current diagnoses first, resolved ones after them. Add diagnosis…, Mark
    resolved… and Make primary (buttons and the table's context menu)."""

    changed = Signal()

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.chart: Chart | None = None
        self.model = DiagnosisModel(self)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        row = hbox()
        self.add_button = QPushButton("Add diagnosis…", self)
        self.add_button.setAccessibleName("Add diagnosis")
        self.add_button.clicked.connect(self.add)
        self.resolve_button = QPushButton("Mark resolved…", self)
        self.resolve_button.setAccessibleName("Mark resolved")
        self.resolve_button.clicked.connect(self.resolve)
        self.primary_button = QPushButton("Make primary", self)
        self.primary_button.setAccessibleName("Make primary")
        self.primary_button.clicked.connect(self.make_primary)
        for button in (self.add_button, self.resolve_button, self.primary_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = table_view(self.model, "Diagnoses", self, stretch=1)
        self.resolve_action = QAction("Mark resolved…", self.table)
        self.resolve_action.triggered.connect(self.resolve)
        self.primary_action = QAction("Make primary", self.table)
        self.primary_action.triggered.connect(self.make_primary)
        self.table.addActions([self.resolve_action, self.primary_action])
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.selectionModel().selectionChanged.connect(self._selection)
        layout.addWidget(
            TableOrEmpty(self.table, "No diagnoses yet. Add one by name or ICD-10-CM code.", self),
            1,
        )
        self._selection()

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        chosen = self.selected()
        # A stable sort: the store's order (primary first) within current and resolved.
        self.model.set_rows(sorted(chart.diagnoses, key=lambda d: d.resolved_date is not None))
        fit_columns(self.table)
        if chosen is not None and (row := self.model.row_of(chosen.id)) >= 0:
            self.table.selectRow(row)
        self._selection()

    def select(self, diagnosis_id: DiagnosisId) -> None:
        row = self.model.row_of(diagnosis_id)
        if row >= 0:
            self.table.selectRow(row)

    def selected(self) -> Diagnosis | None:
        """The chosen row (from the selection: during a keyboard move the current index
        still names the row before)."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def _selection(self) -> None:
        found = self.selected()
        current = found is not None and found.resolved_date is None
        for widget in (self.resolve_button, self.resolve_action):
            widget.setEnabled(current)
        for widget in (self.primary_button, self.primary_action):
            widget.setEnabled(current and found is not None and not found.primary)

    def add(self) -> DiagnosisDialog | None:
        if self.chart is None:
            return None
        client_id = self.chart.client.id
        dialog = DiagnosisDialog(self.records, self)
        tag(dialog, "diagnosis.add", client_id)

        def save() -> None:
            code = dialog.code()
            if code:
                # the first current diagnosis becomes primary (resolved ones don't count)
                primary = not any(d.primary and not d.resolved_date for d in self.model.rows)
                self._write(
                    lambda s: s.add_diagnosis(client_id, code, primary=primary),
                    button=self.add_button,
                )

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def resolve(self) -> ResolveDialog | None:
        found = self.selected()
        if found is None or found.resolved_date is not None:
            return None
        today = date.fromtimestamp(self.records.clock())  # noqa: DTZ012 - the local day
        dialog = ResolveDialog(found, today, self)
        tag(dialog, "diagnosis.resolve", found.client_id, diagnosis=found.id)
        dx_id = found.id

        def save() -> None:
            resolved = dialog.resolved_date()  # read here: the write runs on the worker
            self._write(lambda s: s.resolve_diagnosis(dx_id, resolved))

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def make_primary(self) -> None:
        """Not destructive (another diagnosis can be made primary again): no dialog."""
        found = self.selected()
        if found is not None and found.resolved_date is None and not found.primary:
            dx_id = found.id
            self._write(lambda s: s.make_primary_diagnosis(dx_id))

    def _write(
        self, fn: Callable[[RecordsService], object], *, button: QPushButton | None = None
    ) -> None:
        """On the database worker; the chart refreshes when it is saved, and a refusal
        is shown (ops' default). `button` stays disabled while the write runs."""
        op = self.records.op(self, fn).success(lambda _none: self.changed.emit())
        if button is not None:
            op.busy(lambda busy: button.setEnabled(not busy))
        op.run(database=True)
