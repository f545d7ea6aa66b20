"""Attachments of a chart: add a file (stored encrypted in the vault), open an image in
the app, and save a copy out only when the therapist asks for it."""

from __future__ import annotations

import mimetypes
from enum import Enum
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QProgressBar, QPushButton, QWidget

from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import AttachmentMeta, Chart
from therapynotes.services.records import read_attachment_file
from therapynotes.store.attachments import CHUNK
from therapynotes.ui.attachment_viewer import (
    Progress,
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


class TransferStatus(QWidget):
    """What the worker is doing with a big file and how far it got: a line of text and a
    bar under the table, shown only for files of BIG bytes or more (a small one is done
    before a bar could be read) and hidden again when the last chunk has moved."""

    BIG = 4 * CHUNK

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.progress = Progress(self)  # owned here, so it outlives each job's closure
        self.progress.moved.connect(self._moved)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 100)
        self.bar.setAccessibleName("Progress")
        row = hbox(self)
        row.addWidget(self.label)
        row.addWidget(self.bar, 1)
        self.setVisible(False)

    def start(self, text: str) -> Progress:
        self.label.setText(text)
        self.bar.setValue(0)
        return self.progress

    def _moved(self, step: tuple[int, int]) -> None:
        done, total = step
        self.bar.setValue(int(100 * done / total) if total else 100)
        self.setVisible(total >= self.BIG and done < total)

    def finish(self) -> None:
        self.setVisible(False)


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
        self.status = TransferStatus(self)
        layout.addWidget(self.status)

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
            report = self.status.start(f"Storing {path.name} in the vault…").report
            self.records.op(
                self,
                lambda s: s.add_attachment(
                    client_id, filename=path.name, media_type=kind, data=data, progress=report
                ),
            ).failure(self._add_failed).success(self._added).run(database=True)

        self._add_busy(True)
        Op(self, lambda: read_attachment_file(path)).failure(self._add_failed).success(store).run()

    def _add_busy(self, busy: bool) -> None:
        self.add_button.setEnabled(not busy)

    def _add_failed(self, exc: BaseException) -> None:
        self._add_busy(False)
        self.status.finish()
        show_error(self, exc)

    def _added(self, _meta: object) -> None:
        self._add_busy(False)
        self.status.finish()
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
        progress = self.status.start(f"Opening {meta.filename}…")
        open_attachment(self, self._context(), meta.id, progress=progress)

    def save_copy(self) -> None:
        meta = self.selected()
        if meta is None:
            return
        suggested = str(Path.home() / safe_file_name(meta))
        path, _ = QFileDialog.getSaveFileName(self, "Save a copy outside the vault", suggested)
        if not path:
            return
        session, attachment_id, target = self.records.service.session, meta.id, Path(path)
        progress = self.status.start(f"Reading {meta.filename} for the copy…")

        def save() -> None:  # on the database worker: read, check, write, audit
            full, data = load_attachment(session, attachment_id, progress)
            save_attachment_copy(session, full, data, target)

        def failed(exc: BaseException) -> None:
            self.status.finish()
            show_error(self, exc)

        Op(self, save).success(lambda _none: self.status.finish()).failure(failed).run(
            database=True
        )
