"""Records requests from the chart: "Save chart as PDF…" and "Print chart…".

The chart view calls `export_chart_pdf(parent, context, client_id)` or
`print_chart(parent, context, client_id)`. Both first show `ChartPdfDialog` (date range;
psychotherapy notes only after a second, explicit confirmation). Export then asks where
to save (the suggested name never holds the client's name), renders in the background
and writes only that file (atomically, 0600). Every export and print is audit-logged
with the client's id and whether psychotherapy notes were included, never a name.

`write_chart_pdf` is the same pipeline without dialogs, used by the CLI and tests.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QDate
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QWidget,
)

from therapynotes.domain.formatting import QT_ISO_DATE
from therapynotes.domain.ids import ClientId
from therapynotes.services.chart_document import ChartOptions, chart_pdf_document
from therapynotes.services.documents import record_export, save_file
from therapynotes.services.session import VaultSession
from therapynotes.ui.errors import show_error
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.ops import Op
from therapynotes.ui.pdf_render import page_layout, paint_document, render_pdf, render_pdf_pages
from therapynotes.ui.widgets import GRID, DateField, body, fit_form_labels, plain_buttons, vbox

__all__ = [
    "ChartContext",
    "ChartPdfDialog",
    "export_chart_pdf",
    "print_chart",
    "render_pdf",
    "write_chart_pdf",
]


class ChartContext(Protocol):
    """What the chart view hands over: the open session and the app's clock."""

    @property
    def session(self) -> VaultSession: ...

    @property
    def clock(self) -> Callable[[], float]: ...


@dataclass
class SessionContext:
    """A ready-made ChartContext for views that hold a session."""

    session: VaultSession
    clock: Callable[[], float] = field(default=time.time)


def headless_app() -> QGuiApplication:
    """The Qt application rendering needs, for the command line: offscreen unless the
    user set a platform. Keep the returned object alive while rendering."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QGuiApplication.instance()
    return existing if isinstance(existing, QGuiApplication) else QGuiApplication(sys.argv[:1])


def default_file_name(today: date) -> str:
    """Never the client's name: file names show up in recent-file lists and backups."""
    return f"records-request-{today.isoformat()}.pdf"


def _today(context: ChartContext) -> date:
    return date.fromtimestamp(context.clock())


def write_chart_pdf(
    session: VaultSession,
    client_id: ClientId,
    options: ChartOptions,
    path: Path,
    *,
    today: date,
) -> None:
    """Build, render and write the chart PDF to `path`, then audit the export."""
    # under the session's lock: the app's database worker may be using the connection
    document = chart_pdf_document(session, client_id, options, today=today)
    render_pdf(document, path)
    record_export(session, client_id, printed=False, psychotherapy=options.include_psychotherapy)


def confirm_psychotherapy(parent: QWidget) -> bool:
    """The second, explicit step before psychotherapy notes leave the app."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Include psychotherapy notes?")
    box.setText(
        "Psychotherapy notes are your private process notes. They are not part of the "
        "record a client has a right to, and usually need the client's specific written "
        "authorization to be released. Include them in this document?"
    )
    box.setStandardButtons(QMessageBox.StandardButton.Cancel | QMessageBox.StandardButton.Yes)
    box.button(QMessageBox.StandardButton.Yes).setText("Include psychotherapy notes")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    plain_buttons(box)
    return box.exec() == QMessageBox.StandardButton.Yes


class ChartPdfDialog(QDialog):
    """Choose what goes into a records-request document."""

    def __init__(self, *, today: date, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Records request")
        self.setMinimumWidth(56 * GRID)
        self.limit = QCheckBox("Only sessions and notes between these dates", self)
        self.limit.setAccessibleName("Limit to a date range")
        self.date_from = self._date_edit("From date", QDate(today.year - 1, today.month, 1))
        self.date_to = self._date_edit("To date", QDate(today.year, today.month, today.day))
        self.psychotherapy = QCheckBox("Include psychotherapy notes", self)
        self.psychotherapy.setAccessibleName("Include psychotherapy notes")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(action)
        plain_buttons(self.buttons)
        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("", self.limit)
        form.addRow("&From", self.date_from)
        form.addRow("&To", self.date_to)
        form.addRow("", self.psychotherapy)
        fit_form_labels(form)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(
            body(
                "The document holds the client's details, diagnoses, treatment plan, "
                "session log and signed notes with their addenda. Drafts and voided notes "
                "are never included."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.limit.toggled.connect(self._limit_changed)
        self.psychotherapy.toggled.connect(self._psychotherapy_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._limit_changed(False)

    def _date_edit(self, name: str, value: QDate) -> DateField:
        return DateField(name, self, value=value, optional=False)

    def _limit_changed(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)

    def _psychotherapy_changed(self, on: bool) -> None:
        if on and not confirm_psychotherapy(self):
            self.psychotherapy.setChecked(False)

    def form_state(self) -> dict[str, Any]:
        """The choices, for a lock to keep; including psychotherapy notes is asked again."""
        return {
            "limit": self.limit.isChecked(),
            "from": self.date_from.date().toString(QT_ISO_DATE),
            "to": self.date_to.date().toString(QT_ISO_DATE),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        self.limit.setChecked(bool(state.get("limit")))
        for edit, key in ((self.date_from, "from"), (self.date_to, "to")):
            day = QDate.fromString(str(state.get(key, "")), QT_ISO_DATE)
            if day.isValid():
                edit.setDate(day)

    def options(self) -> ChartOptions:
        limited = self.limit.isChecked()
        start = self.date_from.date().toString(QT_ISO_DATE) if limited else None
        end = self.date_to.date().toString(QT_ISO_DATE) if limited else None
        if start and end and start > end:
            start, end = end, start
        return ChartOptions(start, end, self.psychotherapy.isChecked())


def ask_save_path(parent: QWidget, today: date) -> Path | None:
    suggested = str(Path.home() / default_file_name(today))
    path, _ = QFileDialog.getSaveFileName(parent, "Save records request", suggested, "PDF (*.pdf)")
    if not path:
        return None
    return Path(path) if path.lower().endswith(".pdf") else Path(f"{path}.pdf")


def export_chart_pdf(parent: QWidget, context: ChartContext, client_id: ClientId) -> QDialog:
    """Options → save dialog → PDF written in the background → "Saved" message."""
    today = _today(context)
    dialog = ChartPdfDialog(today=today, action="Save as PDF…", parent=parent)
    tag(dialog, "chart.pdf", client_id)
    session = context.session

    def chosen() -> None:
        options = dialog.options()
        path = ask_save_path(parent, today)
        if path is None:
            return
        # failures reach show_error through Op's default
        Op(parent, lambda: write_chart_pdf(session, client_id, options, path, today=today)).success(
            lambda _r: _saved(parent, path)
        ).run()

    dialog.accepted.connect(chosen)
    dialog.open()
    return dialog


def _saved(parent: QWidget, path: Path) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("Records request saved")
    box.setText(
        f"Saved {path.name}. It is not encrypted: hand it over securely, and delete it "
        "when it is no longer needed."
    )
    plain_buttons(box)
    box.open()


def print_document_to(
    printer: QPrinter,
    session: VaultSession,
    client_id: ClientId,
    options: ChartOptions,
    *,
    today: date,
) -> int:
    """Paint the chart on `printer` and audit the print; returns the page count.

    "Print to file" (the printer has a file name) is rendered in memory and saved like
    every other file written on request (documents.save_file: private, never through a
    link, nothing left on failure), not written by the printer itself."""
    document = chart_pdf_document(session, client_id, options, today=today)
    printer.setDocName("Clinical record")
    if printer.outputFileName():
        data, pages = render_pdf_pages(document, size=printer.pageLayout().pageSize())
        save_file(Path(printer.outputFileName()), data)
    else:
        pages = paint_document(document, printer)
    record_export(session, client_id, printed=True, psychotherapy=options.include_psychotherapy)
    return pages


def print_chart(parent: QWidget, context: ChartContext, client_id: ClientId) -> QDialog:
    """Options → the system print dialog → printed (on the GUI thread, as Qt requires)."""
    today = _today(context)
    dialog = ChartPdfDialog(today=today, action="Print…", parent=parent)
    tag(dialog, "chart.print", client_id)
    session = context.session

    def chosen() -> None:
        options = dialog.options()
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(page_layout())
        if QPrintDialog(printer, parent).exec() != QDialog.DialogCode.Accepted:
            return
        try:
            print_document_to(printer, session, client_id, options, today=today)
        except Exception as exc:  # noqa: BLE001 - every failure is shown
            show_error(parent, exc)

    dialog.accepted.connect(chosen)
    dialog.open()
    return dialog
