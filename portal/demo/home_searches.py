"""Demo home searches: a few of the councils' searches for homes, in the states the portal
supports so far (drafts, one an emergency, one cancelled, two closed unfilled), drafted by
each council's demo placements officer.

They are searches for homes, not placements: they change none of the councils' published
figures. Each child is known only by the portal's reference, from a demo id
(``DEMO-<LA code>-S<n>``) hashed with the deployment's key, like the demo children's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID, uuid5

from domain.child_ref import ChildReferences
from domain.home_search import DRAFT
from domain.organisation import NAMESPACE, authority_id
from portal.demo.tenders import Report, officer_actor
from portal.services.application import Portal


@dataclass(frozen=True)
class DemoSearch:
    la_code: str
    number: int
    urgency: str
    needed_in_days: int
    start_within_days: int
    placement_types: tuple[str, ...]
    age: int
    sex: str
    legal_status: str
    family_district: str | None
    needs: tuple[str, ...] = ()
    siblings: int = 0
    school_district: str | None = None
    stay_near_school: bool = False
    areas_to_avoid: tuple[str, ...] = ()
    # What became of it: None (still a draft), ("cancelled", reason) or
    # ("closed_unfilled", unfilled reason, note).
    outcome: tuple[str, ...] | None = None
    reason: str | None = field(default=None)


SEARCHES = (
    DemoSearch("886", 1, "planned", 14, 28, ("childrens_home",), 14, "2", "C2", "ME14",
               needs=("emotional_behavioural",), areas_to_avoid=("ME4",),
               reason="Current foster placement ending at the carers' request"),
    DemoSearch("886", 2, "emergency", 0, 2, ("supported_accommodation",), 16, "1", "C1",
               "CT1", needs=("exploitation_risk",), areas_to_avoid=("CT9",),
               reason="Police protection overnight; home needed today"),
    DemoSearch("886", 3, "planned", 21, 42, ("independent_fostering_agency",), 7, "2", "C2",
               "ME4", needs=("sibling_group",), siblings=2,
               outcome=("closed_unfilled", "no_match",
                        "No agency could take three brothers and sisters together")),
    DemoSearch("879", 1, "planned", 28, 56, ("independent_fostering_agency",), 9, "1", "C2",
               "PL5", school_district="PL2", stay_near_school=True,
               needs=("emotional_behavioural",)),
    DemoSearch("879", 2, "planned", 7, 21, ("childrens_home",), 12, "2", "C1", "PL1",
               outcome=("cancelled", "Returned to her family under a supervision order")),
    DemoSearch("838", 1, "planned", 10, 30, ("childrens_home",), 15, "1", "C2", "DT1",
               needs=("complex_needs", "solo_placement"),
               outcome=("closed_unfilled", "too_far",
                        "Only homes over 100 miles away could meet his needs")),
)


def home_search_id(search: DemoSearch) -> UUID:
    return uuid5(NAMESPACE, f"demo-home-search:{search.la_code}:{search.number}")


def load_home_searches(portal: Portal, child_refs: ChildReferences, today: date,
                       report: Report) -> None:
    for search in SEARCHES:
        actor = officer_actor(search.la_code)
        search_id = home_search_id(search)
        if portal.exists(search_id):
            report.skipped += 1
        else:
            report.last_position = portal.draft_home_search(
                actor, authority_id=authority_id(search.la_code), search_id=search_id,
                child_ref=child_refs.reference(search.la_code,
                                               f"DEMO-{search.la_code}-S{search.number}"),
                urgency=search.urgency, needed_by=today + timedelta(days=search.needed_in_days),
                latest_start=today + timedelta(days=search.start_within_days),
                placement_types=list(search.placement_types), age=search.age, sex=search.sex,
                siblings=search.siblings, legal_status=search.legal_status,
                needs=list(search.needs), family_district=search.family_district,
                school_district=search.school_district,
                stay_near_school=search.stay_near_school,
                areas_to_avoid=list(search.areas_to_avoid), today=today,
                reason=search.reason)[1]
            report.created += 1
        if search.outcome is None:
            continue
        if portal.get_home_search(actor, search_id).status != DRAFT:
            report.skipped += 1
            continue
        if search.outcome[0] == "cancelled":
            report.last_position = portal.cancel_home_search(actor, search_id,
                                                             reason=search.outcome[1])
        else:
            report.last_position = portal.close_home_search_unfilled(
                actor, search_id, unfilled_reason=search.outcome[1], reason=search.outcome[2])
        report.created += 1
