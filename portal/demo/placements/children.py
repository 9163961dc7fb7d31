"""The kinds of demo child: in care on the day, left care in the last three years (after
starting in them or before), looked after only for short breaks, and the children who lived in
a block contract's places before today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.demo.placements import facts
from portal.demo.placements.histories import (
    YEAR,
    ChildPlan,
    Lives,
    Period,
    add_years,
    age_on,
    poisson,
)
from portal.demo.placements.places import Where, weighted


@dataclass(eq=False)  # each is one child's placement: compared by identity
class Final:
    """The placement a child in care on the day is in, as the authority's figures need it."""

    kind: str
    uasc: bool
    out: bool | None = None  # outside the authority's area (None: not yet decided)
    cost: int | None = None
    route: str | None = None
    block: Where | None = None  # a block contract's place, filled since ``block_from``
    block_from: date | None = None


# Why a period of care ended (REC), by the kind of the last placement (DfE SSDA903 codes).
_ENDS: dict[str, dict[str, float]] = {
    "kinship": {"E45": 0.4, "E41": 0.1, "E4A": 0.3, "E13": 0.2},
    "foster": {"E4A": 0.42, "E13": 0.1, "E46": 0.08, "E47": 0.07, "E48": 0.04, "E4B": 0.08,
               "E41": 0.04, "E3": 0.05, "E8": 0.1, "E16": 0.02},
    "home": {"E4A": 0.45, "E13": 0.15, "E8": 0.15, "E7": 0.05, "E3": 0.1, "E4B": 0.1},
    "uasc": {"E15": 0.25, "E8": 0.25, "E3": 0.3, "E16": 0.2},
    "adult": {"E17": 0.35, "E5": 0.45, "E8": 0.15, "E6": 0.05},
}
_END_GROUP = {"kinship": "kinship", "in_house": "foster", "ifa": "foster", "adoption": "foster",
              "parents": "kinship"}


class Children(Lives):
    def end_reason(self, kind: str, uasc: bool, adult: bool) -> str:
        if adult:
            return weighted(self.rng, _ENDS["adult"])
        if uasc:
            return weighted(self.rng, _ENDS["uasc"])
        return weighted(self.rng, _ENDS[_END_GROUP.get(kind, "home")])

    def in_care(self, number: int, final: Final) -> ChildPlan:
        """A child in care on the day, in ``final`` since a move (or since starting)."""
        rng, today = self.rng, self.today
        spec = facts.KINDS[final.kind]
        if final.block_from is not None:
            years_in = (today - final.block_from).days // YEAR
            oldest = max(9, 16 - years_in)
            age = 16 if final.kind == "supported" else rng.randint(min(12, oldest), oldest)
            birth = self.birth(age, final.block_from, 60)
            start = final.block_from if rng.random() < 0.4 else max(
                final.block_from - timedelta(days=rng.randint(30, 500)),
                birth + timedelta(days=YEAR))
        else:
            age = self.age(final.kind, final.uasc)
            birth = self.birth(max(age, 1) if final.kind == "adoption" else age, today)
            length = rng.choices((rng.randint(30, YEAR), rng.randint(YEAR, 2 * YEAR),
                                  rng.randint(2 * YEAR, 3 * YEAR),
                                  rng.randint(3 * YEAR, 9 * YEAR)),
                                 weights=(0.14, 0.11, 0.1, 0.65))[0]
            if final.kind == "adoption":
                length = max(length, 240)
            elif final.kind in {"supported", "parent_child"} and rng.random() < 0.7:
                # most came into care as teenagers, straight into a 16+ or parent and child home
                length = min(length, (today - add_years(birth, spec.ages[0])).days)
            start = min(max(today - timedelta(days=length), birth + timedelta(days=1)),
                        today - timedelta(days=1))
        home = self.home(final.uasc)
        years = (today - start).days / YEAR
        moves = poisson(rng, min(years, 3) * (0.2 if start >= self.window else 0.06))
        if final.block_from is not None:
            kinds = [(final.block_from, final.kind)]
            if start < final.block_from:
                kinds = self.placements(start, final.block_from, birth, final.uasc,
                                        min(moves, 2)) + kinds
        else:
            earliest = max(start, add_years(birth, spec.ages[0]))
            if final.kind == "adoption" and earliest == start:
                earliest = start + timedelta(days=rng.randint(120, 220))
            earliest = min(earliest, today - timedelta(days=1))
            kinds = self.placements(start, today, birth, final.uasc, moves, final.kind,
                                    earliest)
            recent = [d for d, _ in kinds if (today - d).days < YEAR]
            if rng.random() < 0.05 and (today - start).days > YEAR and len(recent) < 2:
                kinds = self._unstable(kinds, birth, final.uasc, earliest)
        where = final.block or self.places.where(
            rng, self.la, final.kind, on=kinds[-1][0], age=age_on(birth, kinds[-1][0]),
            out=bool(final.out), long_term=(today - kinds[-1][0]).days >= 365, home=home,
            on_day=True, cost=final.cost, route=final.route)
        period = self.period(start, today, birth, kinds, final.uasc, home, final=where)
        if final.kind == "adoption":  # a placement order (E1) came before the adoptive home
            granted = kinds[-1][0] - timedelta(days=rng.randint(20, 90))
            period.legal = [(start, "C1"), (granted, "E1")]
        periods = [period]
        if start >= max(self.window, birth + timedelta(days=YEAR)) + timedelta(days=240) \
                and rng.random() < 0.06:
            periods.insert(0, self._earlier_period(birth, start, final.uasc, home))
        return self.child(number, birth, final.uasc, periods, home)

    def _unstable(self, kinds: list[tuple], birth: date, uasc: bool,
                  earliest: date) -> list[tuple]:
        """Three moves in the last year, the last into the child's placement on the day."""
        first = max(self.today - timedelta(days=330), earliest)
        if first >= self.today - timedelta(days=40):
            return kinds
        days = self.move_dates(first, self.today, 3)
        kept = [(d, k) for d, k in kinds[:-1] if d < days[0]] or [kinds[0]]
        middle = [(d, self.kind_at(birth, d, uasc)) for d in days[:-1]]
        return [*kept, *middle, (days[-1], kinds[-1][1])]

    def _earlier_period(self, birth: date, before: date, uasc: bool,
                        home: str | None) -> Period:
        """A child who came back into care: an earlier period that ended."""
        rng = self.rng
        end = before - timedelta(days=rng.randint(30, 150))
        start = max(end - timedelta(days=rng.randint(20, 200)), self.window,
                    birth + timedelta(days=1))
        if start >= end:
            start = end - timedelta(days=7)
        kind = self.kind_at(birth, start, uasc)
        return self.period(start, end, birth, [(start, kind)], uasc, home,
                           end=(end, weighted(rng, {"E4A": 0.7, "E13": 0.2, "E4B": 0.1})))

    def left(self, number: int) -> ChildPlan:
        """A child who started to be looked after in the last three years and has left."""
        rng, today = self.rng, self.today
        start = self.window + timedelta(days=rng.randint(0, (today - self.window).days - 30))
        uasc = rng.random() < 0.06
        kind = self.kind_at(self.birth(9, start), start, uasc)
        birth = self.birth(self.age(kind, uasc), start)
        length = rng.choices((rng.randint(7, 90), rng.randint(90, YEAR),
                              rng.randint(YEAR, 800)), weights=(0.4, 0.35, 0.25))[0]
        end = min(start + timedelta(days=length), today - timedelta(days=1))
        adult = add_years(birth, 18) <= end
        if adult:
            end = add_years(birth, 18)
        home = self.home(uasc)
        if not uasc and age_on(birth, start) <= 1 and (today - start).days > 600 and \
                rng.random() < 0.4:
            return self._adopted(number, birth, start, home)
        moves = 0 if (end - start).days < 45 else min(poisson(rng, 0.3 * length / YEAR), 2)
        kinds = self.placements(start, end, birth, uasc, moves)
        reason = self.end_reason(kinds[-1][1], uasc, adult)
        period = self.period(start, end, birth, kinds, uasc, home, end=(end, reason))
        return self.child(number, birth, uasc, [period], home)

    def _adopted(self, number: int, birth: date, start: date, home: str | None) -> ChildPlan:
        rng = self.rng
        placed = start + timedelta(days=rng.randint(270, 420))
        end = min(placed + timedelta(days=rng.randint(150, 300)),
                  self.today - timedelta(days=1))
        kinds = [(start, "in_house"), (placed, "adoption")]
        period = self.period(start, end, birth, kinds, False, home,
                             end=(end, weighted(rng, {"E11": 0.6, "E12": 0.4})))
        granted = placed - timedelta(days=rng.randint(20, 90))
        period.legal = [(start, "C1"), (granted, "E1")]
        return self.child(number, birth, False, [period], home)

    def left_long_stay(self, number: int) -> ChildPlan:
        """A child looked after since before the last three years, who left in them (most of
        them on turning 18)."""
        rng, today = self.rng, self.today
        end = self.window + timedelta(days=rng.randint(0, (today - self.window).days - 1))
        adult = rng.random() < 0.62  # most leave on their 18th birthday
        birth = add_years(end, -18) if adult else self.birth(rng.randint(5, 16), end)
        earliest = max(today - timedelta(days=9 * YEAR), birth + timedelta(days=30))
        start = earliest + timedelta(days=rng.randint(0, max(0, (self.window - earliest).days
                                                                - 1)))
        uasc = rng.random() < 0.05 and age_on(birth, start) >= 14
        home = self.home(uasc)
        years = (end - start).days / YEAR
        kinds = self.placements(start, end, birth, uasc, min(poisson(rng, 0.08 * years), 3))
        reason = self.end_reason(kinds[-1][1], uasc, adult)
        period = self.period(start, end, birth, kinds, uasc, home, end=(end, reason))
        return self.child(number, birth, uasc, [period], home)

    def short_breaks(self, number: int) -> ChildPlan:
        """A disabled child looked after only for short breaks: an agreed series (V4, one open
        episode) or single breaks recorded one by one (V3). Not counted as in care."""
        rng, today = self.rng, self.today
        birth = self.birth(rng.randint(5, 15), today)
        home = self.home(False)
        periods = []
        if rng.random() < 0.66:
            start = today - timedelta(days=rng.randint(60, 900))
            periods.append(self._break(start, birth, home, "V4", None))
        else:
            day = today - timedelta(days=rng.randint(250, 330))
            for _ in range(3):
                end = day + timedelta(days=rng.randint(2, 4))
                periods.append(self._break(day, birth, home, "V3", (end, "E4A")))
                day = end + timedelta(days=rng.randint(40, 90))
        return self.child(number, birth, False, periods, home)

    def _break(self, start: date, birth: date, home: str | None, status: str,
               end: tuple[date, str] | None) -> Period:
        where = self.places.where(self.rng, self.la, "short_break", on=start,
                                  age=age_on(birth, start), out=False, long_term=False,
                                  home=home, on_day=end is None)
        return Period(start, [(start, status)], [(start, where, None)], end)

    def block_before(self, number: int, place: Where, start: date, end: date,
                     uasc: bool) -> ChildPlan:
        """A child who lived in a block contract's place from ``start`` to ``end``, then
        moved on or left care."""
        rng, today = self.rng, self.today
        kind = place.kind
        birth = self.birth(16 if kind == "supported" else rng.randint(12, 15), start, 45)
        home = self.home(uasc)
        first = start if rng.random() < 0.5 else max(
            start - timedelta(days=rng.randint(30, 400)), birth + timedelta(days=YEAR))
        kinds = [(first, self.kind_at(birth, first, uasc))] if first < start else []
        kinds.append((start, kind))
        eighteen = add_years(birth, 18)
        finish = end
        if rng.random() < 0.5 and end + timedelta(days=45) < min(today, eighteen):
            kinds.append((end, self.kind_at(birth, end, uasc, kind)))
            finish = min(end + timedelta(days=rng.randint(30, 300)), eighteen,
                         today - timedelta(days=1))
        adult = finish >= eighteen
        if adult:
            finish = eighteen
        reason = self.end_reason(kinds[-1][1], uasc, adult)
        period = self.period(kinds[0][0], finish, birth, kinds, uasc, home,
                             end=(finish, reason))
        period.segments = [(d, place if d == start else w, r) for d, w, r in period.segments]
        return self.child(number, birth, uasc, [period], home)
