"""CLI: `practice set/show` and `billing ...` on a real vault: fees, charges, payments,
balance, refusals (one line, exit 1). The PDF commands are tested in
tests/ui/test_billing_pdf_cli.py (Qt renders them; the test process's one Qt
application must be a QApplication)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.billing import session_on
from tests.support.vaults import STRONG, code_for, make_vault
from tests.unit.cli.test_vault_cli import run
from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.models import ClientFields
from therapynotes.services.records import RecordsService
from therapynotes.services.vault import VaultService

Cli = Callable[..., tuple[int, str, str]]
CANARY = "Billcanary"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch, capsys, clock: FakeClock) -> Cli:
    root = tmp_path / "vault"
    svc, created = make_vault(root, clock)
    session = svc.unlock(STRONG, code_for(created, clock()))
    records = RecordsService(session, clock=clock)
    ada = records.create_client(
        ClientFields("Ada Lovelace", date_of_birth="1990-12-10", address="12 Analytical Way")
    )
    first = records.add_diagnosis(ada, "F41.1", primary=True, onset_date="2026-01-01")
    records.add_diagnosis(ada, "F32.0", onset_date="2026-02-01")
    records.resolve_diagnosis(first, "2026-03-01")
    s1 = session_on(records, ada, "2026-01-10")
    session_on(records, ada, "2026-02-10", modality=Modality.VIDEO)
    session_on(records, ada, "2026-03-10", code="90837")
    session_on(records, ada, "2026-04-10", attendance=Attendance.NO_SHOW)
    session_on(records, ada, "2026-05-10")  # outside the superbill's range
    note = records.start_note(ada, "freeform", session_id=s1, sections={"text": CANARY + "note"})
    records.sign_note(note)
    records.start_note(ada, "psychotherapy", sections={"process": CANARY + "process"})
    session.lock("set up")

    def call(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        clock.advance(31)
        monkeypatch.setattr(
            "therapynotes.cli.common.VaultService", lambda r: VaultService(r, clock=clock)
        )
        secrets = f"{STRONG}\n{code_for(created, clock())}\n" if stdin is None else stdin
        return run(
            monkeypatch, capsys, "--vault", str(root), "--passphrase-stdin", *argv, stdin=secrets
        )

    return call


def _setup(cli: Cli) -> None:
    code, out, err = cli(
        "practice", "set", "--name", "Reyes Counselling", "--address", "1 Main St\\nSpringfield",
        "--npi", "1234567893", "--tax-id", "12-3456789", "--place-of-service", "10",
    )  # fmt: skip
    assert code == 0, err
    assert "tax-id\t12-3456789" in out.splitlines()
    for argv in (
        ("90834", "150", "--from", "2026-01-01"),
        ("90834", "1,250.50", "--from", "2026-03-05"),
        ("90837", "180.00", "--from", "2026-01-01"),
    ):
        code, _, err = cli("billing", "fees", "set", *argv)
        assert code == 0, err


def test_fees_charges_pay_balance(cli: Cli) -> None:
    _setup(cli)
    code, out, _ = cli("billing", "fees", "list")
    assert out.splitlines() == [
        "90834\t2026-01-01\t150.00", "90834\t2026-03-05\t1250.50", "90837\t2026-01-01\t180.00"
    ]  # fmt: skip
    code, out, err = cli("billing", "charges", "1")
    assert code == 0, err
    assert out.splitlines() == [
        "1\t2026-01-10\t90834\t150.00\t0.00\topen",
        "2\t2026-02-10\t90834\t150.00\t0.00\topen",
        "3\t2026-03-10\t90837\t180.00\t0.00\topen",
        "5\t2026-05-10\t90834\t1250.50\t0.00\topen",
    ]  # the no-show has no fee of its own: not charged
    code, out, err = cli("billing", "pay", "1", "--amount", "200", "--method", "cheque",
                         "--date", "2026-05-20")  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[-1] == "balance: 1530.50"
    code, out, _ = cli("billing", "charges", "1")
    assert [line.split("\t")[4:] for line in out.splitlines()[:2]] == [
        ["150.00", "paid"], ["50.00", "partly_paid"]
    ]  # fmt: skip
    code, out, _ = cli("billing", "balance", "1")
    assert (code, out) == (0, "balance: 1530.50\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("billing", "pay", "1", "--amount", "-5", "--method", "cash"), "cannot be negative"),
        (("billing", "pay", "1", "--amount", "1.005", "--method", "cash"), "two decimals"),
        (("billing", "pay", "1", "--amount", "ten", "--method", "cash"), "not valid"),
        (("billing", "pay", "1", "--amount", "5", "--method", "bitcoin"), "payment method"),
        (("billing", "fees", "set", "9999", "100"), "service code"),
        (("practice", "set", "--name", "P", "--npi", "1234567890"), "NPI is not valid"),
        (("practice", "set", "--name", "P", "--tax-id", "123456789"), "tax id"),
        (("practice", "set", "--name", "P", "--place-of-service", "12"), "place of service"),
    ],
)
def test_bad_input_is_refused_in_one_line(cli: Cli, argv: tuple[str, ...], message: str) -> None:
    code, out, err = cli(*argv)
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_ledger_write_off_refund_and_reverse(cli: Cli) -> None:
    _setup(cli)
    cli("billing", "charges", "1")
    code, out, err = cli("billing", "write-off", "1", "1", "--amount", "50", "--reason", "hardship")
    assert code == 0, err
    code, out, err = cli("billing", "adjust", "1", "2", "--amount", "-10", "--reason", "agreed")
    assert code == 0, err
    code, out, _ = cli("billing", "pay", "1", "--amount", "2000", "--method", "transfer")
    payment = out.splitlines()[0].split("\t")[1]
    assert out.splitlines()[-1] == "balance: -329.50"  # 1730.50 - 50 - 10 - 2000
    code, out, err = cli("billing", "refund", "1", "--amount", "329.50", "--method", "cheque")
    assert code == 0 and out.startswith("refund\t"), err
    code, out, _ = cli("billing", "balance", "1")
    assert out == "balance: 0.00\n"
    code, out, err = cli("billing", "reverse", "1", payment, "--reason", "bounced")
    assert code == 0, err
    code, out, _ = cli("billing", "balance", "1")
    assert out == "balance: 1670.50\n"
    code, out, _ = cli("billing", "ledger", "1")
    kinds = [line.split("\t")[2] for line in out.splitlines()]
    assert kinds.count("reversal") == 2 and "refund" in kinds and "write_off" in kinds
    code, _, err = cli("billing", "reverse", "1", payment, "--reason", "again")
    assert code == 1 and "already been reversed" in err
    code, out, err = cli("billing", "charges", "1")
    assert [line.split("\t")[-1] for line in out.splitlines()] == ["open"] * 4
