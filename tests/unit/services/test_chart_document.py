"""The chart document for records requests, without Qt: what goes in, what stays out,
the date filter, escaping, and the audit row of an export."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import FakeClock
from tests.support.chart import build_sample_chart
from tests.support.records import add_client
from therapynotes.domain.roles import OWNER_LOGIN, Login, Role
from therapynotes.errors import RoleRefused
from therapynotes.records_errors import ClientNotFound
from therapynotes.services import review
from therapynotes.services.chart_document import (
    PRACTICE_NAME_KEY,
    ChartOptions,
    build_chart_document,
    chart_pdf_document,
)
from therapynotes.services.documents import record_export
from therapynotes.services.records import RecordsService
from therapynotes.services.session import VaultSession
from therapynotes.settings import write_settings
from therapynotes.store import audit

TODAY = date(2027, 3, 1)


def _html(records: RecordsService, client: int, **options: object) -> str:
    opts = ChartOptions(**options)  # type: ignore[arg-type]
    return build_chart_document(records.conn, client, opts, today=TODAY).html  # type: ignore[arg-type]


def test_default_document_has_the_record_and_not_the_private_parts(
    records: RecordsService, clock: FakeClock
) -> None:
    sample = build_sample_chart(records, clock)
    before = len(audit.entries(records.conn))
    text = _html(records, sample.client)
    for present in (
        "Quillon Canaryname",
        "F41.1",
        "Plancanary worry",
        "Signedcanary alpha<br/>second line",
        "Addendumcanary correction",
        "Latecanary session",
        "Late entry",
        "90791",
        "90834",
        "90837",
        "Content SHA-256",
        "Psychotherapy notes (process notes) are not part of this record",
    ):
        assert present in text, present
    for absent in ("Processcanary", "Voidedcanary", "Draftcanary"):
        assert absent not in text, absent
    assert len(audit.entries(records.conn)) == before  # building is not an export


def test_psychotherapy_notes_only_when_asked(records: RecordsService, clock: FakeClock) -> None:
    sample = build_sample_chart(records, clock)
    text = _html(records, sample.client, include_psychotherapy=True)
    assert "Processcanary musing" in text
    assert "Psychotherapy note (process note)" in text
    assert "Voidedcanary" not in text


def test_date_range_limits_sessions_and_notes(records: RecordsService, clock: FakeClock) -> None:
    sample = build_sample_chart(records, clock)
    early = _html(records, sample.client, date_to=sample.first_date)
    assert "Signedcanary" in early and "Latecanary" not in early
    assert "90791" in early and "90837" not in early
    late = _html(records, sample.client, date_from=sample.last_date)
    assert "Latecanary" in late and "Signedcanary" not in late
    assert f"Covers {sample.last_date} to the last record" in late


def test_values_are_escaped_and_practice_name_shown(records: RecordsService) -> None:
    client = add_client(records, "<b>Evil</b> & Co", alerts="<script>x</script>")
    write_settings(records.conn, {PRACTICE_NAME_KEY: "Calm & Co <Therapy>"})
    records.add_attachment(
        client, filename="<consent>.pdf", media_type="application/pdf", data=b"x"
    )
    text = _html(records, client)
    assert "Documents on file" in text and "&lt;consent&gt;.pdf" in text
    assert "<b>Evil</b>" not in text and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in text
    assert "<script>" not in text
    assert "Calm &amp; Co &lt;Therapy&gt;" in text


def test_unknown_client(records: RecordsService) -> None:
    with pytest.raises(ClientNotFound):
        _html(records, 999)


def test_export_audit_row_has_no_names(records: RecordsService) -> None:
    client = add_client(records, "Auditcanary Person")
    record_export(records.session, client, printed=False, psychotherapy=True)
    record_export(records.session, client, printed=True, psychotherapy=False)
    rows = audit.entries(records.conn)[-2:]
    assert [(r.kind, r.subject) for r in rows] == [
        ("export", f"client:{client}"),
        ("print", f"client:{client}"),
    ]
    assert rows[0].detail == {"kind": "chart-pdf", "psychotherapy": True}
    assert "Auditcanary" not in repr(rows)
    assert audit.verify(records.conn).ok


def test_signature_lines_name_the_signer_as_they_were(
    records: RecordsService, clock: FakeClock
) -> None:
    """Signed before any profile: the old wording, unchanged; signed after: the signer
    by name; a later profile change alters neither."""
    from therapynotes.domain.profile import ClinicianProfile  # noqa: PLC0415
    from therapynotes.services.chart_document import local_time, signed_time  # noqa: PLC0415
    from therapynotes.services.profile import ProfileService  # noqa: PLC0415

    client = add_client(records, "Quillon Canaryname")
    old = records.sign_note(
        records.start_note(client, "freeform", sections={"text": "Before the profile."})
    )
    old_line = f"Electronically signed by the treating clinician on {local_time(old.signed_at)}."
    assert old_line in _html(records, client)

    profiles = ProfileService(records.session, clock=clock)
    profiles.set(ClinicianProfile("Dana Reyes", "PsyD", "PSY 12345", "CA"))
    clock.advance(60)
    new = records.sign_note(
        records.start_note(client, "freeform", sections={"text": "After the profile."})
    )
    records.add_addendum(new.id, "Addendum after.")
    profiles.set(ClinicianProfile("Dana Reyes-Park", "PhD", "PSY 99999"))
    text = _html(records, client)
    assert old_line in text
    assert old.signed_at and new.signed_at
    when = signed_time(new.signed_at)
    assert f"Electronically signed by Dana Reyes, PsyD, PSY 12345, {when}." in text
    assert "Addendum signed by Dana Reyes, PsyD, PSY 12345, " in text
    assert "Reyes-Park" not in text and "PSY 99999" not in text


def test_a_cosignature_is_printed_under_its_note(
    unlocked: VaultSession, records: RecordsService, clock: FakeClock
) -> None:
    sample = build_sample_chart(records, clock)
    first = next(n.id for n in records.open_chart(sample.client).notes if n.addenda)
    unlocked.login = Login("rlee", Role.SUPERVISOR)
    review.set_signature(unlocked, "Dr. Rosa Cosigncanary, PhD #12345")
    made = review.cosign(unlocked, first)
    review.add_comment(unlocked, first, "Commentcanary: good work")
    unlocked.login = OWNER_LOGIN
    text = _html(records, sample.client)
    line = text.index("Co-signed by Dr. Rosa Cosigncanary, PhD #12345 on ")
    assert text.index("Addendumcanary correction") < line  # under the note it vouches for
    assert made.content_hash in text[line:]
    assert "Commentcanary" not in text  # review comments are not part of the record
    unlocked.login = Login("rlee", Role.SUPERVISOR)
    with pytest.raises(RoleRefused, match="A supervisor's login cannot print or save a chart"):
        chart_pdf_document(unlocked, sample.client, ChartOptions(), today=TODAY)
    unlocked.login = OWNER_LOGIN
    assert (
        "Co-signed by"
        in chart_pdf_document(unlocked, sample.client, ChartOptions(), today=TODAY).html
    )
