"""Render a billing document (services/billing_documents.py) to a PDF file with the
chart PDF's machinery (ui/pdf_render.py), then audit it. Used by the CLI (headless) and
the Billing tab."""

from __future__ import annotations

from pathlib import Path

from therapynotes.domain.ids import ClientId
from therapynotes.services.billing_documents import record_document
from therapynotes.services.documents import PrintDocument
from therapynotes.services.session import VaultSession
from therapynotes.ui.pdf_render import render_pdf


def write_billing_pdf(
    session: VaultSession, client_id: ClientId, document: PrintDocument, kind: str, path: Path
) -> None:
    """Write `document` to `path` (private, atomic) and audit it by kind."""
    render_pdf(document, path)
    record_document(session, client_id, kind)


def default_file_name(kind: str, day: str) -> str:
    """Never the client's name: file names show up in recent-file lists and backups."""
    return f"{kind}-{day}.pdf"
