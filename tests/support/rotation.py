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
from therapynotes.store.connection import close_db, open_db


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


def opens_with_key(db: Path, dek: bytes) -> bool:
    """Whether `dek` opens the SQLCipher file `db` (the page HMACs decide)."""
    try:
        conn = open_db(db, Secret(dek), pragmas=())
    except Exception:  # noqa: BLE001 - any failure to open means "no"
        return False
    close_db(conn)
    return True


def leftovers(root: Path) -> list[str]:
    """Files a rotation may leave behind that should not be there once it is settled."""
    return sorted(p.name for p in root.iterdir() if ".rotating" in p.name or ".partial" in p.name)
