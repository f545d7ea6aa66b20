"""Schema 9: the writing aids (issue 19).

- `dictionary_words`: the therapist's personal dictionary (spell check), words added
  with "Add to dictionary". They may be client names, so they live inside the vault (and
  so in backups and the export), never in a plain file. Compared without regard to case.
- `note_templates`: the therapist's own templates, one row per version. A version is
  never changed (a trigger refuses it): saving a template adds the next version, and a
  note stores the version it was written with (`notes.template` = 'my-soap@2').
  `body` is {"sections": [{"key", "title", "prompt", "required"}, ...]}.
- `disabled_templates`: built-in or own templates hidden from the New note menu.
- `snippets`: the therapist's text snippets ("/mse" expands to its body, which may hold
  `{{placeholders}}` to tab through).
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 9
DESCRIPTION = "adding the spelling dictionary, templates and snippets"

_INSTANT = "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"


def upgrade(conn: Connection) -> None:
    conn.execute(
        f"""CREATE TABLE dictionary_words (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            word TEXT NOT NULL UNIQUE COLLATE NOCASE
                CHECK (length(word) BETWEEN 1 AND 100
                    AND instr(word, ' ') = 0 AND instr(word, char(10)) = 0),
            added_at TEXT NOT NULL CHECK (added_at {_INSTANT})
        ) STRICT"""
    )
    conn.execute(
        f"""CREATE TABLE note_templates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            template_id TEXT NOT NULL CHECK (length(template_id) BETWEEN 1 AND 64
                AND template_id NOT GLOB '*[^a-z0-9_-]*'),
            version INTEGER NOT NULL CHECK (version >= 1),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            kind TEXT NOT NULL CHECK (kind IN ('progress', 'intake', 'treatment_plan',
                'discharge', 'contact', 'freeform')),
            body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body, '$.sections') = 'array'),
            created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
            UNIQUE (template_id, version)
        ) STRICT"""
    )
    conn.execute(
        """CREATE TRIGGER note_templates_fixed BEFORE UPDATE ON note_templates
        BEGIN SELECT RAISE(ABORT, 'template versions cannot be changed'); END"""
    )
    conn.execute(
        f"""CREATE TABLE disabled_templates (
            template_id TEXT PRIMARY KEY CHECK (length(template_id) BETWEEN 1 AND 64),
            disabled_at TEXT NOT NULL CHECK (disabled_at {_INSTANT})
        ) STRICT"""
    )
    conn.execute(
        f"""CREATE TABLE snippets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            trigger TEXT NOT NULL UNIQUE CHECK (length(trigger) BETWEEN 1 AND 32
                AND trigger NOT GLOB '*[^a-z0-9_-]*'),
            body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
            created_at TEXT NOT NULL CHECK (created_at {_INSTANT}),
            updated_at TEXT NOT NULL CHECK (updated_at {_INSTANT})
        ) STRICT"""
    )
