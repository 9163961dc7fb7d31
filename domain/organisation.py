"""Organisations: partner authorities (councils), providers and the platform's own body."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, NotFound, Refused
from domain.in_house import IN_HOUSE, check_stage_change, in_house_provider_id
from domain.postcode import DISTRICT
from domain.vocabulary import PROVIDER_KINDS, SETTING_TYPES

NAMESPACE = uuid5(NAMESPACE_URL, "https://sufficiency-portal.example/ids")

LA_CODE = re.compile(r"^\d{3}$")
ONS_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")
# A contact's telephone number: a UK number (0 or +44, then 9 or 10 digits), spaces, brackets
# and hyphens allowed between the digits.
PHONE = re.compile(r"^(?:0|\+44)\d{9,10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_CONTACT_NAME = 100
MAX_EMAIL = 254
# Ofsted unique reference numbers: "SC" plus six digits for social care settings, or a 6-7 digit
# number for older registrations.
OFSTED_URN = re.compile(r"^(SC\d{6}|\d{6,7})$")


def authority_id(la_code: str) -> UUID:
    return uuid5(NAMESPACE, f"authority:{la_code}")


def _require(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise DomainError(message, field=field)


class Authority(PortalAggregate):
    """A partner council, identified by its DfE local-authority code."""

    @staticmethod
    def create_id(la_code: str) -> UUID:
        return authority_id(la_code)

    @event("Registered")
    def __init__(
        self,
        *,
        la_code: str,
        ons_code: str,
        name: str,
        population_0_17: int,
        partnerships: list[str],
        key_decision_threshold: int,
        actor: Actor,
        reason: str | None,
    ) -> None:
        self.la_code = la_code
        self.ons_code = ons_code
        self.name = name
        self.population_0_17 = population_0_17
        self.partnerships = list(partnerships)
        self.key_decision_threshold = key_decision_threshold

    @classmethod
    def register(cls, **kwargs) -> Authority:
        check_authority_details(**{k: kwargs[k] for k in _AUTHORITY_FIELDS if k in kwargs})
        return cls(reason=None, **kwargs)

    def update_details(self, *, actor: Actor, reason: str | None = None, **changes) -> None:
        unknown = set(changes) - set(_AUTHORITY_FIELDS) - {"ons_code"}
        if unknown or "la_code" in changes:
            raise DomainError(f"These details cannot be changed: {', '.join(sorted(unknown))}")
        check_authority_details(**changes)
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changed:
            self._details_updated(changes=changed, actor=actor, reason=reason)

    @event("DetailsUpdated")
    def _details_updated(self, *, changes: dict, actor: Actor, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def set_targets(self, *, targets: dict[str, float | None], actor: Actor,
                    reason: str | None = None) -> bool:
        """The authority's own sufficiency targets (e.g. Dorset: 60 children in care per
        10,000 and 30% placed out of area). A target of None is removed."""
        unknown = set(targets) - set(TARGETS)
        if unknown:
            raise DomainError(f"Unknown targets: {', '.join(sorted(unknown))}")
        for name, value in targets.items():
            low, high = TARGETS[name][1]
            if value is not None and not low <= value <= high:
                raise DomainError(f"{TARGETS[name][0]} must be between {low:g} and {high:g}",
                                  field=name)
        current = getattr(self, "targets", {})
        merged = {**current, **targets}
        merged = {k: v for k, v in merged.items() if v is not None}
        if merged == current:
            return False
        self._targets_set(targets=merged, actor=actor, reason=reason)
        return True

    @event("TargetsSet")
    def _targets_set(self, *, targets: dict, actor: Actor, reason: str | None) -> None:
        self.targets = dict(targets)


# The targets an authority may set for itself: label and allowed range.
TARGETS: dict[str, tuple[str, tuple[float, float]]] = {
    "children_per_10k": ("Children in care per 10,000 children", (0, 500)),
    "out_of_area_pct": ("Percentage placed outside the authority's area", (0, 100)),
    "over_20_miles_pct": ("Percentage placed more than 20 miles from home", (0, 100)),
    "local_residential_share_pct": (
        "Percentage of children's homes places in the area used by the authority", (0, 100)),
}


_AUTHORITY_FIELDS = (
    "la_code",
    "ons_code",
    "name",
    "population_0_17",
    "partnerships",
    "key_decision_threshold",
)


def check_authority_details(
    *,
    la_code: str | None = None,
    ons_code: str | None = None,
    name: str | None = None,
    population_0_17: int | None = None,
    partnerships: list[str] | None = None,
    key_decision_threshold: int | None = None,
) -> None:
    if la_code is not None:
        _require(bool(LA_CODE.match(la_code)), "Enter a 3-digit DfE LA code, like 838", "la_code")
    if ons_code is not None:
        _require(
            bool(ONS_CODE.match(ons_code)),
            "Enter an ONS code for an English authority, like E06000059",
            "ons_code",
        )
    if name is not None:
        _require(bool(name.strip()), "Enter the authority's name", "name")
    if population_0_17 is not None:
        _require(population_0_17 > 0, "Population aged 0 to 17 must be more than 0",
                 "population_0_17")
    if partnerships is not None:
        _require(all(p.strip() for p in partnerships), "Partnership names cannot be blank",
                 "partnerships")
    if key_decision_threshold is not None:
        _require(key_decision_threshold > 0, "Key-decision threshold must be more than £0",
                 "key_decision_threshold")


@dataclass(frozen=True)
class Setting:
    """A place a provider runs: a children's home, a fostering agency office, and so on."""

    id: UUID
    name: str
    setting_type: str
    ofsted_urn: str | None
    host_authority_id: UUID
    postcode_district: str
    registered_places: int


def setting_id(provider_id: UUID, name: str) -> UUID:
    return uuid5(provider_id, "setting:" + " ".join(name.casefold().split()))


class Provider(PortalAggregate):
    """A provider organisation and the settings it runs."""

    id: UUID  # given by the caller: random, or derived from a natural key (demo loader)

    @event("Registered")
    def __init__(
        self,
        *,
        name: str,
        kind: str,
        ofsted_urn: str | None,
        actor: Actor,
        reason: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.ofsted_urn = ofsted_urn
        self.settings: dict[UUID, Setting] = {}
        self.contact: dict[str, str] | None = None
        # An authority's own (in-house) provider: the authority that runs it.
        self.owner_authority_id: UUID | None = None
        # Each in-house setting's registration pipeline: [(stage, date)], oldest first.
        self.stages: dict[UUID, list[tuple[str, date]]] = {}

    @classmethod
    def register(cls, *, name: str, kind: str, ofsted_urn: str | None, actor: Actor,
                 id: UUID | None = None) -> Provider:
        _require(bool(name.strip()), "Enter the provider's name", "name")
        _require(kind in PROVIDER_KINDS, "Choose a kind of provider", "kind")
        if ofsted_urn is not None:
            _require(bool(OFSTED_URN.match(ofsted_urn)), "Enter an Ofsted URN, like SC123456",
                     "ofsted_urn")
        kwargs = dict(name=name.strip(), kind=kind, ofsted_urn=ofsted_urn, actor=actor,
                      reason=None)
        return cls(id=id or uuid4(), **kwargs)

    @classmethod
    def register_in_house(cls, authority: Authority, *, actor: Actor) -> Provider:
        """The authority's own provider, which runs its council homes and services."""
        provider = cls(id=in_house_provider_id(authority.id), name=f"{authority.name} Council "
                       "(in-house)", kind=IN_HOUSE, ofsted_urn=None, actor=actor, reason=None)
        provider._run_by(owner_authority_id=authority.id, actor=actor, reason=None)
        return provider

    @event("RunByAuthority")
    def _run_by(self, *, owner_authority_id: UUID, actor: Actor, reason: str | None) -> None:
        self.owner_authority_id = owner_authority_id

    @property
    def in_house(self) -> bool:
        return self.owner_authority_id is not None

    def stage(self, setting_id: UUID) -> str | None:
        """The setting's stage in the registration pipeline (None: not an in-house setting)."""
        steps = self.stages.get(setting_id)
        return steps[-1][0] if steps else None

    def change_stage(self, setting_id: UUID, *, stage: str, on: date, today: date,
                     actor: Actor, reason: str | None) -> None:
        """One step of an in-house setting's registration pipeline, with its date and why."""
        if not self.in_house:
            raise DomainError("Only the council's own settings have a registration pipeline")
        self.setting(setting_id)
        steps = self.stages.get(setting_id, [])
        check_stage_change(steps[-1][0] if steps else None, stage, on,
                           since=steps[-1][1] if steps else None, today=today, reason=reason)
        self._stage_changed(setting_id=setting_id, stage=stage, on=on, actor=actor,
                            reason=reason.strip())

    def change_places(self, setting_id: UUID, *, registered_places: int, actor: Actor,
                      reason: str | None) -> bool:
        """A council setting's places changed (a home extended, a bedroom taken out of use),
        with why. Returns False when the places are already that. An independent setting's
        places come from Ofsted's register instead."""
        if not self.in_house:
            raise DomainError("Only the council's own settings have their places changed here")
        setting = self.setting(setting_id)
        found = {}
        if not isinstance(registered_places, int) or not 0 < registered_places <= 200:
            found["registered_places"] = "Places must be a whole number between 1 and 200"
        if not (reason or "").strip():
            found["reason"] = "Say why the places change"
        if found:
            raise Refused(found)
        if registered_places == setting.registered_places:
            return False
        self._places_changed(setting_id=setting_id, registered_places=registered_places,
                             actor=actor, reason=reason.strip())
        return True

    @event("SettingPlacesChanged")
    def _places_changed(self, *, setting_id: UUID, registered_places: int, actor: Actor,
                        reason: str | None) -> None:
        self.settings[setting_id] = replace(self.settings[setting_id],
                                            registered_places=registered_places)

    @event("SettingStageChanged")
    def _stage_changed(self, *, setting_id: UUID, stage: str, on: date, actor: Actor,
                       reason: str | None) -> None:
        self.stages.setdefault(setting_id, []).append((stage, on))

    def add_setting(
        self,
        *,
        name: str,
        setting_type: str,
        ofsted_urn: str | None,
        host_authority_id: UUID,
        postcode_district: str,
        registered_places: int,
        actor: Actor,
        reason: str | None = None,
    ) -> UUID:
        name = " ".join(name.split())
        _require(bool(name), "Enter the setting's name", "name")
        new_id = setting_id(self.id, name)
        _require(new_id not in self.settings, f"{self.name} already has a setting called {name}",
                 "name")
        _require(setting_type in SETTING_TYPES, "Choose a setting type", "setting_type")
        if ofsted_urn is not None:
            _require(bool(OFSTED_URN.match(ofsted_urn)), "Enter an Ofsted URN, like SC123456",
                     "ofsted_urn")
        district = postcode_district.strip().upper()
        _require(bool(DISTRICT.match(district)),
                 "Enter a postcode district, like DT1 or BH20", "postcode_district")
        _require(0 < registered_places <= 200, "Registered places must be between 1 and 200",
                 "registered_places")
        self._setting_added(
            setting_id=new_id,
            name=name,
            setting_type=setting_type,
            ofsted_urn=ofsted_urn,
            host_authority_id=host_authority_id,
            postcode_district=district,
            registered_places=registered_places,
            actor=actor,
            reason=reason,
        )
        return new_id

    @event("SettingAdded")
    def _setting_added(
        self,
        *,
        setting_id: UUID,
        name: str,
        setting_type: str,
        ofsted_urn: str | None,
        host_authority_id: UUID,
        postcode_district: str,
        registered_places: int,
        actor: Actor,
        reason: str | None,
    ) -> None:
        self.settings[setting_id] = Setting(
            id=setting_id,
            name=name,
            setting_type=setting_type,
            ofsted_urn=ofsted_urn,
            host_authority_id=host_authority_id,
            postcode_district=postcode_district,
            registered_places=registered_places,
        )

    def set_contact(self, *, name: str, phone: str, email: str, actor: Actor,
                    reason: str | None = None) -> bool:
        """Name the person councils contact about the provider's vacancies. Returns False when
        nothing changed."""
        found = contact_problems(name=name, phone=phone, email=email)
        if found:
            raise ContactRefused(found)
        contact = {"name": " ".join(name.split()), "phone": " ".join(phone.split()),
                   "email": email.strip()}
        if self.contact == contact:
            return False
        self._contact_set(contact_name=contact["name"], contact_phone=contact["phone"],
                          contact_email=contact["email"], actor=actor, reason=reason)
        return True

    @event("ContactSet")
    def _contact_set(self, *, contact_name: str, contact_phone: str, contact_email: str,
                     actor: Actor, reason: str | None) -> None:
        self.contact = {"name": contact_name, "phone": contact_phone, "email": contact_email}

    def setting(self, setting_id: UUID) -> Setting:
        try:
            return self.settings[setting_id]
        except KeyError:
            raise NotFound(f"{self.name} has no such setting") from None


class ContactRefused(DomainError):
    """A contact that breaks one or more rules: every problem at once, by field."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


def contact_problems(*, name: str, phone: str, email: str) -> dict[str, str]:
    """Every rule a named contact breaks, by field, all at once."""
    found = {}
    if not name.strip():
        found["contact_name"] = "Enter the contact's name"
    elif len(name.strip()) > MAX_CONTACT_NAME:
        found["contact_name"] = f"The name must be {MAX_CONTACT_NAME} characters or fewer"
    digits = re.sub(r"[\s()-]", "", phone)
    if not digits:
        found["contact_phone"] = "Enter the contact's telephone number"
    elif not PHONE.match(digits):
        found["contact_phone"] = ("Enter a UK telephone number, like 01632 960 001 or "
                                  "+44 1632 960 001")
    address = email.strip()
    if not address:
        found["contact_email"] = "Enter the contact's email address"
    elif len(address) > MAX_EMAIL or not EMAIL.match(address):
        found["contact_email"] = ("Enter an email address in the correct format, like "
                                  "name@example.org")
    return found


class PlatformOrganisation(PortalAggregate):
    """The body that runs the portal for the partnership: platform administrators, auditors."""

    id: UUID  # given by the caller: random, or derived from a natural key (demo loader)

    @event("Registered")
    def __init__(self, *, name: str, actor: Actor, reason: str | None) -> None:
        self.name = name


# Which setting types each kind of provider runs, for eligibility when it has no such setting
# in the directory yet (market engagement reaches providers still planning a service).
KIND_COVERS: dict[str, frozenset[str]] = {
    "childrens_home_operator": frozenset({"childrens_home"}),
    "fostering_agency": frozenset({"independent_fostering_agency"}),
    "supported_accommodation_provider": frozenset({"supported_accommodation"}),
}


def provider_setting_types(provider: Provider) -> frozenset[str] | None:
    """The setting types a provider offers; None for a provider of every kind (mixed)."""
    if provider.kind == "mixed":
        return None
    return KIND_COVERS.get(provider.kind, frozenset()) | {
        s.setting_type for s in provider.settings.values()}
