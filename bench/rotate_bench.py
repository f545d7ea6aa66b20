"""Data-key rotation benchmark: rotate the reference (or stress) demo vault, phase by
phase, next to a plain copy + fsync of the same file, and (with --methods) the three ways
to copy a SQLCipher file under a new key side by side.

    python -m bench.rotate_bench [--size reference|stress] [--runs 3] [--dir DIR] [--methods]

The vault is the demo practice of bench/common.py, passphrase-only (no keyring needed)
with the real calibrated KDF. "prepare" is the Argon2id run that checks the passphrase;
"copy", "check" and "switch" are the rotation proper (services/rotation.py). Methods:
the SQLite backup API between two keyed connections (what the app uses), `sqlcipher_export`
into an attached database, and a file copy then `PRAGMA rekey` of the copy. Not a test:
nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.backup_bench import PASSPHRASE, build_vault, plain_copy
from bench.common import machine
from therapynotes.security.secret import Secret
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store.connection import close_db, open_db


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keyed(path: Path, key: Secret) -> object:
    return open_db(path, key, create=not path.exists(), pragmas=("PRAGMA journal_mode = DELETE",))


def method_backup_api(src: Path, dest: Path, old: Secret, new: Secret) -> None:
    source, target = open_db(src, old), _keyed(dest, new)
    source.backup(target)
    close_db(target)
    close_db(source)
    _fsync(dest)


def method_export(src: Path, dest: Path, old: Secret, new: Secret) -> None:
    source = open_db(src, old)
    source.execute(f"ATTACH DATABASE ? AS rotated KEY \"x'{new.reveal().hex()}'\"", (str(dest),))
    source.execute("SELECT sqlcipher_export('rotated')").fetchall()
    source.execute("DETACH DATABASE rotated")
    close_db(source)
    _fsync(dest)


def method_copy_rekey(src: Path, dest: Path, old: Secret, new: Secret) -> None:
    shutil.copyfile(src, dest)
    conn = open_db(dest, old, pragmas=("PRAGMA journal_mode = DELETE",))
    conn.execute(f"PRAGMA rekey = \"x'{new.reveal().hex()}'\"")
    close_db(conn)
    _fsync(dest)


METHODS = {
    "backup API (the app)": method_backup_api,
    "sqlcipher_export": method_export,
    "copy + PRAGMA rekey": method_copy_rekey,
}


def _median(values: list[float]) -> float:
    return statistics.median(values)


def rotate_runs(work: Path, session: VaultSession, runs: int) -> None:
    svc = VaultService(session.paths.root)
    db = session.paths.db
    size = db.stat().st_size
    copies = [plain_copy(db, work) for _ in range(runs)]
    totals: list[float] = []
    prepares: list[float] = []
    phases: dict[str, list[float]] = {}
    pages = 0
    rotation = KeyRotation(svc)
    for _ in range(runs):
        started = time.perf_counter()
        plan = rotation.prepare(session, PASSPHRASE, new_recovery_key=True)
        prepares.append(time.perf_counter() - started)
        try:
            result = rotation.run(plan)
        finally:
            plan.close()
        totals.append(result.seconds)
        pages = result.pages
        for name, seconds in result.phases.items():
            phases.setdefault(name, []).append(seconds)
    copy = _median(copies)
    total = _median(totals)
    print(f"  vault.db {size / 2**20:.1f} MiB, {pages} pages; medians of {runs} runs")
    print(f"  plain copy + fsync           {copy:7.2f} s")
    print(f"  rotation (copy+check+switch) {total:7.2f} s  = {total / copy:5.1f}x the plain copy")
    for name in ("copy", "check", "switch"):
        seconds = _median(phases.get(name, [0.0]))
        print(f"    {name:<26} {seconds:7.2f} s")
    print(f"  prepare (Argon2id check)     {_median(prepares):7.2f} s")
    print(f"  throughput                   {size / 2**20 / total:7.1f} MiB/s")


def method_runs(work: Path, session: VaultSession, runs: int) -> None:
    db = session.paths.db
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    old = Secret(session.data_keys().reveal()[:32])  # vault.db alone: its shared key
    print("  copying methods (a scratch file each; medians):")
    for name, method in METHODS.items():
        times = []
        for i in range(runs):
            dest = work / f"method-{i}.db"
            new = Secret(os.urandom(32))
            started = time.perf_counter()
            method(db, dest, old, new)
            times.append(time.perf_counter() - started)
            conn = open_db(dest, new, pragmas=())
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            close_db(conn)
            dest.unlink()
        note = "" if version else "  (user_version lost: schema version must be copied by hand)"
        print(f"    {name:<26} {_median(times):7.2f} s{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--size", choices=["reference", "stress"], default="reference")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to work (a real disk)")
    parser.add_argument("--methods", action="store_true", help="compare the copy methods too")
    args = parser.parse_args()
    print(f"rotate bench: {machine()}")
    work = Path(tempfile.mkdtemp(prefix="tn-bench-", dir=args.dir))
    try:
        started = time.perf_counter()
        session = build_vault(work / "vault", args.size)
        print(f"\n{args.size} vault built in {time.perf_counter() - started:.1f} s in {work}")
        rotate_runs(work, session, args.runs)
        if args.methods:
            method_runs(work, session, args.runs)
        session.lock("bench")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
