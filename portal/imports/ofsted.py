"""Reading Ofsted's register of children's social care providers and inspections (CSV).

The layout is Ofsted's published one ("Children's social care providers and inspections",
official statistics): one row per provider or setting, with at least the columns of
:data:`COLUMNS`, named as Ofsted names them (in any order, any case; other columns, such as
Ofsted's region or constituency, are ignored). Dates are written 31/03/2025 (or 2025-03-31);
judgements are Ofsted's codes 1 Outstanding, 2 Good, 3 Requires improvement to be good,
4 Inadequate, and 5 or blank for no judgement.

A file with a missing column is refused whole. Every row is checked before anything is
stored, and a file with any row that cannot be read imports nothing: each such row is listed
with its line, column and reason, so the whole file can be corrected and imported again.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.errors import DomainError
from domain.ofsted import (
    DETAILS,
    JUDGEMENT_CODES,
    JUDGEMENTS,
    MAX_PLACES,
    NOT_JUDGED_CODES,
    REGISTRATION_STATUSES,
    Inspection,
    RegisterEntry,
)
from domain.organisation import OFSTED_URN
from portal.imports.files import CsvFile, FileProblem
from portal.text_input import has_problem

# field -> Ofsted's column name.
COLUMNS: dict[str, str] = {
    "urn": "URN",
    "provider_type": "Provider type",
    "provider_subtype": "Provider subtype",
    "setting_name": "Setting name",
    "registration_status": "Registration status",
    "registration_date": "Registration date",
    "local_authority": "Local authority",
    "places": "Places",
    "owner": "Organisation which owns the provider",
    "inspection_date": "Inspection date",
    "publication_date": "Inspection publication date",
    "judgement": "Overall experiences and progress of children and young people",
}
MAX_TEXT = 200
# The largest register file the upload page takes: England's whole register is about 10,000
# rows, 3 MB.
MAX_REGISTER_BYTES = 16 * 1024 * 1024
MAX_REGISTER_TEXT = "16 MB"
MAX_LISTED = 10_000  # problems listed; beyond this only counted
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_STATUSES = {label.casefold(): key for key, label in REGISTRATION_STATUSES.items()}
_JUDGEMENT_WORDS = {label.casefold(): key for key, label in JUDGEMENTS.items()} | {
    "requires improvement": "requires_improvement"}


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int | None  # None: the whole file
    column: str
    reason: str


@dataclass
class Candidate:
    """A URN of the register that no setting of the directory carries."""

    urn: str
    setting_name: str
    provider_type: str
    local_authority: str
    places: int | None
    owner: str
    # Where the directory already knows them: the provider named as the owner, the authority
    # named as the local authority, and the kind of setting the provider type names.
    provider_id: UUID | None = None
    host_authority_id: UUID | None = None
    setting_type: str | None = None


@dataclass
class RegisterReport:
    file_name: str
    file_sha256: str | None = None
    rows: int = 0
    refused: str | None = None  # why nothing was imported
    problems: list[RowProblem] = field(default_factory=list)
    unlisted: int = 0
    matched: int = 0  # rows whose URN a setting of the directory carries
    registrations_changed: int = 0
    events: int = 0
    vacancies_closed: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    seconds: float = 0.0
    position: int | None = None  # of the last event stored; None: nothing stored

    @property
    def ok(self) -> bool:
        return self.refused is None

    @property
    def bad_rows(self) -> int:
        return len({p.line for p in self.problems if p.line is not None}) + self.unlisted

    def add(self, problem: RowProblem) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)
        else:
            self.unlisted += 1

    def summary(self) -> list[str]:
        if self.refused:
            return [f"Nothing was imported: {self.refused}."]
        unchanged = self.matched - self.registrations_changed
        match = "matches" if self.matched == 1 else "match"
        closed = "vacancy" if self.vacancies_closed == 1 else "vacancies"
        others = len(self.candidates)
        return [f"{_count(self.rows, 'row')} read: {self.matched:,} {match} a setting of the "
                f"directory, {others:,} {'does' if others == 1 else 'do'} not.",
                f"{_count(self.registrations_changed, 'registration')} changed "
                f"({_count(self.events, 'new fact')}); {unchanged:,} unchanged.",
                f"{self.vacancies_closed:,} {closed} closed because the registration was "
                "suspended, resigned or cancelled."]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _columns(names: list[str], what: str) -> dict[str, int]:
    cleaned = [" ".join(n.strip().strip("\ufeff").split()).casefold() for n in names]
    found: dict[str, int] = {}
    for key, column in COLUMNS.items():
        at = [i for i, name in enumerate(cleaned) if name == column.casefold()]
        if len(at) > 1:
            raise FileProblem(f"The {what} has two columns called {column}")
        if at:
            found[key] = at[0]
    missing = [COLUMNS[key] for key in COLUMNS if key not in found]
    if missing:
        if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
            raise FileProblem(f"The {what} must be comma-separated (CSV)")
        raise FileProblem(
            f"The {what} is not in the layout of Ofsted's register: it is missing the "
            f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return found


def register_rows(file: CsvFile) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(line, {field: value}) for each row that is not blank; None for a missing value.
    Raises :class:`FileProblem` when the columns are not Ofsted's."""
    with file.path.open(encoding=file.encoding, newline="") as text:
        reader = csv.reader(text)
        try:
            names = next(reader, None)
            while names is not None and not any(n.strip() for n in names):
                names = next(reader, None)
            if names is None:
                raise FileProblem(f"The {file.what} has no rows")
            columns = _columns(names, file.what)
            line = reader.line_num
            for record in reader:
                start, line = line + 1, reader.line_num
                if not any(value.strip() for value in record):
                    continue
                yield start, {key: (record[i].strip() if i < len(record) else None)
                              for key, i in columns.items()}
        except csv.Error as error:
            raise FileProblem(f"Line {reader.line_num} of the {file.what} cannot be read as "
                              f"CSV ({error})") from None


def parse_day(text: str) -> date | None:
    dmy = _DMY.fullmatch(text)
    ymd = None if dmy else _YMD.fullmatch(text)
    if not (dmy or ymd):
        return None
    day, month, year = dmy.groups() if dmy else reversed(ymd.groups())
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return parsed if parsed.year >= 1900 else None


class RowChecker:
    """Checks one register row at a time, reporting every problem of a row at once."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.seen: dict[str, int] = {}  # URN -> line

    def check(self, line: int, values: dict[str, str | None]
              ) -> tuple[RegisterEntry | None, list[RowProblem]]:
        problems: list[RowProblem] = []

        def bad(key: str, reason: str) -> None:
            problems.append(RowProblem(line, COLUMNS[key] if key else "", reason))

        if any(v is None for v in values.values()):
            bad("", "The row has fewer values than the file has columns")
            return None, problems
        damaged = [k for k, v in values.items() if v and has_problem(v)]
        for key in damaged:
            bad(key, f"{COLUMNS[key]} contains a control character (such as a NUL byte): the "
                     "file may be damaged; save it again as CSV")
        if damaged:
            return None, problems
        for key in DETAILS:
            if len(values[key]) > MAX_TEXT:
                bad(key, f"{COLUMNS[key]} is longer than {MAX_TEXT} characters")
        urn = self._urn(values["urn"], line, bad)
        status = _STATUSES.get(values["registration_status"].casefold())
        if status is None:
            bad("registration_status", "Registration status must be one of "
                f"{', '.join(REGISTRATION_STATUSES.values())}, not "
                f"{_shown(values['registration_status'])}")
        registered = self._day(values, "registration_date", False, bad)
        places = self._places(values["places"], bad)
        inspection = self._inspection(values, bad)
        if problems:
            return None, problems
        try:
            entry = RegisterEntry(urn=urn, registration_status=status,
                                  registration_date=registered, places=places,
                                  details={k: values[k] for k in DETAILS},
                                  inspection=inspection)
        except DomainError as error:
            bad(error.field if error.field in COLUMNS else "", error.message)
            return None, problems
        return entry, problems

    def _urn(self, raw: str, line: int, bad) -> str | None:
        urn = raw.upper()
        if not urn:
            bad("urn", "URN is blank")
            return None
        if not OFSTED_URN.match(urn):
            bad("urn", f"URN {_shown(raw)} is not an Ofsted URN: it is SC and six digits (like "
                       "SC123456), or a number of six or seven digits")
            return None
        if urn in self.seen:
            bad("urn", f"URN {urn} is also on line {self.seen[urn]}: the register has one row "
                       "per provider or setting")
            return None
        self.seen[urn] = line
        return urn

    def _day(self, values, key: str, required: bool, bad) -> date | None:
        text = values[key]
        if not text:
            if required:
                bad(key, f"{COLUMNS[key]} is blank")
            return None
        day = parse_day(text)
        if day is None:
            bad(key, f"{COLUMNS[key]} must be a real date like 31/03/2025, not {_shown(text)}")
        elif day > self.today:
            bad(key, f"{COLUMNS[key]} cannot be in the future")
            return None
        return day

    @staticmethod
    def _places(text: str, bad) -> int | None:
        if not text:
            return None
        if not text.isascii() or not text.isdigit() or int(text) > MAX_PLACES:
            bad("places", f"Places must be a whole number from 0 to {MAX_PLACES:,}, not "
                          f"{_shown(text)}")
            return None
        return int(text)

    def _inspection(self, values, bad) -> Inspection | None:
        judgement = self._judgement(values["judgement"], bad)
        inspected = self._day(values, "inspection_date", False, bad)
        published = self._day(values, "publication_date", False, bad)
        if inspected is None:
            if not values["inspection_date"] and (judgement or values["publication_date"]):
                bad("inspection_date", "Inspection date is blank, but the row has a judgement "
                                       "or a publication date")
            return None
        if published is not None and published < inspected:
            bad("publication_date", "Inspection publication date is before the inspection "
                                    "date")
            return None
        return Inspection(inspected, published, judgement)

    @staticmethod
    def _judgement(text: str, bad) -> str | None:
        if text in NOT_JUDGED_CODES:
            return None
        found = JUDGEMENT_CODES.get(text) or _JUDGEMENT_WORDS.get(text.casefold())
        if found is None:
            bad("judgement", f"{COLUMNS['judgement']} must be Ofsted's code 1 (Outstanding), "
                             "2 (Good), 3 (Requires improvement to be good), 4 (Inadequate), "
                             f"or 5 or blank (not judged), not {_shown(text)}")
        return found


def _shown(value: str) -> str:
    return repr(value[:20] + ("…" if len(value) > 20 else ""))
