"""Demo children's histories: periods of care, moves, legal status changes and endings,
written as the steps an officer would record (start, change, end).

Every child is synthetic. A history is drawn from the authority's seeded random generator, so
the same ``today`` always gives the same histories. Steps follow SSDA903: a period of care
opens with reason for new episode S; a move is P (or T with the same carers), a change of legal
status alone is L, both at once B (or U); an end carries a REC code.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.demo.placements import facts
from portal.demo.placements.places import DISTRICTS, LONG_TERM_DAYS, Places, Where, sector, weighted

YEAR = 365


@dataclass(frozen=True)
class Step:
    on: date
    rne: str | None = None  # S opens a period of care; L, P, T, B, U change; None ends it
    legal_status: str | None = None
    where: Where | None = None
    reason_place_change: str | None = None
    rec: str | None = None  # why the period ended (REC)


@dataclass(frozen=True)
class ChildPlan:
    la_code: str
    number: int
    birth_month: str
    sex: str
    uasc: bool
    cin: str
    home_postcode: str | None
    steps: tuple[Step, ...]

    @property
    def child_id(self) -> str:
        """The council's own id for the child: hashed into a reference, never stored."""
        return f"DEMO-{self.la_code}-{self.number}"


@dataclass
class Period:
    start: date
    legal: list[tuple[date, str]]  # legal status from each date
    segments: list[tuple[date, Where, str | None]] = field(default_factory=list)
    end: tuple[date, str] | None = None  # end date and REC


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def steps(periods: list[Period]) -> tuple[Step, ...]:
    out: list[Step] = []
    for period in periods:
        legal, (_, where, _) = period.legal[0][1], period.segments[0]
        out.append(Step(period.start, "S", legal, where))
        changes: dict[date, dict] = {}
        for day, status in period.legal[1:]:
            changes.setdefault(day, {})["legal"] = status
        for day, new_where, reason in period.segments[1:]:
            changes.setdefault(day, {}).update(where=new_where, reason=reason)
        for day in sorted(changes):
            change = changes[day]
            moved, same_carer = "where" in change, change.get("reason") == "PLACE"
            if moved and "legal" in change:
                rne = "U" if same_carer else "B"
            elif moved:
                rne = "T" if same_carer else "P"
            else:
                rne = "L"
            legal, where = change.get("legal", legal), change.get("where", where)
            out.append(Step(day, rne, legal, where, change.get("reason")))
        if period.end is not None:
            out.append(Step(period.end[0], rec=period.end[1]))
    return tuple(out)


class Lives:
    """Draws the histories of one authority's children."""

    def __init__(self, la: str, today: date, places: Places, rng: random.Random) -> None:
        self.la, self.today, self.places, self.rng = la, today, places, rng
        self.window = today - timedelta(days=3 * YEAR)  # the history the demo tells in full

    # --- the child -----------------------------------------------------------------------

    def birth(self, age: int, on: date, spare_days: int = 360) -> date:
        """A birthday making the child exactly ``age`` on ``on``, 1 to ``spare_days`` days
        after that birthday."""
        return add_years(on, -age) - timedelta(days=self.rng.randint(1, spare_days))

    def age(self, kind: str, uasc: bool) -> int:
        low, high = (14, 17) if uasc else facts.KINDS[kind].ages
        if uasc and kind == "supported":
            low = 16
        elif uasc:
            high = 15
        years = list(range(low, high + 1))
        return self.rng.choices(years, weights=[facts.AGE_WEIGHTS[y] for y in years])[0]

    def child(self, number: int, birth: date, uasc: bool, periods: list[Period],
              home: str | None, sex: str | None = None) -> ChildPlan:
        rng = self.rng
        kinds = {w.kind for p in periods for _, w, _ in p.segments}
        if sex is None:
            sex = "2" if "parent_child" in kinds else rng.choices("12", (0.93, 0.07) if uasc
                                                                  else (0.55, 0.45))[0]
        if uasc:
            cin = "N8"  # absent parenting
        elif "short_break" in kinds:
            cin = "N2"  # the child's disability
        else:
            cin = weighted(rng, {"N1": 0.66, "N2": 0.03, "N3": 0.03, "N4": 0.08, "N5": 0.14,
                                 "N6": 0.01, "N7": 0.005, "N8": 0.035})
        return ChildPlan(self.la, number, f"{birth:%Y-%m}", sex, uasc, cin, home,
                         steps(periods))

    def home(self, uasc: bool) -> str | None:
        """Unaccompanied children have no home postcode here: their distance is unknown."""
        if uasc:
            return None
        return sector(self.rng, self.rng.choice(DISTRICTS[self.la]))

    # --- a period of care ----------------------------------------------------------------

    def legal(self, start: date, until: date, uasc: bool, recent: bool) -> list[tuple]:
        """Legal status from the start: an interim care order becomes a full one, an emergency
        protection order an interim care order, some voluntary accommodation a care order.
        Periods that began before the history window keep one status."""
        rng = self.rng
        if uasc:
            return [(start, "V2")]
        if not recent:
            return [(start, weighted(rng, {"C2": 0.8, "V2": 0.2}))]
        first = weighted(rng, {"C1": 0.36, "V2": 0.34, "L2": 0.03, "C2": 0.27})
        path, day = [(start, first)], start
        if first == "L2":
            day = start + timedelta(days=8)
            if day < until:
                path.append((day, "C1"))
                first = "C1"
        if first == "C1":
            day += timedelta(days=rng.randint(90, 330))
            if day < until:
                path.append((day, "C2"))
        elif first == "V2" and rng.random() < 0.15:
            day += timedelta(days=rng.randint(60, 300))
            if day < until:
                path.append((day, "C1"))
        return path

    def move_dates(self, first: date, last: date, count: int) -> list[date]:
        """``count`` distinct dates strictly between ``first`` and ``last``, a week apart."""
        span = (last - first).days
        if span < 8 * (count + 1):
            count = max(0, span // 8 - 1)
        days: set[int] = set()
        while len(days) < count:
            day = self.rng.randint(7, span - 1)
            if all(abs(day - d) >= 7 for d in days):
                days.add(day)
        return [first + timedelta(days=d) for d in sorted(days)]

    def kind_at(self, birth: date, on: date, uasc: bool, before: str | None = None) -> str:
        """A placement kind suitable for the child's age on ``on``."""
        age = age_on(birth, on)
        pool = facts.UASC_MIX if uasc else facts.ENTRY
        weights = {k: w for k, w in pool.items()
                   if facts.KINDS[k].ages[0] <= age <= facts.KINDS[k].ages[1] and k != before}
        return weighted(self.rng, weights or {"in_house": 1.0})

    def period(self, start: date, until: date, birth: date, kinds: list[tuple[date, str]],
               uasc: bool, home: str | None, final: Where | None = None,
               end: tuple[date, str] | None = None) -> Period:
        """A period of care from ``start`` with placements of ``kinds`` from their dates; the
        last placement is ``final`` when given (it is open on the day)."""
        recent = start >= self.window
        period = Period(start, self.legal(start, until, uasc, recent), end=end)
        for n, (day, kind) in enumerate(kinds):
            upto = kinds[n + 1][0] if n + 1 < len(kinds) else until
            if final is not None and n == len(kinds) - 1:
                where = final
            else:
                where = self.places.where(
                    self.rng, self.la, kind, on=day, age=age_on(birth, day),
                    out=self.rng.random() < facts.KINDS[kind].out_weight * 0.7,
                    long_term=(upto - day).days >= LONG_TERM_DAYS, home=home, on_day=False)
            reason = None if n == 0 else weighted(self.rng, facts.MOVE_REASONS)
            period.segments.append((day, where, reason))
        return period

    def placements(self, start: date, until: date, birth: date, uasc: bool, moves: int,
                   last: str | None = None, last_from: date | None = None) -> list[tuple]:
        """Kinds of placement from the start and each move; the last is ``last`` (from no
        earlier than ``last_from``) when given."""
        days = [start, *self.move_dates(start, until, moves)]
        if last is not None and last_from is not None and days[-1] < last_from:
            if last_from <= start:
                days = [start]
            else:
                days = [d for d in days if d < last_from] + [last_from]
        kinds, before = [], None
        for n, day in enumerate(days):
            kind = last if (last is not None and n == len(days) - 1) else \
                self.kind_at(birth, day, uasc, before)
            kinds.append((day, kind))
            before = kind
        return kinds


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1
