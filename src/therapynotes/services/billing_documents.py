"""Billing documents as data (PrintDocument, rendered by ui/pdf_render.py like the chart
PDF): the superbill, the statement, the payment receipt and the Good Faith Estimate.

What they hold, and what never: practice and clinician details, the client's name, date
of birth and address, dates of service, places of service, CPT codes with modifiers,
ICD-10 codes of the diagnoses current on each date (primary first), fees and payments.
No note text, ever, and nothing of psychotherapy notes: these builders read only the
ledger, the sessions' dates and codes, the diagnoses, the client's demographics, the
practice and the profile (a canary test proves it).

The Good Faith Estimate follows 45 CFR 149.610 (the No Surprises Act's requirement for
uninsured and self-pay clients): expected services with codes, diagnosis codes, the
number of sessions and fees, the provider's name, NPI and tax id, and the disclaimers
and patient-provider dispute resolution notice the rule requires.

Writing a document to disk is audited (`write_billing_pdf` callers: record_document),
with the client's id and the kind only. Must not import PySide6.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from therapynotes.domain.billing import (
    PLACES_OF_SERVICE,
    ChargeLine,
    Entry,
    EntryKind,
    Practice,
    fee_code_label,
)
from therapynotes.domain.codes import CPT_BY_CODE
from therapynotes.domain.enums import Modality
from therapynotes.domain.ids import ClientId
from therapynotes.domain.models import Client, Diagnosis
from therapynotes.domain.money import format_money
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.records_errors import ClientNotFound
from therapynotes.services.documents import PrintDocument, esc, text_block
from therapynotes.services.policy import UseCase, require, session_guarded
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, clients, diagnoses, sessions
from therapynotes.store import billing as store
from therapynotes.store import profile as profile_store
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, transaction

CONFIDENTIAL = "Confidential"
_STYLE = (
    "<style>h1 { font-size: 16pt; margin-bottom: 4px; } h2 { font-size: 12pt;"
    " margin-top: 14px; margin-bottom: 6px; } td, th { vertical-align: top; }</style>"
)
_TABLE = (
    'border="1" cellspacing="0" cellpadding="4" width="100%"'
    ' style="border-collapse: collapse; border-color: #999999; margin-bottom: 6px;"'
)
MODIFIERS = {Modality.VIDEO: "95", Modality.PHONE: "93"}

GFE_DISCLAIMER = (
    "This Good Faith Estimate shows the costs of items and services that are reasonably "
    "expected for your health care needs for an item or service. The estimate is based on "
    "information known at the time the estimate was created. The Good Faith Estimate does "
    "not include any unknown or unexpected costs that may arise during treatment. You could "
    "be charged more if complications or special circumstances occur. If this happens, "
    "federal law allows you to dispute (appeal) the bill. This estimate is not a contract "
    "and does not require you to obtain the items or services from the provider listed."
)
GFE_DISPUTE = (
    "If you are billed for more than this Good Faith Estimate, you have the right to "
    "dispute the bill. You may contact the health care provider listed to let them know the "
    "billed charges are higher than the Good Faith Estimate. You can ask them to update the "
    "bill to match the Good Faith Estimate, ask to negotiate the bill, or ask if there is "
    "financial assistance available. You may also start a dispute resolution process with "
    "the U.S. Department of Health and Human Services (HHS). If you choose to use the "
    "dispute resolution process, you must start the dispute process within 120 calendar "
    "days (about 4 months) of the date on the original bill. There is a $25 fee to use the "
    "dispute process. If the agency reviewing your dispute agrees with you, you will have "
    "to pay the price on this Good Faith Estimate. If the agency disagrees with you and "
    "agrees with the health care provider, you will have to pay the higher amount. To learn "
    "more and get a form to start the process, go to www.cms.gov/nosurprises or call "
    "1-800-985-3059. For questions or more information about your right to a Good Faith "
    "Estimate or the dispute process, visit www.cms.gov/nosurprises or call 1-800-985-3059. "
    "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it. You "
    "may need it if you are billed a higher amount."
)


@dataclass(frozen=True)
class BillingContext:
    client: Client
    practice: Practice | None
    profile: ClinicianProfile | None
    diagnoses: tuple[Diagnosis, ...]
    currency: str


@dataclass(frozen=True)
class SuperbillLine:
    date: str
    place: str
    code: str  # with modifier: "90834-95"
    diagnoses: tuple[str, ...]
    units: int
    fee: int
    paid: int


def _context(conn: Connection, client_id: ClientId, currency: str) -> BillingContext:
    client = clients.get(conn, client_id)
    if client is None:
        raise ClientNotFound
    return BillingContext(
        client,
        store.get_practice(conn),
        profile_store.get(conn),
        tuple(diagnoses.for_client(conn, client_id)),
        currency,
    )


def current_codes(found: Iterable[Diagnosis], day: str) -> tuple[str, ...]:
    """ICD-10 codes of the diagnoses current on `day`, primary first."""
    live = [
        d
        for d in found
        if (d.onset_date is None or d.onset_date <= day)
        and (d.resolved_date is None or d.resolved_date >= day)
    ]
    live.sort(key=lambda d: (not d.primary, d.code))
    return tuple(d.code for d in live)


def place_of_service(modality: Modality, default: str) -> str:
    if modality is Modality.IN_PERSON:
        return "11"
    return default if default in ("10", "02") else "10"


def superbill_lines(
    conn: Connection, client_id: ClientId, date_from: str, date_to: str
) -> list[SuperbillLine]:
    """One line per charged session (a CPT code) dated within the range, oldest first."""
    found = tuple(diagnoses.for_client(conn, client_id))
    practice = store.get_practice(conn)
    default = practice.place_of_service if practice else "11"
    lines = []
    for charge in store.ledger(conn, client_id).charges():
        entry = charge.entry
        if charge.reversed or not (date_from <= entry.entry_date <= date_to):
            continue
        if entry.service_code not in CPT_BY_CODE and not entry.service_code.isdigit():
            continue  # late-cancel and no-show fees are no service to reimburse
        session = sessions.get(conn, entry.session_id) if entry.session_id else None  # type: ignore[arg-type]
        modality = session.modality if session else Modality.IN_PERSON
        modifier = MODIFIERS.get(modality)
        code = f"{entry.service_code}-{modifier}" if modifier else entry.service_code
        lines.append(
            SuperbillLine(
                entry.entry_date,
                place_of_service(modality, default),
                code,
                current_codes(found, entry.entry_date),
                1,
                charge.amount,
                charge.paid,
            )
        )
    return lines


# --- the documents -------------------------------------------------------------------


def _table(head: Iterable[str], rows: list[list[str]]) -> str:
    top = "".join(f"<th align='left'>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (
        f"<table {_TABLE}><thead><tr style='background-color: #eeeeee;'>{top}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _provider(ctx: BillingContext) -> str:
    p, c = ctx.practice, ctx.profile
    rows: list[tuple[str, str]] = []
    if p:
        rows += [("Practice", p.name), ("Address", p.address), ("Phone", p.phone),
                 ("Tax id", p.tax_id), ("Practice NPI", p.npi)]  # fmt: skip
    if c:
        licence = " ".join(x for x in (c.license_state, c.license_number) if x)
        rows += [("Clinician", f"{c.name}, {c.credentials}"), ("Licence", licence),
                 ("Clinician NPI", c.npi)]  # fmt: skip
    if not rows:
        return "<p>Practice details are not set yet (Settings → Practice).</p>"
    return _pairs(rows)


def _pairs(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(
        f'<tr><td width="30%"><b>{esc(k)}</b></td><td>{text_block(v)}</td></tr>'
        for k, v in rows
        if v
    )
    return f"<table cellpadding='2' width='100%'>{body}</table>"


def _client(ctx: BillingContext) -> str:
    f = ctx.client.fields
    return _pairs(
        [
            ("Client", f.legal_name),
            ("Date of birth", f.date_of_birth or ""),
            ("Address", f.address),
        ]  # fmt: skip
    )


def _footer(ctx: BillingContext) -> str:
    return f"{CONFIDENTIAL}: {ctx.client.fields.legal_name}"


def superbill_document(
    conn: Connection, client_id: ClientId, date_from: str, date_to: str, *, currency: str,
    today: date,
) -> PrintDocument:  # fmt: skip
    ctx = _context(conn, client_id, currency)
    lines = superbill_lines(conn, client_id, date_from, date_to)

    def money(cents: int) -> str:
        return format_money(cents, currency)

    rows = [
        [
            ln.date,
            ln.place,
            ln.code,
            ", ".join(ln.diagnoses),
            str(ln.units),
            money(ln.fee),
            money(ln.paid),
        ]  # fmt: skip
        for ln in lines
    ]
    fees, paid = sum(ln.fee for ln in lines), sum(ln.paid for ln in lines)
    rows.append(["Total", "", "", "", str(sum(ln.units for ln in lines)), money(fees), money(paid)])
    places = "; ".join(f"{k} {v}" for k, v in PLACES_OF_SERVICE.items())
    parts = [
        _STYLE,
        "<h1>Superbill (statement for insurance reimbursement)</h1>",
        f"<p>Services from {esc(date_from)} to {esc(date_to)}. "
        f"Prepared {esc(today.isoformat())}.</p>",
        "<h2>Provider</h2>", _provider(ctx),
        "<h2>Client</h2>", _client(ctx),
        "<h2>Services</h2>",
        _table(["Date", "Place", "CPT", "Diagnoses (ICD-10)", "Units", "Fee", "Paid"], rows),
        f"<p>Balance for these services: <b>{esc(money(fees - paid))}</b></p>",
        f"<p style='color: #555555;'>Place of service codes: {esc(places)}. "
        "Modifier 95: synchronous video; 93: audio only.</p>",
    ]  # fmt: skip
    return PrintDocument(title="Superbill", html="\n".join(parts), footer=_footer(ctx))


def _describe(entry: Entry) -> str:
    if entry.kind is EntryKind.CHARGE:
        label = fee_code_label(entry.service_code)
        found = CPT_BY_CODE.get(entry.service_code)
        return f"{label} {found.description}" if found else f"Fee: {label}"
    if entry.kind is EntryKind.PAYMENT:
        return f"Payment ({entry.method})"
    return {
        EntryKind.ADJUSTMENT: "Adjustment",
        EntryKind.WRITE_OFF: "Write-off",
        EntryKind.REFUND: "Refund",
        EntryKind.REVERSAL: "Correction (reverses an earlier entry)",
    }[entry.kind]


def statement_document(
    conn: Connection, client_id: ClientId, date_from: str, date_to: str, *, currency: str,
    today: date,
) -> PrintDocument:  # fmt: skip
    ctx = _context(conn, client_id, currency)
    book = store.ledger(conn, client_id)

    def money(cents: int) -> str:
        return format_money(cents, currency)

    opening = sum(e.amount for e in book.entries if e.entry_date < date_from)
    inside = sorted(
        (e for e in book.entries if date_from <= e.entry_date <= date_to),
        key=lambda e: (e.entry_date, e.id),
    )
    rows, running = [["", "Balance brought forward", "", "", money(opening)]], opening
    for e in inside:
        running += e.amount
        rows.append([e.entry_date, _describe(e), money(e.amount) if e.amount > 0 else "",
                     money(-e.amount) if e.amount < 0 else "", money(running)])  # fmt: skip
    charged = sum(e.amount for e in inside if e.amount > 0)
    credited = -sum(e.amount for e in inside if e.amount < 0)
    closing = "credit" if running < 0 else "balance due"
    parts = [
        _STYLE,
        "<h1>Statement</h1>",
        f"<p>From {esc(date_from)} to {esc(date_to)}. Prepared {esc(today.isoformat())}.</p>",
        "<h2>Provider</h2>", _provider(ctx),
        "<h2>Client</h2>", _client(ctx),
        "<h2>Account</h2>",
        _table(["Date", "Description", "Charges", "Payments and credits", "Balance"], rows),
        f"<p>Charges {esc(money(charged))}; payments and credits {esc(money(credited))}; "
        f"{closing} on {esc(date_to)}: <b>{esc(money(abs(running)))}</b></p>",
    ]  # fmt: skip
    return PrintDocument(title="Statement", html="\n".join(parts), footer=_footer(ctx))


def receipt_document(
    conn: Connection, client_id: ClientId, payment_id: int, *, currency: str, today: date
) -> PrintDocument:
    from therapynotes.billing_errors import EntryNotFound  # noqa: PLC0415

    ctx = _context(conn, client_id, currency)
    book = store.ledger(conn, client_id)
    payment = next(
        (e for e in book.entries if e.id == payment_id and e.kind is EntryKind.PAYMENT), None
    )
    if payment is None:
        raise EntryNotFound

    def money(cents: int) -> str:
        return format_money(cents, currency)

    charges: dict[int, ChargeLine] = {c.entry.id: c for c in book.charges()}
    applied = [
        [
            charges[a.charge_id].entry.entry_date,
            fee_code_label(charges[a.charge_id].entry.service_code),
            money(a.amount),
        ]
        for a in book.allocations
        if a.payment_id == payment_id and a.charge_id in charges and a.amount > 0
    ]
    reversed_note = (
        "<p><b>This payment was later reversed.</b></p>" if payment_id in book.reversed_ids else ""
    )
    parts = [
        _STYLE,
        f"<h1>Receipt no. {payment_id}</h1>",
        "<h2>Received by</h2>", _provider(ctx),
        "<h2>Received from</h2>", _client(ctx),
        _pairs([("Date", payment.entry_date), ("Amount", money(-payment.amount)),
                ("Method", payment.method), ("Reference", payment.reference),
                ("Prepared", today.isoformat())]),
        reversed_note,
        "<h2>Applied to</h2>",
        _table(["Date of service", "Service", "Amount"], applied) if applied
        else "<p>Held as a credit on the account.</p>",
    ]  # fmt: skip
    return PrintDocument(title="Receipt", html="\n".join(parts), footer=_footer(ctx))


@dataclass(frozen=True)
class Estimate:
    code: str
    sessions: int
    fee: int
    date_from: str
    date_to: str

    @property
    def total(self) -> int:
        return self.fee * self.sessions


def estimate_document(
    conn: Connection, client_id: ClientId, estimate: Estimate, *, currency: str, today: date
) -> PrintDocument:
    ctx = _context(conn, client_id, currency)

    def money(cents: int) -> str:
        return format_money(cents, currency)

    found = CPT_BY_CODE.get(estimate.code)
    description = found.description if found else "Psychotherapy service"
    codes = ", ".join(current_codes(ctx.diagnoses, estimate.date_from)) or "none recorded"
    practice = ctx.practice
    where = practice.address if practice else ""
    rows = [[description, estimate.code, codes, str(estimate.sessions), money(estimate.fee),
             money(estimate.total)]]  # fmt: skip
    parts = [
        _STYLE,
        "<h1>Good Faith Estimate</h1>",
        f"<p>For services expected from {esc(estimate.date_from)} to {esc(estimate.date_to)}. "
        f"Issued {esc(today.isoformat())}. Under the No Surprises Act, health care providers "
        "need to give patients who don't have insurance or who are not using insurance an "
        "estimate of the bill for medical items and services.</p>",
        "<h2>Patient</h2>", _client(ctx),
        "<h2>Provider</h2>", _provider(ctx),
        _pairs([("Location of services", where)]),
        "<h2>Expected services</h2>",
        _table(["Service", "Code", "Diagnosis codes", "Sessions", "Fee each", "Estimated total"],
               rows),
        f"<p>Total estimated cost: <b>{esc(money(estimate.total))}</b>. The number of sessions "
        "is an estimate: the actual number depends on your needs and progress in treatment, "
        "which we will review together.</p>",
        "<h2>Disclaimer</h2>", f"<p>{esc(GFE_DISCLAIMER)}</p>",
        "<h2>Your right to dispute the bill</h2>", f"<p>{esc(GFE_DISPUTE)}</p>",
    ]  # fmt: skip
    return PrintDocument(title="Good Faith Estimate", html="\n".join(parts), footer=_footer(ctx))


@session_guarded(UseCase.BILLING)
def record_document(session: VaultSession, client_id: ClientId, kind: str) -> None:
    """The audit row of a billing document written to disk: client id and kind only
    (never the file's path: it may hold a name)."""
    with session.db_lock, transaction(session.conn):
        audit.append(
            session.conn, AuditKind.EXPORTED, subject=f"client:{client_id}", detail={"kind": kind}
        )


def require_document(session: VaultSession, kind: str) -> None:
    """Before building a billing document for `kind` (superbill, statement, receipt,
    estimate): a superbill carries diagnosis codes, which only the owner's login reads
    (an assistant's key never opens clinical.db; docs/security.md "What each role may
    do"); the others are billing."""
    require(session, UseCase.SUPERBILL_CODES if kind == "superbill" else UseCase.BILLING)
