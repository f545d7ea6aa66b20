"""TOTP second step (RFC 6238: SHA-1, 6 digits, 30 s) with replay memory.

pyotp makes the codes; this module adds what it lacks: a window of +/-1 step, and the
rule that a code's time step must be newer than the last accepted one (no replay).
The clock is injected so tests never sleep.

Digits typed in another script (full-width, Arabic-Indic, ...) are read as the digits
they are; anything else is refused as a wrong code. A last-used step beyond the present
(+1 step) can only come from a clock that ran ahead: it is bounded to the present so it
cannot lock out every later code. A code that matches only far from the present (minutes
of drift, or a wrong time zone) is still refused, but with a message saying a clock looks wrong.
"""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from therapynotes import APP_NAME
from therapynotes.errors import TotpClockOff, TotpRejected, TotpReplayed

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1
# Where a code that misses the window is looked for, to explain a clock that is off: a
# few minutes of drift, or a whole number of half hours (a wrong time zone or summer
# time), up to 14 hours either way. Few enough places that a mistyped code is almost
# never taken for a clock problem.
_HALF_HOUR = 30 * 60 // STEP_SECONDS
CLOCK_OFF_OFFSETS = sorted(
    set(range(WINDOW + 1, 21)) | {k * _HALF_HOUR + d for k in range(1, 29) for d in (-1, 0, 1)}
)

Clock = Callable[[], float]


def _pyotp() -> ModuleType:
    """pyotp, loaded at the first code (20 ms: not before the lock screen; issue 18)."""
    import pyotp  # noqa: PLC0415

    return pyotp


def new_secret() -> str:
    """A fresh base32 secret of 160 bits."""
    return str(_pyotp().random_base32())


def provisioning_uri(secret: str, *, account: str = "vault") -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) or imports."""
    return str(_pyotp().TOTP(secret).provisioning_uri(name=account, issuer_name=APP_NAME))


def code_at_step(secret: str, step: int) -> str:
    return str(_pyotp().TOTP(secret).generate_otp(step))


def normalize_code(code: str) -> str | None:
    """The code as ASCII digits (spaces dropped; any script's decimal digits read as
    digits), or None when it is not DIGITS digits."""
    digits = []
    for char in code:
        if char.isspace():
            continue
        value = unicodedata.decimal(char, None)
        if value is None:
            return None
        digits.append(str(value))
    text = "".join(digits)
    return text if len(text) == DIGITS else None


def bounded_step(last_step: int, now: float) -> int:
    """The stored last-used step, never beyond the present + WINDOW steps."""
    return min(last_step, int(now) // STEP_SECONDS + WINDOW)


@dataclass(frozen=True)
class TotpCheck:
    """Verifies codes for one secret; `verify` returns the accepted time step."""

    secret: str
    clock: Clock

    def verify(self, code: str, *, last_step: int) -> int:
        """The accepted step (never beyond now + WINDOW). Raises TotpRejected (also for
        input that is not 6 digits), TotpReplayed, or TotpClockOff (a TotpRejected)."""
        normal = normalize_code(code)
        if normal is None:
            raise TotpRejected
        code = normal
        now = self.clock()
        now_step = int(now) // STEP_SECONDS
        last_step = bounded_step(last_step, now)
        replayed = False
        for step in range(now_step - WINDOW, now_step + WINDOW + 1):
            if hmac.compare_digest(code_at_step(self.secret, step), code):
                if step > last_step:
                    return step
                replayed = True
        if replayed:
            raise TotpReplayed
        if self._matches_far_off(code, now_step):
            raise TotpClockOff
        raise TotpRejected

    def _matches_far_off(self, code: str, now_step: int) -> bool:
        totp = _pyotp().TOTP(self.secret)
        for offset in CLOCK_OFF_OFFSETS:
            for step in (now_step - offset, now_step + offset):
                if hmac.compare_digest(str(totp.generate_otp(step)), code):
                    return True
        return False
