"""A small region for the out-of-area tests (in memory, SQLite and PostgreSQL alike): Dorset
places children; Devon adjoins it, Kent does not; one provider runs a home in each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from domain.actor import Actor
from domain.out_of_area import DIRECTOR, NOMINATED_OFFICER, Approval

SYSTEM = Actor.system()
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 4)
START = date(2026, 12, 3)
TERMS = dict(legal_status="C2", place="K2", place_provider="PR4")


def officer(organisation) -> Actor:
    return Actor(user_id=uuid4(), organisation_id=organisation)


def region(portal) -> dict:
    portal.clock = lambda: NOW
    ids = {}
    for la, ons, name in [("838", "E06000059", "Dorset"), ("878", "E10000008", "Devon"),
                          ("886", "E10000016", "Kent")]:
        ids[name], _ = portal.register_authority(
            SYSTEM, la_code=la, ons_code=ons, name=name, population_0_17=60_000,
            partnerships=["P"], key_decision_threshold=500_000)
    ids["provider"], _ = portal.register_provider(SYSTEM, name="Southwest Homes",
                                                  kind="childrens_home_operator")
    for name, host, district in (("Dorset", "Dorset", "DT1"), ("Devon", "Devon", "EX1"),
                                 ("Kent", "Kent", "ME14")):
        ids[f"{name} home"], _ = portal.add_setting(
            SYSTEM, ids["provider"], name=f"{name} House", setting_type="childrens_home",
            ofsted_urn=None, host_authority_id=ids[host], postcode_district=district,
            registered_places=4)
    return ids


def approval(role=NOMINATED_OFFICER, on=START, name="Sam Patel"):
    return Approval(approver_name=name, approver_role=role, approved_on=on,
                    reason="The nearest home able to meet her needs")


def director(on=START):
    return approval(role=DIRECTOR, on=on, name="Jo Director")


def home(ids, where: str) -> dict:
    return {**TERMS, "provider_id": ids["provider"], "setting_id": ids[f"{where} home"]}


def start(portal, ids, actor, where, *, ref="CAAAAAAAAAAA1", on=START, **kwargs):
    return portal.start_placement(
        actor, authority_id=ids["Dorset"], child_ref=ref, birth_month="2012-05", sex="2",
        uasc=False, on=on, terms=home(ids, where), today=TODAY, now=NOW, **kwargs)
