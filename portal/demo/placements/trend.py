"""Dorset's out-of-area trend: its children other than unaccompanied asylum-seeking children
placed outside Dorset fell from 47% two years before the day to 42% a year before and 36% on it
(see ``facts.DORSET_TREND``), as the dashboard's headline shows the same day of each year.

Pure and deterministic. The histories are drawn first; then, on each earlier day, enough of
the placements open that day that ended before the day the demo is loaded on (so nothing
counted on the day changes) and were with carers or family inside Dorset are moved to
carers' homes outside it, in districts where Dorset places children (``facts.ELSEWHERE``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date

from domain import ssda903
from portal.demo.placements import facts
from portal.demo.placements.histories import ChildPlan, add_years
from portal.demo.placements.places import AGENCY_URN, sector

# Placements that can be moved elsewhere: in carers' or family homes, or with a provider (in a
# home or with carers of its own outside the directory, as the demo places children where no
# directory setting has room: ``places.Places._in_setting``).
MOVABLE = frozenset({"kinship", "in_house", "ifa", "home", "supported"})


@dataclass(frozen=True)
class Stay:
    """One placement of one child: steps ``first`` to ``last`` of the plan, from ``start``
    until ``end`` (None: open on the day)."""

    plan: int
    first: int
    last: int
    start: date
    end: date | None

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end > day)


def stays(plans: list[ChildPlan]) -> list[Stay]:
    found = []
    for n, plan in enumerate(plans):
        steps, i = plan.steps, 0
        while i < len(steps):
            step = steps[i]
            if step.rne is None or step.where is None \
                    or step.legal_status in ssda903.SHORT_BREAK_LEGAL_STATUSES:
                i += 1
                continue
            j = i
            while j + 1 < len(steps) and steps[j + 1].rne == "L" \
                    and steps[j + 1].where is step.where:
                j += 1
            end = steps[j + 1].on if j + 1 < len(steps) else None
            found.append(Stay(n, i, j, step.on, end))
            i = j + 1
    return found


def outside(plans: list[ChildPlan], stay: Stay, la: str) -> bool:
    """Placed outside the authority's area (a placement whose area is not known is not)."""
    where = plans[stay.plan].steps[stay.first].where
    return where.la_code != la and where.postcode is not None


def share_outside(plans: list[ChildPlan], la: str, day: date) -> tuple[int, int]:
    """(outside, children) of the authority's children other than unaccompanied children in
    care on ``day``."""
    counted = [s for s in stays(plans) if s.open_on(day) and not plans[s.plan].uasc
               and plans[s.plan].la_code == la]
    return sum(outside(plans, s, la) for s in counted), len(counted)


def wanted(percent: int, children: int) -> int:
    """The fewest children outside that round to ``percent`` of ``children``."""
    count = round(percent * children / 100)
    while round(100 * count / children) != percent:
        count += 1 if 100 * count / children < percent else -1
    return count


def out_of_area_trend(plans: list[ChildPlan], today: date, la: str,
                      trend: dict[int, int]) -> list[ChildPlan]:
    """``plans`` with the authority's children other than unaccompanied children placed
    outside its area on the same day ``years`` before ``today`` making ``trend[years]`` per
    cent of them (each no lower than it is already)."""
    plans = list(plans)
    rng = random.Random(f"demo-trend:{la}")  # noqa: S311 (seeded demo data)
    days = {years: add_years(today, -years) for years in trend}
    movable = [s for s in stays(plans)
               if s.end is not None and s.end <= today and not plans[s.plan].uasc
               and plans[s.plan].la_code == la and not outside(plans, s, la)
               and plans[s.plan].steps[s.first].where.kind in MOVABLE
               and any(s.open_on(day) for day in days.values())]
    need = {}
    for years, percent in trend.items():
        now, children = share_outside(plans, la, days[years])
        need[days[years]] = wanted(percent, children) - now
    # Placements open on several of the days first (each counts on all of them), then those
    # open on one; none moves where a day it is open on needs no more.
    for stay in sorted(movable, key=lambda s: (-sum(s.open_on(d) for d in need), s.start,
                                               s.plan)):
        covered = [d for d in need if stay.open_on(d)]
        if all(need[d] > 0 for d in covered):
            plans[stay.plan] = _moved(plans[stay.plan], stay, rng, la)
            for d in covered:
                need[d] -= 1
    if any(n > 0 for n in need.values()):
        raise ValueError(f"{la}: not enough placements to move for its trend")
    return plans


def _moved(plan: ChildPlan, stay: Stay, rng: random.Random, la: str) -> ChildPlan:
    where = plan.steps[stay.first].where
    district = rng.choice(facts.ELSEWHERE[la])
    elsewhere = replace(where, postcode=sector(rng, district), la_code=None)
    if where.setting is not None:  # the provider's own home or carers elsewhere
        elsewhere = replace(elsewhere, setting=None, urn=AGENCY_URN[where.provider])
    steps = list(plan.steps)
    for i in range(stay.first, stay.last + 1):
        steps[i] = replace(steps[i], where=elsewhere)
    return replace(plan, steps=tuple(steps))
