"""Further logins (issue 17 phase B): adding, listing, changing and removing users.

The `users` table in vault.db is the truth; each user's entry in vault.keys is built
from their row (security/user_slots.py) by the owner, who holds R and this computer's
device secret: at add, at a role change, at a data-key rotation (every user re-granted
the new keys), at a restore on a new computer, and at the owner's unlock when the two
disagree (a kill between the two writes). A row whose restore material does not open
under R (written by someone without R) never becomes an entry.

Write order, so a kill at any point leaves every login working or the change cleanly
not made (or finished at the owner's next unlock): add writes the vault.keys entry, then
the row (an entry without a row opens nothing and is dropped); remove and role change
write the row first, then vault.keys (the owner's next unlock brings vault.keys up to
the rows).

Every change is the owner's, with the owner's passphrase and code checked through the
same gate as an unlock (throttled, counted, audited).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from therapynotes.domain.roles import USER_ROLES, Login, Role
from therapynotes.errors import (
    BadUserName,
    KeysFileCorrupt,
    TotpRejected,
    TotpReplayed,
    UnknownRole,
    UnknownUser,
    UserExists,
)
from therapynotes.security import kdf, keyslots, totp, user_slots
from therapynotes.security.attempts import user_log_path
from therapynotes.security.keyslots import KeysDocument
from therapynotes.security.passphrase import require_acceptable
from therapynotes.security.secret import Secret
from therapynotes.security.user_slots import UserEntry, name_key
from therapynotes.services.key_file import device_secret, now_iso, write_keys
from therapynotes.services.policy import UseCase, require
from therapynotes.services.session import VaultSession
from therapynotes.store import audit
from therapynotes.store import users as users_store
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, transaction
from therapynotes.store.users import UserRow

if TYPE_CHECKING:
    from therapynotes.services.vault import VaultService

_NAME = re.compile(r"^[^\W_][\w .\-]{0,39}$")

ROTATION_ADVICE = (
    "What they could read before, they may have kept. Change the data key "
    "(`therapynotes rotate-key`) so their copied files and old backups stop mattering "
    "for new records."
)


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    created_at: str


@dataclass(frozen=True)
class AddedUser:
    """What the new user must see once: the secret for their authenticator app."""

    name: str
    role: Role
    totp_secret: str
    totp_uri: str


def clean_name(name: str) -> str:
    """The login name as stored (NFC, no surrounding spaces); BadUserName if not allowed."""
    text = unicodedata.normalize("NFC", name.strip())
    if not _NAME.match(text) or "  " in text:
        raise BadUserName
    return text


def user_role(role: str | Role) -> Role:
    try:
        chosen = Role(role)
    except ValueError as exc:
        raise UnknownRole from exc
    if chosen not in USER_ROLES:
        raise UnknownRole
    return chosen


# --- entries from rows ----------------------------------------------------------------


def _restore_ad(row: UserRow, vault_id: str, role: Role | None = None) -> bytes:
    return user_slots.restore_ad(row.name, role or row.role, vault_id, row.kdf, row.public_key)


def row_inner(row: UserRow, root: Secret, vault_id: str) -> bytes | None:
    """The user's passphrase-wrapped private key from their row; None when the row was not
    written by the owner (its seal does not open under R)."""
    return user_slots.open_restore(row.restore, root, _restore_ad(row, vault_id))


def entry_from_row(
    row: UserRow, inner: bytes, *, doc: KeysDocument, bundle: Secret, device: Secret
) -> UserEntry:
    nonce, ct = user_slots.seal_outer(
        inner,
        device,
        name=row.name,
        role=row.role,
        vault_id=doc.vault_id,
        kdf=row.kdf,
        binding=doc.device_binding,
    )
    grant = user_slots.seal_grant(
        row.public_key, name=row.name, role=row.role, vault_id=doc.vault_id, bundle=bundle
    )
    return UserEntry(row.name, row.role, row.created_at, row.kdf, nonce, ct, row.public_key, grant)


def entries_for(
    conn: Connection, *, root: Secret, bundle: Secret, doc: KeysDocument, device: Secret
) -> tuple[UserEntry, ...]:
    """vault.keys entries for every row the owner wrote, granting `bundle` (rows read
    from `conn`, their restore material opened with `root`)."""
    entries = []
    for row in users_store.all_rows(conn):
        inner = row_inner(row, root, doc.vault_id)
        if inner is not None:
            entries.append(entry_from_row(row, inner, doc=doc, bundle=bundle, device=device))
    return tuple(entries)


def reseal_rows(conn: Connection, old_root: Secret, new_root: Secret, vault_id: str) -> None:
    """A data-key rotation's copy: every row's restore material under the new R (the
    caller's transaction). A row that does not open under the old R stays as it is (it
    never becomes an entry)."""
    for row in users_store.all_rows(conn):
        inner = row_inner(row, old_root, vault_id)
        if inner is None:
            continue
        sealed = user_slots.seal_restore(inner, new_root, _restore_ad(row, vault_id))
        users_store.set_restore(conn, row.name_key, sealed)


def regranted(session: VaultSession, doc: KeysDocument, new_keys: Secret) -> KeysDocument:
    """`doc` with every user's entry rebuilt from their row: re-granted the new data keys
    (issue 17 phase B), so each user unlocks after the rotation with their own secrets."""
    if not doc.users and not users_store.all_rows(session.conn):
        return doc
    device = device_secret(doc)
    try:
        entries = entries_for(
            session.conn, root=session.dek, bundle=new_keys, doc=doc, device=device
        )
    finally:
        device.wipe()
    return dataclasses.replace(doc, users=entries)


def _signature(doc: KeysDocument) -> tuple[str, frozenset[tuple[str, str, bytes]]]:
    return doc.owner_name, frozenset(
        (name_key(u.name), u.role.value, u.public_key) for u in doc.users
    )


def reconcile(session: VaultSession) -> bool:
    """At the owner's unlock: bring vault.keys up to the users table (and the owner's
    name) when a kill left them apart. True when vault.keys was rewritten."""
    conn, doc = session.conn, session.doc
    with session.db_lock:
        if not users_store.has_table(conn):
            return False
        rows = [r for r in users_store.all_rows(conn) if row_inner(r, session.dek, doc.vault_id)]
        owner = users_store.owner_name(conn) or doc.owner_name
    want = (owner, frozenset((r.name_key, r.role.value, r.public_key) for r in rows))
    if want == _signature(doc):
        return False
    bundle = session.data_keys()
    device = device_secret(doc)
    try:
        with session.db_lock:
            entries = entries_for(conn, root=session.dek, bundle=bundle, doc=doc, device=device)
    finally:
        bundle.wipe()
        device.wipe()
    new_doc = dataclasses.replace(doc, users=entries, owner_name=owner)
    write_keys(session.paths, new_doc, session.dek)
    session.doc = new_doc
    session.login = Login(owner, Role.OWNER)
    session.record(AuditKind.USERS_REPAIRED, logins=len(entries))
    return True


class UserAdmin:
    def __init__(self, vault: VaultService) -> None:
        self.vault = vault

    # --- reading ---------------------------------------------------------------------

    def list_users(self, session: VaultSession) -> list[UserInfo]:
        """The owner, then each user whose row the owner wrote: checked under R in the
        owner's session; in another login's, a row must match an entry in vault.keys
        (a row added by someone without R is not listed as a login)."""
        doc = session.doc
        owner = UserInfo(doc.owner_name, Role.OWNER, doc.created_at)
        with session.db_lock:
            rows = users_store.all_rows(session.conn)
        if session.login.is_owner:
            rows = [r for r in rows if row_inner(r, session.dek, doc.vault_id) is not None]
        else:
            entries = {(name_key(u.name), u.public_key) for u in doc.users}
            rows = [r for r in rows if (r.name_key, r.public_key) in entries]
        return [owner, *(UserInfo(r.name, r.role, r.created_at) for r in rows)]

    # --- the owner's gate --------------------------------------------------------------

    def _gate(self, session: VaultSession, passphrase: str, code: str) -> None:
        """The owner's passphrase and code, through the same gate as an unlock."""
        require(session, UseCase.USERS)  # refused and audited for other logins
        from therapynotes.services.key_changes import _check_local  # noqa: PLC0415

        unlocker = self.vault._unlocker  # noqa: SLF001
        doc = session.doc
        device = device_secret(doc)

        def check() -> None:
            _check_local(doc, passphrase, device)
            try:
                with session.db_lock:
                    unlocker.check_totp(session, code)
            except (TotpRejected, TotpReplayed):
                unlocker.attempts.record_failure("code")
                raise

        try:
            unlocker.check_while_open(session, check)
        finally:
            device.wipe()

    def _taken(self, session: VaultSession, key: str) -> bool:
        with session.db_lock:
            row = users_store.get(session.conn, key)
        return (
            row is not None
            or key == name_key(session.doc.owner_name)
            or bool(session.doc.user(key))
        )

    # --- changes ---------------------------------------------------------------------

    def add_user(
        self,
        session: VaultSession,
        *,
        name: str,
        role: str | Role,
        owner_passphrase: str,
        owner_code: str,
        user_passphrase: str,
        totp_secret: str | None = None,
    ) -> AddedUser:
        require(session, UseCase.USERS)  # refused and audited for other logins
        name, chosen = clean_name(name), user_role(role)
        key = name_key(name)
        if self._taken(session, key):
            raise UserExists
        require_acceptable(user_passphrase)
        secret = totp_secret or totp.new_secret()
        totp.TotpCheck(secret, self.vault.clock)  # a malformed secret fails here
        self._gate(session, owner_passphrase, owner_code)
        if keyslots.shared_is_root(session.doc, session.dek):
            from therapynotes.services.user_rotation import rekey_data  # noqa: PLC0415

            rekey_data(self.vault, session)
        doc = session.doc
        params = kdf.calibrate()
        private, public = user_slots.new_key_pair()
        try:
            master = kdf.argon2id(user_passphrase, params)
            kek = user_slots.user_kek(master)
            master.wipe()
            try:
                inner = user_slots.seal_inner(
                    private, kek, name=name, vault_id=doc.vault_id, kdf=params
                )
            finally:
                kek.wipe()
            sealed_totp = user_slots.seal_user_totp(
                secret, private, name=name, vault_id=doc.vault_id
            )
        finally:
            private.wipe()
        row = UserRow(
            name=name,
            name_key=key,
            role=chosen,
            created_at=now_iso(self.vault.clock),
            kdf=params,
            public_key=public,
            restore=b"",
            totp_sealed=sealed_totp,
            totp_last_step=-1,
        )
        row = dataclasses.replace(
            row, restore=user_slots.seal_restore(inner, session.dek, _restore_ad(row, doc.vault_id))
        )
        self._write_entries(session, (*doc.users, self._entry(session, row, inner)))
        with session.db_lock, transaction(session.conn):
            users_store.insert(session.conn, row)
            audit.append(
                session.conn, AuditKind.USER_ADDED, detail={"login": name, "role": chosen.value}
            )
        return AddedUser(name, chosen, secret, totp.provisioning_uri(secret, account=name))

    def remove_user(
        self, session: VaultSession, *, name: str, owner_passphrase: str, owner_code: str
    ) -> None:
        require(session, UseCase.USERS)  # refused and audited for other logins
        key = name_key(name)
        with session.db_lock:
            row = users_store.get(session.conn, key)
        entry = session.doc.user(key)
        if row is None and entry is None:
            raise UnknownUser
        self._gate(session, owner_passphrase, owner_code)
        shown = row.name if row is not None else entry.name if entry is not None else name
        with session.db_lock, transaction(session.conn):
            users_store.delete(session.conn, key)
            audit.append(session.conn, AuditKind.USER_REMOVED, detail={"login": shown})
        self._write_entries(session, tuple(u for u in session.doc.users if name_key(u.name) != key))
        with contextlib.suppress(OSError):
            user_log_path(session.paths.root, key).unlink()

    def change_role(
        self,
        session: VaultSession,
        *,
        name: str,
        role: str | Role,
        owner_passphrase: str,
        owner_code: str,
    ) -> None:
        require(session, UseCase.USERS)  # refused and audited for other logins
        chosen, key = user_role(role), name_key(name)
        with session.db_lock:
            row = users_store.get(session.conn, key)
        if row is None:
            raise UnknownUser
        if row.role is chosen:
            return
        self._gate(session, owner_passphrase, owner_code)
        vault_id = session.vault_id
        inner = row_inner(row, session.dek, vault_id)
        if inner is None:
            raise KeysFileCorrupt("a login's row was changed")
        new_row = dataclasses.replace(
            row,
            role=chosen,
            restore=user_slots.seal_restore(inner, session.dek, _restore_ad(row, vault_id, chosen)),
        )
        with session.db_lock, transaction(session.conn):
            users_store.set_role(session.conn, key, chosen, new_row.restore)
            audit.append(
                session.conn,
                AuditKind.USER_ROLE_CHANGED,
                detail={"login": row.name, "was": row.role.value, "now": chosen.value},
            )
        entry = self._entry(session, new_row, inner)
        present = any(name_key(u.name) == key for u in session.doc.users)
        entries = tuple(entry if name_key(u.name) == key else u for u in session.doc.users)
        self._write_entries(session, entries if present else (*entries, entry))

    def rename_owner(
        self, session: VaultSession, *, name: str, owner_passphrase: str, owner_code: str
    ) -> None:
        require(session, UseCase.USERS)  # refused and audited for other logins
        name = clean_name(name)
        key = name_key(name)
        if key != name_key(session.doc.owner_name) and self._taken(session, key):
            raise UserExists
        self._gate(session, owner_passphrase, owner_code)
        was = session.doc.owner_name
        with session.db_lock, transaction(session.conn):
            users_store.set_owner_name(session.conn, name)
            audit.append(session.conn, AuditKind.OWNER_RENAMED, detail={"was": was, "now": name})
        new_doc = dataclasses.replace(session.doc, owner_name=name)
        write_keys(session.paths, new_doc, session.dek)
        session.doc = new_doc
        session.login = Login(name, Role.OWNER)

    # --- vault.keys --------------------------------------------------------------------

    def _entry(self, session: VaultSession, row: UserRow, inner: bytes) -> UserEntry:
        bundle = session.data_keys()
        device = device_secret(session.doc)
        try:
            return entry_from_row(row, inner, doc=session.doc, bundle=bundle, device=device)
        finally:
            bundle.wipe()
            device.wipe()

    @staticmethod
    def _write_entries(session: VaultSession, users: tuple[UserEntry, ...]) -> None:
        new_doc = dataclasses.replace(session.doc, users=users)
        write_keys(session.paths, new_doc, session.dek)
        session.doc = new_doc
