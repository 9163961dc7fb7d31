"""Twenty officers accept, at the same moment, twenty offers of one one-place vacancy (one
offer on each of twenty searches), in threads on a real SQLite file: exactly one acceptance is
saved, the others are told the vacancy was taken meanwhile, and nothing of theirs is stored.
The same runs on PostgreSQL in tests/postgres/test_offers_postgres.py."""

from __future__ import annotations

from collections import Counter

from domain.home_search import OFFERS_OPEN, PLACED
from domain.placement import placement_id
from domain.vacancy import FILLED
from portal.services.application import Portal
from tests.application.referral_world import AFTER, offer, officer, region, sent_search, vacancy
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
