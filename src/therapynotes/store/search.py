"""Full-text search (FTS5, inside the encrypted database) over notes, client names and
diagnoses, with highlighted snippets.

The indexes are kept in step by triggers (m0003_records). Psychotherapy notes live in
their own index and are read only when the caller asks for them.

Cost grows with the results shown, not with the practice (issue 18): a page counts the
newest COUNT_CAP matches at most (count(*), no ranking, no snippets; beyond that it says
"more than"), then bm25 ranks only the newest `window` matching notes (found by rowid,
which FTS5 walks backwards cheaply), and snippets are made for the hits shown only. What
still grows with the matches is FTS5's own: bm25's document frequencies (one pass over
each phrase's postings per statement). bm25 is called as a function in a statement
SQLite sorts, not through FTS5's rank sorter, which runs the query twice. Since schema
16 the notes' indexes have prefix indexes of 2-4 characters (m0016_search_prefixes), so
"anx*" or a word being typed reads one posting list instead of merging every word it
starts. Sorting by date reads every match's date from a covering index (no note rows).

What a user types is never an FTS5 expression: `parse` turns it into quoted words and
phrases, so quotes, stray `*`, `-`, `AND`, `OR`, `NEAR` or brackets cannot raise a syntax
error. When the words as typed find nothing, the last one matches as a prefix ("insom"
finds insomnia); a word ending in `*` always does ("anx*"); an ICD-10 code typed without
its dot ("f321") also matches "F32.1".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.models import SearchHit, display_name
from therapynotes.store.connection import Connection

# A quoted phrase (with an optional `*` after it), or a word: letters and digits joined by
# - . ' ’ / ("self-harm", "F32.1", "PHQ-9", "don't" are one phrase each).
_PART = re.compile(r'"([^"]*)"(\*?)|(\w+(?:[-.\'’/]\w+)*)(\*?)', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
_CODE_WITHOUT_DOT = re.compile(r"[A-Za-z]\d{2}[0-9A-Za-z]{1,4}")
PAGE = 50  # hits the search view shows at first, and adds with each "Show more"
MIN_PREFIX = 2  # the last word typed is a prefix from two characters on ("a" is a word)
RANK_WINDOW = 500  # notes ranked by bm25 for a page of 50: the newest matching ones
# A page counts each notes index's matches up to this many ("more than 10,000"): beyond
# it the count would cost what every match costs (issue 18: 8 ms of "PHQ-9"'s 18 ms at
# twice the stress practice), and no one reads a figure that large for its last digit.
COUNT_CAP = 10_000


class Order(StrEnum):
    BEST = "best"  # bm25 among the newest matches
    NEWEST = "newest"  # by date, newest first


@dataclass(frozen=True)
class Query:
    """What was typed, as FTS5 reads it: `fts` with the words as typed ("" when nothing
    searchable was typed) and `prefixed` with the last word as a prefix (None when it
    cannot be one); and as plain lower-case `words` (for highlighting in the note)."""

    fts: str
    words: tuple[str, ...]
    prefixed: str | None = None


def _fts(items: list[tuple[list[str], bool, bool]]) -> str:
    parts = []
    for words, prefix, quoted in items:
        part = '"' + " ".join(words) + '"' + ("*" if prefix else "")
        if not quoted and len(words) == 1 and _CODE_WITHOUT_DOT.fullmatch(words[0]):
            # Imported here: store.search loads with every command; the ICD module need not.
            from therapynotes.domain.icd10 import normalise as normalise_code  # noqa: PLC0415

            dotted = " ".join(_WORD.findall(normalise_code(words[0])))
            part = f'({part} OR "{dotted}"{"*" if prefix else ""})'
        parts.append(part)
    return " ".join(parts)


def parse(text: str) -> Query:
    """User text -> FTS5 queries of quoted words and phrases that must all match.
    Every token is quoted, so FTS5 operators typed by the user are plain words; a bare
    upper-case AND is dropped (every word must match anyway). A word ending in `*` is a
    prefix; so is the last word (`prefixed`) when the words as typed find nothing."""
    items: list[tuple[list[str], bool, bool]] = []  # words, prefix, quoted
    for match in _PART.finditer(text):
        phrase, phrase_star, word, word_star = match.groups()
        if phrase is not None:
            words = _WORD.findall(phrase)
            if words:
                items.append((words, bool(phrase_star), True))
        elif word != "AND":
            items.append((_WORD.findall(word), bool(word_star), False))
    typed = tuple(dict.fromkeys(w.lower() for ws, _, _ in items for w in ws))
    prefixed = None
    last = items[-1] if items else None
    if last is not None and not last[1] and not last[2] and len(last[0][-1]) >= MIN_PREFIX:
        prefixed = _fts([*items[:-1], (last[0], True, False)])  # the word being typed
    return Query(_fts(items), typed, prefixed)


def to_fts_query(text: str) -> str:
    """User text -> the FTS5 query of the words as typed (see `parse`)."""
    return parse(text).fts


def _resolve(
    conn: Connection, query: Query, filters: Filters, cap: int | None = None
) -> tuple[str, int, bool]:
    """The FTS5 query to run, its count and whether the count stopped at `cap` notes of
    an index: the words as typed, or, when they find nothing, with the last word as a
    prefix ("insom" finds insomnia). A prefix longer than the prefix index (m0016) costs
    FTS5 a merge of every matching term's postings in each statement, so a complete word
    ("sleep", which the stemmer already matches to "sleeping") is not made one."""
    total, more = _count(conn, query.fts, filters, cap)
    if total == 0 and query.prefixed:
        return query.prefixed, *_count(conn, query.prefixed, filters, cap)
    return query.fts, total, more


@dataclass(frozen=True)
class Filters:
    client_id: ClientId | None = None
    since: str | None = None
    until: str | None = None
    kinds: Sequence[NoteKind] = ()
    include_psychotherapy: bool = False

    @property
    def notes_only(self) -> bool:
        return bool(self.since or self.until or self.kinds)

    @property
    def indexes(self) -> list[str]:
        return ["notes_fts"] + (["psychotherapy_fts"] if self.include_psychotherapy else [])


@dataclass(frozen=True)
class Page:
    """One page of results: the hits shown, how many there are in all, how many of the
    newest matching notes were ranked (None: all of them were), and whether `total`
    stopped at COUNT_CAP notes (`more`: there are more than `total`)."""

    hits: list[SearchHit]
    total: int
    words: tuple[str, ...]
    ranked: int | None = None
    more: bool = False


# Both name columns: the hit shows domain.models.display_name, like every other list.
_DISPLAY = "c.legal_name, c.preferred_name"


# INDEXED BY: the planner would otherwise fetch each matching note's row (wide, encrypted
# pages) to test the filters; the covering index holds every column filtered on here.
def _note_where(fts: str, query: str, f: Filters) -> tuple[str, list[object]]:
    where = [f"{fts} MATCH ?"]
    params: list[object] = [query]
    if f.client_id is not None:
        where.append("n.client_id = ?")
        params.append(f.client_id)
    if f.since:
        where.append("n.service_date >= ?")
        params.append(f.since)
    if f.until:
        where.append("n.service_date <= ?")
        params.append(f.until)
    kinds = [k.value for k in f.kinds]
    if kinds:
        where.append(f"n.kind IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    return " AND ".join(where), params


_NoteRow = tuple[float, int, int, str, str, str, str]


def _note_select(fts: str, order: str, where: str, score: str = "") -> str:
    return (
        f"SELECT {score or fts + '.rank'}, n.id, n.client_id, {_DISPLAY}, n.service_date, n.kind"  # noqa: S608
        f" FROM {fts} JOIN notes n INDEXED BY notes_search ON n.id = {fts}.rowid"
        f" JOIN clients c ON c.id = n.client_id WHERE {where} ORDER BY {order} LIMIT ?"
    )


def _about_notes(f: Filters) -> bool:
    """Whether a filter needs the notes table (every FTS row is a note of a client)."""
    return f.client_id is not None or f.notes_only


def _window_start(conn: Connection, fts: str, query: str, f: Filters, window: int) -> int | None:
    """The rowid of the `window`-th newest matching note, or None if there are fewer."""
    where, params = _note_where(fts, query, f)
    join = f" JOIN notes n INDEXED BY notes_search ON n.id = {fts}.rowid" if _about_notes(f) else ""
    row = conn.execute(
        f"SELECT {fts}.rowid FROM {fts}{join}"  # noqa: S608
        f" WHERE {where} ORDER BY {fts}.rowid DESC LIMIT 1 OFFSET ?",
        (*params, window - 1),
    ).fetchone()
    return None if row is None else int(row[0])


def _best_notes(
    conn: Connection, fts: str, query: str, f: Filters, *, limit: int, window: int
) -> tuple[list[_NoteRow], bool]:
    """The best `limit` of the newest `window` matches (bm25), and whether that window
    left older matches out. Without note filters only the `limit` best are joined to
    their notes and clients.

    bm25() is called as a function and SQLite sorts: the same scores as FTS5's `rank`,
    but `ORDER BY rank` makes FTS5 run the query again in a statement of its own (its
    rank sorter): "PHQ-9" ranked in 14.8 ms that way, 7.9 ms this way, at twice the
    stress practice. Equal scores go newest first."""
    start = _window_start(conn, fts, query, f, window)
    return _rank(conn, fts, query, f, start=start, limit=limit), start is not None


def _rank(
    conn: Connection, fts: str, query: str, f: Filters, *, start: int | None, limit: int
) -> list[_NoteRow]:
    """bm25's best `limit` among the matches from rowid `start` on (all when None)."""
    where, params = _note_where(fts, query, f)
    if start is not None:
        where += f" AND {fts}.rowid >= ?"
        params.append(start)
    if _about_notes(f):
        sql = _note_select(fts, "1, n.id DESC", where, score=f"bm25({fts})")
    else:
        sql = (
            f"SELECT best.score, n.id, n.client_id, {_DISPLAY}, n.service_date, n.kind"  # noqa: S608
            f" FROM (SELECT rowid AS id, bm25({fts}) AS score FROM {fts} WHERE {where}"
            " ORDER BY score, rowid DESC LIMIT ?) AS best"
            " JOIN notes n INDEXED BY notes_search ON n.id = best.id"
            " JOIN clients c ON c.id = n.client_id ORDER BY best.score, best.id DESC"
        )
    rows: list[_NoteRow] = conn.execute(sql, (*params, limit)).fetchall()
    return rows


def _newest_notes(conn: Connection, fts: str, query: str, f: Filters, limit: int) -> list[_NoteRow]:
    """The newest `limit` matches by service date. Their bm25 scores come with their
    snippets (`_snippets`): selected here, FTS5 would score every match before the sort."""
    where, params = _note_where(fts, query, f)
    sql = _note_select(fts, "n.service_date DESC, n.id DESC", where, score="0.0")
    rows: list[_NoteRow] = conn.execute(sql, (*params, limit)).fetchall()
    return rows


def _snippets(
    conn: Connection,
    fts: str,
    query: str,
    rowids: list[int],
    marks: tuple[str, str],
    *,
    scores: bool = False,
) -> dict[int, tuple[str, float | None]]:
    """Snippets of the hits shown (and their bm25 scores when asked), in one pass over
    the rowid range they span."""
    if not rowids:
        return {}
    score = f"bm25({fts})" if scores else "NULL"
    rows = conn.execute(
        f"SELECT rowid, snippet({fts}, -1, ?, ?, '…', 16), {score} FROM {fts}"  # noqa: S608
        f" WHERE {fts} MATCH ? AND rowid BETWEEN ? AND ?"
        f" AND +rowid IN ({', '.join('?' for _ in rowids)})",
        (marks[0], marks[1], query, min(rowids), max(rowids), *rowids),
    ).fetchall()
    return {int(r[0]): (" ".join(str(r[1]).split()), r[2]) for r in rows}


def _client_filter(query: str, f: Filters) -> tuple[str, list[object]]:
    return ("", [query]) if f.client_id is None else (" AND c.id = ?", [query, f.client_id])


def _client_hits(conn: Connection, query: str, f: Filters, limit: int) -> list[SearchHit]:
    extra, params = _client_filter(query, f)
    people = conn.execute(
        f"SELECT clients_fts.rank, c.id, {_DISPLAY}, coalesce(c.intake_date, ''),"  # noqa: S608
        " highlight(clients_fts, 0, '[', ']') FROM clients_fts"
        " JOIN clients c ON c.id = clients_fts.rowid"
        f" WHERE clients_fts MATCH ?{extra} ORDER BY clients_fts.rank LIMIT ?",  # noqa: S608
        (*params, limit),
    ).fetchall()
    return [
        SearchHit("client", ClientId(r[1]), display_name(r[2], r[3]), r[4], "client", r[5], r[0])
        for r in people
    ]


def _diagnosis_hits(conn: Connection, query: str, f: Filters, limit: int) -> list[SearchHit]:
    extra, params = _client_filter(query, f)
    dx = conn.execute(
        f"SELECT diagnoses_fts.rank, c.id, {_DISPLAY}, coalesce(d.onset_date, ''),"  # noqa: S608
        " highlight(diagnoses_fts, 0, '[', ']') || ' ' || highlight(diagnoses_fts, 1, '[', ']')"
        " FROM diagnoses_fts"
        " JOIN diagnoses d ON d.id = diagnoses_fts.rowid JOIN clients c ON c.id = d.client_id"
        f" WHERE diagnoses_fts MATCH ?{extra} ORDER BY diagnoses_fts.rank LIMIT ?",  # noqa: S608
        (*params, limit),
    ).fetchall()
    return [
        SearchHit(
            "diagnosis", ClientId(r[1]), display_name(r[2], r[3]), r[4], "diagnosis", r[5], r[0]
        )
        for r in dx
    ]


def _name_hits(conn: Connection, query: str, f: Filters, limit: int) -> list[SearchHit]:
    return _client_hits(conn, query, f, limit) + _diagnosis_hits(conn, query, f, limit)


def page(
    conn: Connection,
    text: str,
    filters: Filters = Filters(),  # noqa: B008 - frozen dataclass, safe as a default
    *,
    limit: int = 50,
    order: Order = Order.BEST,
    marks: tuple[str, str] = ("[", "]"),
    window: int = RANK_WINDOW,
    count_cap: int | None = None,
) -> Page:
    """The first `limit` hits and how many there are: exactly up to `count_cap` notes
    per index (default COUNT_CAP), then `more` says there are more than that. BEST:
    bm25 among the newest max(`window`, 10 x `limit`) matching notes of each index (a
    larger page ranks a larger window); NEWEST: by date. Client and diagnosis hits
    (few) are all ranked, and left out when the filters are about notes (dates, note
    kinds)."""
    query = parse(text)
    if not query.fts:
        return Page([], 0, query.words)
    cap = COUNT_CAP if count_cap is None else count_cap
    fts, total, more = _resolve(conn, query, filters, cap)
    if total == 0:
        return Page([], 0, query.words)
    window = max(window, 10 * limit)
    found: list[tuple[str, _NoteRow]] = []
    windowed = False
    for index in filters.indexes:
        if order is Order.NEWEST:
            rows = _newest_notes(conn, index, fts, filters, limit)
        else:
            rows, cut = _best_notes(conn, index, fts, filters, limit=limit, window=window)
            windowed = windowed or cut
        found += [(index, row) for row in rows]
    if order is Order.NEWEST:
        found.sort(key=lambda item: (item[1][5], item[1][1]), reverse=True)
    else:
        found.sort(key=lambda item: item[1][0])
    found = found[:limit]
    newest = order is Order.NEWEST
    shown = {
        index: _snippets(
            conn, index, fts, [r[1] for i, r in found if i == index], marks, scores=newest
        )
        for index in filters.indexes
    }
    hits = []
    for index, (rank, nid, cid, legal, preferred, date, kind) in found:
        snippet, score = shown[index].get(nid, ("", None))
        hits.append(
            SearchHit(
                "psychotherapy" if index == "psychotherapy_fts" else "note",
                ClientId(cid),
                display_name(legal, preferred),
                date,
                kind,
                snippet,
                float(score if newest and score is not None else rank),
                NoteId(nid),
            )
        )
    if not filters.notes_only:
        hits += _name_hits(conn, fts, filters, limit)
        if order is Order.NEWEST:
            hits.sort(key=lambda h: h.date, reverse=True)
        else:
            hits.sort(key=lambda h: h.rank)
    if more and len(hits) < limit:  # every match is on this page: that is the count
        total, more = len(hits), False
    total = max(total, min(len(hits), limit))
    return Page(hits[:limit], total, query.words, window if windowed else None, more)


def search(
    conn: Connection,
    text: str,
    filters: Filters = Filters(),  # noqa: B008 - frozen dataclass, safe as a default
    *,
    limit: int = 50,
    marks: tuple[str, str] = ("[", "]"),
) -> list[SearchHit]:
    """Best `limit` hits, best first (see `page`)."""
    return page(conn, text, filters, limit=limit, marks=marks).hits


def _count(
    conn: Connection, query: str, filters: Filters, cap: int | None = None
) -> tuple[int, bool]:
    """How many hits, and whether there are more: each notes index counts its newest
    `cap` + 1 matches at most (None: all), so the count costs what `cap` rows cost
    however common the word; client names and diagnoses (few) are counted in full."""
    total, more = 0, False
    for fts in filters.indexes:
        limit = "" if cap is None else f" ORDER BY {fts}.rowid DESC LIMIT ?"
        where, params = _note_where(fts, query, filters)
        join = ""
        if _about_notes(filters):
            join = f" JOIN notes n INDEXED BY notes_search ON n.id = {fts}.rowid"
        found = int(
            conn.execute(
                f"SELECT count(*) FROM (SELECT {fts}.rowid FROM {fts}{join}"  # noqa: S608
                f" WHERE {where}{limit})",
                (*params, *([] if cap is None else [cap + 1])),
            ).fetchone()[0]
        )
        if cap is not None and found > cap:
            found, more = cap, True
        total += found
    if not filters.notes_only:
        extra, params = _client_filter(query, filters)
        total += conn.execute(
            "SELECT count(*) FROM clients_fts JOIN clients c ON c.id = clients_fts.rowid"  # noqa: S608
            f" WHERE clients_fts MATCH ?{extra}",
            params,
        ).fetchone()[0]
        total += conn.execute(
            "SELECT count(*) FROM diagnoses_fts JOIN diagnoses d"  # noqa: S608
            " ON d.id = diagnoses_fts.rowid JOIN clients c ON c.id = d.client_id"
            f" WHERE diagnoses_fts MATCH ?{extra}",
            params,
        ).fetchone()[0]
    return int(total), more


def count(conn: Connection, text: str, filters: Filters = Filters()) -> int:  # noqa: B008
    """How many hits `search` would find without its limit, exactly: count(*) over the
    same matches (no ranking, no snippets)."""
    query = parse(text)
    return _resolve(conn, query, filters)[1] if query.fts else 0
