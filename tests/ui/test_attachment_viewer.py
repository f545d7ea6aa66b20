"""Attachments open in the app from memory (images scaled, PDFs in QtPdf), are saved out
only on request (atomically, 0600, audit-logged), and leave no file behind otherwise."""

from __future__ import annotations

import os
import random
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QLabel, QMessageBox, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import FakeClock
from tests.support.records import add_client, unlock_new_vault
from tests.ui.waits import worker_done
from therapynotes.domain.ids import AttachmentId
from therapynotes.services.documents import PrintDocument
from therapynotes.services.records import RecordsService
from therapynotes.store import audit
from therapynotes.ui.attachment_viewer import AttachmentViewerDialog, ScaledImage, open_attachment
from therapynotes.ui.chart_pdf import SessionContext
from therapynotes.ui.chunk_device import ChunkDevice
from therapynotes.ui.pdf_render import render_pdf_bytes

MARK = os.urandom(24)  # unique bytes inside the image attachment


@pytest.fixture
def records(qapp: object, vault_dir: Path, clock: FakeClock) -> Iterator[RecordsService]:
    del qapp
    session = unlock_new_vault(vault_dir, clock)
    yield RecordsService(session, clock=clock)
    session.lock("test finished")


def _png() -> bytes:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data()) + MARK  # trailing bytes after IEND are ignored by readers


@pytest.fixture
def owner(qtbot: QtBot) -> QWidget:
    """Stands in for the chart view that owns the viewer (qtbot holds widgets weakly)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _open(owner: QWidget, records: RecordsService, att: AttachmentId) -> AttachmentViewerDialog:
    """The bytes are read on the database worker; the window opens when they arrive."""
    parent = QWidget(owner)
    opened: list[AttachmentViewerDialog] = []
    open_attachment(parent, SessionContext(records.session), att, opened.append)
    worker_done()
    assert len(opened) == 1 and isinstance(opened[0], AttachmentViewerDialog)
    return opened[0]


def test_image_shown_scaled_from_memory(
    owner: QWidget, records: RecordsService, vault_dir: Path, tmp_path: Path
) -> None:
    start = time.time() - 1
    client = add_client(records)
    att = records.add_attachment(client, filename="scan.png", media_type="image/png", data=_png())
    dialog = _open(owner, records, att)
    assert isinstance(dialog.viewer, QScrollArea)
    label = dialog.viewer.widget()
    assert isinstance(label, ScaledImage) and not label.pixmap().isNull()
    assert dialog.windowTitle() == "Attachment"
    dialog.resize(400, 300)
    assert label.pixmap().width() <= 640
    records.session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for root in (vault_dir, Path(tempfile.gettempdir()), Path(os.environ["HOME"])):
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                try:
                    if path.stat().st_mtime >= start and path.is_file():
                        assert MARK not in path.read_bytes(), path
                except OSError:
                    continue


def test_a_photo_larger_than_the_screen_is_scaled_on_the_worker(
    owner: QWidget, records: RecordsService
) -> None:
    """The UI thread only makes a pixmap of a screen-sized image: decoding and scaling a
    big scan happen in `prepare`, on the worker (issue 18)."""
    screen = owner.screen().availableSize()
    image = QImage(screen.width() * 3, screen.height() * 2, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    client = add_client(records)
    att = records.add_attachment(
        client, filename="scan.png", media_type="image/png", data=bytes(data.data())
    )
    dialog = _open(owner, records, att)
    assert isinstance(dialog._prepared, QImage)
    shown = dialog._prepared.size()
    assert shown.width() == screen.width() and shown.height() <= screen.height()
    assert abs(shown.width() / shown.height() - 1.5) < 0.01  # the same proportions
    assert isinstance(dialog.viewer, QScrollArea)
    label = dialog.viewer.widget()
    assert isinstance(label, ScaledImage) and label._pixmap.size() == shown


def test_pdf_shown_with_qtpdf(qtbot: QtBot, owner: QWidget, records: RecordsService) -> None:
    pdf = render_pdf_bytes(PrintDocument("t", "<h1>Consent form</h1>", "footer"))
    client = add_client(records)
    att = records.add_attachment(
        client, filename="consent.pdf", media_type="application/pdf", data=pdf
    )
    dialog = _open(owner, records, att)
    assert dialog.pdf is not None
    qtbot.waitUntil(lambda: dialog.pdf.status() == QPdfDocument.Status.Ready)  # type: ignore[union-attr]
    assert dialog.pdf.pageCount() == 1
    assert not dialog.message.isVisible()


def test_damaged_pdf_and_unknown_kind_say_so(
    qtbot: QtBot, owner: QWidget, records: RecordsService
) -> None:
    client = add_client(records)
    bad = records.add_attachment(
        client, filename="x.pdf", media_type="application/pdf", data=b"not a pdf"
    )
    dialog = _open(owner, records, bad)
    qtbot.waitUntil(lambda: "can't be shown" in dialog.message.text())
    other = records.add_attachment(
        client, filename="x.docx", media_type="application/msword", data=b"doc"
    )
    dialog = _open(owner, records, other)
    assert isinstance(dialog.viewer, QLabel) and "Save a copy" in dialog.viewer.text()


def test_save_a_copy_only_on_request(
    owner: QWidget, records: RecordsService, tmp_path: Path
) -> None:
    client = add_client(records)
    data = _png()
    att = records.add_attachment(
        client, filename="../../evil/scan.png", media_type="image/png", data=data
    )
    dialog = _open(owner, records, att)
    assert dialog.suggested_name() == "scan.png"
    target = tmp_path / "copy.png"
    dialog.save_copy(target)  # on the database worker
    worker_done()
    assert "Saved a copy as copy.png" in dialog.message.text()
    assert target.read_bytes() == data
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    last = audit.entries(records.conn)[-1]
    assert (last.kind, last.subject) == ("export", f"client:{client}")
    assert last.detail == {"kind": "attachment", "psychotherapy": False, "attachment": att}
    dialog.save_copy(tmp_path / "missing" / "copy.png")
    worker_done()
    assert "could not be saved" in dialog.message.text()
    # a link at the chosen name is refused, never written through
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    (tmp_path / "linked.png").symlink_to(victim)
    rows = len(audit.entries(records.conn))
    dialog.save_copy(tmp_path / "linked.png")
    worker_done()
    assert "could not be saved" in dialog.message.text()
    assert "link" in dialog.message.text()
    assert victim.read_bytes() == b"keep me" and (tmp_path / "linked.png").is_symlink()
    assert len(audit.entries(records.conn)) == rows


def test_missing_attachment_shows_an_error(qtbot: QtBot, records: RecordsService) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    opened: list[AttachmentViewerDialog] = []
    open_attachment(parent, SessionContext(records.session), AttachmentId(999), opened.append)
    worker_done()
    assert opened == []
    boxes = [b for b in parent.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and boxes[0].text()


@pytest.mark.parametrize(
    ("stored", "suggested"),
    [
        ("../../.bashrc", "bashrc"),
        ("/etc/passwd", "passwd"),
        ("..\\\\..\\\\win.ini", "win.ini"),
        ("..", "attachment-7"),
        ("consent form.pdf", "consent form.pdf"),
    ],
)
def test_suggested_names_are_never_paths(stored: str, suggested: str) -> None:
    from types import SimpleNamespace

    from therapynotes.ui.attachment_viewer import safe_file_name

    meta = SimpleNamespace(filename=stored, id=7)
    assert safe_file_name(meta) == suggested  # type: ignore[arg-type]


def test_every_demo_attachment_opens(qtbot: QtBot, owner: QWidget, records: RecordsService) -> None:
    """Demo attachments are real PDFs and PNGs (they were random bytes: "damaged")."""
    from datetime import date

    from therapynotes.services.demo import DemoSpec, build

    build(records.conn, DemoSpec(clients=12, seed=3), today=date(2026, 12, 4))
    rows = records.conn.execute("SELECT id, media_type FROM attachments").fetchall()
    assert {media for _id, media in rows} == {"application/pdf", "image/png"}
    for att_id, media in rows:
        dialog = _open(owner, records, AttachmentId(att_id))
        if media == "image/png":
            assert isinstance(dialog.viewer, QScrollArea)
            label = dialog.viewer.widget()
            assert isinstance(label, ScaledImage) and not label.pixmap().isNull()
        else:
            pdf = dialog.pdf
            assert pdf is not None
            qtbot.waitUntil(
                lambda doc=pdf: doc.status() == QPdfDocument.Status.Ready,  # type: ignore[misc]
                timeout=20000,
            )
            assert pdf.pageCount() == 1
        assert not dialog.message.isVisible()
        dialog.close()


def test_chunk_device_reads_any_stretch_across_chunks(qapp: object) -> None:
    """What QPdfDocument and QImageReader see: the chunks as one seekable file."""
    del qapp
    rng = random.Random(18)
    whole = rng.randbytes(50_000)
    cuts = sorted(rng.sample(range(1, len(whole)), 12))
    chunks = tuple(whole[a:b] for a, b in zip([0, *cuts], [*cuts, len(whole)], strict=True))
    device = ChunkDevice(chunks)
    assert device.size() == len(whole) and not device.isSequential()
    for _ in range(200):
        start, length = rng.randrange(len(whole) + 1), rng.randrange(20_000)
        assert device.seek(start)
        assert bytes(device.read(length).data()) == whole[start : start + length]
    assert device.seek(0) and bytes(device.readAll().data()) == whole
    assert device.write(b"x") == -1
    assert ChunkDevice(()).size() == 0
