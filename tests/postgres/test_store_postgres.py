"""The event store on PostgreSQL: commands round-trip their events through eventsourcing's
``postgres`` persistence module, the notification log keeps one total order, duplicates are
refused, and a bad DATABASE_URL fails quickly with the server's reason."""

from __future__ import annotations

import socket
import time
from datetime import date

import pytest
import sqlalchemy as sa
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.errors import AlreadyExists
from domain.organisation import Authority
from domain.vacancy import Vacancy
from portal.bootstrap import bootstrap
from projections.database import DatabaseUnavailable
from projections.vacancies import vacancy_board
from tests.projections.scenario import build_region

pytestmark = pytest.mark.postgres

SYSTEM = Actor.system()


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


def test_events_and_read_models_share_the_postgresql_database(services):
    assert not services.database.is_sqlite
    assert type(services.portal.recorder).__module__ == "eventsourcing.postgres"
    with services.engine.connect() as c:
        tables = set(c.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    assert {services.database.events_table, "projection_tracking", "vacancy_board"} <= tables
    assert services.portal.last_position() == 0
    assert services.projections.head() == 0


def test_commands_round_trip_their_events_in_one_total_order(services):
    _, settings = build_region(services.portal, providers=1, settings_per_provider=1)
    provider, setting, _ = settings[0]
    before = services.portal.last_position()

    vacancy, published = services.portal.publish_vacancy(
        SYSTEM, provider_id=provider, setting_id=setting, age_from=8, age_to=15,
        needs_met=["mental_health", "disability", "mental_health"], weekly_fee=4200,
        available_from=date(2027, 3, 1), expires_on=date(2027, 6, 1), description="A place")
    updated = services.portal.update_vacancy(SYSTEM, vacancy, reason="fee review",
                                             weekly_fee=4350, needs_met=["uasc"])
    held = services.portal.hold_vacancy(SYSTEM, vacancy, home_search_ref="HS-1")

    assert before < published < updated < held == services.portal.last_position()

    reloaded = services.portal.get_vacancy(vacancy)
    assert reloaded.version == 3
    assert (reloaded.weekly_fee, reloaded.needs_met) == (4350, ["uasc"])
    assert reloaded.available_from == date(2027, 3, 1)  # the date transcoding round-trips
    assert reloaded.expires_on == date(2027, 6, 1)
    assert reloaded.status == "held"
    assert reloaded.held_for == "HS-1"

    notifications = services.portal.recorder.select_notifications(
        start=published, limit=10, inclusive_of_start=True)
    assert [n.id for n in notifications] == [published, updated, held]
    assert [n.topic for n in notifications] == [
        get_topic(Vacancy.Published), get_topic(Vacancy.Updated), get_topic(Vacancy.Held)]
    assert {n.originator_id for n in notifications} == {vacancy}
    assert [n.originator_version for n in notifications] == [1, 2, 3]
    updated_event = services.portal.mapper.to_domain_event(notifications[1])
    assert updated_event.actor == SYSTEM  # the actor transcoding round-trips
    assert updated_event.reason == "fee review"

    # Filtering by topic is done by the database, as the projections rely on.
    only_updates = services.portal.recorder.select_notifications(
        start=0, limit=100, topics=[get_topic(Vacancy.Updated)])
    assert [n.id for n in only_updates] == [updated]

    services.projections.catch_up()
    with services.engine.connect() as c:
        row = c.execute(vacancy_board.select().where(vacancy_board.c.id == vacancy)).one()
    assert (row.weekly_fee, row.status) == (4350, "held")


def test_a_second_authority_with_the_same_la_code_is_refused(services):
    services.portal.register_authority(
        SYSTEM, la_code="838", ons_code="E06000059", name="Dorset", population_0_17=70_000,
        partnerships=["Dorset"], key_decision_threshold=500_000)
    head = services.portal.last_position()
    with pytest.raises(AlreadyExists, match="LA code 838 is already registered"):
        services.portal.register_authority(
            SYSTEM, la_code="838", ons_code="E06000059", name="Dorset again",
            population_0_17=1, partnerships=[], key_decision_threshold=1)
    assert services.portal.last_position() == head  # nothing was stored
    assert services.portal.get_authority("838").name == "Dorset"
    notifications = services.portal.recorder.select_notifications(start=0, limit=10)
    assert [n.topic for n in notifications] == [get_topic(Authority.Registered)]


def test_two_portals_on_one_database_see_each_others_writes(services, postgres_url):
    other = bootstrap(postgres_url)
    try:
        _, settings = build_region(services.portal, providers=1, settings_per_provider=1)
        provider, setting, _ = settings[0]
        vacancy, position = other.portal.publish_vacancy(
            SYSTEM, provider_id=provider, setting_id=setting, age_from=16, age_to=18,
            needs_met=[], weekly_fee=1500, available_from=date(2027, 1, 4), expires_on=None,
            description="")
        assert services.portal.last_position() == position
        assert services.portal.get_vacancy(vacancy).weekly_fee == 1500
    finally:
        other.close()


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("problem", ["no such database", "nothing listening on the port"])
def test_a_bad_database_url_fails_quickly_and_says_why(postgres_server, problem):
    if problem == "no such database":
        url = postgres_server.database_url("portal_test_does_not_exist")
        expected = 'database "portal_test_does_not_exist" does not exist'
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_unused_port()}/portal"
        expected = "Connection refused"
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as raised:
        bootstrap(url)
    assert time.monotonic() - started < 6  # bounded by POSTGRES_CONNECT_TIMEOUT, not a hang
    message = str(raised.value)
    assert "Cannot open PostgreSQL database" in message
    assert expected in message
