"""The portal's transcoder (portal/services/transcoder.py) writes exactly the bytes
eventsourcing's own JSON transcoder writes, for every event the demo region stores and for
every kind of value an event may hold, and refuses what that one refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, TranscodingNotRegisteredError

from domain.actor import Actor
from portal.services.application import Portal
from portal.services.transcoder import PortalTranscoder


def transcoders() -> tuple[JSONTranscoder, PortalTranscoder]:
    """eventsourcing's transcoder and the portal's, with the portal's transcodings."""
    portal = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    reference = JSONTranscoder()
    portal.register_transcodings(reference)
    assert isinstance(portal.mapper.transcoder, PortalTranscoder)
    return reference, portal.mapper.transcoder


def test_every_event_of_the_demo_region_is_encoded_as_eventsourcing_encodes_it(demo_services):
    reference, _ = transcoders()
    mapper = demo_services.portal.mapper
    by_eventsourcing = Mapper(transcoder=reference)
    topics = set()
    for stored in demo_services.portal.recorder.select_notifications(start=1, limit=10**6):
        event = mapper.to_domain_event(stored)
        expected = by_eventsourcing.to_stored_event(event).state
        assert mapper.to_stored_event(event).state == expected, stored.topic
        assert stored.state == expected, stored.topic  # as stored (no event is upcast here)
        topics.add(stored.topic)
    assert len(topics) > 50, len(topics)


@pytest.mark.parametrize("state", [
    {},
    {"text": "Ffion's home, Ynys Môn — “quoted”, tab\t, newline\n, NUL-free, 🏠"},
    {"numbers": [0, -1, 2**70, 1.5, -0.0, 1e300, float("inf"), True, False, None]},
    {"nested": {"rows": [{"id": uuid4(), "on": date(2027, 3, 1)}], "empty": {}, "list": []}},
    {"when": datetime(2026, 11, 23, 9, 30, 0, 123456, tzinfo=UTC),
     "naive": datetime(2026, 11, 23), "fee": Decimal("1234.50"), "id": uuid4()},
    {"actor": Actor.system(), "client": Actor.api_client(uuid4(), uuid4()),
     "user": Actor(user_id=UUID(int=1), organisation_id=UUID(int=2))},
    {"_type_": "looks like a transcoding", "_data_": ["but is not one"], "and": "more"},
    {"tuple": (1, "two", date(2026, 1, 1))},
])
def test_every_kind_of_value_is_encoded_alike(state):
    reference, transcoder = transcoders()
    assert transcoder.encode(state) == reference.encode(state)
    assert transcoder.decode(transcoder.encode(state)) == reference.decode(reference.encode(state))


def test_a_value_of_no_registered_type_is_refused_alike():
    reference, transcoder = transcoders()
    for transcoder_ in (reference, transcoder):
        with pytest.raises(TranscodingNotRegisteredError, match="not serializable"):
            transcoder_.encode({"set": {1, 2}})
    state = {"after": uuid4()}  # a refusal leaves nothing behind for the next event
    assert transcoder.encode(state) == reference.encode(state)
