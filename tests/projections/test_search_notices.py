"""Home search notices: each provider a search was sent to is told when it reaches them, when
it closes, when their offer is accepted or released and when the search is withdrawn; the
placing authority when offers close and how many arrived. Each organisation reads only its
own, nothing of the child; read is each user's own; the searches due to close or to start a
placement are found in the read models; incremental equals a rebuild."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import sqlalchemy as sa

from domain.actor import Actor
from domain.principal import Principal
from projections.referral_queries import offer_contract, offers_on
from projections.search_notices import (
    mark_search_notices_read,
    placements_due,
    search_notices_for,
    searches_past_deadline,
    unread_notice_count,
    unread_search_count,
)
from tests.projections.home_search_world import TODAY, build
from tests.projections.scenario import dump
from tests.projections.test_home_search_offers import (
    DEADLINE,
    NOW,
    provider_user,
    referral_history,
)

NAMES = {"search_notices", "search_notice_searches", "search_notice_offers", "home_searches"}


def history(services):
    """The referral history, closed by the runner's query at the deadline; Weald's offer
    (starting in a week) accepted, and the search sent to Weald alone cancelled."""
    portal = services.portal
    world = build(portal)
    ids = referral_history(portal, world)
    services.projections.catch_up()
    with services.engine.connect() as c:
        assert searches_past_deadline(c, NOW) == []
        due = searches_past_deadline(c, DEADLINE)
    assert set(due) == {ids["sent"], ids["only_weald"]}
    assert set(portal.close_home_searches_past_deadline(due, now=DEADLINE)) == set(due)
    kent = Actor(uuid4(), world.kent)
    portal.accept_offer(kent, ids["sent"], ids["offer_a"], birth_month="2013-02",
                        now=DEADLINE + timedelta(hours=1))
    portal.cancel_home_search(kent, ids["only_weald"], reason="Placed with family")
    services.projections.catch_up()
    return world, ids


def kinds(viewer, c) -> list[tuple]:
    return sorted((str(n["search_id"]), n["kind"]) for n in search_notices_for(viewer, c))


def test_each_organisation_is_told_its_own_part_and_nothing_of_the_child(services):
    world, ids = history(services)
    p = world.providers
    sent, weald_only = str(ids["sent"]), str(ids["only_weald"])
    weald, brook, other = (provider_user(p[name]) for name in ("Weald Homes", "Brook Care",
                                                                "Other Homes"))
    with services.engine.connect() as c:
        assert kinds(weald, c) == sorted([
            (sent, "search_sent"), (sent, "search_closed"), (sent, "offer_accepted"),
            (weald_only, "search_sent"), (weald_only, "search_closed"),
            (weald_only, "search_withdrawn")])
        assert kinds(brook, c) == sorted([(sent, "search_sent"), (sent, "search_closed"),
                                          (sent, "offer_released")])
        assert kinds(other, c) == sorted([(sent, "search_sent"), (sent, "search_closed")])
        officer_notices = search_notices_for(world.officer, c)
        assert search_notices_for(world.dorset_officer, c) == []
        everything = [*search_notices_for(weald, c), *officer_notices]
    assert sorted((str(n["search_id"]), n["kind"], n["offers"]) for n in officer_notices) == \
        sorted([(sent, "offers_closed", 2), (weald_only, "offers_closed", 0)])
    accepted = next(n for n in everything if n["kind"] == "offer_accepted")
    assert accepted["starts_on"] == TODAY + timedelta(days=7)
    assert accepted["title"] == ("Planned search from Kent: children's home, age band 10 to "
                                 "15, 2 places together")
    for notice in everything:
        assert "CAAAAAAAAAAA" not in repr(notice) and "child_ref" not in notice
        assert "legal_status" not in notice


def test_read_is_each_users_own_and_only_their_organisations(services):
    world, _ = history(services)
    weald = provider_user(world.providers["Weald Homes"])
    colleague = provider_user(world.providers["Weald Homes"])
    brook = provider_user(world.providers["Brook Care"])
    with services.engine.begin() as c:
        assert unread_search_count(weald, c) == 6
        ids = [n["id"] for n in search_notices_for(weald, c)][:2]
        assert mark_search_notices_read(brook, c, ids, NOW) == 0  # not Brook's
        assert mark_search_notices_read(weald, c, ids, NOW) == 2
        assert mark_search_notices_read(weald, c, ids, NOW) == 0
        assert unread_search_count(weald, c) == 4
        assert unread_search_count(colleague, c) == 6
        assert unread_search_count(brook, c) == 3
        assert unread_search_count(world.officer, c) == 2
        # The navigation's count adds the officer's board search notices (none here) in the
        # same statement.
        statements: list[str] = []
        listen = (c, "before_cursor_execute", lambda *a: statements.append(a[2]))
        sa.event.listen(*listen)
        try:
            assert unread_notice_count(world.officer, c) == 2
        finally:
            sa.event.remove(*listen)
        assert len(statements) == 1 and "board_search_notices" in statements[0]
        read = {n["id"]: n["read_at"] for n in search_notices_for(weald, c)}
    assert all(read[i] is not None for i in ids)
    platform = Principal(user_id=uuid4(), email="", display_name="", organisation_id=uuid4(),
                         organisation_kind="platform", organisation_name="",
                         roles=frozenset({"platform_admin"}))
    with services.engine.connect() as c:
        assert search_notices_for(platform, c) == []


def test_a_scheduled_placement_is_due_on_its_day_and_links_to_the_contract(services):
    world, ids = history(services)
    start = TODAY + timedelta(days=7)
    with services.engine.connect() as c:
        assert offer_contract(world.officer, c, ids["sent"], ids["offer_a"]) == {
            "contract_route": "block", "contract_id": world.block, "start_on": start}
        assert offer_contract(world.officer, c, ids["sent"], ids["offer_b"])[
            "contract_route"] == "framework"
        assert placements_due(c, start - timedelta(days=1)) == []
        assert placements_due(c, start) == [ids["sent"]]
        view = offers_on(world.officer, c, ids["sent"], today=TODAY)
    assert view["search"]["status"] == "accepted" and view["search"]["starts_on"] == start


def test_incremental_equals_a_rebuild(services, monkeypatch):
    from projections import runner

    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    history(services)
    incremental = dump(services.engine, names=NAMES)
    assert len(incremental["search_notices"]) == 13
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=NAMES) == incremental


def test_asking_for_a_place_from_the_board_reaches_its_provider_once(services, monkeypatch):
    """A search open to offers asked of another provider for its vacancy tells that provider
    it reached them, as sending does; a draft sent by asking is told once (by ``Sent``)."""
    from projections import runner
    from tests.application import referral_world as board
    from tests.application.referral_world import officer as acting_officer
    from tests.application.referral_world import region, sent_search, vacancy

    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    portal = services.portal
    ids = region(portal)
    kent = acting_officer(ids["Kent"])
    downs_place = vacancy(portal, ids, "downs")
    open_search = sent_search(portal, ids, actor=kent, to=("weald",))
    portal.ask_for_place(kent, downs_place, search_ref=open_search, now=board.NOW)
    draft_id, _ = portal.draft_home_search(
        kent, authority_id=ids["Kent"], child_ref="CAAAAAAAAAAA2", urgency="planned",
        needed_by=board.TODAY + timedelta(days=20), latest_start=board.TODAY + timedelta(days=30),
        placement_types=["childrens_home"], age=14, sex="1", siblings=0, legal_status="C2",
        needs=[], family_district="ME14", today=board.TODAY)
    portal.ask_for_place(kent, downs_place, search_ref=draft_id, now=board.NOW,
                         offers_close_at=board.DEADLINE)
    services.projections.catch_up()
    downs, weald = provider_user(ids["downs"]), provider_user(ids["weald"])
    with services.engine.connect() as c:
        assert kinds(downs, c) == sorted([(str(open_search), "search_sent"),
                                          (str(draft_id), "search_sent")])
        assert kinds(weald, c) == [(str(open_search), "search_sent")]
        reached = next(n for n in search_notices_for(downs, c)
                       if n["search_id"] == open_search)
        assert reached["offers_close_at"] == board.DEADLINE
        assert unread_search_count(downs, c) == 2
    incremental = dump(services.engine, names=NAMES)
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=NAMES) == incremental
