"""What an uploaded tender document really is, read from its bytes: never from its name or
the browser's content type, both of which the uploader controls.

- PDF: starts with ``%PDF-``.
- DOCX and XLSX (Office Open XML) are zip files whose ``[Content_Types].xml`` declares the
  main part: ``/word/document.xml`` as a Word document, ``/xl/workbook.xml`` as a workbook.
  Macro-enabled variants (.docm, .xlsm) declare other content types and are refused.
- ODT (OpenDocument) is a zip file whose first entry, ``mimetype``, holds
  ``application/vnd.oasis.opendocument.text``.
- CSV has no signature: it must decode as text (UTF-8, with or without BOM, or Windows-1252
  as Excel saves it), hold no NUL or other control characters than tab, CR and LF, and read
  as CSV.

Anything else (an executable renamed .pdf, a zip of something else, an image) is refused.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from defusedxml import DefusedXmlException, ElementTree

from domain.errors import DomainError

# The part of a zip entry read to decide its type: [Content_Types].xml and mimetype are
# tiny; a larger one is not an Office or OpenDocument file (and could be a zip bomb).
MAX_MANIFEST_BYTES = 256 * 1024
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


@dataclass(frozen=True)
class DocumentType:
    code: str
    label: str
    media_type: str
    extensions: tuple[str, ...]

    @property
    def described(self) -> str:
        """"a PDF", "an Excel spreadsheet"."""
        return f"{'an' if self.label[0] in 'AEIOU' else 'a'} {self.label}"


TYPES = {t.code: t for t in (
    DocumentType("pdf", "PDF", "application/pdf", (".pdf",)),
    DocumentType("docx", "Word document", "application/vnd.openxmlformats-officedocument."
                 "wordprocessingml.document", (".docx",)),
    DocumentType("xlsx", "Excel spreadsheet", "application/vnd.openxmlformats-officedocument."
                 "spreadsheetml.sheet", (".xlsx",)),
    DocumentType("odt", "OpenDocument text document", "application/vnd.oasis.opendocument.text",
                 (".odt",)),
    DocumentType("csv", "CSV file", "text/csv", (".csv",)),
)}

OOXML_MAIN_PARTS = {
    "/word/document.xml": ("docx", "application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document.main+xml"),
    "/xl/workbook.xml": ("xlsx", "application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet.main+xml"),
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
WRONG_TYPE = ("The selected file must be a PDF, Word (DOCX), Excel (XLSX), OpenDocument text "
              "(ODT) or CSV file")


def sniff(content: bytes) -> DocumentType:
    """The document's type, from its content alone; DomainError if it is none we accept."""
    if content.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if content.startswith(b"PK\x03\x04"):
        return TYPES[_zip_type(content)]
    if _is_csv(content):
        return TYPES["csv"]
    raise DomainError(WRONG_TYPE, field="document")


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_MANIFEST_BYTES:
        return None
    with archive.open(info) as entry:
        return entry.read(MAX_MANIFEST_BYTES + 1)[:MAX_MANIFEST_BYTES]


def _zip_type(content: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            mimetype = _read_small(archive, "mimetype")
            if mimetype is not None:
                if mimetype.strip() == ODT_MIMETYPE:
                    return "odt"
                raise DomainError(WRONG_TYPE, field="document")
            manifest = _read_small(archive, "[Content_Types].xml")
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            EOFError, RuntimeError):  # RuntimeError: an encrypted entry
        raise DomainError("The selected file is damaged: it could not be opened",
                          field="document") from None
    if manifest is None:
        raise DomainError(WRONG_TYPE, field="document")
    try:
        root = ElementTree.fromstring(manifest)
    except (ElementTree.ParseError, DefusedXmlException):
        raise DomainError("The selected file is damaged: it could not be opened",
                          field="document") from None
    for override in root.iter(f"{CONTENT_TYPES_NS}Override"):
        part = override.get("PartName", "")
        expected = OOXML_MAIN_PARTS.get(part)
        if expected and override.get("ContentType") == expected[1] and part[1:] in names:
            return expected[0]
    raise DomainError(WRONG_TYPE, field="document")


def _is_csv(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            return False
    if CONTROL_CHARACTERS.search(text):
        return False
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return False
    return any(any(cell.strip() for cell in row) for row in rows)
