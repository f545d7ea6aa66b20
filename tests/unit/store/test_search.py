"""Search: ranking, snippets, filters, psychotherapy-note exclusion, voided notes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FakeClock
from tests.support.records import add_client, log_session_now
from therapynotes.domain.enums import NoteKind
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.services.records import RecordsService
from therapynotes.store.search import to_fts_query

FILLER = "Client discussed work and family; plan to continue weekly sessions."


def _signed(
    records: RecordsService, client: ClientId, text: str, template: str = "freeform"
) -> NoteId:
    key = "process" if template == "psychotherapy" else "text"
    if template == "contact":
        key = "summary"
    note = records.start_note(client, template, sections={key: text})
    records.sign_note(note)
    return note


@pytest.fixture
def corpus(records: RecordsService) -> dict[str, object]:
    ada, bob = add_client(records, "Ada Canary"), add_client(records, "Bob Stone")
    for _ in range(6):
        _signed(records, bob, FILLER)
    strong = _signed(records, ada, "Insomnia again. Insomnia most nights; insomnia worse.")
    weak = _signed(records, bob, "Mentioned insomnia once among many other words " + FILLER)
    private = _signed(records, ada, "My private insomnia hypothesis", "psychotherapy")
    return {"ada": ada, "bob": bob, "strong": strong, "weak": weak, "private": private}


def test_ranked_best_first_with_highlighted_snippets(
    records: RecordsService, corpus: dict[str, object]
) -> None:
    hits = records.search("insomnia")
    assert [h.note_id for h in hits] == [corpus["strong"], corpus["weak"]]
    assert hits[0].rank < hits[1].rank
    assert "[Insomnia]" in hits[0].snippet and hits[0].client_name == "Ada Canary"


def test_psychotherapy_notes_only_when_asked(
    records: RecordsService, corpus: dict[str, object]
) -> None:
    assert corpus["private"] not in [h.note_id for h in records.search("hypothesis")]
    assert records.search("hypothesis") == []
    hits = records.search("hypothesis", include_psychotherapy=True)
    assert [(h.note_id, h.source) for h in hits] == [(corpus["private"], "psychotherapy")]
    assert records.search("private", kinds=[NoteKind.PROGRESS]) == []


def test_filters(records: RecordsService, corpus: dict[str, object], clock: FakeClock) -> None:
    bob_hits = records.search("insomnia", client_id=corpus["bob"])  # type: ignore[arg-type]
    assert [h.note_id for h in bob_hits] == [corpus["weak"]]
    today = records.get_note(corpus["weak"]).service_date  # type: ignore[arg-type]
    assert records.search("insomnia", since="2999-01-01") == []
    assert len(records.search("insomnia", since=today, until=today)) == 2
    assert records.search("insomnia", kinds=[NoteKind.CONTACT]) == []
    assert len(records.search("insomnia", kinds=[NoteKind.FREEFORM])) == 2


def test_names_and_diagnoses_are_searchable(
    records: RecordsService, corpus: dict[str, object]
) -> None:
    records.add_diagnosis(corpus["ada"], "F41.1")  # type: ignore[arg-type]
    by_name = records.search("canary")
    assert [(h.source, h.client_id) for h in by_name] == [("client", corpus["ada"])]
    dx = records.search("generalized anxiety")
    assert dx[0].source == "diagnosis" and dx[0].snippet.startswith("F41.1")
    assert records.search("canary", since="2000-01-01") == []  # note filters: notes only


def test_voided_notes_leave_search_and_edits_are_indexed_at_once(
    records: RecordsService, corpus: dict[str, object]
) -> None:
    records.void_note(corpus["strong"], "wrong chart")  # type: ignore[arg-type]
    assert [h.note_id for h in records.search("insomnia")] == [corpus["weak"]]
    draft = records.start_note(corpus["ada"], "freeform", sections={"text": "zeppelin"})  # type: ignore[arg-type]
    assert [h.note_id for h in records.search("zeppelin")] == [draft]
    records.save_draft(draft, {"text": "dirigible"})
    assert records.search("zeppelin") == []


def test_addenda_are_searchable(records: RecordsService, corpus: dict[str, object]) -> None:
    records.add_addendum(corpus["weak"], "Later: quetiapine was stopped.")  # type: ignore[arg-type]
    hits = records.search("quetiapine")
    assert [h.note_id for h in hits] == [corpus["weak"]]
    assert "[quetiapine]" in hits[0].snippet


@pytest.mark.parametrize(
    "typed", ['insomnia OR "', "NOT insomnia", "insomnia*", "(insomnia", "col:insomnia", "AND"]
)
def test_fts_syntax_typed_by_the_user_is_plain_words(
    records: RecordsService, corpus: dict[str, object], typed: str
) -> None:
    records.search(typed)  # never an FTS5 syntax error


def test_query_translation() -> None:
    assert to_fts_query('"panic attack" sleep') == '"panic attack" "sleep"'
    assert to_fts_query("  ") == ""
    assert to_fts_query('a" OR b') == '"a" "OR" "b"'


def test_group_session_notes_are_found_per_participant(
    records: RecordsService, clock: FakeClock
) -> None:
    a, b = add_client(records, "Ann"), add_client(records, "Ben")
    session = log_session_now(records, clock, a, b, code="90853")
    for client in (a, b):
        note = records.start_note(client, "soap", session_id=session)
        records.save_draft(note, {"subjective": "group discussed kayaking"})
        records.sign_note(note)
    assert {h.client_id for h in records.search("kayaking")} == {a, b}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=40))
def test_any_typed_text_searches_without_error(
    records: RecordsService, corpus: dict[str, object], text: str
) -> None:
    hits = records.search(f"{text} insomnia", include_psychotherapy=True)
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)


def test_count_matches_search_without_its_limit(
    records: RecordsService, corpus: dict[str, object], clock: FakeClock
) -> None:
    ada = corpus["ada"]
    for i in range(7):
        _signed(records, ada, f"Insomnia entry {i}")  # type: ignore[arg-type]
    assert len(records.search("insomnia", limit=1000)) == 9
    assert len(records.search("insomnia", limit=5)) == 5
    assert records.count_search_hits("insomnia") == 9
    assert records.count_search_hits("insomnia", include_psychotherapy=True) == 10
    assert records.count_search_hits("insomnia", client_id=corpus["bob"]) == 1  # type: ignore[arg-type]
    assert records.count_search_hits("canary") == len(records.search("canary"))  # a name hit
    assert records.count_search_hits("insomnia", since="2999-01-01") == 0
    assert records.count_search_hits("insomnia", kinds=[NoteKind.CONTACT]) == 0
    records.add_diagnosis(ada, "F41.1")  # type: ignore[arg-type]
    assert records.count_search_hits("generalized anxiety") == 1
    assert records.count_search_hits("") == 0


def test_hits_name_clients_by_full_and_preferred_name(records: RecordsService) -> None:
    client = add_client(records, "Alexandra Rivera", preferred_name="Alex")
    _signed(records, client, "Talked about the garden.")
    names = {h.source: h.client_name for h in records.search("garden")}
    assert names == {"note": "Alexandra Rivera (Alex)"}
    assert {h.client_name for h in records.search("Alex")} == {"Alexandra Rivera (Alex)"}
