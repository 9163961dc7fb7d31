"""The demo region's placements: synthetic children whose histories reproduce, on the day, the
figures the partner councils published (see :mod:`.facts`).

``demo_placements(today)`` is pure and deterministic: the same ``today`` always gives the same
children, contracts and targets. Dates are relative to ``today`` (three years of history in
full, with longer stays reaching back before them), so the dashboards show the published
figures on whatever day the demo is loaded. :mod:`portal.demo.placements.loader` records them
through the portal's placement, contract and target commands.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta

from portal.demo import region
from portal.demo.placements import facts
from portal.demo.placements.children import Children, Final
from portal.demo.placements.histories import ChildPlan, Step, add_years
from portal.demo.placements.places import GROUP, K3_FROM, Places, Where
from portal.demo.placements.spend import DAYS_A_WEEK, place_days, published_spend
from portal.demo.placements.trend import out_of_area_trend

__all__ = ["ChildPlan", "ContractPlan", "DemoPlacements", "Step", "Where", "demo_placements"]


@dataclass(frozen=True)
class ContractPlan:
    fact: facts.ContractFact
    start: date
    end: date


@dataclass(frozen=True)
class DemoPlacements:
    children: tuple[ChildPlan, ...]
    contracts: tuple[ContractPlan, ...]
    targets: dict[str, dict[str, float]]


def demo_placements(today: date) -> DemoPlacements:
    places = Places()
    contracts = tuple(_contract(fact, today) for fact in facts.CONTRACTS)
    slots = [(plan, *slot) for plan in contracts for slot in _slots(plan, places, today)]
    children: list[ChildPlan] = []
    for fact in facts.CARE:
        mine = [s for s in slots if s[0].fact.la_code == fact.la_code]
        plans = _authority(fact, today, places, mine)
        if fact.la_code == facts.PLYMOUTH:
            plans = published_spend(plans, today, facts.PLYMOUTH_SPEND)
        if fact.la_code == facts.DORSET:
            plans = out_of_area_trend(plans, today, facts.DORSET, facts.DORSET_TREND)
        children.extend(plans)
    return DemoPlacements(tuple(children), contracts, facts.TARGETS)


def _contract(fact: facts.ContractFact, today: date) -> ContractPlan:
    months = today.year * 12 + today.month - 1 - fact.start_months_ago
    start = date(months // 12, months % 12 + 1, 1)
    return ContractPlan(fact, start, add_years(start, fact.years))


def _slots(plan: ContractPlan, places: Places, today: date):
    """Each contracted place: its setting and who lived there when, from the contract's start.
    Occupied places have someone there on the day; the others have been empty for a while."""
    fact = plan.fact
    rng = random.Random(f"demo-contract:{fact.key}")  # noqa: S311 (seeded demo data)
    provider = next(p for p in region.PROVIDERS if p.name == fact.provider)
    order = [fact.la_code, *(la for la in GROUP[fact.la_code] if la != fact.la_code)]
    settings = [s for la in order for s in provider.settings
                if s.host_la_code == la and s.setting_type == fact.setting_type]
    beds = [s for s in settings for _ in range(s.registered_places)][:fact.places]
    assert len(beds) == fact.places, fact.key
    kind = "home" if fact.setting_type == "childrens_home" else "supported"
    longest = 420 if kind == "supported" else 540  # an occupant of 16+ stays under 18
    beds_stays = []
    for n, setting in enumerate(beds):
        places.take(provider.name, setting.name)
        occupied, stays = n < fact.occupied, []
        day = plan.start + timedelta(days=rng.randint(0, 45))
        while True:
            length = rng.randint(120, longest)
            if day + timedelta(days=length) >= today - timedelta(days=30):
                if occupied:
                    stays.append((day, None))
                else:
                    left = min(day + timedelta(days=length),
                               today - timedelta(days=rng.randint(20, 120)))
                    if left > day + timedelta(days=30):
                        stays.append((day, left))
                break
            stays.append((day, day + timedelta(days=length)))
            day += timedelta(days=length + rng.randint(10, 70))
            if occupied and day >= today - timedelta(days=30):
                stays[-1] = (stays[-1][0], None)  # the last occupant is still there
                break
        beds_stays.append((setting, stays))
    if fact.spend_in_year is not None:
        place_days(beds_stays, plan.start, today,
                   fact.spend_in_year * DAYS_A_WEEK // fact.weekly_price)
    for setting, stays in beds_stays:
        for since, until in stays:
            place = ("K3" if since >= K3_FROM else "H5") if kind == "supported" else "K2"
            where = Where(kind=kind, place=place,
                          place_provider="PR5" if fact.provider.endswith(("CIC", "Trust"))
                          else "PR4", provider=provider.name, setting=setting.name,
                          urn=setting.ofsted_urn, postcode=setting.postcode_district,
                          la_code=setting.host_la_code, weekly_cost=fact.weekly_price,
                          route="block", contract=fact.key)
            yield where, since, until


def _apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Whole numbers in proportion to ``shares`` that add up to ``total`` (largest remainder)."""
    whole = sum(shares.values())
    exact = {k: total * v / whole for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[:total - sum(counts.values())]:
        counts[k] += 1
    return counts


def _costs(rng: random.Random, n: int, low: int, high: int, total: int) -> list[int]:
    """``n`` weekly costs between ``low`` and ``high`` that add up to exactly ``total``."""
    assert n * low <= total <= n * high
    values = [rng.randint(low, high) for _ in range(n)]
    diff, i = total - sum(values), 0
    while diff:
        step = 1 if diff > 0 else -1
        if low <= values[i % n] + step <= high:
            values[i % n] += step
            diff -= step
        i += 1
    return values


def _finals(fact: facts.CareFact, rng: random.Random, blocks: list) -> list[Final]:
    """The placements of the children in care on the day, meeting the published figures."""
    la = fact.la_code
    counts = _apportion(fact.in_care - fact.uasc, facts.MIX)
    uasc_counts = _apportion(fact.uasc, facts.UASC_MIX)
    if la == "886":  # no Kent child in a secure children's home on the day
        counts.update(home=facts.KENT_HOMES_IN_KENT + facts.KENT_HOMES_OUTSIDE, secure=0)
    if la == "879":  # Plymouth: every residential placement on the day is a K2 home
        counts.update(ifa=facts.PLYMOUTH_IFA_CHILDREN - uasc_counts["ifa"],
                      home=facts.PLYMOUTH_RESIDENTIAL_CHILDREN + len(blocks), secure=0,
                      other_res=0)
    counts["in_house"] += fact.in_care - fact.uasc - sum(counts.values())
    finals = [Final(kind, uasc) for uasc, table in ((False, counts), (True, uasc_counts))
              for kind, n in table.items() for _ in range(n)]
    rng.shuffle(finals)
    for where, since, uasc in blocks:
        final = next(f for f in finals
                     if f.kind == where.kind and f.uasc == uasc and f.block is None)
        final.block, final.block_from, final.out = where, since, where.la_code != la
    homes = [f for f in finals if f.kind == "home" and f.block is None]
    if la == "886":
        outside = homes[facts.KENT_HOMES_IN_KENT:]
        total = facts.KENT_HOMES_OUTSIDE * facts.KENT_OUTSIDE_AVERAGE
        for n, final in enumerate(homes):
            final.out = n >= facts.KENT_HOMES_IN_KENT
        for final, cost in zip(outside, _costs(rng, len(outside), 3_900, 5_600, total),
                               strict=True):
            final.cost = cost
    if la == "879":
        ifa = [f for f in finals if f.kind == "ifa"]
        for group, (low, high, total) in ((ifa, (850, 1_000, facts.PLYMOUTH_IFA_WEEKLY)),
                                          (homes, (4_300, 6_900,
                                                   facts.PLYMOUTH_RESIDENTIAL_WEEKLY))):
            for final, cost in zip(group, _costs(rng, len(group), low, high, total),
                                   strict=True):
                final.cost = cost
    if la == "838":  # Dorset places most of its unaccompanied children outside its area
        for n, final in enumerate(f for f in finals if f.uasc and f.out is None):
            final.out = n < facts.DORSET_UASC_OUTSIDE
    free = [f for f in finals if f.out is None]
    need = fact.out_of_area - sum(f.out is True for f in finals)
    assert 0 <= need <= len(free), la
    keys = {id(f): rng.random() ** (1 / facts.KINDS[f.kind].out_weight) for f in free}
    for n, final in enumerate(sorted(free, key=lambda f: keys[id(f)], reverse=True)):
        final.out = n < need
    return finals


def _authority(fact: facts.CareFact, today: date, places: Places, slots: list) -> list:
    rng = random.Random(f"demo-placements:{fact.la_code}")  # noqa: S311 (seeded demo data)
    lives = Children(fact.la_code, today, places, rng)
    numbers = itertools.count(1)
    on_day = [(w, since, plan.fact.uasc) for plan, w, since, until in slots if until is None]
    plans = [lives.in_care(next(numbers), f) for f in _finals(fact, rng, on_day)]
    before = [(plan, w, since, until) for plan, w, since, until in slots if until is not None]
    for plan, where, since, until in before:
        plans.append(lives.block_before(next(numbers), where, since, until, plan.fact.uasc))
    plans += [lives.left(next(numbers)) for _ in range(round(0.10 * fact.in_care))]
    plans += [lives.left_long_stay(next(numbers))
              for _ in range(max(0, round(0.24 * fact.in_care) - len(before)))]
    plans += [lives.short_breaks(next(numbers)) for _ in range(fact.short_breaks)]
    return plans


