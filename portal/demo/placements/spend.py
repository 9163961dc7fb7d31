"""Plymouth's published spend, to the pound: the demo's placements in the last financial year
before the day cost exactly what Plymouth City Council reported for 2021/22 (see
``facts.PLYMOUTH_SPEND``), as the dashboards' "spend in the financial year" measure
(projections/sufficiency/spend.py) adds it up: weekly cost x days of the year in the placement
/ 7.

Pure and deterministic. The histories are drawn first; then the weekly costs of the placements
open in the year are scaled to the published figure and the last few pounds are made up
exactly, a pound a week at a time, on placements whose days in the year allow it. Each row the
measure shows (a placement type and route) comes out in whole pounds, so the rows add up to
the published figures with nothing lost to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

from domain import ssda903
from portal.demo.placements.histories import ChildPlan, Step

DAYS_A_WEEK = 7


@dataclass
class Stretch:
    """One placement of one child: steps ``first`` to ``last`` of the plan (a move and any
    changes of legal status after it, all in the same place), and its days in the year."""

    plan: int
    first: int
    last: int
    days: int
    cost: int


def stretches(plans: list[ChildPlan], first: date, last: date) -> list[Stretch]:
    """Every placement with a weekly cost open on a day of the year (short breaks left out, as
    the measure leaves them out)."""
    found = []
    after = last + timedelta(days=1)
    for n, plan in enumerate(plans):
        steps = plan.steps
        i = 0
        while i < len(steps):
            step = steps[i]
            if step.rne is None or step.where is None:
                i += 1
                continue
            j = i
            while j + 1 < len(steps) and steps[j + 1].rne == "L" \
                    and steps[j + 1].where is step.where:
                j += 1
            ends = steps[j + 1].on if j + 1 < len(steps) else None
            days = (min(ends or after, after) - max(step.on, first)).days
            if days > 0 and step.where.weekly_cost is not None \
                    and step.legal_status not in ssda903.SHORT_BREAK_LEGAL_STATUSES:
                found.append(Stretch(n, i, j, days, step.where.weekly_cost))
            i = j + 1
    return found


def row_of(plans: list[ChildPlan], stretch: Stretch) -> tuple[str, str | None]:
    where = plans[stretch.plan].steps[stretch.first].where
    return ssda903.placement_group(where.place, where.place_provider), where.route


def _exact(stretches_: list[Stretch], remainder: int) -> None:
    """Make up ``remainder`` pound-days exactly: a pound a week more or less on placements
    whose days in the year have no common factor, the fewest pounds possible."""
    if remainder == 0:
        return
    short = sorted(stretches_, key=lambda s: s.days)[:40]
    best = None
    for a in short:
        for b in short:
            if a is b or math.gcd(a.days, b.days) != 1:
                continue
            for k in range(-b.days, b.days + 1):
                rest = remainder - k * a.days
                if rest % b.days == 0:
                    m = rest // b.days
                    if best is None or max(abs(k), abs(m)) < best[0]:
                        best = (max(abs(k), abs(m)), a, k, b, m)
    if best is None:
        raise ValueError("no two placements can make up the spend exactly")
    _, a, k, b, m = best
    a.cost += k
    b.cost += m


def tune(stretches_: list[Stretch], pounds: int) -> None:
    """Weekly costs whose cost x days add up to exactly ``pounds`` x 7."""
    target = pounds * DAYS_A_WEEK
    now = sum(s.cost * s.days for s in stretches_)
    for s in stretches_:
        s.cost = round(s.cost * target / now)
    remainder = target - sum(s.cost * s.days for s in stretches_)
    for s in sorted(stretches_, key=lambda s: -s.days):
        step = int(remainder / s.days)
        s.cost += step
        remainder -= step * s.days
    _exact(stretches_, remainder)
    assert sum(s.cost * s.days for s in stretches_) == target
    assert all(s.cost > 0 for s in stretches_)


def split(rows: dict, pounds: int) -> dict:
    """``pounds`` shared between the rows in proportion to their present spend, in whole
    pounds adding up to it."""
    now = {key: sum(s.cost * s.days for s in found) for key, found in rows.items()}
    whole = sum(now.values())
    shares = {key: pounds * value // whole for key, value in now.items()}
    largest = max(shares, key=lambda key: now[key])
    shares[largest] += pounds - sum(shares.values())
    return shares


def published_spend(plans: list[ChildPlan], today: date,
                    targets: dict[tuple[str, tuple[str, ...]], int]) -> list[ChildPlan]:
    """``plans`` with the weekly costs of each (placement type group, routes) in the last
    financial year before ``today`` adding up to its target, in pounds."""
    first, last = ssda903.last_financial_year(today)
    found = stretches(plans, first, last)
    for (group, routes), pounds in targets.items():
        rows = {route: [s for s in found if row_of(plans, s) == (group, route)]
                for route in routes}
        for route, pounds_of_row in split(rows, pounds).items():
            tune(rows[route], pounds_of_row)
    plans = list(plans)
    for stretch in found:
        plan = plans[stretch.plan]
        where = plan.steps[stretch.first].where
        if stretch.cost == where.weekly_cost:
            continue
        changed = replace(where, weekly_cost=stretch.cost)
        steps: list[Step] = list(plan.steps)
        for i in range(stretch.first, stretch.last + 1):
            steps[i] = replace(steps[i], where=changed)
        plans[stretch.plan] = replace(plan, steps=tuple(steps))
    return plans


MIN_STAY = 31  # a block place's occupant stays at least a month


def place_days(beds: list[tuple[object, list[tuple[date, date | None]]]], opened: date,
               today: date, wanted: int) -> None:
    """Move the ends, then the starts, of block-contract stays within the last financial year
    before ``today`` until the places were filled for exactly ``wanted`` place-days in it
    (so the block's spend in the year is its weekly price x ``wanted`` / 7). Each stay stays
    at least a month long, apart from its neighbours in the same place and within the
    contract; the occupants on the day stay."""
    first, last = ssda903.last_financial_year(today)
    after = last + timedelta(days=1)

    def days(since: date, until: date | None) -> int:
        return max(0, (min(until or after, after) - max(since, first)).days)

    short = wanted - sum(days(*stay) for _, stays in beds for stay in stays)
    for moving_end in (True, False):
        for _, stays in beds:
            for n, (since, until) in enumerate(stays):
                if short == 0:
                    return
                later = stays[n + 1][0] if n + 1 < len(stays) else today
                earlier = stays[n - 1][1] if n else opened
                if moving_end and until is not None and first < until <= after:
                    low = min(0, (max(since + timedelta(days=MIN_STAY), first) - until).days)
                    high = max(0, (min(later - timedelta(days=1), after) - until).days)
                    change = max(low, min(high, short))
                    stays[n] = (since, until + timedelta(days=change))
                elif not moving_end and first <= since < after and earlier is not None:
                    ends = until or today
                    low = min(0, (max(earlier + timedelta(days=1), first) - since).days)
                    high = max(0, (min(ends - timedelta(days=MIN_STAY), after) - since).days)
                    change = max(low, min(high, -short))
                    stays[n] = (since + timedelta(days=change), until)
                    change = -change
                else:
                    continue
                short -= change
    if short:
        raise ValueError(f"the block's stays cannot make {wanted} place-days in the year")
