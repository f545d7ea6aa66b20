"""The chart PDF holds the client's outcome measures: a table (every item's answer, the
band, the safety flag) and one trend figure per instrument drawn as vector graphics
after the text (no image in the PDF), with the footer on those pages too."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from tests.support.chart import build_sample_chart
from tests.support.pdf import pdf_pages, pdf_text
from tests.support.records import unlock_new_vault
from therapynotes.services.chart_document import ChartOptions, build_chart_document
from therapynotes.services.measures import MeasuresService
from therapynotes.services.records import RecordsService
from therapynotes.ui.chart_pdf import write_chart_pdf

TODAY = date(2027, 3, 1)


@pytest.fixture
def chart_records(qapp: object, vault_dir: Path, clock: FakeClock) -> Iterator[RecordsService]:
    del qapp
    session = unlock_new_vault(vault_dir, clock)
    yield RecordsService(session, clock=clock)
    session.lock("test finished")


def test_chart_pdf_has_the_measures_table_and_vector_trends(
    chart_records: RecordsService, clock: FakeClock, tmp_path: Path
) -> None:
    sample = build_sample_chart(chart_records, clock)
    measures = MeasuresService(chart_records.session, clock=clock)
    measures.record(sample.client, "PHQ-9", [3, 3, 3, 2, 2, 2, 2, 2, 1], given_on="2026-11-05")
    measures.record(sample.client, "PHQ-9", [2, 2, 1, 1, 1, 1, 1, 1, 0], given_on="2026-12-03")
    measures.record(sample.client, "PCL-5", [2] * 20, given_on="2026-12-03")
    document = build_chart_document(chart_records.conn, sample.client, ChartOptions(), today=TODAY)
    assert [f.instrument for f in document.figures] == ["PHQ-9", "PCL-5"]
    assert document.figures[0].points == (("2026-11-05", 20), ("2026-12-03", 10))
    plain = build_chart_document(
        chart_records.conn, sample.client, ChartOptions(date_to="2026-01-01"), today=TODAY
    )
    assert plain.figures == () and "Outcome measures" not in plain.html  # outside the period

    pdf = tmp_path / "chart.pdf"
    write_chart_pdf(chart_records.session, sample.client, ChartOptions(), pdf, today=TODAY)
    text = pdf_text(pdf)
    assert "Outcome measures" in text
    squeezed = text.replace(" ", "")  # pdftotext may drop the spaces between answers
    assert "333222221" in squeezed and "item 9 above zero" in text
    assert "severe" in text and "moderate" in text and "above threshold" in text
    assert "Kroenke" in text and "Weathers" in text
    pages = pdf_pages(pdf)
    last = text.split("\f")[pages - 1]
    assert "PHQ-9 over time" in last and "PCL-5 over time" in last  # the figure page
    assert f"Page {pages} of {pages}" in last and "Confidential" in last
    tool = shutil.which("pdfimages")
    if tool is None:
        pytest.skip("pdfimages (poppler-utils) is not installed")
    listing = subprocess.run(  # noqa: S603
        [tool, "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert len(listing.strip().splitlines()) == 2  # header lines only: no raster image
