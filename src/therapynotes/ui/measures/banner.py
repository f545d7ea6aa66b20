"""Safety flags on screen: a clear, coloured banner for every PHQ-9 item 9 answered
above zero, in the chart's Overview and on Home, until the therapist records how it was
addressed (a short note, kept in the vault and audited)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QWidget

from therapynotes.domain import measures as defs
from therapynotes.services.measures import MeasuresService, OpenRisk
from therapynotes.services.records import RecordsService
from therapynotes.store.measures import MeasureResponse
from therapynotes.ui.note_dialogs import TextConfirmDialog
from therapynotes.ui.records_access import day
from therapynotes.ui.widgets import GRID, hbox, vbox

BANNER_BACKGROUND = QColor("#b3261e")  # white text on it: contrast 6.5:1
BANNER_TEXT = QColor("white")


def measures_of(service: RecordsService) -> MeasuresService:
    """The measures use cases on the records service's session (same lock, same clock)."""
    return MeasuresService(service.session, clock=service.clock)


def risk_words(response: MeasureResponse) -> str:
    definition = defs.instrument(response.instrument)
    item = next((r for r in definition.risk_items), None)
    answer = definition.options[response.answers[item.index]] if item else ""
    return (
        f"Safety: {response.instrument} on {day(response.given_on)}, item 9 (thoughts of "
        f"being better off dead or of self-harm) answered \u201c{answer}\u201d. Not yet "
        "marked as addressed."
    )


class RiskBanner(QFrame):
    """One flag: what was answered, and the way to record that it was addressed."""

    def __init__(
        self, text: str, action: str, on_action: Callable[[], object], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RiskBanner")
        self.setAccessibleName("Safety flag")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, BANNER_BACKGROUND)
        palette.setColor(QPalette.ColorRole.WindowText, BANNER_TEXT)
        self.setPalette(palette)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = hbox(self, margins=GRID + GRID // 2)
        self.label = QLabel(f"\u26a0  {text}", self)
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.label.setAccessibleName("Safety flag")
        row.addWidget(self.label, 1)
        self.button = QPushButton(action, self)
        self.button.setAccessibleName(action.rstrip("…"))
        self.button.clicked.connect(lambda: on_action())  # noqa: PLW0108 - no `checked` passed on
        row.addWidget(self.button)


class AddressDialog(TextConfirmDialog):
    """How the flag was addressed, in the therapist's words (kept through a lock)."""

    def __init__(self, response: MeasureResponse, parent: QWidget | None = None) -> None:
        super().__init__(
            "Mark as addressed",
            f"{risk_words(response).removesuffix(' Not yet marked as addressed.')} Write "
            "briefly how you addressed it (for example: risk assessed, safety plan "
            "reviewed). The note stays in the chart; the flag clears.",
            "Mark as addressed",
            parent,
            field="How it was addressed",
            lines=10,
        )
        self.response_id = response.id


class HomeRisks(QWidget):
    """Home: one banner per open flag, across clients; its button opens the chart."""

    def __init__(self, open_chart: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open_chart = open_chart
        self.setAccessibleName("Safety flags")
        self.layout_ = vbox(self, spacing=GRID)
        self.banners: list[RiskBanner] = []
        self.setVisible(False)

    def show_risks(self, risks: list[OpenRisk]) -> None:
        self.clear()
        for risk in risks:
            cid = int(risk.response.client_id)
            text = f"{risk.client_name}: {risk_words(risk.response)}"
            banner = RiskBanner(text, "Open chart", functools.partial(self.open_chart, cid), self)
            self.layout_.addWidget(banner)
            self.banners.append(banner)
        self.setVisible(bool(risks))

    def clear(self) -> None:
        for banner in self.banners:
            banner.label.clear()
            banner.deleteLater()
        self.banners = []
        self.setVisible(False)


def fetch_open_risks(service: RecordsService) -> list[OpenRisk]:
    """On the database worker."""
    return measures_of(service).open_risks()
