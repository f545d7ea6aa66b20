"""The Emergency Kit: a one-page PDF with the recovery key, for printing.

Holds the recovery key and the vault id, never anything about clients. The therapist
chooses where it goes; the page says to print it and delete the file.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from therapynotes import APP_NAME


def kit_html(recovery_key: str, vault_id: str, made_on: str) -> str:
    groups = recovery_key.split("-")
    rows = [" ".join(groups[i : i + 7]) for i in range(0, len(groups), 7)]
    key = "<br/>".join(html.escape(row) for row in rows)
    return f"""
    <h1>{APP_NAME} Emergency Kit</h1>
    <p>This recovery key opens your vault if you forget your passphrase or move to a new
    computer. Anyone who has it and a copy of your vault can read your records: keep it
    somewhere safe, away from the computer, like a passport.</p>
    <p><b>Print this page, then delete the file.</b></p>
    <h2>Recovery key</h2>
    <p style="font-size: 16pt; font-family: monospace; line-height: 150%;">{key}</p>
    <h2>How to use it</h2>
    <p>On the lock screen, choose <i>Use recovery key</i>, type the key (spaces and dashes
    don't matter), then choose a new passphrase.</p>
    <p style="color: #555555;">Vault {html.escape(vault_id[:8])} &middot;
    made {html.escape(made_on)}</p>
    """


def write_emergency_kit(path: Path, *, recovery_key: str, vault_id: str) -> None:
    writer = QPdfWriter(str(path))
    writer.setTitle(f"{APP_NAME} Emergency Kit")
    writer.setCreator(APP_NAME)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(20, 20, 20, 20),
            QPageLayout.Unit.Millimeter,
        )
    )
    doc = QTextDocument()
    font = doc.defaultFont()
    font.setPointSize(11)
    doc.setDefaultFont(font)
    doc.setHtml(kit_html(recovery_key, vault_id, datetime.now(UTC).strftime("%d %b %Y")))
    doc.print_(writer)
