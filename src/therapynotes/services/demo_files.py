"""Small but real files for the demo practice's attachments: a one-page PDF 1.4 with a
few lines of text, and a PNG of a letter-like page. Written by hand (no Qt here: the
services stay Qt-free) so every demo attachment opens in the app's viewer."""

from __future__ import annotations

import struct
import zlib

_GREY = 150


def pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A one-page A4 PDF 1.4 showing `title` and `lines` in Helvetica; the xref table
    holds each object's real byte offset."""
    text = [f"BT /F1 18 Tf 72 770 Td ({_pdf_text(title)}) Tj ET"]
    for n, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 72 {740 - 16 * n} Td ({_pdf_text(line)}) Tj ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_text(text: str) -> str:
    """A PDF literal string's content: backslash, parentheses escaped; Latin-1 only."""
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def png(width: int, height: int, line_lengths: tuple[float, ...] = ()) -> bytes:
    """An 8-bit greyscale PNG of a white page with grey bars where lines of text would be
    (`line_lengths` are fractions of the text width, one per line)."""
    margin = max(1, width // 10)
    rows = []
    for y in range(height):
        pixels = bytearray([255] * width)
        line, within = divmod(y - margin, 12)
        if 0 <= line < len(line_lengths) and y >= margin and within < 6:
            end = margin + int((width - 2 * margin) * line_lengths[line])
            pixels[margin:end] = bytes([_GREY] * (end - margin))
        rows.append(b"\x00" + bytes(pixels))  # filter type 0 (none) for each scanline
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
