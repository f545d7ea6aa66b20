"""Helpers for the data-key rotation tests: what "every record is there" means, and the
two ways in (passphrase + code, recovery key) checked for real."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from therapynotes.portable import format as fmt
from therapynotes.security.secret import Secret
from therapynotes.services.portable import PortableService
from therapynotes.services.session import VaultSession
from therapynotes.store import audit
from therapynotes.store.connection import clinical_path, close_db, open_db


@dataclass(frozen=True)
class Contents:
    """The records (the portable JSON export plus every attachment's bytes) and the audit
    log, of one vault at one time."""

    export_sha256: str
    blobs_sha256: str
    audit_rows: tuple[audit.AuditEntry, ...]

    def holds(self, earlier: Contents) -> bool:
        """The same records, and the earlier audit log as a prefix of this one."""
        return (
            self.export_sha256 == earlier.export_sha256
            and self.blobs_sha256 == earlier.blobs_sha256
            and self.audit_rows[: len(earlier.audit_rows)] == earlier.audit_rows
        )


def contents(session: VaultSession) -> Contents:
    with session.db_lock:
        document = PortableService(session).export_document()
        blobs = hashlib.sha256()
        for attachment_id, data in session.conn.execute(
            "SELECT attachment_id, data FROM attachment_blobs ORDER BY attachment_id"
        ):
            blobs.update(f"{attachment_id}:{len(data)}:".encode() + bytes(data))
        report = audit.verify(session.conn)
        assert report.ok, f"audit chain broken: {report}"
        rows = tuple(audit.entries(session.conn))
    return Contents(hashlib.sha256(fmt.encode(document)).hexdigest(), blobs.hexdigest(), rows)


def _opens(db: Path, key: bytes) -> bool:
    try:
        conn = open_db(db, Secret(key), pragmas=())
    except Exception:  # noqa: BLE001 - any failure to open means "no"
        return False
    close_db(conn)
    return True


def _parts(db: Path, keys: bytes) -> list[tuple[Path, bytes]]:
    if len(keys) == 64:  # both data keys (issue 17): each file with its own
        return [(db, keys[:32]), (clinical_path(db), keys[32:])]
    return [(db, keys)]


def opens_with_key(db: Path, keys: bytes) -> bool:
    """Whether `keys` open ANY of the vault's files: vault.db with a 32-byte key; with
    both data keys (64 bytes), vault.db with the first half or clinical.db beside it
    with the second (the page HMACs decide)."""
    return any(_opens(path, key) for path, key in _parts(db, keys))


def opens_fully(db: Path, keys: bytes) -> bool:
    """Whether `keys` open every file of the vault (each with its own key)."""
    return all(_opens(path, key) for path, key in _parts(db, keys))


def leftovers(root: Path) -> list[str]:
    """Files a rotation may leave behind that should not be there once it is settled."""
    return sorted(p.name for p in root.iterdir() if ".rotating" in p.name or ".partial" in p.name)
