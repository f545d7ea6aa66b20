"""Schema 3: the clinical record (clients, diagnoses, sessions, notes, addenda, draft
revisions, treatment plans, attachments) and its full-text indexes.

Documented table by table in docs/records.md. Rules the schema itself enforces, so a bug
or a raw SQL statement cannot break them:
- a signed note's content never changes and it is never deleted; the only change left is
  signed -> voided (state, time and reason); addenda and plan versions are write-once;
- deletes of signed material are possible only for a client listed in
  `purge_authorisations` (written by the purge use case inside its own transaction);
- the search indexes follow every insert, update and delete through triggers, in the
  same transaction; voided notes leave the index; psychotherapy notes have their own
  index, so no query on the record's index can return them.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 3
DESCRIPTION = "setting up the clinical record"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"
_DATE = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
_NOT_PURGING = "NOT EXISTS (SELECT 1 FROM purge_authorisations a WHERE a.client_id = {client})"

TABLES = (
    """CREATE TABLE purge_authorisations (
        client_id INTEGER PRIMARY KEY
    ) STRICT""",
    f"""CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        legal_name TEXT NOT NULL CHECK (length(trim(legal_name)) > 0),
        preferred_name TEXT NOT NULL DEFAULT '',
        pronouns TEXT NOT NULL DEFAULT '',
        date_of_birth TEXT CHECK (date_of_birth IS NULL OR date_of_birth {_DATE}),
        phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        emergency_contact TEXT NOT NULL DEFAULT '',
        guardian TEXT NOT NULL DEFAULT '',
        referral_source TEXT NOT NULL DEFAULT '',
        intake_date TEXT CHECK (intake_date IS NULL OR intake_date {_DATE}),
        status TEXT NOT NULL DEFAULT 'active'
            CHECK (status IN ('active', 'inactive', 'discharged')),
        discharge_date TEXT CHECK (discharge_date IS NULL OR discharge_date {_DATE}),
        alerts TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
        updated_at TEXT NOT NULL CHECK (updated_at {_INSTANT}),
        CHECK (status <> 'discharged' OR discharge_date IS NOT NULL)
    ) STRICT""",
    f"""CREATE TABLE diagnoses (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        code TEXT NOT NULL CHECK (code GLOB '[A-Z][0-9]*'),
        description TEXT NOT NULL,
        is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
        onset_date TEXT CHECK (onset_date IS NULL OR onset_date {_DATE}),
        resolved_date TEXT CHECK (resolved_date IS NULL OR resolved_date {_DATE}),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT})
    ) STRICT""",
    "CREATE INDEX diagnoses_client ON diagnoses(client_id)",
    f"""CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        service_date TEXT NOT NULL CHECK (service_date {_DATE}),
        starts_at TEXT NOT NULL CHECK (starts_at {_INSTANT}),
        ends_at TEXT NOT NULL CHECK (ends_at {_INSTANT} AND ends_at >= starts_at),
        service_code TEXT NOT NULL CHECK (service_code GLOB '[0-9][0-9][0-9][0-9][0-9]'),
        modality TEXT NOT NULL CHECK (modality IN ('in_person', 'video', 'phone')),
        place TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT})
    ) STRICT""",
    """CREATE TABLE session_participants (
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        client_id INTEGER NOT NULL REFERENCES clients(id),
        attendance TEXT NOT NULL
            CHECK (attendance IN ('attended', 'no_show', 'late_cancel', 'cancelled')),
        PRIMARY KEY (session_id, client_id)
    ) STRICT, WITHOUT ROWID""",
    "CREATE INDEX participants_client ON session_participants(client_id, session_id)",
    f"""CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        session_id INTEGER,
        kind TEXT NOT NULL CHECK (kind IN ('progress', 'intake', 'treatment_plan',
            'discharge', 'contact', 'freeform', 'psychotherapy')),
        template TEXT NOT NULL,
        service_date TEXT NOT NULL CHECK (service_date {_DATE}),
        occurred_at TEXT NOT NULL CHECK (occurred_at {_INSTANT}),
        state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'signed', 'voided')),
        body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
        updated_at TEXT NOT NULL CHECK (updated_at {_INSTANT}),
        signed_at TEXT CHECK (signed_at IS NULL OR signed_at {_INSTANT}),
        content_hash TEXT CHECK (content_hash IS NULL OR length(content_hash) = 64),
        late_entry INTEGER NOT NULL DEFAULT 0 CHECK (late_entry IN (0, 1)),
        voided_at TEXT CHECK (voided_at IS NULL OR voided_at {_INSTANT}),
        void_reason TEXT,
        FOREIGN KEY (session_id, client_id)
            REFERENCES session_participants(session_id, client_id),
        CHECK ((state = 'draft') = (signed_at IS NULL)),
        CHECK ((signed_at IS NULL) = (content_hash IS NULL)),
        CHECK ((state = 'voided') = (voided_at IS NOT NULL)),
        CHECK ((state = 'voided') = (coalesce(length(trim(void_reason)), 0) > 0))
    ) STRICT""",
    "CREATE INDEX notes_client ON notes(client_id, service_date)",
    # Covering indexes, so "notes due" and search filters never read the wide note rows
    # (each a page or more of encrypted text): 80 ms -> 5 ms on the reference vault.
    "CREATE INDEX notes_session ON notes(session_id, client_id, state, kind)",
    "CREATE INDEX notes_search ON notes(id, client_id, service_date, kind)",
    # One record note and one psychotherapy note per participant and session.
    """CREATE UNIQUE INDEX notes_one_per_participant
        ON notes(session_id, client_id, kind = 'psychotherapy')
        WHERE session_id IS NOT NULL AND state <> 'voided'""",
    f"""CREATE TABLE note_revisions (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES notes(id),
        saved_at TEXT NOT NULL CHECK (saved_at {_INSTANT}),
        body TEXT NOT NULL CHECK (json_valid(body))
    ) STRICT""",
    "CREATE INDEX note_revisions_note ON note_revisions(note_id, id)",
    f"""CREATE TABLE addenda (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES notes(id),
        body TEXT NOT NULL CHECK (length(trim(body)) > 0),
        signed_at TEXT NOT NULL CHECK (signed_at {_INSTANT}),
        content_hash TEXT NOT NULL CHECK (length(content_hash) = 64)
    ) STRICT""",
    "CREATE INDEX addenda_note ON addenda(note_id)",
    f"""CREATE TABLE treatment_plans (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        version INTEGER NOT NULL CHECK (version >= 1),
        effective_date TEXT NOT NULL CHECK (effective_date {_DATE}),
        review_date TEXT CHECK (review_date IS NULL OR review_date {_DATE}),
        body TEXT NOT NULL CHECK (json_valid(body)),
        created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
        UNIQUE (client_id, version)
    ) STRICT""",
    f"""CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        note_id INTEGER REFERENCES notes(id),
        filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        added_at TEXT NOT NULL CHECK (added_at {_INSTANT})
    ) STRICT""",
    "CREATE INDEX attachments_client ON attachments(client_id)",
    # Blobs apart from their metadata, so listing a chart's attachments reads no blob pages.
    """CREATE TABLE attachment_blobs (
        attachment_id INTEGER PRIMARY KEY REFERENCES attachments(id),
        data BLOB NOT NULL
    ) STRICT""",
    # The record's index (never psychotherapy notes), the psychotherapy index, and the
    # index of client names and diagnoses. rowid = notes.id / clients.id / diagnoses.id.
    """CREATE VIRTUAL TABLE notes_fts USING fts5(
        body, addenda, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE psychotherapy_fts USING fts5(
        body, addenda, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE clients_fts USING fts5(
        name, tokenize = 'unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE diagnoses_fts USING fts5(
        code, description, tokenize = 'porter unicode61 remove_diacritics 2')""",
)

_BODY_TEXT = "(SELECT coalesce(group_concat(value, char(10)), '') FROM json_each({body}))"
_ADDENDA_TEXT = (
    "(SELECT coalesce(group_concat(body, char(10)), '') FROM addenda WHERE note_id = {note})"
)


def _index_triggers(fts: str, condition: str) -> tuple[str, ...]:
    """Triggers keeping `fts` equal to the notes matching `condition` (NEW./OLD. row)."""
    new_cond = condition.format(row="NEW")
    old_cond = condition.format(row="OLD")
    insert = (
        f"INSERT INTO {fts}(rowid, body, addenda) VALUES (NEW.id, "
        f"{_BODY_TEXT.format(body='NEW.body')}, {_ADDENDA_TEXT.format(note='NEW.id')});"
    )
    return (
        f"""CREATE TRIGGER {fts}_ai AFTER INSERT ON notes WHEN {new_cond}
            BEGIN {insert} END""",
        f"""CREATE TRIGGER {fts}_ad AFTER DELETE ON notes WHEN {old_cond}
            BEGIN DELETE FROM {fts} WHERE rowid = OLD.id; END""",
        f"""CREATE TRIGGER {fts}_au AFTER UPDATE ON notes
            WHEN ({old_cond}) OR ({new_cond})
            BEGIN DELETE FROM {fts} WHERE rowid = OLD.id;
            INSERT INTO {fts}(rowid, body, addenda) SELECT NEW.id,
                {_BODY_TEXT.format(body="NEW.body")}, {_ADDENDA_TEXT.format(note="NEW.id")}
                WHERE {new_cond}; END""",
    )


_NOTE_CONTENT_SAME = " AND ".join(
    f"NEW.{c} IS OLD.{c}"
    for c in (
        "id client_id session_id kind template service_date occurred_at body created_at "
        "updated_at signed_at content_hash late_entry"
    ).split()
)

TRIGGERS = (
    *_index_triggers("notes_fts", "{row}.state <> 'voided' AND {row}.kind <> 'psychotherapy'"),
    *_index_triggers(
        "psychotherapy_fts", "{row}.state <> 'voided' AND {row}.kind = 'psychotherapy'"
    ),
    # Signed notes: the one change allowed is signed -> voided, touching nothing else.
    f"""CREATE TRIGGER notes_signed_immutable BEFORE UPDATE ON notes
        WHEN OLD.state <> 'draft' AND NOT (
            OLD.state = 'signed' AND NEW.state = 'voided' AND {_NOTE_CONTENT_SAME})
        BEGIN SELECT RAISE(ABORT, 'signed notes cannot be changed'); END""",
    f"""CREATE TRIGGER notes_signed_no_delete BEFORE DELETE ON notes
        WHEN OLD.state <> 'draft' AND {_NOT_PURGING.format(client="OLD.client_id")}
        BEGIN SELECT RAISE(ABORT, 'signed notes cannot be deleted'); END""",
    """CREATE TRIGGER addenda_need_signed_note BEFORE INSERT ON addenda
        WHEN (SELECT state FROM notes WHERE id = NEW.note_id) IS NOT 'signed'
        BEGIN SELECT RAISE(ABORT, 'addenda amend signed notes only'); END""",
    """CREATE TRIGGER addenda_immutable BEFORE UPDATE ON addenda
        BEGIN SELECT RAISE(ABORT, 'addenda cannot be changed'); END""",
    f"""CREATE TRIGGER addenda_no_delete BEFORE DELETE ON addenda
        WHEN {_NOT_PURGING.format(client="(SELECT client_id FROM notes WHERE id = OLD.note_id)")}
        BEGIN SELECT RAISE(ABORT, 'addenda cannot be deleted'); END""",
    f"""CREATE TRIGGER addenda_index_ai AFTER INSERT ON addenda
        BEGIN
        UPDATE notes_fts SET addenda = {_ADDENDA_TEXT.format(note="NEW.note_id")}
            WHERE rowid = NEW.note_id;
        UPDATE psychotherapy_fts SET addenda = {_ADDENDA_TEXT.format(note="NEW.note_id")}
            WHERE rowid = NEW.note_id;
        END""",
    """CREATE TRIGGER plans_immutable BEFORE UPDATE ON treatment_plans
        BEGIN SELECT RAISE(ABORT, 'treatment plan versions cannot be changed'); END""",
    f"""CREATE TRIGGER plans_no_delete BEFORE DELETE ON treatment_plans
        WHEN {_NOT_PURGING.format(client="OLD.client_id")}
        BEGIN SELECT RAISE(ABORT, 'treatment plan versions cannot be deleted'); END""",
    """CREATE TRIGGER attachment_blobs_immutable BEFORE UPDATE ON attachment_blobs
        BEGIN SELECT RAISE(ABORT, 'attachments cannot be changed'); END""",
    """CREATE TRIGGER clients_fts_ai AFTER INSERT ON clients BEGIN
        INSERT INTO clients_fts(rowid, name)
        VALUES (NEW.id, trim(NEW.legal_name || ' ' || NEW.preferred_name)); END""",
    """CREATE TRIGGER clients_fts_au AFTER UPDATE OF legal_name, preferred_name ON clients
        BEGIN DELETE FROM clients_fts WHERE rowid = OLD.id;
        INSERT INTO clients_fts(rowid, name)
        VALUES (NEW.id, trim(NEW.legal_name || ' ' || NEW.preferred_name)); END""",
    """CREATE TRIGGER clients_fts_ad AFTER DELETE ON clients
        BEGIN DELETE FROM clients_fts WHERE rowid = OLD.id; END""",
    """CREATE TRIGGER diagnoses_fts_ai AFTER INSERT ON diagnoses BEGIN
        INSERT INTO diagnoses_fts(rowid, code, description)
        VALUES (NEW.id, NEW.code, NEW.description); END""",
    """CREATE TRIGGER diagnoses_fts_au AFTER UPDATE OF code, description ON diagnoses
        BEGIN DELETE FROM diagnoses_fts WHERE rowid = OLD.id;
        INSERT INTO diagnoses_fts(rowid, code, description)
        VALUES (NEW.id, NEW.code, NEW.description); END""",
    """CREATE TRIGGER diagnoses_fts_ad AFTER DELETE ON diagnoses
        BEGIN DELETE FROM diagnoses_fts WHERE rowid = OLD.id; END""",
)

# The clinical record without psychotherapy notes: what exports and records packets read.
VIEWS = (
    "CREATE VIEW record_notes AS SELECT * FROM notes WHERE kind <> 'psychotherapy'",
    "CREATE VIEW psychotherapy_notes AS SELECT * FROM notes WHERE kind = 'psychotherapy'",
)

SETTINGS_DEFAULTS = (
    ("late_entry_hours", "24"),
    ("attachment_max_bytes", str(25 * 1024 * 1024)),
)


def upgrade(conn: Connection) -> None:
    for statement in (*TABLES, *TRIGGERS, *VIEWS):
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
        SETTINGS_DEFAULTS,
    )
