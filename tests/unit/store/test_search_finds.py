"""Search finds what people type (issue 18): prefixes, diagnoses by code and by words of
their description, counts beyond a page, newest-first, the bounded ranking window, and
query syntax that never reaches FTS5 as syntax."""

from __future__ import annotations

import pytest

from tests.support.records import add_client
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.services.records import RecordsService
from therapynotes.store import search
from therapynotes.store.search import Order, parse


def _note(records: RecordsService, client: ClientId, text: str, day: str | None = None) -> NoteId:
    note = records.start_note(client, "freeform", service_date=day, sections={"text": text})
    records.sign_note(note)
    return note


def test_the_word_being_typed_and_a_starred_word_match_as_prefixes(
    records: RecordsService,
) -> None:
    ada = add_client(records, "Ada Canary")
    insomnia = _note(records, ada, "Insomnia most nights since the move.")
    anxiety = _note(records, ada, "Anxiety before exams; anxious on Sundays.")
    assert [h.note_id for h in records.search("insom")] == [insomnia]
    assert [h.note_id for h in records.search("anx*")] == [anxiety]
    assert [h.note_id for h in records.search("anx* nights")] == []
    # Only the last word is a prefix unless starred: "anx" alone mid-query is a word.
    assert records.search("anx nights") == []
    assert [h.note_id for h in records.search("anx* exams")] == [anxiety]
    assert [h.note_id for h in records.search('"most nights" insom')] == [insomnia]


def test_a_complete_word_is_not_made_a_prefix(records: RecordsService) -> None:
    """The last word is a prefix only when the words as typed find nothing: "plan"
    finds plans and planning (the stemmer), not planets; "plane" (no such word in the
    notes) finds planets."""
    ada = add_client(records, "Ada Canary")
    plans = _note(records, ada, "Plans for the week; planning helps.")
    planets = _note(records, ada, "Drew planets with her son.")
    assert [h.note_id for h in records.search("plan")] == [plans]
    assert records.count_search_hits("plan") == 1
    assert [h.note_id for h in records.search("plane")] == [planets]
    assert records.count_search_hits("plane") == 1
    assert {h.note_id for h in records.search("plan*")} == {plans, planets}


def test_diagnoses_by_words_of_the_description_and_by_code(records: RecordsService) -> None:
    ada, bob, cy = (add_client(records, n) for n in ("Ada Canary", "Bob Stone", "Cy Reed"))
    records.add_diagnosis(ada, "F32.1")
    records.add_diagnosis(bob, "F33.1")
    records.add_diagnosis(cy, "F41.1")
    for typed in ("depress", "depression", "Depressive disorder", "major depr"):
        found = records.search(typed)
        assert {(h.source, h.client_id) for h in found} == {
            ("diagnosis", ada),
            ("diagnosis", bob),
        }, typed
    assert {h.client_id for h in records.search("F32")} == {ada}
    assert {h.client_id for h in records.search("f321")} == {ada}  # typed without the dot
    assert {h.client_id for h in records.search("F32.1")} == {ada}
    assert {h.client_id for h in records.search("F3")} == {ada, bob}
    assert "[F32]" in records.search("F32")[0].snippet


def test_counts_beyond_a_page_and_a_larger_page(records: RecordsService) -> None:
    ada = add_client(records, "Ada Canary")
    for i in range(73):
        _note(records, ada, f"Sleep diary entry {i}: sleep was short.")
    page = records.search_page("sleep", limit=50)
    assert (len(page.hits), page.total) == (50, 73)
    more = records.search_page("sleep", limit=100)
    assert (len(more.hits), more.total) == (73, 73)
    assert {h.note_id for h in page.hits} < {h.note_id for h in more.hits}
    assert page.words == ("sleep",)


def test_newest_first_by_service_date(records: RecordsService) -> None:
    ada = add_client(records, "Ada Canary")
    old = _note(records, ada, "grief work", "2020-03-01")
    new = _note(records, ada, "grief again", "2026-05-01")
    middle = _note(records, ada, "grief grief grief grief", "2023-01-01")
    page = records.search_page("grief", order=Order.NEWEST)
    assert [h.note_id for h in page.hits] == [new, middle, old]
    assert [h.note_id for h in records.search_page("grief").hits][0] == middle  # best


def test_best_ranks_only_the_newest_window_of_matches(records: RecordsService) -> None:
    """The bound that keeps search cost flat: bm25 among the newest max(window, 10 x
    limit) matches; the total still counts them all."""
    ada = add_client(records, "Ada Canary")
    strongest = _note(records, ada, "panic panic panic panic panic")  # the oldest match
    newer = [_note(records, ada, f"panic once, then other words {i}") for i in range(12)]
    everything = search.page(records.conn, "panic", limit=1, window=100)
    assert everything.hits[0].note_id == strongest and everything.ranked is None
    two = search.page(records.conn, "panic", limit=2, window=4)  # a window of 20 >= 13
    assert two.hits[0].note_id == strongest and two.ranked is None
    bounded = search.page(records.conn, "panic", limit=1, window=4)  # a window of 10
    assert bounded.total == 13 and bounded.ranked == 10
    assert bounded.hits[0].note_id in newer[-10:]


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '"unclosed phrase',
        "***",
        "insomnia *",
        "* insomnia",
        "-",
        "-insomnia",
        "insomnia -sleep",
        "AND",
        "insomnia AND",
        "AND insomnia OR",
        "NEAR(insomnia sleep)",
        "insomnia NOT",
        "body:insomnia",
        "^insomnia",
        "(insomnia",
        "insomnia)",
        "{body addenda}: x",
        "a' b’",
        "'",
        "+",
        "F32.",
    ],
)
def test_typed_syntax_never_raises(records: RecordsService, typed: str) -> None:
    ada = add_client(records, "Ada Canary")
    note = _note(records, ada, "Insomnia and sleep; self-harm screen negative.")
    page = records.search_page(typed, include_psychotherapy=True)
    assert page.total >= len(page.hits)
    words = set(parse(typed).words)
    if words and words <= {"insomnia", "sleep", "self", "harm", "and"}:
        assert [h.note_id for h in page.hits] == [note], typed  # operators as plain words
    elif words:
        assert page.hits == [], typed  # "or", "not", "near", "x"... are not in the note


def test_syntax_is_read_literally(records: RecordsService) -> None:
    ada = add_client(records, "Ada Canary")
    note = _note(records, ada, "Self-harm screen negative; PHQ-9 was 12.")
    assert [h.note_id for h in records.search("self-harm")] == [note]
    assert [h.note_id for h in records.search("insomnia AND self-harm")] == []
    assert [h.note_id for h in records.search("screen AND negative")] == [note]  # AND dropped
    assert [h.note_id for h in records.search("PHQ-9")] == [note]
    assert parse("a AND b").fts == '"a" "b"'
    assert parse('x" OR "y').fts == '"x" "OR" "y"'  # a quoted OR is a word
    assert parse("f321").fts == '("f321" OR "F32 1")'
    assert parse("f321").prefixed == '("f321"* OR "F32 1"*)'
    assert parse('"panic attack" sle').prefixed == '"panic attack" "sle"*'
    assert parse('sleep "panic attack"').prefixed is None  # a phrase is never made a prefix
    assert parse("sleep a").prefixed is None  # nor a single letter
    assert parse("self-harm x").fts == '"self harm" "x"'
    assert parse("Anx* Sleep").words == ("anx", "sleep")


def test_a_page_counts_up_to_the_cap_then_says_more(
    records: RecordsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: a page's count stops at COUNT_CAP notes per index (its cost no longer
    grows with a common word's matches); `more` says there are more than that. The exact
    count is still there for whoever asks for it (search.count)."""
    ada, bob = add_client(records, "Ada Canary"), add_client(records, "Bob Stone")
    notes = [_note(records, ada if i % 3 else bob, f"Rumination, entry {i}") for i in range(30)]
    capped = search.page(records.conn, "rumination", limit=10, count_cap=12)
    assert (capped.total, capped.more, len(capped.hits)) == (12, True, 10)
    exact = search.page(records.conn, "rumination", limit=10, count_cap=30)
    assert (exact.total, exact.more) == (30, False)
    assert [h.note_id for h in capped.hits] == [h.note_id for h in exact.hits]
    assert search.count(records.conn, "rumination") == 30
    assert records.count_search_hits("rumination") == 30
    # Every match on the page: that is the count, whatever the cap.
    whole = search.page(records.conn, "rumination", limit=50, count_cap=12)
    assert (whole.total, whole.more, len(whole.hits)) == (30, False, 30)
    # The client filter counts that client's notes, capped the same way.
    for_bob = search.page(records.conn, "rumination", search.Filters(bob), limit=5, count_cap=8)
    assert (for_bob.total, for_bob.more) == (8, True)
    bob_all = search.page(records.conn, "rumination", search.Filters(bob), limit=5, count_cap=10)
    assert (bob_all.total, bob_all.more) == (10, False)
    # The app's default cap, read at each call.
    monkeypatch.setattr(search, "COUNT_CAP", 25)
    assert records.search_page("rumination", limit=10).more
    monkeypatch.setattr(search, "COUNT_CAP", 30)
    page = records.search_page("rumination", limit=10)
    assert (page.total, page.more) == (len(notes), False)
