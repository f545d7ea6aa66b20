"""The Clients page: the three-pane layout (client list | chart with its note list | the
note). Remembers the open client and note as ids (never names) per vault in the
non-secret settings, so unlocking (also after a restart) returns to the same place; and
where the client list ends beside an open chart."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QWidget

from therapynotes.domain.ids import ClientId, NoteId, SessionId
from therapynotes.services.session import VaultSession
from therapynotes.ui.chart_tabs.notes import STARTING
from therapynotes.ui.client_list import ClientListView
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.context import AppContext
from therapynotes.ui.records_access import RecordsAccess
from therapynotes.ui.splitters import RememberedSplitter
from therapynotes.ui.widgets import GRID, vbox

COMPACT_LIST = 28 * GRID
MAX_LIST_SHARE = 0.3  # of the page, when the list widens to whole names


class ClientsPage(QWidget):
    view_id = "clients"

    def __init__(self, ctx: AppContext, session: VaultSession, records: RecordsAccess) -> None:
        super().__init__()
        self.ctx = ctx
        self.records = records
        self.vault_id = session.vault_id
        self.setObjectName("Page_clients")
        self.setAccessibleName("Clients")
        layout = vbox(self, margins=2 * GRID)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.list = ClientListView(records, self)
        self.list.client_chosen.connect(lambda cid: self.open_client(ClientId(cid)))
        self.stack = QStackedWidget(self)
        self.placeholder = QLabel("Choose a client to open their chart.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.placeholder)
        self.chart: ClientChartView | None = None
        self._view: ClientChartView | None = None
        self.splitter.addWidget(self.list)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([44 * GRID, 120 * GRID])
        self.splitter.setChildrenCollapsible(False)
        # The position beside an open chart is remembered; the list alone keeps its width.
        self.splitter_memory = RememberedSplitter(
            self.splitter, "clients", ctx.settings, restore=False
        )
        self.splitter_memory.active = False
        layout.addWidget(self.splitter)
        # Until the therapist drags it, the list beside a chart widens to whole names as
        # they arrive (after unlock the chart opens before the list has its rows).
        self._fit_names = False
        self.splitter.splitterMoved.connect(self._dragged)
        self.list.rows_shown.connect(self._fit_list)
        del session
        # A member timer, not QTimer.singleShot(0, self, self.prepare): PySide keeps a
        # callable given to singleShot alive when the page dies before it fires (a lock
        # right after unlock), and with it the page's records access and the session.
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.timeout.connect(self.prepare)
        self._prepare_timer.start(0)

    def open_client(self, client_id: ClientId) -> ClientChartView | None:
        if self.chart is not None and self.chart.client_id == client_id:
            return self.chart
        chart = self._chart_view()
        chart.notes.editor.save_draft()
        chart.set_client(client_id)
        chart.load()
        self.stack.setCurrentWidget(chart)
        if self.chart is None:  # the list alone becomes three panes
            self.list.set_compact(True)
            self._fit_names = not self.splitter_memory.restore()
            if self._fit_names:
                rest = max(self.width() - COMPACT_LIST, COMPACT_LIST)
                self.splitter.setSizes([COMPACT_LIST, rest])
            self.splitter_memory.active = True
        self.chart = chart
        self._fit_list()
        self.list.select(client_id)
        self.ctx.settings.set_place(self.vault_id, {"client": str(int(client_id))})
        return chart

    def _dragged(self, _pos: int, _index: int) -> None:
        self._fit_names = False

    def _fit_list(self) -> None:
        if self.chart is None or not self._fit_names:
            return
        sizes = self.splitter.sizes()
        # Never at the cost of the note being written, which keeps the most room.
        narrow = max(COMPACT_LIST, min(self.list.compact_width(), int(sum(sizes) * MAX_LIST_SHARE)))
        if sizes[0] < narrow:
            self.splitter.setSizes([narrow, max(sum(sizes) - narrow, COMPACT_LIST)])

    def _chart_view(self) -> ClientChartView:
        """The one chart view, built once and reused for every client."""
        if self._view is None:
            view = ClientChartView(self.ctx, self.records, ClientId(0), self)
            view.missing.connect(self._missing)
            view.chart_changed.connect(self.list.refresh)
            view.note_opened.connect(self._remember_note)
            # The chart's tabs come back with their splitters where they were left.
            RememberedSplitter(view.notes.splitter, "notes", self.ctx.settings)
            RememberedSplitter(view.plan.splitter, "plan", self.ctx.settings)
            self.stack.addWidget(view)
            window = self.window()
            if hasattr(window, "register_draft_saver"):
                window.register_draft_saver(view.notes.editor)
            self._view = view
        return self._view

    def prepare(self) -> None:
        """Build the chart view ahead of the first click (its own event-loop turn)."""
        self._chart_view()

    def close_chart(self) -> None:
        if self.chart is not None:
            self.chart.notes.editor.save_draft()
            self.chart.clear()
            self.stack.setCurrentWidget(self.placeholder)
            self.list.set_compact(False)
            self.splitter_memory.remember()
            self.splitter_memory.active = False
            self.chart = None
            self.list.select(None)

    def _missing(self) -> None:
        self.close_chart()
        self.ctx.settings.set_place(self.vault_id, {})

    def _remember_note(self, note_id: int) -> None:
        if self.chart is not None:
            self.ctx.settings.set_place(
                self.vault_id, {"client": str(int(self.chart.client_id)), "note": str(note_id)}
            )

    def open_note(self, client_id: ClientId, note_id: NoteId | None) -> None:
        chart = self.open_client(client_id)
        if chart is not None:
            chart.show_notes(note_id)

    def find_in_note(self, client_id: ClientId, note_id: NoteId, words: list[str]) -> None:
        """The next time this note is shown in the chart, scroll to `words` and highlight
        them (a search hit being opened)."""
        chart = self.open_client(client_id)
        if chart is not None:
            chart.notes.editor.find_on_show(note_id, words)

    def open_session_note(self, client_id: ClientId, session_id: SessionId) -> None:
        """A session's note (from Home): open it, or start one from the last note."""
        chart = self.open_client(client_id)
        if chart is not None:
            chart.when_loaded(lambda: self._session_note(chart, session_id))

    @staticmethod
    def _session_note(chart: ClientChartView, session_id: SessionId) -> None:
        if chart.chart is None:
            return
        found = chart.chart.session_note(session_id)
        started = chart.notes.started.get(session_id)
        if found is None and started is not None:  # by a double-click's first click
            if started != STARTING:  # (while STARTING, it opens itself when saved)
                chart.show_notes(started)
            return
        editing = chart.notes.editor.note
        if (
            found is None
            and editing is not None
            and (editing.client_id, editing.session_id) == (chart.client_id, session_id)
            and not editing.is_psychotherapy
        ):
            # Started a moment ago by the first click of a double-click (the chart's
            # refresh with it is still on its way): open it, never start a second one.
            found = editing
        if found is not None:
            chart.show_notes(found.id)
        else:
            chart.show_notes()
            chart.notes.start_note("soap", session_id, from_last=True)

    def restore_place(self) -> None:
        """After unlock: back to the client and note last open in this vault (ids only)."""
        ids = self.ctx.settings.place(self.vault_id)
        if "client" not in ids or not ids["client"].isdigit():
            return
        client_id = ClientId(int(ids["client"]))
        note = ids.get("note", "")
        self.open_note(client_id, NoteId(int(note)) if note.isdigit() else None)

    def new_note(self) -> None:
        self.list.settle()
        if self.chart is None:
            return
        chart = self.chart
        chart.show_notes()
        chart.when_loaded(chart.notes.new_note)

    def clear(self) -> None:
        if self.chart is not None:
            self.chart.clear()
        self.list.model.clear()
        self.list.search.clear()
