"""Schema 8: billing. The practice's details (one row), the fee schedule, the ledger
and the allocations of payments to charges.

- `practice`: at most one row (id 1): name, address, phone, tax id, the practice's own
  NPI, the default place of service. Validated by domain/billing.py.
- `fee_schedule`: an amount in integer cents per service code (a CPT code, `late_cancel`
  or `no_show`) from a start date; `client_id` set: that client's own fee (sliding
  scale). Rows are never changed or deleted (a fee change is a new row), except by a
  purge of the client they belong to.
- `ledger`: append-only entries (charge, adjustment, write_off, payment, refund,
  reversal), amounts in signed integer cents (see domain/billing.py). A row is never
  updated; it is deleted only inside the client's purge authorisation.
- `allocations`: which part of a payment went to which charge (negative: released
  again, when a charge came to ask less than was applied to it); append-only likewise.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 8
DESCRIPTION = "adding billing"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"
_DATE = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
_CODE = "(code GLOB '[0-9][0-9][0-9][0-9][0-9]' OR code IN ('late_cancel', 'no_show'))"
_MAX = 99_999_999_99
_NOT_PURGING = "NOT EXISTS (SELECT 1 FROM purge_authorisations a WHERE a.client_id = {client})"

STATEMENTS = (
    f"""CREATE TABLE practice (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        address TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 1000),
        phone TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 200),
        tax_id TEXT NOT NULL DEFAULT '',
        npi TEXT NOT NULL DEFAULT '',
        place_of_service TEXT NOT NULL DEFAULT '11'
            CHECK (place_of_service IN ('11', '10', '02')),
        updated_at TEXT NOT NULL CHECK (updated_at {_INSTANT})
    ) STRICT""",
    f"""CREATE TABLE fee_schedule (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL CHECK {_CODE},
        client_id INTEGER REFERENCES clients(id),
        amount_cents INTEGER NOT NULL CHECK (amount_cents BETWEEN 0 AND {_MAX}),
        effective_from TEXT NOT NULL CHECK (effective_from {_DATE}),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT})
    ) STRICT""",
    "CREATE INDEX fee_schedule_code ON fee_schedule(code, client_id, effective_from)",
    f"""CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        kind TEXT NOT NULL CHECK (kind IN
            ('charge', 'adjustment', 'write_off', 'payment', 'refund', 'reversal')),
        entry_date TEXT NOT NULL CHECK (entry_date {_DATE}),
        amount_cents INTEGER NOT NULL CHECK (abs(amount_cents) <= {_MAX}),
        session_id INTEGER REFERENCES sessions(id),
        service_code TEXT NOT NULL DEFAULT '',
        method TEXT NOT NULL DEFAULT '' CHECK (method IN
            ('', 'cash', 'cheque', 'card', 'transfer', 'insurance', 'other')),
        reference TEXT NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
        reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
        applies_to INTEGER REFERENCES ledger(id),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
        CHECK (kind <> 'charge' OR (amount_cents >= 0 AND session_id IS NOT NULL)),
        CHECK (kind <> 'payment' OR (amount_cents < 0 AND method <> '')),
        CHECK (kind <> 'write_off' OR (amount_cents < 0 AND applies_to IS NOT NULL)),
        CHECK (kind <> 'adjustment' OR (amount_cents <> 0 AND applies_to IS NOT NULL)),
        CHECK (kind <> 'refund' OR (amount_cents > 0 AND applies_to IS NOT NULL)),
        CHECK (kind <> 'reversal' OR applies_to IS NOT NULL)
    ) STRICT""",
    "CREATE INDEX ledger_client ON ledger(client_id, entry_date)",
    "CREATE UNIQUE INDEX ledger_one_reversal ON ledger(applies_to) WHERE kind = 'reversal'",
    """CREATE TABLE allocations (
        id INTEGER PRIMARY KEY,
        payment_id INTEGER NOT NULL REFERENCES ledger(id),
        charge_id INTEGER NOT NULL REFERENCES ledger(id),
        amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0)
    ) STRICT""",
    "CREATE INDEX allocations_payment ON allocations(payment_id)",
    "CREATE INDEX allocations_charge ON allocations(charge_id)",
)

TRIGGERS = (
    """CREATE TRIGGER fee_schedule_no_update BEFORE UPDATE ON fee_schedule
    BEGIN SELECT RAISE(ABORT, 'fee schedule rows cannot be changed'); END""",
    f"""CREATE TRIGGER fee_schedule_no_delete BEFORE DELETE ON fee_schedule
    WHEN OLD.client_id IS NULL OR {_NOT_PURGING.format(client="OLD.client_id")}
    BEGIN SELECT RAISE(ABORT, 'fee schedule rows cannot be deleted'); END""",
    """CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
    BEGIN SELECT RAISE(ABORT, 'ledger entries cannot be changed'); END""",
    f"""CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
    WHEN {_NOT_PURGING.format(client="OLD.client_id")}
    BEGIN SELECT RAISE(ABORT, 'ledger entries cannot be deleted'); END""",
    """CREATE TRIGGER allocations_no_update BEFORE UPDATE ON allocations
    BEGIN SELECT RAISE(ABORT, 'allocations cannot be changed'); END""",
    f"""CREATE TRIGGER allocations_no_delete BEFORE DELETE ON allocations
    WHEN {_NOT_PURGING.format(client="(SELECT client_id FROM ledger WHERE id = OLD.payment_id)")}
    BEGIN SELECT RAISE(ABORT, 'allocations cannot be deleted'); END""",
)


def upgrade(conn: Connection) -> None:
    for statement in (*STATEMENTS, *TRIGGERS):
        conn.execute(statement)
