"""CLI billing documents (Qt renders them, so these live with the UI tests, which own
the process's QApplication): a superbill lists exactly the sessions in range with the
diagnoses current on each date, its totals equal the ledger, and no note text reaches
any billing document (canary)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pdf import pdf_text
from tests.unit.cli.test_billing_cli import CANARY, Cli, _setup
from tests.unit.cli.test_billing_cli import cli as cli  # noqa: PLC0414 - the fixture


@pytest.fixture(autouse=True)
def _qt_first(qapp: object) -> None:
    """The QApplication exists before a command asks for one (headless_app reuses it)."""
    del qapp


def test_superbill_lists_the_sessions_in_range_with_current_diagnoses(
    cli: Cli, tmp_path: Path
) -> None:
    _setup(cli)
    cli("billing", "pay", "1", "--amount", "200", "--method", "card", "--date", "2026-03-20")
    target = tmp_path / "superbill.pdf"
    code, out, err = cli("billing", "superbill", "1", "--from", "2026-01-01", "--to",
                         "2026-04-30", "--pdf", str(target))  # fmt: skip
    assert code == 0, err
    text = pdf_text(target, layout=True)
    rows = [line.split() for line in text.splitlines() if line.strip().startswith("2026-0")]
    assert [r[:3] for r in rows] == [
        ["2026-01-10", "11", "90834"],
        ["2026-02-10", "10", "90834-95"],  # video: modifier 95, the practice's telehealth POS
        ["2026-03-10", "11", "90837"],
    ]  # 2026-04-10 was a no-show, 2026-05-10 is out of range
    assert "F41.1" in rows[0] and "F32.0" not in rows[0]
    assert rows[1][3:5] == ["F41.1,", "F32.0"]  # primary first
    assert "F41.1" not in " ".join(rows[2]) and "F32.0" in rows[2]  # resolved 03-01
    total = next(line for line in text.splitlines() if line.strip().startswith("Total"))
    assert total.split()[1:] == ["3", "$480.00", "$200.00"]  # fees and paid, as the ledger
    for needed in ("Ada Lovelace", "1990-12-10", "12 Analytical Way", "Reyes Counselling",
                   "12-3456789", "1234567893"):  # fmt: skip
        assert needed in text
    assert CANARY.lower() not in text.lower()


def test_no_note_text_reaches_any_billing_document(cli: Cli, tmp_path: Path) -> None:
    _setup(cli)
    code, out, _ = cli("billing", "pay", "1", "--amount", "100", "--method", "cash")
    payment = out.splitlines()[0].split("\t")[1]
    made = {
        "superbill": ("billing", "superbill", "1", "--from", "2026-01-01", "--to", "2026-12-31"),
        "statement": ("billing", "statement", "1", "--from", "2026-01-01", "--to", "2026-12-31"),
        "receipt": ("billing", "receipt", "1", payment),
        "estimate": (
            "billing",
            "estimate",
            "1",
            "--code",
            "90834",
            "--sessions",
            "12",
            "--from",
            "2026-06-01",
            "--to",
            "2026-12-31",
        ),  # fmt: skip
    }
    for name, argv in made.items():
        target = tmp_path / f"{name}.pdf"
        code, _, err = cli(*argv, "--pdf", str(target))
        assert code == 0, (name, err)
        text = pdf_text(target)
        assert "Ada Lovelace" in text, name
        assert CANARY.lower() not in text.lower(), name
    estimate = pdf_text(tmp_path / "estimate.pdf")
    assert "Good Faith Estimate" in estimate and "$15,006.00" in estimate  # 12 x 1,250.50
    assert "1-800-985-3059" in estimate and "120 calendar" in " ".join(estimate.split())
    statement = " ".join(pdf_text(tmp_path / "statement.pdf").split())
    assert "balance due on 2026-12-31: $1,630.50" in statement
    code, out, err = cli("billing", "estimate", "1", "--code", "90791", "--sessions", "1",
                         "--pdf", str(tmp_path / "x.pdf"))  # fmt: skip
    assert code == 1 and "no fee" in err and not (tmp_path / "x.pdf").exists()
