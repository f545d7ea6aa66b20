"""PortableService: export the whole vault to the open therapynotes-export format (see
therapynotes.portable.format and docs/export-format.md) and import such an export into
a new or empty vault.

Export writes plaintext, so only into the folder the user named: the folder is made
0700 when created, files 0600. Every file is written into a private staging folder
inside it and moved into place only when all are complete (atomic.staged_folder): a
failure (a link or folder at a name the export uses, a full disk) leaves nothing behind,
no attachment and no partial JSON, and no link is ever followed. Each attempt is
audit-logged (counts only; a failed one with the kind of failure). Import
validates the whole document and every attachment file before touching the vault, then
inserts everything in one transaction with its audit row: a refused or failed import
leaves the vault as it was. Ids are kept, so references and signatures survive.

Must not import PySide6.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from therapynotes.atomic import TargetNotAFile, WriteRefused, staged_folder
from therapynotes.domain import rules
from therapynotes.domain.billing import Practice
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.domain.review import cosignature_hash
from therapynotes.errors import TherapyNotesError
from therapynotes.portable import format as fmt
from therapynotes.portable_errors import (
    ExportFailed,
    ExportTargetInvalid,
    ExportTargetNotEmpty,
    ImportRefused,
    VaultNotEmpty,
)
from therapynotes.records_errors import AttachmentCorrupt
from therapynotes.services.policy import UseCase, guarded
from therapynotes.services.records_base import RecordsBase
from therapynotes.store import attachments as attachment_store
from therapynotes.store import billing as billing_store
from therapynotes.store import clinical_refs
from therapynotes.store import profile as profile_store
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, atomic_transaction, driver, transaction
from therapynotes.store.migrations import m0011_schedule

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_RECORD_TABLES = ("clients", "sessions", "notes", "attachments")


def _columns(table: str) -> list[str]:
    return [f.name for f in fmt.TABLES[table][0]]


def _read_table(conn: Connection, table: str) -> list[dict[str, Any]]:
    columns = _columns(table)
    order = ", ".join(fmt.TABLES[table][1])
    sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"  # noqa: S608 - names from fmt.TABLES
    rows = []
    for values in conn.execute(sql):
        row = dict(zip(columns, values, strict=True))
        for name in columns:
            key = f"{table}.{name}"
            if key in fmt.JSON_COLUMNS:
                row[name] = json.loads(row[name])
            elif key in fmt.BOOL_COLUMNS:
                row[name] = bool(row[name])
        rows.append(row)
    return rows


def _prepare_dir(path: Path, *, force: bool) -> bool:
    """Check or create the export folder; True when it was created here."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise ExportTargetInvalid
    if not path.exists():
        try:
            path.mkdir(mode=PRIVATE_DIR, parents=True)
            os.chmod(path, PRIVATE_DIR)
        except OSError as exc:
            raise ExportFailed(type(exc).__name__) from None
        return True
    if any(path.iterdir()) and not force:
        raise ExportTargetNotEmpty
    return False


def _export_failure(exc: WriteRefused) -> TherapyNotesError:
    if isinstance(exc, TargetNotAFile):
        return ExportTargetInvalid(f"see {fmt.JSON_NAME} and {fmt.ATTACHMENTS_DIR} in it")
    return ExportFailed(exc.reason)


def _read_regular(path: Path, *, limit: int, where: str) -> bytes:
    """The bytes of a regular file that is no symbolic link, at most `limit` long."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise ImportRefused(f"{where}: file missing") from None
    if not stat.S_ISREG(info.st_mode):
        raise ImportRefused(f"{where}: not a regular file (symbolic links are refused)")
    if info.st_size > limit:
        raise ImportRefused(f"{where}: file larger than expected")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit + 1)


def read_export(source: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The validated document and its attachments by SHA-256; changes nothing."""
    if source.is_symlink() or not source.is_dir():
        raise ImportRefused("folder: not a folder")
    raw = _read_regular(source / fmt.JSON_NAME, limit=fmt.MAX_DOCUMENT_BYTES, where=fmt.JSON_NAME)
    document = fmt.decode(raw)
    _check_signatures(document)
    blobs: dict[str, bytes] = {}
    folder = source / fmt.ATTACHMENTS_DIR
    if document["attachments"] and (folder.is_symlink() or not folder.is_dir()):
        raise ImportRefused(f"{fmt.ATTACHMENTS_DIR}: not a folder")
    for i, meta in enumerate(document["attachments"]):
        where = f"attachments[{i}]"
        digest = meta["sha256"]
        if digest not in blobs:
            data = _read_regular(folder / digest, limit=meta["size"], where=where)
            if hashlib.sha256(data).hexdigest() != digest:
                raise ImportRefused(f"{where}: file does not match its SHA-256")
            blobs[digest] = data
        if len(blobs[digest]) != meta["size"]:
            raise ImportRefused(f"{where}: size does not match the file")
    return document, blobs


def export_counts(source: Path) -> dict[str, int]:
    """How many rows of each table an export folder holds, after checking all of it
    (ImportRefused otherwise); needs no vault, so the first-run wizard can check the
    folder before creating one."""
    document, _blobs = read_export(source)
    return {table: len(document[table]) for table in fmt.TABLES}


class PortableService(RecordsBase):
    # --- export ----------------------------------------------------------------------

    @guarded(UseCase.EXPORT)
    def export_document(self) -> dict[str, Any]:
        conn = self.conn
        marks = ",".join("?" for _ in fmt.SETTINGS)
        settings = dict(
            conn.execute(
                f"SELECT key, value FROM settings WHERE key IN ({marks})",  # noqa: S608
                tuple(sorted(fmt.SETTINGS)),
            ).fetchall()
        )
        profile = profile_store.get(conn)
        document: dict[str, Any] = {
            "format": fmt.FORMAT,
            "format_version": fmt.FORMAT_VERSION,
            "settings": settings,
            "profile": None if profile is None else dataclasses.asdict(profile),
            "practice": _practice(conn),
        }
        for table in fmt.TABLES:
            document[table] = _read_table(conn, table)
        return document

    @guarded(UseCase.EXPORT)
    def export_json(self, target: Path, *, force: bool = False) -> dict[str, int]:
        """Write the export into `target`; returns the count of each table written.

        All or nothing: on any failure no file of the export is left (see the module
        docstring), a folder created here is removed again, and the failed attempt is
        audited."""
        try:
            created = _prepare_dir(target, force=force)
        except TherapyNotesError as exc:
            self._audit_failed_export(exc)
            raise
        try:
            return self._export_into(target)
        except Exception as exc:
            if created:
                with contextlib.suppress(OSError):
                    target.rmdir()  # empty again: staged_folder removed all it wrote
            self._audit_failed_export(exc)
            if isinstance(exc, WriteRefused):
                raise _export_failure(exc) from None
            raise

    def _export_into(self, target: Path) -> dict[str, int]:
        conn = self.conn
        # One consistent snapshot, and the audit row with it; the files move into place
        # when the staging closes, just before the transaction commits.
        with transaction(conn), staged_folder(target) as staging:
            document = self.export_document()
            written: set[str] = set()
            for meta in document["attachments"]:
                chunks: list[bytes] = []  # written as they came: never joined (issue 18)
                attachment_store.read_chunks(conn, meta["id"], chunks.append)
                digest = hashlib.sha256()
                for chunk in chunks:
                    digest.update(chunk)
                if digest.hexdigest() != meta["sha256"]:
                    raise AttachmentCorrupt(f"attachment {meta['id']}")
                data = tuple(chunks)
                if meta["sha256"] not in written:  # the same file attached twice
                    staging.write(f"{fmt.ATTACHMENTS_DIR}/{meta['sha256']}", data)
                    written.add(meta["sha256"])
            staging.write(fmt.JSON_NAME, fmt.encode(document))
            counts = {table: len(document[table]) for table in fmt.TABLES}
            self.audit(conn, AuditKind.EXPORTED, "vault", format="json", **counts)
        return counts

    def _audit_failed_export(self, exc: Exception) -> None:
        """The failed attempt, by the kind of failure only (never a path or text)."""
        with contextlib.suppress(TherapyNotesError, driver().Error), transaction(self.conn):
            failure = type(exc).__name__
            self.audit(self.conn, AuditKind.EXPORTED, "vault", format="json", failed=failure)

    # --- import ----------------------------------------------------------------------

    def read_export(self, source: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The validated document and its attachments by SHA-256; changes nothing."""
        return read_export(source)

    @guarded(UseCase.IMPORT)
    def import_json(self, source: Path) -> dict[str, int]:
        """Import an export into this (empty) vault, all or nothing."""
        document, blobs = self.read_export(source)
        conn = self.conn
        # All or nothing across vault.db and clinical.db (store/connection.py).
        with atomic_transaction(conn):
            if any(
                conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()  # noqa: S608
                for t in _RECORD_TABLES
            ):
                raise VaultNotEmpty
            for key, value in sorted(document["settings"].items()):
                conn.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            if document["profile"] is not None:
                profile = ClinicianProfile(**document["profile"])
                profile_store.put(conn, profile, now=self.now())
            if document["practice"] is not None:
                billing_store.put_practice(conn, Practice(**document["practice"]), now=self.now())
            _insert_all(conn, document, blobs)
            # Documents older than the schedule (format 6): sessions become appointments.
            m0011_schedule.backfill_sessions(conn, only_unlinked=True)
            counts = {table: len(document[table]) for table in fmt.TABLES}
            self.audit(conn, AuditKind.IMPORTED, "vault", format="json", **counts)
        return counts


def _practice(conn: Connection) -> dict[str, Any] | None:
    """The practice's details (billing, format 3), or None when none were set."""
    practice = billing_store.get_practice(conn)
    return None if practice is None else dataclasses.asdict(practice)


def _check_signatures(document: dict[str, Any]) -> None:
    """Every signed note's and addendum's content hash must follow from its content."""
    hashes: dict[int, str] = {}
    for i, note in enumerate(document["notes"]):
        if note["signed_at"] is None:
            continue
        if not isinstance(note["signed_at"], str) or note["content_hash"] is None:
            raise ImportRefused(f"notes[{i}]: signed without a content hash")
        digest = rules.note_content_hash(
            client_id=note["client_id"],
            session_id=note["session_id"],
            kind=note["kind"],
            template=note["template"],
            service_date=note["service_date"],
            sections=note["body"],
            signed_at=note["signed_at"],
        )
        if digest != note["content_hash"]:
            raise ImportRefused(f"notes[{i}].content_hash: does not match the note")
        hashes[note["id"]] = digest
    for i, addendum in enumerate(document["addenda"]):
        digest = rules.addendum_content_hash(
            note_hash=hashes.get(addendum["note_id"], ""),
            text=addendum["body"],
            signed_at=addendum["signed_at"],
        )
        if digest != addendum["content_hash"]:
            raise ImportRefused(f"addenda[{i}].content_hash: does not match the addendum")
    _check_cosignatures(document, hashes)


def _check_cosignatures(document: dict[str, Any], hashes: dict[int, str]) -> None:
    """Every co-signature's hash must follow from its note's and its own line (format 7)."""
    for i, made in enumerate(document["cosignatures"]):
        digest = cosignature_hash(
            note_hash=hashes.get(made["note_id"], ""),
            login=made["login"],
            line=made["signature_line"],
            signed_at=made["signed_at"],
        )
        if digest != made["content_hash"]:
            raise ImportRefused(f"cosignatures[{i}].content_hash: does not match the note")


def _db_value(table: str, name: str, value: Any) -> Any:
    key = f"{table}.{name}"
    if key in fmt.JSON_COLUMNS:
        return rules.canonical_json(value)
    if key in fmt.BOOL_COLUMNS:
        return int(value)
    return value


def _insert_rows(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = _columns(table)
    sql = (
        f"INSERT INTO {table}({', '.join(columns)})"  # noqa: S608 - names from fmt.TABLES
        f" VALUES ({', '.join('?' for _ in columns)})"
    )
    db = driver()
    for i, row in enumerate(rows):
        try:
            clinical_refs.check(conn, table, row)  # no foreign keys across files (issue 17)
            conn.execute(sql, tuple(_db_value(table, c, row[c]) for c in columns))
        except db.IntegrityError:
            raise ImportRefused(
                f"{table}[{i}]: refused by the vault (a value out of range or a reference "
                "to a missing record)"
            ) from None


def _insert_all(conn: Connection, document: dict[str, Any], blobs: dict[str, bytes]) -> None:
    # Voided notes go in as signed, so their addenda can follow; then they are voided
    # (the one change the schema allows a signed note).
    voided = [n for n in document["notes"] if n["state"] == "voided"]
    notes = [
        {**n, "state": "signed", "voided_at": None, "void_reason": None, "voided_by": None}
        if n["state"] == "voided"
        else n
        for n in document["notes"]
    ]
    for table in fmt.TABLES:
        _insert_rows(conn, table, notes if table == "notes" else document[table])
    db = driver()
    for note in voided:
        try:
            conn.execute(
                "UPDATE notes SET state = 'voided', voided_at = ?, void_reason = ?, voided_by = ?"
                " WHERE id = ?",
                (note["voided_at"], note["void_reason"], note["voided_by"], note["id"]),
            )
        except db.IntegrityError:
            raise ImportRefused(f"notes (id {note['id']}): void refused by the vault") from None
    for meta in document["attachments"]:
        attachment_store.insert_blob(conn, meta["id"], blobs[meta["sha256"]])
