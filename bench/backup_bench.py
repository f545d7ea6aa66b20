"""Backup benchmark: create + verify, and restore, vs a plain copy + fsync of the same
bytes, printed as ratios with absolute figures (testing.md "Benchmarks").

    python -m bench.backup_bench [--mb 200] [--runs 3] [--dir /var/tmp]

Builds its own vault of about --mb MiB (random-ish rows; the demo generator arrives with
another issue), passphrase-only so it needs no keyring, with the real calibrated KDF.
Restore includes two Argon2id runs and a calibration; the KDF-free overhead is printed
too. Page cache is warm for every contender alike (no cache dropping).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyotp

from therapynotes.atomic import fsync_dir
from therapynotes.backup import reader, snapshot, writer
from therapynotes.backup.manifest import PayloadParser
from therapynotes.security import kdf
from therapynotes.security.secret import Secret
from therapynotes.services.backups import BackupService
from therapynotes.services.restore import RestoreService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import transaction

PASSPHRASE = "orange piano little sunset"
ROW_BYTES = 3000


def build_vault(root: Path, megabytes: int) -> tuple[VaultSession, str]:
    svc = VaultService(root)
    created = svc.create(PASSPHRASE, passphrase_only=True)
    session = svc.unlock(PASSPHRASE, pyotp.TOTP(created.totp_secret).now())
    conn = session.conn
    rows = megabytes * 1024 * 1024 // (2 * ROW_BYTES)
    with transaction(conn):
        conn.execute("CREATE TABLE bench_notes (id INTEGER PRIMARY KEY, client INT, body TEXT)")
        for i in range(rows):
            body = os.urandom(ROW_BYTES).hex()  # 6,000 characters of text per note
            conn.execute("INSERT INTO bench_notes(client, body) VALUES (?, ?)", (i % 60, body))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return session, created.totp_secret


def plain_copy(src: Path, dest_dir: Path) -> float:
    dest = dest_dir / f"copy-{time.monotonic_ns()}"
    started = time.perf_counter()
    shutil.copyfile(src, dest)
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(dest_dir)
    elapsed = time.perf_counter() - started
    dest.unlink()
    return elapsed


class PhaseClock:
    """A progress callback that adds up wall time per phase (snapshot, encrypt, verify)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._phase = ""
        self._since = time.perf_counter()

    def __call__(self, phase: str, _done: int, _total: int) -> None:
        if phase != self._phase:
            self.stop()
            self._phase = phase

    def stop(self) -> None:
        now = time.perf_counter()
        if self._phase:
            self.totals[self._phase] = self.totals.get(self._phase, 0.0) + now - self._since
        self._since = now


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to work (a real disk)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tn-bench-", dir=args.dir))
    try:
        run(work, args.mb, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, megabytes: int, runs: int) -> None:
    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, work dir {work}"
    )
    started = time.perf_counter()
    session, _ = build_vault(work / "vault", megabytes)
    db_size = (work / "vault" / "vault.db").stat().st_size
    params = session.kdf_params
    print(
        f"vault: {db_size / 2**20:.1f} MiB built in {time.perf_counter() - started:.1f} s; "
        f"KDF m={params.m_kib} KiB t={params.t} p={params.p}"
    )
    drive = work / "drive"
    drive.mkdir()
    service = BackupService(session)
    copies, creates, files = [], [], []
    phases: dict[str, float] = {}
    for _ in range(runs):
        copies.append(plain_copy(work / "vault" / "vault.db", drive))
        clock = PhaseClock()
        started = time.perf_counter()
        result = service.run(drive, progress=clock)
        creates.append(time.perf_counter() - started)
        clock.stop()
        phases = clock.totals
        files.append(result.path)
    backup = files[-1]
    copy_s, create_s = statistics.median(copies), statistics.median(creates)
    size = backup.stat().st_size
    print(f"backup file: {size / 2**20:.1f} MiB ({size / db_size:.3f}x the vault file)")
    print(
        f"plain copy + fsync (vault.db):   {copy_s:7.3f} s  {db_size / copy_s / 2**20:7.0f} MiB/s"
    )
    print(f"backup create + full verify:     {create_s:7.3f} s  "
          f"{db_size / create_s / 2**20:7.0f} MiB/s   ratio {create_s / copy_s:5.2f}x "
          f"(target <= 3x)")  # fmt: skip
    print("  last run by phase: " + ", ".join(f"{k} {v:.3f} s" for k, v in phases.items()))
    components(session, backup, work, copy_s)
    session.lock("bench", record=False)
    bench_restore(work, backup, drive, runs)


def components(session: VaultSession, backup: Path, work: Path, copy_s: float) -> None:
    """Where the time goes, each part alone, as multiples of the plain copy: the data for
    deciding which checks to keep if the 3x target matters more than the full pipeline."""
    db, dek = work / "vault" / "vault.db", session.dek
    parts: dict[str, float] = {}
    parts["snapshot: raw copy under the write lock"] = timed(
        lambda: snapshot.take(db, work / "c1.db", dek, progress=_quiet, cancel=_no)
    )

    def backup_api() -> None:
        target = work / "c2.db"
        target.touch(mode=0o600)
        conn = snapshot.open_keyed(target, dek)
        conn.execute("PRAGMA journal_mode = OFF").fetchall()
        conn.execute("PRAGMA synchronous = OFF")
        session.conn.backup(conn, pages=4096)
        conn.close()

    parts["(was) snapshot with the SQLite backup API"] = timed(backup_api)
    parts["SHA-256 of the snapshot"] = timed(lambda: writer._snapshot_digest(work / "c1.db"))
    opened = reader.open_backup(backup, passphrase=PASSPHRASE)

    def decrypt_only() -> None:
        parser = PayloadParser()
        with open(backup, "rb") as fh:
            for plain in reader._plaintext(opened, fh):
                parser.feed(plain)

    parts["decrypt every chunk (no write)"] = timed(decrypt_only)
    parts["read-back: decrypt + SHA-256 (no write)"] = timed(
        lambda: reader.decrypt_snapshot(opened, None)
    )
    parts["(was) decrypt every chunk to a temp file"] = timed(
        lambda: reader.decrypt_snapshot(opened, work / "c3.db", durable=False)
    )
    conn = snapshot.open_keyed(work / "c1.db", dek)
    parts["PRAGMA cipher_integrity_check"] = timed(
        lambda: conn.execute("PRAGMA cipher_integrity_check").fetchall()
    )
    parts["(restore only) PRAGMA integrity_check"] = timed(
        lambda: conn.execute("PRAGMA integrity_check").fetchall()
    )
    parts["row counts"] = timed(lambda: snapshot.table_counts(conn))
    parts["checkpoint of a 0-frame copy (open + close)"] = timed(
        lambda: snapshot.open_keyed(work / "c1.db", dek).close()
    )
    conn.close()
    opened.close()
    print("  components alone (x plain copy):")
    for name, seconds in parts.items():
        print(f"    {name:<40} {seconds:7.3f} s  {seconds / copy_s:6.2f}x")


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


def _no() -> bool:
    return False


def bench_restore(work: Path, backup: Path, drive: Path, runs: int) -> None:
    kdf_seconds = [0.0]
    real_argon2id = kdf.argon2id

    def counted_argon2id(passphrase: str, params: kdf.KdfParams) -> Secret:
        started = time.perf_counter()
        try:
            return real_argon2id(passphrase, params)
        finally:
            kdf_seconds[0] += time.perf_counter() - started

    kdf.argon2id = counted_argon2id  # type: ignore[assignment]  # bench-only accounting
    restores, rcopies, kdf_parts = [], [], []
    try:
        for i in range(runs):
            rcopies.append(plain_copy(backup, drive))
            target = work / f"restored-{i}"
            kdf_seconds[0] = 0.0
            restores.append(
                timed(
                    lambda t=target: RestoreService(t).restore(  # type: ignore[misc]
                        backup, passphrase=PASSPHRASE, passphrase_only=True
                    )
                )
            )
            kdf_parts.append(kdf_seconds[0])
            shutil.rmtree(target)
    finally:
        kdf.argon2id = real_argon2id  # type: ignore[assignment]
    restore_s, rcopy_s = statistics.median(restores), statistics.median(rcopies)
    rest = statistics.median(r - k for r, k in zip(restores, kdf_parts, strict=True))
    # Restore runs Argon2id three times by design: open the file, calibrate the new
    # local slot, prove the new vault.keys opens. The KDF-free part is the fair ratio.
    print(f"plain copy + fsync (backup):     {rcopy_s:7.3f} s")
    print(
        f"restore total (incl. Argon2id):  {restore_s:7.3f} s   ratio {restore_s / rcopy_s:5.2f}x"
    )
    print(
        f"restore minus Argon2id ({statistics.median(kdf_parts):.2f} s): {rest:7.3f} s   "
        f"ratio {rest / rcopy_s:5.2f}x"
    )


if __name__ == "__main__":
    main()
