"""Reading an uploaded CSV file safely: size, encoding, byte-order mark, binary data, columns.

A file is read twice, streaming both times and never held whole: once to hash it, count its
lines (for progress) and find its encoding, then row by row. Encodings accepted: UTF-8 with or
without a byte-order mark, UTF-16 with a byte-order mark (what Excel writes as "Unicode
text"), and Windows-1252 (what Excel writes as "CSV" on a Windows PC) when the file is not
valid UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# The largest file the importer reads. A whole year's SSDA903 episodes for England are about
# 140,000 rows (about 12 MB); the largest authority's are a few thousand rows.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FILE_TEXT = "64 MB"
CHUNK = 1024 * 1024
# Control characters other than tab, newline and carriage return do not occur in text files.
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r")


class FileProblem(Exception):
    """The whole file cannot be imported; the message says why, for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CsvFile:
    path: Path
    name: str  # what the person called it ("episodes.csv")
    what: str  # "episodes file" or "header file", for messages
    sha256: str
    encoding: str
    size: int
    lines: int


def _encoding_from_bom(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def inspect(path: Path, name: str, what: str, max_bytes: int = MAX_FILE_BYTES) -> CsvFile:
    """Hash the file and find how to read it, or raise :class:`FileProblem` saying why not."""
    size = path.stat().st_size
    if size == 0:
        raise FileProblem(f"The {what} is empty")
    if size > max_bytes:
        raise FileProblem(f"The {what} is {size / 1_000_000:.0f} MB: the largest file the portal "
                          f"imports is {MAX_FILE_TEXT}. Split it by year and import each part")
    with path.open("rb") as raw:
        head = raw.read(4)
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem(f"The {what} is a spreadsheet or zip file, not CSV: save it as "
                          "CSV (comma delimited) and import that")
    encoding = _encoding_from_bom(head)
    if encoding is not None:
        try:
            return _scan(path, name, what, size, encoding)
        except UnicodeDecodeError:
            raise FileProblem(f"The {what} starts like {encoding.upper()} text but is not: "
                              "save it as CSV and import that") from None
    try:
        return _scan(path, name, what, size, "utf-8")
    except UnicodeDecodeError:
        pass  # not UTF-8: Windows-1252, as Excel saves CSV on a Windows PC
    try:
        return _scan(path, name, what, size, "cp1252")
    except UnicodeDecodeError:
        raise FileProblem(f"The {what} is not a text file: save it as CSV and import "
                          "that") from None


def _scan(path: Path, name: str, what: str, size: int, encoding: str) -> CsvFile:
    """One streaming pass: hash, decode (raising UnicodeDecodeError), count lines."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    lines, text_seen, first = 0, False, True
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            digest.update(chunk)
            text = decoder.decode(chunk)
            if first:
                _check_text(text, what)
                first = False
            lines += text.count("\n")
            text_seen = text_seen or bool(text.strip("\ufeff \t\r\n,"))
        decoder.decode(b"", final=True)
    if not text_seen:
        raise FileProblem(f"The {what} has no rows")
    return CsvFile(path=path, name=name, what=what, sha256=digest.hexdigest(),
                   encoding=encoding, size=size, lines=lines + 1)


def _check_text(text: str, what: str) -> None:
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch in _CONTROL)
    if "\x00" in sample or controls > len(sample) // 100:
        raise FileProblem(f"The {what} is not a text file: save it as CSV and import that")


def rows(file: CsvFile, required: tuple[str, ...], optional: tuple[str, ...] = ()
         ) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {COLUMN: value}) for each row that is not blank, with only the named
    columns (case-insensitive), values stripped. Raises :class:`FileProblem` for missing or
    repeated columns. A row with fewer values than the columns yields ``None`` values for the
    missing ones, so the caller can say which."""
    wanted = set(required) | set(optional)
    with file.path.open(encoding=file.encoding, newline="") as text:
        reader = csv.reader(text)
        try:
            names = next(reader, None)
            while names is not None and not any(n.strip() for n in names):
                names = next(reader, None)
            if names is None:
                raise FileProblem(f"The {file.what} has no rows")
            columns = _columns(names, required, wanted, file.what)
            line = reader.line_num
            for record in reader:
                start, line = line + 1, reader.line_num
                if not any(value.strip() for value in record):
                    continue
                yield start, {name: (record[i].strip() if i < len(record) else None)
                              for i, name in columns}
        except csv.Error as error:
            raise FileProblem(f"Line {reader.line_num} of the {file.what} cannot be read as "
                              f"CSV ({error})") from None


def _columns(names: list[str], required: tuple[str, ...], wanted: set[str],
             what: str) -> list[tuple[int, str]]:
    cleaned = [n.strip().strip("\ufeff").strip().upper() for n in names]
    found: dict[str, int] = {}
    for index, name in enumerate(cleaned):
        if name in wanted:
            if name in found:
                raise FileProblem(f"The {what} has two {name} columns")
            found[name] = index
    missing = [name for name in required if name not in found]
    if missing:
        if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
            raise FileProblem(f"The {what} must be comma-separated (CSV)")
        raise FileProblem(f"The {what} is missing the column{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing)}. The first line must name the columns: "
                          f"{', '.join(required)}")
    return [(index, name) for name, index in found.items()]
