"""The audit trail: every entry, filtered by date range, kind, client and user, with its
details; "Verify" checks the chain with progress and says plainly what the answer means;
"Export for an auditor…" writes the filtered range as CSV or PDF (ids, kinds and counts: the
trail never holds record text). All vault work runs on the database worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from therapynotes.domain.ids import ClientId
from therapynotes.services import audit_trail
from therapynotes.services.audit_trail import TrailFilter
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.store.audit import AuditEntry, ChainReport
from therapynotes.ui.admin.common import db_op, fill, selected_row, word_table
from therapynotes.ui.errors import show_inline
from therapynotes.ui.pdf_render import render_pdf
from therapynotes.ui.records_access import local_time
from therapynotes.ui.widgets import GRID, DateField, body, hbox, heading, message_label, vbox

Clock = Callable[[], float]


class _Progress(QObject):
    """Lives in the GUI thread; the worker emits, Qt queues the call back to us."""

    step = Signal(int, int)  # rows checked, rows in all


class AuditTrailDialog(QDialog):
    HEADERS = ("When", "What", "Record", "Entry", "Who")

    def __init__(
        self, session: VaultSession, *, clock: Clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit trail")
        self.setAccessibleName("Audit trail")
        self.session, self.clock = session, clock
        self.rows: list[AuditEntry] = []
        self.names: dict[str, str] = {}
        self.report: ChainReport | None = None
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Audit trail", size_delta=3))
        layout.addWidget(
            body(
                "Everything done with your records, in order: who, what and when, never "
                "what a record says. Each entry is sealed to the one before it.",
                parent=self,
            )
        )
        layout.addLayout(self._filters())
        self.table = word_table(self, self.HEADERS, "Audit entries")
        self.table.itemSelectionChanged.connect(self._show_detail)
        layout.addWidget(self.table, 1)
        self.detail = body("", parent=self)
        self.detail.setAccessibleName("Entry details")
        layout.addWidget(self.detail)
        layout.addLayout(self._actions())
        self.message = message_label(self)
        self.message.setAccessibleName("Audit trail message")
        layout.addWidget(self.message)
        self.resize(110 * GRID, 75 * GRID)
        self._load_clients()
        self.refresh()

    def _filters(self) -> QFormLayout:
        self.since = DateField("From", self)
        self.until = DateField("To", self)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind")
        self.kind.addItem("Every kind", None)
        for kind, words in sorted(audit_trail.KIND_WORDS.items(), key=lambda kv: kv[1]):
            self.kind.addItem(words, str(kind))
        self.client = QComboBox(self)
        self.client.setAccessibleName("Client")
        self.client.addItem("Every client", None)
        self.user = QComboBox(self)  # issue 17: the rows one login wrote
        self.user.setAccessibleName("User")
        self.user.addItem("Every user", None)
        dates = hbox()
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to", self))
        dates.addWidget(self.until)
        dates.addStretch(1)
        form = QFormLayout()
        form.setSpacing(GRID)
        form.addRow("Days", dates)
        form.addRow("&Kind", self.kind)
        form.addRow("&Client", self.client)
        form.addRow("&User", self.user)
        for field in (self.since, self.until):
            field.dateChanged.connect(self.refresh)
        self.kind.currentIndexChanged.connect(self.refresh)
        self.client.currentIndexChanged.connect(self.refresh)
        self.user.currentIndexChanged.connect(self.refresh)
        return form

    def _actions(self) -> QHBoxLayout:
        row = hbox()
        self.verify_button = QPushButton("Verify", self)
        self.verify_button.setAccessibleName("Verify")
        self.verify_button.setToolTip("Check that no entry was changed or removed")
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("Export for an auditor…", self)
        self.export_button.setAccessibleName("Export for an auditor")
        self.export_button.clicked.connect(self.choose_export)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Verify progress")
        self.progress.setVisible(False)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.reject)
        for widget in (self.verify_button, self.export_button, self.progress):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.close_button)
        return row

    def _records(self) -> RecordsService:
        return RecordsService(self.session, clock=self.clock)

    def wanted(self) -> TrailFilter:
        since, until = self.since.iso(), self.until.iso()
        client = self.client.currentData()
        return TrailFilter(
            since=date.fromisoformat(since) if since else None,
            until=date.fromisoformat(until) if until else None,
            kind=self.kind.currentData(),
            client_id=ClientId(int(client)) if client is not None else None,
            user=self.user.currentData(),
        )

    # --- loading --------------------------------------------------------------------

    def _load_clients(self) -> None:
        def load() -> list[tuple[int, str]]:
            rows = self._records().list_clients(include_all=True)
            return [(int(c.id), c.display_name) for c in rows]

        def show(clients: list[tuple[int, str]]) -> None:
            self.names = {f"client:{cid}": name for cid, name in clients}
            for cid, name in clients:
                self.client.addItem(name, cid)
            fill(self.table, [self._cells(e) for e in self.rows])

        db_op(self, self.session, load).success(show).run(database=True)

    def refresh(self) -> None:
        wanted = self.wanted()
        show_inline(self.message, None)
        db_op(self, self.session, lambda: audit_trail.find(self._records(), wanted)).success(
            self._show
        ).failure(self._fail).run(database=True)

    def _cells(self, e: AuditEntry) -> tuple[str, str, str, str, str]:
        record = self.names.get(e.subject, e.subject.replace(":", " "))
        when = local_time(e.at[:19] + "Z")
        return (when, audit_trail.kind_words(e.kind), record, str(e.seq), e.actor)

    def _show(self, rows: list[AuditEntry]) -> None:
        self._learn_users(rows)
        self.rows = list(reversed(rows))  # newest first
        fill(self.table, [self._cells(e) for e in self.rows])
        self._show_detail()

    def _learn_users(self, rows: list[AuditEntry]) -> None:
        """The User filter offers every login seen in the trail (staff names, never a
        client's)."""
        known = {self.user.itemData(i) for i in range(1, self.user.count())}
        for actor in sorted({e.actor for e in rows if e.actor} - known):
            self.user.addItem(actor, actor)

    def _fail(self, exc: BaseException) -> None:
        show_inline(self.message, exc)

    def selected(self) -> AuditEntry | None:
        index = selected_row(self.table)
        return None if index is None or index >= len(self.rows) else self.rows[index]

    def _show_detail(self) -> None:
        entry = self.selected()
        self.detail.setText(
            audit_trail.detail_words(entry) if entry else "Choose an entry to see its details."
        )

    # --- verify ---------------------------------------------------------------------

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        bridge = _Progress(self)
        bridge.step.connect(self._step)
        records = self._records()

        def check() -> ChainReport:
            return audit_trail.verify(records, bridge.step.emit)

        db_op(self, self.session, check).success(self._verified).failure(self._fail).busy(
            lambda busy: self.verify_button.setEnabled(not busy)
        ).run(database=True)

    def _step(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _verified(self, report: ChainReport) -> None:
        self.report = report
        self.progress.setVisible(False)
        self.message.setText(audit_trail.verify_words(report))
        self.message.setVisible(True)

    # --- export ---------------------------------------------------------------------

    def choose_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export the audit trail",
            str(Path.home() / "audit-trail.csv"),
            "CSV (*.csv);;PDF (*.pdf)",
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, target: Path) -> None:
        """CSV, or PDF when the name ends in .pdf."""
        if target.suffix.lower() == ".pdf":
            self._export_pdf(target)
            return
        wanted = self.wanted()

        def write() -> int:
            return audit_trail.export_csv(self._records(), wanted, target)

        def done(count: int) -> None:
            self.refresh()  # the export is in the trail now
            self.message.setText(
                f"{count} {'entry' if count == 1 else 'entries'} written to {target.name}. "
                "The file names records by number only, never by client."
            )
            self.message.setVisible(True)

        db_op(self, self.session, write).success(done).failure(self._fail).run(database=True)

    def _export_pdf(self, target: Path) -> None:
        wanted = self.wanted()
        records = self._records()

        def render(rows: list[AuditEntry]) -> None:
            try:  # laid out on the GUI thread (Qt's text layout), saved 0600 atomically
                render_pdf(audit_trail.trail_document(rows, wanted), target)
            except Exception as exc:  # noqa: BLE001 - shown inline
                self._fail(exc)
                return
            db_op(
                self,
                self.session,
                lambda: audit_trail.record_export(records, wanted, len(rows), "pdf"),
            ).success(lambda _none: self._exported(len(rows), target)).failure(self._fail).run(
                database=True
            )

        db_op(self, self.session, lambda: audit_trail.find(records, wanted)).success(
            render
        ).failure(self._fail).run(database=True)

    def _exported(self, count: int, target: Path) -> None:
        self.refresh()
        self.message.setText(
            f"{count} {'entry' if count == 1 else 'entries'} written to {target.name}. "
            "The file names records by number only, never by client."
        )
        self.message.setVisible(True)
