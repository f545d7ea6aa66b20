"""Scoring of the outcome measures: published bands at every edge, refusals (never a
zero for a missing answer), and the total always the item sum (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapynotes.domain import measures as m
from therapynotes.records_errors import InvalidAnswers, UnknownInstrument


def _answers_totalling(definition: m.Instrument, total: int) -> list[int]:
    """A valid answer set with the given total (filled from the first item on)."""
    answers = []
    left = total
    for _ in definition.items:
        a = min(left, definition.max_answer)
        answers.append(a)
        left -= a
    assert left == 0
    return answers


def test_three_instruments_defined_as_data_with_their_sources() -> None:
    assert list(m.INSTRUMENTS) == ["PHQ-9", "GAD-7", "PCL-5"]
    assert [len(i.items) for i in m.INSTRUMENTS.values()] == [9, 7, 20]
    assert [i.max_total for i in m.INSTRUMENTS.values()] == [27, 21, 80]
    assert "Kroenke" in m.PHQ9.source and "2001" in m.PHQ9.source
    assert "Spitzer" in m.GAD7.source and "2006" in m.GAD7.source
    assert "Weathers" in m.PCL5.source and "Blevins" in m.PCL5.source
    assert "No permission required" in m.PHQ9.notice
    assert m.PHQ9.items[8].startswith("Thoughts that you would be better off dead")
    assert m.PCL5.threshold == 33


@pytest.mark.parametrize(
    ("instrument", "edges"),
    [
        (
            "PHQ-9",
            [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
             (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"),
             (20, "severe"), (27, "severe")],
        ),
        (
            "GAD-7",
            [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
             (14, "moderate"), (15, "severe"), (21, "severe")],
        ),
    ],
)  # fmt: skip
def test_bands_at_every_edge(instrument: str, edges: list[tuple[int, str]]) -> None:
    definition = m.instrument(instrument)
    for total, band in edges:
        scored = m.score(definition, _answers_totalling(definition, total))
        assert (scored.total, scored.band, scored.threshold) == (total, band, "")


@pytest.mark.parametrize(
    ("total", "where"), [(0, "below"), (32, "below"), (33, "above"), (80, "above")]
)
def test_pcl5_threshold_at_its_edge(total: int, where: str) -> None:
    scored = m.score(m.PCL5, _answers_totalling(m.PCL5, total))
    assert (scored.total, scored.band, scored.threshold) == (total, "", where)
    assert m.band_or_threshold(m.PCL5, total) == f"{where} threshold"


def test_published_example_phq9_hand_computed() -> None:
    # Kroenke 2001 scoring: item scores 0-3 summed; this set is 1+2+2+1+0+1+1+0+1 = 9, mild
    scored = m.score(m.PHQ9, [1, 2, 2, 1, 0, 1, 1, 0, 1])
    assert scored.total == 9 and scored.band == "mild"
    assert len(scored.risks) == 1 and "Item 9" in scored.risks[0]
    assert m.score(m.PHQ9, [3] * 8 + [0]).risks == ()  # 24, severe, no flag
    assert m.score(m.PHQ9, [3] * 8 + [0]).band == "severe"


def test_gad7_hand_computed() -> None:
    assert m.score(m.GAD7, [2, 2, 1, 3, 0, 1, 2]).total == 11
    assert m.score(m.GAD7, [2, 2, 1, 3, 0, 1, 2]).band == "moderate"


@pytest.mark.parametrize(
    "answers",
    [
        [0] * 8,  # too few
        [0] * 10,  # too many
        [0] * 8 + [None],  # missing: never scored as zero
        [0] * 8 + [4],  # off the scale
        [0] * 8 + [-1],
        [0] * 8 + [True],  # a boolean is no answer
        [0] * 8 + ["1"],
        [0] * 8 + [1.0],
    ],
)
def test_bad_answer_sets_are_refused(answers: list[object]) -> None:
    with pytest.raises(InvalidAnswers):
        m.score(m.PHQ9, answers)


def test_unknown_instrument_refused() -> None:
    with pytest.raises(UnknownInstrument):
        m.instrument("BDI-II")
    with pytest.raises(UnknownInstrument):
        m.instrument("phq-9")


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[m.Instrument, list[int]]:
    definition = draw(st.sampled_from(list(m.INSTRUMENTS.values())))
    answers = draw(
        st.lists(
            st.integers(0, definition.max_answer),
            min_size=len(definition.items),
            max_size=len(definition.items),
        )
    )
    return definition, answers


@given(answer_sets())
def test_total_is_the_item_sum_for_every_valid_answer_set(
    case: tuple[m.Instrument, list[int]],
) -> None:
    definition, answers = case
    scored = m.score(definition, answers)
    assert scored.total == sum(answers)
    assert 0 <= scored.total <= definition.max_total
    if definition.bands:
        lows = [b.lowest for b in definition.bands if b.lowest <= scored.total]
        assert scored.band == definition.bands[len(lows) - 1].label
    assert bool(scored.risks) == any(answers[r.index] for r in definition.risk_items)


@given(answer_sets(), st.integers(0, 30), st.integers(-3, 6))
def test_any_invalid_answer_anywhere_is_refused(
    case: tuple[m.Instrument, list[int]], where: int, bad: int
) -> None:
    definition, answers = case
    if 0 <= bad <= definition.max_answer:
        bad = definition.max_answer + 1
    answers[where % len(answers)] = bad
    with pytest.raises(InvalidAnswers):
        m.score(definition, answers)


def test_reliable_change_both_ways() -> None:
    assert m.reliable_change(m.PHQ9, 19, 13) == "improved"
    assert m.reliable_change(m.PHQ9, 19, 14) == ""
    assert m.reliable_change(m.GAD7, 6, 10) == "worsened"
    assert m.reliable_change(m.PCL5, 50, 41) == ""
