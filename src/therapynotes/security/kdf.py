"""Argon2id key derivation: parameters, calibration, caps and HKDF sub-keys.

Owns every derivation in the key hierarchy (docs/security.md): the master key M from the
passphrase, KEK_local, KEK_backup and KEK_rk. Parameters are checked against hard caps
before any work, so a hostile file cannot make us allocate gigabytes.

Parameters below the floor are refused, always, in the app. The test suite alone may
go below it (to run fast) by setting `_test_profile` from tests/support/cheap_kdf.py:
nothing under src/ sets it and no environment variable reaches it, so no setting of an
installed app can weaken its key derivation (issue 12).
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from therapynotes.errors import KeysFileCorrupt
from therapynotes.security.secret import Secret

KEY_LEN = 32
SALT_LEN = 16

# RFC 9106 second recommended option: the floor for any real vault.
FLOOR_M_KIB = 64 * 1024
FLOOR_T = 3
FLOOR_P = 4
DEFAULT_M_KIB = 256 * 1024
# Caps checked on read before any allocation (memory-bomb and CPU-bomb headers): exactly
# what `calibrate` can produce (m <= 256 MiB, t <= 32, p = 4), so a tampered vault.keys or
# backup header can cost at most one calibrated derivation on a fast computer.
CAP_M_KIB = DEFAULT_M_KIB
CAP_T = 32
CAP_P = FLOOR_P
TARGET_SECONDS = 1.0

# (m_kib, t, p) below the floor, set only by tests/support/cheap_kdf.py; None in the app.
_test_profile: tuple[int, int, int] | None = None

INFO_LOCAL = b"therapynotes/local/v1"
INFO_BACKUP = b"therapynotes/backup/v1"
INFO_RECOVERY = b"therapynotes/recovery/v1"


def cheap_kdf_enabled() -> bool:
    """True only inside the test suite, when it installed its cheap profile."""
    return _test_profile is not None


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters: memory in KiB, iterations, lanes, and the salt."""

    m_kib: int
    t: int
    p: int
    salt: bytes

    def check(self) -> None:
        """Refuse out-of-range parameters before any work is done."""
        ints_ok = all(type(v) is int for v in (self.m_kib, self.t, self.p))
        if not ints_ok or not isinstance(self.salt, bytes) or len(self.salt) != SALT_LEN:
            raise KeysFileCorrupt("key-derivation settings unreadable")
        if self.m_kib > CAP_M_KIB or self.t > CAP_T or self.p > CAP_P:
            raise KeysFileCorrupt("key-derivation settings over the safety limit")
        if self.p < 1 or self.t < 1 or self.m_kib < 8 * self.p:
            raise KeysFileCorrupt("key-derivation settings out of range")
        below_floor = self.m_kib < FLOOR_M_KIB or self.t < FLOOR_T
        if below_floor and not cheap_kdf_enabled():
            raise KeysFileCorrupt("key-derivation settings below the safety floor")

    def associated_data(self) -> bytes:
        """Canonical bytes binding these parameters into an AEAD's associated data."""
        return b"argon2id;m=%d;t=%d;p=%d;salt=%s" % (
            self.m_kib,
            self.t,
            self.p,
            self.salt.hex().encode(),
        )


def normalize_passphrase(passphrase: str) -> bytes:
    return unicodedata.normalize("NFKC", passphrase).encode("utf-8")


def hash_secret_raw(**kwargs: object) -> bytes:
    """argon2-cffi's, loaded at the first derivation, not before the lock screen shows
    (issue 18); tests replace this name to prove a derivation never ran."""
    from argon2.low_level import hash_secret_raw as derive  # noqa: PLC0415

    return derive(**kwargs)  # type: ignore[arg-type]


def argon2id(passphrase: str, params: KdfParams) -> Secret:
    """The master key M = Argon2id(NFKC(passphrase), salt, m, t, p)."""
    from argon2.low_level import Type  # noqa: PLC0415 - see hash_secret_raw

    params.check()
    raw = hash_secret_raw(
        secret=normalize_passphrase(passphrase),
        salt=params.salt,
        time_cost=params.t,
        memory_cost=params.m_kib,
        parallelism=params.p,
        hash_len=KEY_LEN,
        type=Type.ID,
    )
    return Secret(raw)


def hkdf(ikm: bytes, *, info: bytes, salt: bytes | None = None) -> Secret:
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - loaded when used
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: PLC0415

    return Secret(HKDF(algorithm=hashes.SHA256(), length=KEY_LEN, salt=salt, info=info).derive(ikm))


def kek_local(master: Secret, device_secret: bytes) -> Secret:
    """KEK_local = HKDF-SHA256(M || D, info "therapynotes/local/v1")."""
    return hkdf(master.reveal() + device_secret, info=INFO_LOCAL)


def kek_backup(master: Secret) -> Secret:
    """KEK_backup = HKDF-SHA256(M, info "therapynotes/backup/v1")."""
    return hkdf(master.reveal(), info=INFO_BACKUP)


def kek_recovery(recovery_key: Secret, salt: bytes) -> Secret:
    """KEK_rk = HKDF-SHA256(RK, salt, info "therapynotes/recovery/v1")."""
    return hkdf(recovery_key.reveal(), info=INFO_RECOVERY, salt=salt)


def new_salt() -> bytes:
    return os.urandom(SALT_LEN)


def _available_memory_kib() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return int(pages * page_size // 1024)


# Calibration takes the fastest of several probes: other work on a busy computer only
# ever makes a probe slower, so the fastest is the best estimate of this computer, and a
# vault created while it was busy does not get the floor (issue 18).
PROBES = 3
# An unlock whose derivation took under this share of the target ran "well under" it:
# the passphrase slot is re-wrapped with stronger parameters (services/unlocking.py).
STRENGTHEN_BELOW = 0.5

Timer = Callable[[], float]


def _memory_kib() -> int:
    """256 MiB where memory allows, halved toward the 64 MiB floor where it does not."""
    m_kib = DEFAULT_M_KIB
    available = _available_memory_kib()
    while available is not None and m_kib > FLOOR_M_KIB and m_kib * 4 > available:
        m_kib //= 2
    return m_kib


def _passes_for(target_seconds: float, seconds_per_pass: float) -> int:
    return max(FLOOR_T, min(CAP_T, round(target_seconds / max(seconds_per_pass, 1e-6))))


def timed_argon2id(passphrase: str, params: KdfParams, timer: Timer) -> tuple[Secret, float]:
    """`argon2id` and the seconds it took by `timer`."""
    started = timer()
    master = argon2id(passphrase, params)
    return master, max(timer() - started, 1e-6)


def calibrate(
    target_seconds: float = TARGET_SECONDS,
    *,
    timer: Timer = time.perf_counter,
    probes: int = PROBES,
) -> KdfParams:
    """Parameters taking about `target_seconds` here: m = 256 MiB where memory allows
    (falling back toward the 64 MiB floor), p = 4, t >= 3 raised to meet the target,
    from the fastest of `probes` probes at t = 3."""
    if _test_profile is not None:
        return KdfParams(*_test_profile, new_salt())
    m_kib = _memory_kib()
    probe = KdfParams(m_kib, FLOOR_T, FLOOR_P, new_salt())
    fastest = float("inf")
    for _ in range(max(1, probes)):
        key, elapsed = timed_argon2id("calibration", probe, timer)
        key.wipe()
        fastest = min(fastest, elapsed)
    return KdfParams(m_kib, _passes_for(target_seconds, fastest / FLOOR_T), FLOOR_P, new_salt())


def stronger(
    params: KdfParams, elapsed: float, target_seconds: float = TARGET_SECONDS
) -> KdfParams | None:
    """New parameters for a slot whose derivation with `params` just took `elapsed`
    seconds, or None. Only when that ran well under the target (< STRENGTHEN_BELOW of
    it) and the new parameters cost more: the memory calibration would choose now, and
    the passes that bring it to the target (the time of a pass scales with its memory).
    Lanes stay (a real slot always has p = 4). Under the suite's cheap profile, that
    profile is the ceiling (so its vaults are never re-wrapped unless a test raises it)."""
    if elapsed >= STRENGTHEN_BELOW * target_seconds:
        return None
    if _test_profile is not None:
        m_kib, most_t = _test_profile[0], _test_profile[1]
    else:
        m_kib, most_t = _memory_kib(), CAP_T
    per_pass = elapsed / params.t * (m_kib / params.m_kib)
    t = min(most_t, _passes_for(target_seconds, per_pass))
    new = KdfParams(m_kib, t, params.p, new_salt())
    if m_kib * t <= params.m_kib * params.t or m_kib < params.m_kib:
        return None
    new.check()
    return new
