"""Twenty officers accept, at the same moment, twenty offers of one one-place vacancy (one
offer on each of twenty searches), in threads on a real SQLite file: exactly one acceptance is
saved, the others are told the vacancy was taken meanwhile, and nothing of theirs is stored.
The same runs on PostgreSQL in tests/postgres/test_offers_postgres.py."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from domain.home_search import OFFERS_OPEN, PLACED
from domain.placement import placement_id
from domain.vacancy import FILLED
from portal.services.application import Portal
from tests.application.referral_world import (
    AFTER,
    NOW,
    TODAY,
    offer,
    officer,
    region,
    sent_search,
    vacancy,
)
from tests.web.test_version_clashes import CONCURRENT, all_at_once


def twenty_acceptances_of_one_place(portal: Portal) -> None:
    ids = region(portal)
    place = vacancy(portal, ids)
    kent = officer(ids["Kent"])
    searches = []
    for i in range(CONCURRENT):
        child = f"CAAAAAAAAA{i:03d}"
        search_id = sent_search(portal, ids, kent, child_ref=child, to=("weald",))
        searches.append((child, search_id, offer(portal, ids, search_id, place)))
    before = portal.last_position()

    outcomes = all_at_once(CONCURRENT, lambda i: portal.accept_offer(
        kent, searches[i][1], searches[i][2], birth_month="2012-05", now=AFTER))
    kinds = Counter(type(r).__name__ for r in outcomes)
    assert kinds == {"tuple": 1, "Conflict": CONCURRENT - 1}, kinds
    assert all("taken meanwhile" in r.message for r in outcomes if not isinstance(r, tuple))
    (winner,) = [i for i, r in enumerate(outcomes) if isinstance(r, tuple)]
    assert portal.get_vacancy(place).status == FILLED
    # One save of three aggregates: closed to offers, accepted and placed on the search, the
    # fill on the vacancy, the start of the placement; nothing from the nineteen others.
    assert portal.last_position() == before + 5
    for i, (child, search_id, _) in enumerate(searches):
        status = portal.get_home_search(kent, search_id).status
        started = portal.exists(placement_id(ids["Kent"], child))
        assert (status, started) == ((PLACED, True) if i == winner else (OFFERS_OPEN, False))


def test_twenty_concurrent_acceptances_on_a_sqlite_file(tmp_path):
    portal = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                         "SQLITE_DBNAME": str(tmp_path / "portal.db"),
                         "SQLITE_LOCK_TIMEOUT": "30"})
    try:
        twenty_acceptances_of_one_place(portal)
    finally:
        portal.close()


def test_twenty_concurrent_acceptances_of_the_same_offer_create_nothing_twice(tmp_path):
    portal = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                         "SQLITE_DBNAME": str(tmp_path / "portal.db"),
                         "SQLITE_LOCK_TIMEOUT": "30"})
    try:
        ids = region(portal)
        kent = officer(ids["Kent"])
        search_id = sent_search(portal, ids, kent, to=("weald",))
        chosen = offer(portal, ids, search_id, vacancy(portal, ids))
        before = portal.last_position()
        outcomes = all_at_once(CONCURRENT, lambda i: portal.accept_offer(
            kent, search_id, chosen, birth_month="2012-05", now=AFTER))
        kinds = Counter(type(r).__name__ for r in outcomes)
        assert set(kinds) <= {"tuple", "Conflict"} and kinds["tuple"] >= 1, kinds
        assert {r[0] for r in outcomes if isinstance(r, tuple)} == {
            placement_id(ids["Kent"], "CAAAAAAAAAAA1")}
        assert portal.last_position() == before + 5
    finally:
        portal.close()


def setting_offers_accepted_at_once(portal: Portal) -> None:
    """Twenty officers accept, at once, one or the other of two offers of a place at a
    setting (no vacancy) on one search: one acceptance is saved, of one offer; the others are
    refused (another offer was accepted) or, for the same offer, answered with its placement."""
    ids = region(portal)
    kent = officer(ids["Kent"])
    search_id = sent_search(portal, ids, kent)
    offers = [portal.offer_setting(officer(ids[p]), search_id, provider_id=ids[p],
                                   setting_id=ids[p + "_setting"], weekly_price=5_000,
                                   start_on=TODAY, now=NOW)[0] for p in ("weald", "downs")]
    before = portal.last_position()
    outcomes = all_at_once(CONCURRENT, lambda i: portal.accept_offer(
        kent, search_id, offers[i % 2], birth_month="2012-05", now=AFTER))
    kinds = Counter(type(r).__name__ for r in outcomes)
    assert set(kinds) <= {"tuple", "IllegalTransition", "Conflict"} and kinds["tuple"], kinds
    search = portal.get_home_search(kent, search_id)
    winners = {offers[i % 2] for i, r in enumerate(outcomes) if isinstance(r, tuple)}
    assert winners == {search.accepted_offer} and search.status == PLACED
    # One save: closed to offers, accepted and placed on the search, the placement started.
    assert portal.last_position() == before + 4
    setting = search.offers[search.accepted_offer]["setting_id"]
    assert portal.get_placement(kent, ids["Kent"], "CAAAAAAAAAAA1").current[
        "setting_id"] == setting


def scheduled_placement_started_at_once(portal: Portal) -> None:
    """Twenty runners start one scheduled placement at the same moment: it starts once."""
    ids = region(portal)
    kent = officer(ids["Kent"])
    search_id = sent_search(portal, ids, kent)
    offer_id, _ = portal.offer_place(officer(ids["weald"]), search_id,
                                     vacancy_id=vacancy(portal, ids), weekly_price=5_000,
                                     start_on=TODAY + timedelta(days=1), now=NOW)
    portal.accept_offer(kent, search_id, offer_id, birth_month="2012-05", now=AFTER)
    before = portal.last_position()
    outcomes = all_at_once(CONCURRENT, lambda i: portal.start_accepted_placement(
        search_id, now=AFTER + timedelta(days=1)))
    assert outcomes.count(True) == 1, outcomes
    assert all(r is False or type(r).__name__ == "Conflict" for r in outcomes if r is not True)
    assert portal.last_position() == before + 2  # placed, and the placement started
    assert portal.get_home_search(kent, search_id).status == PLACED


def _sqlite(tmp_path) -> Portal:
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                       "SQLITE_DBNAME": str(tmp_path / "portal.db"),
                       "SQLITE_LOCK_TIMEOUT": "30"})


def test_concurrent_acceptances_of_setting_offers_on_a_sqlite_file(tmp_path):
    portal = _sqlite(tmp_path)
    try:
        setting_offers_accepted_at_once(portal)
    finally:
        portal.close()


def test_a_scheduled_placement_started_by_twenty_runners_starts_once(tmp_path):
    portal = _sqlite(tmp_path)
    try:
        scheduled_placement_started_at_once(portal)
    finally:
        portal.close()
