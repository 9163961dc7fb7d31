"""Demo home searches: a few of the councils' searches for homes in every state a search
can be in (drafts, one an emergency; open to offers; closed to offers with offers to weigh;
placed; cancelled; closed unfilled), drafted by each council's demo placements officer and
answered by the demo providers' vacancies leads, through the same commands.

Only one is placed: Torbay's emergency, answered within hours by a provider that published a
place at its Torbay home for it, so the board's open vacancies stay as they were. Its child is
new to the portal and placed in Torbay today. None of the councils whose published figures
the demo shows (Dorset, Kent, Plymouth; tests/projections/test_demo_figures.py) has a search
placed, and every offer still open is of a vacancy that stays open, so no published figure
changes. Each child is known only by the portal's reference, from a demo id
(``DEMO-<LA code>-S<n>``) hashed with the deployment's key, like the demo children's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID, uuid5

from domain.account import account_id
from domain.actor import Actor
from domain.child_ref import ChildReferences
from domain.home_search import CLOSED_TO_OFFERS, DRAFT, PLACED, HomeSearch
from domain.organisation import NAMESPACE, authority_id, setting_id
from domain.timezone import LONDON
from portal.demo import region
from portal.demo.ids import provider_id, vacancy_id
from portal.demo.tenders import Report, officer_actor
from portal.services.application import Portal


@dataclass(frozen=True)
class NewPlace:
    """A place a provider publishes at one of its settings to offer it to a search."""

    setting_name: str
    age_from: int
    age_to: int
    needs_met: tuple[str, ...]
    weekly_fee: int
    description: str


@dataclass(frozen=True)
class DemoOffer:
    provider: str  # a demo provider with a vacancies lead's account (region.PROVIDERS[:4])
    place: int | NewPlace  # a demo vacancy (its index in region.VACANCIES), or a new place
    weekly_price: int
    start_in_days: int
    minutes: int  # after the search was sent
    notes: str = ""


@dataclass(frozen=True)
class DemoReferral:
    """What happened once the search was drafted: sent at 08:00 (UK time) on the demo's day
    to these providers, open to offers for ``deadline_hours``; their offers and declines; the
    officer closing it to offers early and accepting one (the search is then placed)."""

    providers: tuple[str, ...]
    deadline_hours: int
    offers: tuple[DemoOffer, ...] = ()
    declines: tuple[tuple[str, str], ...] = ()  # (provider, reason code)
    closed_after_minutes: int | None = None
    accepted: str | None = None  # the provider whose offer is accepted


@dataclass(frozen=True)
class DemoSearch:
    la_code: str
    number: int
    urgency: str
    needed_in_days: int
    start_within_days: int
    placement_types: tuple[str, ...]
    age: int
    sex: str
    legal_status: str
    family_district: str | None
    needs: tuple[str, ...] = ()
    siblings: int = 0
    school_district: str | None = None
    stay_near_school: bool = False
    areas_to_avoid: tuple[str, ...] = ()
    # What became of it: None (still a draft), ("cancelled", reason) or
    # ("closed_unfilled", unfilled reason, note).
    outcome: tuple[str, ...] | None = None
    reason: str | None = field(default=None)
    referral: DemoReferral | None = None


BRAMBLEWICK, SALTMARSH, KESTRELHURST, LARCHMERE = (p.name for p in region.PROVIDERS[:4])


SEARCHES = (
    DemoSearch("886", 1, "planned", 14, 28, ("childrens_home",), 14, "2", "C2", "ME14",
               needs=("emotional_behavioural",), areas_to_avoid=("ME4",),
               reason="Current foster placement ending at the carers' request"),
    DemoSearch("886", 2, "emergency", 0, 2, ("supported_accommodation",), 16, "1", "C1",
               "CT1", needs=("exploitation_risk",), areas_to_avoid=("CT9",),
               reason="Police protection overnight; home needed today"),
    DemoSearch("886", 3, "planned", 21, 42, ("independent_fostering_agency",), 7, "2", "C2",
               "ME4", needs=("sibling_group",), siblings=2,
               outcome=("closed_unfilled", "no_match",
                        "No agency could take three brothers and sisters together")),
    DemoSearch("879", 1, "planned", 28, 56, ("independent_fostering_agency",), 9, "1", "C2",
               "PL5", school_district="PL2", stay_near_school=True,
               needs=("emotional_behavioural",)),
    DemoSearch("879", 2, "planned", 7, 21, ("childrens_home",), 12, "2", "C1", "PL1",
               outcome=("cancelled", "Returned to her family under a supervision order")),
    DemoSearch("838", 1, "planned", 10, 30, ("childrens_home",), 15, "1", "C2", "DT1",
               needs=("complex_needs", "solo_placement"),
               outcome=("closed_unfilled", "too_far",
                        "Only homes over 100 miles away could meet his needs")),
    # Torbay's emergency: sent at 08:00 with four hours for offers; Saltmarsh Lane publishes a
    # place at its Torbay home and offers it at 09:30, Larchmere has none; the officer closes
    # the search at 10:30 and accepts: the girl moves in today, near her family.
    DemoSearch("880", 1, "emergency", 0, 1, ("childrens_home",), 15, "2", "C1", "TQ2",
               needs=("emotional_behavioural",),
               reason="Family breakdown overnight; home needed today",
               referral=DemoReferral(
                   providers=(BRAMBLEWICK, SALTMARSH, LARCHMERE), deadline_hours=4,
                   offers=(DemoOffer(SALTMARSH, NewPlace(
                       "Swallow Barn", 12, 17, ("emotional_behavioural",), 5_250,
                       "A two-bed home near the sea front with a bed free today."),
                       weekly_price=5_250, start_in_days=0, minutes=90,
                       notes="Staffed for her to move in this afternoon"),),
                   declines=((LARCHMERE, "no_place"),),
                   closed_after_minutes=150, accepted=SALTMARSH)),
    # Devon: two offers to weigh, neither in Devon (Torbay next door, and Kent), and one
    # decline; the officer closes it to offers early to decide.
    DemoSearch("878", 1, "planned", 10, 28, ("childrens_home",), 13, "1", "C2", "EX4",
               needs=("emotional_behavioural",),
               reason="Residential assessment recommends a small children's home",
               referral=DemoReferral(
                   providers=(BRAMBLEWICK, KESTRELHURST, LARCHMERE), deadline_hours=48,
                   offers=(DemoOffer(BRAMBLEWICK, 28, 4_900, 14, 180),
                           DemoOffer(KESTRELHURST, 45, 4_600, 21, 300,
                                     notes="In Kent: we can take him if nothing nearer is found")),
                   declines=((LARCHMERE, "matching"),), closed_after_minutes=420)),
    # Portsmouth: sent this morning, one offer so far, two providers yet to answer.
    DemoSearch("851", 1, "planned", 14, 35, ("childrens_home",), 12, "2", "C2", "PO3",
               needs=("emotional_behavioural",),
               reason="Foster placement breaking down; a children's home recommended",
               referral=DemoReferral(
                   providers=(KESTRELHURST, BRAMBLEWICK, LARCHMERE), deadline_hours=48,
                   offers=(DemoOffer(BRAMBLEWICK, 68, 5_100, 14, 120),))),
)


def demo_steps() -> int:
    """How many commands the demo's home searches take: each search's draft, outcome,
    sending, offers (and any place published for one), declines, closing and acceptance."""
    count = 0
    for search in SEARCHES:
        count += 1 + (search.outcome is not None)
        referral = search.referral
        if referral is not None:
            count += 1 + len(referral.offers) + len(referral.declines)
            count += sum(isinstance(o.place, NewPlace) for o in referral.offers)
            count += (referral.closed_after_minutes is not None) + (referral.accepted is not None)
    return count



def home_search_id(search: DemoSearch) -> UUID:
    return uuid5(NAMESPACE, f"demo-home-search:{search.la_code}:{search.number}")


def offer_id(search: DemoSearch, provider: str) -> UUID:
    return uuid5(NAMESPACE, f"demo-home-search-offer:{search.la_code}:{search.number}:{provider}")


def new_place_id(search: DemoSearch, provider: str) -> UUID:
    return uuid5(NAMESPACE, f"demo-home-search-place:{search.la_code}:{search.number}:{provider}")


def provider_actor(name: str) -> Actor:
    """The provider's demo vacancies lead."""
    account = next(f"vacancies@{_slug(name)}.example.org" for p in region.PROVIDERS[:4]
                   if p.name == name)
    return Actor(user_id=account_id(account), organisation_id=provider_id(name))


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def _place_vacancy(portal: Portal, search: DemoSearch, offer: DemoOffer, today: date,
                   step: Callable) -> UUID:
    """The vacancy an offer is of: a demo vacancy, or a place published for the search."""
    if not isinstance(offer.place, NewPlace):
        return vacancy_id(offer.place, region.VACANCIES[offer.place])
    place, pid = offer.place, provider_id(offer.provider)
    vid = new_place_id(search, offer.provider)
    step(portal.exists(vid), lambda: portal.publish_vacancy(
        provider_actor(offer.provider), provider_id=pid,
        setting_id=setting_id(pid, place.setting_name), vacancy_id=vid,
        age_from=place.age_from, age_to=place.age_to, needs_met=list(place.needs_met),
        weekly_fee=place.weekly_fee, available_from=today, description=place.description,
        today=today)[1])
    return vid


def _refer(portal: Portal, search: DemoSearch, today: date, report: Report) -> None:
    """Send the search and play out its referral, each step once."""
    referral, search_id = search.referral, home_search_id(search)
    actor = officer_actor(search.la_code)
    sent = datetime.combine(today, time(8, 0), LONDON)

    def step(done: bool, command: Callable[[], int]) -> None:
        if done:
            report.skipped += 1
        else:
            report.last_position = command()
            report.created += 1

    def current() -> HomeSearch:
        return portal.get_home_search(actor, search_id)

    step(current().status != DRAFT, lambda: portal.send_home_search(
        actor, search_id, provider_ids=[provider_id(p) for p in referral.providers],
        offers_close_at=sent + timedelta(hours=referral.deadline_hours), now=sent))
    for offer in referral.offers:
        vid = _place_vacancy(portal, search, offer, today, step)
        oid = offer_id(search, offer.provider)
        step(oid in current().offers, lambda offer=offer, vid=vid, oid=oid: portal.offer_place(
            provider_actor(offer.provider), search_id, vacancy_id=vid,
            weekly_price=offer.weekly_price, start_on=today + timedelta(days=offer.start_in_days),
            notes=offer.notes, now=sent + timedelta(minutes=offer.minutes), offer_id=oid)[1])
    for provider, reason in referral.declines:
        step(provider_id(provider) in current().declines,
             lambda provider=provider, reason=reason: portal.decline_home_search(
                 provider_actor(provider), search_id, decline_reason=reason,
                 now=sent + timedelta(minutes=30)))
    if referral.closed_after_minutes is not None:
        closed = sent + timedelta(minutes=referral.closed_after_minutes)
        step(current().status in (CLOSED_TO_OFFERS, PLACED),
             lambda: portal.close_home_search_to_offers(
                 actor, search_id, now=closed, reason="Enough offers to decide"))
    if referral.accepted is not None:
        step(current().status == PLACED, lambda: portal.accept_offer(
            actor, search_id, offer_id(search, referral.accepted),
            birth_month=f"{today.year - search.age}-01", now=closed,
            reason="The nearest home that could meet her needs today")[1])


def load_home_searches(portal: Portal, child_refs: ChildReferences, today: date,
                       report: Report) -> None:
    for search in SEARCHES:
        actor = officer_actor(search.la_code)
        search_id = home_search_id(search)
        if portal.exists(search_id):
            report.skipped += 1
        else:
            report.last_position = portal.draft_home_search(
                actor, authority_id=authority_id(search.la_code), search_id=search_id,
                child_ref=child_refs.reference(search.la_code,
                                               f"DEMO-{search.la_code}-S{search.number}"),
                urgency=search.urgency, needed_by=today + timedelta(days=search.needed_in_days),
                latest_start=today + timedelta(days=search.start_within_days),
                placement_types=list(search.placement_types), age=search.age, sex=search.sex,
                siblings=search.siblings, legal_status=search.legal_status,
                needs=list(search.needs), family_district=search.family_district,
                school_district=search.school_district,
                stay_near_school=search.stay_near_school,
                areas_to_avoid=list(search.areas_to_avoid), today=today,
                reason=search.reason)[1]
            report.created += 1
        if search.referral is not None:
            _refer(portal, search, today, report)
        if search.outcome is None:
            continue
        if portal.get_home_search(actor, search_id).status != DRAFT:
            report.skipped += 1
            continue
        if search.outcome[0] == "cancelled":
            report.last_position = portal.cancel_home_search(actor, search_id,
                                                             reason=search.outcome[1])
        else:
            report.last_position = portal.close_home_search_unfilled(
                actor, search_id, unfilled_reason=search.outcome[1], reason=search.outcome[2])
        report.created += 1
