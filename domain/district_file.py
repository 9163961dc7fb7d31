"""Reading an administrator's CSV of postcode districts, with a report of every line refused.

The file must be UTF-8 text (a byte-order mark is fine) whose first line names the columns
``district``, ``easting``, ``northing`` and ``la_ons_code`` in any order and case; other
columns are ignored (so the shipped ``postcode_districts.csv`` itself can be uploaded). Each
later line is one district. A line that cannot be used is reported with its line number and
every reason; the others are accepted. A file that cannot be read at all, or has no usable
line, is *unusable*: nothing of it is stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from domain.gazetteer import COLUMNS, MAX_DISTRICTS, check_district_row


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class DistrictFile:
    sha256: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    problem: str | None = None  # why the whole file is unusable
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.problem is None and bool(self.rows)


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def read_district_file(data: bytes) -> DistrictFile:
    result = DistrictFile(sha256=hashlib.sha256(data).hexdigest())
    text = _text(data)
    if text is None:
        result.problem = ("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload "
                          "it again")
        return result
    if not text.strip():
        result.problem = "The file is empty"
        return result
    if "\x00" in text:
        result.problem = "The file is not a CSV file (it holds binary data)"
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
        positions = {name: header.index(name) for name in COLUMNS if name in header}
        missing = [name for name in COLUMNS if name not in positions]
        if missing:
            result.problem = (f"The first line must name the columns {', '.join(COLUMNS)}: "
                              f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                              "missing")
            return result
        result.ignored_columns = [n for n in header if n and n not in COLUMNS]
        seen: dict[str, int] = {}
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # a blank line
            line = reader.line_num
            if len(result.rows) + len(result.rejected) >= MAX_DISTRICTS:
                result.problem = (f"The file has more than {MAX_DISTRICTS:,} districts: "
                                  "split it and upload each part")
                return result
            raw = {name: values[i] if i < len(values) else None
                   for name, i in positions.items()}
            row, reasons = check_district_row(raw)
            if row is not None and row["district"] in seen:
                reasons = [f"{row['district']} is already on line {seen[row['district']]}"]
                row = None
            if row is None:
                result.rejected.append(Rejection(line, "; ".join(reasons)))
            else:
                seen[row["district"]] = line
                result.rows.append(row)
    except csv.Error as error:
        result.problem = f"Line {reader.line_num} is not valid CSV: {error}"
        return result
    if not result.rows:
        result.problem = ("No line of the file could be used" if result.rejected
                          else "The file has a header line but no districts")
    return result
