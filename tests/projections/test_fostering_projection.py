"""The fostering read model: one row per authority and month, following records and
corrections; a rebuild from the log equals it; an officer reads only their own authority's."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.fostering import fostering_return_for, fostering_returns_for
from tests.application.test_fostering_commands import TODAY, councils  # noqa: F401
from tests.fostering_returns import figures
from tests.projections.scenario import dump


def viewer(authority, role: str = "council_officer") -> Principal:
    return Principal(user_id=uuid4(), email="o@example.org", display_name="Officer",
                     organisation_id=authority, organisation_kind="authority",
                     organisation_name="Council", roles=frozenset({role}))


def test_rows_follow_the_returns_and_a_rebuild_equals_them(services, councils):  # noqa: F811
    dorset, kent = councils
    portal = services.portal
    for authority in councils:
        officer = Actor(uuid4(), authority)
        portal.import_fostering_returns(officer, authority, file_name="r.csv", today=TODAY,
                                        returns=[(date(2026, 2, 1), figures()),
                                                 (date(2026, 3, 1), figures(approvals=1))])
    portal.correct_fostering_return(Actor(uuid4(), kent), kent, month=date(2026, 3, 1),
                                    figures=figures(approvals=4), reason="Late", today=TODAY)
    services.projections.catch_up()
    with services.engine.connect() as c:
        own = fostering_returns_for(viewer(kent), c)
        assert [(r["month"], r["approvals"], r["corrections"]) for r in own] == [
            (date(2026, 3, 1), 4, 1), (date(2026, 2, 1), 3, 0)]
        assert own[0]["households"] == 58 and own[0]["resigned"] == 2
        assert {r["authority_id"] for r in fostering_returns_for(viewer(dorset), c)} == {
            dorset}
        assert fostering_return_for(viewer(dorset), c, date(2026, 3, 1))["approvals"] == 1
        assert fostering_return_for(viewer(dorset), c, date(2026, 4, 1)) is None
        with pytest.raises(Forbidden):
            fostering_returns_for(viewer(kent, "provider_user"), c)
    before = dump(services.engine, names={"fostering_returns"})
    assert services.projections.rebuild(["fostering"]) > 0
    assert dump(services.engine, names={"fostering_returns"}) == before
