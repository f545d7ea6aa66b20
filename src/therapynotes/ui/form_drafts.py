"""Nothing typed into a dialog is lost to a lock.

A dialog holding typed record text implements `form_state() -> dict` (JSON values) and
`restore_state(dict)`; whoever opens it tags it with `tag(dialog, kind, client, **ids)`:
which dialog, over which chart, and the ids its reopening needs (the note of an
addendum, the session of an attendance change). At lock, before the database closes,
the main window calls `keep_open_forms`: every open tagged dialog's state goes into the
vault (services/form_drafts.py: vault.db for dialogs without clinical text, so every
login's typing is kept, clinical.db for the others), never anywhere else. After
unlock, `offer_back` reopens each over the same chart, filled with what was typed, and
drops the kept draft once that dialog is saved or cancelled. Passphrase dialogs are never
tagged: secrets are never kept. A kept form is offered back to the login that typed it
only (issue 17): the owner's half-written note never opens in a supervisor's window.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QDialog, QWidget

from therapynotes.domain.ids import ClientId, DiagnosisId, NoteId, SessionId
from therapynotes.services.policy import UseCase, allowed
from therapynotes.store.form_drafts import FormDraft
from therapynotes.ui.records_access import RecordsAccess

if TYPE_CHECKING:
    from therapynotes.ui.client_view import ClientChartView
    from therapynotes.ui.record_navigation import RecordNavigation

PLACE = "place"  # the ids a reopening needs
FORM = "form"  # the dialog's own fields
LOGIN = "login"  # who typed it (issue 17): "" the owner, else the login's name


@dataclass(frozen=True)
class FormTag:
    kind: str
    client_id: ClientId | None
    place: dict[str, int] = field(default_factory=dict)


def tag(dialog: QDialog, kind: str, client_id: ClientId | None, **place: int) -> None:
    """Mark `dialog` as one a lock keeps (its class has form_state/restore_state)."""
    dialog.form_tag = FormTag(kind, client_id, {k: int(v) for k, v in place.items()})  # type: ignore[attr-defined]


# Pages (not dialogs) holding typed values not saved yet: Settings (issue 16). A page
# tagged here is kept while it says `has_unsaved()`; its `finished` signal drops the
# draft once the changes are saved or discarded.
_PAGES: weakref.WeakSet[QWidget] = weakref.WeakSet()


def tag_page(page: QWidget, kind: str) -> None:
    """Mark a page (form_state/restore_state/has_unsaved/finished) as one a lock keeps."""
    page.form_tag = FormTag(kind, None)  # type: ignore[attr-defined]
    _PAGES.add(page)


def _open_pages() -> list[tuple[QDialog, FormTag]]:
    found = []
    for page in list(_PAGES):
        with contextlib.suppress(RuntimeError):  # its C++ side already gone
            if shiboken6.isValid(page) and page.has_unsaved():  # type: ignore[attr-defined]
                found.append((page, page.form_tag))  # type: ignore[attr-defined]
    return found  # type: ignore[return-value]


def _open_tagged() -> list[tuple[QDialog, FormTag]]:
    found = []
    for widget in QApplication.topLevelWidgets():
        form_tag = getattr(widget, "form_tag", None)
        if isinstance(widget, QDialog) and widget.isVisible() and isinstance(form_tag, FormTag):
            found.append((widget, form_tag))
    return found + _open_pages()


def open_forms() -> list[FormDraft]:
    """What every open tagged dialog holds."""
    drafts = []
    for dialog, form_tag in _open_tagged():
        with contextlib.suppress(Exception):  # one odd dialog must not cost the others
            # Date and time fields take typed text only when typing ends: take it now.
            for box in dialog.findChildren(QAbstractSpinBox):
                box.interpretText()
            state = dialog.form_state()  # type: ignore[attr-defined]
            place = {PLACE: form_tag.place, FORM: state}
            drafts.append(FormDraft(form_tag.kind, form_tag.client_id, place))
    return drafts


def keep_open_forms(records: RecordsAccess) -> None:
    """At lock, before the dialogs close: what they hold into the vault. A dialog that was
    itself filled from a kept draft replaces it; other kept drafts (not offered back yet)
    stay."""
    who = records.service.session.login
    login = "" if who.is_owner else who.name  # the owner's stay theirs through a rename
    clinical = allowed(who.role, UseCase.FORM_DRAFTS)  # else vault.db's kinds only
    drafts = [
        FormDraft(d.kind, d.client_id, {**d.fields, LOGIN: login})
        for d in open_forms()
        if clinical or d.shared  # one that cannot be kept must not cost the others
    ]
    if not drafts:
        return
    in_use = {_key(getattr(dialog, "form_draft", None)) for dialog, _ in _open_tagged()}
    kept = [
        FormDraft(d.kind, d.client_id, d.fields)
        for d in records.call(lambda s: s.form_drafts())
        if _key(d) not in in_use
    ]
    records.call(lambda s: s.keep_form_drafts([*kept, *drafts]))


def _key(draft: FormDraft | None) -> tuple[bool, int] | None:
    """A kept draft's identity: its id is unique within its file (vault.db or
    clinical.db, store/form_drafts.py)."""
    return None if draft is None or draft.id is None else (draft.shared, draft.id)


# --- offering back ---------------------------------------------------------------------

Fill = Callable[[QDialog | None], None]


def offer_back(window: RecordNavigation, records: RecordsAccess) -> None:
    """After unlock: every kept form back on screen, filled, over the same chart."""
    try:
        drafts = records.call(lambda s: s.form_drafts())
    except Exception:  # noqa: BLE001 - an unlock must never fail over a kept form
        return
    # Settings last: reopening a dialog over a chart first shows that page, and leaving
    # Settings with changes already put back would ask about them (issue 16).
    login = records.service.session.login
    for draft in sorted(drafts, key=lambda d: d.kind == "settings"):
        typed_by = draft.fields.get(LOGIN) or ""  # none: kept before logins, the owner's
        if typed_by != ("" if login.is_owner else login.name):
            continue  # another login's: it stays for them
        opener = OPENERS.get(draft.kind)
        if opener is None:
            continue
        place = {str(k): int(v) for k, v in dict(draft.fields.get(PLACE, {})).items()}
        form = dict(draft.fields.get(FORM, {}))
        with contextlib.suppress(Exception):  # the draft stays for the next unlock
            opener(window, draft, place, _filler(records, draft, form))


def _filler(records: RecordsAccess, draft: FormDraft, form: dict[str, Any]) -> Fill:
    def fill(dialog: QDialog | None) -> None:
        if dialog is None or draft.id is None:
            return  # could not reopen: the draft stays for the next unlock
        dialog.restore_state(form)  # type: ignore[attr-defined]
        dialog.form_draft = draft  # type: ignore[attr-defined]

        def drop(_result: int) -> None:
            with contextlib.suppress(Exception):  # a vault locking meanwhile keeps it
                records.call(lambda s: s.drop_form_draft(draft))

        dialog.finished.connect(drop)

    return fill


def _in_chart(
    window: RecordNavigation, draft: FormDraft, action: Callable[[ClientChartView], None]
) -> None:
    if draft.client_id is None:
        return
    window.show_view("clients")
    chart = window.clients_page().open_client(draft.client_id)
    if chart is not None:
        chart.when_loaded(lambda: _quietly(action, chart))


def _quietly(action: Callable[[ClientChartView], None], chart: ClientChartView) -> None:
    """A form that can't come back (its note or session gone) stays kept, unseen: never
    an error box over the chart just unlocked."""
    if chart.chart is not None:
        with contextlib.suppress(Exception):
            action(chart)


def _add_client(window: RecordNavigation, _d: FormDraft, _p: dict[str, int], fill: Fill) -> None:
    window.show_view("clients")
    fill(window.clients_page().list.add_client())


Opener = Callable[["RecordNavigation", FormDraft, dict[str, int], Fill], None]


def _in_tab(
    tab: str, open_dialog: Callable[[ClientChartView, dict[str, int]], QDialog | None]
) -> Opener:
    """The chart over which the form was open, on its tab, then the dialog over it."""

    def opener(window: RecordNavigation, d: FormDraft, p: dict[str, int], fill: Fill) -> None:
        def action(chart: ClientChartView) -> None:
            chart.tabs.setCurrentWidget(getattr(chart, tab))
            fill(open_dialog(chart, p))

        _in_chart(window, d, action)

    return opener


def _attendance(chart: ClientChartView, p: dict[str, int]) -> QDialog | None:
    chart.sessions.select(SessionId(p.get("session", 0)))
    return chart.sessions.set_attendance()


def _edit_client(chart: ClientChartView, _p: dict[str, int]) -> QDialog | None:
    return chart.overview.edit()


def _plan(chart: ClientChartView, _p: dict[str, int]) -> QDialog | None:
    return chart.plan.new_version()


def _diagnosis(chart: ClientChartView, _p: dict[str, int]) -> QDialog | None:
    return chart.diagnoses.add()


def _new_note(chart: ClientChartView, _p: dict[str, int]) -> QDialog | None:
    return chart.notes.new_note()


def _resolve(chart: ClientChartView, p: dict[str, int]) -> QDialog | None:
    chart.diagnoses.select(DiagnosisId(p.get("diagnosis", 0)))
    return chart.diagnoses.resolve()


def _log_session(window: RecordNavigation, d: FormDraft, _p: dict[str, int], fill: Fill) -> None:
    def action(chart: ClientChartView) -> None:
        chart.tabs.setCurrentWidget(chart.sessions)
        chart.sessions.open_log_dialog(fill)

    _in_chart(window, d, action)


def _on_note(
    open_dialog: Callable[[ClientChartView], QDialog | None],
) -> Opener:
    """Addendum and Void: the note opens first, then the dialog over it."""

    def opener(window: RecordNavigation, d: FormDraft, p: dict[str, int], fill: Fill) -> None:
        note_id = NoteId(p.get("note", 0))

        def action(chart: ClientChartView) -> None:
            chart.show_notes()

            def opened(note: object) -> None:  # the note is read on the database worker
                editor = chart.notes.editor
                shown = note is not None and editor.note and editor.note.id == note_id
                fill(open_dialog(chart) if shown else None)

            chart.notes.open_note(note_id, opened)

        _in_chart(window, d, action)

    return opener


def _records_request(
    window: RecordNavigation, d: FormDraft, _p: dict[str, int], fill: Fill
) -> None:
    _in_chart(window, d, lambda chart: fill(chart.records_request()))


def _print(window: RecordNavigation, d: FormDraft, _p: dict[str, int], fill: Fill) -> None:
    _in_chart(window, d, lambda chart: fill(chart.print_chart()))


def _addendum(chart: ClientChartView) -> QDialog | None:
    return chart.notes.editor.add_addendum()


def _void(chart: ClientChartView) -> QDialog | None:
    return chart.notes.editor.void()


# --- billing (ui/chart_tabs/billing.py) ---------------------------------------------------


def _in_billing(
    open_dialog: Callable[[ClientChartView, dict[str, int]], QDialog | None],
) -> Opener:
    """The chart's Billing tab first, its ledger loaded, then the dialog over it."""

    def opener(window: RecordNavigation, d: FormDraft, p: dict[str, int], fill: Fill) -> None:
        def action(chart: ClientChartView) -> None:
            tab = chart.billing

            def when_ready() -> None:
                with contextlib.suppress(Exception):
                    tab.loaded.disconnect(when_ready)
                fill(open_dialog(chart, p))

            shown = chart.tabs.currentWidget() is tab
            if shown and tab.ledger is not None:
                fill(open_dialog(chart, p))
                return
            tab.loaded.connect(when_ready)
            chart.tabs.setCurrentWidget(tab)  # showing the tab loads it
            if shown:
                tab.reload()

        _in_chart(window, d, action)

    return opener


def _write_off(chart: ClientChartView, p: dict[str, int]) -> QDialog | None:
    chart.billing.select_entry(p.get("entry", 0))
    return chart.billing.write_off()


def _fee(window: RecordNavigation, _d: FormDraft, _p: dict[str, int], fill: Fill) -> None:
    window.show_view("billing")
    fill(window.pages["billing"].set_fee())  # type: ignore[attr-defined]


def _correct(chart: ClientChartView, p: dict[str, int]) -> QDialog | None:
    chart.billing.select_entry(p.get("entry", 0))
    return chart.billing.correct()


BILLING_OPENERS = {
    "billing.correct": _in_billing(_correct),
    "billing.fee": _fee,
    "billing.payment": _in_billing(lambda chart, _p: chart.billing.take_payment()),
    "billing.write_off": _in_billing(_write_off),
    "billing.superbill": _in_billing(lambda chart, _p: chart.billing.superbill()),
    "billing.statement": _in_billing(lambda chart, _p: chart.billing.statement()),
    "billing.estimate": _in_billing(lambda chart, _p: chart.billing.estimate()),
}


def _template_editor(
    window: RecordNavigation, _d: FormDraft, p: dict[str, int], fill: Fill
) -> None:
    """Settings → Templates, the editor over the version it was opened on (issue 19)."""
    window.show_view("settings")
    group = getattr(window.pages.get("settings"), "templates", None)
    if group is None:
        return
    ref = f"own-{p['template']}@{p['version']}"
    with group.session.db_lock:
        template = group.service.get(ref)
    fill(group.open_editor(template))


def _snippet_editor(window: RecordNavigation, _d: FormDraft, p: dict[str, int], fill: Fill) -> None:
    """Settings → Snippets, the dialog over the snippet it was opened on (issue 19)."""
    window.show_view("settings")
    group = getattr(window.pages.get("settings"), "snippets", None)
    if group is None:
        return
    found = next((s for s in group.items if s.id == p.get("snippet")), None)
    fill(group.edit_snippet(found))


def _schedule_page(window: RecordNavigation) -> Any:
    window.show_view("schedule")
    return window.pages.get("schedule")


def week_of_appointment(service: Any, appointment_id: int) -> Any:
    """The Monday of the appointment's week, or None when it no longer exists."""
    from therapynotes.domain.schedule import week_start  # noqa: PLC0415
    from therapynotes.ui.schedule.week_view import schedule_of  # noqa: PLC0415

    schedule = schedule_of(service)
    found = schedule.appointments_get(appointment_id)
    return None if found is None else week_start(found.local_start(schedule.zone).date())


def _book(window: RecordNavigation, _d: FormDraft, _p: dict[str, int], fill: Fill) -> None:
    page = _schedule_page(window)
    if page is not None:
        page.when_loaded(lambda: fill(page.book()))


def _move(window: RecordNavigation, _d: FormDraft, p: dict[str, int], fill: Fill) -> None:
    page = _schedule_page(window)
    if page is None:
        return

    appointment_id = p.get("appointment", 0)

    def action() -> None:
        found = page.appointment(appointment_id)
        fill(page.reschedule(found) if found is not None else None)

    week = page.records.call(lambda s: week_of_appointment(s, appointment_id))
    if week is None:
        fill(None)  # gone: the kept form stays, unseen
    else:
        page.show_week_then(week, action)


def _settings(window: RecordNavigation, _d: FormDraft, _p: dict[str, int], fill: Fill) -> None:
    """Settings with the changes not saved at the lock back in its fields (issue 16)."""
    window.show_view("settings")
    fill(window.pages.get("settings"))  # type: ignore[arg-type]


OPENERS: dict[str, Opener] = {
    "client.add": _add_client,
    "client.edit": _in_tab("overview", _edit_client),
    "session.log": _log_session,
    "session.attendance": _in_tab("sessions", _attendance),
    "plan.new": _in_tab("plan", _plan),
    "diagnosis.add": _in_tab("diagnoses", _diagnosis),
    "diagnosis.resolve": _in_tab("diagnoses", _resolve),
    "note.new": _in_tab("notes", _new_note),
    "note.addendum": _on_note(_addendum),
    "note.void": _on_note(_void),
    "chart.pdf": _records_request,
    "chart.print": _print,
    **BILLING_OPENERS,
    "template.edit": _template_editor,
    "snippet.edit": _snippet_editor,
    "appointment.book": _book,
    "appointment.move": _move,
    "settings": _settings,
}
