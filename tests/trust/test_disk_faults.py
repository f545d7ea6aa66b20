"""Disk faults under the vault folder itself (issue 8): a full disk (a small tmpfs where
the machine allows mounting, else an injected SQLITE_FULL) and a folder that turns
read-only, while notes are being saved. Each gives StorageError's clear message (never
a traceback or "unexpected error"), loses no save that returned, and the vault reopens.

The backup drive's faults (full, read-only, removed mid-write, cancelled) are covered in
tests/unit/backup/test_drive.py.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.disk import remount, tmpfs
from tests.support.trust import figure
from tests.support.vaults import code_for
from therapynotes.cli import main as cli_main
from therapynotes.cli.vault_cmds import integrity_problems
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.models import ClientFields
from therapynotes.errors import StorageError, TherapyNotesError
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.services.vault_create import CreatedVault
from therapynotes.store.connection import driver

STORAGE_TEXT = "Check that the disk is not full"
FULL_AT_UNLOCK = "disk that holds your vault is full"
SAVES: list[int] = []  # the saves that returned in the last _save_until_error


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "mnt", "1m") as mnt:
        if mnt is None:
            pytest.skip("cannot mount a tmpfs here; test_disk_full_injected covers it")
        yield mnt


def _unlock(svc: VaultService, created: CreatedVault, clock: FakeClock) -> VaultSession:
    clock.advance(30)
    return svc.unlock(STRONG, code_for(created, clock()))


def _save_until_error(
    records: RecordsService, client: ClientId, limit: int
) -> tuple[dict[NoteId, str], TherapyNotesError | None]:
    """Autosave notes until a save fails; (each note's last returned text, the error)."""
    returned: dict[NoteId, str] = {}
    SAVES.clear()
    try:
        for i in range(limit):
            if i % 4 == 0:
                note = records.start_note(client, "freeform", sections={"text": "new"})
                returned[note] = "new"
            text = f"save {i} " + "x" * 20_000
            records.save_draft(note, {"text": text})
            returned[note] = text
            SAVES.append(i)
    except TherapyNotesError as exc:
        return returned, exc
    return returned, None


def _cli_check(
    root: Path, created: CreatedVault, clock: FakeClock, monkeypatch: Any, capsys: Any
) -> tuple[int, str]:
    clock.advance(30)
    monkeypatch.setattr(
        "therapynotes.cli.common.VaultService", lambda r: VaultService(r, clock=clock)
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{STRONG}\n{code_for(created, clock())}\n"))
    capsys.readouterr()
    code = cli_main(["--vault", str(root), "--passphrase-stdin", "check"])
    return code, capsys.readouterr().err


def _reopen_and_compare(
    svc: VaultService, created: CreatedVault, clock: FakeClock, returned: dict[NoteId, str]
) -> None:
    session = _unlock(svc, created, clock)
    try:
        assert integrity_problems(session) == []
        records = RecordsService(session, clock=clock)
        for note, text in returned.items():
            assert records.get_note(note).sections["text"] == text, f"note {note} lost a save"
    finally:
        session.lock("test")


def test_disk_full_while_saving_notes(
    small_fs: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    root = small_fs / "vault"
    svc = VaultService(root, clock=clock)
    created = svc.create(STRONG)
    session = _unlock(svc, created, clock)
    records = RecordsService(session, clock=clock)
    client = records.create_client(ClientFields(legal_name="Full Disk"))
    returned, error = _save_until_error(records, client, 10_000)
    saves = len(SAVES)
    assert isinstance(error, StorageError), repr(error)
    assert STORAGE_TEXT in error.message
    assert not session.conn.in_transaction  # the failed save left nothing half-open
    more, again = _save_until_error(records, client, 4)  # still full: the same clear error
    assert isinstance(again, StorageError)
    returned.update(more)
    session.lock("test")  # a lock never fails on a full disk

    code, err = _cli_check(root, created, clock, monkeypatch, capsys)
    assert code in (0, 1) and "Traceback" not in err and "internal error" not in err
    assert code == 0 or STORAGE_TEXT in err or FULL_AT_UNLOCK in err  # issue 12: says full

    remount(small_fs, "size=64m")  # the therapist frees some space
    _reopen_and_compare(svc, created, clock, returned)
    figure("disk.full.saves_before_full", saves, note="1 MiB tmpfs under the vault folder")
    figure("disk.full.message", type(error).__name__, note=error.message)
    figure("disk.full.saves_lost", 0, note="every returned save present after reopening")


def _digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_read_only_folder(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A vault on a filesystem that is now read-only (remounted, or a write-protected
    drive). Linux refuses to remount a filesystem read-only while files are open for
    writing, so the vault is locked first; a save failing mid-session is injected in
    test_save_fails_mid_session_injected."""
    with tmpfs(tmp_path / "mnt", "32m") as mnt:
        if mnt is None:
            pytest.skip("cannot mount a tmpfs here (chmod does not stop root)")
        root = mnt / "vault"
        svc = VaultService(root, clock=clock)
        created = svc.create(STRONG)
        session = _unlock(svc, created, clock)
        records = RecordsService(session, clock=clock)
        client = records.create_client(ClientFields(legal_name="Read Only"))
        returned, error = _save_until_error(records, client, 6)
        assert error is None
        session.lock("test")
        before = _digest(root)
        remount(mnt, "ro")
        with pytest.raises(StorageError) as info:
            _unlock(svc, created, clock)
        assert STORAGE_TEXT in info.value.message
        code, err = _cli_check(root, created, clock, monkeypatch, capsys)
        assert code == 1 and STORAGE_TEXT in err and "internal error" not in err
        remount(mnt, "rw")
        assert _digest(root) == before
        _reopen_and_compare(svc, created, clock, returned)
    figure("disk.readonly.message", "StorageError", note=info.value.message)
    figure("disk.readonly.saves_lost", 0)


class _FailingCommit:
    """The vault connection, except that COMMIT fails as SQLite does on a full disk
    (SQLITE_FULL) or a read-only one (SQLITE_READONLY)."""

    def __init__(self, conn: Any, code: int, name: str) -> None:
        self._conn = conn
        self.code, self.name = code, name
        self.failing = True

    def execute(self, sql: str, *args: Any) -> Any:
        if self.failing and sql == "COMMIT":
            exc = driver().OperationalError(self.name)
            exc.sqlite_errorcode = self.code
            exc.sqlite_errorname = self.name
            raise exc
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


@pytest.mark.parametrize(("code", "name"), [(13, "SQLITE_FULL"), (8, "SQLITE_READONLY")])
def test_save_fails_mid_session_injected(
    unlocked: VaultSession, records: RecordsService, code: int, name: str
) -> None:
    """Where no tmpfs can be mounted, and for a folder that turns read-only mid-session:
    the same clear error, the failed save rolled back, and the next save works."""
    client = records.create_client(ClientFields(legal_name="Injected"))
    note = records.start_note(client, "freeform", sections={"text": "kept"})
    real = unlocked._conn
    failing = _FailingCommit(real, code, name)
    unlocked._conn = failing
    try:
        with pytest.raises(StorageError) as info:
            records.save_draft(note, {"text": "lost to the full disk"})
        assert STORAGE_TEXT in info.value.message
        assert not real.in_transaction
        assert records.get_note(note).sections["text"] == "kept"
        failing.failing = False
        records.save_draft(note, {"text": "saved after space was freed"})
    finally:
        unlocked._conn = real
    assert records.get_note(note).sections["text"] == "saved after space was freed"
