"""Recovery key: shown in groups, typos caught by the checksum before any KDF."""

from __future__ import annotations

import random

import pytest

from therapynotes.errors import RecoveryKeyTypo
from therapynotes.security.recovery import format_recovery_key, new_recovery_key, parse_recovery_key

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def test_format_is_14_groups_of_4() -> None:
    text = format_recovery_key(new_recovery_key())
    groups = text.split("-")
    assert len(groups) == 14 and all(len(g) == 4 for g in groups)
    assert set(text.replace("-", "")) <= set(ALPHABET)


def test_round_trip_and_forgiving_input() -> None:
    key = new_recovery_key()
    text = format_recovery_key(key)
    assert parse_recovery_key(text) == key
    sloppy = "  " + text.lower().replace("-", " ") + "\n"
    assert parse_recovery_key(sloppy) == key
    lookalike = text.replace("O", "0").replace("I", "1").replace("B", "8")
    assert parse_recovery_key(lookalike) == key


def test_every_single_letter_typo_is_caught() -> None:
    rng = random.Random(7)
    key = new_recovery_key()
    letters = list(format_recovery_key(key).replace("-", ""))
    caught = tried = 0
    for i in range(len(letters)):
        for replacement in rng.sample(ALPHABET, 6):
            if replacement == letters[i]:
                continue
            typo = letters.copy()
            typo[i] = replacement
            tried += 1
            try:
                parse_recovery_key("".join(typo))
            except RecoveryKeyTypo:
                caught += 1
    print(f"typos caught: {caught}/{tried}")
    assert caught == tried


def test_swapped_neighbours_and_missing_letters_are_caught() -> None:
    text = format_recovery_key(new_recovery_key()).replace("-", "")
    for i in range(len(text) - 1):
        if text[i] == text[i + 1]:
            continue
        swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        with pytest.raises(RecoveryKeyTypo):
            parse_recovery_key(swapped)
    with pytest.raises(RecoveryKeyTypo):
        parse_recovery_key(text[:-1])
    with pytest.raises(RecoveryKeyTypo):
        parse_recovery_key(text + "A")
