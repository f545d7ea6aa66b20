"""Failed-attempt throttling that survives restarts (attempts.json beside vault.keys).

After FREE_FAILURES failed unlocks (wrong passphrase or wrong code) each further failure
doubles the wait, from BASE_DELAY up to MAX_DELAY. The state is not secret; it also keeps
the times and kinds of failed attempts (no secrets, no client data) so they can be
written to the audit log after the next successful unlock.

This is a gate in the app against guessing at the keyboard. It is not what protects a
stolen vault (that is Argon2id and the device secret): someone with the files can delete
this one, which docs/security.md says plainly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from therapynotes.atomic import TEMP_SUFFIX, atomic_write_bytes
from therapynotes.errors import TooManyAttempts

if TYPE_CHECKING:  # totp (hmac, pyotp's wrapper) loads at unlock, not for the lock screen
    from therapynotes.security.totp import Clock

FREE_FAILURES = 5
BASE_DELAY = 30.0
MAX_DELAY = 15 * 60.0
MAX_KEPT_EVENTS = 500
# What a failed attempt can be: the only kinds copied into the audit log (the file is
# not secret and anyone can edit it, so nothing else from it reaches the chain).
FAILURE_KINDS = frozenset({"passphrase", "code", "recovery key"})
UNKNOWN_KIND = "unknown"


@dataclass
class AttemptState:
    failures: int = 0
    blocked_until: float = 0.0
    events: list[dict[str, Any]] = field(default_factory=list)


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` consecutive failures."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(MAX_DELAY, BASE_DELAY * 2 ** (failures - FREE_FAILURES)))


class AttemptLog:
    def __init__(self, path: Path, clock: Clock, *, login: str = "") -> None:
        self.path = path
        self.clock = clock
        # A further login's log (issue 17 phase B) names it, so its failures can be
        # audited at whichever login unlocks next; the owner's log names none.
        self.login = login

    def load(self) -> AttemptState:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            events = [e for e in data.get("events", []) if isinstance(e, dict)]
            return AttemptState(int(data["failures"]), float(data["blocked_until"]), events)
        except FileNotFoundError:
            return AttemptState()
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # A damaged throttle file must not lock the therapist out, nor reset the
            # throttle to zero for free: treat it as the free allowance used up.
            return AttemptState(FREE_FAILURES, 0.0, [])

    def _save(self, state: AttemptState) -> None:
        payload: dict[str, Any] = {
            "failures": state.failures,
            "blocked_until": state.blocked_until,
            "events": state.events[-MAX_KEPT_EVENTS:],
        }
        if self.login:
            payload["login"] = self.login
        atomic_write_bytes(self.path, json.dumps(payload).encode("utf-8"))
        self._remove_half_written()

    def _remove_half_written(self) -> None:
        """Temp files of earlier writes that a kill cut short (`.attempts.json.<random>
        .partial`, never read): they hold only counts and times, but a settled vault
        folder keeps no litter. A concurrent writer whose temp file goes this way gets a
        StorageError and its attempt is not lost from the count for long: it retries."""
        for leftover in self.path.parent.glob(f".{self.path.name}.*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    def check_allowed(self) -> None:
        """Raise TooManyAttempts while a wait is in force."""
        left = self.load().blocked_until - self.clock()
        if left > 0:
            raise TooManyAttempts(int(left) + 1)

    def record_failure(self, kind: str) -> None:
        if kind not in FAILURE_KINDS:
            raise ValueError(kind)
        state = self.load()
        state.failures += 1
        now = self.clock()
        state.blocked_until = now + delay_after(state.failures)
        state.events.append({"at": now, "kind": kind})
        self._save(state)

    def record_success(self) -> list[dict[str, Any]]:
        """Reset the counter; return the failed attempts not yet written to the audit log."""
        state = self.load()
        if state.failures == 0 and not state.events and not self.path.exists():
            return []
        self._save(AttemptState())
        return state.events

    def drain_events(self) -> list[dict[str, Any]]:
        """The failed attempts not yet audited, removed from the file; the count and the
        wait stay (another login's unlock audits them, it does not forgive them)."""
        state = self.load()
        if not state.events:
            return []
        self._save(AttemptState(state.failures, state.blocked_until, []))
        return state.events


USER_LOG_PREFIX = "attempts-"


def user_log_path(folder: Path, name_key: str) -> Path:
    """A further login's attempt log: the file name is derived from the login name
    (a hash: no name, and nothing typed, in a file name)."""
    digest = hashlib.sha256(name_key.encode("utf-8")).hexdigest()[:20]
    return folder / f"{USER_LOG_PREFIX}{digest}.json"


def stored_login(path: Path) -> str:
    """The login a user's attempt log names ("" when unreadable)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return ""
    login = data.get("login") if isinstance(data, dict) else None
    return login[:80] if isinstance(login, str) else ""


def user_logs(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{USER_LOG_PREFIX}*.json"))


def audit_detail(event: dict[str, Any], now: float) -> tuple[float, str]:
    """(time, kind) of one logged failure, fit for the audit log: a kind not in
    FAILURE_KINDS becomes "unknown", a time that is not a plausible number becomes now."""
    kind = event.get("kind")
    at = event.get("at")
    plausible = isinstance(at, int | float) and 0 <= at <= now + 86_400
    when = float(at) if plausible else now  # type: ignore[arg-type]
    return when, (kind if isinstance(kind, str) and kind in FAILURE_KINDS else UNKNOWN_KIND)
