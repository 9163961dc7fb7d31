"""Reading an authority's monthly fostering returns from a CSV file, in the portal's own
layout (:data:`COLUMNS`; the page offers a sample to download).

One row per month: the month (``2026-04`` or ``04/2026``) and every figure of the return, as
whole numbers. Every row is checked before anything is stored: a file with a missing column is
refused whole, and a file with any row that cannot be read imports nothing, each such row
listed with its line, column and reason.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from domain.errors import Refused
from domain.fostering import FIELDS, check_return, month_label
from portal.imports.files import FileProblem, inspect, rows

MONTH = "MONTH"
COLUMNS: dict[str, str] = {MONTH: "The month the return is for, like 2026-04",
                           **{name.upper(): label for name, label in FIELDS.items()}}
MAX_BYTES = 1024 * 1024  # a return a month for decades is a few kilobytes
MAX_ROWS = 600
_YM = re.compile(r"(\d{4})-(\d{1,2})")
_MY = re.compile(r"(\d{1,2})/(\d{4})")


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int | None  # None: the whole file
    column: str
    reason: str


@dataclass
class ReturnsFile:
    name: str
    returns: list[tuple[date, dict[str, int]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_month(text: str) -> date | None:
    found = _YM.fullmatch(text)
    if found:
        year, month = found.groups()
    else:
        found = _MY.fullmatch(text)
        if not found:
            return None
        month, year = found.groups()
    try:
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def _number(text: str | None) -> int | str | None:
    """A whole number as written (``-2`` too, so the domain can say it is negative); the
    text itself when it is not one (the domain says it must be a whole number)."""
    if text is None or text == "":
        return None
    digits = text[1:] if text.startswith("-") else text
    return int(text) if digits.isascii() and digits.isdigit() else text


def read_returns(path: Path, name: str, *, today: date) -> ReturnsFile:
    """Every month of the file, or every problem of it."""
    found = ReturnsFile(name=name)
    try:
        file = inspect(path, name, "fostering returns file", max_bytes=MAX_BYTES)
        seen: dict[date, int] = {}
        for line, values in rows(file, tuple(COLUMNS)):
            _check_row(found, line, values, seen, today)
            if len(seen) > MAX_ROWS:
                raise FileProblem(f"The fostering returns file has more than {MAX_ROWS} rows")
    except FileProblem as problem:
        found.problems = [RowProblem(None, "", problem.message)]
    if not found.problems and not found.returns:
        found.problems = [RowProblem(None, "", "The fostering returns file has no returns")]
    return found


def _check_row(found: ReturnsFile, line: int, values: dict, seen: dict, today: date) -> None:
    if any(v is None for v in values.values()):
        found.problems.append(RowProblem(line, "", "The row has fewer values than the file "
                                                   "has columns"))
        return
    problems: list[RowProblem] = []
    month = parse_month(values[MONTH])
    if month is None:
        problems.append(RowProblem(line, MONTH, "The month must be written like 2026-04, not "
                                                f"{values[MONTH][:20]!r}"))
    elif month in seen:
        problems.append(RowProblem(line, MONTH, f"{month_label(month)} is also on line "
                                                f"{seen[month]}: one row a month"))
        month = None
    else:
        seen[month] = line
    figures = {name: _number(values[name.upper()]) for name in FIELDS}
    try:
        clean = check_return(month or date(2000, 1, 1), figures, today=today)
    except Refused as refused:
        problems.extend(RowProblem(line, key.upper(), message)
                        for key, message in refused.errors.items())
    else:
        if month is not None and not problems:
            found.returns.append((month, clean))
    found.problems.extend(problems)


def sample_csv() -> str:
    """The layout with two months of a plausible return, as a file to download."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for month, approvals, enquiries in (("2026-03", 2, 18), ("2026-04", 3, 22)):
        row = {name: 0 for name in FIELDS}
        row.update(households_mainstream=40 + approvals - 2, places_mainstream=70,
                   in_use_mainstream=61, households_kinship=11, places_kinship=13,
                   in_use_kinship=12, households_parent_and_child=3,
                   places_parent_and_child=3, in_use_parent_and_child=2,
                   households_short_break=5, places_short_break=6, in_use_short_break=4,
                   enquiries=enquiries, applications=6, assessments=approvals + 1,
                   approvals=approvals, resigned_retired=1, resigned_circumstances=1)
        writer.writerow([month, *row.values()])
    return out.getvalue()
