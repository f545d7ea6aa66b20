"""Decrypt every page of a SQLCipher 4 file with its raw key, free pages included, so a
test can scan the plaintext of the whole file (the SQLCipher build has no sqlite_dbpage).

SQLCipher 4 defaults: 4096-byte pages, AES-256-CBC, each page ending in a reserve of a
16-byte IV and a 64-byte HMAC-SHA512; page 1 starts with the 16-byte salt. With a raw
key (`PRAGMA key = "x'...'"`) the AES key is the raw key itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 80
SALT = 16


def decrypted_pages(path: Path, key: bytes) -> Iterator[bytes]:
    data = path.read_bytes()
    assert len(data) % PAGE == 0, "not a whole number of pages"
    for start in range(0, len(data), PAGE):
        page = data[start : start + PAGE]
        offset = SALT if start == 0 else 0
        iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
        body = page[offset : PAGE - RESERVE]
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        yield dec.update(body) + dec.finalize()


def count_hits(path: Path, key: bytes, needles: list[bytes]) -> dict[bytes, int]:
    """Hits in `path`; given both data keys (64 bytes, issue 17), in vault.db and in the
    clinical.db beside it, each decrypted with its own key."""
    hits = dict.fromkeys(needles, 0)
    files = [(path, key)]
    if len(key) == 64:
        from therapynotes.store.connection import clinical_path  # noqa: PLC0415

        files = [(path, key[:32]), (clinical_path(path), key[32:])]
    for file, file_key in files:
        for page in decrypted_pages(file, file_key):
            for needle in needles:
                hits[needle] += page.count(needle)
    return hits


def data_keys(session: object) -> bytes:
    """Both data keys of an unlocked session (shared ‖ clinical)."""
    from therapynotes.security import keyslots  # noqa: PLC0415

    bundle = keyslots.data_keys(session.doc, session.dek)  # type: ignore[attr-defined]
    try:
        return bundle.reveal()
    finally:
        bundle.wipe()
