"""Saved searches of the vacancy board: a newly published vacancy is a notice to the owner of
each saved search it matches (a partnership by the projection's own copy of its members),
never to a deleted search's; officers read only their own, with the tender notices' reads and
mail ledgers; each notice is mailed once; rebuild equals incremental."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.permissions import Forbidden
from portal.services.notices import send_board_notice_mail
from projections.board_searches import board_notices, board_searches_for
from projections.notices import mark_read, notices_for
from projections.search_notices import unread_notice_count
from tests.projections.board_world import history, principal
from tests.projections.scenario import dump

NAMES = {"board_searches", "board_search_partnerships", "board_search_providers",
         "board_search_settings", "board_search_judgements", "board_search_notices"}


@pytest.fixture
def world(services):
    ids = history(services.portal)
    services.projections.catch_up()
    return services, ids


def test_a_new_vacancy_is_a_notice_to_each_matching_searchs_owner(world):
    services, ids = world
    with services.engine.connect() as c:
        rows = {(r.search_name, r.vacancy_id, r.account_id)
                for r in c.execute(board_notices.select())}
    assert rows == {("Kent homes", ids["Kent_vacancy"], ids["ann"]),
                    ("South West", ids["Dorset_vacancy"], ids["ann"]),
                    ("Cheap", ids["Dorset_vacancy"], ids["bob"])}


def test_officers_read_only_their_own_and_mark_them_read(world):
    services, ids = world
    ann, bob = principal(ids["ann"], ids["Kent"]), principal(ids["bob"], ids["Kent"])
    with services.engine.begin() as c:
        assert [(s["name"], s["matched"]) for s in board_searches_for(ann, c)] == [
            ("Kent homes", 1), ("South West", 1)]
        assert [(s["name"], s["matched"]) for s in board_searches_for(bob, c)] == [
            ("Cheap", 1)]
        mine = notices_for(ann, c)
        assert {(n["kind"], n["title"]) for n in mine} == {
            ("vacancy_matched", "Kent homes"), ("vacancy_matched", "South West")}
        assert unread_notice_count(ann, c) == 2
        # Bob's notice is not Ann's to mark.
        bobs = [n["id"] for n in notices_for(bob, c)]
        assert mark_read(ann, c, [mine[0]["id"], *bobs], datetime.now(UTC)) == 1
        assert unread_notice_count(ann, c) == 1 and unread_notice_count(bob, c) == 1
        provider = replace(principal(ids["ann"], ids["provider"]),
                           roles=frozenset({"provider_user"}))
        with pytest.raises(Forbidden):
            board_searches_for(provider, c)


def test_each_notice_is_mailed_once_to_its_owner(world):
    services, ids = world
    now = datetime.now(UTC)
    assert send_board_notice_mail(services, now, "https://portal.example.org") == (3, 0)
    assert send_board_notice_mail(services, now, "https://portal.example.org") == (0, 0)
    sent = services.mailer.sent(kind="vacancy_notice")
    assert sorted(m.to for m in sent) == ["ann@kent.example.org"] * 2 + ["bob@kent.example.org"]
    cheap = next(m for m in sent if m.to == "bob@kent.example.org")
    assert cheap.subject == "A new vacancy matches your saved search: Cheap"
    assert f"https://portal.example.org/vacancies/{ids['Dorset_vacancy']}" in cheap.body
    assert "£2,500 a week" in cheap.body


def test_a_suspended_officer_is_not_mailed(world):
    from domain.actor import Actor

    services, ids = world
    services.portal.suspend_account(Actor.system(), ids["bob"], reason="Left the council")
    services.projections.catch_up()
    assert send_board_notice_mail(services, datetime.now(UTC), "https://p.example.org") == (
        2, 0)


def test_rebuild_equals_incremental(services, monkeypatch):
    from projections import runner

    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    history(services.portal)
    services.projections.catch_up()
    incremental = dump(services.engine, names=NAMES)
    assert len(incremental["board_search_notices"]) == 3
    assert len(incremental["board_searches"]) == 3
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=NAMES) == incremental


def test_a_quality_search_hears_only_of_homes_judged_good_or_better(services, monkeypatch):
    """The quality filter matches by the setting's latest Ofsted judgement (its own URN's,
    else its provider's): a later inspection that is better counts, a home with none does not;
    a rebuild writes the same rows."""
    from datetime import date

    from domain.actor import Actor
    from domain.ofsted import DETAILS, Inspection, RegisterEntry
    from projections import runner
    from tests.projections.board_world import SYSTEM, TODAY

    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    portal = services.portal
    kent, _ = portal.register_authority(
        SYSTEM, la_code="886", ons_code="E10000016", name="Kent", population_0_17=60_000,
        partnerships=[], key_decision_threshold=500_000)
    ann, _ = portal.create_account(SYSTEM, email="ann@kent.example.org", display_name="Ann",
                                   organisation_id=kent, roles=["council_officer"])
    search, _ = portal.save_board_search(Actor(ann, kent), name="Good homes",
                                         quality="good_or_better")
    provider, _ = portal.register_provider(SYSTEM, name="Weald Homes", kind="mixed",
                                           ofsted_urn="SC000009")
    homes = {}
    for urn in ("SC000001", "SC000002", None):  # None: the provider's own registration
        homes[urn], _ = portal.add_setting(
            SYSTEM, provider, name=f"Home {urn}", setting_type="childrens_home",
            ofsted_urn=urn, host_authority_id=kent, postcode_district="ME14",
            registered_places=4)

    def entry(urn, judgement, day):
        return RegisterEntry(urn=urn, registration_status="active", registration_date=None,
                             places=4, details=dict.fromkeys(DETAILS, ""),
                             inspection=Inspection(day, None, judgement))

    portal.import_ofsted_register(SYSTEM, entries=[
        entry("SC000001", "inadequate", date(2025, 1, 10)),
        entry("SC000002", "requires_improvement", date(2025, 3, 1)),
        entry("SC000009", "requires_improvement", date(2025, 2, 1))], open_vacancies={},
        reason="Register import")
    portal.import_ofsted_register(SYSTEM, entries=[
        entry("SC000001", "good", date(2025, 9, 10)),
        entry("SC000009", "outstanding", date(2025, 8, 1))], open_vacancies={},
        reason="Register import")
    published = {}
    for urn, setting in homes.items():
        published[urn], _ = portal.publish_vacancy(
            SYSTEM, provider_id=provider, setting_id=setting, age_from=10, age_to=17,
            needs_met=[], weekly_fee=4_000, available_from=TODAY, today=TODAY)
    services.projections.catch_up()
    with services.engine.connect() as c:
        matched = {r.vacancy_id for r in c.execute(
            board_notices.select().where(board_notices.c.board_search_id == search))}
    assert matched == {published["SC000001"], published[None]}
    incremental = dump(services.engine, names=NAMES)
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=NAMES) == incremental
