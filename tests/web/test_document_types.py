"""A tender document's type comes from its bytes and nothing else."""

from __future__ import annotations

import pytest

from domain.errors import DomainError
from portal.documents.sniff import MAX_MANIFEST_BYTES, sniff
from tests import document_files as files


@pytest.mark.parametrize(("content", "code", "media_type"), [
    (files.pdf(), "pdf", "application/pdf"),
    (files.docx(), "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (files.xlsx(), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (files.odt(), "odt", "application/vnd.oasis.opendocument.text"),
    (files.csv_text(), "csv", "text/csv"),
    (b"\xef\xbb\xbf" + files.csv_text(), "csv", "text/csv"),
    (files.csv_text("cp1252"), "csv", "text/csv"),
])
def test_accepted_types_are_recognised_by_content(content, code, media_type):
    found = sniff(content)
    assert (found.code, found.media_type) == (code, media_type)


@pytest.mark.parametrize("content", [
    files.exe(),                       # a program renamed .pdf
    files.png(),                       # an image
    files.plain_zip(),                 # a zip that is no office document
    files.docm(),                      # a macro-enabled Word document
    files.odt(b"application/vnd.oasis.opendocument.spreadsheet"),  # ODS, not ODT
    files.csv_text("utf-16"),          # NUL bytes: not text we accept as CSV
    b"a,b\n\x01\x02,c\n",              # control characters
    b"\r\n \r\n",                      # nothing but blank lines
])
def test_other_content_is_refused_whatever_it_is_called(content):
    with pytest.raises(DomainError) as refused:
        sniff(content)
    assert refused.value.field == "document"
    assert "PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT) or CSV" in \
        refused.value.message


def test_a_truncated_zip_is_called_damaged():
    with pytest.raises(DomainError, match="damaged"):
        sniff(files.docx()[:60])


def test_an_oversized_content_types_entry_is_not_read():
    """A [Content_Types].xml bigger than any real one is refused unread (a zip bomb guard)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", " " * (MAX_MANIFEST_BYTES + 1))
        z.writestr("word/document.xml", "<document/>")
    with pytest.raises(DomainError, match="must be a PDF"):
        sniff(buffer.getvalue())


def test_a_docx_whose_declared_main_part_is_missing_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", (
            f'<Types xmlns="{files.CT}"><Override PartName="/word/document.xml" '
            f'ContentType="{files.DOCX_MAIN}"/></Types>'))
    with pytest.raises(DomainError, match="must be a PDF"):
        sniff(buffer.getvalue())
