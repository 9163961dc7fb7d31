"""The authority's placements in the national Placements Data Standard's field layout.

The standard (SocialCareData/placements-standard, v2, effective 18 July 2025; its
machine-readable form ``placements.json``) describes a placement in six groups and 41 fields:
the availability of a placement, the child's requirements, the recommended placement types, the
risks, the actual placement and quality assurance. It carries no dates or authority codes and
links to the SSDA903 return through the child id.

The portal holds only part of it: the child (its pseudonymous reference, never the council's
own id), and of the actual placement the total weekly cost (whole pounds, as recorded), the
placement location (the postcode district: the first 3-4 characters of the postcode, else the
district of the placement's setting in the directory), the provider's Ofsted URN (as
returned, else its setting's) and the placement type: the resolved location every page reads
(:mod:`projections.placement_location`). Every other field is left blank: never
invented. One record per placement: each SSDA903 episode that starts a placement (a legal
status change alone, RNE "L", continues the same placement) of one of the standard's three
placement types (residential, foster, supported accommodation).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

import sqlalchemy as sa

from domain import ssda903
from domain.permissions import check
from projections.placement_location import located
from projections.placements import placement_episodes

VERSION = "v2"
# The standard's groups and fields, in its order, by their names in placements.json.
GROUPS: dict[str, tuple[str, ...]] = {
    "PlacementAvailability": ("childId", "neededBy", "siblingCount", "preferredLocation"),
    "PlacementRequirements": (
        "communicationNeeds", "specificCommunicationRequirements", "homeAdaptation",
        "culturalNeeds", "livingCompanions", "pets", "additionalSupport",
        "deprivationOfLiberty"),
    "PlacementRecommendation": (
        "fosterCareSuitability", "residentialCareSuitability",
        "supportedAccommodationSuitability"),
    "Risks": (
        "riskSelfHarm", "riskSexualExploitation", "riskCriminalExploitation",
        "riskDrugAlcohol", "riskEatingDisorder", "riskMissing", "riskOther",
        "riskToOthersPhysical", "riskToOthersSexual", "riskToOthersFire",
        "riskToOthersAnimals", "riskToOthersCriminal", "riskToOthersOther"),
    "ActualPlacement": (
        "totalWeeklyCost", "placementLocation", "preferabilityLocation",
        "educationContinuity", "providerURN", "siblingsPlacedTogether", "placementType"),
    "QualityAssurance": (
        "referralOfficerName", "referralDate", "placementOfficerName", "placementDate",
        "costOfficerName", "costDate"),
}
FIELDS: tuple[str, ...] = tuple(f for fields in GROUPS.values() for f in fields)
# The standard's own spelling of its placement types.
PLACEMENT_TYPES = {"Residential": "Residential", "Foster": "Foster",
                   "Supported accommodation": "Supported Accommodation"}


def _record(row: Any) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(FIELDS)
    record.update(
        childId=row.child_ref,
        totalWeeklyCost=row.weekly_cost,
        placementLocation=row.located_district,
        providerURN=row.located_urn,
        placementType=PLACEMENT_TYPES[ssda903.standard_placement_type(row.place)],
    )
    return record


def placements_standard_records(viewer, connection: sa.Connection) -> Iterator[dict[str, Any]]:
    """Flat records (field name -> value, None when the portal does not hold it) of the
    viewer's own authority only: a council officer's. Anyone else is refused (Forbidden)."""
    check(viewer, "placements.view")
    e = placement_episodes
    loc = located(e)
    rows = connection.execute(
        sa.select(e.c.child_ref, e.c.weekly_cost, e.c.place,
                  loc.district.label("located_district"), loc.urn.label("located_urn"))
        .select_from(loc.joined)
        .where(e.c.authority_id == viewer.organisation_id,
               sa.or_(e.c.rne.is_(None), e.c.rne != "L"))
        .order_by(e.c.child_ref, e.c.start, e.c.number))
    for row in rows:
        if ssda903.standard_placement_type(row.place) is not None:
            yield _record(row)


def grouped(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A flat record in the standard's six groups."""
    return {group: {f: record[f] for f in fields} for group, fields in GROUPS.items()}


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """One header line of the standard's field names, then one line per placement; blank
    where the portal holds nothing. Returns the number of records."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
        count += 1
    return count


def write_json(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """``{"standard", "version", "placements": [{group: {field: value}}]}``; null where the
    portal holds nothing. Returns the number of records."""
    placements = [grouped(r) for r in records]
    json.dump({"standard": "Placements Data Standard", "version": VERSION,
               "placements": placements}, out, indent=1, ensure_ascii=False)
    out.write("\n")
    return len(placements)


WRITERS = {"csv": write_csv, "json": write_json}
