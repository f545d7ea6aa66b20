"""Spell check: real Hunspell dictionaries through enchant, the clinical word list and
the personal dictionary inside the vault (audited without the word, in the export and
in backups)."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG, FakeClock
from tests.support.records import unlock_new_vault
from tests.unit.backup.conftest import make_vault
from therapynotes.portable import format as fmt
from therapynotes.services.portable import PortableService
from therapynotes.services.restore import RestoreService
from therapynotes.services.session import VaultSession
from therapynotes.services.spelling import SpellChecker, SpellingService, languages
from therapynotes.services.vault import VaultService
from therapynotes.store import audit
from therapynotes.writing_errors import NotAWord


def test_us_and_uk_english_are_installed() -> None:
    assert {"en_US", "en_GB"} <= set(languages())


def test_misspelt_words_are_found_with_suggestions() -> None:
    checker = SpellChecker("en_US")
    text = "The client was abel to recieve feedback."
    spans = list(checker.misspelled(text))
    assert [text[s : s + n] for s, n in spans] == ["abel", "recieve"]
    assert "receive" in checker.suggestions("recieve")


def test_clinical_terms_and_possessives_are_not_flagged() -> None:
    checker = SpellChecker("en_US")
    text = (
        "Psychoeducation on emotional dysregulation; SUDS 40. Sertraline 50 mg, "
        "no akathisia. PHQ-9 of 12; anhedonia and hypervigilance. The client’s plan."
    )
    assert list(checker.misspelled(text)) == []


def test_uk_spelling_differs_from_us() -> None:
    assert not SpellChecker("en_US").is_correct("behaviour")
    assert SpellChecker("en_GB").is_correct("behaviour")


def test_a_missing_dictionary_turns_checking_off() -> None:
    checker = SpellChecker("xx_NOPE")
    assert not checker.available and list(checker.misspelled("qwzxv")) == []


def test_ignore_and_learn_change_what_is_flagged() -> None:
    checker = SpellChecker("en_US")
    assert not checker.is_correct("Okonkwo")
    checker.learn("okonkwo")
    assert checker.is_correct("Okonkwo")
    assert not checker.is_correct("zzfoo")
    checker.ignore("zzfoo")
    assert checker.is_correct("zzfoo")


def test_personal_dictionary_is_in_the_vault_and_audited_without_the_word(
    unlocked: VaultSession, clock: FakeClock
) -> None:
    service = SpellingService(unlocked, clock=clock)
    assert service.add_word("Okonkwo")
    assert not service.add_word("okonkwo")  # already there, in another case
    assert service.words() == ["Okonkwo"]
    assert service.checker().is_correct("OKONKWO")
    last = audit.entries(unlocked.conn)[-1]
    assert last.kind == "dictionary.changed" and last.detail == {"added": 1}
    assert "Okonkwo".lower() not in repr(last).lower()
    assert service.remove_word("Okonkwo") and service.words() == []


@pytest.mark.parametrize("word", ["", "two words", "x" * 101, "50mg", "a\nb"])
def test_only_single_words_are_added(unlocked: VaultSession, word: str) -> None:
    with pytest.raises(NotAWord):
        SpellingService(unlocked).add_word(word)


def test_language_and_switch_are_vault_settings(unlocked: VaultSession) -> None:
    service = SpellingService(unlocked)
    assert service.language() == "en_US" and service.enabled()
    service.set_preferences(language="en_GB", enabled=False)
    assert service.language() == "en_GB" and not service.enabled()
    assert service.checker().language == "en_GB"


def test_personal_dictionary_round_trips_through_the_export(
    tmp_path: Path, clock: FakeClock
) -> None:
    source = unlock_new_vault(tmp_path / "a", clock)
    try:
        SpellingService(source, clock=clock).add_word("Okonkwo")
        SpellingService(source, clock=clock).set_preferences(language="en_GB", enabled=True)
        PortableService(source, clock=clock).export_json(tmp_path / "one")
    finally:
        source.lock("test finished")
    document = fmt.decode((tmp_path / "one" / fmt.JSON_NAME).read_bytes())
    assert [r["word"] for r in document["dictionary_words"]] == ["Okonkwo"]
    target = unlock_new_vault(tmp_path / "b", clock)
    try:
        PortableService(target, clock=clock).import_json(tmp_path / "one")
        assert SpellingService(target).words() == ["Okonkwo"]
        assert SpellingService(target).language() == "en_GB"
        PortableService(target, clock=clock).export_json(tmp_path / "two")
    finally:
        target.lock("test finished")
    first = (tmp_path / "one" / fmt.JSON_NAME).read_bytes()
    assert (tmp_path / "two" / fmt.JSON_NAME).read_bytes() == first


def test_an_older_export_has_an_empty_dictionary() -> None:
    raw = (
        b'{"format": "therapynotes-export", "format_version": 2, "settings": {}, '
        b'"profile": null, '
        + b", ".join(f'"{t}": []'.encode() for t in fmt.TABLES if t not in fmt.added_after(2))
        + b"}"
    )
    document = fmt.decode(raw)
    assert all(document[t] == [] for t in fmt.ADDED_IN_4)
    with pytest.raises(fmt.ImportRefused):
        fmt.decode(raw.replace(b'"clients"', b'"dictionary_words": [], "clients"'))


def test_personal_dictionary_survives_backup_and_restore(tmp_path: Path, clock: FakeClock) -> None:
    vault = make_vault(tmp_path / "vault", clock)
    SpellingService(vault.session, clock=clock).add_word("Okonkwo")
    drive = tmp_path / "drive"
    drive.mkdir()
    result = vault.service.run(drive)
    vault.session.lock("test", record=False)
    target = tmp_path / "restored"
    restored = RestoreService(target, clock=clock).restore(
        result.path, passphrase=STRONG, confirm=lambda _p: True
    )
    assert restored is not None
    clock.advance(60)  # the next TOTP code
    session = VaultService(target, clock=clock).unlock(
        STRONG, pyotp.TOTP(vault.created.totp_secret).at(clock())
    )
    try:
        assert SpellingService(session).words() == ["Okonkwo"]
    finally:
        session.lock("test", record=False)
