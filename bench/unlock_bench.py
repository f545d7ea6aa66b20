"""Unlock time vs the Argon2id call alone: the overhead our code adds beyond the KDF.

    python -m bench.unlock_bench [--rounds N]

Creates a vault with parameters calibrated on this machine (about 1 s), then times,
interleaved round by round, (a) Argon2id with the vault's parameters and (b) a full
unlock (key file, keyring, Argon2id, slot, SQLCipher open, TOTP, migrations, audit).
The overhead is measured inside each unlock (its total minus the Argon2id call it made),
so machine noise between rounds does not blur it. Target: overhead under 150 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyotp

from bench.common import machine, summary, timed, use_bench_keyring
from therapynotes.security import kdf
from therapynotes.security.secret import Secret
from therapynotes.services.vault import VaultService

PASSPHRASE = "orange piano little sunset"


class StepClock:
    """Each unlock needs a fresh TOTP step (replay protection): move 30 s per call."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class KdfTimer:
    """Wraps kdf.argon2id to record how long each call inside an unlock took."""

    def __init__(self) -> None:
        self.inner = kdf.argon2id
        self.last = 0.0

    def __call__(self, passphrase: str, params: kdf.KdfParams) -> Secret:
        started = time.perf_counter()
        try:
            return self.inner(passphrase, params)
        finally:
            self.last = time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    use_bench_keyring()
    clock = StepClock()
    with tempfile.TemporaryDirectory() as tmp:
        svc = VaultService(Path(tmp) / "vault", clock=clock)
        created = svc.create(PASSPHRASE)
        params = svc.status().kdf
        totp = pyotp.TOTP(created.totp_secret)
        kdf_times, unlock_times, overhead = [], [], []
        timer = KdfTimer()
        kdf.argon2id = timer  # type: ignore[assignment]
        for _ in range(args.rounds):
            kdf_times.append(timed(lambda: timer.inner(PASSPHRASE, params)))
            clock.now += 30
            code = totp.at(clock.now)
            total = timed(lambda code=code: svc.unlock(PASSPHRASE, code).lock())
            unlock_times.append(total)
            overhead.append(total - timer.last)
        kdf.argon2id = timer.inner
    print(f"machine: {machine()}")
    print(f"kdf: argon2id m={params.m_kib} KiB t={params.t} p={params.p}")
    print(f"argon2id alone: {summary(kdf_times)}")
    print(f"full unlock:    {summary(unlock_times)}")
    print(f"overhead beyond the KDF (inside each unlock): {summary(overhead)}")
    ratio = statistics.median(unlock_times) / statistics.median(kdf_times)
    print(f"ratio unlock / argon2id: {ratio:.3f}")
    verdict = "meets" if statistics.median(overhead) < 0.150 else "MISSES"
    print(f"target overhead < 150 ms: {verdict}")


if __name__ == "__main__":
    main()
