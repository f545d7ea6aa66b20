"""Backup benchmark: create + verify, and restore, of the reference and stress vaults
(testing.md "Benchmarks") vs a plain copy + fsync of the same bytes, as ratios with
absolute figures.

    python -m bench.backup_bench [--size reference|stress|all] [--runs 3] [--dir /var/tmp]

The vaults are the demo practices of bench/common.py (the stress one is five times the
reference), passphrase-only so no keyring is needed, with the real calibrated KDF. The
plain copy is `shutil.copyfile` (an in-kernel copy) plus fsync of the file and folder,
to the same folder the backups go to. Both contenders write through a warm page cache;
the backup's read-back first drops its file from the cache (docs/backup-format.md), so
it reads what the disk holds. Restore includes Argon2id runs; the KDF-free part is
printed too.

Each run interleaves: the plain copy, a backup (timed phase by phase: snapshot, row
counts, encrypt+write, fsync, read-back verify, the wait for the page check, and the
page check itself on its thread), one whose read-back may come from the cache, and one
that adds back format 1's two SHA-256 passes (issue 18 removed them), so the saving is
measured in the same run, not against an older one.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp

from bench.common import SIZES, TODAY, machine, timed
from therapynotes.atomic import fsync_dir
from therapynotes.backup import format as fmt
from therapynotes.backup import reader, snapshot, writer
from therapynotes.security import kdf
from therapynotes.security.secret import Secret
from therapynotes.services import demo
from therapynotes.services.backups import BackupService
from therapynotes.services.restore import RestoreService
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService

PASSPHRASE = "orange piano little sunset"


def build_vault(root: Path, size: str) -> VaultSession:
    svc = VaultService(root)
    created = svc.create(PASSPHRASE, passphrase_only=True)
    session = svc.unlock(PASSPHRASE, pyotp.TOTP(created.totp_secret).now())
    demo.build(session.conn, SIZES[size], today=TODAY)
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return session


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


# The writer's progress phases in order (writer.py's docstring), as printed here.
PHASE_NAMES = {
    "snapshot": "snapshot",
    "check": "row counts",
    "encrypt": "encrypt+write",
    "fsync": "fsync",
    "verify": "read-back verify",
    "check#2": "wait for page check",
}


class PhaseClock:
    """A progress callback that adds up wall time per phase of the writer's main thread
    (a phase seen again after another one is counted apart: "check#2" is the wait for
    the page check at the end); the page check itself runs beside them and is timed
    by `timed_page_check`."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._phase = ""
        self._seen: list[str] = []
        self._since = time.perf_counter()

    def __call__(self, phase: str, _done: int, _total: int) -> None:
        if phase != (self._seen[-1] if self._seen else ""):
            self.stop()
            self._seen.append(phase)
            n = self._seen.count(phase)
            self._phase = phase if n == 1 else f"{phase}#{n}"

    def stop(self) -> None:
        now = time.perf_counter()
        if self._phase:
            self.totals[self._phase] = self.totals.get(self._phase, 0.0) + now - self._since
        self._since = now


class timed_page_check:  # noqa: N801 - used like a function, as a context manager
    """Times snapshot.page_check (cipher_integrity_check on the writer's second thread)
    by wrapping it for the length of one run: bench-only accounting."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._real = snapshot.page_check

    def __enter__(self) -> timed_page_check:
        real = self._real

        def wrapped(path: Path, dek: Secret) -> None:
            started = time.perf_counter()
            try:
                real(path, dek)
            finally:
                self.seconds = time.perf_counter() - started

        snapshot.page_check = wrapped  # type: ignore[assignment]
        return self

    def __exit__(self, *_exc: object) -> None:
        snapshot.page_check = self._real  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--size", choices=[*sorted(SIZES), "all"], default="reference")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to work (a real disk)")
    args = parser.parse_args()
    print(f"backup bench: {machine()}")
    for size in sorted(SIZES) if args.size == "all" else [args.size]:
        work = Path(tempfile.mkdtemp(prefix="tn-bench-", dir=args.dir))
        try:
            run(work, size, args.runs)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def run(work: Path, size: str, runs: int) -> None:
    started = time.perf_counter()
    session = build_vault(work / "vault", size)
    db = work / "vault" / "vault.db"
    db_size = db.stat().st_size
    params = session.kdf_params
    print(
        f"\n{size} vault: {db_size / 2**20:.1f} MiB built in "
        f"{time.perf_counter() - started:.1f} s in {work}; "
        f"KDF m={params.m_kib} KiB t={params.t} p={params.p}"
    )
    drive = work / "drive"
    drive.mkdir()
    service = BackupService(session)
    copies, creates, cached, files, hashed = [], [], [], [], []
    phases: list[dict[str, float]] = []
    for _ in range(runs):
        copies.append(plain_copy(db, drive))
        clock = PhaseClock()
        with timed_page_check() as check:
            started = time.perf_counter()
            result = service.run(drive, progress=clock)
            creates.append(time.perf_counter() - started)
        clock.stop()
        phases.append({**clock.totals, "page check (2nd thread)": check.seconds})
        files.append(result.path)
        cached.append(timed(lambda: _run_reading_from_cache(service, drive)))
        hashed.append(timed(lambda: _run_with_format_1_hashing(service, drive)))
    backup = files[-1]
    copy_s, create_s = statistics.median(copies), statistics.median(creates)
    cached_s, hashed_s = statistics.median(cached), statistics.median(hashed)
    size_b = backup.stat().st_size
    print(f"backup file: {size_b / 2**20:.1f} MiB ({size_b / db_size:.3f}x the vault file)")
    print(
        f"plain copy + fsync (vault.db):   {copy_s:7.3f} s  {db_size / copy_s / 2**20:7.0f} MiB/s"
    )
    print(f"backup create + full verify:     {create_s:7.3f} s  "
          f"{db_size / create_s / 2**20:7.0f} MiB/s   ratio {create_s / copy_s:5.2f}x "
          f"(target <= 3x; median of {runs})")  # fmt: skip
    print(f"  same, read-back from the cache: {cached_s:7.3f} s  "
          f"{db_size / cached_s / 2**20:7.0f} MiB/s   ratio {cached_s / copy_s:5.2f}x "
          "(what dropping the cache costs)")  # fmt: skip
    print(f"  same, with format 1's two SHA-256 passes: {hashed_s:7.3f} s   "
          f"ratio {hashed_s / copy_s:5.2f}x (before issue 18)")  # fmt: skip
    print_phases(phases, copy_s)
    components(session, backup, work, copy_s)
    session.lock("bench", record=False)
    bench_restore(work, backup, drive, runs)


def print_phases(phases: list[dict[str, float]], copy_s: float) -> None:
    """Median of each phase over the runs, in seconds and as multiples of the copy."""
    print("  create + verify by phase (median of the runs; x plain copy):")
    names = {**PHASE_NAMES, "page check (2nd thread)": "page check (on the 2nd thread)"}
    for key, name in names.items():
        values = [p.get(key, 0.0) for p in phases]
        med = statistics.median(values)
        print(f"    {name:<34} {med:7.3f} s  {med / copy_s:6.2f}x")
    others = [k for p in phases for k in p if k not in names]
    if others:
        print(f"    (other phases seen: {sorted(set(others))})")


def _run_with_format_1_hashing(service: BackupService, drive: Path) -> None:
    """One run that also does what format 1 did and format 2 dropped: a SHA-256 pass over
    the snapshot before encrypting it, and one over the decrypted bytes on read-back
    (bench-only wrapping, to price the change side by side in the same run)."""
    real_contents, real_feed = snapshot.contents, reader.PayloadParser.feed
    digest = hashlib.sha256()

    def contents(path: Path, dek: Secret) -> tuple[dict[str, int], int, tuple[int, str]]:
        _sha256(path)
        return real_contents(path, dek)

    def feed(self: reader.PayloadParser, plain: bytes) -> bytes:
        data = real_feed(self, plain)
        digest.update(data)
        return data

    snapshot.contents = contents  # type: ignore[assignment]
    reader.PayloadParser.feed = feed  # type: ignore[method-assign]
    try:
        service.run(drive)
    finally:
        snapshot.contents = real_contents  # type: ignore[assignment]
        reader.PayloadParser.feed = real_feed  # type: ignore[method-assign]


@contextlib.contextmanager
def _reads_from_cache() -> Iterator[None]:
    """Read-backs that may be served from the page cache: no drop, no O_DIRECT
    (bench-only, to price reading from the drive side by side)."""
    real = reader._drop_cached
    reader._drop_cached = lambda _fh: None  # type: ignore[assignment]
    reader.DIRECT_READS = False
    try:
        yield
    finally:
        reader._drop_cached = real  # type: ignore[assignment]
        reader.DIRECT_READS = True


def _run_reading_from_cache(service: BackupService, drive: Path) -> None:
    with _reads_from_cache():
        service.run(drive)


def _decrypt_from_cache(opened: reader.OpenedBackup) -> None:
    with _reads_from_cache():
        reader.decrypt_snapshot(opened, None)


def components(session: VaultSession, backup: Path, work: Path, copy_s: float) -> None:
    """Each part of create + verify alone, as multiples of the plain copy: where the time
    goes, and the floor (the page check, which the writer cannot split)."""
    db, dek = work / "vault" / "vault.db", session.data_keys()  # both files (issue 17)
    snap = work / "c1.db"
    parts: dict[str, float] = {}
    parts["snapshot: raw copy under the write lock"] = timed(
        lambda: snapshot.take(db, snap, dek, progress=_quiet, cancel=_no)
    )
    conn = snapshot.open_keyed(snap, dek)
    tables = [str(r[0]) for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )]  # fmt: skip
    parts["row counts of the record tables"] = timed(lambda: snapshot.table_counts(conn))
    parts["(was) row counts incl. the FTS index"] = timed(
        lambda: snapshot.table_counts(conn, tables)
    )
    parts["PRAGMA cipher_integrity_check"] = timed(
        lambda: conn.execute("PRAGMA cipher_integrity_check").fetchall()
    )
    parts["(restore only) PRAGMA integrity_check"] = timed(
        lambda: conn.execute("PRAGMA integrity_check").fetchall()
    )
    conn.close()
    parts["(format 1 only, twice) SHA-256 of the snapshot"] = timed(lambda: _sha256(snap))
    parts["encrypt + write + fsync"] = timed(lambda: _encrypt_file(snap, work / "c2.bin"))
    opened = reader.open_backup(backup, passphrase=PASSPHRASE)
    parts["read back from the page cache (decrypt)"] = timed(lambda: _decrypt_from_cache(opened))
    parts["read back from the disk (as the writer does)"] = timed(
        lambda: reader.decrypt_snapshot(opened, None)
    )
    opened.close()
    print("  components alone (x plain copy):")
    for name, seconds in parts.items():
        print(f"    {name:<46} {seconds:7.3f} s  {seconds / copy_s:6.2f}x")
    floor = (
        parts["snapshot: raw copy under the write lock"] + parts["PRAGMA cipher_integrity_check"]
    )
    print(f"  floor with the page check kept (snapshot, then the check): {floor / copy_s:.2f}x")


def _sha256(path: Path) -> str:
    """What format 1 did twice per backup (before encrypting and on read-back)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(writer.READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _encrypt_file(src: Path, dest: Path) -> None:
    key = Secret(os.urandom(fmt.KEY_LEN))
    with open(src, "rb") as fin, open(dest, "wb") as out:
        stream = fmt.StreamWriter(out, key)
        while block := fin.read(writer.READ_BLOCK):
            stream.write(block)
        stream.finish()
        out.flush()
        os.fsync(out.fileno())
    dest.unlink()


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
            restores.append(timed(_restorer(target, backup)))
            kdf_parts.append(kdf_seconds[0])
            shutil.rmtree(target)
    finally:
        kdf.argon2id = real_argon2id  # type: ignore[assignment]
    restore_s, rcopy_s = statistics.median(restores), statistics.median(rcopies)
    rest = statistics.median(r - k for r, k in zip(restores, kdf_parts, strict=True))
    # Restore runs Argon2id more than once by design: open the file, calibrate the new
    # local slot, prove the new vault.keys opens. The KDF-free part is the fair ratio.
    print(f"plain copy + fsync (backup):     {rcopy_s:7.3f} s")
    print(
        f"restore total (incl. Argon2id):  {restore_s:7.3f} s   ratio {restore_s / rcopy_s:5.2f}x"
    )
    print(
        f"restore minus Argon2id ({statistics.median(kdf_parts):.2f} s): {rest:7.3f} s   "
        f"ratio {rest / rcopy_s:5.2f}x"
    )


def _restorer(target: Path, backup: Path) -> Callable[[], object]:
    return lambda: RestoreService(target).restore(
        backup, passphrase=PASSPHRASE, passphrase_only=True
    )


if __name__ == "__main__":
    main()
