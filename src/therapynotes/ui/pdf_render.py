"""One renderer for every printable document (charts, the Emergency Kit): QTextDocument
laid out page by page onto a QPdfWriter or a QPrinter, with the document's footer and
"Page i of n" drawn by hand on every page (QTextDocument.print_ has no footers).

PDFs are rendered into memory (QBuffer) and reach the disk only through
documents.save_file (atomic.write_private_file): a temp file beside the chosen path,
fsync, rename, mode 0600, never through a link; the temp file is removed on any
failure. No other file is ever written.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLocale, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from therapynotes import APP_NAME
from therapynotes.services.documents import DocumentNotSaved, PrintDocument, save_file

MARGIN_MM = 18
BODY_POINT_SIZE = 10
FOOTER_POINT_SIZE = 8
PDF_DPI = 300


def page_size_for_locale(locale: QLocale | None = None) -> QPageSize:
    """US Letter where the locale measures in US units, A4 elsewhere."""
    system = (locale or QLocale()).measurementSystem()
    if system == QLocale.MeasurementSystem.ImperialUSSystem:
        return QPageSize(QPageSize.PageSizeId.Letter)
    return QPageSize(QPageSize.PageSizeId.A4)


def page_layout(size: QPageSize | None = None) -> QPageLayout:
    return QPageLayout(
        size or page_size_for_locale(),
        QPageLayout.Orientation.Portrait,
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
        QPageLayout.Unit.Millimeter,
    )


def plain_font(point_size: int) -> QFont:
    """The system font without ligatures, so copied or extracted text reads "fi", not
    one ligature glyph that search and screen readers miss."""
    font = QFont()
    font.setPointSize(point_size)
    for tag in ("liga", "clig", "dlig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def paint_document(document: PrintDocument, device: QPagedPaintDevice) -> int:
    """Lay `document` out on `device`'s pages; returns the number of pages drawn."""
    layout = device.pageLayout()
    area = layout.paintRectPixels(device.logicalDpiX())
    footer_font = plain_font(FOOTER_POINT_SIZE)
    # the footer band: two lines of small text plus a gap
    footer_h = device.logicalDpiY() * FOOTER_POINT_SIZE / 72 * 3.2
    body_h = area.height() - footer_h

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDefaultFont(plain_font(BODY_POINT_SIZE))
    doc.setDocumentMargin(0)
    doc.setHtml(document.html)
    doc.setPageSize(QSizeF(area.width(), body_h))
    text_pages = doc.pageCount()
    pages = text_pages + figure_pages(document)

    painter = QPainter()
    if not painter.begin(device):
        raise DocumentNotSaved("could not start the page")
    try:
        for index in range(pages):
            if index:
                device.newPage()
            if index < text_pages:
                _paint_page(painter, doc, index, body_h, area.width())
            else:
                _paint_figures(
                    painter, document, index - text_pages, QRectF(0, 0, area.width(), body_h)
                )
            _paint_footer(
                painter,
                footer_font,
                QRectF(0, body_h, area.width(), footer_h),
                left=document.footer,
                right=f"Page {index + 1} of {pages}",
            )
    finally:
        painter.end()
    return pages


def _paint_page(painter: QPainter, doc: QTextDocument, index: int, body_h: float, w: float) -> None:
    painter.save()
    top = index * body_h
    painter.translate(0, -top)
    ctx = QAbstractTextDocumentLayout.PaintContext()
    ctx.clip = QRectF(0, top, w, body_h)
    painter.setClipRect(ctx.clip)
    doc.documentLayout().draw(painter, ctx)
    painter.restore()


# --- figures after the text (the chart PDF's measure trends): vector, via QPainter ---

FIGURES_PER_PAGE = 2


def figure_pages(document: PrintDocument) -> int:
    return -(-len(document.figures) // FIGURES_PER_PAGE)


def _paint_figures(painter: QPainter, document: PrintDocument, page: int, band: QRectF) -> None:
    from therapynotes.domain import measures as defs  # noqa: PLC0415 - only charts have figures
    from therapynotes.ui.measures.trend import Colours, Point, paint_trend  # noqa: PLC0415

    chosen = document.figures[page * FIGURES_PER_PAGE : (page + 1) * FIGURES_PER_PAGE]
    height = band.height() / FIGURES_PER_PAGE
    for n, figure in enumerate(chosen):
        rect = QRectF(band.left(), band.top() + n * height, band.width(), height * 0.92)
        paint_trend(
            painter,
            rect,
            defs.instrument(figure.instrument),
            [Point(day, total) for day, total in figure.points],
            sessions=figure.sessions,
            colours=Colours.paper(),
        )


def _paint_footer(painter: QPainter, font: QFont, band: QRectF, *, left: str, right: str) -> None:
    painter.save()
    painter.setFont(font)
    painter.setPen(Qt.GlobalColor.darkGray)
    line_y = band.top() + band.height() * 0.35
    painter.drawLine(int(band.left()), int(line_y), int(band.right()), int(line_y))
    text = QRectF(band.left(), line_y, band.width(), band.bottom() - line_y)
    flags = Qt.AlignmentFlag.AlignBottom
    painter.drawText(text, int(flags | Qt.AlignmentFlag.AlignLeft), left)
    painter.drawText(text, int(flags | Qt.AlignmentFlag.AlignRight), right)
    painter.restore()


def render_pdf_bytes(document: PrintDocument, *, size: QPageSize | None = None) -> bytes:
    """The whole PDF in memory; nothing touches the disk."""
    return render_pdf_pages(document, size=size)[0]


def render_pdf_pages(
    document: PrintDocument, *, size: QPageSize | None = None
) -> tuple[bytes, int]:
    """The whole PDF in memory and its page count; nothing touches the disk."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setTitle(document.title)
    writer.setCreator(APP_NAME)
    writer.setPageLayout(page_layout(size))
    pages = paint_document(document, writer)
    del writer  # finishes the PDF into the buffer
    buffer.close()
    return bytes(data.data()), pages


def render_pdf(document: PrintDocument, path: Path, *, size: QPageSize | None = None) -> None:
    """Write the document to `path` atomically with mode 0600."""
    save_file(path, render_pdf_bytes(document, size=size))
