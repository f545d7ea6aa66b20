"""How long storing and opening an attachment on the database worker holds the UI thread
back, phase by phase: the code before issue 18's fix (one SELECT or INSERT of the whole
blob, then a QByteArray copy of a PDF or QImage.fromData of an image for the viewer)
against the app's (chunked blob I/O, the chunks kept as they are and read through a
ChunkDevice, the image decoded by QImageReader and scaled to the screen: store/
attachments.py, ui/attachment_viewer.py), interleaved in one run (old, new, old, new...).
Files: a 20 MB PDF (random bytes, as bench.ui_lag_bench) and a 12-megapixel JPEG.

The work runs on a Python thread standing in for the worker, as in the app; the main
thread, standing in for the UI thread, sleeps 0.5 ms at a time and records its longest
gap: how long it could not get the GIL (or a CPU) back. For that worst gap it also says
where its time went (ran / waited in the run queue for a CPU / asleep: the GIL, or the
sleep itself), read from /proc/thread-self/schedstat. The worker's phases are timed
wall-clock. Stores are rolled back so every round starts from the same vault. Not a
test: nothing asserts.

Usage: .venv/bin/python -m bench.attachment_gil_bench [--rounds N] [--mb M]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyotp  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from bench.common import machine, use_bench_keyring  # noqa: E402
from therapynotes.app import make_application  # noqa: E402
from therapynotes.domain.ids import AttachmentId  # noqa: E402
from therapynotes.domain.models import ClientFields  # noqa: E402
from therapynotes.services.records import RecordsService  # noqa: E402
from therapynotes.services.session import VaultSession  # noqa: E402
from therapynotes.services.vault import VaultService  # noqa: E402
from therapynotes.store import attachments  # noqa: E402
from therapynotes.ui.attachment_viewer import load_attachment, prepare  # noqa: E402

PASSPHRASE = "orange piano little sunset"
Phases = dict[str, float]


def _schedstat() -> tuple[int, int]:
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as fh:
            ran, waited, _slices = fh.read().split()
        return int(ran), int(waited)
    except (OSError, ValueError):
        return 0, 0


def probe(work: Callable[[Phases], None]) -> tuple[float, tuple[float, float, float], Phases]:
    """Run `work` on a thread; the calling thread's longest gap (ms) while it ran, that
    gap's split (ran, CPU wait, asleep; ms) and the worker's phase times (ms)."""
    phases: Phases = {}
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work(phases)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    thread = threading.Thread(target=run)
    worst, split = 0.0, (0.0, 0.0, 0.0)
    last, stat = time.perf_counter(), _schedstat()
    thread.start()
    while thread.is_alive():
        time.sleep(0.0005)
        now, now_stat = time.perf_counter(), _schedstat()
        gap = (now - last) * 1000
        if gap > worst:
            ran = (now_stat[0] - stat[0]) / 1e6
            queued = (now_stat[1] - stat[1]) / 1e6
            worst, split = gap, (ran, queued, max(0.0, gap - ran - queued))
        last, stat = now, now_stat
    thread.join()
    if failed:
        raise failed[0]
    return worst, split, phases


def _timed(phases: Phases, name: str, fn: Callable[[], object]) -> object:
    started = time.perf_counter()
    result = fn()
    phases[name] = (time.perf_counter() - started) * 1000
    return result


SCREEN = QSize(1600, 1000)


def old_open(session: VaultSession, att: AttachmentId) -> Callable[[Phases], None]:
    """main before this change: one SELECT of the blob, its hash, a QByteArray copy of
    a PDF or QImage.fromData of an image."""

    def work(phases: Phases) -> None:
        conn = session.conn
        with session.db_lock:
            meta = attachments.get_meta(conn, att)
            assert meta is not None
            row = _timed(
                phases,
                "read",
                lambda: conn.execute(
                    "SELECT data FROM attachment_blobs WHERE attachment_id = ?", (att,)
                ).fetchone(),
            )
            data = bytes(row[0])  # type: ignore[index]
            digest = _timed(phases, "hash", lambda: hashlib.sha256(data).hexdigest())
            assert digest == meta.sha256
        if meta.media_type.startswith("image/"):
            _timed(phases, "decode", lambda: QImage.fromData(data))
        else:
            _timed(phases, "viewer copy", lambda: QByteArray(data))

    return work


def new_open(session: VaultSession, att: AttachmentId) -> Callable[[Phases], None]:
    """The app now: chunked read, hashed as it passes, chunks kept; images decoded by
    QImageReader from them and scaled to the screen; a PDF needs no step here."""

    def work(phases: Phases) -> None:
        meta, data = _timed(phases, "read+hash", lambda: load_attachment(session, att))  # type: ignore[misc]
        name = "decode+scale" if meta.media_type.startswith("image/") else "viewer copy"
        _timed(phases, name, lambda: prepare(meta, data, SCREEN))

    return work


def old_store(session: VaultSession, data: bytes) -> Callable[[Phases], None]:
    def work(phases: Phases) -> None:
        conn = session.conn
        _timed(phases, "hash", lambda: hashlib.sha256(data).hexdigest())
        with session.db_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                _timed(
                    phases,
                    "insert",
                    lambda: conn.execute(
                        "INSERT INTO attachment_blobs(attachment_id, data) VALUES (?, ?)",
                        (999_999, data),
                    ),
                )
            finally:
                conn.execute("ROLLBACK")

    return work


def new_store(session: VaultSession, data: bytes) -> Callable[[Phases], None]:
    def work(phases: Phases) -> None:
        conn = session.conn
        _timed(phases, "hash", lambda: hashlib.sha256(data).hexdigest())
        with session.db_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                _timed(
                    phases,
                    "insert",
                    lambda: attachments.insert_blob(conn, AttachmentId(999_999), data),
                )
            finally:
                conn.execute("ROLLBACK")

    return work


_JPEG: list[bytes] = []


def _jpeg() -> bytes:
    """A 4000 x 3000 photo-like JPEG (noise over bands of colour), made once."""
    if not _JPEG:
        width, height = 4000, 3000
        noise = bytearray(os.urandom(width * height * 3))
        for row in range(0, height, 8):  # bands, so it compresses like a photo, not noise
            start = row * width * 3
            noise[start : start + width * 3 * 4] = bytes([row % 251, 90, 160]) * (width * 4)
        image = QImage(bytes(noise), width, height, width * 3, QImage.Format.Format_RGB888)
        out = QByteArray()
        buffer = QBuffer(out)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "JPG", 85)
        _JPEG.append(bytes(out.data()))
    return _JPEG[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--mb", type=int, default=20)
    args = parser.parse_args()
    use_bench_keyring()
    print(machine())
    app = make_application()  # the app's GIL switch interval
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms, {args.mb} MB file")
    with tempfile.TemporaryDirectory() as tmp:
        vault = VaultService(Path(tmp) / "vault")
        created = vault.create(PASSPHRASE, passphrase_only=True)
        session = vault.unlock(PASSPHRASE, pyotp.TOTP(created.totp_secret).now())
        records = RecordsService(session)
        client = records.create_client(ClientFields(legal_name="Bench Client"))
        data = os.urandom(args.mb * 1024 * 1024)
        att = records.add_attachment(
            client, filename="scan.pdf", media_type="application/pdf", data=data
        )
        photo = records.add_attachment(
            client, filename="photo.jpg", media_type="image/jpeg", data=_jpeg()
        )
        session.conn.execute("PRAGMA foreign_keys = OFF")  # the rolled-back blob rows
        cases = {
            "open": (old_open(session, att), new_open(session, att)),
            "image": (old_open(session, photo), new_open(session, photo)),
            "store": (old_store(session, data), new_store(session, data)),
        }
        results: dict[tuple[str, str], list[tuple[float, tuple[float, float, float], Phases]]]
        results = {(c, v): [] for c in cases for v in ("old", "new")}
        for _ in range(args.rounds):
            for case, (old, new) in cases.items():
                results[(case, "old")].append(probe(old))
                results[(case, "new")].append(probe(new))
        for case in cases:
            worst = {v: [r[0] for r in results[(case, v)]] for v in ("old", "new")}
            for version in ("old", "new"):
                runs = results[(case, version)]
                gaps = worst[version]
                top = max(runs, key=lambda r: r[0])
                phases = {name: statistics.median(r[2][name] for r in runs) for name in runs[0][2]}
                print(
                    f"{case:<5} {version}: longest UI gap median {statistics.median(gaps):5.1f}"
                    f" ms, max {max(gaps):5.1f} ms (worst = ran {top[1][0]:4.1f} + CPU wait"
                    f" {top[1][1]:4.1f} + asleep {top[1][2]:4.1f}); worker phases (median ms): "
                    + ", ".join(f"{k} {v:.1f}" for k, v in phases.items())
                )
            old_median = statistics.median(worst["old"])
            ratio = statistics.median(worst["new"]) / old_median if old_median else float("nan")
            print(f"{case:<5} median longest UI gap, new / old: {ratio:.2f}x")
        photo_mb = len(_jpeg()) / 1e6
        print(f"(open: the {args.mb} MB PDF; image: the {photo_mb:.1f} MB 4000 x 3000 JPEG)")
        session.lock("bench finished")
    del app


if __name__ == "__main__":
    main()
