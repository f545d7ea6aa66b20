"""CPT time rules for individual psychotherapy (90832/90834/90837)."""

from __future__ import annotations

import pytest

from therapynotes.domain.codes import duration_problem, timed_code_for


@pytest.mark.parametrize(
    ("minutes", "code"),
    [
        (15, None),
        (16, "90832"),
        (37, "90832"),
        (38, "90834"),
        (52, "90834"),
        (53, "90837"),
        (120, "90837"),
    ],
)
def test_the_code_a_length_meets(minutes: int, code: str | None) -> None:
    assert timed_code_for(minutes) == code


def test_a_mismatch_says_what_fits() -> None:
    assert duration_problem("90834", 45) == ""
    assert duration_problem("90791", 5) == ""  # no time rule
    assert duration_problem("90837", 45) == (
        "90837 is for 53 minutes or more; this session is 45 minutes. "
        "Choose 90834, or correct the times."
    )
    assert "under 16 minutes" in duration_problem("90832", 10)
    assert "38 to 52 minutes" in duration_problem("90834", 37)
