"""Small but well-formed tender documents of each accepted type, and impostors, built in
memory the way Word, Excel and LibreOffice lay out their packages."""

from __future__ import annotations

import io
import zipfile

CT = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def pdf(text: str = "Specification") -> bytes:
    body = (f"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            f"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% {text}\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n")
    return body.encode()


def _ooxml(part: str, content_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'))
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr(part, '<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return _ooxml("word/document.xml", DOCX_MAIN)


def xlsx() -> bytes:
    return _ooxml("xl/workbook.xml", XLSX_MAIN)


def docm() -> bytes:
    return _ooxml("word/document.xml", DOCM_MAIN, {"word/vbaProject.bin": b"\x00" * 64})


def odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest/>')
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "not an office document")
    return buffer.getvalue()


def csv_text(encoding: str = "utf-8") -> bytes:
    return "Lot,Places,Weekly price\nResidential, Devon é,11,£6,556\n".encode(encoding)


def exe() -> bytes:
    """The start of a Windows executable (MZ header and DOS stub)."""
    return (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44
            + b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 64)


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
