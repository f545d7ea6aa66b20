"""TOTP second step (RFC 6238: SHA-1, 6 digits, 30 s) with replay memory.

pyotp makes the codes; this module adds what it lacks: a window of +/-1 step, and the
rule that a code's time step must be newer than the last accepted one (no replay).
The clock is injected so tests never sleep.

Digits typed in another script (full-width, Arabic-Indic, ...) are read as the digits
they are; anything else is refused as a wrong code. A last-used step beyond the present
(+1 step) can only come from a clock that ran ahead: it is bounded to the present so it
cannot lock out every later code. A code that matches only far from the present (up to
a day either way) is still refused, but with a message saying a clock looks wrong.
"""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pyotp

from therapynotes import APP_NAME
from therapynotes.errors import TotpClockOff, TotpRejected, TotpReplayed

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1
# How far from the present a matching code is recognised as a clock problem.
CLOCK_OFF_STEPS = 24 * 60 * 60 // STEP_SECONDS

Clock = Callable[[], float]


def new_secret() -> str:
    """A fresh base32 secret of 160 bits."""
    return str(pyotp.random_base32())


def provisioning_uri(secret: str, *, account: str = "vault") -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) or imports."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=APP_NAME))


def code_at_step(secret: str, step: int) -> str:
    return str(pyotp.TOTP(secret).generate_otp(step))


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
        totp = pyotp.TOTP(self.secret)
        for offset in range(WINDOW + 1, CLOCK_OFF_STEPS + 1):
            for step in (now_step - offset, now_step + offset):
                if hmac.compare_digest(str(totp.generate_otp(step)), code):
                    return True
        return False
