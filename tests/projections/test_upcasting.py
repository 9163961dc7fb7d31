"""Schema evolution: stored events keep their original form and are upcast when read.

Vacancy.Published version 2 added ``places``. A version-1 event, stored exactly as the portal
stored it before the change (no ``places``, no ``class_version``), must still load, replay and
project as offering one place.
"""

from __future__ import annotations

import json
from uuid import uuid4

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

from domain.actor import Actor
from projections.vacancies import provider_vacancies, vacancy_board
from tests.projections.scenario import build_region

SYSTEM = Actor.system()


def version_1_state(provider, setting, authority) -> bytes:
    """A Vacancy.Published event as version 1 wrote it (JSON with eventsourcing's type tags)."""
    return json.dumps({
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-10-01T09:00:00+00:00"},
        "originator_topic": "domain.vacancy:Vacancy",
        "provider_id": {"_type_": "uuid_hex", "_data_": provider.hex},
        "setting_id": {"_type_": "uuid_hex", "_data_": setting.hex},
        "setting_type": "childrens_home",
        "host_authority_id": {"_type_": "uuid_hex", "_data_": authority.hex},
        "postcode_district": "ME14", "age_from": 10, "age_to": 17, "needs_met": [],
        "weekly_fee": 4800,
        "available_from": {"_type_": "date", "_data_": "2026-10-05"},
        "expires_on": None, "description": "Stored before the change",
        "actor": {"_type_": "actor", "_data_": {"user_id": None, "organisation_id": None}},
        "reason": None,
    }, separators=(",", ":")).encode()


def test_a_version_1_vacancy_event_still_loads_replays_and_projects(services):
    _, settings = build_region(services.portal, providers=1, settings_per_provider=1)
    provider, setting, _ = settings[0]
    host = services.portal.get_provider(provider).setting(setting).host_authority_id
    vacancy_id = uuid4()
    services.portal.recorder.insert_events([StoredEvent(
        originator_id=vacancy_id, originator_version=1,
        topic="domain.vacancy:Vacancy.Published",
        state=version_1_state(provider, setting, host))])

    vacancy = services.portal.get_vacancy(vacancy_id)
    assert vacancy.places == 1
    assert vacancy.weekly_fee == 4800
    # Later commands work on the upcast aggregate, and new events are stored as version 2.
    services.portal.update_vacancy(SYSTEM, vacancy_id, places=2, reason="sibling group")
    assert services.portal.get_vacancy(vacancy_id).places == 2
    services.projections.catch_up()
    with services.engine.connect() as c:
        assert c.execute(sa.select(vacancy_board.c.places)
                         .where(vacancy_board.c.id == vacancy_id)).scalar_one() == 2
    services.projections.rebuild()
    with services.engine.connect() as c:
        assert c.execute(sa.select(provider_vacancies.c.places, provider_vacancies.c.version)
                         .where(provider_vacancies.c.id == vacancy_id)).one() == (2, 2)
    # The stored version-1 event itself is untouched.
    (stored,) = services.portal.recorder.select_events(vacancy_id, lte=1)
    assert b'"places"' not in stored.state
    assert b'"class_version"' not in stored.state


def test_new_published_events_record_their_class_version(services):
    from datetime import date

    _, settings = build_region(services.portal, providers=1, settings_per_provider=1)
    provider, setting, _ = settings[0]
    vacancy_id, _ = services.portal.publish_vacancy(
        SYSTEM, provider_id=provider, setting_id=setting, age_from=5, age_to=12, needs_met=[],
        weekly_fee=1000, available_from=date(2027, 1, 1), places=3)
    (stored,) = services.portal.recorder.select_events(vacancy_id)
    state = json.loads(stored.state)
    assert (state["class_version"], state["places"]) == (2, 3)
