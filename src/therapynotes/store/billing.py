"""Billing rows (schema 8): practice details, the fee schedule, the ledger and the
allocations. Stores what domain/billing.py validated; callers own the transaction."""

from __future__ import annotations

from dataclasses import dataclass

from therapynotes.domain.billing import Allocation, Entry, EntryKind, Ledger, Practice
from therapynotes.domain.ids import ClientId
from therapynotes.store.connection import Connection

RETENTION_YEARS = "billing_retention_years"
DEFAULT_RETENTION_YEARS = 7
_PRACTICE = "name, address, phone, tax_id, npi, place_of_service"
_ENTRY = (
    "id, client_id, kind, entry_date, amount_cents, session_id, service_code, method,"
    " reference, reason, applies_to"
)


@dataclass(frozen=True)
class Fee:
    id: int
    code: str
    client_id: int | None
    amount: int
    effective_from: str


def get_practice(conn: Connection) -> Practice | None:
    row = conn.execute(f"SELECT {_PRACTICE} FROM practice WHERE id = 1").fetchone()  # noqa: S608
    return None if row is None else Practice(*(str(v) for v in row))


def put_practice(conn: Connection, practice: Practice, *, now: str) -> None:
    conn.execute(
        f"INSERT INTO practice(id, {_PRACTICE}, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
        " ON CONFLICT(id) DO UPDATE SET name = excluded.name, address = excluded.address,"
        " phone = excluded.phone, tax_id = excluded.tax_id, npi = excluded.npi,"
        " place_of_service = excluded.place_of_service, updated_at = excluded.updated_at",
        (
            practice.name,
            practice.address,
            practice.phone,
            practice.tax_id,
            practice.npi,
            practice.place_of_service,
            now,
        ),
    )


def add_fee(
    conn: Connection,
    *,
    code: str,
    amount: int,
    effective_from: str,
    client_id: ClientId | None,
    now: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO fee_schedule(code, client_id, amount_cents, effective_from, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (code, client_id, amount, effective_from, now),
    )
    return int(cur.lastrowid)


def fees(conn: Connection, client_id: ClientId | None = None) -> list[Fee]:
    """The practice's fee schedule (or, given a client, that client's own fees), by code
    then start date."""
    where, params = (
        ("client_id IS NULL", ()) if client_id is None else ("client_id = ?", (client_id,))
    )
    rows = conn.execute(
        "SELECT id, code, client_id, amount_cents, effective_from FROM fee_schedule"  # noqa: S608
        f" WHERE {where} ORDER BY code, effective_from, id",
        params,
    ).fetchall()
    return [Fee(int(r[0]), str(r[1]), r[2], int(r[3]), str(r[4])) for r in rows]


def fee_for(conn: Connection, code: str, client_id: ClientId, on: str) -> int | None:
    """The fee for `code` on date `on`: the client's own fee if one has started, else
    the practice's; None when neither has."""
    for who in ("client_id = ?", "client_id IS NULL"):
        params: tuple[object, ...] = (code, client_id, on) if "?" in who else (code, on)
        row = conn.execute(
            f"SELECT amount_cents FROM fee_schedule WHERE code = ? AND {who}"  # noqa: S608
            " AND effective_from <= ? ORDER BY effective_from DESC, id DESC LIMIT 1",
            params,
        ).fetchone()
        if row is not None:
            return int(row[0])
    return None


def insert_entry(conn: Connection, entry: Entry, *, now: str) -> int:
    cur = conn.execute(
        "INSERT INTO ledger(client_id, kind, entry_date, amount_cents, session_id,"
        " service_code, method, reference, reason, applies_to, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.client_id,
            entry.kind.value,
            entry.entry_date,
            entry.amount,
            entry.session_id,
            entry.service_code,
            entry.method,
            entry.reference,
            entry.reason,
            entry.applies_to,
            now,
        ),
    )
    return int(cur.lastrowid)


def insert_allocation(conn: Connection, allocation: Allocation) -> None:
    conn.execute(
        "INSERT INTO allocations(payment_id, charge_id, amount_cents) VALUES (?, ?, ?)",
        (allocation.payment_id, allocation.charge_id, allocation.amount),
    )


def _entry(row: tuple[object, ...]) -> Entry:
    return Entry(
        id=int(str(row[0])),
        client_id=int(str(row[1])),
        kind=EntryKind(str(row[2])),
        entry_date=str(row[3]),
        amount=int(str(row[4])),
        session_id=None if row[5] is None else int(str(row[5])),
        service_code=str(row[6]),
        method=str(row[7]),
        reference=str(row[8]),
        reason=str(row[9]),
        applies_to=None if row[10] is None else int(str(row[10])),
    )


def ledger(conn: Connection, client_id: ClientId) -> Ledger:
    rows = conn.execute(
        f"SELECT {_ENTRY} FROM ledger WHERE client_id = ? ORDER BY id",  # noqa: S608
        (client_id,),
    ).fetchall()
    allocs = conn.execute(
        "SELECT a.payment_id, a.charge_id, a.amount_cents FROM allocations a"
        " JOIN ledger p ON p.id = a.payment_id WHERE p.client_id = ? ORDER BY a.id",
        (client_id,),
    ).fetchall()
    return Ledger(
        tuple(_entry(r) for r in rows),
        tuple(Allocation(int(a[0]), int(a[1]), int(a[2])) for a in allocs),
    )


def old_balances(conn: Connection, *, before: str) -> list[tuple[ClientId, int]]:
    """Clients owing money on charges dated before `before` (YYYY-MM-DD), with what they
    owe in all; for the home view's 'unpaid over 30 days'. Checked exactly by the
    service (domain arithmetic); this narrows the candidates."""
    rows = conn.execute(
        "SELECT client_id, sum(amount_cents) FROM ledger GROUP BY client_id"
        " HAVING sum(amount_cents) > 0 AND min(CASE WHEN kind = 'charge' THEN entry_date END) < ?"
        " ORDER BY client_id",
        (before,),
    ).fetchall()
    return [(ClientId(int(r[0])), int(r[1])) for r in rows]


def last_entry_dates(conn: Connection) -> dict[ClientId, str]:
    """Each client's latest ledger entry date (financial retention counts from it)."""
    rows = conn.execute("SELECT client_id, max(entry_date) FROM ledger GROUP BY client_id")
    return {ClientId(int(r[0])): str(r[1]) for r in rows}
