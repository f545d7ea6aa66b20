"""Form drafts (schema 7, split by schema 17): the fields of dialogs open when the vault
locked. Callers own the transaction. Must not import: PySide6, therapynotes.services.

A draft lives in the file its dialog's words belong in (issue 17): the dialogs whose
fields hold no clinical text (`SHARED_KINDS`: a client's details, an appointment, a
payment, ...) keep theirs in vault.db's `shared_form_drafts`, under the key every login
holds, so an assistant's typing survives a lock too; every other kind (a note, a plan, a
diagnosis, a measure, a template, ...) in clinical.db's `form_drafts`, which an
assistant's key never opens. A kind not listed is clinical: the safe side. The list, kind
by kind, is in docs/formats.md "Form drafts".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from therapynotes.domain.ids import ClientId
from therapynotes.domain.rules import canonical_json
from therapynotes.store.connection import Connection

# Dialogs whose fields hold no clinical text: what they save lives in vault.db.
SHARED_KINDS = frozenset(
    {
        "client.add",  # names, contacts, dates, status, alerts (the clients table)
        "client.edit",
        "session.log",  # date, times, service code, modality, attendance, place
        "session.attendance",
        "appointment.book",  # clients, time, service, place, memo (the schedule)
        "appointment.move",
        "billing.payment",  # amounts, method, reference, reasons (the ledger)
        "billing.write_off",
        "billing.correct",
        "billing.fee",
        "billing.statement",  # a period
        "billing.superbill",  # a period (the codes are read when it is made)
        "billing.estimate",  # a period, a service, a count
        "settings",  # Settings' unsaved values: practice, profile, security
        "retention.hold",  # a reason (written to the audit log, vault.db)
        "retention.purge",
        "user.add",  # a login name and a role
        "user.rename",
        "review.signature",  # a signing line (signature_lines, vault.db)
    }
)
# Dialogs holding clinical text (or choosing clinical rows): clinical.db.
CLINICAL_KINDS = frozenset(
    {
        "note.new",
        "note.addendum",
        "note.void",
        "plan.new",
        "diagnosis.add",
        "diagnosis.resolve",
        "measure.give",
        "measure.address",
        "chart.pdf",
        "chart.print",
        "template.edit",
        "snippet.edit",
        "review.comment",
    }
)

CLINICAL_TABLE = "clinical.form_drafts"
SHARED_TABLE = "main.shared_form_drafts"


def is_shared(kind: str) -> bool:
    """Whether a draft of this dialog lives in vault.db (the shared key)."""
    return kind in SHARED_KINDS


def _table(shared: bool) -> str:
    return SHARED_TABLE if shared else CLINICAL_TABLE


@dataclass(frozen=True)
class FormDraft:
    kind: str  # which dialog, e.g. "note.addendum"
    client_id: ClientId | None  # the chart it belongs to
    fields: dict[str, Any] = field(default_factory=dict)  # JSON values only
    id: int | None = None  # unique within its file (`is_shared(kind)` says which)

    @property
    def shared(self) -> bool:
        return is_shared(self.kind)


def replace_all(conn: Connection, drafts: list[FormDraft], *, now: str, shared: bool) -> list[int]:
    """Keep exactly these drafts in one file (a lock replaces what an earlier lock kept
    there). Every draft must belong in that file."""
    if any(d.shared is not shared for d in drafts):
        raise ValueError("a form draft for the other file")
    table = _table(shared)
    conn.execute(f"DELETE FROM {table}")  # noqa: S608 - one of two constants
    ids = []
    for draft in drafts:
        cur = conn.execute(
            f"INSERT INTO {table}(kind, client_id, body, saved_at) VALUES (?, ?, ?, ?)",  # noqa: S608
            (draft.kind, draft.client_id, canonical_json(draft.fields), now),
        )
        ids.append(int(cur.lastrowid or 0))
    return ids


def all_drafts(conn: Connection, *, shared: bool) -> list[FormDraft]:
    """One file's drafts, of the kinds that belong there (a row of the other kind left by
    an interrupted schema-17 move is never offered twice: the next replace drops it)."""
    rows = conn.execute(
        f"SELECT id, kind, client_id, body FROM {_table(shared)} ORDER BY id"  # noqa: S608
    )
    return [
        FormDraft(
            str(kind),
            ClientId(int(client)) if client is not None else None,
            json.loads(body),
            int(draft_id),
        )
        for draft_id, kind, client, body in rows
        if is_shared(str(kind)) is shared
    ]


def delete(conn: Connection, draft_id: int, *, shared: bool) -> bool:
    cur = conn.execute(f"DELETE FROM {_table(shared)} WHERE id = ?", (draft_id,))  # noqa: S608
    return bool(cur.rowcount)
