"""TOTP second step (RFC 6238: SHA-1, 6 digits, 30 s) with replay memory.

pyotp makes the codes; this module adds what it lacks: a window of +/-1 step, and the
rule that a code's time step must be newer than the last accepted one (no replay).
The clock is injected so tests never sleep.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

import pyotp

from therapynotes import APP_NAME
from therapynotes.errors import TotpRejected, TotpReplayed

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1

Clock = Callable[[], float]


def new_secret() -> str:
    """A fresh base32 secret of 160 bits."""
    return str(pyotp.random_base32())


def provisioning_uri(secret: str, *, account: str = "vault") -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) or imports."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=APP_NAME))


def code_at_step(secret: str, step: int) -> str:
    return str(pyotp.TOTP(secret).generate_otp(step))


@dataclass(frozen=True)
class TotpCheck:
    """Verifies codes for one secret; `verify` returns the accepted time step."""

    secret: str
    clock: Clock

    def verify(self, code: str, *, last_step: int) -> int:
        code = "".join(code.split())
        if len(code) != DIGITS or not code.isdigit():
            raise TotpRejected
        now_step = int(self.clock()) // STEP_SECONDS
        replayed = False
        for step in range(now_step - WINDOW, now_step + WINDOW + 1):
            if hmac.compare_digest(code_at_step(self.secret, step), code):
                if step > last_step:
                    return step
                replayed = True
        if replayed:
            raise TotpReplayed
        raise TotpRejected
