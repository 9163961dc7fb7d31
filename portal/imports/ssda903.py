"""Checking SSDA903 rows: the episodes table and the header (or UASC) table, row by row.

Column names and code lists follow the DfE's SSDA903 guidance (children looked after return;
see ../shared/REFERENCE.md). Each code is checked against the code list of the collection year
its episode started in (DECOM), as :func:`domain.ssda903.check_code` does. Dates are dd/mm/yyyy
as the return has them (yyyy-mm-dd is accepted too: it cannot be misread).

The child's id is turned into the portal's pseudonymous reference at once and never kept: no
problem, log line or event carries it, nor a date of birth or a postcode. A bad code may be
quoted back, but only when it has the shape of a code (so a misplaced id is never echoed).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NamedTuple

from domain import ssda903
from domain.child_ref import ChildReferences
from domain.errors import DomainError
from domain.organisation import OFSTED_URN
from domain.placement import episode
from domain.postcode import postcode_sector
from portal.imports.report import EPISODES, HEADER, Problem

EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                   "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
# The header table (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB) or the UASC table (CHILD,
# SEX, DOB, DUC): only these are used. The unaccompanied flag is a UASC column where the file
# has one, else a date in DUC (the date the child ceased to be an unaccompanied asylum seeker,
# which the UASC table records for children who were one).
HEADER_REQUIRED = ("CHILD", "SEX", "DOB")
HEADER_OPTIONAL = ("UASC", "DUC")
IN_HOUSE_PROVIDER = "PR1"  # the authority's own provision: the placement is bought in-house

# column, episode field, code list, what it is, required, the shape a value of it has
CODE_COLUMNS = (
    ("RNE", "rne", ssda903.NEW_EPISODE_REASONS, "reason for new episode", True, r"[A-Z]"),
    ("LS", "legal_status", ssda903.LEGAL_STATUSES, "legal status", True, r"[A-Z]\d"),
    ("CIN", "cin", ssda903.CATEGORIES_OF_NEED, "category of need", False, r"N\d"),
    ("PLACE", "place", ssda903.PLACEMENT_TYPES, "placement type", True, r"[A-Z]\d{1,2}"),
    ("PLACE_PROVIDER", "place_provider", ssda903.PLACEMENT_PROVIDERS, "placement provider",
     False, r"PR\d"),
    ("REASON_PLACE_CHANGE", "reason_place_change", ssda903.PLACEMENT_CHANGE_REASONS,
     "reason for placement change", False, r"[A-Z]{4,6}"),
    ("REC", "rec", ssda903.EPISODE_END_REASONS, "reason the episode ceased", False,
     r"[EX]\d{1,2}[A-Z]?"),
)
CODE_SHAPES = {column: re.compile(shape) for column, *_, shape in CODE_COLUMNS}
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
TRUE_FLAGS = frozenset({"1", "Y", "YES", "TRUE", "T"})
FALSE_FLAGS = frozenset({"0", "N", "NO", "FALSE", "F", ""})


class EpisodeRow(NamedTuple):
    """One accepted row of the episodes table, without the child's id."""

    line: int
    start: date
    end: date | None
    rne: str
    legal_status: str
    cin: str | None
    place: str
    place_provider: str | None
    reason_place_change: str | None
    rec: str | None
    home_postcode: str | None
    placement_postcode: str | None
    urn: str | None

    def facts(self) -> tuple[Any, ...]:
        return self[1:]

    def as_episode(self) -> dict[str, Any]:
        route = "in_house" if self.place_provider == IN_HOUSE_PROVIDER else None
        facts = self._asdict()
        del facts["line"]
        return episode(contract_route=route, **facts)


class ChildFacts(NamedTuple):
    line: int
    birth_month: str
    sex: str
    uasc: bool


class RowChecker:
    """Checks rows one at a time; caches what repeats (references, dates, postcodes)."""

    def __init__(self, child_refs: ChildReferences, la_code: str, today: date) -> None:
        self._child_refs = child_refs
        self._la_code = la_code
        self.today = today
        self._refs: dict[str, str] = {}
        self._dates: dict[str, date | None] = {}
        self._sectors: dict[str, str | None] = {}

    # --- values ---------------------------------------------------------------------------------

    def reference(self, raw: str | None) -> str:
        ref = self._refs.get(raw or "")
        if ref is None:
            ref = self._child_refs.reference(self._la_code, raw or "")  # DomainError if bad
            self._refs[raw] = ref
        return ref

    def day(self, text: str) -> date | None:
        """A date from dd/mm/yyyy (or yyyy-mm-dd); None when it is not one."""
        if text in self._dates:
            return self._dates[text]
        parsed = None
        dmy = _DMY.fullmatch(text)
        ymd = None if dmy else _YMD.fullmatch(text)
        if dmy or ymd:
            day, month, year = dmy.groups() if dmy else reversed(ymd.groups())
            try:
                parsed = date(int(year), int(month), int(day))
            except ValueError:
                parsed = None  # 31/02/2025 and the like
        if parsed is not None and parsed.year < 1900:
            parsed = None
        self._dates[text] = parsed
        return parsed

    def sector(self, text: str) -> str | None:
        if text not in self._sectors:
            self._sectors[text] = postcode_sector(text)  # ValueError if not a postcode
        return self._sectors[text]

    # --- rows -----------------------------------------------------------------------------------

    def episode_row(self, line: int, values: dict[str, str | None]
                    ) -> tuple[str | None, EpisodeRow | None, list[Problem]]:
        problems: list[Problem] = []

        def bad(column: str, reason: str) -> None:
            problems.append(Problem(EPISODES, line, column, reason))

        if any(v is None for v in values.values()):
            bad("", "The row has fewer values than the file has columns")
            return None, None, problems
        child = None
        try:
            child = self.reference(values["CHILD"])
        except DomainError as error:
            bad("CHILD", "CHILD is blank" if not values["CHILD"] else error.message)
        start = self._date(values, "DECOM", "the date the episode started", True, bad)
        end = self._date(values, "DEC", "the date the episode ceased", False, bad)
        if start and end and end < start:
            bad("DEC", "DEC (the date the episode ceased) must not be before DECOM")
        codes = {field: self._code(values, column, codes_, what, required, start, bad)
                 for column, field, codes_, what, required, _ in CODE_COLUMNS}
        if end is not None and codes["rec"] is None and not values["REC"]:
            bad("REC", "REC (the reason the episode ceased) is needed when DEC is given")
        if values["REC"] and not values["DEC"]:
            bad("DEC", "DEC (the date the episode ceased) is needed when REC is given")
        postcodes = {}
        for column, what in (("HOME_POST", "home"), ("PL_POST", "placement")):
            try:
                postcodes[column] = self.sector(values[column])
            except ValueError:
                bad(column, f"{column} (the {what} postcode) is not a postcode")
        urn = values["URN"].upper()
        if urn in ("", ssda903.URN_PLACEHOLDER):
            urn = None
        elif not OFSTED_URN.match(urn):
            bad("URN", "URN must be the setting's Ofsted URN (like SC123456) or XXXXXXX")
        if problems:
            return child, None, problems
        return child, EpisodeRow(
            line=line, start=start, end=end, rne=codes["rne"], legal_status=codes["legal_status"],
            cin=codes["cin"], place=codes["place"], place_provider=codes["place_provider"],
            reason_place_change=codes["reason_place_change"], rec=codes["rec"],
            home_postcode=postcodes["HOME_POST"], placement_postcode=postcodes["PL_POST"],
            urn=urn), problems

    def _date(self, values, column: str, what: str, required: bool, bad,
              future: bool = False) -> date | None:
        text = values[column]
        if not text:
            if required:
                bad(column, f"{column} ({what}) is blank")
            return None
        day = self.day(text)
        if day is None:
            bad(column, f"{column} ({what}) must be a real date like 31/03/2025")
        elif day > self.today and not future:
            bad(column, f"{column} ({what}) cannot be in the future")
            return None
        return day

    @staticmethod
    def _code(values, column: str, codes: dict[str, ssda903.Code], what: str, required: bool,
              start: date | None, bad) -> str | None:
        value = values[column].upper()
        if not value:
            if required:
                bad(column, f"{column} ({what}) is blank")
            return None
        entry = codes.get(value)
        if entry is not None and (start is None or entry.valid_in(ssda903.collection_year(start))):
            return _CANONICAL[id(codes)][value]  # the list's own string, shared by every row
        shown = f"{value} " if CODE_SHAPES[column].fullmatch(value) else "The value "
        if entry is not None:
            year = ssda903.year_label(ssda903.collection_year(start))
            bad(column, f"{column} ({what}): {shown}is not a valid code in {year}, the "
                        "collection year of DECOM")
        else:
            bad(column, f"{column} ({what}): {shown}is not an SSDA903 code")
        return None

    def header_row(self, line: int, values: dict[str, str | None]
                   ) -> tuple[str | None, ChildFacts | None, list[Problem]]:
        problems: list[Problem] = []

        def bad(column: str, reason: str) -> None:
            problems.append(Problem(HEADER, line, column, reason))

        if any(values[c] is None for c in HEADER_REQUIRED):
            bad("", "The row has fewer values than the file has columns")
            return None, None, problems
        child = None
        try:
            child = self.reference(values["CHILD"])
        except DomainError as error:
            bad("CHILD", "CHILD is blank" if not values["CHILD"] else error.message)
        born = self._date(values, "DOB", "date of birth", True, bad)
        sex = values["SEX"]
        if sex not in ssda903.SEXES:
            bad("SEX", "SEX must be 1 (male) or 2 (female), as in SSDA903")
        uasc = False
        if values.get("UASC") is not None:
            flag = values["UASC"].upper()
            if flag not in TRUE_FLAGS | FALSE_FLAGS:
                bad("UASC", "UASC must be 1 (an unaccompanied asylum-seeking child) or 0")
            uasc = flag in TRUE_FLAGS
        elif values.get("DUC"):
            # DUC may lie ahead: it is at the latest the 18th birthday (DfE rule 304).
            uasc = self._date(values, "DUC", "the date UASC status ceased", False, bad,
                              future=True) is not None
        if problems:
            return child, None, problems
        return child, ChildFacts(line, f"{born:%Y-%m}", sex, uasc), problems


_CANONICAL = {id(codes): {k: k for k in codes} for _, _, codes, *_ in CODE_COLUMNS}
