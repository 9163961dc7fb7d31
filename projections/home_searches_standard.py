"""The authority's home searches, their offers and outcomes in the Placements Data Standard's
field layout (SocialCareData/placements-standard, v2; see :mod:`projections.placements_standard`
for the standard's six groups and 41 fields).

One record per home search of the viewer's own authority. The standard describes a referral
(availability, requirements, recommended placement types, risks) and the placement it led to
(actual placement, quality assurance); the portal fills in what it holds and leaves every other
field blank, never invented:

- availability: the child (the portal's pseudonymous reference, never the council's own id),
  when the home is needed by (``Today``, ``Within 5 days`` or ``Later``, counted from the day
  the search was drafted, in the UK), the brothers and sisters to be placed together, and the
  preferred location (the family's postcode district);
- requirements: communication needs, when the search names them;
- recommendation: each of the standard's three kinds of placement is ``Preferred`` when the
  search recommends it, ``Not specified`` otherwise;
- actual placement, once an offer is accepted: the weekly price offered (whole pounds), the
  setting's postcode district, its Ofsted URN, whether the sibling group was placed together
  and the kind of placement;
- quality assurance: the referral's date and, once placed, the placement's (the accepted
  offer's start) and the cost's (the day the offer was accepted).

The standard has no ids, dates of its own or outcome of a search, so each record also carries
a group of the portal's own, ``HomeSearch`` (status, urgency, dates, providers approached,
offers and declines, why it closed unfilled), and in JSON its ``Offers`` (price, start, kind
of placement, location, status; never another authority's, never a provider's notes). Only the
viewer's own authority's searches, ever: child-level records never cross authority lines.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO, Any

import sqlalchemy as sa

from domain.home_search import PLACED, STATUS_LABELS, UNFILLED_REASONS
from domain.permissions import check
from domain.timezone import LONDON
from projections.directory import settings
from projections.home_searches import as_list, home_searches
from projections.placements_standard import FIELDS, GROUPS, VERSION
from projections.referrals import offers, referrals
from projections.tender_queries import aware

# The standard's three kinds of placement, by the portal's setting types.
STANDARD_TYPES = {"childrens_home": "Residential", "independent_fostering_agency": "Foster",
                  "supported_accommodation": "Supported Accommodation"}
SUITABILITY = {"Foster": "fosterCareSuitability", "Residential": "residentialCareSuitability",
               "Supported Accommodation": "supportedAccommodationSuitability"}
SEARCH_FIELDS = ("searchId", "status", "urgency", "neededByDate", "latestStart",
                 "providersApproached", "offersMade", "declines", "unfilledReason")
CSV_FIELDS = FIELDS + tuple(f"HomeSearch.{f}" for f in SEARCH_FIELDS)
SOON_DAYS = 5


def needed_by(drafted_on: date, needed: date) -> str:
    """The standard's "needed by": today, within 5 days or later, from the referral's day."""
    if needed <= drafted_on:
        return "Today"
    if needed <= drafted_on + timedelta(days=SOON_DAYS):
        return "Within 5 days"
    return "Later"


def _uk_date(moment) -> date:
    return aware(moment).astimezone(LONDON).date()


def _offer(row: Any) -> dict[str, Any]:
    return {"weeklyPrice": row.weekly_price, "startDate": row.start_on.isoformat(),
            "placementType": STANDARD_TYPES.get(row.setting_type),
            "placementLocation": row.postcode_district,
            "providerURN": row.ofsted_urn, "status": row.status}


def _record(row: Any, search_offers: list[Any], answers: Counter) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(FIELDS)
    types = {STANDARD_TYPES.get(t) for t in as_list(row.placement_types)} - {None}
    drafted_on = _uk_date(row.drafted_at)
    record.update(
        childId=row.child_ref, neededBy=needed_by(drafted_on, row.needed_by),
        siblingCount=row.siblings, preferredLocation=row.family_district,
        communicationNeeds="Yes" if "communication" in as_list(row.needs) else None,
        referralDate=drafted_on.isoformat(),
        **{field: "Preferred" if kind in types else "Not specified"
           for kind, field in SUITABILITY.items()})
    accepted = next((o for o in search_offers if o.status == "accepted"), None)
    if accepted is not None and row.status == PLACED:
        record.update(
            totalWeeklyCost=accepted.weekly_price, placementLocation=accepted.postcode_district,
            providerURN=accepted.ofsted_urn,
            siblingsPlacedTogether="Yes" if row.siblings else None,
            placementType=STANDARD_TYPES.get(accepted.setting_type),
            placementDate=accepted.start_on.isoformat(),
            costDate=_uk_date(row.changed_at).isoformat())
    record["HomeSearch"] = {
        "searchId": str(row.id), "status": STATUS_LABELS[row.status],
        "urgency": row.urgency, "neededByDate": row.needed_by.isoformat(),
        "latestStart": row.latest_start.isoformat(),
        "providersApproached": answers["sent"], "offersMade": len(search_offers),
        "declines": answers["declined"],
        "unfilledReason": UNFILLED_REASONS.get(row.unfilled_reason or "")}
    record["Offers"] = [_offer(o) for o in search_offers]
    return record


def home_searches_standard_records(viewer, connection: sa.Connection
                                   ) -> Iterator[dict[str, Any]]:
    """Flat records (the standard's fields, None when the portal does not hold one, then the
    portal's ``HomeSearch`` group and ``Offers``) of the viewer's own authority's searches,
    oldest first. Anyone but a council officer is refused (Forbidden)."""
    check(viewer, "home_searches.view")
    own = viewer.organisation_id
    o = offers
    by_search: dict[Any, list[Any]] = {}
    for row in connection.execute(
            sa.select(o.c.search_id, o.c.weekly_price, o.c.start_on, o.c.setting_type,
                      o.c.status, settings.c.postcode_district, settings.c.ofsted_urn)
            .join(settings, settings.c.id == o.c.setting_id)
            .where(o.c.authority_id == own).order_by(o.c.made_at, o.c.id)):
        by_search.setdefault(row.search_id, []).append(row)
    answers: dict[Any, Counter] = {}
    for row in connection.execute(sa.select(referrals.c.search_id, referrals.c.answer)
                                  .where(referrals.c.authority_id == own)):
        counted = answers.setdefault(row.search_id, Counter())
        counted["sent"] += 1
        counted[row.answer or "none"] += 1
    h = home_searches
    for row in connection.execute(sa.select(h).where(h.c.authority_id == own)
                                  .order_by(h.c.drafted_at, h.c.id)):
        yield _record(row, by_search.get(row.id, []), answers.get(row.id, Counter()))


def grouped(record: dict[str, Any]) -> dict[str, Any]:
    """A flat record in the standard's six groups, then the portal's own two."""
    document: dict[str, Any] = {group: {f: record[f] for f in fields}
                                for group, fields in GROUPS.items()}
    document["HomeSearch"] = record["HomeSearch"]
    document["Offers"] = record["Offers"]
    return document


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """One header line (the standard's fields, then ``HomeSearch.*``), one line per search;
    blank where the portal holds nothing. Returns the number of records."""
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for record in records:
        flat = {f: record[f] for f in FIELDS}
        flat.update({f"HomeSearch.{k}": v for k, v in record["HomeSearch"].items()})
        writer.writerow({k: "" if v is None else v for k, v in flat.items()})
        count += 1
    return count


def write_json(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """``{"standard", "version", "homeSearches": [{group: {field: value}}]}``; null where the
    portal holds nothing. Returns the number of records."""
    searches = [grouped(r) for r in records]
    json.dump({"standard": "Placements Data Standard", "version": VERSION,
               "homeSearches": searches}, out, indent=1, ensure_ascii=False)
    out.write("\n")
    return len(searches)


WRITERS = {"csv": write_csv, "json": write_json}
