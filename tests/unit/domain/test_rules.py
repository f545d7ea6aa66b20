from __future__ import annotations

import pytest

from therapynotes.domain import rules


@pytest.mark.parametrize(
    ("signed_at", "late"),
    [
        ("2027-01-02T10:00:00Z", False),  # exactly 24 h: not late
        ("2027-01-02T10:00:01Z", True),
        ("2027-01-01T10:30:00Z", False),
        ("2027-01-05T09:00:00Z", True),
    ],
)
def test_late_entry_boundary(signed_at: str, late: bool) -> None:
    assert (
        rules.is_late_entry(occurred_at="2027-01-01T10:00:00Z", signed_at=signed_at, hours=24)
        is late
    )


def test_late_entry_threshold_is_a_parameter() -> None:
    args = {"occurred_at": "2027-01-01T10:00:00Z", "signed_at": "2027-01-01T20:00:00Z"}
    assert rules.is_late_entry(**args, hours=8)
    assert not rules.is_late_entry(**args, hours=12)


def _hash(**changes: object) -> str:
    base: dict[str, object] = {
        "client_id": 1,
        "session_id": 2,
        "kind": "progress",
        "template": "soap",
        "service_date": "2027-01-01",
        "sections": {"subjective": "a", "plan": "b"},
        "signed_at": "2027-01-01T12:00:00Z",
    }
    base.update(changes)
    return rules.note_content_hash(**base)  # type: ignore[arg-type]


def test_content_hash_is_canonical_and_covers_every_field() -> None:
    assert _hash() == _hash(sections={"plan": "b", "subjective": "a"})  # key order
    assert len(_hash()) == 64
    variants = [
        _hash(client_id=9),
        _hash(session_id=None),
        _hash(kind="intake"),
        _hash(template="dap"),
        _hash(service_date="2027-01-02"),
        _hash(sections={"subjective": "a", "plan": "c"}),
        _hash(signed_at="2027-01-01T12:00:01Z"),
    ]
    assert len({_hash(), *variants}) == len(variants) + 1


def test_addendum_hash_chains_to_the_note() -> None:
    one = rules.addendum_content_hash(
        note_hash="a" * 64, text="x", signed_at="2027-01-01T00:00:00Z"
    )
    two = rules.addendum_content_hash(
        note_hash="b" * 64, text="x", signed_at="2027-01-01T00:00:00Z"
    )
    assert one != two


def test_meaningful_change() -> None:
    now = "2027-01-01T10:00:00Z"
    first = {"s": "hello"}
    assert rules.is_meaningful_change(previous=None, current=first, last_revision_at=None, now=now)
    same = rules.is_meaningful_change(
        previous=first, current=first, last_revision_at="2027-01-01T09:00:00Z", now=now
    )
    assert not same
    small = {"s": "hello there"}
    assert not rules.is_meaningful_change(
        previous=first, current=small, last_revision_at="2027-01-01T09:58:00Z", now=now
    )
    assert rules.is_meaningful_change(
        previous=first, current=small, last_revision_at="2027-01-01T09:55:00Z", now=now
    )
    big = {"s": "x" * 300}
    assert rules.is_meaningful_change(
        previous=first, current=big, last_revision_at="2027-01-01T09:59:59Z", now=now
    )
