"""Attachments of a chart: add a file (stored encrypted in the vault), open an image in
the app, and save a copy out only when the therapist asks for it."""

from __future__ import annotations

import mimetypes
from enum import Enum
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import AttachmentMeta, Chart
from therapynotes.services.records import read_attachment_file
from therapynotes.ui.attachment_viewer import (
    load_attachment,
    open_attachment,
    safe_file_name,
    save_attachment_copy,
)
from therapynotes.ui.chart_pdf import SessionContext
from therapynotes.ui.errors import show_error
from therapynotes.ui.ops import Op
from therapynotes.ui.records_access import RecordsAccess, local_time
from therapynotes.ui.table_model import RowTableModel, TableOrEmpty, fit_columns, table_view
from therapynotes.ui.widgets import GRID, hbox, vbox


class AttachmentColumn(Enum):
    NAME = "File"
    TYPE = "Type"
    SIZE = "Size"
    ADDED = "Added"


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / (1024 * 1024):.1f} MB"


class AttachmentModel(RowTableModel[AttachmentMeta]):
    columns = AttachmentColumn

    def display(self, row: AttachmentMeta, column: AttachmentColumn) -> str:
        if column is AttachmentColumn.NAME:
            return row.filename
        if column is AttachmentColumn.TYPE:
            return row.media_type
        if column is AttachmentColumn.SIZE:
            return _size(row.size)
        return local_time(row.added_at)


class AttachmentsTab(QWidget):
    changed = Signal()

    def __init__(self, records: RecordsAccess, client_id: ClientId, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.records = records
        self.client_id = client_id
        self.model = AttachmentModel(self)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        row = hbox()
        self.needs_selection: list[QPushButton] = []
        for text, slot in (
            ("Add file…", self.add_file),
            ("Open", self.open_selected),
            ("Save a copy…", self.save_copy),
        ):
            button = QPushButton(text, self)
            button.setAccessibleName(text.rstrip("…"))
            button.clicked.connect(slot)
            row.addWidget(button)
            if slot == self.add_file:
                self.add_button = button
            else:
                button.setEnabled(False)
                self.needs_selection.append(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = table_view(self.model, "Attachments", self, stretch=0)
        self.table.activated.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection)
        layout.addWidget(
            TableOrEmpty(
                self.table,
                "No attachments yet. Add a consent form, a release of information or a "
                "letter with Add file…",
                self,
            ),
            1,
        )

    def show_chart(self, chart: Chart) -> None:
        self.model.set_rows(list(chart.attachments))
        fit_columns(self.table)

    def _selection(self) -> None:
        for button in self.needs_selection:
            button.setEnabled(self.table.selectionModel().hasSelection())

    def selected(self) -> AttachmentMeta | None:
        return self.model.row_at(self.table.currentIndex())

    def add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add file to chart")
        if path:
            self.add_path(Path(path))

    def add_path(self, path: Path) -> None:
        """The file is read on a background thread and stored by the database worker
        (neither blocks the UI, however large the file); Add file stays disabled until
        it is saved, then the chart refreshes. A failure of either step is shown."""
        client_id = self.client_id
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"

        def store(data: bytes) -> None:
            self.records.op(
                self,
                lambda s: s.add_attachment(
                    client_id, filename=path.name, media_type=kind, data=data
                ),
            ).failure(self._add_failed).success(self._added).run(database=True)

        self._add_busy(True)
        Op(self, lambda: read_attachment_file(path)).failure(self._add_failed).success(store).run()

    def _add_busy(self, busy: bool) -> None:
        self.add_button.setEnabled(not busy)

    def _add_failed(self, exc: BaseException) -> None:
        self._add_busy(False)
        show_error(self, exc)

    def _added(self, _meta: object) -> None:
        self._add_busy(False)
        self.changed.emit()

    def _context(self) -> SessionContext:
        return SessionContext(self.records.service.session, self.records.clock)

    def open_selected(self) -> None:
        """Images and PDFs open in the app (ui/attachment_viewer.py) once the database
        worker has read them; other kinds can only be saved out, on explicit request."""
        meta = self.selected()
        if meta is None:
            return
        if not meta.media_type.startswith("image/") and meta.media_type != "application/pdf":
            self.save_copy()
            return
        open_attachment(self, self._context(), meta.id)

    def save_copy(self) -> None:
        meta = self.selected()
        if meta is None:
            return
        suggested = str(Path.home() / safe_file_name(meta))
        path, _ = QFileDialog.getSaveFileName(self, "Save a copy outside the vault", suggested)
        if not path:
            return
        session, attachment_id, target = self.records.service.session, meta.id, Path(path)

        def save() -> None:  # on the database worker: read, check, write, audit
            full, data = load_attachment(session, attachment_id)
            save_attachment_copy(session, full, data, target)

        Op(self, save).run(database=True)  # a failure is shown (ops' default)
