"""The `users` table (schema 14): one row per assistant or supervisor (docs/formats.md).

Rows hold no secret in the clear: the restore material is sealed under HKDF(R) and the
second-step secret under HKDF(the user's private key) (security/user_slots.py). Calls
run inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from therapynotes.domain.roles import Role
from therapynotes.security.kdf import KdfParams
from therapynotes.store.connection import Connection

_COLUMNS = (
    "name, name_key, role, created_at, kdf_m_kib, kdf_t, kdf_p, kdf_salt, public_key,"
    " restore, totp_sealed, totp_last_step"
)


@dataclass(frozen=True)
class UserRow:
    name: str
    name_key: str
    role: Role
    created_at: str
    kdf: KdfParams
    public_key: bytes
    restore: bytes
    totp_sealed: bytes
    totp_last_step: int


def _row(r: tuple[object, ...]) -> UserRow:
    return UserRow(
        name=str(r[0]),
        name_key=str(r[1]),
        role=Role(str(r[2])),
        created_at=str(r[3]),
        kdf=KdfParams(int(r[4]), int(r[5]), int(r[6]), bytes(r[7])),  # type: ignore[call-overload]
        public_key=bytes(r[8]),  # type: ignore[call-overload]
        restore=bytes(r[9]),  # type: ignore[call-overload]
        totp_sealed=bytes(r[10]),  # type: ignore[call-overload]
        totp_last_step=int(r[11]),  # type: ignore[call-overload]
    )


def has_table(conn: Connection) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'users'"
        ).fetchone()
    )


def all_rows(conn: Connection) -> list[UserRow]:
    if not has_table(conn):
        return []
    return [
        _row(r)
        for r in conn.execute(f"SELECT {_COLUMNS} FROM main.users ORDER BY rowid")  # noqa: S608
    ]


def get(conn: Connection, name_key: str) -> UserRow | None:
    r = conn.execute(
        f"SELECT {_COLUMNS} FROM main.users WHERE name_key = ?",  # noqa: S608
        (name_key,),
    ).fetchone()
    return None if r is None else _row(r)


def insert(conn: Connection, row: UserRow) -> None:
    conn.execute(
        f"INSERT INTO main.users ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        (
            row.name,
            row.name_key,
            row.role.value,
            row.created_at,
            row.kdf.m_kib,
            row.kdf.t,
            row.kdf.p,
            row.kdf.salt,
            row.public_key,
            row.restore,
            row.totp_sealed,
            row.totp_last_step,
        ),
    )


def delete(conn: Connection, name_key: str) -> None:
    conn.execute("DELETE FROM main.users WHERE name_key = ?", (name_key,))


def set_role(conn: Connection, name_key: str, role: Role, restore: bytes) -> None:
    conn.execute(
        "UPDATE main.users SET role = ?, restore = ? WHERE name_key = ?",
        (role.value, restore, name_key),
    )


def set_restore(conn: Connection, name_key: str, restore: bytes) -> None:
    conn.execute("UPDATE main.users SET restore = ? WHERE name_key = ?", (restore, name_key))


def set_last_step(conn: Connection, name_key: str, step: int) -> None:
    conn.execute("UPDATE main.users SET totp_last_step = ? WHERE name_key = ?", (step, name_key))


OWNER_NAME_KEY = "owner_name"


def owner_name(conn: Connection) -> str | None:
    row = conn.execute(
        "SELECT value FROM main.vault_meta WHERE key = ?", (OWNER_NAME_KEY,)
    ).fetchone()
    return None if row is None else str(row[0])


def set_owner_name(conn: Connection, name: str) -> None:
    conn.execute(
        "INSERT INTO main.vault_meta(key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (OWNER_NAME_KEY, name),
    )
