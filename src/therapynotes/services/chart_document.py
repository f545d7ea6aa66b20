"""A client's chart as a printable document for a records request or a transfer.

Holds what a chart release contains (HIPAA 164.524; docs/user-guide.md): the practice
header, client details, diagnoses, the current treatment plan, the session log with
service codes, and signed notes with their signature lines, addenda and late-entry
labels. Drafts and voided notes are never included; psychotherapy notes only when the
caller says so explicitly. A date range limits sessions and notes (by date of service).

Reads the store directly, so building the document does not add a "chart viewed" row;
the caller records the export or print itself (documents.record_export).

Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from therapynotes.domain import measures as measure_defs
from therapynotes.domain.codes import CPT_BY_CODE
from therapynotes.domain.enums import NoteState
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import (
    Chart,
    Client,
    Diagnosis,
    Note,
    ServiceEntry,
    TreatmentPlan,
)
from therapynotes.domain.profile import signature_line
from therapynotes.domain.review import Cosignature
from therapynotes.domain.rules import parse_instant
from therapynotes.domain.templates import TEMPLATES
from therapynotes.records_errors import ClientNotFound
from therapynotes.services.documents import PrintDocument, TrendFigure, esc, text_block
from therapynotes.services.policy import UseCase, require
from therapynotes.services.session import VaultSession
from therapynotes.settings import read_setting
from therapynotes.store import attachments, clients, diagnoses, measures, notes, plans, sessions
from therapynotes.store import review as review_store
from therapynotes.store.connection import Connection

PRACTICE_NAME_KEY = "practice.name"
CONFIDENTIAL = "Confidential"
_STYLE = (
    "<style>h1 { font-size: 17pt; margin-bottom: 4px; } h2 { font-size: 13pt;"
    " margin-top: 18px; margin-bottom: 6px; } h3 { font-size: 11pt; margin-top: 14px;"
    " margin-bottom: 4px; } td, th { vertical-align: top; }</style>"
)
_TABLE = (
    'border="1" cellspacing="0" cellpadding="4" width="100%"'
    ' style="border-collapse: collapse; border-color: #999999; margin-bottom: 6px;"'
)


@dataclass(frozen=True)
class ChartOptions:
    """What goes in: dates of service from/to (inclusive, 'YYYY-MM-DD' or None)."""

    date_from: str | None = None
    date_to: str | None = None
    include_psychotherapy: bool = False

    def covers(self, service_date: str) -> bool:
        return (self.date_from is None or service_date >= self.date_from) and (
            self.date_to is None or service_date <= self.date_to
        )


def load_chart(conn: Connection, client_id: ClientId, options: ChartOptions) -> Chart:
    client = clients.get(conn, client_id)
    if client is None:
        raise ClientNotFound
    kept = [
        n
        for n in notes.for_client(
            conn, client_id, include_psychotherapy=options.include_psychotherapy
        )
        if n.state is NoteState.SIGNED and options.covers(n.service_date)
    ]
    return Chart(
        client=client,
        diagnoses=tuple(diagnoses.for_client(conn, client_id)),
        plan=plans.current(conn, client_id),
        sessions=tuple(
            s for s in sessions.for_client(conn, client_id) if options.covers(s.service_date)
        ),
        notes=tuple(sorted(kept, key=lambda n: (n.service_date, n.id))),
        attachments=tuple(attachments.for_client(conn, client_id)),
    )


def build_chart_document(
    conn: Connection, client_id: ClientId, options: ChartOptions, *, today: date
) -> PrintDocument:
    chart = load_chart(conn, client_id, options)
    practice = str(read_setting(conn, PRACTICE_NAME_KEY, "") or "")
    cosigned = review_store.cosignatures_for_client(conn, client_id)
    document = chart_document(chart, options, practice=practice, today=today, cosigned=cosigned)
    return with_measures(document, chart, measures.for_client(conn, client_id), options)


def chart_pdf_document(
    session: VaultSession, client_id: ClientId, options: ChartOptions, *, today: date
) -> PrintDocument:
    """The chart as printed or saved (the entry point the window and the CLI use): the
    owner's only (services/policy.py), psychotherapy notes included on request."""
    require(session, UseCase.CHART_PDF)
    if options.include_psychotherapy:
        require(session, UseCase.PSYCHOTHERAPY_NOTES)
    with session.db_lock:
        return build_chart_document(session.conn, client_id, options, today=today)


def chart_document(
    chart: Chart,
    options: ChartOptions,
    *,
    practice: str,
    today: date,
    cosigned: Mapping[int, list[Cosignature]] | None = None,
) -> PrintDocument:
    """`cosigned`: each note's co-signatures (issue 17 phase B), printed under it."""
    parts = [
        _STYLE,
        _header(chart.client, options, practice=practice, today=today),
        _client_details(chart.client),
        _diagnoses(chart.diagnoses),
        _plan(chart.plan),
        _session_log(chart.client.id, chart.sessions),
        _notes(chart.notes, cosigned or {}),
        _documents(chart),
        '<p style="color: #555555;">End of record.</p>',
    ]
    fields = chart.client.fields
    born = f", born {fields.date_of_birth}" if fields.date_of_birth else ""
    footer = f"{CONFIDENTIAL}: {fields.legal_name}{born}"
    return PrintDocument(title="Clinical record", html="\n".join(parts), footer=footer)


# --- formatting helpers ------------------------------------------------------------


def local_time(instant: str) -> str:
    """A stored UTC instant in the machine's local time, with its zone."""
    return parse_instant(instant).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(
        f'<tr><td width="30%"><b>{esc(k)}</b></td><td>{esc(v)}</td></tr>' for k, v in pairs if v
    )


def _table(head: Iterable[str], rows: list[list[str]]) -> str:
    top = "".join(f"<th align='left'>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    # <thead> repeats the column names on every page the table runs onto
    return (
        f"<table {_TABLE}><thead><tr style='background-color: #eeeeee;'>{top}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


# --- sections ----------------------------------------------------------------------


def _header(client: Client, options: ChartOptions, *, practice: str, today: date) -> str:
    period = (
        f"{options.date_from or 'the first record'} to {options.date_to or 'the last record'}"
        if options.date_from or options.date_to
        else "the whole record"
    )
    psy = (
        "Psychotherapy notes are included at the clinician's explicit decision."
        if options.include_psychotherapy
        else "Psychotherapy notes (process notes) are not part of this record."
    )
    name = f"<p style='font-size: 13pt;'><b>{esc(practice)}</b></p>" if practice else ""
    return (
        f"{name}<h1>Clinical record: {esc(client.fields.legal_name)}</h1>"
        f"<p>Prepared {esc(today.isoformat())} for a records request. Covers {esc(period)}. "
        f"Only signed entries are included; voided entries are left out. {esc(psy)}</p>"
    )


def _client_details(client: Client) -> str:
    f = client.fields
    pairs = [
        ("Legal name", f.legal_name),
        ("Preferred name", f.preferred_name),
        ("Pronouns", f.pronouns),
        ("Date of birth", f.date_of_birth or ""),
        ("Phone", f.phone),
        ("Email", f.email),
        ("Address", f.address),
        ("Emergency contact", f.emergency_contact),
        ("Guardian", f.guardian),
        ("Referral source", f.referral_source),
        ("Intake date", f.intake_date or ""),
        ("Status", f.status.value.capitalize()),
        ("Discharge date", f.discharge_date or ""),
        ("Alerts", f.alerts),
    ]
    return f"<h2>Client</h2><table {_TABLE}>{_rows(pairs)}</table>"


def _diagnoses(found: tuple[Diagnosis, ...]) -> str:
    if not found:
        return "<h2>Diagnoses</h2><p>None recorded.</p>"
    rows = [
        [
            d.code,
            d.description,
            "Primary" if d.primary else "",
            d.onset_date or "",
            d.resolved_date or "",
        ]
        for d in found
    ]
    head = ("ICD-10-CM", "Description", "", "Onset", "Resolved")
    return "<h2>Diagnoses</h2>" + _table(head, rows)


def _plan(plan: TreatmentPlan | None) -> str:
    if plan is None:
        return "<h2>Treatment plan</h2><p>None recorded.</p>"
    review = f", review by {plan.content.review_date}" if plan.content.review_date else ""
    out = [
        "<h2>Treatment plan</h2>",
        f"<p>Version {plan.version}, effective {esc(plan.effective_date)}{esc(review)}.</p>",
    ]
    for i, problem in enumerate(plan.content.problems, 1):
        out.append(f"<p><b>Problem {i}: {esc(problem.text)}</b></p><ul>")
        for goal in problem.goals:
            out.append(f"<li>Goal: {esc(goal.text)}<ul>")
            for obj in goal.objectives:
                target = f" (target {obj.target_date})" if obj.target_date else ""
                met = " (met)" if obj.met else ""
                out.append(f"<li>Objective: {esc(obj.text + target + met)}</li>")
            out.extend(f"<li>Intervention: {esc(x)}</li>" for x in goal.interventions)
            out.append("</ul></li>")
        out.append("</ul>")
    return "".join(out)


def _session_log(client_id: ClientId, found: tuple[ServiceEntry, ...]) -> str:
    if not found:
        return "<h2>Session log</h2><p>No sessions in this period.</p>"
    rows = []
    for s in sorted(found, key=lambda s: (s.starts_at, s.id)):
        code = CPT_BY_CODE.get(s.service_code)
        service = f"{s.service_code} {code.description}" if code else s.service_code
        mine = next((p.attendance for p in s.participants if p.client_id == client_id), None)
        start = local_time(s.starts_at)
        rows.append(
            [
                s.service_date,
                start[11:],
                f"{s.duration_minutes} min",
                service,
                s.modality.value.replace("_", " "),
                mine.value.replace("_", " ") if mine else "",
            ]
        )
    head = ("Date", "Start", "Length", "Service (CPT)", "Modality", "Attendance")
    return "<h2>Session log</h2>" + _table(head, rows)


def _notes(found: tuple[Note, ...], cosigned: Mapping[int, list[Cosignature]]) -> str:
    if not found:
        return "<h2>Notes</h2><p>No signed notes in this period.</p>"
    return "<h2>Notes</h2>" + "<hr/>".join(
        _note(n) + _cosignatures(cosigned.get(int(n.id), ())) for n in found
    )


def _cosignatures(found: Iterable[Cosignature]) -> str:
    """A supervisor's co-signature under the note it vouches for: their signing line as
    it read that day, when, and the hash that chains it to the note."""
    return "".join(
        "<p style='font-size: 8pt; color: #333333;'>"
        f"Co-signed by {esc(c.signature_line)} on {esc(signed_time(c.signed_at))}. "
        f"Content SHA-256: {esc(c.content_hash)}</p>"
        for c in found
    )


def _note(note: Note) -> str:
    template = TEMPLATES.get(note.template)
    name = template.name if template else note.kind.value.replace("_", " ").capitalize()
    titles = {s.key: s.title for s in template.sections} if template else {}
    out = [f"<h3>{esc(note.service_date)}: {esc(name)}</h3>"]
    if note.is_psychotherapy:
        out.append("<p><b>Psychotherapy note (process note), kept apart from the record.</b></p>")
    if note.late_entry and note.signed_at:
        out.append(
            f"<p><b>Late entry.</b> Date of service {esc(note.service_date)}; written and "
            f"signed {esc(local_time(note.signed_at))}.</p>"
        )
    # stored sections come back sorted by key; print them in the template's order
    order = [k for k in titles if k in note.sections]
    order += [k for k in note.sections if k not in titles]
    for key in order:
        value = note.sections[key]
        if value.strip():
            title = titles.get(key) or key.replace("_", " ").capitalize()  # own template
            out.append(f"<p><b>{esc(title)}</b><br/>{text_block(value)}</p>")
    out.append(
        _signature(note.signed_at, note.content_hash, note.signed_by, what="Electronically signed")
    )
    for add in note.addenda:
        out.append(
            f"<p><b>Addendum, signed {esc(local_time(add.signed_at))}</b><br/>"
            f"{text_block(add.text)}</p>"
        )
        out.append(
            _signature(add.signed_at, add.content_hash, add.signed_by, what="Addendum signed")
        )
    return "".join(out)


def _documents(chart: Chart) -> str:
    """Attachments are listed (not reproduced): the therapist adds the ones the request
    covers, saved with "Save a copy…"."""
    if not chart.attachments:
        return ""
    rows = [[a.added_at[:10], a.filename, a.media_type] for a in chart.attachments]
    return "<h2>Documents on file</h2>" + _table(("Added", "Document", "Type"), rows)


def signed_time(instant: str) -> str:
    """A signature's time as signature lines name it: '4 Dec 2026 15:02 CET' (local)."""
    moment = parse_instant(instant).astimezone()
    return f"{moment.day} {moment:%b %Y %H:%M %Z}"


def _signature(
    signed_at: str | None, content_hash: str | None, signed_by: str | None, *, what: str
) -> str:
    """The signature line; one signed before a clinician profile existed (`signed_by`
    None) keeps the wording it always had ('by the treating clinician on …')."""
    if signed_by is None:
        when = local_time(signed_at) if signed_at else "not signed"
    else:
        when = signed_time(signed_at) if signed_at else "not signed"
    return (
        "<p style='font-size: 8pt; color: #333333;'>"
        f"{esc(signature_line(signed_by, when, what=what))}. "
        f"Content SHA-256: {esc(content_hash or '')}</p>"
    )


# --- outcome measures (domain/measures.py) -------------------------------------------

END_OF_RECORD = '<p style="color: #555555;">End of record.</p>'


def with_measures(
    document: PrintDocument,
    chart: Chart,
    given: Iterable[measures.MeasureResponse],
    options: ChartOptions,
) -> PrintDocument:
    """The chart document with its outcome measures: a table of every measure given in
    the period (each item's answer too), and one trend figure per instrument, drawn as
    vector graphics after the text (PrintDocument.figures)."""
    kept = [m for m in given if options.covers(m.given_on)]
    if not kept:
        return document
    rows = []
    for m in kept:
        definition = measure_defs.instrument(m.instrument)
        flag = ""
        if m.risk:
            flag = "item 9 above zero; addressed" if m.addressed_at else "item 9 above zero"
        rows.append(
            [
                m.given_on,
                m.instrument,
                str(m.total),
                measure_defs.band_or_threshold(definition, m.total),
                " ".join(str(a) for a in m.answers),
                flag,
            ]
        )
    section = (
        "<h2>Outcome measures</h2>"
        + _table(
            ("Given", "Measure", "Score", "Severity", "Answers (items 1 to n)", "Safety"), rows
        )
        + "<p style='font-size: 8pt;'>Trend figures follow the record. Sources: "
        + esc(" ".join(measure_defs.instrument(i).source for i in _instruments(kept)))
        + "</p>"
    )
    attended = tuple(
        sorted(
            {
                s.service_date
                for s in chart.sessions
                if any(
                    p.client_id == chart.client.id and p.attendance.value == "attended"
                    for p in s.participants
                )
            }
        )
    )
    figures = tuple(
        TrendFigure(i, tuple((m.given_on, m.total) for m in kept if m.instrument == i), attended)
        for i in _instruments(kept)
    )
    html = document.html.replace(END_OF_RECORD, section + END_OF_RECORD)
    return PrintDocument(document.title, html, document.footer, figures=figures)


def _instruments(kept: Iterable[measures.MeasureResponse]) -> list[str]:
    found = {m.instrument for m in kept}
    return [i for i in measure_defs.INSTRUMENTS if i in found]
