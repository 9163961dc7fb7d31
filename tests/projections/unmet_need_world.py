"""A worked example of unmet need, built through the real commands on the home search world
(tests/projections/home_search_world.py), with the event clock set by hand so every time to
place is a round number of days.

Kent opens five searches on 23 November 2026 at 09:00 UTC; Dorset opens one:
- K1, a children's home for a girl and her brother (13): sent to Weald Homes and Brook Care;
  Weald offers A (in Kent, 5 miles from home), Brook offers B (in Dorset, 20 miles); Kent
  accepts B two days later: placed out of area, but something nearer was offered.
- K2, the same terms for another child: sent to Other Homes only, which offers D (in Dorset,
  60 miles away); accepted five days later: placed out of area with nothing nearer offered.
- K3, a 16-year-old for a children's home or supported accommodation: closed unfilled, too far.
- K4 cancelled; K5 (a 4-year-old) still a draft.
- D1, Dorset's children's home search for a 15-year-old: closed unfilled, no offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import eventsourcing.domain

from domain.actor import Actor
from domain.out_of_area import DIRECTOR, Approval
from tests.projections.home_search_world import TODAY, World, build, worked_example_search

OPENED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Clock:
    """The moment events are stamped with, moved by hand."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Example:
    world: World
    searches: dict[str, UUID]


def build_example(portal, monkeypatch) -> Example:
    world = build(portal)
    clock = Clock(OPENED)
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", clock)
    kent, p, v = Actor(uuid4(), world.kent), world.providers, world.vacancies
    searches = {f"K{n}": worked_example_search(portal, world, child_ref=f"CAAAAAAAAAAA{n}")
                for n in (1, 2)}
    searches["K3"] = worked_example_search(
        portal, world, child_ref="CAAAAAAAAAAA3", age=16, siblings=0,
        placement_types=["childrens_home", "supported_accommodation"])
    searches["K4"] = worked_example_search(portal, world, child_ref="CAAAAAAAAAAA4")
    searches["K5"] = worked_example_search(portal, world, child_ref="CAAAAAAAAAAA5", age=4,
                                           siblings=0)
    searches["D1"], _ = portal.draft_home_search(
        Actor(uuid4(), world.dorset), authority_id=world.dorset, child_ref="CAAAAAAAAAAA6",
        urgency="emergency", needed_by=TODAY, latest_start=TODAY + timedelta(days=1),
        placement_types=["childrens_home"], age=15, sex="1", siblings=0, legal_status="C2",
        family_district="ZZ1", today=TODAY)

    now, deadline = OPENED, OPENED + timedelta(hours=24)
    portal.send_home_search(kent, searches["K1"], provider_ids=[p["Weald Homes"],
                                                               p["Brook Care"]],
                            offers_close_at=deadline, now=now)
    portal.send_home_search(kent, searches["K2"], provider_ids=[p["Other Homes"]],
                            offers_close_at=deadline, now=now)
    offers = {}
    for search, provider, vacancy in (("K1", "Weald Homes", "A"), ("K1", "Brook Care", "B"),
                                      ("K2", "Other Homes", "D")):
        offers[vacancy], _ = portal.offer_place(
            Actor(uuid4(), p[provider]), searches[search], vacancy_id=v[vacancy],
            weekly_price=5_000, start_on=TODAY, now=now)
    portal.close_home_search_unfilled(kent, searches["K3"], unfilled_reason="too_far")
    portal.cancel_home_search(kent, searches["K4"], reason="Went home to her mother")
    portal.close_home_search_unfilled(Actor(uuid4(), world.dorset), searches["D1"],
                                      unfilled_reason="no_offers")
    for search, vacancy, days in (("K1", "B", 2), ("K2", "D", 5)):
        clock.moment = OPENED + timedelta(days=days)
        portal.close_home_search_to_offers(kent, searches[search], now=clock.moment)
        portal.accept_offer(kent, searches[search], offers[vacancy], birth_month="2013-03",
                            now=clock.moment, approval=Approval(
                                approver_name="Jo Director", approver_role=DIRECTOR,
                                approved_on=TODAY, reason="No nearer home was offered"))
    return Example(world, searches)
