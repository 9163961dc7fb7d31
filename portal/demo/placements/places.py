"""Where a demo child is placed: the placement type (SSDA903 PLACE code), provider, setting,
postcode, cost and contract route of one episode.

A placement in a setting of the demo directory takes the setting's host authority, postcode
district and Ofsted URN, as the placement commands would fill them in. Places are counted on
the day, so no setting holds more children than its registered places.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from domain import ssda903
from portal.demo import region
from portal.demo.placements import facts

# Registered supported accommodation (K3) is a placement type from the 2024-25 collection;
# before it, supported accommodation was semi-independent living (H5), dropped from 2025-26.
K3_FROM = date(ssda903.PLACEMENT_TYPES["K3"].first_year, 4, 1)
LONG_TERM_DAYS = 365  # a foster placement this old is recorded as long-term (U1, U4)

_SW = ("838", "878", "879", "880", "933")
_SE = ("886", "851", "938")
GROUP = {la: _SW if la in _SW else _SE for la in _SW + _SE}
DISTRICTS = {a.la_code: a.postcode_districts for a in region.AUTHORITIES}
_AREA = {d: a.la_code for a in region.AUTHORITIES for d in a.postcode_districts}
AGENCY_URN = {p.name: p.ofsted_urn for p in region.PROVIDERS}  # fostering agencies only


@dataclass(frozen=True)
class Where:
    """One episode's placement, by name; the loader turns names into the records' ids."""

    kind: str  # a key of placement_facts.KINDS
    place: str
    place_provider: str | None
    provider: str | None  # a provider's name in region.PROVIDERS
    setting: str | None  # one of that provider's settings
    urn: str | None
    postcode: str | None  # placement postcode district or sector; None when not known
    la_code: str | None  # the partner whose area it is in; None outside the partners' areas
    weekly_cost: int | None
    route: str | None
    contract: str | None = None  # a contract's key (block placements)


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def sector(rng: random.Random, district: str) -> str:
    return f"{district} {rng.choice(facts.SECTORS[district])}"


def _third_sector(name: str) -> bool:
    return name.endswith(("CIC", "Trust"))


class Places:
    """The directory's settings by host authority and type, and the places left on the day."""

    def __init__(self) -> None:
        self.settings: dict[tuple[str, str], list[tuple[region.ProviderFact,
                                                        region.SettingFact]]] = {}
        self.left: dict[tuple[str, str], int] = {}
        for provider in region.PROVIDERS:
            for s in provider.settings:
                self.settings.setdefault((s.host_la_code, s.setting_type), []).append(
                    (provider, s))
                self.left[(provider.name, s.name)] = s.registered_places

    def take(self, provider: str, setting: str) -> None:
        self.left[(provider, setting)] -= 1
        assert self.left[(provider, setting)] >= 0, (provider, setting)

    def _free(self, la_codes: tuple[str, ...], setting_type: str, on_day: bool):
        found = [(p, s) for la in la_codes for p, s in self.settings.get((la, setting_type), [])]
        if on_day:
            found = [(p, s) for p, s in found if self.left[(p.name, s.name)] > 0]
        return found

    def providers(self, setting_type: str, la_codes: tuple[str, ...]) -> list[str]:
        """Providers running this type of setting in these authorities (fostering agencies
        place with carers anywhere their offices reach)."""
        names = {p.name for la in la_codes for p, _ in self.settings.get((la, setting_type), [])}
        return sorted(names)

    def where(self, rng: random.Random, la: str, kind: str, *, on: date, age: int, out: bool,
              long_term: bool, home: str | None, on_day: bool, cost: int | None = None,
              route: str | None = None) -> Where:
        """A placement of ``kind`` starting ``on`` for a child of authority ``la``; ``out``
        places it outside the authority's area. ``on_day``: it is open on the day, so it takes
        a registered place."""
        spec = facts.KINDS[kind]
        place, provider_code = _codes(rng, kind, on, long_term, age)
        if spec.setting_type is not None:
            found = self._in_setting(rng, la, kind, spec.setting_type, out, on_day)
        else:
            found = self._in_a_home(rng, la, kind, out, home)
        provider = found.get("provider")
        if provider_code == "PR4" and provider is not None and _third_sector(provider):
            provider_code = "PR5"
        if cost is None and spec.cost is not None and place not in {"R2", "R5"}:
            cost = rng.randint(*spec.cost)
        return Where(kind=kind, place=place, place_provider=provider_code, provider=provider,
                     setting=found.get("setting"), urn=found.get("urn"),
                     postcode=found.get("postcode"), la_code=found.get("la_code"),
                     weekly_cost=cost, route=route or _route(rng, kind, place))

    def _in_setting(self, rng, la, kind, setting_type, out, on_day) -> dict:
        group = GROUP[la]
        choices = []
        if not out:
            choices = self._free((la,), setting_type, on_day)
        elif rng.random() < 0.55 and kind != "short_break":
            choices = self._free(tuple(p for p in group if p != la), setting_type, on_day)
        if kind == "short_break" and not choices:
            choices = self._free(group, setting_type, False)  # Torbay uses Devon's
        if choices:
            provider, setting = rng.choice(choices)
            if on_day and kind != "short_break":
                self.take(provider.name, setting.name)
            return {"provider": provider.name, "setting": setting.name,
                    "urn": setting.ofsted_urn or provider.ofsted_urn,
                    "postcode": setting.postcode_district, "la_code": setting.host_la_code}
        # No place free in a listed setting: a provider's home not in the directory.
        name = rng.choice(self.providers(setting_type, group))
        district = rng.choice(facts.ELSEWHERE[la] if out else DISTRICTS[la])
        return {"provider": name, "urn": AGENCY_URN[name], "postcode": sector(rng, district),
                "la_code": _AREA.get(district)}

    def _in_a_home(self, rng, la, kind, out, home) -> dict:
        """Carers', parents' or other homes and settings outside the directory."""
        if kind == "parents" and not out and home is not None:
            return {"postcode": home, "la_code": la}
        if not out:
            return {"postcode": sector(rng, rng.choice(DISTRICTS[la])), "la_code": la}
        if kind in {"kinship", "in_house", "adoption", "parents"} and rng.random() < 0.4:
            partner = rng.choice([p for p in GROUP[la] if p != la])
            return {"postcode": sector(rng, rng.choice(DISTRICTS[partner])), "la_code": partner}
        if la != "838" and kind in {"kinship", "in_house"} and rng.random() < 0.08:
            return {}  # carers' postcode not recorded: area and distance unknown
        return {"postcode": sector(rng, rng.choice(facts.ELSEWHERE[la]))}


def _codes(rng: random.Random, kind: str, on: date, long_term: bool,
           age: int) -> tuple[str, str | None]:
    """The SSDA903 placement type and placement provider codes for a kind of placement."""
    if kind == "kinship":
        return ("U1" if long_term else "U3"), "PR1"
    if kind in {"in_house", "ifa"}:
        return ("U4" if long_term else "U6"), ("PR1" if kind == "in_house" else "PR4")
    if kind == "supported":
        return ("K3" if on >= K3_FROM else "H5"), "PR4"
    if kind == "other_res":  # residential school (private), NHS care, young offender institution
        place = weighted(rng, {"S1": 0.6, "R2": 0.25, "R5": 0.15 if age >= 15 else 0})
        return place, ("PR4" if place == "S1" else "PR3")
    return {
        "home": ("K2", "PR4"), "secure": ("K1", "PR2"), "parents": ("P1", "PR0"),
        "adoption": (rng.choice(("A6", "A6", "A4")), "PR1"), "parent_child": ("R3", "PR4"),
        "short_break": ("K2", "PR4"),
    }[kind]


def _route(rng: random.Random, kind: str, place: str) -> str | None:
    if kind in {"kinship", "in_house", "adoption"}:
        return "in_house"
    if kind in {"parents", "short_break"} or place in {"R2", "R5"}:
        return None
    if kind in {"ifa", "home", "supported"}:
        share = {"ifa": 0.75, "home": 0.55, "supported": 0.5}[kind]
        return "framework" if rng.random() < share else "spot"
    return "spot"
