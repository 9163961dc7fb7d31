"""Loads the demo region through the same commands a user's actions would use.

Idempotent: every demo record has an id derived from its natural key, and each step is skipped
when its record already exists, so running it again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID, uuid5

from auth.second_factor import SecondFactors, demo_secret
from domain.account import account_id
from domain.actor import Actor
from domain.child_ref import ChildReferences
from domain.organisation import NAMESPACE, authority_id, setting_id
from portal.demo import region
from portal.demo.fostering import load_fostering
from portal.demo.home_searches import load_home_searches
from portal.demo.ids import provider_id, vacancy_id
from portal.demo.ofsted import load_ofsted_sample
from portal.demo.placements.loader import load_placements
from portal.demo.supply import load_supply
from portal.demo.tenders import load_tenders
from portal.services.application import Portal

PLATFORM_NAME = "Regional Sufficiency Partnership Office"
PLATFORM_ID = uuid5(NAMESPACE, "demo-platform")
REASON = "Demo region"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    organisation: str
    display_name: str
    organisation_id: UUID

    @property
    def totp_secret(self) -> str:
        """The authenticator secret every demo account is enrolled with: fixed (derived from
        the email address) and public, like the password. Demo use only."""
        return demo_secret(self.email)

    def public(self) -> dict[str, str]:
        return {"email": self.email, "password": self.password, "role": self.role,
                "organisation": self.organisation, "totp_secret": self.totp_secret}


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def demo_accounts() -> list[DemoAccount]:
    """Sign-in accounts for trying the demo. Their passwords are public: demo use only."""
    accounts = [
        DemoAccount("admin@partnership.example.org", "demo-admin-password", "platform_admin",
                    PLATFORM_NAME, "Alex Admin", PLATFORM_ID),
        DemoAccount("auditor@partnership.example.org", "demo-auditor-password", "auditor",
                    PLATFORM_NAME, "Avery Auditor", PLATFORM_ID),
    ]
    for fact in region.AUTHORITIES:
        accounts.append(DemoAccount(
            f"placements@{_slug(fact.name)}.example.org", "demo-council-password",
            "council_officer", fact.name, f"{fact.name} placements officer",
            authority_id(fact.la_code)))
    for fact in region.PROVIDERS[:4]:
        accounts.append(DemoAccount(
            f"vacancies@{_slug(fact.name)}.example.org", "demo-provider-password",
            "provider_user", fact.name, f"{fact.name} vacancies lead", provider_id(fact.name)))
    return accounts


@dataclass
class LoadReport:
    created: int = 0
    skipped: int = 0
    last_position: int = 0


def load_demo(portal: Portal, set_password: Callable[[UUID, str], None],
              has_password: Callable[[UUID], bool], today: date | None = None,
              child_refs: ChildReferences | None = None,
              second_factors: SecondFactors | None = None) -> LoadReport:
    """Load the demo region; with ``child_refs`` (the services' child reference keys) also
    its children's placements, contracts and targets (see portal.demo.placements); with
    ``second_factors`` (the services' store), every demo account's fixed authenticator."""
    today = today or date.today()
    actor = Actor.system()
    report = LoadReport()

    def step(exists: bool, command: Callable[[], int]) -> None:
        if exists:
            report.skipped += 1
            return
        report.last_position = command()
        report.created += 1

    step(portal.exists(PLATFORM_ID), lambda: portal.register_platform_organisation(
        actor, name=PLATFORM_NAME, organisation_id=PLATFORM_ID)[1])

    for fact in region.AUTHORITIES:
        step(portal.exists(authority_id(fact.la_code)), lambda fact=fact: portal.register_authority(
            actor, la_code=fact.la_code, ons_code=fact.ons_code, name=fact.name,
            population_0_17=fact.population_0_17, partnerships=list(fact.partnerships),
            key_decision_threshold=fact.key_decision_threshold)[1])

    for fact in region.PROVIDERS:
        pid = provider_id(fact.name)
        step(portal.exists(pid), lambda fact=fact, pid=pid: portal.register_provider(
            actor, name=fact.name, kind=fact.kind, ofsted_urn=fact.ofsted_urn,
            provider_id=pid)[1])
        existing = portal.get_provider(pid).settings
        for setting in fact.settings:
            step(setting_id(pid, setting.name) in existing,
                 lambda pid=pid, setting=setting: portal.add_setting(
                     actor, pid, name=setting.name, setting_type=setting.setting_type,
                     ofsted_urn=setting.ofsted_urn,
                     host_authority_id=authority_id(setting.host_la_code),
                     postcode_district=setting.postcode_district,
                     registered_places=setting.registered_places)[1])

    for index, fact in enumerate(region.VACANCIES):
        vid = vacancy_id(index, fact)
        pid = provider_id(fact.provider_name)
        step(portal.exists(vid), lambda fact=fact, vid=vid, pid=pid: portal.publish_vacancy(
            actor, provider_id=pid, setting_id=setting_id(pid, fact.setting_name),
            vacancy_id=vid, age_from=fact.age_from, age_to=fact.age_to,
            needs_met=list(fact.needs_met), weekly_fee=fact.weekly_fee,
            available_from=today + timedelta(days=fact.available_in_days),
            expires_on=None, description=fact.description, today=today)[1])

    # Council-run homes and places in development (portal/demo/supply.py).
    load_supply(portal, today, step)
    # Every setting's registration and latest judgement, from the sample register.
    position = load_ofsted_sample(portal, today)
    step(position is None, lambda: position)
    # Every authority's in-house fostering returns, two years of them (portal/demo/fostering.py).
    for saved in load_fostering(portal, today):
        step(saved is None, lambda saved=saved: saved)

    for account in demo_accounts():
        aid = account_id(account.email)
        step(portal.exists(aid), lambda account=account: portal.create_account(
            actor, email=account.email, display_name=account.display_name,
            organisation_id=account.organisation_id, roles=[account.role])[1])
        if not has_password(aid):
            set_password(aid, account.password)
        if second_factors is not None:
            if not second_factors.is_enrolled(aid):
                second_factors.enrol_fixed(aid, account.totp_secret)
            step(portal.get_account(aid).second_factor,
                 lambda aid=aid: portal.enrol_second_factor(aid, actor=actor))
    if child_refs is not None:
        load_placements(portal, child_refs, today, report)
        # A few councils' home searches (portal/demo/home_searches.py).
        load_home_searches(portal, child_refs, today, report)
    # Joint tenders at their stages, some awarded with contracts (portal/demo/tenders.py).
    load_tenders(portal, today, report)
    report.last_position = portal.last_position()
    return report
