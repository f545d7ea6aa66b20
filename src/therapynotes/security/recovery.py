"""The recovery key: 256 random bits shown once as grouped base32 with check letters.

32 key bytes + 3 checksum bytes (SHA-256 prefix) = 280 bits = 56 base32 letters, shown
as 14 groups of 4. The checksum catches a typo before any key derivation runs. Input is
forgiving: case, spaces and dashes are ignored, and 0/1/8 are read as O/I/B (the RFC 4648
alphabet has no 0, 1, 8 or 9).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from therapynotes.errors import RecoveryKeyTypo
from therapynotes.security.secret import Secret

KEY_LEN = 32
CHECK_LEN = 3
GROUP = 4
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_recovery_key() -> Secret:
    return Secret(os.urandom(KEY_LEN))


def _check(key: bytes) -> bytes:
    return hashlib.sha256(b"therapynotes/recovery-check/v1" + key).digest()[:CHECK_LEN]


def format_recovery_key(key: Secret) -> str:
    """The text to show and print once: 14 groups of 4 letters joined by dashes."""
    raw = key.reveal()
    text = base64.b32encode(raw + _check(raw)).decode("ascii")
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))


def parse_recovery_key(text: str) -> Secret:
    """Parse typed recovery-key text; raises RecoveryKeyTypo when the check fails."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n").translate(_LOOKALIKES)
    if len(cleaned) != 56:
        raise RecoveryKeyTypo("expected 56 letters")
    try:
        raw = base64.b32decode(cleaned)
    except (binascii.Error, ValueError) as exc:
        raise RecoveryKeyTypo from exc
    key, check = raw[:KEY_LEN], raw[KEY_LEN:]
    if not hmac.compare_digest(check, _check(key)):
        raise RecoveryKeyTypo
    return Secret(key)
