"""A client's chart for the login unlocked (issue 17), applied once when the chart view
is built (ui/client_view.py). Which parts a role has is decided in access.py:

- an assistant: the client's details and contacts (and the Billing tab when billing is
  theirs); no Sessions, Notes, Treatment plan, Diagnoses, Attachments or History tab, no
  measures, no chart PDF or print;
- a supervisor: the record read-only (no New note, Sign, Addendum, Void, Edit details,
  Log session, plan or diagnosis changes, no attachment added), never the psychotherapy
  notes, and the review panel (co-sign and comments) under the note.

A tab a role may not use is never added to the chart's tabs and never filled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QBoxLayout, QWidget

from therapynotes.services.policy import UseCase
from therapynotes.ui.users.access import WindowAccess

if TYPE_CHECKING:
    from therapynotes.ui.client_view import ClientChartView
    from therapynotes.ui.records_access import RecordsAccess


def access_of(records: RecordsAccess) -> WindowAccess:
    """What the unlocked login may use (the session the records belong to)."""
    return WindowAccess(records.service.session.login)


def _hide(*widgets: QWidget) -> None:
    for widget in widgets:
        widget.setVisible(False)
        widget.setEnabled(False)


def fit_client_list(add_button: QWidget, access: WindowAccess) -> None:
    """Add client… for those who may add clients (not a supervisor)."""
    if not access.edits_clients:
        _hide(add_button)


def fit_chart(view: ClientChartView, access: WindowAccess) -> None:
    if not access.chart_pdf:
        _hide(view.records_button, view.print_button)
    if not access.edits_clients:
        _hide(view.overview.edit_button)
    if not access.measures:
        _hide(view.overview.measures)
        view.overview.measures.for_this_login = False
        layout = view.overview.layout()
        if isinstance(layout, QBoxLayout):
            layout.setStretch(0, 0)  # the details keep their height: Edit details under them
    if not access.may(UseCase.SUPERBILL_CODES) and "Superbill" in view.billing.buttons:
        _hide(view.billing.buttons["Superbill"])
    if not access.may(UseCase.BILLING):
        _hide(*view.billing.buttons.values())
    if not access.writes_notes:
        _read_only(view)
    if not access.psychotherapy_notes:
        _hide(view.notes.private_toggle)
    if access.may(UseCase.REVIEW):  # co-signatures and comments under the note
        from therapynotes.ui.users.review_panel import ReviewPanel  # noqa: PLC0415

        view.review_panel = ReviewPanel(view.records, view.notes.editor)


def _read_only(view: ClientChartView) -> None:
    """Reads the record, writes nothing in it (a supervisor)."""
    view.notes.editor.read_only = True
    _hide(view.notes.new_button, view.plan.new_button, view.attachments.add_button)
    diagnoses = view.diagnoses
    _hide(diagnoses.add_button, diagnoses.resolve_button, diagnoses.primary_button)
    for action in (diagnoses.resolve_action, diagnoses.primary_action):
        diagnoses.table.removeAction(action)
        action.setEnabled(False)
    sessions = view.sessions
    _hide(sessions.log_button, sessions.attendance_button)
    sessions.table.removeAction(sessions.attendance_action)
    sessions.attendance_action.setEnabled(False)
