"""The Treatment plan tab: its versions (kept unchanged; each save is a new version) and
the "New plan version" dialog (a problem, its goal, a measurable objective with a target
date, interventions, a review date), which keeps what was typed through a lock
(`form_state`/`restore_state`, ui/form_drafts.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QWidget,
)

from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import Chart, Goal, Objective, PlanContent, Problem, TreatmentPlan
from therapynotes.ui.clipboard import RecordPlainTextEdit, conceal_copies
from therapynotes.ui.form_drafts import tag
from therapynotes.ui.records_access import RecordsAccess, day
from therapynotes.ui.widgets import GRID, DateField, hbox, message_label, plain_buttons, vbox


class PlanDialog(QDialog):
    def __init__(self, current: TreatmentPlan | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New plan version")
        self.setMinimumWidth(64 * GRID)
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        form = QFormLayout()
        form.setHorizontalSpacing(2 * GRID)
        form.setVerticalSpacing(GRID)
        self.problem = QLineEdit(self)
        self.goal = QLineEdit(self)
        self.objective = QLineEdit(self)
        self.target = DateField("Target date", self)
        self.interventions = RecordPlainTextEdit(self)
        self.interventions.setPlaceholderText("One per line")
        self.interventions.setFixedHeight(10 * GRID)
        self.review = DateField("Review by", self)
        for label, widget in (
            ("Problem", self.problem),
            ("Goal", self.goal),
            ("Measurable objective", self.objective),
            ("Target date", self.target),
            ("Interventions", self.interventions),
            ("Review by", self.review),
        ):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        conceal_copies(self.problem, self.goal, self.objective)
        layout.addLayout(form)
        self.message = message_label(self)
        layout.addWidget(self.message)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        plain_buttons(box)
        box.accepted.connect(self._check)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        if current is not None and current.content.problems:
            self._fill(current)

    def _fill(self, plan: TreatmentPlan) -> None:
        problem = plan.content.problems[0]
        self.problem.setText(problem.text)
        if problem.goals:
            goal = problem.goals[0]
            self.goal.setText(goal.text)
            self.interventions.setPlainText("\n".join(goal.interventions))
            if goal.objectives:
                self.objective.setText(goal.objectives[0].text)
                self.target.set_iso(goal.objectives[0].target_date)
        self.review.set_iso(plan.content.review_date)

    def form_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            name: getattr(self, name).text() for name in ("problem", "goal", "objective")
        }
        state.update(
            target=self.target.iso(),
            review=self.review.iso(),
            interventions=self.interventions.toPlainText(),
        )
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        for name in ("problem", "goal", "objective"):
            getattr(self, name).setText(str(state.get(name, "")))
        for edit, key in ((self.target, "target"), (self.review, "review")):
            value = state.get(key)
            edit.set_iso(str(value) if value else None)
        self.interventions.setPlainText(str(state.get("interventions", "")))

    def _check(self) -> None:
        if not self.problem.text().strip():
            self.message.setText("Name the problem this plan addresses.")
            self.message.setVisible(True)
            return
        self.accept()

    def content(self) -> PlanContent:
        objective = self.objective.text().strip()
        goal = Goal(
            self.goal.text().strip(),
            (Objective(objective, self.target.iso()),) if objective else (),
            tuple(
                line.strip()
                for line in self.interventions.toPlainText().splitlines()
                if line.strip()
            ),
        )
        goals = (goal,) if goal.text or goal.objectives or goal.interventions else ()
        return PlanContent((Problem(self.problem.text().strip(), goals),), self.review.iso())


def _plan_text(plan: TreatmentPlan) -> str:
    lines = []
    for problem in plan.content.problems:
        lines.append(f"Problem: {problem.text}")
        for goal in problem.goals:
            lines.append(f"  Goal: {goal.text}")
            for objective in goal.objectives:
                target = f" (target {day(objective.target_date)})" if objective.target_date else ""
                met = " — met" if objective.met else ""
                lines.append(f"    Objective: {objective.text}{target}{met}")
            lines.extend(f"    Intervention: {i}" for i in goal.interventions)
    if plan.content.review_date:
        lines.append(f"Review by {day(plan.content.review_date)}")
    return "\n".join(lines)


class PlanTab(QWidget):
    """The treatment plan's versions (kept unchanged) and the chosen version's text."""

    changed = Signal()

    def __init__(self, records: RecordsAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = records
        self.plans: list[TreatmentPlan] = []
        self.client_id: ClientId | None = None
        layout = vbox(self, margins=2 * GRID, spacing=GRID)
        row = hbox()
        self.new_button = QPushButton("New plan version…", self)
        self.new_button.setAccessibleName("New plan version")
        self.new_button.clicked.connect(self.new_version)
        row.addWidget(self.new_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.splitter = QSplitter(self)
        self.versions = QListWidget(self)
        self.versions.setAccessibleName("Plan versions")
        conceal_copies(self.versions)
        self.versions.currentRowChanged.connect(self._show)
        self.text = RecordPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Treatment plan")
        self.splitter.addWidget(self.versions)
        self.splitter.addWidget(self.text)
        self.splitter.setSizes([24 * GRID, 80 * GRID])
        layout.addWidget(self.splitter)

    def show_chart(self, chart: Chart) -> None:
        self.client_id = chart.client.id
        self.plans = self.records.call(lambda s: s.plan_versions(chart.client.id))
        self.versions.clear()
        self.text.clear()
        for plan in reversed(self.plans):
            self.versions.addItem(f"Version {plan.version}, from {day(plan.effective_date)}")
        if self.plans:
            self.versions.setCurrentRow(0)
        else:
            self.text.setPlaceholderText("No treatment plan yet. Start one with New plan version…")

    def clear(self) -> None:
        self.plans = []
        self.versions.clear()
        self.text.clear()

    def _show(self, row: int) -> None:
        plans = list(reversed(self.plans))
        self.text.setPlainText(_plan_text(plans[row]) if 0 <= row < len(plans) else "")

    def new_version(self) -> PlanDialog | None:
        if self.client_id is None:
            return None
        client_id = self.client_id
        dialog = PlanDialog(self.plans[-1] if self.plans else None, self)
        tag(dialog, "plan.new", client_id)

        def save() -> None:
            content = dialog.content()
            today = date.fromtimestamp(self.records.clock()).isoformat()  # noqa: DTZ012
            self.records.op(
                self, lambda s: s.save_plan(client_id, content, effective_date=today)
            ).busy(lambda busy: self.new_button.setEnabled(not busy)).success(
                lambda _id: self.changed.emit()
            ).run(database=True)

        dialog.accepted.connect(save)
        dialog.open()
        return dialog
