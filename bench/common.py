"""Shared bench plumbing: machine description, timing, a throwaway keyring."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date

import keyring
from keyring.backend import KeyringBackend

from therapynotes.services import demo

# The vaults of testing.md "Benchmarks": a 10-year practice and one five times larger.
# 335 weekly sessions give client 1 about 300 notes (some are no-shows).
SIZES = {
    "reference": demo.DemoSpec(clients=300, years=10, seed=1, long_term_sessions=335),
    "stress": demo.DemoSpec(clients=1500, years=10, seed=1, long_term_sessions=335),
    # Twice the stress practice (issue 18: search must stay flat as the practice grows).
    "stress2x": demo.DemoSpec(clients=3000, years=10, seed=1, long_term_sessions=335),
}
TODAY = date(2027, 1, 10)


class BenchKeyring(KeyringBackend):
    """In-process keyring so a bench never touches the user's real one."""

    priority = 1  # type: ignore[assignment]
    name = "bench in-memory keyring"

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def use_bench_keyring() -> None:
    keyring.set_keyring(BenchKeyring())


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs, {cpu}"


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def summary(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms (n={len(ms)})"
