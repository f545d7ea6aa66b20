"""A bytes container for key material that hides itself and can be wiped.

Python cannot promise that no copy of a secret survives elsewhere in memory (bytes
objects made while using it are immutable); wiping the buffer we own is still worth it
and is documented honestly in docs/security.md.
"""

from __future__ import annotations

import hmac


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
