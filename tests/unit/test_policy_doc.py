"""docs/security.md "What each role may do" is exactly the table POLICY generates, so the
document and the code cannot drift (issue 17 phase B)."""

from __future__ import annotations

from pathlib import Path

from therapynotes.domain.roles import Role
from therapynotes.services.policy import POLICY, UseCase, markdown_table

DOC = Path(__file__).parents[2] / "docs" / "security.md"


def test_the_security_doc_holds_the_policy_table() -> None:
    text = DOC.read_text("utf-8")
    start = text.index("<!-- policy-table -->\n") + len("<!-- policy-table -->\n")
    end = text.index("<!-- /policy-table -->")
    assert text[start:end] == markdown_table()


def test_the_generated_table_says_what_policy_says() -> None:
    rows = markdown_table().splitlines()[2:]
    assert len(rows) == len(UseCase)
    for use, row in zip(UseCase, rows, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == f"`{use.value}`"
        marks = dict(zip((Role.OWNER, Role.SUPERVISOR, Role.ASSISTANT), cells[2:], strict=True))
        assert {r for r, m in marks.items() if m == "yes"} == set(POLICY[use])
