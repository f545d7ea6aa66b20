"""Billing commands (issue 15): `practice show|set` and `billing fees|charges|ledger|pay|
balance|write-off|adjust|refund|reverse|superbill|statement|receipt|estimate`.

Amounts are typed as 150, 150.00 or 1,250.50 and printed with two decimals and no
grouping (150.00), so scripts can read them. Output lines are tab-separated. Every
write is audited by the service; documents are written only where --pdf says, and that
is audited too. The PDF commands render with Qt, imported lazily (this module must
import without PySide6).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import date
from pathlib import Path
from typing import Any

from therapynotes.billing_errors import InvalidBillingDate, InvalidSessionCount, NoFee
from therapynotes.cli.common import CliError, ExitCode, add_common_options, shown, unlock
from therapynotes.cli.pdf_cmds import _check_target, _client_id
from therapynotes.domain.billing import Practice, fee_code, fee_code_label, payment_method
from therapynotes.domain.ids import ClientId
from therapynotes.domain.money import format_plain, parse_amount
from therapynotes.domain.profile import is_valid_npi
from therapynotes.profile_errors import InvalidNpi
from therapynotes.services.billing import BillingService, check_date
from therapynotes.services.documents import PrintDocument
from therapynotes.services.session import VaultSession

_PRACTICE_FLAGS = {
    "name": "name",
    "address": "address",
    "phone": "phone",
    "tax_id": "tax_id",
    "npi": "npi",
    "place_of_service": "place_of_service",
}


def _add(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    add_common_options(parser)
    return parser


def _date(text: str) -> str:
    try:
        return check_date(text)
    except InvalidBillingDate:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from None


def register(sub: Any) -> None:
    _register_practice(sub)
    parser = _add(sub, "billing", "fees, charges, payments and billing documents")
    actions = parser.add_subparsers(dest="billing_command", metavar="ACTION", required=True)
    fees = _add(actions, "fees", "the fee schedule")
    fee_actions = fees.add_subparsers(dest="fees_command", metavar="ACTION", required=True)
    p = _add(fee_actions, "set", "set a fee for a service code from a date on")
    p.add_argument("code", metavar="CODE", help="CPT code (90834), late-cancel or no-show")
    p.add_argument("amount", metavar="AMOUNT", help="the fee, e.g. 150 or 150.00")
    p.add_argument("--from", dest="date_from", type=_date, metavar="D", help="start (today)")
    p.add_argument("--client", type=_client_id, metavar="ID", help="a client's own fee")
    p.set_defaults(handler=cmd_fees_set)
    p = _add(fee_actions, "list", "list the fee schedule (CODE, FROM, AMOUNT)")
    p.add_argument("--client", type=_client_id, metavar="ID", help="a client's own fees")
    p.set_defaults(handler=cmd_fees_list)

    p = _add(actions, "charges", "charge new sessions, then list the client's charges")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.set_defaults(handler=cmd_charges)
    p = _add(actions, "ledger", "every ledger entry of a client (ID, DATE, KIND, AMOUNT)")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.set_defaults(handler=cmd_ledger)
    p = _add(actions, "balance", "what the client owes (negative: a credit)")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.set_defaults(handler=cmd_balance)
    p = _add(actions, "pay", "record a payment, applied to the oldest open charges")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.add_argument("--amount", required=True, metavar="AMOUNT")
    p.add_argument(
        "--method", required=True, metavar="METHOD",
        help="cash, cheque, card, transfer, insurance or other",
    )  # fmt: skip
    p.add_argument("--date", type=_date, metavar="D", help="date paid (today)")
    p.add_argument("--reference", default="", metavar="R", help="cheque number, card, ...")
    p.set_defaults(handler=cmd_pay)
    for name, help_text in (
        ("write-off", "forgive part of a charge (ENTRY_ID from `billing ledger`)"),
        ("adjust", "raise or lower a charge (AMOUNT may start with - to lower it)"),
    ):
        p = _add(actions, name, help_text)
        p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
        p.add_argument("entry", type=_client_id, metavar="ENTRY_ID")
        p.add_argument("--amount", required=True, metavar="AMOUNT")
        p.add_argument("--reason", required=True, metavar="TEXT")
        p.set_defaults(handler=cmd_adjust, write_off=name == "write-off")
    p = _add(actions, "refund", "pay back part of a client's credit")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.add_argument("--amount", required=True, metavar="AMOUNT")
    p.add_argument("--method", required=True, metavar="METHOD")
    p.add_argument("--reason", default="", metavar="TEXT")
    p.set_defaults(handler=cmd_refund)
    p = _add(actions, "reverse", "correct an entry by a new one that cancels it")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.add_argument("entry", type=_client_id, metavar="ENTRY_ID")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.set_defaults(handler=cmd_reverse)
    _register_documents(actions)


def _register_documents(actions: Any) -> None:
    for name, help_text in (
        ("superbill", "a superbill for insurance reimbursement, as PDF"),
        ("statement", "a statement of charges and payments, as PDF"),
    ):
        p = _add(actions, name, help_text)
        p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
        p.add_argument("--from", dest="date_from", type=_date, required=True, metavar="D")
        p.add_argument("--to", dest="date_to", type=_date, required=True, metavar="D")
        p.add_argument("--pdf", required=True, type=Path, metavar="FILE")
        p.set_defaults(handler=cmd_document, kind=name)
    p = _add(actions, "receipt", "a receipt for a payment, as PDF")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.add_argument("payment", type=_client_id, metavar="PAYMENT_ID")
    p.add_argument("--pdf", required=True, type=Path, metavar="FILE")
    p.set_defaults(handler=cmd_document, kind="receipt")
    p = _add(actions, "estimate", "a Good Faith Estimate for a self-pay client, as PDF")
    p.add_argument("client", type=_client_id, metavar="CLIENT_ID")
    p.add_argument("--code", required=True, metavar="CODE")
    p.add_argument("--sessions", required=True, metavar="N")
    p.add_argument("--from", dest="date_from", type=_date, metavar="D", help="(today)")
    p.add_argument("--to", dest="date_to", type=_date, metavar="D", help="(a year on)")
    p.add_argument("--pdf", required=True, type=Path, metavar="FILE")
    p.set_defaults(handler=cmd_document, kind="estimate")


def _register_practice(sub: Any) -> None:
    parser = _add(sub, "practice", "the practice's details that billing documents show")
    actions = parser.add_subparsers(dest="practice_command", metavar="ACTION", required=True)
    p = _add(actions, "show", "show the practice's details, one field a line")
    p.set_defaults(handler=cmd_practice_show)
    p = _add(actions, "set", "set the practice's details (only the fields given change)")
    p.add_argument("--name", metavar="N", help="the practice's name")
    p.add_argument("--address", metavar="A", help="postal address (\\n for a new line)")
    p.add_argument("--phone", metavar="P")
    p.add_argument("--npi", metavar="N", help="the practice's own (type 2) NPI ('' removes)")
    p.add_argument("--tax-id", metavar="T", help="EIN 12-3456789 or SSN-style 123-45-6789")
    p.add_argument(
        "--place-of-service", metavar="CODE",
        help="11 office, 10 telehealth in the client's home, 02 telehealth elsewhere",
    )  # fmt: skip
    p.set_defaults(handler=cmd_practice_set)


def _run(args: argparse.Namespace, work: Any) -> Any:
    session = unlock(args)
    try:
        return work(BillingService(session), session)
    finally:
        session.lock("command finished")


# --- practice --------------------------------------------------------------------------


def _print_practice(practice: Practice) -> None:
    for f in dataclasses.fields(Practice):
        print(f"{f.name.replace('_', '-')}\t{shown(getattr(practice, f.name))}")


def cmd_practice_show(args: argparse.Namespace) -> int:
    practice = _run(args, lambda billing, _: billing.practice())
    if practice is None:
        print("no practice details yet; set them with `therapynotes practice set`", file=sys.stderr)
    else:
        _print_practice(practice)
    return ExitCode.OK


def cmd_practice_set(args: argparse.Namespace) -> int:
    given = {field: getattr(args, flag) for flag, field in _PRACTICE_FLAGS.items()}
    given = {k: v for k, v in given.items() if v is not None}
    if "address" in given:
        given["address"] = given["address"].replace("\\n", "\n")
    if not given:
        raise CliError("nothing to set; give --name, --address, --phone, --npi, --tax-id or "
                       "--place-of-service", ExitCode.USAGE)  # fmt: skip
    npi = "".join(given.get("npi", "").split())
    if npi and not is_valid_npi(npi):
        raise InvalidNpi  # before asking for the passphrase
    Practice("check", **{k: v for k, v in given.items() if k != "name"}).validated()

    def work(billing: BillingService, _: VaultSession) -> Practice | None:
        old = billing.practice()
        if old is None and "name" not in given:
            raise CliError("no practice details yet: give --name too", ExitCode.USAGE)
        billing.set_practice(dataclasses.replace(old or Practice(name=""), **given))
        return billing.practice()

    practice = _run(args, work)
    if practice is not None:
        _print_practice(practice)
    return ExitCode.OK


# --- fees and the ledger -----------------------------------------------------------------


def cmd_fees_set(args: argparse.Namespace) -> int:
    code, amount = fee_code(args.code), parse_amount(args.amount)
    client = ClientId(args.client) if args.client else None
    _run(
        args, lambda b, _: b.set_fee(code, amount, effective_from=args.date_from, client_id=client)
    )
    start = args.date_from or "today"
    print(f"{fee_code_label(code)}\t{start}\t{format_plain(amount)}")
    return ExitCode.OK


def cmd_fees_list(args: argparse.Namespace) -> int:
    client = ClientId(args.client) if args.client else None
    for fee in _run(args, lambda b, _: b.fees(client)):
        print(f"{fee_code_label(fee.code)}\t{fee.effective_from}\t{format_plain(fee.amount)}")
    return ExitCode.OK


def cmd_charges(args: argparse.Namespace) -> int:
    client = ClientId(args.client)

    def work(billing: BillingService, _: VaultSession) -> Any:
        billing.post_charges(client)
        return billing.ledger(client).charges()

    for line in _run(args, work):
        if line.reversed:
            continue
        e = line.entry
        print(
            f"{e.session_id}\t{e.entry_date}\t{fee_code_label(e.service_code)}\t"
            f"{format_plain(line.amount)}\t{format_plain(line.paid)}\t"
            f"{line.status.replace(' ', '_')}"
        )
    return ExitCode.OK


def cmd_ledger(args: argparse.Namespace) -> int:
    book = _run(args, lambda b, _: b.ledger(ClientId(args.client)))
    for e in book.entries:
        target = e.applies_to or e.session_id or ""
        print(f"{e.id}\t{e.entry_date}\t{e.kind.value}\t{format_plain(e.amount)}\t{target}")
    return ExitCode.OK


def cmd_balance(args: argparse.Namespace) -> int:
    client = ClientId(args.client)

    def work(billing: BillingService, _: VaultSession) -> int:
        billing.post_charges(client)
        return billing.balance(client)

    print(f"balance: {format_plain(_run(args, work))}")
    return ExitCode.OK


def cmd_pay(args: argparse.Namespace) -> int:
    amount, method = parse_amount(args.amount), payment_method(args.method)
    client = ClientId(args.client)

    def work(billing: BillingService, _: VaultSession) -> tuple[int, int]:
        billing.post_charges(client)
        payment = billing.pay(client, amount, method, on=args.date, reference=args.reference)
        return payment, billing.balance(client)

    payment, balance = _run(args, work)
    print(f"payment\t{payment}\t{format_plain(amount)}")
    print(f"balance: {format_plain(balance)}")
    return ExitCode.OK


def cmd_adjust(args: argparse.Namespace) -> int:
    text = args.amount.strip()
    lower = text.startswith("-") and not args.write_off
    amount = parse_amount(text[1:] if lower else text)
    client = ClientId(args.client)
    delta = -amount if lower else amount
    entry = _run(
        args,
        lambda b, _: b.adjust(
            client, args.entry, delta, reason=args.reason, write_off=args.write_off
        ),  # fmt: skip
    )
    print(f"{'write_off' if args.write_off else 'adjustment'}\t{entry}")
    return ExitCode.OK


def cmd_refund(args: argparse.Namespace) -> int:
    amount, method = parse_amount(args.amount), payment_method(args.method)
    client = ClientId(args.client)
    made = _run(args, lambda b, _: b.refund(client, amount, method, reason=args.reason))
    for entry in made:
        print(f"refund\t{entry}")
    return ExitCode.OK


def cmd_reverse(args: argparse.Namespace) -> int:
    client = ClientId(args.client)
    entry = _run(args, lambda b, _: b.reverse(client, args.entry, reason=args.reason))
    print(f"reversal\t{entry}")
    return ExitCode.OK


# --- documents ---------------------------------------------------------------------------


def _sessions(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 520:
        raise InvalidSessionCount
    return int(text)


def cmd_document(args: argparse.Namespace) -> int:
    from therapynotes.services import billing_documents as docs  # noqa: PLC0415

    client = ClientId(args.client)
    kind = args.kind
    today = date.today()
    if kind in ("superbill", "statement") and args.date_from > args.date_to:
        raise CliError("--from is after --to", ExitCode.USAGE)
    estimate_args: tuple[str, int, str, str] | None = None
    if kind == "estimate":
        start = args.date_from or today.isoformat()
        end = args.date_to or date.fromisoformat(start).replace(year=int(start[:4]) + 1).isoformat()
        if start > end:
            raise CliError("--from is after --to", ExitCode.USAGE)
        estimate_args = (fee_code(args.code), _sessions(args.sessions), start, end)
    target = _check_target(args.pdf)
    from therapynotes.ui.billing.pdf import write_billing_pdf  # noqa: PLC0415 - Qt
    from therapynotes.ui.chart_pdf import headless_app  # noqa: PLC0415 - Qt

    app = headless_app()

    def work(billing: BillingService, session: VaultSession) -> None:
        docs.require_document(session, kind)  # a role's refusal, before any read
        conn, currency = session.conn, billing.currency()
        document: PrintDocument
        with session.db_lock:
            if kind == "superbill":
                document = docs.superbill_document(
                    conn, client, args.date_from, args.date_to, currency=currency, today=today
                )
            elif kind == "statement":
                document = docs.statement_document(
                    conn, client, args.date_from, args.date_to, currency=currency, today=today
                )
            elif kind == "receipt":
                document = docs.receipt_document(
                    conn, client, args.payment, currency=currency, today=today
                )
            elif estimate_args is not None:
                code, count, start, end = estimate_args
                fee = billing.fee_on(client, code, start)
                if fee is None:
                    raise NoFee
                document = docs.estimate_document(
                    conn, client, docs.Estimate(code, count, fee, start, end),
                    currency=currency, today=today,
                )  # fmt: skip
            else:
                raise CliError("unknown document", ExitCode.USAGE)
        write_billing_pdf(session, client, document, kind, target)

    _run(args, work)
    del app
    print(f"saved {shown(target)}")
    print("the PDF is not encrypted: hand it over securely and delete it after", file=sys.stderr)
    return ExitCode.OK
