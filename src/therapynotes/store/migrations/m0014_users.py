"""Schema 14 (issue 17 phase B): further logins, and the owner's second-step secret sealed.

`users` (vault.db) holds, per assistant or supervisor, what the owner needs to rebuild
their entry in vault.keys on a new computer without being able to impersonate them (the
inner, passphrase-wrapped layer of their private key, sealed under HKDF(R) and bound to
name, role, public key and KDF), and their TOTP secret sealed under HKDF(their private
key) with its last used step: no other login can read it (docs/formats.md, docs/security.md
"Users and roles"). The owner's login name is kept in `vault_meta` (`owner_name`) once
chosen.

`totp.sealed` holds the owner's TOTP secret sealed under HKDF(R) ("therapynotes/
owner-totp/v1"); `totp.secret` is then ''. A vault from before keeps its plain secret until
the owner's next unlock seals it.
"""

from __future__ import annotations

from therapynotes.store.connection import Connection

VERSION = 14
DESCRIPTION = "adding logins for your staff"


def upgrade(conn: Connection) -> None:
    conn.execute(
        """CREATE TABLE users (
            name TEXT PRIMARY KEY,
            name_key TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('assistant', 'supervisor')),
            created_at TEXT NOT NULL,
            kdf_m_kib INTEGER NOT NULL,
            kdf_t INTEGER NOT NULL,
            kdf_p INTEGER NOT NULL,
            kdf_salt BLOB NOT NULL,
            public_key BLOB NOT NULL,
            restore BLOB NOT NULL,
            totp_sealed BLOB NOT NULL,
            totp_last_step INTEGER NOT NULL DEFAULT -1
        ) STRICT"""
    )
    conn.execute("ALTER TABLE totp ADD COLUMN sealed BLOB")
