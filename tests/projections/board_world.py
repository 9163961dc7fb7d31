"""Saved searches of the vacancy board, then the vacancies published after them (the same
history in memory, SQLite and PostgreSQL): two Kent officers' searches, one deleted before any
vacancy; a Kent home and a Dorset home."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.actor import Actor
from domain.principal import Principal

SYSTEM = Actor.system()
TODAY = date(2026, 11, 23)


def principal(account: UUID, authority: UUID) -> Principal:
    return Principal(user_id=account, email="", display_name="", organisation_id=authority,
                     organisation_kind="authority", organisation_name="",
                     roles=frozenset({"council_officer"}))


def history(portal) -> dict:
    ids: dict = {}
    for la, ons, name, partnership in (("886", "E10000016", "Kent", "South East"),
                                       ("838", "E06000059", "Dorset", "South West")):
        ids[name], _ = portal.register_authority(
            SYSTEM, la_code=la, ons_code=ons, name=name, population_0_17=60_000,
            partnerships=[partnership], key_decision_threshold=500_000)
    for key in ("ann", "bob"):
        ids[key], _ = portal.create_account(
            SYSTEM, email=f"{key}@kent.example.org", display_name=key.title(),
            organisation_id=ids["Kent"], roles=["council_officer"])
    ann, bob = Actor(ids["ann"], ids["Kent"]), Actor(ids["bob"], ids["Kent"])
    ids["kent_homes"], _ = portal.save_board_search(
        ann, name="Kent homes", setting_type="childrens_home", host_authority_id=ids["Kent"])
    ids["south_west"], _ = portal.save_board_search(ann, name="South West",
                                                    partnership="South West")
    ids["cheap"], _ = portal.save_board_search(bob, name="Cheap", max_weekly_fee=3_000)
    ids["gone"], _ = portal.save_board_search(bob, name="Anything")
    portal.delete_board_search(bob, ids["gone"])
    ids["provider"], _ = portal.register_provider(SYSTEM, name="Weald Homes", kind="mixed")
    for name, district, fee in (("Kent", "ME14", 5_000), ("Dorset", "DT1", 2_500)):
        setting, _ = portal.add_setting(
            SYSTEM, ids["provider"], name=f"{name} House", setting_type="childrens_home",
            ofsted_urn=None, host_authority_id=ids[name], postcode_district=district,
            registered_places=4)
        ids[f"{name}_vacancy"], _ = portal.publish_vacancy(
            SYSTEM, provider_id=ids["provider"], setting_id=setting, age_from=10, age_to=17,
            needs_met=[], weekly_fee=fee, available_from=TODAY, today=TODAY)
    return ids
