"""Key-derivation calibration: one probe vs the fastest of three, side by side (issue 18).

    python -m bench.kdf_bench [--rounds N]

Each round calibrates twice, interleaved: with a single probe (as before) and with the
fastest of `kdf.PROBES` probes (now), then times one derivation with each result. On a
shared, busy machine a single probe is often slowed by other work, so it picks fewer
passes (down to the floor, t = 3) and the vault's passphrase is derived faster than the
1 s target; the fastest of three lands closer to it. Also shows what `kdf.stronger`
would re-wrap a single-probe slot to after such an unlock. Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench.common import machine
from therapynotes.security import kdf


def derive_seconds(params: kdf.KdfParams) -> float:
    key, elapsed = kdf.timed_argon2id("orange piano little sunset", params, time.perf_counter)
    key.wipe()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kdf_bench")
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args(sys.argv[1:])
    sides = {"one probe": 1, f"fastest of {kdf.PROBES}": kdf.PROBES}
    passes: dict[str, list[int]] = {name: [] for name in sides}
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    rewraps: list[str] = []
    for _ in range(opts.rounds):
        for name, probes in sides.items():
            params = kdf.calibrate(probes=probes)
            took = derive_seconds(params)
            passes[name].append(params.t)
            seconds[name].append(took)
            if probes == 1:
                better = kdf.stronger(params, took)
                rewraps.append("none" if better is None else f"t={params.t}->{better.t}")
    m_mib = kdf.calibrate(probes=1).m_kib // 1024
    print(f"machine: {machine()}; rounds: {opts.rounds}, interleaved; m = {m_mib} MiB, p = 4")
    for name in sides:
        t = passes[name]
        s = seconds[name]
        print(
            f"  {name}: t = {min(t)}..{max(t)} (median {statistics.median(t)}), one unlock's "
            f"derivation median {statistics.median(s):.2f} s (target {kdf.TARGET_SECONDS:.1f} s)"
        )
    print(f"  re-wrap after an unlock with the one-probe slot: {', '.join(rewraps)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
