"""Full-text search (FTS5, inside the encrypted database) over notes, client names and
diagnoses, ranked by bm25 with highlighted snippets.

The indexes are kept in step by triggers (m0003_records). Psychotherapy notes live in
their own index and are read only when the caller asks for them. Snippets are made in a
second step for the hits that are returned, not for every match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.ids import ClientId, NoteId
from therapynotes.domain.models import SearchHit, display_name
from therapynotes.store.connection import Connection

_TOKEN = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')


def to_fts_query(text: str) -> str:
    """User text -> an FTS5 query: quoted phrases stay phrases, other words must all
    match. Every token is quoted, so FTS5 operators typed by the user are plain words."""
    parts: list[str] = []
    for phrase in _PHRASE.findall(text):
        words = _TOKEN.findall(phrase)
        if words:
            parts.append('"' + " ".join(words) + '"')
    rest = _PHRASE.sub(" ", text)
    parts.extend(f'"{w}"' for w in _TOKEN.findall(rest))
    return " ".join(parts)


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


def _note_hits(
    conn: Connection, fts: str, query: str, f: Filters, limit: int
) -> list[tuple[float, int, int, str, str, str, str]]:
    where, params = _note_where(fts, query, f)
    sql = (
        f"SELECT {fts}.rank, n.id, n.client_id, {_DISPLAY}, n.service_date, n.kind"  # noqa: S608
        f" FROM {fts} JOIN notes n INDEXED BY notes_search ON n.id = {fts}.rowid"
        " JOIN clients c ON c.id = n.client_id"
        f" WHERE {where} ORDER BY {fts}.rank LIMIT ?"
    )
    return conn.execute(sql, (*params, limit)).fetchall()  # type: ignore[no-any-return]


def _snippet(conn: Connection, fts: str, query: str, rowid: int, marks: tuple[str, str]) -> str:
    row = conn.execute(
        f"SELECT snippet({fts}, -1, ?, ?, '…', 16) FROM {fts} WHERE {fts} MATCH ? AND rowid = ?",  # noqa: S608
        (marks[0], marks[1], query, rowid),
    ).fetchone()
    return " ".join(str(row[0]).split()) if row else ""


def _client_filter(query: str, f: Filters) -> tuple[str, list[object]]:
    return ("", [query]) if f.client_id is None else (" AND c.id = ?", [query, f.client_id])


def _name_hits(conn: Connection, query: str, f: Filters, limit: int) -> list[SearchHit]:
    extra, params = _client_filter(query, f)
    people = conn.execute(
        f"SELECT clients_fts.rank, c.id, {_DISPLAY}, coalesce(c.intake_date, ''),"  # noqa: S608
        " highlight(clients_fts, 0, '[', ']') FROM clients_fts"
        " JOIN clients c ON c.id = clients_fts.rowid"
        f" WHERE clients_fts MATCH ?{extra} ORDER BY clients_fts.rank LIMIT ?",  # noqa: S608
        (*params, limit),
    ).fetchall()
    found = [
        SearchHit("client", ClientId(r[1]), display_name(r[2], r[3]), r[4], "client", r[5], r[0])
        for r in people
    ]
    dx = conn.execute(
        f"SELECT diagnoses_fts.rank, c.id, {_DISPLAY}, coalesce(d.onset_date, ''),"  # noqa: S608
        " d.code || ' ' || highlight(diagnoses_fts, 1, '[', ']') FROM diagnoses_fts"
        " JOIN diagnoses d ON d.id = diagnoses_fts.rowid JOIN clients c ON c.id = d.client_id"
        f" WHERE diagnoses_fts MATCH ?{extra} ORDER BY diagnoses_fts.rank LIMIT ?",  # noqa: S608
        (*params, limit),
    ).fetchall()
    found += [
        SearchHit(
            "diagnosis", ClientId(r[1]), display_name(r[2], r[3]), r[4], "diagnosis", r[5], r[0]
        )
        for r in dx
    ]
    return found


def search(
    conn: Connection,
    text: str,
    filters: Filters = Filters(),  # noqa: B008 - frozen dataclass, safe as a default
    *,
    limit: int = 50,
    marks: tuple[str, str] = ("[", "]"),
) -> list[SearchHit]:
    """Best `limit` hits, best first. Client and diagnosis hits are left out when the
    filters are about notes (dates, note kinds)."""
    query = to_fts_query(text)
    if not query:
        return []
    indexes = ["notes_fts"] + (["psychotherapy_fts"] if filters.include_psychotherapy else [])
    ranked: list[tuple[float, str, tuple[int, int, str, str, str]]] = []
    for fts in indexes:
        for rank, nid, cid, legal, preferred, date, kind in _note_hits(
            conn, fts, query, filters, limit
        ):
            name = display_name(legal, preferred)
            ranked.append((float(rank), fts, (nid, cid, name, date, kind)))
    ranked.sort(key=lambda item: item[0])
    hits = [
        SearchHit(
            "psychotherapy" if fts == "psychotherapy_fts" else "note",
            ClientId(cid),
            name,
            date,
            kind,
            _snippet(conn, fts, query, nid, marks),
            rank,
            NoteId(nid),
        )
        for rank, fts, (nid, cid, name, date, kind) in ranked[:limit]
    ]
    if not filters.notes_only:
        hits += _name_hits(conn, query, filters, limit)
        hits.sort(key=lambda h: h.rank)
    return hits[:limit]


def count(conn: Connection, text: str, filters: Filters = Filters()) -> int:  # noqa: B008
    """How many hits `search` would find without its limit: count(*) over the same
    matches (no ranking, no snippets), so "first 50 of N" stays cheap."""
    query = to_fts_query(text)
    if not query:
        return 0
    indexes = ["notes_fts"] + (["psychotherapy_fts"] if filters.include_psychotherapy else [])
    total = 0
    for fts in indexes:
        where, params = _note_where(fts, query, filters)
        total += conn.execute(
            f"SELECT count(*) FROM {fts} JOIN notes n INDEXED BY notes_search"  # noqa: S608
            f" ON n.id = {fts}.rowid WHERE {where}",
            params,
        ).fetchone()[0]
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
    return int(total)
