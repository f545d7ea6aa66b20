"""A client's chart: a header (full name, age and date of birth, status, alerts; never in
the window title) with the
chart's actions, and tabs: Overview, Sessions, Notes, Treatment plan, Diagnoses,
Attachments, Billing, History. Opening goes through `open_chart` (audited as CHART_VIEWED); edits
inside the chart refresh it without a new audit row. A login without the clinical record
(an assistant, issue 17) has only the tabs its role may use (ui/users/chart_roles.py) and
reads the client's details alone, never the clinical tables."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from types import ModuleType

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapynotes.domain.dates import age_on
from therapynotes.domain.formatting import plural
from therapynotes.domain.ids import ClientId, NoteId, SessionId
from therapynotes.domain.models import Chart
from therapynotes.records_errors import ClientNotFound
from therapynotes.services.records import RecordsService
from therapynotes.ui.chart_tabs.attachments import AttachmentsTab
from therapynotes.ui.chart_tabs.billing import BillingTab
from therapynotes.ui.chart_tabs.diagnoses import DiagnosesTab
from therapynotes.ui.chart_tabs.notes import NotesTab
from therapynotes.ui.chart_tabs.overview import HistoryTab, OverviewTab
from therapynotes.ui.chart_tabs.plan import PlanTab
from therapynotes.ui.chart_tabs.sessions import SessionsTab
from therapynotes.ui.client_dialog import STATUS_WORDS
from therapynotes.ui.context import AppContext
from therapynotes.ui.errors import show_error
from therapynotes.ui.records_access import RecordsAccess, day
from therapynotes.ui.users.chart_roles import access_of, fit_chart
from therapynotes.ui.widgets import GRID, hbox, heading, plain_buttons, vbox

NOT_AVAILABLE = "Records requests (PDF) are not available in this version."
NO_NOTE_YET = "This session has no note for this client yet. Start one for it?"


def born_words(date_of_birth: str | None, now: float) -> str:
    """'41 years · born 14 Mar 1985' (today in the computer's time zone)."""
    if not date_of_birth:
        return ""
    age = age_on(date_of_birth, date.fromtimestamp(now))  # noqa: DTZ012 - a local day
    born = f"born {day(date_of_birth)}"
    return born if age is None else f"{plural(age, 'year')} · {born}"


class ClientChartView(QWidget):
    chart_changed = Signal()  # the client list refreshes its counts
    note_opened = Signal(int)
    loaded = Signal()
    missing = Signal()  # the client is gone (for example purged)

    def __init__(
        self,
        ctx: AppContext,
        records: RecordsAccess,
        client_id: ClientId,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.records = records
        self.client_id = client_id
        self.chart: Chart | None = None
        self._loading = 0
        self._token = 0
        self._pending: list[Callable[[], object]] = []
        self._fill_steps: list[tuple[Chart, list[QWidget], bool, int]] = []
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill_next)
        self.setAccessibleName("Client chart")
        layout = vbox(self, spacing=GRID)
        self._build_header(layout)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Chart sections")
        self.overview = OverviewTab(records, self)
        self.sessions = SessionsTab(records, client_id, self)
        self.notes = NotesTab(records, client_id, self)
        self.plan = PlanTab(records, self)
        self.diagnoses = DiagnosesTab(records, self)
        self.attachments = AttachmentsTab(records, client_id, self)
        self.billing: BillingTab = BillingTab(records, self)
        self.history = HistoryTab(records, self)
        self.access = access_of(records)
        self.review_panel: QWidget | None = None  # a supervisor's co-sign (issue 17)
        self._add_tabs()
        layout.addWidget(self.tabs, 1)
        fit_chart(self, self.access)

    def _build_header(self, layout: QVBoxLayout) -> None:
        top = hbox()
        self.name = heading("", size_delta=4, parent=self)
        self.name.setAccessibleName("Client name")
        self.born = QLabel(self)
        self.born.setAccessibleName("Pronouns, age and date of birth")
        self.status = QLabel(self)
        self.status.setAccessibleName("Client status")
        self.records_button = QPushButton("Records request (PDF)…", self)
        self.records_button.setAccessibleName("Records request")
        self.records_button.clicked.connect(self.records_request)
        self.print_button = QPushButton("Print chart…", self)
        self.print_button.setAccessibleName("Print the chart")
        self.print_button.clicked.connect(self.print_chart)
        top.addWidget(self.name, 1)
        top.addWidget(self.born)
        top.addWidget(self.status)
        top.addWidget(self.records_button)
        top.addWidget(self.print_button)
        layout.addLayout(top)
        self.alerts = QLabel(self)
        self.alerts.setAccessibleName("Alerts")
        self.alerts.setWordWrap(True)
        layout.addWidget(self.alerts)

    def _add_tabs(self) -> None:
        for name, title, tab in (
            ("overview", "Overview", self.overview),
            ("sessions", "Sessions", self.sessions),
            ("notes", "Notes", self.notes),
            ("plan", "Treatment plan", self.plan),
            ("diagnoses", "Diagnoses", self.diagnoses),
            ("attachments", "Attachments", self.attachments),
            ("billing", "Billing", self.billing),
            ("history", "History", self.history),
        ):
            if not self.access.tab(name):  # never added, never filled (issue 17)
                tab.hide()
                tab.setEnabled(False)
                continue
            self.tabs.addTab(tab, title)
            if hasattr(tab, "changed"):
                tab.changed.connect(self.refresh)
        self._connect_tabs()

    def _connect_tabs(self) -> None:
        self.notes.note_opened.connect(self.note_opened)
        self.sessions.note_requested.connect(lambda note_id: self.show_notes(NoteId(note_id)))
        self.sessions.start_requested.connect(
            lambda session_id: self.offer_session_note(SessionId(session_id))
        )
        self.tabs.currentChanged.connect(self._tab_shown)

    def set_client(self, client_id: ClientId) -> None:
        """Reuse this view for another client (building a chart's widgets costs more
        than filling them): forget the last one first."""
        self.clear()
        self.client_id = client_id
        for tab in (self.sessions, self.notes, self.attachments):
            tab.client_id = client_id
        self.sessions.model.client_id = client_id
        self.notes.private_toggle.setChecked(False)
        self.plan.clear()
        self.overview.chart = None
        self.tabs.setCurrentWidget(self.overview)

    def load(self) -> None:
        """Open the chart (audited) on the database worker; it shows when it arrives."""
        self.name.setText("Opening chart…")
        self._fetch(record_view=True, changed=False)

    def refresh(self) -> None:
        """After an edit in the chart: fetch it again (no new audit row)."""
        self._fetch(record_view=False, changed=True)

    def _fetch(self, *, record_view: bool, changed: bool) -> None:
        client_id, token = self.client_id, self._token
        self._loading += 1
        clinical = self.access.clinical

        def fetch(s: RecordsService) -> Chart:
            if clinical:
                return s.open_chart(client_id, record_view=record_view)
            # The client's details only (an assistant's session has no clinical tables).
            return Chart(s.get_client(client_id), (), None, (), (), ())

        self.records.op(self, fetch).success(
            lambda chart: self._arrived(chart, changed) if token == self._token else None
        ).failure(lambda exc: self._failed(exc) if token == self._token else None).run(
            database=True
        )

    def _arrived(self, chart: Chart, changed: bool) -> None:
        """Fill the visible tab now and the others one per event-loop turn, so a chart
        of hundreds of notes never holds the UI thread for long."""
        self.chart = chart
        self._show_header(chart)
        current = self.tabs.currentWidget()
        tabs = [self.overview, self.sessions, self.notes, self.diagnoses, self.attachments]
        tabs = [tab for tab in tabs if self.tabs.indexOf(tab) >= 0]  # this login's tabs
        tabs.sort(key=lambda tab: tab is not current)
        self._fill(chart, tabs, changed, self._token)

    def _fill(self, chart: Chart, tabs: list[QWidget], changed: bool, token: int) -> None:
        if self.chart is None or token != self._token:
            return  # cleared (a lock, another client): nothing more to fill
        if self.chart is not chart:  # a newer fetch replaced it
            self._finish(changed)
            return
        if tabs:
            tabs[0].show_chart(chart)  # type: ignore[attr-defined]
            # One member timer and a stored argument rather than QTimer.singleShot with a
            # lambda: PySide keeps such lambdas (and through them this view, its records
            # access and the session) alive after they have run.
            self._fill_steps.append((chart, tabs[1:], changed, token))
            self._fill_timer.start()
            return
        self._tab_shown(self.tabs.currentIndex())
        self._finish(changed)

    def _fill_next(self) -> None:
        """One step per event-loop turn; every load's chain runs to its end (a newer
        load's steps queue behind an older one's, which then finish early)."""
        if self._fill_steps:
            self._fill(*self._fill_steps.pop(0))
        if self._fill_steps:
            self._fill_timer.start()

    def _finish(self, changed: bool) -> None:
        self._loading -= 1
        if self._loading == 0:
            pending, self._pending = self._pending, []
            for action in pending:
                action()
        self.loaded.emit()
        if changed:
            self.chart_changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._loading -= 1
        if isinstance(exc, ClientNotFound):
            self.missing.emit()
        else:
            show_error(self, exc)

    def when_loaded(self, action: Callable[[], object]) -> None:
        """Run `action` once the chart is on screen (now, if it already is)."""
        if self.chart is not None and self._loading == 0:
            action()
        else:
            self._pending.append(action)

    def _show_header(self, chart: Chart) -> None:
        fields = chart.client.fields
        self.name.setText(chart.client.display_name)
        about = [fields.pronouns, born_words(fields.date_of_birth, self.records.clock())]
        self.born.setText(" · ".join(part for part in about if part))
        self.status.setText(STATUS_WORDS[fields.status])
        self.alerts.setText(f"Alert: {fields.alerts}" if fields.alerts else "")
        self.alerts.setVisible(bool(fields.alerts))

    def _tab_shown(self, index: int) -> None:
        """Plan versions, billing and history load when their tab is shown."""
        tab = self.tabs.widget(index)
        if self.chart is not None and tab in (self.plan, self.history, self.billing):
            tab.show_chart(self.chart)

    def show_notes(self, note_id: NoteId | None = None) -> None:
        if self.tabs.indexOf(self.notes) < 0:
            return  # not this login's (an assistant's chart, issue 17)
        self.tabs.setCurrentWidget(self.notes)
        if note_id is not None:
            self.when_loaded(lambda: self.notes.open_note(note_id))

    def offer_session_note(self, session_id: SessionId) -> QDialog | None:
        """A session without a note for this client: offer to start one for it (the New
        note dialog with that session chosen); starting it shows it in the Notes tab."""
        if not self.access.writes_notes:
            return None
        dialog = self.notes.new_note(session_id=session_id, intro=NO_NOTE_YET)
        if dialog is not None:
            dialog.accepted.connect(lambda: self.tabs.setCurrentWidget(self.notes))
        return dialog

    def _chart_pdf(self) -> ModuleType | None:
        try:
            return importlib.import_module("therapynotes.ui.chart_pdf")
        except ImportError:
            box = QMessageBox(QMessageBox.Icon.Information, "Records request", NOT_AVAILABLE)
            box.setParent(self, box.windowFlags())
            plain_buttons(box)
            box.open()
            return None

    def _document_context(self, module: ModuleType) -> object:
        """What the chart-PDF module needs: the open session and the app's clock."""
        return module.SessionContext(self.records.service.session, self.records.clock)

    def records_request(self) -> QDialog | None:
        module = self._chart_pdf()
        if module is None:
            return None
        dialog: QDialog = module.export_chart_pdf(
            self, self._document_context(module), self.client_id
        )
        return dialog

    def print_chart(self) -> QDialog | None:
        """Through the system print dialog; the print is audit-logged (ids only)."""
        module = self._chart_pdf()
        if module is None:
            return None
        dialog: QDialog = module.print_chart(self, self._document_context(module), self.client_id)
        return dialog

    def clear(self) -> None:
        """Drop record text held outside the widget tree (before a lock deletes us)."""
        self.notes.editor.clear()
        for tab in (self.sessions, self.notes, self.diagnoses, self.attachments, self.history):
            tab.model.clear()
        self.notes.private_model.clear()
        self.billing.clear()
        self.overview.clear()
        self.plan.clear()
        self.name.clear()
        self.born.clear()
        self.alerts.clear()
        self.alerts.setVisible(False)
        self._pending = []
        self._fill_steps.clear()
        self._fill_timer.stop()
        self._token += 1  # answers to earlier fetches are for someone else now
        self._loading = 0
        self.chart = None
