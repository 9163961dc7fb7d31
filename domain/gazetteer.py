"""Postcode districts an administrator adds to (or corrects in) the shipped reference data.

The portal ships one row per postcode district built from the ONS postcode directory
(``projections/data/postcode_districts.csv``): its centroid on the OS grid and the upper-tier
authority holding most of its postcodes. A platform administrator extends it by uploading a
CSV; each upload is one :class:`DistrictUpload` whose single event carries every accepted row,
the file's name and SHA-256, who uploaded it and why. Added rows override shipped ones.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError
from domain.postcode import DISTRICT

COLUMNS = ("district", "easting", "northing", "la_ons_code")
# An outward code (postcode district): A9, A99, AA9, AA99, A9A or AA9A (Royal Mail's formats).
# English upper-tier authorities: unitary (E06), metropolitan district (E08), London borough
# (E09) or county (E10), in the ONS register of geographic codes. E07 is a lower-tier district.
UPPER_TIER = re.compile(r"^E(06|08|09|10)\d{6}$")
LOWER_TIER = re.compile(r"^E07\d{6}$")
# Outside England the authority is the country, as the DfE's SSDA903 validator writes it.
COUNTRY_MARKERS = {"SCO": "Scotland", "WAL": "Wales", "NIR": "Northern Ireland"}
# The British National Grid covers 0-700 km east and 0-1,300 km north; the Irish Grid (used
# for Northern Ireland's postcodes) lies inside the same ranges.
MAX_EASTING = 700_000
MAX_NORTHING = 1_300_000
MAX_DISTRICTS = 5_000  # the whole UK has about 3,100
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def clean_district(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or "")).upper()


def _whole_metres(text: Any, label: str, maximum: int) -> tuple[int | None, str | None]:
    raw = str(text if text is not None else "").strip()
    if not raw:
        return None, f"{label} is missing"
    if not re.fullmatch(r"\d+", raw):
        return None, f"{label} must be a whole number of metres, like 577252, not {raw[:20]!r}"
    value = int(raw)
    if value > maximum:
        return None, f"{label} must be between 0 and {maximum:,} metres"
    return value, None


def check_district_row(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """One row of district facts, cleaned; or None and the reasons it cannot be used."""
    reasons = []
    district = clean_district(raw.get("district"))
    if not district:
        reasons.append("The district is missing")
    elif not DISTRICT.match(district):
        reasons.append(f"{str(raw.get('district')).strip()[:12]!r} is not a postcode district "
                       "(the first part of a postcode, like ME14 or DT1)")
    easting, problem = _whole_metres(raw.get("easting"), "Easting", MAX_EASTING)
    if problem:
        reasons.append(problem)
    northing, problem = _whole_metres(raw.get("northing"), "Northing", MAX_NORTHING)
    if problem:
        reasons.append(problem)
    code = str(raw.get("la_ons_code") or "").strip().upper()
    if not code:
        reasons.append("The authority's ONS code is missing")
    elif LOWER_TIER.match(code):
        reasons.append(f"{code} is a district council: give the upper-tier authority's code "
                       "(the county, like E10000016 for Kent)")
    elif not (UPPER_TIER.match(code) or code in COUNTRY_MARKERS):
        reasons.append(f"{code[:12]!r} is not an upper-tier authority's ONS code (like "
                       "E10000016 or E06000059) or SCO, WAL or NIR")
    if reasons:
        return None, reasons
    return {"district": district, "easting": easting, "northing": northing,
            "la_ons_code": code}, []


def check_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        raise DomainError("There are no postcode districts to add", field="file")
    if len(rows) > MAX_DISTRICTS:
        raise DomainError(f"Add at most {MAX_DISTRICTS:,} postcode districts at a time",
                          field="file")
    cleaned, seen = [], set()
    for raw in rows:
        row, reasons = check_district_row(raw)
        if row is None:
            raise DomainError(f"{reasons[0]}", field="file")
        if row["district"] in seen:
            raise DomainError(f"{row['district']} is given twice", field="file")
        seen.add(row["district"])
        cleaned.append(row)
    return cleaned


class DistrictUpload(PortalAggregate):
    """One administrator's CSV of postcode districts, accepted rows only."""

    id: UUID

    @event("DistrictsAdded")
    def __init__(self, *, rows: list[dict[str, Any]], file_name: str, file_sha256: str,
                 actor: Actor, reason: str | None) -> None:
        self.rows = rows
        self.file_name = file_name
        self.file_sha256 = file_sha256

    @classmethod
    def add(cls, *, id: UUID, rows: list[dict[str, Any]], file_name: str, file_sha256: str,
            actor: Actor, reason: str | None) -> DistrictUpload:
        name = (file_name or "").strip()[:255]
        if not name:
            raise DomainError("Name the file the districts came from", field="file")
        if not SHA256.match(file_sha256 or ""):
            raise DomainError("The file's SHA-256 is not a SHA-256", field="file")
        return cls(id=id, rows=check_rows(rows), file_name=name, file_sha256=file_sha256,
                   actor=actor, reason=(reason or "").strip() or None)
