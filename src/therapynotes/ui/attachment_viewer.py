"""Attachments open inside the app: images in a scaled QLabel, PDFs in a QPdfView (QtPdf
from pyside6-pdf). The bytes come from the service (checked against their SHA-256) and
stay in memory (the vault's chunks); nothing is written to disk unless the therapist asks for
"Save a copy…", which writes only the chosen file (atomically, 0600) and is audit-logged.

The chart view calls `open_attachment(parent, context, attachment_id)`: the bytes are read
on the database worker (ui/ops.py) and the dialog opens when they arrive; a copy is saved
(and audited) on the worker too. The dialog is a child of that view, so a lock (which
destroys the view) closes it and frees the bytes.

The worker reads the vault a chunk at a time (store/attachments.py, SQLite fills each
chunk with the GIL released) and keeps the chunks as they are: the PDF view and the image
decoder read them through a ChunkDevice (ui/chunk_device.py) and a saved copy writes them
one by one, so no step copies the whole file with the GIL held while the UI thread waits
(issue 18). `Progress` carries how far the worker got to the UI thread for a bar on big
files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QWidget,
)

from therapynotes.domain import formatting
from therapynotes.domain.ids import AttachmentId
from therapynotes.domain.models import AttachmentMeta
from therapynotes.services.documents import DocumentKind, record_export, save_file
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.ui.chart_pdf import ChartContext
from therapynotes.ui.chunk_device import ChunkDevice, Chunks
from therapynotes.ui.errors import show_inline
from therapynotes.ui.icons import icon
from therapynotes.ui.ops import Op
from therapynotes.ui.widgets import GRID, body, hbox, message_label, plain_buttons, vbox

PDF_TYPES = ("application/pdf",)


class Progress(QObject):
    """How many of an attachment's bytes the worker has moved, sent to the UI thread
    (queued) as one (done, total) tuple: never a bare bool (issue 20). Made on the UI
    thread; `report` is the callback handed to the worker."""

    moved = Signal(object)

    def report(self, done: int, total: int) -> None:
        self.moved.emit((done, total))


class ScaledImage(QLabel):
    """An image that fits the space it has, never larger than its own size."""

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap = QPixmap.fromImage(image)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(QSize(20 * GRID, 20 * GRID))
        self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        target = self.size().boundedTo(self._pixmap.size())
        self.setPixmap(
            self._pixmap.scaled(
                target,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


class AttachmentViewerDialog(QDialog):
    def __init__(
        self,
        meta: AttachmentMeta,
        data: Chunks,
        *,
        session: VaultSession,
        parent: QWidget | None = None,
        prepared: QImage | None = None,
    ) -> None:
        """`prepared`: the image, decoded off the UI thread by `prepare` (else here)."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Attachment")  # never the file name: it may name the client
        self.resize(90 * GRID, 100 * GRID)
        self.meta = meta
        self.session = session
        self._data = data
        self._prepared = prepared
        self.pdf: QPdfDocument | None = None
        self.message = message_label(self)
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        layout.addWidget(
            body(
                f"{meta.filename} · {meta.size:,} bytes · added {formatting.instant(meta.added_at)}"
            )
        )
        self.viewer = self._make_viewer()
        layout.addWidget(self.viewer, 1)
        layout.addWidget(self.message)
        save = QPushButton(icon("folder"), "Save a copy…", self)
        save.setAccessibleName("Save a copy of the attachment")
        save.clicked.connect(self._pick_path)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        plain_buttons(buttons)
        buttons.rejected.connect(self.reject)
        row = hbox()
        row.addWidget(save)
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)

    def _make_viewer(self) -> QWidget:
        kind = self.meta.media_type.lower()
        if kind in PDF_TYPES:
            return self._pdf_view()
        if kind.startswith("image/"):
            prepared = self._prepared
            image = prepared if isinstance(prepared, QImage) else decode(self._data)
            if not image.isNull():
                area = QScrollArea(self)
                area.setWidgetResizable(True)
                area.setWidget(ScaledImage(image))
                area.setAccessibleName("Attachment image")
                return area
        return body(
            "This kind of file can't be shown inside TherapyNotes. Use Save a copy… to open "
            "it in another program, and delete the copy when you are done.",
            parent=self,
        )

    def _pdf_view(self) -> QWidget:
        # QPdfDocument reads the chunks in memory: no temp file, no copy of the whole file.
        self._device = ChunkDevice(self._data, self)
        self.pdf = QPdfDocument(self)
        self.pdf.statusChanged.connect(self._pdf_status)
        self.pdf.load(self._device)
        view = QPdfView(self)
        view.setDocument(self.pdf)
        view.setPageMode(QPdfView.PageMode.MultiPage)
        view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        view.setAccessibleName("Attachment document")
        return view

    def _pdf_status(self, status: QPdfDocument.Status) -> None:
        if status == QPdfDocument.Status.Error:
            self.message.setText(
                "This PDF can't be shown inside TherapyNotes (it may be damaged). Use Save a "
                "copy… to open it in another program."
            )
            self.message.setVisible(True)

    def suggested_name(self) -> str:
        return safe_file_name(self.meta)

    def _pick_path(self) -> None:
        suggested = str(Path.home() / self.suggested_name())
        path, _ = QFileDialog.getSaveFileName(self, "Save a copy", suggested)
        if path:
            self.save_copy(Path(path))

    def save_copy(self, path: Path) -> None:
        """Write the attachment's bytes to `path` (the therapist chose it) and audit it,
        on the database worker; the outcome is shown under the attachment."""
        session, meta, data = self.session, self.meta, self._data

        def saved(_none: object) -> None:
            self.message.setText(f"Saved a copy as {path.name}. It is not encrypted.")
            self.message.setVisible(True)

        Op(self, lambda: save_attachment_copy(session, meta, data, path)).success(saved).failure(
            lambda exc: show_inline(self.message, exc)
        ).run(database=True)


def safe_file_name(meta: AttachmentMeta) -> str:
    """A file name to suggest when saving out: the stored name's last part only (an
    imported name may hold a path such as "../../x"), never empty, never hidden."""
    name = Path(meta.filename.replace("\\", "/")).name.lstrip(".").strip()
    return name or f"attachment-{meta.id}"


def save_attachment_copy(
    session: VaultSession, meta: AttachmentMeta, data: Chunks, path: Path
) -> None:
    """The one way an attachment leaves the vault: to the path the therapist chose,
    atomically and private (0600), with an audit row (ids only)."""
    save_file(path, data)  # chunk by chunk: never joined into one copy
    record_export(
        session,
        meta.client_id,
        printed=False,
        psychotherapy=False,
        kind=DocumentKind.ATTACHMENT,
        attachment=int(meta.id),
    )


def load_attachment(
    session: VaultSession,
    attachment_id: AttachmentId,
    progress: Progress | None = None,
) -> tuple[AttachmentMeta, Chunks]:
    """On the worker: the bytes, as the chunks the vault hands out, checked against
    their SHA-256 (AttachmentCorrupt, AttachmentNotFound otherwise)."""
    chunks: list[bytes] = []
    with session.db_lock:  # the background worker may be using the connection
        meta = RecordsService(session).stream_attachment(
            attachment_id, chunks.append, None if progress is None else progress.report
        )
    return meta, tuple(chunks)


def open_attachment(
    parent: QWidget,
    context: ChartContext,
    attachment_id: AttachmentId,
    then: Callable[[AttachmentViewerDialog], None] | None = None,
    progress: Progress | None = None,
) -> None:
    """Show the attachment in a window once the worker has read (and checked) its bytes;
    errors (missing, corrupt) as a message. `then` gets the window when it opens;
    `progress` hears how far the read got."""
    session = context.session
    screen = parent.screen()
    bound = screen.availableSize() if screen is not None else None

    def show(found: tuple[AttachmentMeta, Chunks, QImage | None]) -> None:
        meta, data, prepared = found
        dialog = AttachmentViewerDialog(
            meta, data, session=session, parent=parent, prepared=prepared
        )
        dialog.open()
        if then is not None:
            then(dialog)

    # a failure is shown over `parent` (ops' default)
    def load() -> tuple[AttachmentMeta, Chunks, QImage | None]:
        meta, data = load_attachment(session, attachment_id, progress)
        return meta, data, prepare(meta, data, bound)

    Op(parent, load).success(show).run(database=True)


def decode(data: Chunks, bound: QSize | None = None) -> QImage:
    """The image, no larger than `bound`. QImageReader releases the GIL while it decodes
    (QImage.fromData holds it: a 4000 x 3000 JPEG kept the UI thread waiting 45-137 ms),
    reads the chunks where they are, and decodes a JPEG straight at the smaller size."""
    device = ChunkDevice(data)  # kept referenced here: the reader does not own it
    reader = QImageReader(device)
    size = reader.size()
    if bound is not None and size.isValid() and not bound.expandedTo(size) == bound:
        reader.setScaledSize(size.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    device.close()
    return image


def prepare(meta: AttachmentMeta, data: Chunks, bound: QSize | None = None) -> QImage | None:
    """On the worker: the slow part of showing an image, off the UI thread: decode it at
    no more than `bound` (the screen: the window never shows it larger; a 12-megapixel
    scan otherwise cost the UI thread 20-40 ms to scale on opening) and convert it to the
    pixel format a pixmap uses. A PDF needs nothing here: QPdfView reads the chunks as
    they are."""
    if not meta.media_type.lower().startswith("image/"):
        return None
    image = decode(data, bound)
    if image.isNull():
        return image
    alpha = image.hasAlphaChannel()
    return image.convertToFormat(
        QImage.Format.Format_ARGB32_Premultiplied if alpha else QImage.Format.Format_RGB32
    )
