"""The event store's last guard (issue 17, finding 1): whatever path forgets to refuse a NUL
byte or a lone surrogate, no event carrying one is saved."""

from __future__ import annotations

import pytest

from domain.storable import Unstorable, holds_unstorable
from tests.application.test_application import SYSTEM, portal, region, terms  # noqa: F401 (fixtures)


@pytest.mark.parametrize("bad", ["NUL here:\x00:end", "half a pair \ud800"])
def test_a_command_whose_event_holds_unstorable_text_saves_nothing(portal, region, bad):  # noqa: F811
    _, provider, setting = region
    before = portal.last_position()
    with pytest.raises(Unstorable) as refused:
        portal.publish_vacancy(SYSTEM, provider_id=provider, setting_id=setting, places=1,
                               **terms(description=bad))
    assert refused.value.field == "description"
    assert portal.last_position() == before


def test_nested_facts_are_looked_into_and_ordinary_text_passes():
    assert holds_unstorable({"answers": {"Q1": ["fine", "not\x00fine"]}})
    assert holds_unstorable(("a", {"b\udc80": 1}))
    assert not holds_unstorable({"reason": "Caf\u00e9 \x1b\t\n \U0001F469\u200d\U0001F467", "n": 3})
