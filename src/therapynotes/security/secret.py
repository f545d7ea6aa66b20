"""A bytes container for key material that hides itself and can be wiped.

Python cannot promise that no copy of a secret survives elsewhere in memory (bytes
objects made while using it are immutable); wiping the buffer we own is still worth it
and is documented honestly in docs/security.md.
"""

from __future__ import annotations

import ctypes
import hmac
import sys


class Secret:
    """Key material. `repr` and `str` never show the bytes."""

    __slots__ = ("_buf", "_wiped")

    def __init__(self, data: bytes | bytearray) -> None:
        self._buf = bytearray(data)
        self._wiped = False

    def __repr__(self) -> str:
        return "<Secret wiped>" if self._wiped else f"<Secret {len(self._buf)} bytes hidden>"

    __str__ = __repr__

    def __len__(self) -> int:
        return len(self._buf)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._buf, other._buf)

    __hash__ = None  # type: ignore[assignment]

    def reveal(self) -> bytes:
        """Return a copy of the bytes for a call that needs them (an immutable copy)."""
        if self._wiped:
            raise ValueError("secret was wiped")
        return bytes(self._buf)

    def wipe(self) -> None:
        """Overwrite the buffer with zeros and empty it."""
        for i in range(len(self._buf)):
            self._buf[i] = 0
        self._buf = bytearray()
        self._wiped = True

    @property
    def wiped(self) -> bool:
        return self._wiped


def scrub_immutable(value: bytes | str) -> None:
    """Best effort: overwrite the buffer of a temporary bytes or ASCII str copy of a key.

    Some APIs only take immutable types (SQLCipher's `PRAGMA key` needs a str). On CPython
    the payload of a bytes object, and of a compact ASCII str, sits at the end of the
    object, just before a trailing NUL; we zero it in place. Only call this on a private
    temporary that nothing else references. Elsewhere (PyPy, non-ASCII) it does nothing.
    """
    if sys.implementation.name != "cpython" or not value:
        return
    if type(value) is bytes or (type(value) is str and value.isascii()):
        offset = sys.getsizeof(value) - len(value) - 1
        ctypes.memset(id(value) + offset, 0, len(value))
