"""A small region for the placement-population sufficiency tests, built through the portal's
real commands: authorities in partnerships, a provider with a setting, children placed,
moved and leaving care, and viewers of every kind."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any
from uuid import UUID, uuid4

from domain.actor import Actor
from domain.principal import Principal
from projections.sufficiency.tables import Filters, Scope

SYSTEM = Actor.system()
TODAY = date(2026, 11, 23)
ON = date(2026, 3, 31)
YEAR = (date(2025, 4, 1), date(2026, 3, 31))

# name: (LA code, ONS code, population aged 0-17, partnerships)
AUTHORITIES = {
    "Dorset": ("838", "E06000059", 66_100, ["Dorset"]),
    "Kent": ("886", "E10000016", 345_000, ["South East"]),
    "Portsmouth": ("851", "E06000044", 43_000, ["South East"]),
}


def filters(on: date = ON, start: date = YEAR[0], end: date = YEAR[1], **more: Any) -> Filters:
    return Filters(on=on, period_start=start, period_end=end, **more)


class Region:
    def __init__(self, services) -> None:
        self.services = services
        self.portal = services.portal
        self.ids: dict[str, UUID] = {}
        for name, (la, ons, population, partnerships) in AUTHORITIES.items():
            self.ids[name], _ = self.portal.register_authority(
                SYSTEM, la_code=la, ons_code=ons, name=name, population_0_17=population,
                partnerships=partnerships, key_decision_threshold=500_000)
        self.provider, _ = self.portal.register_provider(
            SYSTEM, name="Weald Homes", kind="childrens_home_operator", ofsted_urn="SC800001")
        self.oast_house, _ = self.portal.add_setting(
            SYSTEM, self.provider, name="Oast House", setting_type="childrens_home",
            ofsted_urn="SC900001", host_authority_id=self.ids["Kent"],
            postcode_district="ME14", registered_places=4)
        self._numbers = count(1)

    def child(self, authority: str, on: date, *, uasc: bool = False, legal_status: str = "C2",
              place: str = "U4", place_provider: str | None = "PR1", **terms: Any) -> str:
        la = AUTHORITIES[authority][0]
        ref = self.services.child_refs.reference(la, f"child-{next(self._numbers)}")
        self.portal.start_placement(
            SYSTEM, authority_id=self.ids[authority], child_ref=ref, birth_month="2012-01",
            sex="1", uasc=uasc, on=on, today=TODAY,
            terms={"legal_status": legal_status, "place": place,
                   "place_provider": place_provider, **terms})
        return ref

    def children(self, authority: str, n: int, on: date = date(2024, 1, 1),
                 **terms: Any) -> list[str]:
        return [self.child(authority, on, **terms) for _ in range(n)]

    def move(self, authority: str, ref: str, on: date, rne: str = "P", **terms: Any) -> None:
        self.portal.change_placement(SYSTEM, self.ids[authority], ref, on=on, today=TODAY,
                                     terms={"rne": rne, **terms})

    def end(self, authority: str, ref: str, on: date, rec: str = "E13") -> None:
        self.portal.end_placement(SYSTEM, self.ids[authority], ref, on=on, rec=rec,
                                  today=TODAY)

    def restart(self, authority: str, ref: str, on: date, **terms: Any) -> None:
        self.portal.start_placement(
            SYSTEM, authority_id=self.ids[authority], child_ref=ref, birth_month="2012-01",
            sex="1", uasc=False, on=on, today=TODAY,
            terms={"legal_status": "C2", "place": "U4", "place_provider": "PR1", **terms})

    def catch_up(self) -> None:
        self.services.projections.catch_up()

    def scope(self, *names: str, disclose: bool | None = None) -> Scope:
        ids = tuple(self.ids[n] for n in names)
        kind = "authority" if len(ids) == 1 else "partnership"
        disclose = len(ids) == 1 if disclose is None else disclose
        return Scope(kind, names[0] if len(ids) == 1 else "Test", ids, disclose=disclose)

    def region_scope(self) -> Scope:
        return Scope("region", "All partner authorities", tuple(
            sorted(self.ids.values(), key=lambda i: self.name_of(i))), disclose=False)

    def name_of(self, authority_id: UUID) -> str:
        return next(n for n, i in self.ids.items() if i == authority_id)


def principal(role: str, organisation_id: UUID, kind: str = "authority",
              name: str = "Organisation") -> Principal:
    return Principal(user_id=uuid4(), email=f"{role}@example.org", display_name=role,
                     organisation_id=organisation_id, organisation_kind=kind,
                     organisation_name=name, roles=frozenset({role}))


def row(table, name: str) -> dict:
    return next(r for r in table.rows if r["name"] == name)
