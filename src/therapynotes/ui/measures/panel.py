"""Measures in the chart's Overview: open safety flags (banners), the trend chart of one
instrument with its latest score, and "Give a measure…". Giving a measure opens the
full-screen form; saving scores it on the database worker and shows the result (and the
safety flag at once, when item 9 was answered above zero). From the note editor the
result offers "Insert into note" (note_menu.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QMenu, QPushButton, QWidget

from therapynotes.domain import measures as defs
from therapynotes.domain.enums import Attendance
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import Chart
from therapynotes.errors import TherapyNotesError
from therapynotes.services.measures import Recorded, summary_line
from therapynotes.store.measures import MeasureResponse
from therapynotes.ui import form_drafts
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.measures.banner import AddressDialog, RiskBanner, measures_of, risk_words
from therapynotes.ui.measures.form import MeasureForm
from therapynotes.ui.measures.trend import Point, TrendChart
from therapynotes.ui.note_dialogs import ConfirmDialog
from therapynotes.ui.records_access import RecordsAccess
from therapynotes.ui.widgets import GRID, body, hbox, heading, vbox

INSTRUMENT_IDS = tuple(defs.INSTRUMENTS)
NOT_SAVED = "The answers could not be saved. They are still here: try Save answers again."


def _call(fn: Callable[[str], object], value: str) -> Callable[[], None]:
    """A slot taking nothing (Qt's `checked` is never passed on as the value)."""

    def slot() -> None:
        fn(value)

    return slot


def give_measure(
    parent: QWidget,
    records: RecordsAccess,
    client_id: ClientId,
    instrument_id: str,
    saved: Callable[[Recorded, list[MeasureResponse]], None],
) -> MeasureForm:
    """Open the full-screen form; once answered, score and store it on the database
    worker and call `saved` with the result and the client's history."""
    definition = defs.instrument(instrument_id)
    form = MeasureForm(definition, parent.window())
    tag(form, "measure.give", client_id, instrument=INSTRUMENT_IDS.index(definition.id))

    def store() -> None:
        answers = form.answers()  # read here: the write runs on the database worker

        def work(service: Any) -> tuple[Recorded, list[MeasureResponse]]:
            measures = measures_of(service)
            done = measures.record(client_id, definition.id, answers)
            return done, measures.history(client_id, definition.id)

        def stored(found: tuple[Recorded, list[MeasureResponse]]) -> None:
            form.accept()
            saved(*found)

        def failed(exc: BaseException) -> None:
            text = exc.message if isinstance(exc, TherapyNotesError) else NOT_SAVED
            form.show_failure(text)

        records.op(form, work).success(stored).failure(failed).run(database=True)

    form.submitted.connect(store)
    form.open_full_screen()
    return form


class ResultDialog(ConfirmDialog):
    """The score as it landed in the chart; the safety flag at once when raised."""

    def __init__(
        self,
        recorded: Recorded,
        line: str,
        *,
        insert: Callable[[str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        response, score = recorded.response, recorded.score
        place = score.band or (f"{score.threshold} the threshold" if score.threshold else "")
        super().__init__(
            f"{response.instrument} saved",
            f"Score {score.total}, {place}. It is in the chart's Overview.",
            "Insert into note" if insert else "Close",
            parent,
        )
        self.line = line
        if response.risk:
            self.banner = RiskBanner(risk_words(response), "Understood", lambda: None, self)
            self.banner.button.setVisible(False)
            self.layout_.addWidget(self.banner)
        if insert is not None:
            self.accepted.connect(lambda: insert(self.line))
        else:
            self.box.button(self.box.StandardButton.Cancel).setVisible(False)
        self.finish()


class MeasuresPanel(QWidget):
    changed = Signal()  # a measure was saved or a flag addressed: the chart refreshes

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.chart: Chart | None = None
        self.history: list[MeasureResponse] = []
        self._token = 0
        # False when the login may not see measures (ui/users/chart_roles.py): the panel
        # is hidden and never asks the service, which would refuse (and audit) it.
        self.for_this_login = True
        self._shown_token = -1
        self._after_load: list[Callable[[], object]] = []
        self.last_result: ResultDialog | None = None
        self.setAccessibleName("Measures")
        layout = vbox(self, spacing=GRID)
        top = hbox()
        top.addWidget(heading("Measures", size_delta=2, parent=self), 1)
        self.instrument = QComboBox(self)
        self.instrument.setAccessibleName("Instrument shown")
        self.instrument.addItems(list(INSTRUMENT_IDS))
        self.instrument.currentIndexChanged.connect(lambda _i: self._draw())
        top.addWidget(self.instrument)
        self.give_button = QPushButton("Give a measure…", self)
        self.give_button.setAccessibleName("Give a measure")
        menu = QMenu(self.give_button)
        for instrument_id in INSTRUMENT_IDS:
            action = menu.addAction(defs.instrument(instrument_id).name)
            action.triggered.connect(_call(self.give, instrument_id))
        self.give_button.setMenu(menu)
        top.addWidget(self.give_button)
        layout.addLayout(top)
        self.banners = vbox(spacing=GRID)
        layout.addLayout(self.banners)
        self.risk_banners: list[RiskBanner] = []
        self.latest = body("", parent=self)
        self.latest.setAccessibleName("Latest score")
        layout.addWidget(self.latest)
        self.trend = TrendChart(self)
        layout.addWidget(self.trend, 1)

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        if not self.for_this_login:  # an assistant's chart: never asked (issue 17)
            return
        self._token += 1
        token, client_id = self._token, chart.client.id
        self.records.op(self, lambda svc: measures_of(svc).history(client_id)).success(
            lambda rows: self._loaded(token, rows)
        ).run(database=True)

    def _loaded(self, token: int, rows: list[MeasureResponse]) -> None:
        if token != self._token or self.chart is None:
            return
        self.history = rows
        self._shown_token = token
        self._show_risks()
        given = {r.instrument for r in rows}
        if given and self.instrument.currentText() not in given:
            latest = rows[-1].instrument if rows else INSTRUMENT_IDS[0]
            self.instrument.setCurrentText(latest)
        self._draw()
        pending, self._after_load = self._after_load, []
        for action in pending:
            action()

    def when_loaded(self, action: Callable[[], object]) -> None:
        """Run `action` once this chart's measures are on screen (now, if they are)."""
        if self.chart is not None and self._shown_token == self._token:
            action()
        else:
            self._after_load.append(action)

    def _show_risks(self) -> None:
        for banner in self.risk_banners:
            banner.label.clear()
            banner.deleteLater()
        self.risk_banners = []
        for response in self.history:
            if response.risk_open:
                banner = RiskBanner(
                    risk_words(response),
                    "Mark as addressed…",
                    functools.partial(self.address, response.id),
                    self,
                )
                self.banners.addWidget(banner)
                self.risk_banners.append(banner)

    def _draw(self) -> None:
        if self.chart is None:
            return
        definition = defs.instrument(self.instrument.currentText())
        rows = [r for r in self.history if r.instrument == definition.id]
        sessions = sorted(
            {
                s.service_date
                for s in self.chart.sessions
                if any(
                    p.client_id == self.chart.client.id and p.attendance is Attendance.ATTENDED
                    for p in s.participants
                )
            }
        )
        self.trend.show_points(definition, [Point(r.given_on, r.total) for r in rows], sessions)
        self.latest.setText(
            summary_line(self.history, rows[-1])
            if rows
            else f"No {definition.id} yet. Use “Give a measure…” to give one in session."
        )

    def give(self, instrument_id: str) -> MeasureForm | None:
        if self.chart is None:
            return None
        return give_measure(self, self.records, self.chart.client.id, instrument_id, self._saved)

    def _saved(self, recorded: Recorded, history: list[MeasureResponse]) -> None:
        self.instrument.setCurrentText(recorded.response.instrument)
        dialog = ResultDialog(recorded, summary_line(history, recorded.response), parent=self)
        dialog.open()
        self.last_result = dialog
        self.changed.emit()

    def address(self, response_id: int) -> AddressDialog | None:
        found = next((r for r in self.history if r.id == response_id), None)
        if found is None or self.chart is None:
            return None
        dialog = AddressDialog(found, self)
        tag(dialog, "measure.address", self.chart.client.id, response=response_id)

        def save() -> None:
            text = dialog.text()
            self.records.op(
                self, lambda svc: measures_of(svc).address_risk(response_id, text)
            ).success(lambda _r: self.changed.emit()).run(database=True)

        dialog.accepted.connect(save)
        dialog.open()
        return dialog

    def clear(self) -> None:
        self._token += 1
        self._after_load = []
        self.chart = None
        self.history = []
        self._show_risks()
        self.latest.clear()
        self.trend.clear()


# --- kept through a lock: reopening the two dialogs (ui/form_drafts.py) -------------------


def _reopen_give(window: Any, d: Any, p: dict[str, int], fill: form_drafts.Fill) -> None:
    instrument_id = INSTRUMENT_IDS[p.get("instrument", 0) % len(INSTRUMENT_IDS)]

    def action(chart: Any) -> None:
        chart.tabs.setCurrentWidget(chart.overview)
        fill(chart.overview.measures.give(instrument_id))

    form_drafts._in_chart(window, d, action)  # noqa: SLF001 - the module's own helper


def _reopen_address(window: Any, d: Any, p: dict[str, int], fill: form_drafts.Fill) -> None:
    def action(chart: Any) -> None:
        chart.tabs.setCurrentWidget(chart.overview)
        panel: MeasuresPanel = chart.overview.measures
        panel.when_loaded(lambda: fill(panel.address(p.get("response", 0))))

    form_drafts._in_chart(window, d, action)  # noqa: SLF001


form_drafts.OPENERS.setdefault("measure.give", _reopen_give)
form_drafts.OPENERS.setdefault("measure.address", _reopen_address)
