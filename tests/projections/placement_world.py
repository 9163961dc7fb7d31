"""A small region of authorities, providers, settings, contracts and placements, built through
the portal's real commands, for the sufficiency measure tests."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.actor import Actor
from projections.sufficiency.tables import Filters, Scope

SYSTEM = Actor.system()


class World:
    def __init__(self, services, today: date) -> None:
        self.services = services
        self.portal = services.portal
        self.today = today
        self.la_codes: dict[UUID, str] = {}
        self.names: dict[UUID, str] = {}
        self._children = 0

    def authority(self, name: str, la_code: str, ons_code: str,
                  population: int = 50_000) -> UUID:
        authority, _ = self.portal.register_authority(
            SYSTEM, la_code=la_code, ons_code=ons_code, name=name, population_0_17=population,
            partnerships=["Test partnership"], key_decision_threshold=500_000)
        self.la_codes[authority] = la_code
        self.names[authority] = name
        return authority

    def provider(self, name: str, kind: str = "childrens_home_operator") -> UUID:
        provider, _ = self.portal.register_provider(SYSTEM, name=name, kind=kind)
        return provider

    def setting(self, provider: UUID, name: str, setting_type: str, host: UUID,
                district: str, places: int) -> UUID:
        setting, _ = self.portal.add_setting(
            SYSTEM, provider, name=name, setting_type=setting_type, ofsted_urn=None,
            host_authority_id=host, postcode_district=district, registered_places=places)
        return setting

    def contract(self, authority: UUID, provider: UUID, *, title: str, start: date, end: date,
                 places: int | None, weekly_price: int, route: str = "block",
                 setting_type: str = "childrens_home", **extra: Any) -> UUID:
        contract, _ = self.portal.record_contract(
            SYSTEM, authority_id=authority, provider_id=provider, route=route, title=title,
            setting_type=setting_type, places=places, weekly_price=weekly_price, start=start,
            end=end, **extra)
        return contract

    def child(self, authority: UUID, on: date, *, birth_month: str = "2012-01",
              legal_status: str = "C2", **terms: Any) -> str:
        self._children += 1
        ref = self.services.child_refs.reference(self.la_codes[authority],
                                                 f"child-{self._children}")
        self.portal.start_placement(
            SYSTEM, authority_id=authority, child_ref=ref, birth_month=birth_month, sex="1",
            uasc=False, on=on, terms={"legal_status": legal_status, **terms}, today=self.today)
        return ref

    def change(self, authority: UUID, ref: str, on: date, **terms: Any) -> None:
        self.portal.change_placement(SYSTEM, authority, ref, on=on,
                                     terms={"rne": "P", **terms}, today=self.today)

    def end(self, authority: UUID, ref: str, on: date, rec: str = "E13") -> None:
        self.portal.end_placement(SYSTEM, authority, ref, on=on, rec=rec, today=self.today)

    def catch_up(self) -> None:
        self.services.projections.catch_up()

    def scope(self, *authorities: UUID) -> Scope:
        if len(authorities) == 1:
            return Scope("authority", self.names[authorities[0]], authorities, disclose=True)
        return Scope("partnership", "Test partnership", authorities, disclose=False)


def filters(on: date, period_start: date | None = None, period_end: date | None = None,
            **extra: Any) -> Filters:
    return Filters(on=on, period_start=period_start or on.replace(year=on.year - 1),
                   period_end=period_end or on, **extra)


def rows_by(table, key):
    """A table's rows by the value in one column."""
    return {row[key]: row for row in table.rows}
