"""Printable documents as data: the HTML body (for Qt's QTextDocument), the title that
goes into the PDF's metadata and the line printed at the foot of every page.

Every value that comes from the record reaches the HTML only through `esc`/`text_block`,
so a name or a note can never inject markup. Builders of documents (chart_document.py,
emergency_kit_document.py) and the audit of exports live beside this; the Qt renderer is
ui/pdf_render.py.

Must not import PySide6.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from therapynotes.atomic import FileBytes, WriteRefused, write_private_file
from therapynotes.domain.ids import ClientId
from therapynotes.errors import TherapyNotesError
from therapynotes.services.session import VaultSession
from therapynotes.store import audit
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import transaction


class DocumentNotSaved(TherapyNotesError):
    """The file could not be saved there, and nothing of it was left behind. Choose a
    folder you can write to, with free space, and try again."""


def save_file(path: Path, data: FileBytes) -> None:
    """The one way a PDF or an attachment copy reaches the disk: written privately
    beside `path`, fsynced, renamed into place; a link, folder or special file at
    `path` is refused, never followed; nothing is left on failure
    (atomic.write_private_file)."""
    try:
        write_private_file(path, data)
    except WriteRefused as exc:
        raise DocumentNotSaved(exc.reason) from None


@dataclass(frozen=True)
class PrintDocument:
    """`title` goes into the PDF's metadata, so it never names a client; `footer` is
    printed on every page next to the page number."""

    title: str
    html: str
    footer: str
    # Figures drawn after the text as vector graphics (the chart PDF's measure trends).
    figures: tuple[TrendFigure, ...] = ()


@dataclass(frozen=True)
class TrendFigure:
    """One instrument's scores over time for a client (ui/measures/trend.py draws it)."""

    instrument: str
    points: tuple[tuple[str, int], ...]  # (YYYY-MM-DD, total), oldest first
    sessions: tuple[str, ...] = ()  # days of attended sessions


class DocumentKind(StrEnum):
    CHART_PDF = "chart-pdf"
    ATTACHMENT = "attachment"


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def text_block(value: str) -> str:
    """Free text with its line breaks kept (escaped first, then <br/> inserted)."""
    return "<br/>".join(esc(line) for line in value.splitlines())


def record_export(
    session: VaultSession,
    client_id: ClientId,
    *,
    printed: bool,
    psychotherapy: bool,
    kind: DocumentKind = DocumentKind.CHART_PDF,
    attachment: int | None = None,
) -> None:
    """One audit row per export or print: the client's id and what kind, never a name or
    the file's path (it may contain a name the therapist typed)."""
    event = AuditKind.PRINTED if printed else AuditKind.EXPORTED
    detail: dict[str, object] = {"kind": kind.value, "psychotherapy": psychotherapy}
    if attachment is not None:
        detail["attachment"] = attachment
    with session.db_lock, transaction(session.conn):
        audit.append(session.conn, event, subject=f"client:{client_id}", detail=detail)
