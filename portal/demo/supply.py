"""The demo's council-run homes and places in development, loaded through the same commands an
officer's pages use.

Dorset runs four children's homes of its own, 16 places (Dorset Council, Sufficiency report
2024: children's homes "operated by Dorset Council"), and a fifth is "seeking registration
with Ofsted". Its development pipeline takes its own children's home places from 16 to 30: the
home seeking registration (4 places) and two more council homes (4 and 6), with a supported
accommodation scheme beside them. Kent's new block home takes up to 18 months to open; Devon
commissions new supported accommodation. Every name is invented; dates are relative to the
demo's day, so the pipeline is always ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import uuid5

from domain.actor import Actor
from domain.in_house import in_house_provider_id
from domain.organisation import NAMESPACE, authority_id, setting_id
from portal.services.application import Portal

REASON = "Demo region"


@dataclass(frozen=True)
class CouncilHome:
    la_code: str
    name: str
    district: str
    places: int
    steps: tuple[tuple[str, int], ...]  # (stage, days before the demo's day)
    urn: str | None = None  # its Ofsted URN once registered (in the demo's Ofsted sample)


@dataclass(frozen=True)
class Scheme:
    la_code: str
    name: str
    development_type: str
    setting_type: str
    places: int
    opens_in_days: int
    confidence: str


COUNCIL_HOMES = (
    CouncilHome("838", "Maumbury House", "DT1", 4, (("open", 3650),), "SC899201"),
    CouncilHome("838", "Stour View", "DT11", 4, (("open", 2900),), "SC899202"),
    CouncilHome("838", "Purbeck Lodge", "BH20", 4, (("open", 2100),), "SC899203"),
    CouncilHome("838", "Chesil Cottage", "DT3", 4, (("planned", 1500), ("applying", 1200),
                                                   ("registered", 1000), ("open", 960)),
                "SC899204"),
    CouncilHome("838", "Colmer House", "DT6", 4, (("planned", 420), ("applying", 60))),
)

SCHEMES = (
    Scheme("838", "Colmer House, Bridport (seeking registration)", "council_home",
           "childrens_home", 4, 120, "high"),
    Scheme("838", "Council home, Gillingham", "council_home", "childrens_home", 4, 420,
           "medium"),
    Scheme("838", "Council home, Wareham", "council_home", "childrens_home", 6, 800, "low"),
    Scheme("838", "Young people's supported housing, Weymouth",
           "supported_accommodation_scheme", "supported_accommodation", 8, 540, "medium"),
    Scheme("886", "Block contract new build, Maidstone", "block_new_build", "childrens_home",
           4, 540, "medium"),
    Scheme("878", "Supported accommodation scheme, Exeter", "supported_accommodation_scheme",
           "supported_accommodation", 12, 365, "high"),
)


def scheme_id(scheme: Scheme):
    return uuid5(NAMESPACE, f"demo-scheme:{scheme.la_code}:{scheme.name}")


def load_supply(portal: Portal, today: date, step) -> None:
    """Each council home with its pipeline so far, and each scheme; ``step(exists, command)``
    is the demo loader's, so a second load adds nothing."""
    actor = Actor.system()
    for home in COUNCIL_HOMES:
        authority = authority_id(home.la_code)
        provider = portal.in_house_provider(authority)
        held = provider is not None and setting_id(provider.id, home.name) in provider.settings
        (first, days), *rest = home.steps
        step(held, lambda home=home, authority=authority, first=first, days=days: (
            portal.add_in_house_setting(
                actor, authority_id=authority, name=home.name, setting_type="childrens_home",
                postcode_district=home.district, registered_places=home.places, stage=first,
                on=today - timedelta(days=days), reason=REASON, ofsted_urn=home.urn,
                today=today)[1]))
        for stage, days in rest:
            steps = portal.in_house_provider(authority).stages[
                setting_id(in_house_provider_id(authority), home.name)]
            step(stage in {s for s, _ in steps},
                 lambda home=home, authority=authority, stage=stage, days=days:
                 portal.change_in_house_stage(
                     actor, authority_id=authority,
                     setting_id=setting_id(in_house_provider_id(authority), home.name),
                     stage=stage, on=today - timedelta(days=days), reason=REASON,
                     today=today))
    for scheme in SCHEMES:
        sid = scheme_id(scheme)
        step(portal.exists(sid), lambda scheme=scheme, sid=sid: portal.record_development(
            actor, authority_id=authority_id(scheme.la_code), name=scheme.name,
            development_type=scheme.development_type, setting_type=scheme.setting_type,
            places=scheme.places, expected_opening=today + timedelta(days=scheme.opens_in_days),
            confidence=scheme.confidence, reason=REASON, today=today, development_id=sid)[1])
