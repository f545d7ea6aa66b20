"""The passphrase policy never fails on odd input (found by the trust suite's CLI fuzz,
issue 8): zxcvbn raised on an empty string (IndexError) and on more than 72 characters
(ValueError), so `init` with a long passphrase was an "internal error"."""

from __future__ import annotations

import pytest

from therapynotes.errors import WeakPassphrase
from therapynotes.security.passphrase import MAX_LENGTH, assess, require_acceptable


def test_empty_is_weak_not_an_error() -> None:
    assert not assess("").acceptable
    with pytest.raises(WeakPassphrase):
        require_acceptable("")


@pytest.mark.parametrize("length", [72, 73, 100, 500, MAX_LENGTH])
def test_long_passphrases_are_scored(length: int) -> None:
    sentence = "my grandmother kept bees behind the old chapel near Lisbon in 1962 "
    passphrase = (sentence * 20)[:length]
    assert assess(passphrase).acceptable
    require_acceptable(passphrase)


def test_over_the_maximum_is_refused_with_a_reason() -> None:
    strength = assess("x" * (MAX_LENGTH + 1))
    assert not strength.acceptable and str(MAX_LENGTH) in strength.feedback
