"""The owner's second-step (TOTP) secret in vault.db, sealed under HKDF(R) since schema 14
(issue 17 phase B): a login that holds the shared key reads vault.db but cannot read it.

A vault from before keeps a plain secret (`totp.secret`) until the owner's next unlock
seals it (`seal_if_plain`); a data-key rotation re-seals it under the new R.
"""

from __future__ import annotations

from therapynotes.errors import KeysFileCorrupt
from therapynotes.security import user_slots
from therapynotes.security.secret import Secret
from therapynotes.store.connection import Connection


def _has_sealed_column(conn: Connection) -> bool:
    return any(str(r[1]) == "sealed" for r in conn.execute("PRAGMA main.table_info(totp)"))


def read(conn: Connection, root: Secret, vault_id: str) -> tuple[str, int]:
    """(secret, last step) of the owner's second step."""
    sealed_col = ", sealed" if _has_sealed_column(conn) else ""
    sql = f"SELECT secret, last_step{sealed_col} FROM main.totp WHERE id = 1"  # noqa: S608
    row = conn.execute(sql).fetchone()
    if row is None:
        raise KeysFileCorrupt("second-step secret missing")
    if sealed_col and row[2] is not None:
        return user_slots.open_owner_totp(bytes(row[2]), root, vault_id), int(row[1])
    return str(row[0]), int(row[1])


def write(conn: Connection, secret: str, root: Secret, vault_id: str, *, enrolled_at: str) -> None:
    """Replace the secret (a new enrolment), sealed when the schema allows it (the caller's
    transaction)."""
    if _has_sealed_column(conn):
        conn.execute(
            "UPDATE main.totp SET secret = '', sealed = ?, last_step = -1, enrolled_at = ?"
            " WHERE id = 1",
            (user_slots.seal_owner_totp(secret, root, vault_id), enrolled_at),
        )
    else:
        conn.execute(
            "UPDATE main.totp SET secret = ?, last_step = -1, enrolled_at = ? WHERE id = 1",
            (secret, enrolled_at),
        )


def seal_if_plain(conn: Connection, root: Secret, vault_id: str) -> bool:
    """Seal a plain secret left by an older schema (the caller's transaction)."""
    if not _has_sealed_column(conn):
        return False
    row = conn.execute("SELECT secret, sealed FROM main.totp WHERE id = 1").fetchone()
    if row is None or row[1] is not None:
        return False
    conn.execute(
        "UPDATE main.totp SET secret = '', sealed = ? WHERE id = 1",
        (user_slots.seal_owner_totp(str(row[0]), root, vault_id),),
    )
    return True


def reseal(conn: Connection, old_root: Secret, new_root: Secret, vault_id: str) -> None:
    """After a data-key rotation: the secret sealed under the new R (the caller's
    transaction, on the rotated copy)."""
    if not _has_sealed_column(conn):
        return
    secret, _ = read(conn, old_root, vault_id)
    conn.execute(
        "UPDATE main.totp SET secret = '', sealed = ? WHERE id = 1",
        (user_slots.seal_owner_totp(secret, new_root, vault_id),),
    )
