"""Schema 5: the clinician profile, and signatures that name their signer.

- `clinician_profile`: at most one row (id = 1): name, credentials, licence number and
  state, NPI (empty when not given). Validated by domain/profile.py before it is written.
- `notes.signed_by`, `notes.voided_by`, `addenda.signed_by`: who signed (voided), as the
  signature line names them at that moment ('Dana Reyes, PsyD, PSY 12345'; see
  ClinicianProfile.signer). NULL for material signed before a profile existed (every
  row this migration finds): those signatures keep their wording and gain nothing.
- The schema keeps the signer as immutable as the rest of a signature: a signed note's
  `signed_by` never changes (m0003 already lets a signed note change only to voided, and
  forbids any change to addenda); a draft has no signer, and only a voided note has a
  `voided_by`.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 5
DESCRIPTION = "adding your profile to signatures"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"
_SIGNER = "CHECK ({col} IS NULL OR length(trim({col})) BETWEEN 1 AND 1000)"
_SIGNERS_FIT_STATE = (
    "(NEW.state = 'draft' AND NEW.signed_by IS NOT NULL)"
    " OR (NEW.state <> 'voided' AND NEW.voided_by IS NOT NULL)"
)

STATEMENTS = (
    f"""CREATE TABLE clinician_profile (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        credentials TEXT NOT NULL CHECK (length(trim(credentials)) > 0),
        license_number TEXT NOT NULL CHECK (length(trim(license_number)) > 0),
        license_state TEXT NOT NULL DEFAULT '',
        npi TEXT NOT NULL DEFAULT '' CHECK (npi = '' OR npi GLOB '{"[0-9]" * 10}'),
        updated_at TEXT NOT NULL CHECK (updated_at {_INSTANT})
    ) STRICT""",
    f"ALTER TABLE notes ADD COLUMN signed_by TEXT {_SIGNER.format(col='signed_by')}",
    f"ALTER TABLE notes ADD COLUMN voided_by TEXT {_SIGNER.format(col='voided_by')}",
    f"ALTER TABLE addenda ADD COLUMN signed_by TEXT {_SIGNER.format(col='signed_by')}",
    """CREATE TRIGGER notes_signer_immutable BEFORE UPDATE OF signed_by ON notes
        WHEN OLD.state <> 'draft' AND NEW.signed_by IS NOT OLD.signed_by
        BEGIN SELECT RAISE(ABORT, 'signed notes cannot be changed'); END""",
    f"""CREATE TRIGGER notes_signers_fit_state_ai BEFORE INSERT ON notes
        WHEN {_SIGNERS_FIT_STATE}
        BEGIN SELECT RAISE(ABORT, 'a signer belongs to a signature'); END""",
    f"""CREATE TRIGGER notes_signers_fit_state_au BEFORE UPDATE ON notes
        WHEN {_SIGNERS_FIT_STATE}
        BEGIN SELECT RAISE(ABORT, 'a signer belongs to a signature'); END""",
)


def upgrade(conn: Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
