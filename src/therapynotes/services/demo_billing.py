"""The demo practice's billing (services/demo.py calls `build_billing` last): practice
details, a fee schedule with a fee change six months ago, late-cancel and no-show fees,
a sliding-scale client (client 3), a charge for every session attended, missed or late
cancelled, payments (mostly in full, some partial), a write-off, and a client whose
balance has gone unpaid for months (client 2). Bulk inserts in the caller's
transaction, allocated oldest first by the ledger's own arithmetic (domain/billing.py).

Must not import PySide6.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from therapynotes.domain.billing import Allocation, Entry, EntryKind, Ledger, settle
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection

PRACTICE = (
    "Maple Street Counselling", "210 Maple Street, Suite 4\nPortland, OR 97205",
    "(503) 555-0142", "84-1234567", "1234567893", "11",
)  # fmt: skip
FEES = {
    "90791": 200_00, "90832": 110_00, "90834": 150_00, "90837": 190_00, "90839": 220_00,
    "90840": 100_00, "90846": 160_00, "90847": 170_00, "90853": 70_00,
    "late_cancel": 75_00, "no_show": 100_00,
}  # fmt: skip
RAISED = {"90834": 165_00, "90837": 205_00}  # from six months before today
SLIDING_CLIENT, SLIDING_FEE = 3, 80_00
UNPAID_CLIENT = 2
METHODS = ("card", "card", "card", "cheque", "cash", "transfer")


def _fee(code: str, client: int, day: str, raised_from: str) -> int | None:
    if client == SLIDING_CLIENT and code == "90834":
        return SLIDING_FEE
    if code in RAISED and day >= raised_from:
        return RAISED[code]
    return FEES.get(code)


def build_billing(conn: Connection, *, today: date, start: date, now: str, seed: int) -> int:
    """Fill the billing tables; returns the number of ledger entries."""
    rng = random.Random(seed + 15)  # noqa: S311 - reproducible fake data
    raised_from = (today - timedelta(days=182)).isoformat()
    unpaid_from = (today - timedelta(days=120)).isoformat()
    _practice_and_fees(conn, start=start, raised_from=raised_from, now=now)
    rows = conn.execute(
        "SELECT p.client_id, s.id, s.service_date, s.service_code, p.attendance"
        " FROM session_participants p JOIN sessions s ON s.id = p.session_id"
        " WHERE p.attendance <> 'cancelled' AND s.service_date <= ?"
        " ORDER BY p.client_id, s.service_date, s.id",
        (today.isoformat(),),
    ).fetchall()
    by_client: dict[int, list[tuple[int, str, str, str]]] = {}
    for cid, sid, day, code, attendance in rows:
        by_client.setdefault(int(cid), []).append((int(sid), str(day), str(code), str(attendance)))
    entries: list[Entry] = []
    allocations: list[Allocation] = []
    next_id = 1
    for cid, sessions in by_client.items():
        mine: list[Entry] = []
        mine_alloc: list[Allocation] = []
        wrote_off = False
        for sid, day, code, attendance in sessions:
            fee_code = {"late_cancel": "late_cancel", "no_show": "no_show"}.get(attendance, code)
            fee = _fee(fee_code, cid, day, raised_from)
            if fee is None:
                continue
            charge = Entry(next_id, cid, EntryKind.CHARGE, day, fee, session_id=sid,
                           service_code=fee_code)  # fmt: skip
            mine.append(charge)
            next_id += 1
            roll = rng.random()
            if cid == UNPAID_CLIENT and day >= unpaid_from:
                continue  # months unpaid: shows on Home and the Billing page
            if roll < 0.82:
                paid = fee
            elif roll < 0.94:
                paid = fee // 2  # a partial payment; the rest comes with a later one
            elif not wrote_off and cid % 4 == 0:
                off = Entry(next_id, cid, EntryKind.WRITE_OFF, day, -fee, applies_to=charge.id,
                            reason="Hardship: fee waived")  # fmt: skip
                mine.append(off)
                next_id += 1
                wrote_off = True
                continue
            else:
                continue
            method = rng.choice(METHODS)
            reference = f"cheque {rng.randint(1000, 9999)}" if method == "cheque" else ""
            mine.append(Entry(next_id, cid, EntryKind.PAYMENT, day, -paid, method=method,
                              reference=reference))  # fmt: skip
            next_id += 1
            book = Ledger(tuple(mine), tuple(mine_alloc))
            mine_alloc.extend(settle(book))
        entries += mine
        allocations += mine_alloc
    _insert(conn, entries, allocations, now)
    audit.append(
        conn,
        AuditKind.RECORD_CREATED,
        subject="demo",
        detail={"record": "demo billing", "ledger_entries": len(entries)},
    )
    return len(entries)


def _practice_and_fees(conn: Connection, *, start: date, raised_from: str, now: str) -> None:
    conn.execute(
        "INSERT INTO practice(id, name, address, phone, tax_id, npi, place_of_service,"
        " updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
        (*PRACTICE, now),
    )
    fees: list[tuple[str, int | None, int, str, str]] = [
        (code, None, amount, start.isoformat(), now) for code, amount in FEES.items()
    ]
    fees += [(code, None, amount, raised_from, now) for code, amount in RAISED.items()]
    fees.append(("90834", SLIDING_CLIENT, SLIDING_FEE, start.isoformat(), now))
    conn.executemany(
        "INSERT INTO fee_schedule(code, client_id, amount_cents, effective_from, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        fees,
    )
    conn.execute(
        "INSERT INTO settings(key, value) VALUES ('billing.currency', 'USD')"
        " ON CONFLICT(key) DO NOTHING"
    )


def _insert(
    conn: Connection, entries: list[Entry], allocations: list[Allocation], now: str
) -> None:
    conn.executemany(
        "INSERT INTO ledger(id, client_id, kind, entry_date, amount_cents, session_id,"
        " service_code, method, reference, reason, applies_to, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (e.id, e.client_id, e.kind.value, e.entry_date, e.amount, e.session_id,
             e.service_code, e.method, e.reference, e.reason, e.applies_to, now)
            for e in entries
        ],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO allocations(payment_id, charge_id, amount_cents) VALUES (?, ?, ?)",
        [(a.payment_id, a.charge_id, a.amount) for a in allocations],
    )
