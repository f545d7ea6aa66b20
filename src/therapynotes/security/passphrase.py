"""The passphrase policy: a minimum that refuses weak passphrases with a reason.

Strength is estimated with zxcvbn (dictionary words, keyboard patterns, dates, l33t);
the estimate is a guide for the meter in the setup wizard and a floor for every path
that sets a passphrase (CLI and app alike).
"""

from __future__ import annotations

from dataclasses import dataclass

from therapynotes.errors import WeakPassphrase

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn 0..4; 3 = "safely unguessable: moderate protection from offline attack"
MAX_LENGTH = 1024
# zxcvbn is slow on very long input and (4.5) refuses more than 72 characters with a
# ValueError, so only this prefix is scored.
_ZXCVBN_PREFIX = 72
# The one wording of the rule: the meter shows it before anything is typed and whenever
# the passphrase is too short; WeakPassphrase carries it as its reason.
RULE = (
    f"Use at least {MIN_LENGTH} characters. Four or more unrelated words are easy to "
    "remember and hard to guess."
)


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    feedback: str  # one sentence for the meter (never echoes the passphrase)
    acceptable: bool


def assess(passphrase: str, *, user_inputs: tuple[str, ...] = ()) -> Strength:
    if len(passphrase) > MAX_LENGTH:
        return Strength(0, f"Use at most {MAX_LENGTH} characters.", acceptable=False)
    if not passphrase:  # zxcvbn fails on an empty string
        return Strength(0, RULE, acceptable=False)
    from zxcvbn import zxcvbn  # noqa: PLC0415 - 20 ms to load: not before the lock screen

    result = zxcvbn(passphrase[:_ZXCVBN_PREFIX], user_inputs=list(user_inputs))
    score = int(result["score"])
    fb = result.get("feedback") or {}
    hint = fb.get("warning") or " ".join(fb.get("suggestions") or [])
    if len(passphrase) < MIN_LENGTH:
        return Strength(score, RULE, acceptable=False)
    if score < MIN_SCORE:
        return Strength(score, hint or "Add another uncommon word or two.", acceptable=False)
    return Strength(score, "Strong enough." if score == MIN_SCORE else "Very strong.", True)


def require_acceptable(passphrase: str) -> None:
    strength = assess(passphrase)
    if not strength.acceptable:
        raise WeakPassphrase(strength.feedback)
