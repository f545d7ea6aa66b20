"""Chart PDFs for records requests, read back with pdftotext: contents, footer and page
numbers on every page, psychotherapy notes only on request, the date filter, atomic
0600 writes, no plaintext left anywhere else, the audit rows, printing."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import FakeClock
from tests.support.chart import SampleChart, build_sample_chart
from tests.support.pdf import pdf_pages, pdf_text
from tests.support.records import unlock_new_vault
from therapynotes.records_errors import ClientNotFound
from therapynotes.services.chart_document import ChartOptions
from therapynotes.services.documents import DocumentNotSaved
from therapynotes.services.records import RecordsService
from therapynotes.store import audit
from therapynotes.ui import chart_pdf
from therapynotes.ui.chart_pdf import (
    ChartPdfDialog,
    SessionContext,
    default_file_name,
    print_document_to,
    write_chart_pdf,
)
from therapynotes.ui.pdf_render import page_size_for_locale

TODAY = date(2027, 3, 1)
CANARIES = (b"Quillon", b"Signedcanary", b"Processcanary", b"Addendumcanary", b"Latecanary")


@pytest.fixture
def chart_records(qapp: object, vault_dir: Path, clock: FakeClock) -> Iterator[RecordsService]:
    del qapp  # rendering needs the application object
    session = unlock_new_vault(vault_dir, clock)
    yield RecordsService(session, clock=clock)
    session.lock("test finished")


@pytest.fixture
def sample(chart_records: RecordsService, clock: FakeClock) -> SampleChart:
    return build_sample_chart(chart_records, clock)


def _export(records: RecordsService, sample: SampleChart, path: Path, **opts: object) -> str:
    options = ChartOptions(**opts)  # type: ignore[arg-type]
    write_chart_pdf(records.session, sample.client, options, path, today=TODAY)
    return pdf_text(path)


def test_pdf_holds_the_record_with_footer_on_every_page(
    chart_records: RecordsService, sample: SampleChart, tmp_path: Path
) -> None:
    pdf = tmp_path / "out.pdf"
    text = _export(chart_records, sample, pdf)
    for present in (
        "Quillon Canaryname",
        "Signedcanary alpha",
        "Addendumcanary correction",
        "Latecanary session",
        "Late entry",
        "90791",
        "90834",
        "90837",
        "Electronically signed",
        "Content SHA-256",
        "F41.1",
        "Plancanary worry",
    ):
        assert present in text, present
    for absent in ("Processcanary", "Voidedcanary", "Draftcanary"):
        assert absent not in text, absent
    pages = pdf_pages(pdf)
    assert pages >= 2  # the sample is long enough to test the per-page footer
    per_page = text.split("\f")
    for n in range(1, pages + 1):
        page = per_page[n - 1]
        assert f"Page {n} of {pages}" in page
        assert "Confidential" in page
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf", "vault"]  # no temp left


def test_psychotherapy_notes_with_the_flag_only(
    chart_records: RecordsService, sample: SampleChart, tmp_path: Path
) -> None:
    text = _export(chart_records, sample, tmp_path / "p.pdf", include_psychotherapy=True)
    assert "Processcanary musing" in text
    assert "Voidedcanary" not in text
    rows = audit.entries(chart_records.conn)[-1:]
    assert rows[0].kind == "export"
    assert rows[0].detail == {"kind": "chart-pdf", "psychotherapy": True}


def test_date_filter(chart_records: RecordsService, sample: SampleChart, tmp_path: Path) -> None:
    text = _export(chart_records, sample, tmp_path / "d.pdf", date_from=sample.last_date)
    assert "Latecanary" in text
    assert "Signedcanary" not in text and "90791" not in text


def test_export_is_audited_without_names(
    chart_records: RecordsService, sample: SampleChart, tmp_path: Path
) -> None:
    _export(chart_records, sample, tmp_path / "a.pdf")
    last = audit.entries(chart_records.conn)[-1]
    assert (last.kind, last.subject) == ("export", f"client:{sample.client}")
    assert last.detail == {"kind": "chart-pdf", "psychotherapy": False}
    assert "Quillon" not in repr(last) and "a.pdf" not in repr(last)


def _files_with(needles: tuple[bytes, ...], roots: list[Path], since: float) -> set[Path]:
    hits = set()
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                try:
                    if path.stat().st_mtime < since or not path.is_file():
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                for enc in ("utf-8", "utf-16-le"):
                    if any(n.decode().encode(enc) in data for n in needles):
                        hits.add(path)
    return hits


def test_no_plaintext_left_behind(
    chart_records: RecordsService, sample: SampleChart, tmp_path: Path, vault_dir: Path
) -> None:
    start = time.time() - 5
    out = tmp_path / "chosen" / "request.pdf"
    out.parent.mkdir()
    text = _export(chart_records, sample, out, include_psychotherapy=True)
    assert all(c.decode() in text for c in CANARIES)  # the chosen file has them all
    chart_records.session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    roots = [vault_dir, Path(tempfile.gettempdir()), Path(os.environ["HOME"])]
    hits = _files_with(CANARIES, roots, start)
    assert hits <= {out}, hits
    assert list(out.parent.iterdir()) == [out]


def test_unwritable_path_and_unknown_client(
    chart_records: RecordsService, sample: SampleChart, tmp_path: Path
) -> None:
    before = len(audit.entries(chart_records.conn))
    with pytest.raises(DocumentNotSaved):
        _export(chart_records, sample, tmp_path / "missing" / "x.pdf")
    with pytest.raises(ClientNotFound):
        write_chart_pdf(chart_records.session, 999, ChartOptions(), tmp_path / "y.pdf", today=TODAY)  # type: ignore[arg-type]
    assert not (tmp_path / "y.pdf").exists() and not (tmp_path / "missing").exists()
    assert len(audit.entries(chart_records.conn)) == before  # nothing exported, nothing logged


def test_dialog_needs_a_second_confirmation(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = ChartPdfDialog(today=TODAY, action="Save as PDF…")
    qtbot.addWidget(dialog)
    monkeypatch.setattr(chart_pdf, "confirm_psychotherapy", lambda _parent: False)
    dialog.psychotherapy.setChecked(True)
    assert not dialog.psychotherapy.isChecked()
    assert dialog.options() == ChartOptions(None, None, False)
    monkeypatch.setattr(chart_pdf, "confirm_psychotherapy", lambda _parent: True)
    dialog.psychotherapy.setChecked(True)
    dialog.limit.setChecked(True)
    options = dialog.options()
    assert options.include_psychotherapy
    assert options.date_to == "2027-03-01" and options.date_from == "2026-03-01"


def test_export_from_the_ui(
    qtbot: QtBot,
    chart_records: RecordsService,
    sample: SampleChart,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "chosen.pdf"
    suggested: list[str] = []

    def fake_ask(_parent: object, today: date) -> Path:
        suggested.append(default_file_name(today))
        return target

    monkeypatch.setattr(chart_pdf, "ask_save_path", fake_ask)
    parent = QWidget()
    qtbot.addWidget(parent)
    context = SessionContext(chart_records.session, chart_records.clock)
    dialog = chart_pdf.export_chart_pdf(parent, context, sample.client)
    dialog.accept()
    qtbot.waitUntil(lambda: audit.entries(chart_records.conn)[-1].kind == "export", timeout=10000)
    assert "Signedcanary" in pdf_text(target)
    assert suggested[0].startswith("records-request-") and "Quillon" not in suggested[0]


def test_print_goes_through_the_renderer_and_is_audited(
    qtbot: QtBot, chart_records: RecordsService, sample: SampleChart, tmp_path: Path
) -> None:
    del qtbot  # a QApplication must exist
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    pages = print_document_to(
        printer, chart_records.session, sample.client, ChartOptions(), today=TODAY
    )
    text = pdf_text(tmp_path / "printed.pdf")
    assert f"Page {pages} of {pages}" in text and "Signedcanary" in text
    last = audit.entries(chart_records.conn)[-1]
    assert (last.kind, last.detail["psychotherapy"]) == ("print", False)


def test_print_to_file_is_saved_privately_and_never_through_a_link(
    qtbot: QtBot, chart_records: RecordsService, sample: SampleChart, tmp_path: Path
) -> None:
    del qtbot  # a QApplication must exist
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    linked = tmp_path / "printed.pdf"
    linked.symlink_to(victim)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(linked))
    before = len(audit.entries(chart_records.conn))
    with pytest.raises(DocumentNotSaved):
        print_document_to(
            printer, chart_records.session, sample.client, ChartOptions(), today=TODAY
        )
    assert victim.read_bytes() == b"keep me" and linked.is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert len(audit.entries(chart_records.conn)) == before
    linked.unlink()
    print_document_to(printer, chart_records.session, sample.client, ChartOptions(), today=TODAY)
    assert stat.S_IMODE(linked.stat().st_mode) == 0o600


def test_page_size_follows_the_locale() -> None:
    us = page_size_for_locale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    de = page_size_for_locale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    assert us.id() == QPageSize.PageSizeId.Letter
    assert de.id() == QPageSize.PageSizeId.A4


def test_failed_write_leaves_no_temp_and_no_audit(
    chart_records: RecordsService,
    sample: SampleChart,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = len(audit.entries(chart_records.conn))

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("therapynotes.atomic.os.fsync", full_disk)
    with pytest.raises(DocumentNotSaved):
        write_chart_pdf(
            chart_records.session, sample.client, ChartOptions(), out / "x.pdf", today=TODAY
        )
    assert list(out.iterdir()) == []  # the temp file with the plaintext PDF is gone
    assert len(audit.entries(chart_records.conn)) == before


def test_print_chart_from_the_ui(
    qtbot: QtBot,
    chart_records: RecordsService,
    sample: SampleChart,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "printer-output.pdf"

    class FakePrintDialog:
        """The system dialog, answered "Print" with the printer sent to a PDF file."""

        def __init__(self, printer: QPrinter, _parent: QWidget) -> None:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(target))

        def exec(self) -> int:
            return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(chart_pdf, "QPrintDialog", FakePrintDialog)
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = chart_pdf.print_chart(parent, SessionContext(chart_records.session), sample.client)
    dialog.accept()
    text = pdf_text(target)
    assert "Signedcanary" in text and "Processcanary" not in text and "Page 1 of" in text
    assert audit.entries(chart_records.conn)[-1].kind == "print"


def test_pdf_signature_lines_name_the_signer(
    chart_records: RecordsService, sample: SampleChart, tmp_path: Path, clock: FakeClock
) -> None:
    """The sample was signed before any profile (the old wording stays); a note signed
    after the profile is set names the clinician."""
    from therapynotes.domain.profile import ClinicianProfile  # noqa: PLC0415
    from therapynotes.services.profile import ProfileService  # noqa: PLC0415

    ProfileService(chart_records.session, clock=clock).set(
        ClinicianProfile("Dana Reyes", "PsyD", "PSY 12345", "CA")
    )
    note = chart_records.start_note(sample.client, "freeform", sections={"text": "Signercanary"})
    chart_records.sign_note(note)
    text = " ".join(_export(chart_records, sample, tmp_path / "s.pdf").split())
    assert "Electronically signed by the treating clinician on" in text
    assert "Electronically signed by Dana Reyes, PsyD, PSY 12345," in text
