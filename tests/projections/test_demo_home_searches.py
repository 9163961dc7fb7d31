"""The demo's home searches: loaded through the commands, in every state a search can be in,
each with matches ranked against the demo board; Torbay's emergency answered within hours and
placed; the unmet-need measure counts them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from domain.organisation import authority_id
from domain.principal import Principal
from portal.demo import region
from portal.demo.home_searches import SEARCHES, home_search_id
from projections.home_searches import home_searches
from projections.matching import match_vacancies
from projections.placements import placement_episodes
from projections.referrals import offers, referrals
from projections.sufficiency.tables import Filters, Scope
from projections.sufficiency.unmet_need import unmet_need
from projections.vacancies import provider_vacancies
from tests.conftest import DEMO_TODAY


def officer(la_code: str) -> Principal:
    return Principal(user_id=None, email="", display_name="",
                     organisation_id=authority_id(la_code), organisation_kind="authority",
                     organisation_name="", roles=frozenset({"council_officer"}))


def search(la_code: str, number: int):
    return next(s for s in SEARCHES if (s.la_code, s.number) == (la_code, number))


def test_the_demo_searches_are_in_every_state(demo_services):
    with demo_services.engine.connect() as c:
        rows = c.execute(sa.select(home_searches)).mappings().all()
    assert {r["id"] for r in rows} == {home_search_id(s) for s in SEARCHES}
    assert Counter(r["status"] for r in rows) == {
        "draft": 3, "offers_open": 1, "closed_to_offers": 1, "placed": 1,
        "closed_unfilled": 2, "cancelled": 1}
    assert {r["urgency"] for r in rows} == {"planned", "emergency"}
    assert all(r["child_ref"].startswith("C") and len(r["child_ref"]) == 13 for r in rows)


def test_torbays_emergency_is_answered_within_hours_and_placed_today(demo_services):
    emergency = home_search_id(search("880", 1))
    with demo_services.engine.connect() as c:
        row = c.execute(sa.select(home_searches).where(home_searches.c.id == emergency)
                        ).mappings().one()
        sent = c.execute(sa.select(referrals).where(referrals.c.search_id == emergency)
                         ).mappings().all()
        made = c.execute(sa.select(offers).where(offers.c.search_id == emergency)
                         ).mappings().all()
        placed = c.execute(sa.select(placement_episodes).where(
            placement_episodes.c.child_ref == row["child_ref"])).mappings().all()
    assert (row["urgency"], row["status"]) == ("emergency", "placed")
    deadline = sent[0]["offers_close_at"]
    deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)
    opened = datetime(DEMO_TODAY.year, DEMO_TODAY.month, DEMO_TODAY.day, 8, tzinfo=UTC)
    assert deadline - opened <= timedelta(hours=4)  # offers within four hours (UK 08:00)
    assert Counter(r["answer"] for r in sent) == {"offered": 1, "declined": 1, None: 1}
    offer, = made
    assert offer["status"] == "accepted" and offer["start_on"] == DEMO_TODAY
    episode, = placed
    assert (episode["authority_id"], episode["start"], episode["place"]) == (
        authority_id("880"), DEMO_TODAY, "K2")
    assert episode["placement_authority_id"] == authority_id("880")  # near her family
    with demo_services.engine.connect() as c:
        ep = placement_episodes.c
        in_care = c.execute(sa.select(sa.func.count()).where(
            ep.authority_id == authority_id("880"), sa.not_(ep.short_breaks),
            ep.start <= DEMO_TODAY, sa.or_(ep.end.is_(None), ep.end > DEMO_TODAY))).scalar()
    assert in_care == 241  # Torbay's 240 (README) and her


def test_the_board_still_shows_every_demo_vacancy_open(demo_services):
    # The place Torbay's emergency took was published for it; every other offer's vacancy
    # stays open until an offer of it is accepted.
    with demo_services.engine.connect() as c:
        statuses = Counter(c.execute(sa.select(provider_vacancies.c.status)).scalars())
    assert statuses["available"] == len(region.VACANCIES)
    assert statuses["filled"] == 1


def test_unmet_need_counts_the_demo_searches(demo_services):
    scope = Scope(kind="authority", name="Torbay", authority_ids=(authority_id("880"),),
                  disclose=True, key="880")
    today = datetime.now(UTC).date()
    year = Filters(on=today, period_start=today - timedelta(days=364), period_end=today)
    with demo_services.engine.connect() as c:
        torbay, = unmet_need(c, scope, year).rows
    assert (torbay["opened"], torbay["placed"], torbay["sent"], torbay["far"]) == (1, 1, 1, 0)
    assert torbay["approached"] == 3 and torbay["offers"] == 1


def test_kents_planned_search_finds_homes_on_the_demo_board(demo_services):
    kent = search("886", 1)
    with demo_services.engine.connect() as c:
        found = match_vacancies(officer("886"), c, home_search_id(kent), today=DEMO_TODAY)
    assert found.considered > 0 and found.matches
    scores = [m.score for m in found.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(m.vacancy["setting_type"] == "childrens_home" for m in found.matches)
