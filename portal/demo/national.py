"""A national-scale synthetic history: ``portal demo generate``.

Authorities, providers and their settings, children's placements over a number of years and the
vacancies providers published, drawn from one seeded random generator, so the same sizes, seed
and day always give the same events (their ids included; only the recording times differ).
Everything is written through the portal's application: the authorities with the
``register_authority`` command; providers (with their settings), vacancies and each child's
placements by the domain's own aggregate methods (the same rules and events the commands
apply), saved in batches with one transaction each, the children through the import command
``save_imported``. One command per record would take hours at national size.

Each synthetic authority borrows the postcode districts of one real English authority (from
the shipped district table, in code order), so distances and "out of area" are meaningful.
Every child is synthetic: its council id is ``NAT-<seed>-<la>-<n>``, hashed into a reference.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import zip_longest
from pathlib import Path
from uuid import UUID, uuid5

from domain.actor import Actor
from domain.child_ref import ChildReferences
from domain.organisation import NAMESPACE, Provider, Setting, authority_id
from domain.placement import Placement
from domain.ssda903 import setting_placement
from domain.vacancy import Vacancy
from domain.vocabulary import NEEDS
from portal.services.application import Portal
from projections.runner import _cyclic_gc_paused

DISTRICTS_FILE = Path(__file__).resolve().parents[2] / "projections" / "data" / \
    "postcode_districts.csv"
FIRST_LA_CODE = 100  # synthetic DfE codes 100, 101, ...: below every real code the demo uses
MAX_AUTHORITIES = 800
PROVIDERS_PER_AUTHORITY = 20
SETTINGS_PER_PROVIDER = 5
BATCH = 250  # aggregates saved per transaction
YEAR = 365
SETTING_KINDS = ("childrens_home", "independent_fostering_agency", "supported_accommodation",
                 "parent_and_child", "childrens_home")
# Where children live: the council's own foster carers (SSDA903 type and provider), family and
# friends, or a place at an independent provider's setting of a type.
OWN_CARE = {"in_house": ("U4", "PR1"), "kinship": ("U3", "PR1")}
KIND_WEIGHTS = {"in_house": 0.38, "kinship": 0.14, "independent_fostering_agency": 0.26,
                "childrens_home": 0.14, "supported_accommodation": 0.06,
                "parent_and_child": 0.02}
WEEKLY_COST = {"in_house": (380, 620), "kinship": (250, 420),
               "independent_fostering_agency": (850, 1_100), "childrens_home": (4_000, 7_400),
               "supported_accommodation": (950, 2_600), "parent_and_child": (2_500, 4_500)}
ENDINGS = {"E4A": 0.35, "E13": 0.1, "E11": 0.08, "E45": 0.07, "E5": 0.15, "E17": 0.15,
           "E8": 0.1}
SYSTEM = Actor.system()


@dataclass(frozen=True)
class Size:
    authorities: int
    children: int
    years: int
    seed: int
    today: date

    def problems(self) -> list[str]:
        found = []
        if not 1 <= self.authorities <= MAX_AUTHORITIES:
            found.append(f"--authorities must be between 1 and {MAX_AUTHORITIES}")
        if self.children < 0:
            found.append("--children must not be negative")
        if not 1 <= self.years <= 10:
            found.append("--years must be between 1 and 10 (the portal takes SSDA903 data "
                         "from 2015)")
        return found

    @property
    def vacancies(self) -> int:
        return self.children  # about 2.5 vacancy events for each child's 3 to 4

    @property
    def steps(self) -> int:
        """Units of progress: each authority, provider, child and vacancy."""
        return self.authorities * (1 + PROVIDERS_PER_AUTHORITY) + self.children + self.vacancies


@dataclass
class Report:
    authorities: int = 0
    providers: int = 0
    settings: int = 0
    children: int = 0
    vacancies: int = 0
    last_position: int = 0


@dataclass
class Area:
    la_code: str
    id: UUID
    districts: list[str]
    weight: int
    settings: dict[str, list[tuple[UUID, Setting]]] = field(default_factory=dict)


def la_code(n: int) -> str:
    return f"{FIRST_LA_CODE + n:03d}"


def already_generated(portal: Portal) -> bool:
    return portal.exists(authority_id(la_code(0)))


def real_districts() -> list[list[str]]:
    """The postcode districts of each real English authority, in ONS code order."""
    found: dict[str, list[str]] = {}
    with DISTRICTS_FILE.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["la_ons_code"].startswith("E"):
                found.setdefault(row["la_ons_code"], []).append(row["district"])
    return [sorted(found[code]) for code in sorted(found)]


def generate(portal: Portal, child_refs: ChildReferences, size: Size,
             advance: Callable[[int], None] = lambda n: None) -> Report:
    """Write the whole history; ``advance(n)`` is told of each n steps done (a progress bar)."""
    rng = random.Random(size.seed)  # noqa: S311 (seeded synthetic data)
    report = Report()
    areas = _authorities(portal, rng, size, report, advance)
    _providers(portal, rng, size, areas, report, advance)
    children = _children(portal, child_refs, rng, size, areas, report)
    vacancies = _vacancies(portal, random.Random(size.seed + 1),  # noqa: S311
                           size, areas, report)
    # Children's and vacancies' batches alternate, so the log mixes them as life would. Each
    # pair is drawn and saved with the cyclic collector paused: it would walk the batches'
    # new aggregates and events again and again and find nothing (reference counting frees
    # them once saved).
    batches = zip_longest(children, vacancies, fillvalue=0)
    while True:
        with _cyclic_gc_paused():
            done = next(batches, None)
        if done is None:
            return report
        advance(sum(done))


def _authorities(portal: Portal, rng: random.Random, size: Size, report: Report,
                 advance: Callable[[int], None]) -> list[Area]:
    districts = real_districts()
    areas = []
    for n in range(size.authorities):
        population = rng.randint(20_000, 300_000)
        ref, report.last_position = portal.register_authority(
            SYSTEM, la_code=la_code(n), ons_code=f"E10{900_000 + n:06d}",
            name=f"National Authority {n + 1}", population_0_17=population,
            partnerships=[f"National Partnership {n // 8 + 1}"],
            key_decision_threshold=500_000)
        areas.append(Area(la_code(n), ref, districts[n % len(districts)], population))
        report.authorities += 1
        advance(1)
    return areas


def provider_ref(seed: int, n: int) -> UUID:
    return uuid5(NAMESPACE, f"national-provider:{seed}:{n}")


def _providers(portal: Portal, rng: random.Random, size: Size, areas: list[Area],
               report: Report, advance: Callable[[int], None]) -> None:
    batch: list[Provider] = []
    for n in range(size.authorities * PROVIDERS_PER_AUTHORITY):
        home = areas[n % len(areas)]
        provider = Provider.register(name=f"National Provider {n + 1}", kind="mixed",
                                     ofsted_urn=None, actor=SYSTEM,
                                     id=provider_ref(size.seed, n))
        for s in range(SETTINGS_PER_PROVIDER):
            kind = SETTING_KINDS[(n + s) % len(SETTING_KINDS)]
            host = home if rng.random() < 0.8 else rng.choice(areas)
            ref = provider.add_setting(
                actor=SYSTEM, name=f"Setting {s + 1}", setting_type=kind, ofsted_urn=None,
                host_authority_id=host.id, postcode_district=rng.choice(host.districts),
                registered_places=rng.randint(1, 6))
            host.settings.setdefault(kind, []).append((provider.id, provider.settings[ref]))
        batch.append(provider)
        if len(batch) == BATCH // 5:
            report.last_position = portal.save(*batch)[-1].notification.id
            report.providers += len(batch)
            advance(len(batch))
            batch = []
    if batch:
        report.last_position = portal.save(*batch)[-1].notification.id
        report.providers += len(batch)
        advance(len(batch))
    report.settings = report.providers * SETTINGS_PER_PROVIDER


def _children(portal: Portal, child_refs: ChildReferences, rng: random.Random, size: Size,
              areas: list[Area], report: Report) -> Iterator[int]:
    """Each authority's children, saved BATCH at a time; yields how many each batch held."""
    total = sum(a.weight for a in areas)
    shares = [size.children * a.weight // total for a in areas]
    for n in range(size.children - sum(shares)):
        shares[n % len(shares)] += 1
    lives = Lives(rng, size, areas)
    for area, count in zip(areas, shares, strict=True):
        batch: list[Placement] = []
        for n in range(count):
            reference = child_refs.reference(area.la_code, f"NAT-{size.seed}-{area.la_code}-{n}")
            batch.append(lives.child(area, reference))
            if len(batch) == BATCH or n == count - 1:
                report.last_position = portal.save_imported(
                    SYSTEM, authority_id=area.id, placements=batch)
                report.children += len(batch)
                yield len(batch)
                batch = []


class Lives:
    """Draws one child's periods of care over the history's years."""

    def __init__(self, rng: random.Random, size: Size, areas: list[Area]) -> None:
        self.rng, self.today, self.areas = rng, size.today, areas
        self.first = size.today - timedelta(days=size.years * YEAR)

    def child(self, area: Area, reference: str) -> Placement:
        rng, today = self.rng, self.today
        start = self.first + timedelta(days=rng.randrange((today - self.first).days))
        age = rng.choices(range(18), weights=[4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 5, 6, 8, 9,
                                              10, 8])[0]
        birth = start - timedelta(days=age * YEAR + rng.randint(1, 360))
        adult = birth + timedelta(days=18 * YEAR + 5)
        uasc = age >= 14 and rng.random() < 0.1
        home = None if uasc else f"{rng.choice(area.districts)} {rng.randint(1, 9)}"
        placement: Placement | None = None
        day = start
        for period in range(1 + (rng.random() < 0.15)):
            if period:  # a second period of care, some months after the first ended
                day += timedelta(days=rng.randint(60, 500))
                if day >= min(today, adult):
                    break
            moves = min(8, int(rng.expovariate(0.45)))
            length = rng.randint(30, 5 * YEAR)
            ends = day + timedelta(days=length)
            closes = ends < today and ends < adult
            last = min(ends, adult, today)
            span = max(8, (last - day).days - 1)
            moved = {day + timedelta(days=rng.randint(7, span)) for _ in range(moves)}
            kinds_on = [day, *sorted(d for d in moved if d < last)]
            for n, on in enumerate(kinds_on):
                terms = self.terms(area, on, birth, home, first=n == 0)
                if placement is None:
                    placement = Placement.start(
                        authority_id=area.id, child_ref=reference,
                        birth_month=f"{birth:%Y-%m}", sex=rng.choice("12"), uasc=uasc,
                        terms=terms, on=on, today=today, actor=SYSTEM)
                elif n == 0:
                    placement.restart(on=on, terms=terms, today=today, actor=SYSTEM)
                else:
                    placement.change(on=on, terms={**terms, "rne": "P"}, today=today,
                                     actor=SYSTEM)
            if closes or adult <= today:
                end = min(ends, adult) if closes else adult
                end = max(end, kinds_on[-1])
                rec = "E17" if not closes else rng.choices(
                    list(ENDINGS), weights=list(ENDINGS.values()))[0]
                assert placement is not None
                placement.end(on=end, rec=rec, today=today, actor=SYSTEM)
                day = end
            else:
                break
        assert placement is not None
        return placement

    def terms(self, area: Area, on: date, birth: date, home: str | None, *,
              first: bool) -> dict:
        rng = self.rng
        age = (on - birth).days // YEAR
        weights = {k: w for k, w in KIND_WEIGHTS.items()
                   if not (k == "supported_accommodation" and age < 16)
                   and not (k == "parent_and_child" and age < 15)
                   and not (k == "childrens_home" and age < 8)}
        kind = rng.choices(list(weights), weights=list(weights.values()))[0]
        low, high = WEEKLY_COST[kind]
        terms = {"rne": "S" if first else "P",
                 "legal_status": rng.choices(["C2", "C1", "V2"], weights=[6, 2, 2])[0],
                 "cin": rng.choice(["N1", "N1", "N1", "N4", "N5"]),
                 "home_postcode": home, "weekly_cost": rng.randint(low, high),
                 "reason_place_change": None if first else "CARPL"}
        if kind in OWN_CARE:
            place, provider_code = OWN_CARE[kind]
            where = area if rng.random() < 0.85 else rng.choice(self.areas)
            return {**terms, "place": place, "place_provider": provider_code,
                    "placement_authority_id": where.id, "contract_route": "in_house",
                    "placement_postcode": f"{rng.choice(where.districts)} {rng.randint(1, 9)}"}
        host = area if area.settings.get(kind) and rng.random() < 0.7 else rng.choice(
            [a for a in self.areas if a.settings.get(kind)])
        provider, setting = rng.choice(host.settings[kind])
        place, provider_code = setting_placement(kind, on)
        return {**terms, "place": place, "place_provider": provider_code,
                "provider_id": provider, "setting_id": setting.id,
                "placement_authority_id": setting.host_authority_id,
                "placement_postcode": setting.postcode_district, "contract_route": "spot"}


def vacancy_ref(seed: int, n: int) -> UUID:
    return uuid5(NAMESPACE, f"national-vacancy:{seed}:{n}")


def _vacancies(portal: Portal, rng: random.Random, size: Size, areas: list[Area],
               report: Report) -> Iterator[int]:
    """Vacancies published over the years, each with a short life; those of the last year
    are often still open, so the board holds a national number of places."""
    settings = [s for a in areas for kind in sorted(a.settings) for s in a.settings[kind]]
    first = size.today - timedelta(days=size.years * YEAR)
    batch: list[Vacancy] = []
    for n in range(size.vacancies):
        provider, setting = settings[rng.randrange(len(settings))]
        day = first + timedelta(days=rng.randrange((size.today - first).days + 1))
        vacancy = Vacancy.publish(provider_id=provider, setting=setting, actor=SYSTEM,
                                  id=vacancy_ref(size.seed, n), today=day,
                                  **_vacancy_terms(rng, setting, day))
        if rng.random() < 0.35:
            vacancy.update(setting, actor=SYSTEM, weekly_fee=vacancy.weekly_fee + 100,
                           reason="Fee reviewed")
        if rng.random() < 0.25:
            vacancy.hold(home_search_ref=f"HS{rng.randint(1, 99_999)}", actor=SYSTEM)
            if rng.random() < 0.6:
                vacancy.release(actor=SYSTEM, reason="Home search closed")
        recent = (size.today - day).days < YEAR
        if not (recent and rng.random() < 0.6):
            if rng.random() < 0.75:
                vacancy.fill(placement_ref=None, actor=SYSTEM)
            else:
                vacancy.withdraw(actor=SYSTEM)
        batch.append(vacancy)
        if len(batch) == BATCH or n == size.vacancies - 1:
            report.last_position = portal.save(*batch)[-1].notification.id
            report.vacancies += len(batch)
            yield len(batch)
            batch = []


def _vacancy_terms(rng: random.Random, setting: Setting, day: date) -> dict:
    if setting.setting_type == "supported_accommodation":
        age_from, age_to = 16, rng.randint(17, 18)
    else:
        age_from = rng.randint(0, 14)
        age_to = rng.randint(max(age_from, 12), 18)
    return {"age_from": age_from, "age_to": age_to,
            "needs_met": rng.sample(sorted(NEEDS), rng.randint(0, 3)),
            "weekly_fee": rng.randint(800, 7_500),
            "available_from": day + timedelta(days=rng.randint(0, 30)), "expires_on": None,
            "description": "", "places": 1}
