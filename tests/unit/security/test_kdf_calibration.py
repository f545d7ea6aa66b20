"""Issue 18: calibration takes the fastest of several probes (a busy computer only ever
makes a probe slower), and `kdf.stronger` offers a re-wrap only after an unlock that ran
well under the target, always within the caps (m <= 256 MiB, t <= 32, p <= 4)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from therapynotes.security import kdf
from therapynotes.security.kdf import KdfParams

MIB = 1024


class NoisyTimer:
    """A fake perf_counter: each probe takes the next of `durations` seconds."""

    def __init__(self, durations: list[float]) -> None:
        self.ticks: Iterator[float] = iter(self._ticks(durations))
        self.calls = 0

    @staticmethod
    def _ticks(durations: list[float]) -> Iterator[float]:
        now = 100.0
        for duration in durations:
            yield now
            now += duration
            yield now
            now += 7.0  # time passes between probes too

    def __call__(self) -> float:
        self.calls += 1
        return next(self.ticks)


@pytest.fixture
def real_mode(monkeypatch: pytest.MonkeyPatch) -> list[KdfParams]:
    """The app's own rules (no cheap profile), with derivations recorded, not run."""
    derived: list[KdfParams] = []

    def fake_argon2id(_passphrase: str, params: KdfParams) -> kdf.Secret:
        params.check()
        derived.append(params)
        return kdf.Secret(b"k" * 32)

    monkeypatch.setattr(kdf, "_test_profile", None)
    monkeypatch.setattr(kdf, "argon2id", fake_argon2id)
    monkeypatch.setattr(kdf, "_available_memory_kib", lambda: 64 * 1024 * 1024)
    return derived


def test_calibration_picks_the_fastest_of_noisy_probes(real_mode: list[KdfParams]) -> None:
    # A busy computer: the first and last probes were slowed by other work.
    timer = NoisyTimer([3.0, 0.3, 1.5])
    params = kdf.calibrate(1.0, timer=timer)
    assert len(real_mode) == kdf.PROBES == 3
    assert all(p.t == kdf.FLOOR_T and p.m_kib == 256 * MIB for p in real_mode)
    # 0.3 s for 3 passes -> 0.1 s a pass -> 10 passes for 1 s. The slow first probe
    # alone would have given the floor (3), as the single wall-clock probe did.
    assert (params.m_kib, params.t, params.p) == (256 * MIB, 10, 4)
    params.check()


def test_one_probe_on_a_busy_computer_would_get_the_floor(real_mode: list[KdfParams]) -> None:
    params = kdf.calibrate(1.0, timer=NoisyTimer([3.0]), probes=1)
    assert params.t == kdf.FLOOR_T


def test_calibration_stays_within_the_caps_on_a_very_fast_computer(
    real_mode: list[KdfParams],
) -> None:
    params = kdf.calibrate(1.0, timer=NoisyTimer([1e-5, 1e-5, 1e-5]))
    assert (params.m_kib, params.t, params.p) == (kdf.CAP_M_KIB, kdf.CAP_T, kdf.CAP_P)


@pytest.mark.usefixtures("real_mode")
@pytest.mark.parametrize(
    ("slot", "elapsed", "expected"),
    [
        # The case: created on a busy computer (the floor's t = 3), 0.39 s here.
        ((256 * MIB, 3, 4), 0.39, (256 * MIB, 8, 4)),
        ((256 * MIB, 3, 4), 0.49, (256 * MIB, 6, 4)),
        # Not well under the target: left alone.
        ((256 * MIB, 3, 4), 0.5, None),
        ((256 * MIB, 10, 4), 0.95, None),
        ((256 * MIB, 10, 4), 2.5, None),
        # Memory that was short at creation is raised, passes scaled to the new memory.
        ((128 * MIB, 3, 4), 0.2, (256 * MIB, 8, 4)),
        # Already at the caps however fast: nothing stronger is allowed.
        ((256 * MIB, 32, 4), 0.01, None),
        # Very fast: capped, never beyond m = 256 MiB, t = 32, p = 4.
        ((64 * MIB, 3, 4), 0.0001, (256 * MIB, 32, 4)),
    ],
)
def test_stronger_only_when_well_under_target(
    slot: tuple[int, int, int], elapsed: float, expected: tuple[int, int, int] | None
) -> None:
    params = KdfParams(*slot, b"s" * 16)
    new = kdf.stronger(params, elapsed, 1.0)
    if expected is None:
        assert new is None
        return
    assert new is not None
    assert (new.m_kib, new.t, new.p) == expected
    assert new.m_kib <= kdf.CAP_M_KIB and new.t <= kdf.CAP_T and new.p <= kdf.CAP_P
    assert new.salt != params.salt


def test_stronger_never_lowers_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Less memory free now than at creation: no re-wrap to a smaller m."""
    monkeypatch.setattr(kdf, "_test_profile", None)
    monkeypatch.setattr(kdf, "_available_memory_kib", lambda: 300 * MIB)  # -> 64 MiB now
    assert kdf.stronger(KdfParams(256 * MIB, 3, 4, b"s" * 16), 0.1, 1.0) is None


def test_the_suites_profile_is_its_ceiling() -> None:
    """Under the cheap profile, a vault made with it is never re-wrapped (so the rest of
    the suite is unaffected); a test raises the profile to see a re-wrap."""
    cheap = KdfParams(*kdf._test_profile or (0, 0, 0), b"s" * 16)
    assert kdf.stronger(cheap, 1e-6, 1.0) is None
